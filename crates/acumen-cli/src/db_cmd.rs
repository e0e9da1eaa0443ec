//! Database commands: `backup`, `restore` (SQLite) and `migrate-db`
//! (SQLite to PostgreSQL, verified table by table).

use std::path::{Path, PathBuf};

use acumen_store::audit::{verify, Verdict};
use acumen_store::Store;
use anyhow::{bail, Context, Result};
use clap::Args;
use sha2::Digest;

use crate::audit_cmd::{audit_key, head_text};
use crate::registry_cmd::{db_path, is_postgres, open_sqlite, redact};

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

/// `acumen migrate-db` options.
#[derive(Debug, Clone, Args)]
pub struct MigrateDbArgs {
    /// Source: sqlite:PATH (or a path); only read.
    #[arg(long)]
    pub from: String,
    /// Target: postgres://OWNER@HOST/DB, an empty database (its schema is created first).
    #[arg(long)]
    pub to: String,
}

/// Moves an SQLite registry into an empty PostgreSQL database and compares
/// every table's row count and checksum.
pub async fn migrate_db(a: &MigrateDbArgs) -> Result<String> {
    if is_postgres(&a.from) || !is_postgres(&a.to) {
        bail!("migrate-db moves an SQLite database (--from sqlite:PATH) into PostgreSQL (--to postgres://...)");
    }
    let from = db_path(&a.from);
    let checks = acumen_store::transfer::sqlite_to_postgres(&from, &a.to)
        .await
        .with_context(|| format!("migrating {} to {}", from.display(), redact(&a.to)))?;
    let mut out = format!(
        "{:<16} {:>12} {:>12}  {:<16}  {}\n",
        "table", "source rows", "target rows", "sha256", "match"
    );
    for c in &checks {
        out += &format!(
            "{:<16} {:>12} {:>12}  {:<16}  {}\n",
            c.table,
            c.source_rows,
            c.target_rows,
            &c.source_sha256[..16],
            if c.matches() { "yes" } else { "NO" }
        );
    }
    let bad: Vec<&str> = checks.iter().filter(|c| !c.matches()).map(|c| c.table).collect();
    if !bad.is_empty() {
        eprint!("{out}");
        bail!(
            "the copy committed but does not match the source in: {}; drop the target database and report this",
            bad.join(", ")
        );
    }
    let key_file = format!("{}.audit-key", from.display());
    out += &format!(
        "all {} tables match; the audit chain was copied entry for entry.\n\
         Serve it as a login role IN ROLE acumen_app with the same audit key{}.\n",
        checks.len(),
        if Path::new(&key_file).exists() {
            format!(" (ACUMEN_AUDIT_KEY = the contents of {key_file})")
        } else {
            String::new()
        }
    );
    Ok(out)
}
