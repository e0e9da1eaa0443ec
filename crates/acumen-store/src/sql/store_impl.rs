//! `impl Store for SqlStore<D>`: clinics, users, sessions, API tokens and
//! password resets here; login limits (`logins.rs`) and records and the
//! audit log (`records.rs`) are called from here.

use std::collections::HashMap;

use async_trait::async_trait;

use super::{all, append, clinic_from, scope, user_from, Dialect, SqlStore};
use crate::error::StoreError;
use crate::model::{Actor, AuditEntry, Clinic, IdemKey, LoginGate, NewUser, Record, RecordVersion, User};
use crate::now;
use crate::store::{Placement, Result, Store};

#[async_trait]
impl<D: Dialect> Store for SqlStore<D> {
    async fn create_clinic(&self, name: &str, demo: bool) -> Result<Clinic> {
        let name = name.to_string();
        let base = if demo { "demo".to_string() } else { crate::clinic_code(&name) };
        self.writer
            .write(move |c, _| {
                Box::pin(async move {
                    let c = D::conn(c);
                    // The first free code of base, base-2, base-3, ...
                    for n in 1.. {
                        let code = if n == 1 { base.clone() } else { format!("{base}-{n}") };
                        let row = c
                            .row(
                                "INSERT INTO clinics (name, demo, created_at, code) VALUES ($1, $2, $3, $4) \
                                 ON CONFLICT (code) DO NOTHING RETURNING id",
                                &[(&name).into(), demo.into(), now().into(), (&code).into()],
                            )
                            .await?;
                        if let Some(row) = row {
                            return Ok(Clinic {
                                id: row.int("id")?,
                                name,
                                code,
                                demo,
                                answers_public: false,
                            });
                        }
                    }
                    unreachable!("the codes are endless")
                })
            })
            .await
    }

    async fn clinic(&self, id: i64) -> Result<Clinic> {
        let r = self
            .read_found(
                "SELECT id, name, code, demo, answers_public FROM clinics WHERE id = $1",
                &[id.into()],
            )
            .await?;
        clinic_from(&r)
    }

    async fn set_answers_public(&self, actor: &Actor, public: bool) -> Result<()> {
        let actor = actor.clone();
        self.writer
            .write(move |c, chain| {
                Box::pin(async move {
                    let c = D::conn(c);
                    c.run(
                        "UPDATE clinics SET answers_public = $1 WHERE id = $2",
                        &[public.into(), actor.clinic_id.into()],
                    )
                    .await?;
                    let action = if public { "answers_public_on" } else { "answers_public_off" };
                    append(c, chain, Some(&actor), action, Some("clinic"), Some(actor.clinic_id)).await
                })
            })
            .await
    }

    async fn clinic_records(&self, clinic_id: i64, kinds: &[&str]) -> Result<Vec<Record>> {
        self.records_of_kinds(clinic_id, kinds).await
    }

    async fn clinics(&self) -> Result<Vec<Clinic>> {
        let rows = self
            .read_rows("SELECT id, name, code, demo, answers_public FROM clinics ORDER BY id", &[])
            .await?;
        all(&rows, clinic_from)
    }

    async fn sole_clinic_code(&self) -> Result<Option<String>> {
        let rows = self.read_rows("SELECT code FROM clinics ORDER BY id LIMIT 2", &[]).await?;
        match rows.as_slice() {
            [only] => Ok(Some(only.text("code")?)),
            _ => Ok(None),
        }
    }

    async fn is_demo(&self) -> Result<bool> {
        let r = self
            .read_found("SELECT EXISTS (SELECT 1 FROM clinics WHERE demo) AS demo", &[])
            .await?;
        r.flag("demo")
    }

    async fn create_user(&self, u: NewUser) -> Result<User> {
        self.writer
            .write(move |c, _| {
                Box::pin(async move {
                    let c = D::conn(c);
                    let email = u.email.trim().to_lowercase();
                    scope::<D>(c, u.clinic_id).await?;
                    let sql = format!(
                        "INSERT INTO users (clinic_id, email, name, role, password_hash, patient_id, created_at, public_id, patient_public_id) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, {}, \
                         (SELECT r.public_id FROM records r WHERE r.id = $6 AND r.clinic_id = $1)) \
                         RETURNING id, public_id, patient_public_id",
                        D::NEW_PUBLIC_ID
                    );
                    let args = [
                        u.clinic_id.into(),
                        (&email).into(),
                        (&u.name).into(),
                        (&u.role).into(),
                        (&u.password_hash).into(),
                        u.patient_id.into(),
                        now().into(),
                    ];
                    let row = match c.found(&sql, &args).await {
                        Err(StoreError::Db(sqlx::Error::Database(d))) if d.is_unique_violation() => {
                            return Err(StoreError::Taken("this e-mail".into()))
                        }
                        other => other?,
                    };
                    Ok(User {
                        id: row.int("id")?,
                        clinic_id: u.clinic_id,
                        email,
                        name: u.name,
                        role: u.role,
                        patient_id: u.patient_id,
                        public_id: row.text("public_id")?,
                        patient_public_id: row.opt_text("patient_public_id")?,
                        active: true,
                        password_hash: u.password_hash,
                    })
                })
            })
            .await
    }

    async fn user_by_email(&self, clinic_id: i64, email: &str) -> Result<User> {
        let r = self
            .read_found(
                "SELECT * FROM users WHERE clinic_id = $1 AND email = $2",
                &[clinic_id.into(), email.trim().to_lowercase().into()],
            )
            .await?;
        user_from(&r)
    }

    async fn clinic_by_code(&self, code: &str) -> Result<Clinic> {
        let r = self
            .read_found(
                "SELECT id, name, code, demo, answers_public FROM clinics WHERE code = $1",
                &[code.trim().to_lowercase().into()],
            )
            .await?;
        clinic_from(&r)
    }

    async fn user(&self, id: i64) -> Result<User> {
        user_from(&self.read_found("SELECT * FROM users WHERE id = $1", &[id.into()]).await?)
    }

    async fn users(&self, clinic_id: i64) -> Result<Vec<User>> {
        let rows = self
            .read_rows("SELECT * FROM users WHERE clinic_id = $1 ORDER BY id", &[clinic_id.into()])
            .await?;
        all(&rows, user_from)
    }

    async fn set_password(&self, user_id: i64, hash: &str) -> Result<()> {
        let hash = hash.to_string();
        self.writer
            .write(move |c, _| {
                Box::pin(async move {
                    let c = D::conn(c);
                    c.run(
                        "UPDATE users SET password_hash = $1 WHERE id = $2",
                        &[hash.into(), user_id.into()],
                    )
                    .await?;
                    c.run("DELETE FROM auth_sessions WHERE user_id = $1", &[user_id.into()])
                        .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn link_patient(&self, user_id: i64, patient_id: i64) -> Result<()> {
        self.writer
            .write(move |c, _| {
                Box::pin(async move {
                    let c = D::conn(c);
                    let clinic = c
                        .found("SELECT clinic_id FROM users WHERE id = $1", &[user_id.into()])
                        .await?
                        .int("clinic_id")?;
                    scope::<D>(c, clinic).await?;
                    c.run(
                        "UPDATE users SET patient_id = $1, patient_public_id = \
                         (SELECT r.public_id FROM records r WHERE r.id = $1 AND r.clinic_id = $3) WHERE id = $2",
                        &[patient_id.into(), user_id.into(), clinic.into()],
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
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
            .clinic_rows(clinic_id, "SELECT id, public_id FROM records WHERE clinic_id = $1", vec![])
            .await?;
        rows.iter().map(|r| Ok((r.int("id")?, r.text("public_id")?))).collect()
    }

    async fn user_by_public_id(&self, clinic_id: i64, public_id: &str) -> Result<User> {
        let r = self
            .read_found(
                "SELECT * FROM users WHERE clinic_id = $1 AND public_id = $2",
                &[clinic_id.into(), public_id.into()],
            )
            .await?;
        user_from(&r)
    }

    async fn create_session(&self, token_hash: &str, user_id: i64, now_s: i64) -> Result<()> {
        self.exec(
            "INSERT INTO auth_sessions (token_hash, user_id, created_at, last_seen) VALUES ($1, $2, $3, $4)",
            vec![token_hash.into(), user_id.into(), now_s.into(), now_s.into()],
        )
        .await
        .map(drop)
    }

    async fn session_user(&self, token_hash: &str, now_s: i64, idle_secs: i64, max_age_secs: i64) -> Result<(User, i64)> {
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
        self.exec("DELETE FROM auth_sessions WHERE token_hash = $1", vec![token_hash.into()])
            .await
            .map(drop)
    }

    async fn create_token(&self, user_id: i64, token_hash: &str, name: &str) -> Result<String> {
        let (token_hash, name) = (token_hash.to_string(), name.to_string());
        self.writer
            .write(move |c, _| {
                Box::pin(async move {
                    let sql = format!(
                        "INSERT INTO api_tokens (user_id, token_hash, name, created_at, public_id) \
                         VALUES ($1, $2, $3, $4, {}) RETURNING public_id",
                        D::NEW_PUBLIC_ID
                    );
                    let args = [user_id.into(), token_hash.into(), name.into(), now().into()];
                    D::conn(c).found(&sql, &args).await?.text("public_id")
                })
            })
            .await
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
        let n = self
            .exec(
                "UPDATE api_tokens SET revoked_at = $1 WHERE public_id = $2 AND user_id = $3 AND revoked_at IS NULL",
                vec![now().into(), token_id.into(), user_id.into()],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn create_reset(&self, user_id: i64, token_hash: &str, expires_at: i64) -> Result<()> {
        self.exec(
            "INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
            vec![token_hash.into(), user_id.into(), expires_at.into()],
        )
        .await
        .map(drop)
    }

    async fn use_reset(&self, token_hash: &str, now_s: i64, new_hash: &str) -> Result<i64> {
        let (token_hash, new_hash) = (token_hash.to_string(), new_hash.to_string());
        self.writer
            .write(move |c, _| {
                Box::pin(async move {
                    let c = D::conn(c);
                    let uid = c
                        .found(
                            "UPDATE password_resets SET used = true \
                             WHERE token_hash = $1 AND NOT used AND expires_at > $2 RETURNING user_id",
                            &[token_hash.into(), now_s.into()],
                        )
                        .await?
                        .int("user_id")?;
                    c.run(
                        "UPDATE users SET password_hash = $1 WHERE id = $2",
                        &[new_hash.into(), uid.into()],
                    )
                    .await?;
                    c.run("DELETE FROM auth_sessions WHERE user_id = $1", &[uid.into()]).await?;
                    c.run(
                        "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
                        &[now().into(), uid.into()],
                    )
                    .await?;
                    Ok(uid)
                })
            })
            .await
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
        self.records_under(actor, kind, parent_id).await
    }

    async fn patients(&self, actor: &Actor, query: &str) -> Result<Vec<Record>> {
        self.find_patients(actor, query).await
    }

    async fn update_record(
        &self,
        actor: &Actor,
        kind: &str,
        id: i64,
        expected_version: i64,
        data: serde_json::Value,
    ) -> Result<Record> {
        self.update(actor, kind, id, expected_version, data).await
    }

    async fn versions(&self, actor: &Actor, id: i64) -> Result<Vec<RecordVersion>> {
        self.record_versions(actor, id).await
    }

    async fn patient_records(&self, actor: &Actor, patient_id: i64) -> Result<Vec<Record>> {
        self.everything_on(actor, patient_id).await
    }

    async fn audit(&self, actor: Option<&Actor>, action: &str, kind: Option<&str>, record_id: Option<i64>) -> Result<()> {
        let actor = actor.cloned();
        let (action, kind) = (action.to_string(), kind.map(str::to_string));
        self.writer
            .write(move |c, chain| {
                Box::pin(async move {
                    append(D::conn(c), chain, actor.as_ref(), &action, kind.as_deref(), record_id).await
                })
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
