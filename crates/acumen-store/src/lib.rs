//! # acumen-store
//!
//! Storage of the clinic registry behind the [`Store`] trait, with two
//! implementations: [`SqliteStore`] (bundled SQLite via sqlx; WAL,
//! `synchronous=FULL`, foreign keys on; migrations in `migrations/sqlite`)
//! and [`PgStore`] (PostgreSQL; forced row-level security keyed on the
//! clinic, a server role that owns nothing, de-identified research views;
//! migrations in `migrations/postgres`). Clinical records are never deleted:
//! a correction is a new version, an update with a stale version is a
//! conflict, writes commit with their audit entry, and idempotency keys make
//! retried writes harmless. Writes go through the group-commit
//! [`writer::Writer`]: concurrent writes share one transaction and one fsync,
//! each answered after the commit. The audit log is an HMAC chain keyed
//! outside the database (on SQLite its head is also checkpointed to a file).
//! [`transfer`] moves an SQLite registry into PostgreSQL, verified table by table.
#![deny(missing_docs)]

pub mod audit;
pub mod error;
pub mod model;
pub mod password;
pub mod pg;
pub mod research;
pub mod sql;
pub mod sqlite;
pub mod store;
pub mod transfer;
pub mod writer;

pub use error::StoreError;
pub use model::{
    Actor, AuditEntry, Clinic, FollowUpLink, IdemKey, LinkChange, LoginGate, NewLink, NewMessage, NewUser,
    OutboxMessage, Project, ProjectVersion, Record, RecordChanges, RecordVersion, User, VersionMark,
    IDEMPOTENCY_TTL_SECS,
};
pub use pg::PgStore;
pub use sql::SqlStore;
pub use sqlite::SqliteStore;
pub use store::{Placement, Store};

/// Now, as RFC 3339 text (how the registry stores times).
/// The login code a clinic's name gives: lower-case letters and digits, runs
/// of anything else as one `-` ("North Clinic" -> `north-clinic`).
pub fn clinic_code(name: &str) -> String {
    let mut code = String::new();
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            code.push(c);
        } else if !code.ends_with('-') && !code.is_empty() {
            code.push('-');
        }
    }
    let code = code.trim_end_matches('-').chars().take(40).collect::<String>();
    if code.is_empty() {
        "clinic".into()
    } else {
        code
    }
}

pub(crate) fn now() -> String {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default()
}

/// Stored JSON text as a value (`null` if it is not JSON).
pub(crate) fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    #[test]
    fn clinic_codes_from_names() {
        assert_eq!(super::clinic_code("North Clinic"), "north-clinic");
        assert_eq!(super::clinic_code("  Zoë's  Acupuncture & Co. "), "zo-s-acupuncture-co");
        assert_eq!(super::clinic_code("!!!"), "clinic");
    }
}
