//! The storage interface. Every method that writes commits in one
//! transaction together with its audit-log entry.

use async_trait::async_trait;

use crate::error::StoreError;
use crate::model::{
    Actor, AuditEntry, Clinic, FollowUpLink, IdemKey, LinkChange, LoginGate, NewLink, NewMessage, NewUser,
    OutboxMessage, Project, ProjectVersion, Record, RecordChanges, RecordVersion, User, VersionMark,
};

/// Result alias.
pub type Result<T> = std::result::Result<T, StoreError>;

/// Where a new record hangs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// Patient it belongs to (None for a new patient).
    pub patient_id: Option<i64>,
    /// Parent record (course for sessions and outcomes, session for adverse events).
    pub parent_id: Option<i64>,
}

/// Storage of the clinic registry.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Creates a clinic.
    async fn create_clinic(&self, name: &str, demo: bool) -> Result<Clinic>;
    /// A clinic by id.
    async fn clinic(&self, id: i64) -> Result<Clinic>;
    /// Makes the actor's clinic's answers page public (or not); audited.
    async fn set_answers_public(&self, actor: &Actor, public: bool) -> Result<()>;
    /// Stores the actor's clinic's follow-up messaging settings (a JSON
    /// document the caller validated); audited under `action`.
    async fn set_messaging(&self, actor: &Actor, messaging: &serde_json::Value, action: &'static str) -> Result<()>;
    /// Every record of the given kinds of a clinic, in creation order, for
    /// aggregate figures (not audited per record: nothing identifying leaves
    /// the aggregate; pass no `patient` kind).
    async fn clinic_records(&self, clinic_id: i64, kinds: &[&str]) -> Result<Vec<Record>>;
    /// The clinic's records of the given kinds written (created, corrected,
    /// voided or moved) after record generation `after` (every one for a
    /// negative `after`), and the generation now: each write of a clinic's
    /// records raises the clinic's generation in its transaction and stamps
    /// the record with it, so a reader holding the records at generation `g`
    /// is current again with what changed after `g` (voided ones to drop,
    /// the others to replace or add). Not audited per record, as
    /// [`Store::clinic_records`].
    async fn records_since(&self, clinic_id: i64, kinds: &[&str], after: i64) -> Result<RecordChanges>;
    /// Every clinic, by id.
    async fn clinics(&self) -> Result<Vec<Clinic>>;
    /// The code of the database's clinic when it holds exactly one.
    async fn sole_clinic_code(&self) -> Result<Option<String>>;
    /// Whether any clinic in this database is a demo clinic.
    async fn is_demo(&self) -> Result<bool>;

    /// Creates a user.
    async fn create_user(&self, u: NewUser) -> Result<User>;
    /// A user of a clinic by e-mail (case-insensitive).
    async fn user_by_email(&self, clinic_id: i64, email: &str) -> Result<User>;
    /// A clinic by its login code (case-insensitive).
    async fn clinic_by_code(&self, code: &str) -> Result<Clinic>;
    /// A user by id.
    async fn user(&self, id: i64) -> Result<User>;
    /// Users of a clinic.
    async fn users(&self, clinic_id: i64) -> Result<Vec<User>>;
    /// Replaces a password hash.
    async fn set_password(&self, user_id: i64, hash: &str) -> Result<()>;
    /// Links a patient user to a patient record.
    async fn link_patient(&self, user_id: i64, patient_id: i64) -> Result<()>;
    /// The internal key of the actor's clinic's record with this public id.
    async fn record_key(&self, actor: &Actor, public_id: &str) -> Result<i64>;
    /// Every record of a clinic: internal key to public id.
    async fn public_ids(&self, clinic_id: i64) -> Result<std::collections::HashMap<i64, String>>;
    /// A user of a clinic by public id.
    async fn user_by_public_id(&self, clinic_id: i64, public_id: &str) -> Result<User>;

    /// Stores a login session (token hash) for a user.
    async fn create_session(&self, token_hash: &str, user_id: i64, now: i64) -> Result<()>;
    /// The user of a session that has been idle for less than `idle_secs`
    /// and is younger than `max_age_secs`, with the session's start (seconds
    /// since the epoch); refreshes its idle clock.
    async fn session_user(&self, token_hash: &str, now: i64, idle_secs: i64, max_age_secs: i64) -> Result<(User, i64)>;
    /// Ends a session.
    async fn delete_session(&self, token_hash: &str) -> Result<()>;

    /// Stores an API token hash; returns its public id.
    async fn create_token(&self, user_id: i64, token_hash: &str, name: &str) -> Result<String>;
    /// The user of a valid, unrevoked token.
    async fn token_user(&self, token_hash: &str) -> Result<User>;
    /// Revokes a token of the user (by its public id).
    async fn revoke_token(&self, user_id: i64, token_id: &str) -> Result<()>;

    /// Stores a one-time password-reset token.
    async fn create_reset(&self, user_id: i64, token_hash: &str, expires_at: i64) -> Result<()>;
    /// Uses a reset token (once, before it expires) to set a new password hash.
    async fn use_reset(&self, token_hash: &str, now: i64, new_hash: &str) -> Result<i64>;

    /// Reserves a login attempt before its password is checked, in one
    /// write: when the account has fewer than `max_account` and the address
    /// fewer than `max_address` attempts counted since `now - window`, this
    /// attempt is counted too (as a failure until [`Store::login_succeeded`]
    /// clears it); otherwise it is refused uncounted, so a lock lasts at most
    /// `window` after the attempts that caused it. `attempt` is a random id
    /// for this attempt (the caller draws it).
    async fn reserve_login(
        &self,
        account: &str,
        address: &str,
        now: i64,
        window: i64,
        max_account: i64,
        max_address: i64,
        attempt: &str,
    ) -> Result<LoginGate>;
    /// Uncounts a reserved attempt whose password was right.
    async fn login_succeeded(&self, attempt: &str) -> Result<()>;
    /// Attempts counted since `since` for the account and for the address.
    async fn login_failures(&self, account: &str, address: &str, since: i64) -> Result<(i64, i64)>;

    /// Creates a record (and its first version and audit entry) in one
    /// transaction. With an idempotency key this user used in the same scope
    /// within 24 hours for the same record, the record created then is
    /// returned and `false` says nothing was written; for another record,
    /// [`StoreError::KeyReused`](crate::StoreError::KeyReused).
    async fn insert_record(
        &self,
        actor: &Actor,
        kind: &str,
        at: Placement,
        data: serde_json::Value,
        idempotency_key: Option<&IdemKey>,
    ) -> Result<(Record, bool)> {
        self.insert_record_audited(actor, kind, at, data, idempotency_key, &[])
            .await
    }
    /// As `insert_record`, with further audit entries about the new record
    /// (such as `safety_override:PTX_DEPTH`) in the same transaction.
    async fn insert_record_audited(
        &self,
        actor: &Actor,
        kind: &str,
        at: Placement,
        data: serde_json::Value,
        idempotency_key: Option<&IdemKey>,
        also_audit: &[String],
    ) -> Result<(Record, bool)>;
    /// A record of the actor's clinic (audited as a read).
    async fn record(&self, actor: &Actor, kind: &str, id: i64) -> Result<Record>;
    /// Records of a kind under a parent (or of a patient), in creation
    /// order, leaving out those voided (data with a `voided` entry).
    async fn children(&self, actor: &Actor, kind: &str, parent_id: i64) -> Result<Vec<Record>>;
    /// Patients of the clinic whose data matches `query` (case-insensitive; empty = all).
    async fn patients(&self, actor: &Actor, query: &str) -> Result<Vec<Record>>;
    /// Writes a new version if `expected_version` is current (else `Conflict`).
    async fn update_record(
        &self,
        actor: &Actor,
        kind: &str,
        id: i64,
        expected_version: i64,
        data: serde_json::Value,
    ) -> Result<Record> {
        self.update_record_audited(actor, kind, id, expected_version, data, &[])
            .await
    }
    /// As `update_record`, with further audit entries about the record
    /// (`void`, `safety_override:…`) in the same transaction.
    async fn update_record_audited(
        &self,
        actor: &Actor,
        kind: &str,
        id: i64,
        expected_version: i64,
        data: serde_json::Value,
        also_audit: &[String],
    ) -> Result<Record>;
    /// Moves a record to another parent (a session to another course of its
    /// patient): a new version with the same data, audited as `move`, if
    /// `expected_version` is current (else `Conflict`).
    async fn move_record(
        &self,
        actor: &Actor,
        kind: &str,
        id: i64,
        expected_version: i64,
        parent_id: i64,
    ) -> Result<Record>;
    /// The voided records of a kind under a parent (kept, shown with their
    /// reason, left out of `children`, `clinic_records` and every figure).
    async fn voided_children(&self, actor: &Actor, kind: &str, parent_id: i64) -> Result<Vec<Record>>;
    /// All versions of a record.
    async fn versions(&self, actor: &Actor, id: i64) -> Result<Vec<RecordVersion>>;
    /// Everything held on a patient.
    async fn patient_records(&self, actor: &Actor, patient_id: i64) -> Result<Vec<Record>>;

    /// Appends an audit entry on its own (reads, logins).
    async fn audit(
        &self,
        actor: Option<&Actor>,
        action: &str,
        kind: Option<&str>,
        record_id: Option<i64>,
    ) -> Result<()>;
    /// The audit log of a clinic (or all, for `None`), in order.
    async fn audit_log(&self, clinic_id: Option<i64>) -> Result<Vec<AuditEntry>>;
    /// The clinic's latest `limit` audit entries, newest first, and how
    /// many the clinic's log holds in all.
    async fn audit_tail(&self, clinic_id: i64, limit: i64) -> Result<(i64, Vec<AuditEntry>)>;
    /// The last audit entry's id and MAC (the head to anchor), if any.
    async fn audit_head(&self) -> Result<Option<(i64, String)>>;

    /// Called once when the program is done with the store (after the
    /// server has drained): SQLite folds its write-ahead log into the file,
    /// so that the file alone is the whole database.
    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    /// De-identified aggregates: per clinic and condition, patients and
    /// outcome summaries (JSON rows), cells under `min_cell` patients suppressed.
    async fn research_aggregates(&self, min_cell: i64) -> Result<serde_json::Value>;

    // --- follow-up between visits (links and the outbox) ---

    /// Makes a timepoint due by link: its link (the one it has, if any) and
    /// its first message, in one transaction; true when either is new.
    async fn queue_link(&self, link: NewLink, first: NewMessage) -> Result<(FollowUpLink, OutboxMessage, bool)>;
    /// Queues a further message (a reminder) about a link, once per kind, and
    /// keeps the link open to `open_until` at least; true when it is new.
    async fn queue_message(&self, link_id: i64, message: NewMessage, open_until: &str)
        -> Result<(OutboxMessage, bool)>;
    /// The link whose token has this SHA-256.
    async fn link_by_token(&self, token_hash: &str) -> Result<FollowUpLink>;
    /// A link by its key.
    async fn link(&self, id: i64) -> Result<FollowUpLink>;
    /// A course's links, each with its messages (oldest first).
    async fn links_of_course(&self, course_id: i64) -> Result<Vec<(FollowUpLink, Vec<OutboxMessage>)>>;
    /// Every message queued for a patient (oldest first).
    async fn messages_of_patient(&self, patient_id: i64) -> Result<Vec<OutboxMessage>>;
    /// Counts a wrong answer on a link (locking it) or closes it; the link after.
    async fn link_answer(&self, link_id: i64, change: LinkChange) -> Result<FollowUpLink>;
    /// Messages not sent whose next try is due at `now_s`, the longest waiting first.
    async fn waiting_messages(&self, now_s: i64, limit: i64) -> Result<Vec<OutboxMessage>>;
    /// Marks a message sent (`Ok(at)`), or failed with its error and next try (`Err((error, next_s))`).
    async fn message_tried(&self, id: i64, outcome: std::result::Result<String, (String, i64)>) -> Result<()>;

    // --- evidence projects (trial summaries, not patient data) ---

    /// Creates a project of the actor's clinic; audited `project_create`.
    async fn create_project(&self, actor: &Actor, title: &str, based_on_bundled: bool) -> Result<Project>;
    /// A clinic's projects, oldest first.
    async fn projects(&self, clinic_id: i64) -> Result<Vec<Project>>;
    /// A project by public id (any clinic's: the caller checks who may see it).
    async fn project(&self, public_id: &str) -> Result<Project>;
    /// A project by its internal key.
    async fn project_by_id(&self, id: i64) -> Result<Project>;
    /// Saves a version of a project: with the same hash as one it has, that
    /// one and `false`; else, when `parent_hash` is the project's latest
    /// version (`None` for a project without one), the new version, audited
    /// `version_save`; else [`StoreError::Conflict`](crate::StoreError::Conflict)
    /// (someone saved meanwhile: nothing is written).
    async fn save_version(
        &self,
        actor: &Actor,
        project_id: i64,
        parent_hash: Option<&str>,
        hash: &str,
        content: &str,
    ) -> Result<(ProjectVersion, bool)>;
    /// A project's versions, oldest first.
    async fn project_versions(&self, project_id: i64) -> Result<Vec<ProjectVersion>>;
    /// Every saved version with this hash (in any project), oldest first.
    async fn versions_by_hash(&self, hash: &str) -> Result<Vec<ProjectVersion>>;
    /// Stamps a version reviewed or published (publishing also reviews);
    /// audited `version_reviewed` / `version_published`. Stamping twice
    /// keeps the first time.
    async fn mark_version(&self, actor: &Actor, version_id: i64, mark: VersionMark) -> Result<ProjectVersion>;
}
