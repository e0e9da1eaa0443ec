//! The registry commands: `serve`, `admin`, `audit`, `demo`, `backup`,
//! `restore`, `migrate-db` and `report`, each in its own file; here, how a
//! `--db` value opens a store (the URL scheme picks SQLite or PostgreSQL).

pub mod admin;
pub mod audit;
pub mod backup;
pub mod demo;
pub mod messaging;
pub mod migrate;
pub mod report;
pub mod serve;

use std::path::PathBuf;
use std::sync::Arc;

use acumen_store::{PgStore, SqliteStore, Store};
use anyhow::{bail, Context, Result};

use audit::audit_key;

/// Whether the database URL names a PostgreSQL server.
pub fn is_postgres(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// The file path of an SQLite database URL (`sqlite:PATH` or `PATH`).
pub fn db_path(db: &str) -> PathBuf {
    PathBuf::from(db.strip_prefix("sqlite:").unwrap_or(db))
}

/// Opens the SQLite store with its audit key.
pub async fn open_sqlite(db: &str) -> Result<SqliteStore> {
    let key = audit_key(db)?;
    SqliteStore::open(db, &key)
        .await
        .with_context(|| format!("{db}: cannot open the database"))
}

/// Opens the store the URL names (postgres://... or an SQLite path) with its audit key.
pub async fn open_store(db: &str) -> Result<Arc<dyn Store>> {
    if is_postgres(db) {
        let key = audit_key(db)?;
        let store = PgStore::open(db, &key)
            .await
            .with_context(|| format!("{}: cannot open the database", redact(db)))?;
        return Ok(Arc::new(store));
    }
    Ok(Arc::new(open_sqlite(db).await?))
}

/// A database URL without its password, for messages and logs.
pub fn redact(db: &str) -> String {
    match (db.find("://"), db.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &db[s + 3..at];
            let user = creds.split(':').next().unwrap_or_default();
            format!("{}{}@{}", &db[..s + 3], user, &db[at + 1..])
        }
        _ => db.to_string(),
    }
}

/// Opens a database that must already exist (a report never creates one).
pub async fn open_existing_store(db: &str) -> Result<Arc<dyn Store>> {
    if is_postgres(db) {
        return open_store(db).await;
    }
    let path = db_path(db);
    if !path.exists() {
        bail!("{}: no such database", path.display());
    }
    open_store(db).await
}
