//! The audit chain's key and anchors: where the HMAC key is found (and the
//! loud warning while it sits beside the database), `acumen audit verify`
//! (chain, checkpoint and anchors), `acumen audit head` (the head to keep
//! elsewhere) and `acumen admin move-audit-key`.

use std::path::{Path, PathBuf};

use acumen_store::audit::{anchored, verify, verify_kept, Verdict};
use acumen_store::Store;
use anyhow::{bail, Context, Result};
use clap::Subcommand;

use crate::registry::{db_path, is_postgres, open_sqlite, open_store};

/// `acumen audit` commands.
#[derive(Debug, Clone, Subcommand)]
pub enum AuditCmd {
    /// Verifies the audit chain, its checkpoint (SQLite) and any anchors;
    /// names the first broken entry.
    Verify {
        /// Database (PATH, sqlite:PATH or postgres://...).
        #[arg(long, default_value = "acumen.db")]
        db: String,
        /// A head recorded elsewhere (`ID:MAC`, as `audit head`, the server
        /// log and backup manifests print it) that must still be in the log.
        #[arg(long = "anchor", value_name = "ID:MAC")]
        anchors: Vec<String>,
    },
    /// Prints the audit head (`ID:MAC`) to keep outside the database.
    Head {
        /// Database (PATH, sqlite:PATH or postgres://...).
        #[arg(long, default_value = "acumen.db")]
        db: String,
    },
}

/// Where the audit key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `ACUMEN_AUDIT_KEY` (hex).
    Env,
    /// A key file outside the database's folder (`ACUMEN_AUDIT_KEY_FILE`,
    /// or the path `move-audit-key` left in `DB.audit-key-location`).
    File(PathBuf),
    /// The key file beside the database (`DB.audit-key`): anyone who can
    /// copy the folder can rewrite the history.
    BesideDb(PathBuf),
}

fn beside(db: &str) -> PathBuf {
    PathBuf::from(format!("{}.audit-key", db_path(db).display()))
}

fn location_note(db: &str) -> PathBuf {
    PathBuf::from(format!("{}.audit-key-location", db_path(db).display()))
}

/// Where this database's audit key is read from.
pub fn key_source(db: &str) -> Result<KeySource> {
    if std::env::var_os("ACUMEN_AUDIT_KEY").is_some() {
        return Ok(KeySource::Env);
    }
    if let Some(p) = std::env::var_os("ACUMEN_AUDIT_KEY_FILE") {
        return Ok(KeySource::File(PathBuf::from(p)));
    }
    if is_postgres(db) {
        bail!("a PostgreSQL database needs its audit key in ACUMEN_AUDIT_KEY (64 hex digits) or ACUMEN_AUDIT_KEY_FILE, kept off the database server");
    }
    let note = location_note(db);
    if note.exists() {
        let text = std::fs::read_to_string(&note).with_context(|| format!("{}: cannot read", note.display()))?;
        return Ok(KeySource::File(PathBuf::from(text.trim())));
    }
    Ok(KeySource::BesideDb(beside(db)))
}

fn read_key_file(path: &Path) -> Result<Vec<u8>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("{}: cannot read the audit key", path.display()))?;
    let key = hex::decode(text.trim()).with_context(|| format!("{}: the audit key must be hex", path.display()))?;
    if key.len() < 32 {
        bail!("{}: the audit key must hold at least 32 bytes", path.display());
    }
    Ok(key)
}

/// The audit key. A new SQLite database gets a random key beside it; an
/// existing database whose key cannot be found is an error (a new key
/// would break its chain).
pub fn audit_key(db: &str) -> Result<Vec<u8>> {
    match key_source(db)? {
        KeySource::Env => {
            let k = std::env::var("ACUMEN_AUDIT_KEY").unwrap_or_default();
            let key = hex::decode(k.trim()).context("ACUMEN_AUDIT_KEY must be hex")?;
            if key.len() < 32 {
                bail!("ACUMEN_AUDIT_KEY must hold at least 32 bytes (64 hex digits)");
            }
            Ok(key)
        }
        KeySource::File(p) => read_key_file(&p),
        KeySource::BesideDb(p) if p.exists() => read_key_file(&p),
        KeySource::BesideDb(p) => {
            if db_path(db).exists() {
                bail!(
                    "{}: no audit key found for this database (looked for {}; set ACUMEN_AUDIT_KEY_FILE to where it was moved)",
                    db_path(db).display(),
                    p.display()
                );
            }
            let mut key = [0u8; 32];
            rand08::RngCore::fill_bytes(&mut rand08::rngs::OsRng, &mut key);
            write_private(&p, &hex::encode(key))?;
            Ok(key.to_vec())
        }
    }
}

/// The warning an installation gets at every start while its key sits
/// beside the database (`None` when it does not).
pub fn key_warning(db: &str) -> Option<String> {
    match key_source(db).ok()? {
        KeySource::BesideDb(p) => Some(format!(
            "WARNING: the audit key {} sits beside the database: anyone who can copy that folder can rewrite the audit history. \
             Move it out of the folder: acumen admin move-audit-key --db {} --to /etc/acumen/audit.key",
            p.display(),
            db
        )),
        _ => None,
    }
}

/// Writes a new file readable by its owner only.
pub fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("{}: cannot create the audit key", path.display()))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

/// `acumen admin move-audit-key`: moves the key from beside the database
/// to `to` (outside the database's folder) and leaves a note of where it is.
pub fn move_audit_key(db: &str, to: &Path) -> Result<()> {
    let from = match key_source(db)? {
        KeySource::BesideDb(p) if p.exists() => p,
        KeySource::BesideDb(p) => bail!("{}: no key beside the database to move", p.display()),
        KeySource::Env => bail!("the key comes from ACUMEN_AUDIT_KEY; nothing to move"),
        KeySource::File(p) => bail!("the key already lives at {}", p.display()),
    };
    let folder = |p: &Path| -> Result<PathBuf> {
        let parent = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        parent
            .canonicalize()
            .with_context(|| format!("{}: no such folder", parent.display()))
    };
    if folder(to)? == folder(&db_path(db))? {
        bail!(
            "{}: is in the database's folder; choose a path outside it",
            to.display()
        );
    }
    let to = folder(to)?.join(to.file_name().context("--to must name a file")?);
    let key = read_key_file(&from)?;
    write_private(&to, &hex::encode(&key))?;
    if read_key_file(&to)? != key {
        bail!(
            "{}: the copy does not read back; the old key was left in place",
            to.display()
        );
    }
    std::fs::write(location_note(db), format!("{}\n", to.display()))
        .with_context(|| format!("{}: cannot write", location_note(db).display()))?;
    std::fs::remove_file(&from).with_context(|| format!("{}: cannot remove the old key", from.display()))?;
    println!(
        "audit key moved to {} (the database's folder now holds only a note of that path, {}); back the key up apart from the database",
        to.display(),
        location_note(db).display()
    );
    Ok(())
}

fn parse_anchor(a: &str) -> Result<(i64, String)> {
    let (id, mac) = a
        .split_once(':')
        .with_context(|| format!("--anchor {a}: write it ID:MAC, as `acumen audit head` prints it"))?;
    Ok((
        id.trim()
            .parse()
            .with_context(|| format!("--anchor {a}: the id must be a whole number"))?,
        mac.trim().to_string(),
    ))
}

/// The head as `ID:MAC` ("0:" for an empty log).
pub fn head_text(head: &Option<(i64, String)>) -> String {
    head.as_ref().map_or("0:".into(), |(id, mac)| format!("{id}:{mac}"))
}

/// Runs an `acumen audit` command.
pub async fn audit(cmd: &AuditCmd) -> Result<()> {
    let (db, anchors) = match cmd {
        AuditCmd::Head { db } => {
            let head = open_store(db).await?.audit_head().await?;
            println!("audit head {}", head_text(&head));
            return Ok(());
        }
        AuditCmd::Verify { db, anchors } => (db, anchors),
    };
    let anchors = anchors.iter().map(|a| parse_anchor(a)).collect::<Result<Vec<_>>>()?;
    // SQLite keeps a checkpoint of the head beside the file (missing or
    // behind is a failure); on PostgreSQL the server role cannot delete
    // audit rows at all.
    let key = audit_key(db)?;
    let (entries, verdict) = if is_postgres(db) {
        let entries = open_store(db).await?.audit_log(None).await?;
        let v = verify(&key, &entries, None);
        (entries, v)
    } else {
        let s = open_sqlite(db).await?;
        let entries = s.audit_log(None).await?;
        let v = verify_kept(&key, &entries, s.read_checkpoint_full());
        (entries, v)
    };
    match verdict {
        Verdict::Intact { .. } => {}
        Verdict::Broken { id } => {
            bail!("audit log broken at entry {id}: it was edited, or an entry before it was deleted")
        }
        Verdict::TailMissing {
            expected_head,
            found_head,
        } => {
            bail!("audit log truncated: the checkpoint names entry {expected_head} but the log ends at {found_head}")
        }
        Verdict::CheckpointMissing { entries } => bail!(
            "audit checkpoint missing: the log has {entries} entries but {}.audit-head is gone; a deleted tail cannot be ruled out (compare with an anchor: --anchor ID:MAC from the server log or a backup manifest)",
            db_path(db).display()
        ),
        Verdict::CheckpointBehind {
            checkpoint_head,
            log_head,
        } => bail!(
            "audit checkpoint is older than the log (it names entry {checkpoint_head}, the log ends at {log_head}): a crash between a commit and the checkpoint write, or an old checkpoint put back; compare with an anchor (--anchor ID:MAC)"
        ),
    }
    for (id, mac) in &anchors {
        if !anchored(&entries, *id, mac) {
            bail!("audit log does not hold the anchored head {id}: entries were deleted or rewritten since it was recorded");
        }
    }
    println!(
        "audit log intact: {} entries, head {}{}",
        entries.len(),
        head_text(&entries.last().map(|e| (e.id, e.hmac.clone()))),
        if anchors.is_empty() {
            String::new()
        } else {
            format!(", {} anchor(s) found", anchors.len())
        }
    );
    Ok(())
}
