//! `acumen backup` and `acumen restore`: a consistent online SQLite backup
//! with its manifest (checksum and audit head), checked before it is kept;
//! a restore into a new file, verified the same way.

use std::path::{Path, PathBuf};

use acumen_store::audit::{verify, Verdict};
use acumen_store::Store;
use anyhow::{bail, Context, Result};
use clap::Args;
use sha2::Digest;

use super::audit::{audit_key, head_text};
use super::{db_path, is_postgres, open_sqlite};

/// `acumen backup` options.
#[derive(Debug, Clone, Args)]
pub struct BackupArgs {
    /// Database to back up (may be in use by a running server).
    #[arg(long, default_value = "acumen.db")]
    pub db: String,
    /// New backup file.
    #[arg(long)]
    pub to: PathBuf,
}

/// `acumen restore` options.
#[derive(Debug, Clone, Args)]
pub struct RestoreArgs {
    /// Backup file.
    #[arg(long)]
    pub from: PathBuf,
    /// Database to create from it (must not exist).
    #[arg(long, default_value = "acumen.db")]
    pub db: String,
}

async fn integrity(path: &Path) -> Result<()> {
    use sqlx::ConnectOptions;
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await?;
    let ok: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await?;
    if ok != "ok" {
        bail!("{}: integrity check failed: {ok}", path.display());
    }
    Ok(())
}

/// Takes a consistent online backup and checks it.
pub async fn backup(a: &BackupArgs) -> Result<()> {
    if is_postgres(&a.db) {
        bail!("back up PostgreSQL with pg_dump or pg_basebackup (docs/operations.md)");
    }
    let store = open_sqlite(&a.db).await?;
    let head = store
        .backup(&a.to)
        .await
        .with_context(|| format!("{}: backup failed", a.to.display()))?;
    integrity(&a.to).await?;
    // The manifest anchors the audit head outside the database: keep it
    // with the backup, and compare later with `audit verify --anchor`.
    let manifest = PathBuf::from(format!("{}.manifest.json", a.to.display()));
    let bytes = std::fs::read(&a.to).with_context(|| format!("{}: cannot read back", a.to.display()))?;
    let text = serde_json::to_string_pretty(&serde_json::json!({
        "backup": a.to.file_name().map(|n| n.to_string_lossy().to_string()),
        "sha256": hex::encode(sha2::Sha256::digest(&bytes)),
        "audit_head": head_text(&head),
        "written_at": time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339)?,
    }))?;
    std::fs::write(&manifest, text + "\n").with_context(|| format!("{}: cannot write", manifest.display()))?;
    println!(
        "backup written to {} (integrity ok; audit head {}; manifest {})",
        a.to.display(),
        head_text(&head),
        manifest.display()
    );
    Ok(())
}

/// Restores a backup into a new database file.
pub async fn restore(a: &RestoreArgs) -> Result<()> {
    if is_postgres(&a.db) {
        bail!("restore PostgreSQL with pg_restore (docs/operations.md)");
    }
    let dest = db_path(&a.db);
    if dest.exists() {
        bail!(
            "{}: already exists; restore only into a new file (move the old one away first)",
            dest.display()
        );
    }
    integrity(&a.from).await?;
    std::fs::copy(&a.from, &dest).with_context(|| format!("cannot copy {} to {}", a.from.display(), dest.display()))?;
    let store = open_sqlite(&a.db).await?;
    let entries = store.audit_log(None).await?;
    if let Verdict::Broken { id } = verify(&audit_key(&a.db)?, &entries, None) {
        bail!("the backup's audit log is broken at entry {id} (wrong ACUMEN_AUDIT_KEY or key file?)");
    }
    store.audit(None, "restore", None, None).await?;
    println!(
        "restored {} into {} ({} audit entries verified)",
        a.from.display(),
        dest.display(),
        entries.len()
    );
    Ok(())
}
