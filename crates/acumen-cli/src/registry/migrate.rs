//! `acumen migrate-db`: an SQLite registry into an empty PostgreSQL
//! database, every table compared by row count and checksum.

use std::path::Path;

use anyhow::{bail, Context, Result};
use clap::Args;

use super::{db_path, is_postgres, redact};

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
