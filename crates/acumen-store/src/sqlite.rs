//! The SQLite implementation (bundled SQLite through sqlx): WAL journal,
//! `synchronous=FULL`, foreign keys on. Reads go through a pool of
//! read-only connections; every write goes through the group-commit
//! [`Writer`] on the one write connection (`BEGIN IMMEDIATE`), so writes
//! that arrive together share one transaction and one fsync.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{ConnectOptions, Row, Sqlite, SqliteConnection, SqlitePool};

use crate::error::StoreError;
use crate::model::{Actor, Record, User};
use crate::store::Result;
use crate::writer::{Backend, BoxFuture, Chain, Writer};
use crate::Arg;

/// Registry storage in one SQLite file.
pub struct SqliteStore {
    pub(crate) read: SqlitePool,
    pub(crate) admin: SqlitePool,
    pub(crate) writer: Writer<Sqlite>,
    checkpoint: PathBuf,
}

impl Backend for Sqlite {
    const BEGIN: &'static str = "BEGIN IMMEDIATE";
    fn head(conn: &mut SqliteConnection) -> BoxFuture<'_, Result<(i64, String)>> {
        Box::pin(async move {
            let last = sqlx::query("SELECT id, hmac FROM audit ORDER BY id DESC LIMIT 1")
                .fetch_optional(&mut *conn)
                .await?;
            Ok(last.map_or((0, String::new()), |r| (r.get("id"), r.get("hmac"))))
        })
    }
}

/// Appends the chain's next entry.
pub(crate) async fn append(
    c: &mut SqliteConnection,
    chain: &mut Chain,
    actor: Option<&Actor>,
    action: &str,
    kind: Option<&str>,
    record_id: Option<i64>,
) -> Result<()> {
    crate::shared::insert_audit(chain.next(actor, action, kind, record_id))
        .execute(&mut *c)
        .await?;
    Ok(())
}

pub(crate) fn record_from(r: &sqlx::sqlite::SqliteRow) -> Record {
    record_from_row!(r)
}

pub(crate) fn user_from(r: &sqlx::sqlite::SqliteRow) -> User {
    User {
        id: r.get("id"),
        clinic_id: r.get("clinic_id"),
        email: r.get("email"),
        name: r.get("name"),
        role: r.get("role"),
        patient_id: r.get("patient_id"),
        public_id: r.get("public_id"),
        patient_public_id: r.get("patient_public_id"),
        active: r.get::<i64, _>("active") != 0,
        password_hash: r.get("password_hash"),
    }
}

/// JSON is text in SQLite: no casts.
pub(crate) const JSONB: &str = "";
/// JSON is text in SQLite: no casts.
pub(crate) const JSON_TEXT: &str = "";
/// SQLite's writer holds the database lock: no row locks.
pub(crate) const FOR_UPDATE: &str = "";

/// Row-level security is PostgreSQL's: the SQLite store names no clinic.
pub(crate) async fn scope(_: &mut SqliteConnection, _clinic_id: i64) -> Result<()> {
    Ok(())
}

pub(crate) const RECORD_COLS: &str =
    "id, kind, clinic_id, patient_id, parent_id, version, data, created_at, updated_at, public_id, (SELECT p.public_id FROM records p WHERE p.id = records.patient_id) AS patient_public_id, (SELECT q.public_id FROM records q WHERE q.id = records.parent_id) AS parent_public_id";
/// A new random public id (128 bits as 32 hex digits).
pub(crate) const NEW_PUBLIC_ID: &str = "lower(hex(randomblob(16)))";

impl SqliteStore {
    /// Opens (creating if missing) the database file at `url` (`sqlite:PATH`
    /// or a path), runs the migrations, and keys the audit chain with
    /// `audit_key`. The audit head is checkpointed to `PATH.audit-head`.
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
        if path.as_os_str().is_empty() || path.to_string_lossy().contains(":memory:") {
            return Err(StoreError::Integrity(
                "an in-memory database cannot be shared by the writer and the readers; give a file".into(),
            ));
        }
        // Migrations run with foreign-key enforcement off (a table rebuilt in
        // place is dropped and renamed), then the keys are checked.
        let migrator = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts.clone().foreign_keys(false))
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&migrator).await?;
        let broken: Vec<SqliteRow> = sqlx::query("PRAGMA foreign_key_check").fetch_all(&migrator).await?;
        if !broken.is_empty() {
            return Err(StoreError::Integrity(format!(
                "{} rows break a foreign key after the migrations",
                broken.len()
            )));
        }
        migrator.close().await;
        let admin = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts.clone())
            .await?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts.clone().read_only(true))
            .await?;
        let checkpoint = PathBuf::from(format!("{}.audit-head", path.display()));
        let conn = opts.connect().await?;
        Ok(SqliteStore {
            read,
            admin,
            writer: Writer::spawn(conn, opts, audit_key, Some(checkpoint.clone())),
            checkpoint,
        })
    }

    /// A consistent online backup (`VACUUM INTO` from a read snapshot, so
    /// writes go on meanwhile) to a new file; returns the audit head it contains.
    pub async fn backup(&self, to: &std::path::Path) -> Result<Option<(i64, String)>> {
        if to.exists() {
            return Err(StoreError::Integrity(format!("{} already exists", to.display())));
        }
        sqlx::query("VACUUM INTO ?")
            .bind(to.to_string_lossy().to_string())
            .execute(&self.read)
            .await?;
        let mut conn = SqliteConnectOptions::new()
            .filename(to)
            .read_only(true)
            .connect()
            .await?;
        let head = sqlx::query("SELECT id, hmac FROM audit ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut conn)
            .await?;
        Ok(head.map(|r| (r.get("id"), r.get("hmac"))))
    }

    /// A read-write pool beside the writer (tests read pragmas and tamper through it).
    pub fn write_pool(&self) -> &SqlitePool {
        &self.admin
    }

    /// The audit head checkpoint file.
    pub fn checkpoint_path(&self) -> &PathBuf {
        &self.checkpoint
    }

    /// Reads the checkpointed audit head.
    pub fn read_checkpoint(&self) -> Option<(i64, String)> {
        crate::audit::read_checkpoint_file(&self.checkpoint).map(|c| c.committed)
    }

    /// Reads the checkpoint with the head a batch was committing, if any.
    pub fn read_checkpoint_full(&self) -> Option<crate::audit::Checkpoint> {
        crate::audit::read_checkpoint_file(&self.checkpoint)
    }

    /// Rows of a clinic for `sql` (whose `$1` is the clinic id).
    pub(crate) async fn clinic_rows(&self, clinic_id: i64, sql: &str, args: Vec<Arg>) -> Result<Vec<SqliteRow>> {
        Ok(crate::shared::bind_args(sqlx::query(sql).bind(clinic_id), args)
            .fetch_all(&self.read)
            .await?)
    }
}
