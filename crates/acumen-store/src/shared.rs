//! The part of the [`crate::Store`] implementation both backends share:
//! one text of SQL (SQLite accepts PostgreSQL's `$1` parameters, `RETURNING`
//! and `->>`), expanded once per backend by [`shared_store!`] in the
//! backend's module, where these names resolve to the backend's own:
//! `RECORD_COLS`, `JSONB` (the cast a JSON parameter needs), `JSON_TEXT` (the
//! cast that reads JSON as text), `FOR_UPDATE`, `append`, `scope` (names the
//! clinic for row-level security; nothing on SQLite), `record_from`,
//! `user_from`, and the store's `read` pool and `clinic_rows`.

use crate::model::AuditEntry;
use crate::Arg;

/// Binds `args` after the parameters already bound.
pub(crate) fn bind_args<'q, DB: sqlx::Database>(
    mut q: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>,
    args: Vec<Arg>,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    for a in args {
        q = match a {
            Arg::I(v) => q.bind(v),
            Arg::S(v) => q.bind(v),
        };
    }
    q
}

/// SHA-256 of what a create writes (kind, placement and data): what an
/// idempotency key remembers of its first request.
pub(crate) fn request_hash(kind: &str, at: crate::Placement, data: &serde_json::Value) -> String {
    use sha2::{Digest, Sha256};
    let text = format!("{kind}\n{:?}\n{:?}\n{data}", at.patient_id, at.parent_id);
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The statement that appends `e` to the audit log.
pub(crate) fn insert_audit<'q, DB: sqlx::Database>(
    e: AuditEntry,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query(
        "INSERT INTO audit (id, at, user_id, role, clinic_id, action, record_kind, record_id, hmac) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(e.id)
    .bind(e.at)
    .bind(e.user_id)
    .bind(e.role)
    .bind(e.clinic_id)
    .bind(e.action)
    .bind(e.record_kind)
    .bind(e.record_id)
    .bind(e.hmac)
}

/// `impl Store for $store` with the shared methods and the backend's own
/// (`$own`: `clinic_records`, `research_aggregates`, ...), and the store's `exec`.
macro_rules! shared_store {
    ($store:ty, { $($own:tt)* }) => {
        impl $store {
            /// One statement through the writer; returns the rows it changed.
            pub(crate) async fn exec(&self, sql: &'static str, args: Vec<crate::Arg>) -> Result<u64> {
                self.writer
                    .write(move |c, _| {
                        Box::pin(async move {
                            let q = crate::shared::bind_args(sqlx::query(sql), args);
                            Ok(q.execute(&mut *c).await?.rows_affected())
                        })
                    })
                    .await
            }
        }

        #[async_trait::async_trait]
        impl crate::store::Store for $store {
            $($own)*

            async fn create_clinic(&self, name: &str, demo: bool) -> Result<Clinic> {
                let name = name.to_string();
                let base = if demo { "demo".to_string() } else { crate::clinic_code(&name) };
                self.writer
                    .write(move |c, _| {
                        Box::pin(async move {
                            // The first free code of base, base-2, base-3, ...
                            let mut n = 1;
                            let (id, code) = loop {
                                let code = if n == 1 { base.clone() } else { format!("{base}-{n}") };
                                let id: Option<i64> = sqlx::query_scalar(
                                    "INSERT INTO clinics (name, demo, created_at, code) VALUES ($1, $2, $3, $4) \
                                     ON CONFLICT (code) DO NOTHING RETURNING id",
                                )
                                .bind(&name)
                                .bind(demo)
                                .bind(now())
                                .bind(&code)
                                .fetch_optional(&mut *c)
                                .await?;
                                if let Some(id) = id {
                                    break (id, code);
                                }
                                n += 1;
                            };
                            Ok(Clinic {
                                id,
                                name,
                                code,
                                demo,
                                answers_public: false,
                            })
                        })
                    })
                    .await
            }

            async fn clinic(&self, id: i64) -> Result<Clinic> {
                let r = sqlx::query("SELECT id, name, code, demo, answers_public FROM clinics WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                Ok(Clinic {
                    id: r.get("id"),
                    name: r.get("name"),
                    code: r.get("code"),
                    demo: r.get("demo"),
                    answers_public: r.get("answers_public"),
                })
            }

            async fn set_answers_public(&self, actor: &Actor, public: bool) -> Result<()> {
                let actor = actor.clone();
                self.writer
                    .write(move |c, chain| {
                        Box::pin(async move {
                            sqlx::query("UPDATE clinics SET answers_public = $1 WHERE id = $2")
                                .bind(public)
                                .bind(actor.clinic_id)
                                .execute(&mut *c)
                                .await?;
                            let action = if public {
                                "answers_public_on"
                            } else {
                                "answers_public_off"
                            };
                            append(c, chain, Some(&actor), action, Some("clinic"), Some(actor.clinic_id)).await
                        })
                    })
                    .await
            }

            async fn clinics(&self) -> Result<Vec<Clinic>> {
                let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM clinics ORDER BY id")
                    .fetch_all(&self.read)
                    .await?;
                let mut out = Vec::new();
                for id in ids {
                    out.push(self.clinic(id).await?);
                }
                Ok(out)
            }

            async fn sole_clinic_code(&self) -> Result<Option<String>> {
                let codes: Vec<String> = sqlx::query_scalar("SELECT code FROM clinics ORDER BY id LIMIT 2")
                    .fetch_all(&self.read)
                    .await?;
                Ok(match codes.as_slice() {
                    [only] => Some(only.clone()),
                    _ => None,
                })
            }

            async fn is_demo(&self) -> Result<bool> {
                Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM clinics WHERE demo)")
                    .fetch_one(&self.read)
                    .await?)
            }

            async fn create_user(&self, u: NewUser) -> Result<User> {
                self.writer
                    .write(move |c, _| {
                        Box::pin(async move {
                            let email = u.email.trim().to_lowercase();
                            scope(c, u.clinic_id).await?;
                            let res = sqlx::query_as::<_, (i64, String, Option<String>)>(&format!(
                                "INSERT INTO users (clinic_id, email, name, role, password_hash, patient_id, created_at, public_id, patient_public_id) \
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, {NEW_PUBLIC_ID}, \
                                 (SELECT r.public_id FROM records r WHERE r.id = $6 AND r.clinic_id = $1)) \
                                 RETURNING id, public_id, patient_public_id"
                            ))
                                .bind(u.clinic_id)
                                .bind(&email)
                                .bind(&u.name)
                                .bind(&u.role)
                                .bind(&u.password_hash)
                                .bind(u.patient_id)
                                .bind(now())
                                .fetch_one(&mut *c)
                                .await;
                            let (id, public_id, patient_public_id) = match res {
                                Ok(row) => row,
                                Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                                    return Err(StoreError::Taken("this e-mail".into()))
                                }
                                Err(e) => return Err(e.into()),
                            };
                            Ok(User {
                                id,
                                clinic_id: u.clinic_id,
                                email,
                                name: u.name,
                                role: u.role,
                                patient_id: u.patient_id,
                                public_id,
                                patient_public_id,
                                active: true,
                                password_hash: u.password_hash,
                            })
                        })
                    })
                    .await
            }

            async fn clinic_by_code(&self, code: &str) -> Result<Clinic> {
                let id: i64 = sqlx::query_scalar("SELECT id FROM clinics WHERE code = $1")
                    .bind(code.trim().to_lowercase())
                    .fetch_optional(&self.read)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                self.clinic(id).await
            }

            async fn user_by_email(&self, clinic_id: i64, email: &str) -> Result<User> {
                let r = sqlx::query("SELECT * FROM users WHERE clinic_id = $1 AND email = $2")
                    .bind(clinic_id)
                    .bind(email.trim().to_lowercase())
                    .fetch_optional(&self.read)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                Ok(user_from(&r))
            }

            async fn user(&self, id: i64) -> Result<User> {
                let r = sqlx::query("SELECT * FROM users WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?;
                Ok(user_from(&r.ok_or(StoreError::NotFound)?))
            }

            async fn users(&self, clinic_id: i64) -> Result<Vec<User>> {
                let rows = sqlx::query("SELECT * FROM users WHERE clinic_id = $1 ORDER BY id")
                    .bind(clinic_id)
                    .fetch_all(&self.read)
                    .await?;
                Ok(rows.iter().map(user_from).collect())
            }

            async fn set_password(&self, user_id: i64, hash: &str) -> Result<()> {
                let hash = hash.to_string();
                self.writer
                    .write(move |c, _| {
                        Box::pin(async move {
                            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                                .bind(&hash)
                                .bind(user_id)
                                .execute(&mut *c)
                                .await?;
                            sqlx::query("DELETE FROM auth_sessions WHERE user_id = $1")
                                .bind(user_id)
                                .execute(&mut *c)
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
                            let clinic: i64 = sqlx::query_scalar("SELECT clinic_id FROM users WHERE id = $1")
                                .bind(user_id)
                                .fetch_one(&mut *c)
                                .await?;
                            scope(c, clinic).await?;
                            sqlx::query(
                                "UPDATE users SET patient_id = $1, patient_public_id = \
                                 (SELECT r.public_id FROM records r WHERE r.id = $1 AND r.clinic_id = $3) WHERE id = $2",
                            )
                            .bind(patient_id)
                            .bind(user_id)
                            .bind(clinic)
                            .execute(&mut *c)
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
                        vec![Arg::S(public_id.into())],
                    )
                    .await?;
                Ok(rows.first().ok_or(StoreError::NotFound)?.get("id"))
            }

            async fn public_ids(&self, clinic_id: i64) -> Result<std::collections::HashMap<i64, String>> {
                let rows = self
                    .clinic_rows(clinic_id, "SELECT id, public_id FROM records WHERE clinic_id = $1", vec![])
                    .await?;
                Ok(rows.iter().map(|r| (r.get("id"), r.get("public_id"))).collect())
            }

            async fn user_by_public_id(&self, clinic_id: i64, public_id: &str) -> Result<User> {
                let r = sqlx::query("SELECT * FROM users WHERE clinic_id = $1 AND public_id = $2")
                    .bind(clinic_id)
                    .bind(public_id)
                    .fetch_optional(&self.read)
                    .await?;
                Ok(user_from(&r.ok_or(StoreError::NotFound)?))
            }

            async fn create_session(&self, token_hash: &str, user_id: i64, now_s: i64) -> Result<()> {
                self.exec(
                    "INSERT INTO auth_sessions (token_hash, user_id, created_at, last_seen) VALUES ($1, $2, $3, $4)",
                    vec![Arg::S(token_hash.into()), Arg::I(user_id), Arg::I(now_s), Arg::I(now_s)],
                )
                .await
                .map(drop)
            }

            async fn session_user(&self, token_hash: &str, now_s: i64, idle_secs: i64, max_age_secs: i64) -> Result<(User, i64)> {
                let row = sqlx::query("SELECT user_id, created_at, last_seen FROM auth_sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .fetch_optional(&self.read)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let last: i64 = row.get("last_seen");
                let started: i64 = row.get("created_at");
                if now_s - last > idle_secs || now_s - started > max_age_secs {
                    return Err(StoreError::NotFound);
                }
                if now_s - last > 30 {
                    self.exec(
                        "UPDATE auth_sessions SET last_seen = $1 WHERE token_hash = $2",
                        vec![Arg::I(now_s), Arg::S(token_hash.into())],
                    )
                    .await?;
                }
                let u = self.user(row.get("user_id")).await?;
                if !u.active {
                    return Err(StoreError::NotFound);
                }
                Ok((u, started))
            }

            async fn delete_session(&self, token_hash: &str) -> Result<()> {
                self.exec(
                    "DELETE FROM auth_sessions WHERE token_hash = $1",
                    vec![Arg::S(token_hash.into())],
                )
                .await
                .map(drop)
            }

            async fn create_token(&self, user_id: i64, token_hash: &str, name: &str) -> Result<String> {
                let (token_hash, name) = (token_hash.to_string(), name.to_string());
                self.writer
                    .write(move |c, _| {
                        Box::pin(async move {
                            Ok(sqlx::query_scalar(&format!(
                                "INSERT INTO api_tokens (user_id, token_hash, name, created_at, public_id) \
                                 VALUES ($1, $2, $3, $4, {NEW_PUBLIC_ID}) RETURNING public_id"
                            ))
                            .bind(user_id)
                            .bind(&token_hash)
                            .bind(&name)
                            .bind(now())
                            .fetch_one(&mut *c)
                            .await?)
                        })
                    })
                    .await
            }

            async fn token_user(&self, token_hash: &str) -> Result<User> {
                let uid: Option<i64> =
                    sqlx::query_scalar("SELECT user_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL")
                        .bind(token_hash)
                        .fetch_optional(&self.read)
                        .await?;
                let u = self.user(uid.ok_or(StoreError::NotFound)?).await?;
                if !u.active {
                    return Err(StoreError::NotFound);
                }
                Ok(u)
            }

            async fn revoke_token(&self, user_id: i64, token_id: &str) -> Result<()> {
                let n = self
                    .exec(
                        "UPDATE api_tokens SET revoked_at = $1 WHERE public_id = $2 AND user_id = $3 AND revoked_at IS NULL",
                        vec![Arg::S(now()), Arg::S(token_id.into()), Arg::I(user_id)],
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
                    vec![Arg::S(token_hash.into()), Arg::I(user_id), Arg::I(expires_at)],
                )
                .await
                .map(drop)
            }

            async fn use_reset(&self, token_hash: &str, now_s: i64, new_hash: &str) -> Result<i64> {
                let (token_hash, new_hash) = (token_hash.to_string(), new_hash.to_string());
                self.writer
                    .write(move |c, _| {
                        Box::pin(async move {
                            let uid: i64 = sqlx::query_scalar(
                                "UPDATE password_resets SET used = true \
                                 WHERE token_hash = $1 AND NOT used AND expires_at > $2 RETURNING user_id",
                            )
                            .bind(&token_hash)
                            .bind(now_s)
                            .fetch_optional(&mut *c)
                            .await?
                            .ok_or(StoreError::NotFound)?;
                            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                                .bind(&new_hash)
                                .bind(uid)
                                .execute(&mut *c)
                                .await?;
                            sqlx::query("DELETE FROM auth_sessions WHERE user_id = $1")
                                .bind(uid)
                                .execute(&mut *c)
                                .await?;
                            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                                .bind(now())
                                .bind(uid)
                                .execute(&mut *c)
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
            ) -> Result<crate::LoginGate> {
                let (account, address) = (account.trim().to_lowercase(), address.to_string());
                let attempt = attempt.to_string();
                self.writer
                    .write(move |c, _| {
                        Box::pin(async move {
                            // One writer task runs these statements in turn: the count
                            // and the insert cannot interleave with another attempt's.
                            let since = now_s - window;
                            // The most recent `max` attempts in the window: how many, and the oldest.
                            const BY_ACCOUNT: &str = "SELECT count(*) AS n, min(at) AS first FROM \
                                (SELECT at FROM login_failures WHERE account = $1 AND at >= $2 ORDER BY at DESC LIMIT $3) AS recent";
                            const BY_ADDRESS: &str = "SELECT count(*) AS n, min(at) AS first FROM \
                                (SELECT at FROM login_failures WHERE address = $1 AND at >= $2 ORDER BY at DESC LIMIT $3) AS recent";
                            let a = sqlx::query(BY_ACCOUNT).bind(&account).bind(since).bind(max_account).fetch_one(&mut *c).await?;
                            let b = sqlx::query(BY_ADDRESS).bind(&address).bind(since).bind(max_address).fetch_one(&mut *c).await?;
                            let (na, nb): (i64, i64) = (a.get("n"), b.get("n"));
                            if na >= max_account || nb >= max_address {
                                // Free again when the oldest of the counted attempts leaves the window.
                                let mut until = 0;
                                if na >= max_account {
                                    until = a.get::<i64, _>("first") + window;
                                }
                                if nb >= max_address {
                                    until = until.max(b.get::<i64, _>("first") + window);
                                }
                                return Ok(crate::LoginGate::Locked { until });
                            }
                            sqlx::query("INSERT INTO login_failures (account, address, at, attempt) VALUES ($1, $2, $3, $4)")
                                .bind(&account)
                                .bind(&address)
                                .bind(now_s)
                                .bind(&attempt)
                                .execute(&mut *c)
                                .await?;
                            Ok(crate::LoginGate::Counted(attempt))
                        })
                    })
                    .await
            }

            async fn login_succeeded(&self, attempt: &str) -> Result<()> {
                self.exec(
                    "DELETE FROM login_failures WHERE attempt = $1",
                    vec![Arg::S(attempt.into())],
                )
                .await
                .map(drop)
            }

            async fn login_failures(&self, account: &str, address: &str, since: i64) -> Result<(i64, i64)> {
                let r = sqlx::query(
                    "SELECT (SELECT count(*) FROM login_failures WHERE account = $1 AND at >= $3) AS a, \
                            (SELECT count(*) FROM login_failures WHERE address = $2 AND at >= $3) AS b",
                )
                .bind(account.trim().to_lowercase())
                .bind(address)
                .bind(since)
                .fetch_one(&self.read)
                .await?;
                Ok((r.get("a"), r.get("b")))
            }

            async fn insert_record_audited(
                &self,
                actor: &Actor,
                kind: &str,
                at: Placement,
                data: serde_json::Value,
                idempotency_key: Option<&crate::IdemKey>,
                also_audit: &[String],
            ) -> Result<(Record, bool)> {
                let (actor, kind) = (actor.clone(), kind.to_string());
                let key = idempotency_key.cloned();
                let body_hash = crate::shared::request_hash(&kind, at, &data);
                let also_audit = also_audit.to_vec();
                self.writer
                    .write(move |c, chain| {
                        Box::pin(async move {
                            scope(c, actor.clinic_id).await?;
                            if let Some(key) = &key {
                                let prev = sqlx::query(
                                    "SELECT record_id, body_hash, created_epoch FROM idempotency \
                                     WHERE user_id = $1 AND scope = $2 AND key = $3",
                                )
                                .bind(actor.user_id)
                                .bind(&key.scope)
                                .bind(&key.key)
                                .fetch_optional(&mut *c)
                                .await?;
                                if let Some(p) = prev {
                                    let fresh = key.now - p.get::<i64, _>("created_epoch") < crate::IDEMPOTENCY_TTL_SECS;
                                    if fresh {
                                        let hash: String = p.get("body_hash");
                                        if hash != body_hash {
                                            return Err(StoreError::KeyReused);
                                        }
                                        let r = sqlx::query(&format!("SELECT {RECORD_COLS} FROM records WHERE id = $1"))
                                            .bind(p.get::<i64, _>("record_id"))
                                            .fetch_one(&mut *c)
                                            .await?;
                                        return Ok((record_from(&r), false));
                                    }
                                    sqlx::query("DELETE FROM idempotency WHERE user_id = $1 AND scope = $2 AND key = $3")
                                        .bind(actor.user_id)
                                        .bind(&key.scope)
                                        .bind(&key.key)
                                        .execute(&mut *c)
                                        .await?;
                                }
                            }
                            let ts = now();
                            let text = data.to_string();
                            let id: i64 = sqlx::query_scalar(&format!("INSERT INTO records (clinic_id, kind, patient_id, parent_id, version, data, created_at, updated_at, public_id) VALUES ($1, $2, $3, $4, 1, $5{JSONB}, $6, $6, {NEW_PUBLIC_ID}) RETURNING id"))
                                .bind(actor.clinic_id)
                                .bind(&kind)
                                .bind(at.patient_id)
                                .bind(at.parent_id)
                                .bind(&text)
                                .bind(&ts)
                                .fetch_one(&mut *c)
                                .await?;
                            if kind == "patient" {
                                sqlx::query("UPDATE records SET patient_id = id WHERE id = $1")
                                    .bind(id)
                                    .execute(&mut *c)
                                    .await?;
                            }
                            sqlx::query(&format!(
                                "INSERT INTO record_versions (record_id, version, data, author_id, created_at) VALUES ($1, 1, $2{JSONB}, $3, $4)"
                            ))
                            .bind(id)
                            .bind(&text)
                            .bind(actor.user_id)
                            .bind(&ts)
                            .execute(&mut *c)
                            .await?;
                            if let Some(key) = &key {
                                sqlx::query(
                                    "INSERT INTO idempotency (user_id, scope, key, body_hash, record_id, created_at, created_epoch) \
                                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                                )
                                .bind(actor.user_id)
                                .bind(&key.scope)
                                .bind(&key.key)
                                .bind(&body_hash)
                                .bind(id)
                                .bind(&ts)
                                .bind(key.now)
                                .execute(&mut *c)
                                .await?;
                            }
                            append(c, chain, Some(&actor), "create", Some(&kind), Some(id)).await?;
                            for action in &also_audit {
                                append(c, chain, Some(&actor), action, Some(&kind), Some(id)).await?;
                            }
                            let row = sqlx::query(&format!("SELECT {RECORD_COLS} FROM records WHERE id = $1"))
                                .bind(id)
                                .fetch_one(&mut *c)
                                .await?;
                            Ok((record_from(&row), true))
                        })
                    })
                    .await
            }

            async fn record(&self, actor: &Actor, kind: &str, id: i64) -> Result<Record> {
                let rows = self
                    .clinic_rows(
                        actor.clinic_id,
                        &format!("SELECT {RECORD_COLS} FROM records WHERE clinic_id = $1 AND id = $2 AND kind = $3"),
                        vec![Arg::I(id), Arg::S(kind.into())],
                    )
                    .await?;
                let r = record_from(rows.first().ok_or(StoreError::NotFound)?);
                self.audit(Some(actor), "read", Some(kind), Some(id)).await?;
                Ok(r)
            }

            async fn children(&self, actor: &Actor, kind: &str, parent_id: i64) -> Result<Vec<Record>> {
                let col = if matches!(kind, "condition" | "screening" | "course") {
                    "patient_id"
                } else {
                    "parent_id"
                };
                let rows = self
                    .clinic_rows(
                        actor.clinic_id,
                        &format!(
                            "SELECT {RECORD_COLS} FROM records WHERE clinic_id = $1 AND kind = $2 AND {col} = $3 ORDER BY id"
                        ),
                        vec![Arg::S(kind.into()), Arg::I(parent_id)],
                    )
                    .await?;
                Ok(rows.iter().map(record_from).collect())
            }

            async fn patients(&self, actor: &Actor, query: &str) -> Result<Vec<Record>> {
                let q = format!("%{}%", query.trim().to_lowercase());
                let rows = self
                    .clinic_rows(
                        actor.clinic_id,
                        &format!(
                            "SELECT {RECORD_COLS} FROM records WHERE kind = 'patient' AND clinic_id = $1 AND ($2 = '%%' OR \
                             lower((data->>'given_name') || ' ' || (data->>'family_name')) LIKE $2) ORDER BY id"
                        ),
                        vec![Arg::S(q)],
                    )
                    .await?;
                self.audit(Some(actor), "list", Some("patient"), None).await?;
                Ok(rows.iter().map(record_from).collect())
            }

            async fn update_record(
                &self,
                actor: &Actor,
                kind: &str,
                id: i64,
                expected_version: i64,
                data: serde_json::Value,
            ) -> Result<Record> {
                let (actor, kind) = (actor.clone(), kind.to_string());
                self.writer
                    .write(move |c, chain| {
                        Box::pin(async move {
                            scope(c, actor.clinic_id).await?;
                            let row = sqlx::query(&format!(
                                "SELECT {RECORD_COLS} FROM records WHERE id = $1 AND kind = $2 AND clinic_id = $3{FOR_UPDATE}"
                            ))
                            .bind(id)
                            .bind(&kind)
                            .bind(actor.clinic_id)
                            .fetch_optional(&mut *c)
                            .await?
                            .ok_or(StoreError::NotFound)?;
                            let mut rec = record_from(&row);
                            if rec.version != expected_version {
                                return Err(StoreError::Conflict {
                                    expected: expected_version,
                                    current: rec.version,
                                });
                            }
                            let ts = now();
                            let text = data.to_string();
                            let v = rec.version + 1;
                            sqlx::query(&format!(
                                "UPDATE records SET version = $1, data = $2{JSONB}, updated_at = $3 WHERE id = $4 AND version = $5"
                            ))
                            .bind(v)
                            .bind(&text)
                            .bind(&ts)
                            .bind(id)
                            .bind(rec.version)
                            .execute(&mut *c)
                            .await?;
                            sqlx::query(&format!(
                                "INSERT INTO record_versions (record_id, version, data, author_id, created_at) VALUES ($1, $2, $3{JSONB}, $4, $5)"
                            ))
                            .bind(id)
                            .bind(v)
                            .bind(&text)
                            .bind(actor.user_id)
                            .bind(&ts)
                            .execute(&mut *c)
                            .await?;
                            append(c, chain, Some(&actor), "update", Some(&kind), Some(id)).await?;
                            rec.version = v;
                            rec.data = data;
                            rec.updated_at = ts;
                            Ok(rec)
                        })
                    })
                    .await
            }

            async fn versions(&self, actor: &Actor, id: i64) -> Result<Vec<RecordVersion>> {
                let rows = self
                    .clinic_rows(
                        actor.clinic_id,
                        &format!(
                            "SELECT v.version, v.data{JSON_TEXT} AS data, v.author_id, v.created_at FROM record_versions v \
                             JOIN records r ON r.id = v.record_id WHERE r.clinic_id = $1 AND v.record_id = $2 ORDER BY v.version"
                        ),
                        vec![Arg::I(id)],
                    )
                    .await?;
                if rows.is_empty() {
                    return Err(StoreError::NotFound);
                }
                self.audit(Some(actor), "read_versions", None, Some(id)).await?;
                Ok(rows
                    .iter()
                    .map(|r| RecordVersion {
                        version: r.get("version"),
                        data: json(r.get::<String, _>("data").as_str()),
                        author_id: r.get("author_id"),
                        created_at: r.get("created_at"),
                    })
                    .collect())
            }

            async fn patient_records(&self, actor: &Actor, patient_id: i64) -> Result<Vec<Record>> {
                let rows = self
                    .clinic_rows(
                        actor.clinic_id,
                        &format!("SELECT {RECORD_COLS} FROM records WHERE clinic_id = $1 AND patient_id = $2 ORDER BY id"),
                        vec![Arg::I(patient_id)],
                    )
                    .await?;
                if rows.is_empty() {
                    return Err(StoreError::NotFound);
                }
                self.audit(Some(actor), "export", Some("patient"), Some(patient_id))
                    .await?;
                Ok(rows.iter().map(record_from).collect())
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
                        Box::pin(async move { append(c, chain, actor.as_ref(), &action, kind.as_deref(), record_id).await })
                    })
                    .await
            }

            async fn audit_log(&self, clinic_id: Option<i64>) -> Result<Vec<AuditEntry>> {
                let rows = sqlx::query("SELECT * FROM audit WHERE CAST($1 AS BIGINT) IS NULL OR clinic_id = $1 ORDER BY id")
                    .bind(clinic_id)
                    .fetch_all(&self.read)
                    .await?;
                Ok(rows.iter().map(|r| audit_entry_from_row!(r)).collect())
            }

            async fn audit_head(&self) -> Result<Option<(i64, String)>> {
                let row = sqlx::query("SELECT id, hmac FROM audit ORDER BY id DESC LIMIT 1")
                    .fetch_optional(&self.read)
                    .await?;
                Ok(row.map(|r| (r.get("id"), r.get("hmac"))))
            }
        }
    };
}
