//! The SQLite implementation (bundled SQLite through sqlx): WAL journal,
//! `synchronous=FULL`, foreign keys on. Reads go through a pool of
//! read-only connections; every write goes through the group-commit
//! [`Writer`] on the one write connection (`BEGIN IMMEDIATE`), so writes
//! that arrive together share one transaction and one fsync.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{Column, ConnectOptions, Row as _, Sqlite, SqliteConnection, SqlitePool, TypeInfo, ValueRef};

use crate::error::StoreError;
use crate::research::{CourseRow, PainRow};
use crate::sql::bind;
use crate::sql::{Arg, Conn, Dialect, Row, SqlStore, Val};
use crate::store::Result;
use crate::writer::{Backend, BoxFuture, Writer};

/// Registry storage in one SQLite file.
pub type SqliteStore = SqlStore<Sqlite>;

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

impl Dialect for Sqlite {
    // JSON is text in SQLite: no casts.
    const JSONB: &'static str = "";
    const JSON_TEXT: &'static str = "";
    // The writer holds the database lock: no row locks.
    const FOR_UPDATE: &'static str = "";
    const NEW_PUBLIC_ID: &'static str = "lower(hex(randomblob(16)))";
    const RECORD_COLS: &'static str =
        "id, kind, clinic_id, patient_id, parent_id, version, data, created_at, updated_at, public_id, \
        (SELECT p.public_id FROM records p WHERE p.id = records.patient_id) AS patient_public_id, \
        (SELECT q.public_id FROM records q WHERE q.id = records.parent_id) AS parent_public_id";
    // Row-level security is PostgreSQL's: SQLite names no clinic.
    const SCOPE: Option<&'static str> = None;
    // Folds the write-ahead log into the file, so that the file alone is the database.
    const SHUTDOWN: Option<&'static str> = Some("PRAGMA wal_checkpoint(TRUNCATE)");

    fn conn(c: &mut SqliteConnection) -> &mut dyn Conn {
        c
    }

    fn research(pool: &SqlitePool) -> BoxFuture<'_, Result<(Vec<CourseRow>, Vec<PainRow>)>> {
        Box::pin(crate::research::sqlite_rows(pool))
    }
}

#[async_trait]
impl Conn for SqliteConnection {
    async fn run(&mut self, sql: &str, args: &[Arg]) -> Result<u64> {
        Ok(bind(sqlx::query(sql), args).execute(&mut *self).await?.rows_affected())
    }

    async fn rows(&mut self, sql: &str, args: &[Arg]) -> Result<Vec<Row>> {
        let rows = bind(sqlx::query(sql), args).fetch_all(&mut *self).await?;
        rows.iter().map(plain).collect()
    }
}

/// A row as plain values: SQLite's integers (booleans among them) and text.
fn plain(r: &SqliteRow) -> Result<Row> {
    let mut cols = Vec::with_capacity(r.len());
    for (i, col) in r.columns().iter().enumerate() {
        let raw = r.try_get_raw(i)?;
        let v = if raw.is_null() {
            Val::Null
        } else {
            match raw.type_info().name() {
                "TEXT" => Val::S(r.try_get_unchecked(i)?),
                "INTEGER" | "BOOLEAN" | "INT8" | "INT4" | "NUMERIC" => Val::I(r.try_get_unchecked(i)?),
                other => {
                    return Err(StoreError::Integrity(format!(
                        "column {}: unexpected SQLite type {other}",
                        col.name()
                    )))
                }
            }
        };
        cols.push((col.name().to_string(), v));
    }
    Ok(Row::new(cols))
}

impl SqlStore<Sqlite> {
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
        Ok(SqlStore {
            read,
            admin,
            writer: Writer::spawn(conn, opts, audit_key, Some(checkpoint.clone())),
            checkpoint: Some(checkpoint),
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

    /// Reads the checkpointed audit head.
    pub fn read_checkpoint(&self) -> Option<(i64, String)> {
        self.read_checkpoint_full().map(|c| c.committed)
    }

    /// Reads the checkpoint with the head a batch was committing, if any.
    pub fn read_checkpoint_full(&self) -> Option<crate::audit::Checkpoint> {
        self.checkpoint.as_deref().and_then(crate::audit::read_checkpoint_file)
    }
}
