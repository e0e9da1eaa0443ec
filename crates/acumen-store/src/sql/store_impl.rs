//! `impl Store for SqlStore<D>`, with what a clinical write and its
//! caller's login session run kept here: session and token lookups, records
//! (create with its first version, idempotency key and audit entries in one
//! transaction; read; list; update as a new version or a conflict; versions;
//! a patient's whole file) and the audit log. Clinics, users, tokens and
//! resets are `accounts.rs`; login limits `logins.rs`. (About 550 lines: one
//! trait impl and the record writes it runs, so the path of a session write
//! stays in one file.)

use std::collections::HashMap;

use async_trait::async_trait;

use super::{
    accounts, all, append, follow_up, projects, record_from, request_hash, scope, user_from, Arg, Dialect, SqlStore,
};
use crate::error::StoreError;
use crate::model::{
    Actor, AuditEntry, Clinic, FollowUpLink, IdemKey, LinkChange, LoginGate, NewLink, NewMessage, NewUser,
    OutboxMessage, Project, ProjectVersion, Record, RecordChanges, RecordVersion, User, VersionMark,
};
use crate::now;
use crate::store::{Placement, Result, Store};
use crate::writer::Chain;

#[async_trait]
impl<D: Dialect> Store for SqlStore<D> {
    async fn create_clinic(&self, name: &str, demo: bool) -> Result<Clinic> {
        accounts::create_clinic(self, name, demo).await
    }

    async fn clinic(&self, id: i64) -> Result<Clinic> {
        accounts::clinic(self, id).await
    }

    async fn set_answers_public(&self, actor: &Actor, public: bool) -> Result<()> {
        accounts::set_answers_public(self, actor, public).await
    }

    async fn set_messaging(&self, actor: &Actor, messaging: &serde_json::Value, action: &'static str) -> Result<()> {
        accounts::set_messaging(self, actor, messaging, action).await
    }

    async fn clinic_records(&self, clinic_id: i64, kinds: &[&str]) -> Result<Vec<Record>> {
        self.records_of_kinds(clinic_id, kinds).await
    }

    async fn create_project(&self, actor: &Actor, title: &str, based_on_bundled: bool) -> Result<Project> {
        projects::create_project(self, actor, title, based_on_bundled).await
    }

    async fn projects(&self, clinic_id: i64) -> Result<Vec<Project>> {
        projects::projects(self, clinic_id).await
    }

    async fn project(&self, public_id: &str) -> Result<Project> {
        projects::project(self, public_id).await
    }

    async fn project_by_id(&self, id: i64) -> Result<Project> {
        projects::project_by_id(self, id).await
    }

    async fn save_version(
        &self,
        actor: &Actor,
        project_id: i64,
        parent_hash: Option<&str>,
        hash: &str,
        content: &str,
    ) -> Result<(ProjectVersion, bool)> {
        projects::save_version(self, actor, project_id, parent_hash, hash, content).await
    }

    async fn project_versions(&self, project_id: i64) -> Result<Vec<ProjectVersion>> {
        projects::project_versions(self, project_id).await
    }

    async fn versions_by_hash(&self, hash: &str) -> Result<Vec<ProjectVersion>> {
        projects::versions_by_hash(self, hash).await
    }

    async fn mark_version(&self, actor: &Actor, version_id: i64, mark: VersionMark) -> Result<ProjectVersion> {
        projects::mark_version(self, actor, version_id, mark).await
    }

    async fn queue_link(&self, link: NewLink, first: NewMessage) -> Result<(FollowUpLink, OutboxMessage, bool)> {
        follow_up::queue_link(self, link, first).await
    }

    async fn queue_message(
        &self,
        link_id: i64,
        message: NewMessage,
        open_until: &str,
    ) -> Result<(OutboxMessage, bool)> {
        follow_up::queue_message(self, link_id, message, open_until.to_string()).await
    }

    async fn link_by_token(&self, token_hash: &str) -> Result<FollowUpLink> {
        follow_up::link_by_token(self, token_hash).await
    }

    async fn link(&self, id: i64) -> Result<FollowUpLink> {
        follow_up::link(self, id).await
    }

    async fn links_of_course(&self, course_id: i64) -> Result<Vec<(FollowUpLink, Vec<OutboxMessage>)>> {
        follow_up::links_of_course(self, course_id).await
    }

    async fn messages_of_patient(&self, patient_id: i64) -> Result<Vec<OutboxMessage>> {
        follow_up::messages_of_patient(self, patient_id).await
    }

    async fn link_answer(&self, link_id: i64, change: LinkChange) -> Result<FollowUpLink> {
        follow_up::link_answer(self, link_id, change).await
    }

    async fn waiting_messages(&self, now_s: i64, limit: i64) -> Result<Vec<OutboxMessage>> {
        follow_up::waiting_messages(self, now_s, limit).await
    }

    async fn message_tried(&self, id: i64, outcome: std::result::Result<String, (String, i64)>) -> Result<()> {
        follow_up::message_tried(self, id, outcome).await
    }

    async fn records_since(&self, clinic_id: i64, kinds: &[&str], after: i64) -> Result<RecordChanges> {
        self.changes_since(clinic_id, kinds, after).await
    }

    async fn clinics(&self) -> Result<Vec<Clinic>> {
        accounts::clinics(self).await
    }

    async fn sole_clinic_code(&self) -> Result<Option<String>> {
        accounts::sole_clinic_code(self).await
    }

    async fn is_demo(&self) -> Result<bool> {
        accounts::is_demo(self).await
    }

    async fn create_user(&self, u: NewUser) -> Result<User> {
        accounts::create_user(self, u).await
    }

    async fn user_by_email(&self, clinic_id: i64, email: &str) -> Result<User> {
        accounts::user_by_email(self, clinic_id, email).await
    }

    async fn clinic_by_code(&self, code: &str) -> Result<Clinic> {
        accounts::clinic_by_code(self, code).await
    }

    async fn user(&self, id: i64) -> Result<User> {
        user_from(
            &self
                .read_found("SELECT * FROM users WHERE id = $1", &[id.into()])
                .await?,
        )
    }

    async fn users(&self, clinic_id: i64) -> Result<Vec<User>> {
        accounts::users(self, clinic_id).await
    }

    async fn set_password(&self, user_id: i64, hash: &str) -> Result<()> {
        accounts::set_password(self, user_id, hash).await
    }

    async fn link_patient(&self, user_id: i64, patient_id: i64) -> Result<()> {
        accounts::link_patient(self, user_id, patient_id).await
    }

    async fn record_key(&self, actor: &Actor, public_id: &str) -> Result<i64> {
        let rows = self
            .clinic_rows(
                actor.clinic_id,
                "SELECT id FROM records WHERE clinic_id = $1 AND public_id = $2",
                vec![public_id.into()],
            )
            .await?;
        rows.first().ok_or(StoreError::NotFound)?.int("id")
    }

    async fn public_ids(&self, clinic_id: i64) -> Result<HashMap<i64, String>> {
        let rows = self
            .clinic_rows(
                clinic_id,
                "SELECT id, public_id FROM records WHERE clinic_id = $1",
                vec![],
            )
            .await?;
        rows.iter().map(|r| Ok((r.int("id")?, r.text("public_id")?))).collect()
    }

    async fn user_by_public_id(&self, clinic_id: i64, public_id: &str) -> Result<User> {
        accounts::user_by_public_id(self, clinic_id, public_id).await
    }

    async fn create_session(&self, token_hash: &str, user_id: i64, now_s: i64) -> Result<()> {
        accounts::create_session(self, token_hash, user_id, now_s).await
    }

    async fn session_user(
        &self,
        token_hash: &str,
        now_s: i64,
        idle_secs: i64,
        max_age_secs: i64,
    ) -> Result<(User, i64)> {
        let row = self
            .read_found(
                "SELECT user_id, created_at, last_seen FROM auth_sessions WHERE token_hash = $1",
                &[token_hash.into()],
            )
            .await?;
        let (last, started) = (row.int("last_seen")?, row.int("created_at")?);
        if now_s - last > idle_secs || now_s - started > max_age_secs {
            return Err(StoreError::NotFound);
        }
        if now_s - last > 30 {
            self.exec(
                "UPDATE auth_sessions SET last_seen = $1 WHERE token_hash = $2",
                vec![now_s.into(), token_hash.into()],
            )
            .await?;
        }
        let u = self.user(row.int("user_id")?).await?;
        if !u.active {
            return Err(StoreError::NotFound);
        }
        Ok((u, started))
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        accounts::delete_session(self, token_hash).await
    }

    async fn create_token(&self, user_id: i64, token_hash: &str, name: &str) -> Result<String> {
        accounts::create_token(self, user_id, token_hash, name).await
    }

    async fn token_user(&self, token_hash: &str) -> Result<User> {
        let row = self
            .read_found(
                "SELECT user_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
                &[token_hash.into()],
            )
            .await?;
        let u = self.user(row.int("user_id")?).await?;
        if !u.active {
            return Err(StoreError::NotFound);
        }
        Ok(u)
    }

    async fn revoke_token(&self, user_id: i64, token_id: &str) -> Result<()> {
        accounts::revoke_token(self, user_id, token_id).await
    }

    async fn create_reset(&self, user_id: i64, token_hash: &str, expires_at: i64) -> Result<()> {
        accounts::create_reset(self, user_id, token_hash, expires_at).await
    }

    async fn use_reset(&self, token_hash: &str, now_s: i64, new_hash: &str) -> Result<i64> {
        accounts::use_reset(self, token_hash, now_s, new_hash).await
    }

    async fn reserve_login(
        &self,
        account: &str,
        address: &str,
        now_s: i64,
        window: i64,
        max_account: i64,
        max_address: i64,
        attempt: &str,
    ) -> Result<LoginGate> {
        let limits = super::logins::Limits {
            window,
            max_account,
            max_address,
        };
        self.reserve(account, address, now_s, limits, attempt).await
    }

    async fn login_succeeded(&self, attempt: &str) -> Result<()> {
        self.exec("DELETE FROM login_failures WHERE attempt = $1", vec![attempt.into()])
            .await
            .map(drop)
    }

    async fn login_failures(&self, account: &str, address: &str, since: i64) -> Result<(i64, i64)> {
        self.failures(account, address, since).await
    }

    async fn insert_record_audited(
        &self,
        actor: &Actor,
        kind: &str,
        at: Placement,
        data: serde_json::Value,
        idempotency_key: Option<&IdemKey>,
        also_audit: &[String],
    ) -> Result<(Record, bool)> {
        self.insert(actor, kind, at, data, idempotency_key, also_audit).await
    }

    async fn record(&self, actor: &Actor, kind: &str, id: i64) -> Result<Record> {
        self.one_record(actor, kind, id).await
    }

    async fn children(&self, actor: &Actor, kind: &str, parent_id: i64) -> Result<Vec<Record>> {
        self.records_under(actor, kind, parent_id, false).await
    }

    async fn patients(&self, actor: &Actor, query: &str) -> Result<Vec<Record>> {
        self.find_patients(actor, query).await
    }

    async fn update_record_audited(
        &self,
        actor: &Actor,
        kind: &str,
        id: i64,
        expected_version: i64,
        data: serde_json::Value,
        also_audit: &[String],
    ) -> Result<Record> {
        let change = Change::Data(data, also_audit.to_vec());
        self.update(actor, kind, id, expected_version, change).await
    }

    async fn move_record(
        &self,
        actor: &Actor,
        kind: &str,
        id: i64,
        expected_version: i64,
        parent_id: i64,
    ) -> Result<Record> {
        self.update(actor, kind, id, expected_version, Change::Parent(parent_id))
            .await
    }

    async fn voided_children(&self, actor: &Actor, kind: &str, parent_id: i64) -> Result<Vec<Record>> {
        self.records_under(actor, kind, parent_id, true).await
    }

    async fn versions(&self, actor: &Actor, id: i64) -> Result<Vec<RecordVersion>> {
        self.record_versions(actor, id).await
    }

    async fn patient_records(&self, actor: &Actor, patient_id: i64) -> Result<Vec<Record>> {
        self.everything_on(actor, patient_id).await
    }

    async fn audit(
        &self,
        actor: Option<&Actor>,
        action: &str,
        kind: Option<&str>,
        record_id: Option<i64>,
    ) -> Result<()> {
        let actor = actor.cloned();
        let (action, kind) = (action.to_string(), kind.map(str::to_string));
        self.writer
            .write(move |c, chain| {
                Box::pin(
                    async move { append(D::conn(c), chain, actor.as_ref(), &action, kind.as_deref(), record_id).await },
                )
            })
            .await
    }

    async fn audit_log(&self, clinic_id: Option<i64>) -> Result<Vec<AuditEntry>> {
        let rows = self
            .read_rows(
                "SELECT * FROM audit WHERE CAST($1 AS BIGINT) IS NULL OR clinic_id = $1 ORDER BY id",
                &[clinic_id.into()],
            )
            .await?;
        all(&rows, super::audit_entry_from)
    }

    async fn audit_tail(&self, clinic_id: i64, limit: i64) -> Result<(i64, Vec<AuditEntry>)> {
        let rows = self
            .read_rows(
                "SELECT * FROM audit WHERE clinic_id = $1 ORDER BY id DESC LIMIT $2",
                &[clinic_id.into(), limit.max(0).into()],
            )
            .await?;
        let total = self
            .read_rows(
                "SELECT count(*) AS n FROM audit WHERE clinic_id = $1",
                &[clinic_id.into()],
            )
            .await?;
        let total = total.first().map(|r| r.int("n")).unwrap_or(Ok(0))?;
        Ok((total, all(&rows, super::audit_entry_from)?))
    }

    async fn audit_head(&self) -> Result<Option<(i64, String)>> {
        let row = self
            .read_rows("SELECT id, hmac FROM audit ORDER BY id DESC LIMIT 1", &[])
            .await?
            .into_iter()
            .next();
        row.map(|r| Ok((r.int("id")?, r.text("hmac")?))).transpose()
    }

    async fn shutdown(&self) -> Result<()> {
        if let Some(sql) = D::SHUTDOWN {
            // Through the writer first, so no write is in flight.
            self.writer.write(|_, _| Box::pin(async { Ok(()) })).await?;
            let mut c = self.admin.acquire().await?;
            D::conn(&mut c).run(sql, &[]).await?;
        }
        Ok(())
    }

    async fn research_aggregates(&self, min_cell: i64) -> Result<serde_json::Value> {
        let (courses, pain) = D::research(&self.read).await?;
        Ok(crate::research::aggregates(&courses, &pain, min_cell))
    }
}

/// What an update changes: the data (with further audit actions), or the
/// parent a record hangs from.
pub(crate) enum Change {
    Data(serde_json::Value, Vec<String>),
    Parent(i64),
}

/// The condition of a record not voided (a correction that set `voided`
/// in its data); both backends read JSON with `->>`.
const LIVE: &str = "(data->>'voided') IS NULL";
/// The condition of a voided record.
const VOIDED: &str = "(data->>'voided') IS NOT NULL";

/// The record kinds that hang from a patient (the others from a parent record).
fn parent_column(kind: &str) -> &'static str {
    if matches!(kind, "condition" | "screening" | "course") {
        "patient_id"
    } else {
        "parent_id"
    }
}

impl<D: Dialect> SqlStore<D> {
    pub(crate) async fn records_of_kinds(&self, clinic_id: i64, kinds: &[&str]) -> Result<Vec<Record>> {
        let sql = format!(
            "SELECT {} FROM records WHERE clinic_id = $1 AND kind = $2 AND {LIVE} ORDER BY id",
            D::RECORD_COLS
        );
        // One transaction, so the kinds are read from one snapshot.
        let mut tx = self.read.begin().await?;
        scope::<D>(D::conn(&mut tx), clinic_id).await?;
        let mut out = Vec::new();
        for kind in kinds {
            let rows = D::conn(&mut tx).rows(&sql, &[clinic_id.into(), (*kind).into()]).await?;
            out.extend(all(&rows, record_from)?);
        }
        tx.commit().await?;
        Ok(out)
    }

    pub(crate) async fn insert(
        &self,
        actor: &Actor,
        kind: &str,
        at: Placement,
        data: serde_json::Value,
        key: Option<&IdemKey>,
        also_audit: &[String],
    ) -> Result<(Record, bool)> {
        let (actor, kind) = (actor.clone(), kind.to_string());
        let key = key.cloned();
        let body_hash = request_hash(&kind, at, &data);
        let also_audit = also_audit.to_vec();
        self.writer
            .write(move |c, chain| {
                Box::pin(async move {
                    let c = D::conn(c);
                    scope::<D>(c, actor.clinic_id).await?;
                    if let Some(key) = &key {
                        if let Some(earlier) = Self::earlier(c, &actor, key, &body_hash).await? {
                            return Ok((earlier, false));
                        }
                    }
                    let ts = now();
                    let text = data.to_string();
                    let sql = format!(
                        "INSERT INTO records (clinic_id, kind, patient_id, parent_id, version, data, created_at, updated_at, public_id) \
                         VALUES ($1, $2, $3, $4, 1, $5{}, $6, $6, {}) RETURNING id",
                        D::JSONB,
                        D::NEW_PUBLIC_ID
                    );
                    let args = [
                        actor.clinic_id.into(),
                        (&kind).into(),
                        at.patient_id.into(),
                        at.parent_id.into(),
                        (&text).into(),
                        (&ts).into(),
                    ];
                    let id = c.found(&sql, &args).await?.int("id")?;
                    if kind == "patient" {
                        c.run("UPDATE records SET patient_id = id WHERE id = $1", &[id.into()]).await?;
                    }
                    Self::add_version(c, id, 1, &text, actor.user_id, &ts).await?;
                    if let Some(key) = &key {
                        c.run(
                            "INSERT INTO idempotency (user_id, scope, key, body_hash, record_id, created_at, created_epoch) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7)",
                            &[
                                actor.user_id.into(),
                                (&key.scope).into(),
                                (&key.key).into(),
                                (&body_hash).into(),
                                id.into(),
                                (&ts).into(),
                                key.now.into(),
                            ],
                        )
                        .await?;
                    }
                    Self::audit_each(c, chain, &actor, &kind, id, &also_audit).await?;
                    Ok((Self::by_key(c, id).await?, true))
                })
            })
            .await
    }

    /// The record an earlier request with this key created, when the key is
    /// fresh and the request the same; a stale key is forgotten.
    async fn earlier(c: &mut dyn super::Conn, actor: &Actor, key: &IdemKey, body_hash: &str) -> Result<Option<Record>> {
        let ids = [actor.user_id.into(), (&key.scope).into(), (&key.key).into()];
        let prev = c
            .row(
                "SELECT record_id, body_hash, created_epoch FROM idempotency \
                 WHERE user_id = $1 AND scope = $2 AND key = $3",
                &ids,
            )
            .await?;
        let Some(p) = prev else { return Ok(None) };
        if key.now - p.int("created_epoch")? < crate::IDEMPOTENCY_TTL_SECS {
            if p.text("body_hash")? != body_hash {
                return Err(StoreError::KeyReused);
            }
            return Ok(Some(Self::by_key(c, p.int("record_id")?).await?));
        }
        c.run(
            "DELETE FROM idempotency WHERE user_id = $1 AND scope = $2 AND key = $3",
            &ids,
        )
        .await?;
        Ok(None)
    }

    /// A record by its key, inside the writer's transaction.
    async fn by_key(c: &mut dyn super::Conn, id: i64) -> Result<Record> {
        let sql = format!("SELECT {} FROM records WHERE id = $1", D::RECORD_COLS);
        record_from(&c.found(&sql, &[id.into()]).await?)
    }

    async fn add_version(c: &mut dyn super::Conn, id: i64, v: i64, text: &str, author: i64, ts: &str) -> Result<()> {
        let sql = format!(
            "INSERT INTO record_versions (record_id, version, data, author_id, created_at) VALUES ($1, $2, $3{}, $4, $5)",
            D::JSONB
        );
        c.run(&sql, &[id.into(), v.into(), text.into(), author.into(), ts.into()])
            .await?;
        Ok(())
    }

    /// `create` and then each further action, about record `id`.
    async fn audit_each(
        c: &mut dyn super::Conn,
        chain: &mut Chain,
        actor: &Actor,
        kind: &str,
        id: i64,
        also: &[String],
    ) -> Result<()> {
        append(c, chain, Some(actor), "create", Some(kind), Some(id)).await?;
        for action in also {
            append(c, chain, Some(actor), action, Some(kind), Some(id)).await?;
        }
        Self::changed(c, actor.clinic_id, id).await
    }

    /// Raises the clinic's record generation and writes it into record `id`,
    /// in the transaction of the write that changed it (see
    /// [`crate::Store::records_since`]).
    async fn changed(c: &mut dyn super::Conn, clinic_id: i64, id: i64) -> Result<()> {
        let rows = c
            .rows(
                "INSERT INTO record_generations (clinic_id, generation) VALUES ($1, 1) \
                 ON CONFLICT (clinic_id) DO UPDATE SET generation = record_generations.generation + 1 \
                 RETURNING generation",
                &[clinic_id.into()],
            )
            .await?;
        let generation = rows
            .first()
            .ok_or_else(|| StoreError::Integrity("no record generation returned".into()))?
            .int("generation")?;
        c.run(
            "UPDATE records SET generation = $1 WHERE id = $2",
            &[generation.into(), id.into()],
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn changes_since(&self, clinic_id: i64, kinds: &[&str], after: i64) -> Result<RecordChanges> {
        let sql = format!(
            "SELECT {} FROM records WHERE clinic_id = $1 AND kind = $2 AND generation > $3 ORDER BY id",
            D::RECORD_COLS
        );
        let mut tx = self.read.begin().await?;
        scope::<D>(D::conn(&mut tx), clinic_id).await?;
        // The generation first: a write landing after it can only make the
        // records newer than the generation returned, never older.
        let generation = D::conn(&mut tx)
            .rows(
                "SELECT generation FROM record_generations WHERE clinic_id = $1",
                &[clinic_id.into()],
            )
            .await?
            .first()
            .map(|r| r.int("generation"))
            .unwrap_or(Ok(0))?;
        let mut out = RecordChanges {
            generation,
            live: Vec::new(),
            voided: Vec::new(),
        };
        for kind in kinds {
            let rows = D::conn(&mut tx)
                .rows(&sql, &[clinic_id.into(), (*kind).into(), after.into()])
                .await?;
            for r in all(&rows, record_from)? {
                if r.data.get("voided").is_some_and(|v| !v.is_null()) {
                    out.voided.push(r.id);
                } else {
                    out.live.push(r);
                }
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    pub(crate) async fn one_record(&self, actor: &Actor, kind: &str, id: i64) -> Result<Record> {
        let sql = format!(
            "SELECT {} FROM records WHERE clinic_id = $1 AND id = $2 AND kind = $3",
            D::RECORD_COLS
        );
        let rows = self
            .clinic_rows(actor.clinic_id, &sql, vec![id.into(), kind.into()])
            .await?;
        let r = record_from(rows.first().ok_or(StoreError::NotFound)?)?;
        crate::Store::audit(self, Some(actor), "read", Some(kind), Some(id)).await?;
        Ok(r)
    }

    pub(crate) async fn records_under(
        &self,
        actor: &Actor,
        kind: &str,
        parent_id: i64,
        voided: bool,
    ) -> Result<Vec<Record>> {
        let sql = format!(
            "SELECT {} FROM records WHERE clinic_id = $1 AND kind = $2 AND {} = $3 AND {} ORDER BY id",
            D::RECORD_COLS,
            parent_column(kind),
            if voided { VOIDED } else { LIVE }
        );
        let rows = self
            .clinic_rows(actor.clinic_id, &sql, vec![kind.into(), parent_id.into()])
            .await?;
        all(&rows, record_from)
    }

    pub(crate) async fn find_patients(&self, actor: &Actor, query: &str) -> Result<Vec<Record>> {
        // A name (either order), a year of birth, a record number (the
        // start of the public id, 4+ hex digits) or a phone number (4+
        // digits, spaces, dashes and brackets ignored).
        let text = query.trim().to_lowercase();
        let q = format!("%{text}%");
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let year = if text.len() == 4 && digits.len() == 4 {
            digits.clone()
        } else {
            "-".into()
        };
        let hex = text.len() >= 4 && text.chars().all(|c| c.is_ascii_hexdigit());
        let record = if hex { format!("{text}%") } else { "-".into() };
        let phone_like = digits.len() >= 4 && text.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c));
        let phone = if phone_like { format!("%{digits}%") } else { "-".into() };
        let sql = format!(
            "SELECT {} FROM records WHERE kind = 'patient' AND clinic_id = $1 AND ($2 = '%%' OR \
             lower((data->>'given_name') || ' ' || (data->>'family_name')) LIKE $2 OR \
             lower((data->>'family_name') || ' ' || (data->>'given_name')) LIKE $2 OR \
             CAST(data->>'year_of_birth' AS TEXT) = $3 OR public_id LIKE $4 OR \
             replace(replace(replace(replace(replace(COALESCE(data->>'phone', ''), ' ', ''), '-', ''), '(', ''), ')', ''), '+', '') LIKE $5) \
             ORDER BY lower(data->>'family_name'), lower(data->>'given_name'), id",
            D::RECORD_COLS
        );
        let args = vec![Arg::S(q), Arg::S(year), Arg::S(record), Arg::S(phone)];
        let rows = self.clinic_rows(actor.clinic_id, &sql, args).await?;
        crate::Store::audit(self, Some(actor), "list", Some("patient"), None).await?;
        all(&rows, record_from)
    }

    pub(crate) async fn update(
        &self,
        actor: &Actor,
        kind: &str,
        id: i64,
        expected_version: i64,
        change: Change,
    ) -> Result<Record> {
        let (actor, kind) = (actor.clone(), kind.to_string());
        self.writer
            .write(move |c, chain| {
                Box::pin(async move {
                    let c = D::conn(c);
                    scope::<D>(c, actor.clinic_id).await?;
                    let sql = format!(
                        "SELECT {} FROM records WHERE id = $1 AND kind = $2 AND clinic_id = $3{}",
                        D::RECORD_COLS,
                        D::FOR_UPDATE
                    );
                    let row = c
                        .found(&sql, &[id.into(), (&kind).into(), actor.clinic_id.into()])
                        .await?;
                    let mut rec = record_from(&row)?;
                    if rec.version != expected_version {
                        return Err(StoreError::Conflict {
                            expected: expected_version,
                            current: rec.version,
                        });
                    }
                    let ts = now();
                    let v = rec.version + 1;
                    let also = match change {
                        Change::Data(data, also) => {
                            let text = data.to_string();
                            let sql = format!(
                                "UPDATE records SET version = $1, data = $2{}, updated_at = $3 WHERE id = $4 AND version = $5",
                                D::JSONB
                            );
                            let args = [v.into(), (&text).into(), (&ts).into(), id.into(), rec.version.into()];
                            c.run(&sql, &args).await?;
                            Self::add_version(c, id, v, &text, actor.user_id, &ts).await?;
                            rec.data = data;
                            also
                        }
                        Change::Parent(parent) => {
                            let sql = "UPDATE records SET version = $1, parent_id = $2, updated_at = $3 \
                                       WHERE id = $4 AND version = $5";
                            let args = [v.into(), parent.into(), (&ts).into(), id.into(), rec.version.into()];
                            c.run(sql, &args).await?;
                            let text = rec.data.to_string();
                            Self::add_version(c, id, v, &text, actor.user_id, &ts).await?;
                            rec = Self::by_key(c, id).await?;
                            vec!["move".to_string()]
                        }
                    };
                    append(c, chain, Some(&actor), "update", Some(&kind), Some(id)).await?;
                    for action in &also {
                        append(c, chain, Some(&actor), action, Some(&kind), Some(id)).await?;
                    }
                    Self::changed(c, actor.clinic_id, id).await?;
                    rec.version = v;
                    rec.updated_at = ts;
                    Ok(rec)
                })
            })
            .await
    }

    pub(crate) async fn record_versions(&self, actor: &Actor, id: i64) -> Result<Vec<RecordVersion>> {
        let sql = format!(
            "SELECT v.version, v.data{} AS data, v.author_id, v.created_at FROM record_versions v \
             JOIN records r ON r.id = v.record_id WHERE r.clinic_id = $1 AND v.record_id = $2 ORDER BY v.version",
            D::JSON_TEXT
        );
        let rows = self.clinic_rows(actor.clinic_id, &sql, vec![id.into()]).await?;
        if rows.is_empty() {
            return Err(StoreError::NotFound);
        }
        crate::Store::audit(self, Some(actor), "read_versions", None, Some(id)).await?;
        all(&rows, |r| {
            Ok(RecordVersion {
                version: r.int("version")?,
                data: r.json("data")?,
                author_id: r.int("author_id")?,
                created_at: r.text("created_at")?,
            })
        })
    }

    pub(crate) async fn everything_on(&self, actor: &Actor, patient_id: i64) -> Result<Vec<Record>> {
        let sql = format!(
            "SELECT {} FROM records WHERE clinic_id = $1 AND patient_id = $2 ORDER BY id",
            D::RECORD_COLS
        );
        let rows = self.clinic_rows(actor.clinic_id, &sql, vec![patient_id.into()]).await?;
        if rows.is_empty() {
            return Err(StoreError::NotFound);
        }
        crate::Store::audit(self, Some(actor), "export", Some("patient"), Some(patient_id)).await?;
        all(&rows, record_from)
    }
}
