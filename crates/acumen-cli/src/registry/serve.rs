//! `acumen serve`: the web app and API on a bound listener until Ctrl-C or
//! SIGTERM, with the audit head logged at start and stop.

use std::path::PathBuf;

use acumen_store::Store;
use anyhow::{bail, Context, Result};
use clap::Args;

use super::demo::{demo, is_demo_file, DemoArgs};
use super::{db_path, is_postgres, open_store, redact};

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
    /// Follow-up messages between visits.
    #[command(flatten)]
    pub messaging: super::messaging::MessagingArgs,
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
            crate::registry::demo::DEMO_PASSWORD
        );
    }
    let store = open_store(&db).await?;
    if !a.demo {
        if let Some(w) = crate::registry::audit::key_warning(&db) {
            eprintln!("{w}");
            tracing::warn!("{w}");
        }
    }
    anchor_head(&*store, &db, "start").await?;
    let mut state = acumen_web::AppState::new(store.clone(), a.public_url.clone())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let listener = tokio::net::TcpListener::bind(&a.listen)
        .await
        .with_context(|| format!("cannot listen on {}", a.listen))?;
    let addr = listener.local_addr()?;
    let base_url = a.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
    let key = crate::registry::audit::audit_key(&db)?;
    if let Some(fu) = super::messaging::follow_up(&a.messaging, key, base_url, a.demo)? {
        let channels = [
            ("e-mail", fu.delivery.email.is_some()),
            ("SMS", fu.delivery.sms.is_some()),
        ]
        .iter()
        .filter(|(_, on)| *on)
        .map(|(n, _)| *n)
        .collect::<Vec<_>>();
        println!(
            "acumen: follow-up messages: {}",
            if channels.is_empty() {
                "logged, not sent (no --smtp or --sms-webhook)".to_string()
            } else {
                channels.join(" and ")
            }
        );
        state.follow_up = Some(std::sync::Arc::new(fu));
        super::messaging::spawn_worker(state.clone());
    }
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
    let text = crate::registry::audit::head_text(&head);
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
