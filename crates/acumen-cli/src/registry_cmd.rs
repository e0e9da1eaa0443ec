//! Registry commands: `serve`, `admin create-clinic`, `audit verify`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use acumen_store::{NewUser, PgStore, SqliteStore, Store};
use anyhow::{bail, Context, Result};

use crate::audit_cmd::audit_key;
use clap::{Args, Subcommand};

/// `acumen serve` options.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Database: PATH, sqlite:PATH or postgres://USER@HOST/DB (the scheme picks the backend;
    /// default acumen.db, or acumen-demo.db with --demo).
    #[arg(long)]
    pub db: Option<String>,
    /// Serve a simulated demo clinic (created on first use; a non-demo database is never touched).
    #[arg(long)]
    pub demo: bool,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Public origin (https://... turns on Secure cookies; used for the cross-origin check).
    #[arg(long)]
    pub public_url: Option<String>,
}

/// `acumen admin` commands.
#[derive(Debug, Clone, Subcommand)]
pub enum AdminCmd {
    /// Creates a clinic and its first admin (password from stdin or ACUMEN_ADMIN_PASSWORD).
    CreateClinic {
        /// Clinic name.
        #[arg(long)]
        name: String,
        /// Admin e-mail.
        #[arg(long)]
        admin_email: String,
        /// Database (PATH, sqlite:PATH or postgres://...).
        #[arg(long, default_value = "acumen.db")]
        db: String,
    },
    /// Creates or updates the PostgreSQL schema, roles and policies (run as the database owner).
    Migrate {
        /// postgres://OWNER@HOST/DB
        #[arg(long)]
        db: String,
    },
    /// Moves an SQLite database's audit key out of the database's folder.
    MoveAuditKey {
        /// Database (PATH or sqlite:PATH).
        #[arg(long, default_value = "acumen.db")]
        db: String,
        /// New key file, outside the database's folder (created, mode 0600).
        #[arg(long)]
        to: PathBuf,
    },
}

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

/// `acumen demo` options.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Database file to create.
    #[arg(long, default_value = "acumen-demo.db")]
    pub db: String,
    /// Number of simulated patients.
    #[arg(long, default_value_t = 320)]
    pub patients: usize,
    /// Random seed.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
}

/// Whether an existing file is an Acumen demo database (read-only look; nothing is written).
async fn is_demo_file(path: &Path) -> Result<bool> {
    use sqlx::ConnectOptions;
    let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(path).read_only(true);
    let mut conn = opts
        .connect()
        .await
        .with_context(|| format!("{}: not a SQLite database", path.display()))?;
    let demo: Option<i64> = sqlx::query_scalar("SELECT MAX(demo) FROM clinics")
        .fetch_one(&mut conn)
        .await
        .ok()
        .flatten();
    Ok(demo == Some(1))
}

/// Creates a demo database (refuses to overwrite an existing file).
pub async fn demo(a: &DemoArgs) -> Result<()> {
    let path = db_path(&a.db);
    if path.exists() {
        bail!(
            "{}: already exists; the demo is only written to a new file",
            path.display()
        );
    }
    if is_postgres(&a.db) {
        bail!("the demo is written to a new SQLite file; move it into PostgreSQL with `acumen migrate-db`");
    }
    let store = open_sqlite(&a.db).await?;
    eprintln!(
        "acumen: generating {} simulated patients into {} ...",
        a.patients,
        path.display()
    );
    crate::demo::generate(&store, a.patients, a.seed).await?;
    store.shutdown().await?;
    println!(
        "created SIMULATED demo database {} ({} patients, seed {})",
        path.display(),
        a.patients,
        a.seed
    );
    Ok(())
}

/// Runs the server until Ctrl-C / SIGTERM.
pub async fn serve(a: &ServeArgs) -> Result<()> {
    let db = a.db.clone().unwrap_or_else(|| {
        if a.demo {
            "acumen-demo.db".into()
        } else {
            "acumen.db".into()
        }
    });
    if a.demo && is_postgres(&db) {
        bail!("--demo serves a SQLite demo file; for PostgreSQL, make one with `acumen demo` and move it with `acumen migrate-db`");
    }
    if a.demo {
        let path = db_path(&db);
        if path.exists() {
            if !is_demo_file(&path).await? {
                bail!(
                    "{}: is not a demo database; --demo never touches it (choose another --db)",
                    path.display()
                );
            }
        } else {
            demo(&DemoArgs {
                db: db.clone(),
                patients: 320,
                seed: 2026,
            })
            .await?;
        }
        println!(
            "acumen: SIMULATED demo clinic (clinic code demo). Logins (password {}): admin@demo.acumen.test, practitioner@demo.acumen.test, researcher@demo.acumen.test, patient@demo.acumen.test",
            crate::demo::DEMO_PASSWORD
        );
    }
    let store = open_store(&db).await?;
    if !a.demo {
        if let Some(w) = crate::audit_cmd::key_warning(&db) {
            eprintln!("{w}");
            tracing::warn!("{w}");
        }
    }
    anchor_head(&*store, &db, "start").await?;
    let state = acumen_web::AppState::new(store.clone(), a.public_url.clone())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let listener = tokio::net::TcpListener::bind(&a.listen)
        .await
        .with_context(|| format!("cannot listen on {}", a.listen))?;
    let addr = listener.local_addr()?;
    if a.public_url.is_none() && !a.demo && !addr.ip().is_loopback() {
        bail!(
            "--listen {addr} is reachable from other machines: give --public-url (the address browsers use, \
             e.g. https://clinic.example) so that cookies and the origin check are right; \
             without it, listen on 127.0.0.1 or serve --demo"
        );
    }
    println!(
        "acumen: serving {} on http://{addr}/api/v1 (OpenAPI: http://{addr}/api/v1/openapi.json)",
        redact(&db)
    );
    let shutdown = async {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("signal handler");
            tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        tracing::info!("shutting down");
    };
    acumen_web::serve(listener, state, shutdown).await?;
    anchor_head(&*store, &db, "stop").await?;
    store.shutdown().await.context("closing the database")?;
    Ok(())
}

/// Logs the audit head (an anchor outside the database: compare it later
/// with `acumen audit verify --anchor ID:MAC`), and warns when an SQLite
/// checkpoint is missing or behind the log.
async fn anchor_head(store: &dyn Store, db: &str, when: &str) -> Result<()> {
    let head = store.audit_head().await?;
    let text = crate::audit_cmd::head_text(&head);
    println!("acumen: audit head at {when}: {text}");
    tracing::info!(head = %text, "audit head at {when}");
    if when == "start" && !is_postgres(db) && head.is_some() {
        let path = PathBuf::from(format!("{}.audit-head", db_path(db).display()));
        let cp = acumen_store::audit::read_checkpoint_file(&path);
        let accounts = |c: &acumen_store::audit::Checkpoint| {
            let ids = [Some(c.committed.0), c.pending.as_ref().map(|p| p.0)];
            ids.contains(&head.as_ref().map(|h| h.0))
        };
        if !cp.as_ref().is_some_and(accounts) {
            let w = format!(
                "WARNING: the audit checkpoint ({}) does not match the log's head {text}: run `acumen audit verify --db {db}` and compare with an anchor",
                cp.map_or("missing".into(), |c| format!("entry {}", c.committed.0))
            );
            eprintln!("{w}");
            tracing::warn!("{w}");
        }
    }
    Ok(())
}

/// Creates a clinic and its first admin.
pub async fn admin(cmd: &AdminCmd) -> Result<()> {
    let (name, admin_email, db) = match cmd {
        AdminCmd::CreateClinic { name, admin_email, db } => (name, admin_email, db),
        AdminCmd::MoveAuditKey { db, to } => return crate::audit_cmd::move_audit_key(db, to),
        AdminCmd::Migrate { db } => {
            if !is_postgres(db) {
                bail!("{db}: `admin migrate` is for PostgreSQL; an SQLite database migrates itself when opened");
            }
            PgStore::migrate(db)
                .await
                .with_context(|| format!("{}: migration failed", redact(db)))?;
            println!("{}: schema, roles and policies are up to date", redact(db));
            return Ok(());
        }
    };
    let password = match std::env::var("ACUMEN_ADMIN_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("cannot read the password from stdin")?;
            s.trim_end_matches(['\n', '\r']).to_string()
        }
    };
    if password.chars().count() < 8 {
        bail!("the admin password must be at least 8 characters (stdin or ACUMEN_ADMIN_PASSWORD)");
    }
    let store = open_store(db).await?;
    let hash = acumen_store::password::hash(&password)?;
    let clinic = store.create_clinic(name, false).await?;
    let user = store
        .create_user(NewUser {
            clinic_id: clinic.id,
            email: admin_email.clone(),
            name: "Administrator".into(),
            role: "admin".into(),
            password_hash: hash,
            patient_id: None,
        })
        .await?;
    println!(
        "created clinic {} ({}; clinic code for logging in: {}) with admin {} (user {})",
        clinic.id, clinic.name, clinic.code, user.email, user.id
    );
    Ok(())
}
