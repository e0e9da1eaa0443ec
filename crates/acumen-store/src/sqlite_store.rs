//! [`Store`] for [`SqliteStore`]: every write a job for the group-commit
//! writer, every read from the read-only pool with its clinic condition.

use async_trait::async_trait;
use sqlx::Row;

use crate::error::StoreError;
use crate::model::{Actor, AuditEntry, Clinic, NewUser, Record, RecordVersion, User};
use crate::sqlite::{append, record_from, user_from, SqliteStore, RECORD_COLS};
use crate::store::{Placement, Result, Store};
use crate::{json, now, Arg};

#[async_trait]
impl Store for SqliteStore {
    async fn create_clinic(&self, name: &str, demo: bool) -> Result<Clinic> {
        let name = name.to_string();
        self.writer
            .write(move |c, _| {
                Box::pin(async move {
                    let id = sqlx::query("INSERT INTO clinics (name, demo, created_at) VALUES (?, ?, ?)")
                        .bind(&name)
                        .bind(demo as i64)
                        .bind(now())
                        .execute(&mut *c)
                        .await?
                        .last_insert_rowid();
                    Ok(Clinic {
                        id,
                        name,
                        demo,
                        answers_public: false,
                    })
                })
            })
            .await
    }

    async fn clinic(&self, id: i64) -> Result<Clinic> {
        let r = sqlx::query("SELECT id, name, demo, answers_public FROM clinics WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        let r = r.ok_or(StoreError::NotFound)?;
        Ok(Clinic {
            id: r.get("id"),
            name: r.get("name"),
            demo: r.get::<i64, _>("demo") != 0,
            answers_public: r.get::<i64, _>("answers_public") != 0,
        })
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

    async fn set_answers_public(&self, actor: &Actor, public: bool) -> Result<()> {
        let actor = actor.clone();
        self.writer
            .write(move |c, chain| {
                Box::pin(async move {
                    sqlx::query("UPDATE clinics SET answers_public = ? WHERE id = ?")
                        .bind(public as i64)
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

    async fn clinic_records(&self, clinic_id: i64, kinds: &[&str]) -> Result<Vec<Record>> {
        let mut out = Vec::new();
        for kind in kinds {
            let rows = sqlx::query(&format!(
                "SELECT {RECORD_COLS} FROM records WHERE clinic_id = ? AND kind = ? ORDER BY id"
            ))
            .bind(clinic_id)
            .bind(kind)
            .fetch_all(&self.read)
            .await?;
            out.extend(rows.iter().map(record_from));
        }
        Ok(out)
    }

    async fn is_demo(&self) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM clinics WHERE demo = 1")
            .fetch_one(&self.read)
            .await?;
        Ok(n > 0)
    }

    async fn create_user(&self, u: NewUser) -> Result<User> {
        self.writer
            .write(move |c, _| {
                Box::pin(async move {
                    let email = u.email.trim().to_lowercase();
                    let res = sqlx::query("INSERT INTO users (clinic_id, email, name, role, password_hash, patient_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
                        .bind(u.clinic_id)
                        .bind(&email)
                        .bind(&u.name)
                        .bind(&u.role)
                        .bind(&u.password_hash)
                        .bind(u.patient_id)
                        .bind(now())
                        .execute(&mut *c)
                        .await;
                    let id = match res {
                        Ok(r) => r.last_insert_rowid(),
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
                        active: true,
                        password_hash: u.password_hash,
                    })
                })
            })
            .await
    }

    async fn user_by_email(&self, email: &str) -> Result<User> {
        let r = sqlx::query("SELECT * FROM users WHERE email = ?")
            .bind(email.trim().to_lowercase())
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(user_from(&r))
    }

    async fn user(&self, id: i64) -> Result<User> {
        let r = sqlx::query("SELECT * FROM users WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        Ok(user_from(&r.ok_or(StoreError::NotFound)?))
    }

    async fn users(&self, clinic_id: i64) -> Result<Vec<User>> {
        let rows = sqlx::query("SELECT * FROM users WHERE clinic_id = ? ORDER BY id")
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
                    sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
                        .bind(&hash)
                        .bind(user_id)
                        .execute(&mut *c)
                        .await?;
                    sqlx::query("DELETE FROM auth_sessions WHERE user_id = ?")
                        .bind(user_id)
                        .execute(&mut *c)
                        .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn link_patient(&self, user_id: i64, patient_id: i64) -> Result<()> {
        self.exec(
            "UPDATE users SET patient_id = ? WHERE id = ?",
            vec![Arg::I(patient_id), Arg::I(user_id)],
        )
        .await
        .map(drop)
    }

    async fn create_session(&self, token_hash: &str, user_id: i64, now_s: i64) -> Result<()> {
        self.exec(
            "INSERT INTO auth_sessions (token_hash, user_id, created_at, last_seen) VALUES (?, ?, ?, ?)",
            vec![Arg::S(token_hash.into()), Arg::I(user_id), Arg::I(now_s), Arg::I(now_s)],
        )
        .await
        .map(drop)
    }

    async fn session_user(&self, token_hash: &str, now_s: i64, idle_secs: i64) -> Result<User> {
        let row = sqlx::query("SELECT user_id, last_seen FROM auth_sessions WHERE token_hash = ?")
            .bind(token_hash)
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?;
        let last: i64 = row.get("last_seen");
        if now_s - last > idle_secs {
            return Err(StoreError::NotFound);
        }
        if now_s - last > 30 {
            self.exec(
                "UPDATE auth_sessions SET last_seen = ? WHERE token_hash = ?",
                vec![Arg::I(now_s), Arg::S(token_hash.into())],
            )
            .await?;
        }
        let u = self.user(row.get("user_id")).await?;
        if !u.active {
            return Err(StoreError::NotFound);
        }
        Ok(u)
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        self.exec(
            "DELETE FROM auth_sessions WHERE token_hash = ?",
            vec![Arg::S(token_hash.into())],
        )
        .await
        .map(drop)
    }

    async fn create_token(&self, user_id: i64, token_hash: &str, name: &str) -> Result<i64> {
        let (token_hash, name) = (token_hash.to_string(), name.to_string());
        self.writer
            .write(move |c, _| {
                Box::pin(async move {
                    Ok(sqlx::query(
                        "INSERT INTO api_tokens (user_id, token_hash, name, created_at) VALUES (?, ?, ?, ?)",
                    )
                    .bind(user_id)
                    .bind(&token_hash)
                    .bind(&name)
                    .bind(now())
                    .execute(&mut *c)
                    .await?
                    .last_insert_rowid())
                })
            })
            .await
    }

    async fn token_user(&self, token_hash: &str) -> Result<User> {
        let uid: Option<i64> =
            sqlx::query_scalar("SELECT user_id FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL")
                .bind(token_hash)
                .fetch_optional(&self.read)
                .await?;
        let u = self.user(uid.ok_or(StoreError::NotFound)?).await?;
        if !u.active {
            return Err(StoreError::NotFound);
        }
        Ok(u)
    }

    async fn revoke_token(&self, user_id: i64, token_id: i64) -> Result<()> {
        let n = self
            .exec(
                "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
                vec![Arg::S(now()), Arg::I(token_id), Arg::I(user_id)],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn create_reset(&self, user_id: i64, token_hash: &str, expires_at: i64) -> Result<()> {
        self.exec(
            "INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES (?, ?, ?)",
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
                    let row = sqlx::query(
                        "SELECT user_id FROM password_resets WHERE token_hash = ? AND used = 0 AND expires_at > ?",
                    )
                    .bind(&token_hash)
                    .bind(now_s)
                    .fetch_optional(&mut *c)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                    let uid: i64 = row.get("user_id");
                    sqlx::query("UPDATE password_resets SET used = 1 WHERE token_hash = ?")
                        .bind(&token_hash)
                        .execute(&mut *c)
                        .await?;
                    sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
                        .bind(&new_hash)
                        .bind(uid)
                        .execute(&mut *c)
                        .await?;
                    sqlx::query("DELETE FROM auth_sessions WHERE user_id = ?")
                        .bind(uid)
                        .execute(&mut *c)
                        .await?;
                    Ok(uid)
                })
            })
            .await
    }

    async fn login_failed(&self, account: &str, address: &str, now_s: i64) -> Result<()> {
        self.exec(
            "INSERT INTO login_failures (account, address, at) VALUES (?, ?, ?)",
            vec![
                Arg::S(account.trim().to_lowercase()),
                Arg::S(address.into()),
                Arg::I(now_s),
            ],
        )
        .await
        .map(drop)
    }

    async fn login_failures(&self, account: &str, address: &str, since: i64) -> Result<(i64, i64)> {
        let a: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE account = ? AND at >= ?")
            .bind(account.trim().to_lowercase())
            .bind(since)
            .fetch_one(&self.read)
            .await?;
        let b: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE address = ? AND at >= ?")
            .bind(address)
            .bind(since)
            .fetch_one(&self.read)
            .await?;
        Ok((a, b))
    }

    async fn insert_record_audited(
        &self,
        actor: &Actor,
        kind: &str,
        at: Placement,
        data: serde_json::Value,
        idempotency_key: Option<&str>,
        also_audit: &[String],
    ) -> Result<(Record, bool)> {
        let (actor, kind) = (actor.clone(), kind.to_string());
        let key = idempotency_key.map(str::to_string);
        let also_audit = also_audit.to_vec();
        self.writer
            .write(move |c, chain| {
                Box::pin(async move {
                    if let Some(key) = &key {
                        let prev: Option<i64> =
                            sqlx::query_scalar("SELECT record_id FROM idempotency WHERE user_id = ? AND key = ?")
                                .bind(actor.user_id)
                                .bind(key)
                                .fetch_optional(&mut *c)
                                .await?;
                        if let Some(id) = prev {
                            let r = sqlx::query(&format!("SELECT {RECORD_COLS} FROM records WHERE id = ?"))
                                .bind(id)
                                .fetch_one(&mut *c)
                                .await?;
                            return Ok((record_from(&r), false));
                        }
                    }
                    let ts = now();
                    let text = data.to_string();
                    let id = sqlx::query("INSERT INTO records (clinic_id, kind, patient_id, parent_id, version, data, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?)")
                        .bind(actor.clinic_id)
                        .bind(&kind)
                        .bind(at.patient_id)
                        .bind(at.parent_id)
                        .bind(&text)
                        .bind(&ts)
                        .bind(&ts)
                        .execute(&mut *c)
                        .await?
                        .last_insert_rowid();
                    let patient_id = if kind == "patient" {
                        sqlx::query("UPDATE records SET patient_id = id WHERE id = ?")
                            .bind(id)
                            .execute(&mut *c)
                            .await?;
                        Some(id)
                    } else {
                        at.patient_id
                    };
                    sqlx::query(
                        "INSERT INTO record_versions (record_id, version, data, author_id, created_at) VALUES (?, 1, ?, ?, ?)",
                    )
                    .bind(id)
                    .bind(&text)
                    .bind(actor.user_id)
                    .bind(&ts)
                    .execute(&mut *c)
                    .await?;
                    if let Some(key) = &key {
                        sqlx::query("INSERT INTO idempotency (user_id, key, record_id, created_at) VALUES (?, ?, ?, ?)")
                            .bind(actor.user_id)
                            .bind(key)
                            .bind(id)
                            .bind(&ts)
                            .execute(&mut *c)
                            .await?;
                    }
                    append(c, chain, Some(&actor), "create", Some(&kind), Some(id)).await?;
                    for action in &also_audit {
                        append(c, chain, Some(&actor), action, Some(&kind), Some(id)).await?;
                    }
                    let rec = Record {
                        id,
                        kind,
                        clinic_id: actor.clinic_id,
                        patient_id,
                        parent_id: at.parent_id,
                        version: 1,
                        data,
                        created_at: ts.clone(),
                        updated_at: ts,
                    };
                    Ok((rec, true))
                })
            })
            .await
    }

    async fn record(&self, actor: &Actor, kind: &str, id: i64) -> Result<Record> {
        let r = self.fetch_record(actor, kind, id).await?;
        self.audit(Some(actor), "read", Some(kind), Some(id)).await?;
        Ok(r)
    }

    async fn children(&self, actor: &Actor, kind: &str, parent_id: i64) -> Result<Vec<Record>> {
        let col = if matches!(kind, "condition" | "screening" | "course") {
            "patient_id"
        } else {
            "parent_id"
        };
        let rows = sqlx::query(&format!(
            "SELECT {RECORD_COLS} FROM records WHERE kind = ? AND {col} = ? AND clinic_id = ? ORDER BY id"
        ))
        .bind(kind)
        .bind(parent_id)
        .bind(actor.clinic_id)
        .fetch_all(&self.read)
        .await?;
        Ok(rows.iter().map(record_from).collect())
    }

    async fn patients(&self, actor: &Actor, query: &str) -> Result<Vec<Record>> {
        let q = format!("%{}%", query.trim().to_lowercase());
        let rows = sqlx::query(&format!(
            "SELECT {RECORD_COLS} FROM records WHERE kind = 'patient' AND clinic_id = ? AND (? = '%%' OR \
             lower(json_extract(data, '$.given_name') || ' ' || json_extract(data, '$.family_name')) LIKE ?) ORDER BY id"
        ))
        .bind(actor.clinic_id)
        .bind(&q)
        .bind(&q)
        .fetch_all(&self.read)
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
                    let row = sqlx::query(&format!(
                        "SELECT {RECORD_COLS} FROM records WHERE id = ? AND kind = ? AND clinic_id = ?"
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
                    sqlx::query("UPDATE records SET version = ?, data = ?, updated_at = ? WHERE id = ? AND version = ?")
                        .bind(v)
                        .bind(&text)
                        .bind(&ts)
                        .bind(id)
                        .bind(rec.version)
                        .execute(&mut *c)
                        .await?;
                    sqlx::query(
                        "INSERT INTO record_versions (record_id, version, data, author_id, created_at) VALUES (?, ?, ?, ?, ?)",
                    )
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
        let rows = sqlx::query(
            "SELECT v.version, v.data, v.author_id, v.created_at FROM record_versions v JOIN records r ON r.id = v.record_id \
             WHERE v.record_id = ? AND r.clinic_id = ? ORDER BY v.version",
        )
        .bind(id)
        .bind(actor.clinic_id)
        .fetch_all(&self.read)
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
        let rows = sqlx::query(&format!(
            "SELECT {RECORD_COLS} FROM records WHERE patient_id = ? AND clinic_id = ? ORDER BY id"
        ))
        .bind(patient_id)
        .bind(actor.clinic_id)
        .fetch_all(&self.read)
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
        let rows = sqlx::query("SELECT * FROM audit WHERE ?1 IS NULL OR clinic_id = ?1 ORDER BY id")
            .bind(clinic_id)
            .fetch_all(&self.read)
            .await?;
        Ok(rows.iter().map(|r| audit_entry_from_row!(r)).collect())
    }

    async fn shutdown(&self) -> Result<()> {
        // Through the writer, so no write is in flight; TRUNCATE empties the log.
        self.writer.write(|_, _| Box::pin(async { Ok(()) })).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.admin)
            .await?;
        Ok(())
    }

    async fn research_aggregates(&self, min_cell: i64) -> Result<serde_json::Value> {
        let (courses, pain) = crate::research::sqlite_rows(&self.read).await?;
        Ok(crate::research::aggregates(&courses, &pain, min_cell))
    }
}
