//! The SQLite implementation (bundled SQLite through sqlx): WAL journal,
//! `synchronous=FULL`, foreign keys on, a single serialized writer.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use time::format_description::well_known::Rfc3339;

use crate::audit::entry_mac;
use crate::error::StoreError;
use crate::model::{Actor, AuditEntry, Clinic, NewUser, Record, RecordVersion, User};
use crate::store::{Placement, Result, Store};

/// Registry storage in one SQLite file.
pub struct SqliteStore {
    read: SqlitePool,
    write: SqlitePool,
    lock: tokio::sync::Mutex<()>,
    audit_key: Vec<u8>,
    checkpoint: Option<PathBuf>,
}

fn now() -> String {
    time::OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default()
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or(serde_json::Value::Null)
}

fn record_from(r: &sqlx::sqlite::SqliteRow) -> Record {
    Record {
        id: r.get("id"),
        kind: r.get("kind"),
        clinic_id: r.get("clinic_id"),
        patient_id: r.get("patient_id"),
        parent_id: r.get("parent_id"),
        version: r.get("version"),
        data: json(r.get::<String, _>("data").as_str()),
        created_at: r.get("created_at"),
        updated_at: r.get("updated_at"),
    }
}

fn user_from(r: &sqlx::sqlite::SqliteRow) -> User {
    User {
        id: r.get("id"),
        clinic_id: r.get("clinic_id"),
        email: r.get("email"),
        name: r.get("name"),
        role: r.get("role"),
        patient_id: r.get("patient_id"),
        active: r.get::<i64, _>("active") != 0,
        password_hash: r.get("password_hash"),
    }
}

const RECORD_COLS: &str = "id, kind, clinic_id, patient_id, parent_id, version, data, created_at, updated_at";

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite:PATH` or a
    /// path), runs the migrations, and keys the audit chain with `audit_key`.
    /// The audit head is checkpointed to `PATH.audit-head` for file databases.
    pub async fn open(url: &str, audit_key: &[u8]) -> Result<Self> {
        let url = if url.starts_with("sqlite:") {
            url.to_string()
        } else {
            format!("sqlite:{url}")
        };
        let opts = SqliteConnectOptions::from_str(&url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let path = opts.get_filename().to_path_buf();
        let memory = path.as_os_str().is_empty() || path.to_string_lossy().contains(":memory:");
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&write).await?;
        let read = if memory {
            write.clone()
        } else {
            SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(opts.read_only(true))
                .await?
        };
        let checkpoint = if memory {
            None
        } else {
            Some(PathBuf::from(format!("{}.audit-head", path.display())))
        };
        Ok(SqliteStore {
            read,
            write,
            lock: tokio::sync::Mutex::new(()),
            audit_key: audit_key.to_vec(),
            checkpoint,
        })
    }

    /// A consistent online backup (`VACUUM INTO`) to a new file, taken
    /// between writes; returns the audit head it contains.
    pub async fn backup(&self, to: &std::path::Path) -> Result<Option<(i64, String)>> {
        if to.exists() {
            return Err(StoreError::Integrity(format!("{} already exists", to.display())));
        }
        let _g = self.lock.lock().await;
        sqlx::query("VACUUM INTO ?")
            .bind(to.to_string_lossy().to_string())
            .execute(&self.write)
            .await?;
        let head = sqlx::query("SELECT id, hmac FROM audit ORDER BY id DESC LIMIT 1")
            .fetch_optional(&self.write)
            .await?;
        Ok(head.map(|r| (r.get("id"), r.get("hmac"))))
    }

    /// The pool used for writes (tests read pragmas through it).
    pub fn write_pool(&self) -> &SqlitePool {
        &self.write
    }

    /// The audit head checkpoint file, if any.
    pub fn checkpoint_path(&self) -> Option<&PathBuf> {
        self.checkpoint.as_ref()
    }

    /// Reads the checkpointed audit head.
    pub fn read_checkpoint(&self) -> Option<(i64, String)> {
        let text = std::fs::read_to_string(self.checkpoint.as_ref()?).ok()?;
        let (id, mac) = text.trim().split_once(' ')?;
        Some((id.parse().ok()?, mac.to_string()))
    }

    fn write_checkpoint(&self, id: i64, mac: &str) -> Result<()> {
        if let Some(path) = &self.checkpoint {
            let tmp = path.with_extension("audit-head.tmp");
            std::fs::write(&tmp, format!("{id} {mac}\n")).map_err(|e| StoreError::Integrity(e.to_string()))?;
            std::fs::rename(&tmp, path).map_err(|e| StoreError::Integrity(e.to_string()))?;
        }
        Ok(())
    }

    async fn append_audit(
        &self,
        tx: &mut sqlx::SqliteConnection,
        actor: Option<&Actor>,
        action: &str,
        kind: Option<&str>,
        record_id: Option<i64>,
    ) -> Result<(i64, String)> {
        let last = sqlx::query("SELECT id, hmac FROM audit ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
        let (prev_id, prev_mac): (i64, String) = last.map_or((0, String::new()), |r| (r.get("id"), r.get("hmac")));
        let mut e = AuditEntry {
            id: prev_id + 1,
            at: now(),
            user_id: actor.map(|a| a.user_id),
            role: actor.map(|a| a.role.clone()),
            clinic_id: actor.map(|a| a.clinic_id),
            action: action.to_string(),
            record_kind: kind.map(str::to_string),
            record_id,
            hmac: String::new(),
        };
        e.hmac = entry_mac(&self.audit_key, &prev_mac, &e);
        sqlx::query("INSERT INTO audit (id, at, user_id, role, clinic_id, action, record_kind, record_id, hmac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(e.id)
            .bind(&e.at)
            .bind(e.user_id)
            .bind(&e.role)
            .bind(e.clinic_id)
            .bind(&e.action)
            .bind(&e.record_kind)
            .bind(e.record_id)
            .bind(&e.hmac)
            .execute(&mut *tx)
            .await?;
        Ok((e.id, e.hmac))
    }

    async fn fetch_record(&self, actor: &Actor, kind: &str, id: i64) -> Result<Record> {
        let row = sqlx::query(&format!(
            "SELECT {RECORD_COLS} FROM records WHERE id = ? AND kind = ? AND clinic_id = ?"
        ))
        .bind(id)
        .bind(kind)
        .bind(actor.clinic_id)
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(record_from(&row))
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn create_clinic(&self, name: &str, demo: bool) -> Result<Clinic> {
        let _g = self.lock.lock().await;
        let id = sqlx::query("INSERT INTO clinics (name, demo, created_at) VALUES (?, ?, ?)")
            .bind(name)
            .bind(demo as i64)
            .bind(now())
            .execute(&self.write)
            .await?
            .last_insert_rowid();
        Ok(Clinic {
            id,
            name: name.to_string(),
            demo,
            answers_public: false,
        })
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
        let _g = self.lock.lock().await;
        let mut tx = self.write.begin().await?;
        sqlx::query("UPDATE clinics SET answers_public = ? WHERE id = ?")
            .bind(public as i64)
            .bind(actor.clinic_id)
            .execute(&mut *tx)
            .await?;
        let action = if public {
            "answers_public_on"
        } else {
            "answers_public_off"
        };
        let (aid, mac) = self
            .append_audit(&mut tx, Some(actor), action, Some("clinic"), Some(actor.clinic_id))
            .await?;
        tx.commit().await?;
        self.write_checkpoint(aid, &mac)
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
        let _g = self.lock.lock().await;
        let email = u.email.trim().to_lowercase();
        let res = sqlx::query("INSERT INTO users (clinic_id, email, name, role, password_hash, patient_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(u.clinic_id)
            .bind(&email)
            .bind(&u.name)
            .bind(&u.role)
            .bind(&u.password_hash)
            .bind(u.patient_id)
            .bind(now())
            .execute(&self.write)
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
        let _g = self.lock.lock().await;
        sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
            .bind(hash)
            .bind(user_id)
            .execute(&self.write)
            .await?;
        sqlx::query("DELETE FROM auth_sessions WHERE user_id = ?")
            .bind(user_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn link_patient(&self, user_id: i64, patient_id: i64) -> Result<()> {
        let _g = self.lock.lock().await;
        sqlx::query("UPDATE users SET patient_id = ? WHERE id = ?")
            .bind(patient_id)
            .bind(user_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn create_session(&self, token_hash: &str, user_id: i64, now_s: i64) -> Result<()> {
        let _g = self.lock.lock().await;
        sqlx::query("INSERT INTO auth_sessions (token_hash, user_id, created_at, last_seen) VALUES (?, ?, ?, ?)")
            .bind(token_hash)
            .bind(user_id)
            .bind(now_s)
            .bind(now_s)
            .execute(&self.write)
            .await?;
        Ok(())
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
            let _g = self.lock.lock().await;
            sqlx::query("UPDATE auth_sessions SET last_seen = ? WHERE token_hash = ?")
                .bind(now_s)
                .bind(token_hash)
                .execute(&self.write)
                .await?;
        }
        let u = self.user(row.get("user_id")).await?;
        if !u.active {
            return Err(StoreError::NotFound);
        }
        Ok(u)
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        let _g = self.lock.lock().await;
        sqlx::query("DELETE FROM auth_sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn create_token(&self, user_id: i64, token_hash: &str, name: &str) -> Result<i64> {
        let _g = self.lock.lock().await;
        Ok(
            sqlx::query("INSERT INTO api_tokens (user_id, token_hash, name, created_at) VALUES (?, ?, ?, ?)")
                .bind(user_id)
                .bind(token_hash)
                .bind(name)
                .bind(now())
                .execute(&self.write)
                .await?
                .last_insert_rowid(),
        )
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
        let _g = self.lock.lock().await;
        let n = sqlx::query("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL")
            .bind(now())
            .bind(token_id)
            .bind(user_id)
            .execute(&self.write)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn create_reset(&self, user_id: i64, token_hash: &str, expires_at: i64) -> Result<()> {
        let _g = self.lock.lock().await;
        sqlx::query("INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES (?, ?, ?)")
            .bind(token_hash)
            .bind(user_id)
            .bind(expires_at)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn use_reset(&self, token_hash: &str, now_s: i64, new_hash: &str) -> Result<i64> {
        let _g = self.lock.lock().await;
        let mut tx = self.write.begin().await?;
        let row =
            sqlx::query("SELECT user_id FROM password_resets WHERE token_hash = ? AND used = 0 AND expires_at > ?")
                .bind(token_hash)
                .bind(now_s)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
        let uid: i64 = row.get("user_id");
        sqlx::query("UPDATE password_resets SET used = 1 WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
            .bind(new_hash)
            .bind(uid)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM auth_sessions WHERE user_id = ?")
            .bind(uid)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(uid)
    }

    async fn login_failed(&self, account: &str, address: &str, now_s: i64) -> Result<()> {
        let _g = self.lock.lock().await;
        sqlx::query("INSERT INTO login_failures (account, address, at) VALUES (?, ?, ?)")
            .bind(account.trim().to_lowercase())
            .bind(address)
            .bind(now_s)
            .execute(&self.write)
            .await?;
        Ok(())
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
        let _g = self.lock.lock().await;
        let mut tx = self.write.begin().await?;
        if let Some(key) = idempotency_key {
            let prev: Option<i64> =
                sqlx::query_scalar("SELECT record_id FROM idempotency WHERE user_id = ? AND key = ?")
                    .bind(actor.user_id)
                    .bind(key)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(id) = prev {
                tx.rollback().await?;
                let r = sqlx::query(&format!("SELECT {RECORD_COLS} FROM records WHERE id = ?"))
                    .bind(id)
                    .fetch_one(&self.write)
                    .await?;
                return Ok((record_from(&r), false));
            }
        }
        let ts = now();
        let text = data.to_string();
        let id = sqlx::query("INSERT INTO records (clinic_id, kind, patient_id, parent_id, version, data, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?)")
            .bind(actor.clinic_id)
            .bind(kind)
            .bind(at.patient_id)
            .bind(at.parent_id)
            .bind(&text)
            .bind(&ts)
            .bind(&ts)
            .execute(&mut *tx)
            .await?
            .last_insert_rowid();
        let patient_id = if kind == "patient" {
            sqlx::query("UPDATE records SET patient_id = id WHERE id = ?")
                .bind(id)
                .execute(&mut *tx)
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
        .execute(&mut *tx)
        .await?;
        if let Some(key) = idempotency_key {
            sqlx::query("INSERT INTO idempotency (user_id, key, record_id, created_at) VALUES (?, ?, ?, ?)")
                .bind(actor.user_id)
                .bind(key)
                .bind(id)
                .bind(&ts)
                .execute(&mut *tx)
                .await?;
        }
        let (mut aid, mut mac) = self
            .append_audit(&mut tx, Some(actor), "create", Some(kind), Some(id))
            .await?;
        for action in also_audit {
            (aid, mac) = self
                .append_audit(&mut tx, Some(actor), action, Some(kind), Some(id))
                .await?;
        }
        tx.commit().await?;
        self.write_checkpoint(aid, &mac)?;
        let rec = Record {
            id,
            kind: kind.to_string(),
            clinic_id: actor.clinic_id,
            patient_id,
            parent_id: at.parent_id,
            version: 1,
            data,
            created_at: ts.clone(),
            updated_at: ts,
        };
        Ok((rec, true))
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
        let _g = self.lock.lock().await;
        let mut tx = self.write.begin().await?;
        let row = sqlx::query(&format!(
            "SELECT {RECORD_COLS} FROM records WHERE id = ? AND kind = ? AND clinic_id = ?"
        ))
        .bind(id)
        .bind(kind)
        .bind(actor.clinic_id)
        .fetch_optional(&mut *tx)
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
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO record_versions (record_id, version, data, author_id, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(v)
        .bind(&text)
        .bind(actor.user_id)
        .bind(&ts)
        .execute(&mut *tx)
        .await?;
        let (aid, mac) = self
            .append_audit(&mut tx, Some(actor), "update", Some(kind), Some(id))
            .await?;
        tx.commit().await?;
        self.write_checkpoint(aid, &mac)?;
        rec.version = v;
        rec.data = data;
        rec.updated_at = ts;
        Ok(rec)
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
        let _g = self.lock.lock().await;
        let mut tx = self.write.begin().await?;
        let (aid, mac) = self.append_audit(&mut tx, actor, action, kind, record_id).await?;
        tx.commit().await?;
        self.write_checkpoint(aid, &mac)
    }

    async fn audit_log(&self, clinic_id: Option<i64>) -> Result<Vec<AuditEntry>> {
        let rows = match clinic_id {
            Some(c) => {
                sqlx::query("SELECT * FROM audit WHERE clinic_id = ? ORDER BY id")
                    .bind(c)
                    .fetch_all(&self.read)
                    .await?
            }
            None => {
                sqlx::query("SELECT * FROM audit ORDER BY id")
                    .fetch_all(&self.read)
                    .await?
            }
        };
        Ok(rows
            .iter()
            .map(|r| AuditEntry {
                id: r.get("id"),
                at: r.get("at"),
                user_id: r.get("user_id"),
                role: r.get("role"),
                clinic_id: r.get("clinic_id"),
                action: r.get("action"),
                record_kind: r.get("record_kind"),
                record_id: r.get("record_id"),
                hmac: r.get("hmac"),
            })
            .collect())
    }

    async fn research_aggregates(&self, min_cell: i64) -> Result<serde_json::Value> {
        crate::research::aggregates(&self.read, min_cell).await
    }
}
