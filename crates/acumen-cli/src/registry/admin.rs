//! `acumen admin`: create a clinic and its first admin, migrate a
//! PostgreSQL schema, move an SQLite database's audit key.

use std::io::Read;
use std::path::PathBuf;

use acumen_store::{NewUser, PgStore};
use anyhow::{bail, Context, Result};
use clap::Subcommand;

use super::{is_postgres, open_store, redact};

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

/// Creates a clinic and its first admin.
pub async fn admin(cmd: &AdminCmd) -> Result<()> {
    let (name, admin_email, db) = match cmd {
        AdminCmd::CreateClinic { name, admin_email, db } => (name, admin_email, db),
        AdminCmd::MoveAuditKey { db, to } => return crate::registry::audit::move_audit_key(db, to),
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
