//! Rows of the registry as the store returns them.

use serde::Serialize;

/// A clinic (tenant).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clinic {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// The code users name the clinic by at login (`north-clinic`); unique.
    pub code: String,
    /// Whether this is a simulated demo clinic.
    pub demo: bool,
    /// Whether the answers page (aggregate figures only) is public.
    pub answers_public: bool,
    /// Its follow-up messaging settings (a JSON document; None: never set).
    #[serde(skip)]
    pub messaging: Option<serde_json::Value>,
}

/// A user account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    /// Id.
    pub id: i64,
    /// Clinic.
    pub clinic_id: i64,
    /// Login e-mail.
    pub email: String,
    /// Display name.
    pub name: String,
    /// admin, practitioner, patient or researcher.
    pub role: String,
    /// For patient users: their patient record.
    pub patient_id: Option<i64>,
    /// The id URLs and JSON name the user by (random, 32 hex digits).
    pub public_id: String,
    /// The public id of the linked patient record.
    pub patient_public_id: Option<String>,
    /// Whether the account may log in.
    pub active: bool,
    /// Argon2id PHC string (never serialized).
    #[serde(skip)]
    pub password_hash: String,
}

/// An `Idempotency-Key` with its scope: the same key under another scope
/// is another key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdemKey {
    /// The client's key.
    pub key: String,
    /// The method and concrete path it was sent with (`POST /api/v1/patients`).
    pub scope: String,
    /// Seconds since the epoch: keys older than [`IDEMPOTENCY_TTL_SECS`] are forgotten.
    pub now: i64,
}

/// How long an idempotency key is remembered (24 hours).
pub const IDEMPOTENCY_TTL_SECS: i64 = 24 * 3600;

/// The outcome of reserving a login attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginGate {
    /// The attempt is counted (as a failure until [`crate::Store::login_succeeded`]
    /// clears it); its id.
    Counted(String),
    /// Too many attempts: refused without counting, until this time (seconds
    /// since the epoch), when the oldest counted attempt leaves the window.
    Locked {
        /// When to try again.
        until: i64,
    },
}

/// A new user.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Clinic.
    pub clinic_id: i64,
    /// E-mail.
    pub email: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
    /// Argon2id hash of the password.
    pub password_hash: String,
    /// Linked patient record.
    pub patient_id: Option<i64>,
}

/// Who is acting, for tenancy checks and the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// User id.
    pub user_id: i64,
    /// Role.
    pub role: String,
    /// Clinic.
    pub clinic_id: i64,
}

/// What changed in a clinic's records after a generation
/// ([`crate::Store::records_since`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RecordChanges {
    /// The clinic's record generation the changes bring a reader to.
    pub generation: i64,
    /// Records created or changed, not voided (in kind order, then by id).
    pub live: Vec<Record>,
    /// Ids of the records voided.
    pub voided: Vec<i64>,
}

/// A clinical record (any kind) at its current version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    /// Id (internal; never shown outside the store and the server).
    pub id: i64,
    /// The id URLs and JSON name the record by (random, 32 hex digits).
    pub public_id: String,
    /// Public id of the patient the record belongs to.
    pub patient_public_id: Option<String>,
    /// Public id of the parent record.
    pub parent_public_id: Option<String>,
    /// Kind: patient, condition, screening, course, session, outcome, adverse_event.
    pub kind: String,
    /// Clinic.
    pub clinic_id: i64,
    /// Patient the record belongs to (itself for a patient).
    pub patient_id: Option<i64>,
    /// Parent record (course of a session, ...).
    pub parent_id: Option<i64>,
    /// Current version (1 = as created).
    pub version: i64,
    /// The record's fields.
    pub data: serde_json::Value,
    /// Created at (RFC 3339).
    pub created_at: String,
    /// Last changed at (RFC 3339).
    pub updated_at: String,
}

/// An older version of a record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordVersion {
    /// Version number.
    pub version: i64,
    /// Fields at that version.
    pub data: serde_json::Value,
    /// Who wrote it.
    pub author_id: i64,
    /// When.
    pub created_at: String,
}

/// An audit-log entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Sequence number.
    pub id: i64,
    /// When (RFC 3339).
    pub at: String,
    /// Who.
    pub user_id: Option<i64>,
    /// Their role.
    pub role: Option<String>,
    /// Their clinic.
    pub clinic_id: Option<i64>,
    /// What: read, create, update, export, login, ...
    pub action: String,
    /// Record kind touched.
    pub record_kind: Option<String>,
    /// Record touched.
    pub record_id: Option<i64>,
    /// HMAC chaining this entry to the previous one.
    pub hmac: String,
}

/// A follow-up link: one scheduled timepoint of a course asked by a link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowUpLink {
    /// Key.
    pub id: i64,
    /// Clinic.
    pub clinic_id: i64,
    /// Patient.
    pub patient_id: i64,
    /// Course.
    pub course_id: i64,
    /// The timepoint's key (`baseline`, `follow_up:4w`, ...).
    pub timepoint: String,
    /// What the token is derived from (with the server's key).
    pub nonce: String,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// The last day it opens (YYYY-MM-DD, the clinic's calendar).
    pub open_until: String,
    /// Wrong answers to the date-of-birth check.
    pub failures: i64,
    /// `open`, `used`, `declined` or `locked`.
    pub state: String,
}

/// A new follow-up link.
#[derive(Debug, Clone)]
pub struct NewLink {
    /// Clinic.
    pub clinic_id: i64,
    /// Patient.
    pub patient_id: i64,
    /// Course.
    pub course_id: i64,
    /// The timepoint's key.
    pub timepoint: String,
    /// A random nonce (hex).
    pub nonce: String,
    /// SHA-256 (hex) of the token derived from the nonce.
    pub token_hash: String,
    /// The last day it opens.
    pub open_until: String,
}

/// A message in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxMessage {
    /// Key.
    pub id: i64,
    /// Clinic.
    pub clinic_id: i64,
    /// Patient.
    pub patient_id: i64,
    /// The link it carries.
    pub link_id: i64,
    /// `link`, `reminder:1`, ...
    pub kind: String,
    /// `email` or `sms`.
    pub channel: String,
    /// The stable identity of the message (Message-ID, idempotency key).
    pub message_id: String,
    /// When it was queued (RFC 3339).
    pub created_at: String,
    /// When the worker may try it (seconds since 1970).
    pub next_attempt_at: i64,
    /// Tries so far.
    pub attempts: i64,
    /// When the provider accepted it.
    pub sent_at: Option<String>,
    /// The last failure (no contact detail).
    pub last_error: Option<String>,
}

/// A message to queue.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// `link`, `reminder:1`, ...
    pub kind: String,
    /// `email` or `sms`.
    pub channel: String,
    /// Its stable identity.
    pub message_id: String,
    /// Now (RFC 3339).
    pub at: String,
    /// Now (seconds since 1970): the first try.
    pub at_s: i64,
}

/// What an answer on a link's page changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkChange {
    /// A wrong date of birth: one more failure, locked at `lock_at`.
    WrongAnswer {
        /// Failures that lock the link.
        lock_at: i64,
    },
    /// Closes an open link: `used` (answered) or `declined`.
    Close {
        /// The new state.
        state: &'static str,
    },
}

/// An evidence project (trial summaries, not patient data).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Project {
    /// Internal key.
    #[serde(skip)]
    pub id: i64,
    /// Public id (32 hex digits; `id` in JSON).
    #[serde(rename = "id")]
    pub public_id: String,
    /// The clinic it belongs to.
    #[serde(skip)]
    pub clinic_id: i64,
    /// Its title.
    pub title: String,
    /// Whether it started from the bundled project (so a reviewed version
    /// may stand on the clinic's answers page).
    pub based_on_bundled: bool,
    /// When it was created.
    pub created_at: String,
}

/// A frozen version of a project: its canonical JSON and that text's SHA-256.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectVersion {
    /// Internal key.
    #[serde(skip)]
    pub id: i64,
    /// The project's internal key.
    #[serde(skip)]
    pub project_id: i64,
    /// SHA-256 of `content`, hex.
    pub hash: String,
    /// The version it was saved over, if any.
    pub parent_hash: Option<String>,
    /// The content as RFC 8785 canonical JSON text.
    #[serde(skip)]
    pub content: String,
    /// When it was saved.
    pub created_at: String,
    /// When an admin marked it reviewed.
    pub reviewed_at: Option<String>,
    /// When an admin published it (anyone may then read it).
    pub published_at: Option<String>,
}

/// What an admin stamps on a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionMark {
    /// Reviewed: it may stand on the clinic's answers page.
    Reviewed,
    /// Published: readable by anyone with its URL (and reviewed).
    Published,
}
