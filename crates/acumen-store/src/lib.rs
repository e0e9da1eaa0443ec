//! # acumen-store
//!
//! Storage of the clinic registry behind the [`Store`] trait, with an SQLite
//! implementation (bundled SQLite via sqlx; WAL, `synchronous=FULL`, foreign
//! keys on; versioned migrations in `migrations/sqlite`). Clinical records
//! are never deleted: a correction is a new version, an update with a stale
//! version is a conflict, writes commit with their audit entry in one
//! transaction, and idempotency keys make retried writes harmless. The
//! audit log is an HMAC chain keyed outside the database, with its head
//! checkpointed to a file.
#![deny(missing_docs)]

pub mod audit;
pub mod error;
pub mod model;
pub mod research;
pub mod sqlite;
pub mod store;

pub use error::StoreError;
pub use model::{Actor, AuditEntry, Clinic, NewUser, Record, RecordVersion, User};
pub use sqlite::SqliteStore;
pub use store::{Placement, Store};
