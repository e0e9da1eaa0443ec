//! The PostgreSQL implementation, for a network of clinics. The server
//! connects as a login role that is a member of `acumen_app`, which owns no
//! table: row-level security (forced, keyed on `acumen.clinic_id`) limits every
//! statement on clinical rows to the clinic the transaction names, on top of
//! the `clinic_id` condition every query carries. Writes go through the
//! group-commit [`Writer`] on one connection, which serializes audit appends
//! with a transaction-level advisory lock (so several servers may share a
//! database); reads use a pool. Researchers' aggregates read the
//! de-identified views as `acumen_research`. Migrations (in
//! `migrations/postgres`) are run by the owner with [`PgStore::migrate`].

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{ConnectOptions, PgConnection, PgPool, Postgres, Row};

use crate::error::StoreError;
use crate::model::{Actor, Record, User};
use crate::store::Result;
use crate::writer::{Backend, BoxFuture, Chain, Writer};
use crate::Arg;

/// Key of the advisory lock that serializes audit appends.
const AUDIT_LOCK: i64 = 0x6163_756d_656e;

/// The migrations, embedded.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Registry storage in a PostgreSQL database.
pub struct PgStore {
    pub(crate) read: PgPool,
    pub(crate) writer: Writer<Postgres>,
}

impl Backend for Postgres {
    const BEGIN: &'static str = "BEGIN";
    fn head(conn: &mut PgConnection) -> BoxFuture<'_, Result<(i64, String)>> {
        Box::pin(async move {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(AUDIT_LOCK)
                .execute(&mut *conn)
                .await?;
            let last = sqlx::query("SELECT id, hmac FROM audit ORDER BY id DESC LIMIT 1")
                .fetch_optional(&mut *conn)
                .await?;
            Ok(last.map_or((0, String::new()), |r| (r.get("id"), r.get("hmac"))))
        })
    }
}

/// Names the clinic whose rows the rest of the transaction may see.
pub(crate) async fn scope(c: &mut PgConnection, clinic_id: i64) -> Result<()> {
    sqlx::query("SELECT set_config('acumen.clinic_id', $1, true)")
        .bind(clinic_id.to_string())
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Appends the chain's next entry.
pub(crate) async fn append(
    c: &mut PgConnection,
    chain: &mut Chain,
    actor: Option<&Actor>,
    action: &str,
    kind: Option<&str>,
    record_id: Option<i64>,
) -> Result<()> {
    crate::shared::insert_audit(chain.next(actor, action, kind, record_id))
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// The cast a JSON parameter needs.
pub(crate) const JSONB: &str = "::jsonb";
/// The cast that reads JSON as text.
pub(crate) const JSON_TEXT: &str = "::text";
/// Locks the row read for an update.
pub(crate) const FOR_UPDATE: &str = " FOR UPDATE";

/// The columns of a record, JSON as text.
pub(crate) const RECORD_COLS: &str =
    "id, kind, clinic_id, patient_id, parent_id, version, data::text AS data, created_at, updated_at, public_id, (SELECT p.public_id FROM records p WHERE p.id = records.patient_id) AS patient_public_id, (SELECT q.public_id FROM records q WHERE q.id = records.parent_id) AS parent_public_id";
/// A new random public id (128 bits as 32 hex digits).
pub(crate) const NEW_PUBLIC_ID: &str = "replace(gen_random_uuid()::text, '-', '')";

pub(crate) fn record_from(r: &PgRow) -> Record {
    record_from_row!(r)
}

pub(crate) fn user_from(r: &PgRow) -> User {
    User {
        id: r.get("id"),
        clinic_id: r.get("clinic_id"),
        email: r.get("email"),
        name: r.get("name"),
        role: r.get("role"),
        patient_id: r.get("patient_id"),
        public_id: r.get("public_id"),
        patient_public_id: r.get("patient_public_id"),
        active: r.get("active"),
        password_hash: r.get("password_hash"),
    }
}

fn options(url: &str) -> Result<PgConnectOptions> {
    Ok(PgConnectOptions::from_str(url)?)
}

impl PgStore {
    /// Runs the migrations as the owner at `owner_url` (creating the roles
    /// `acumen_app`, `acumen_research` and `acumen_views` if missing).
    pub async fn migrate(owner_url: &str) -> Result<()> {
        let mut conn = options(owner_url)?.connect().await?;
        MIGRATOR.run(&mut conn).await?;
        Ok(())
    }

    /// Connects as the server role at `url` and keys the audit chain with
    /// `audit_key`. Refuses a role that owns the tables or bypasses
    /// row-level security, and a schema the migrations have not brought up
    /// to date.
    pub async fn open(url: &str, audit_key: &[u8]) -> Result<Self> {
        let opts = options(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts.clone())
            .await?;
        let latest = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
        let applied: Option<i64> = sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(&pool)
            .await
            .map_err(|_| StoreError::Integrity(Self::NOT_MIGRATED.into()))?;
        if applied != Some(latest) {
            return Err(StoreError::Integrity(Self::NOT_MIGRATED.into()));
        }
        let owner_or_bypass: bool = sqlx::query_scalar(
            "SELECT r.rolsuper OR r.rolbypassrls OR pg_has_role(current_user, t.tableowner, 'USAGE') \
             FROM pg_roles r, pg_tables t WHERE r.rolname = current_user AND t.tablename = 'records' AND t.schemaname = current_schema()",
        )
        .fetch_one(&pool)
        .await?;
        if owner_or_bypass {
            return Err(StoreError::Integrity(
                "the server must connect as a role that does not own the tables and does not bypass row-level \
                 security (a login role IN ROLE acumen_app)"
                    .into(),
            ));
        }
        let conn = opts.connect().await?;
        Ok(PgStore {
            read: pool,
            writer: Writer::spawn(conn, opts, audit_key, None),
        })
    }

    const NOT_MIGRATED: &'static str =
        "the PostgreSQL schema is missing or out of date: run `acumen admin migrate --db postgres://OWNER@HOST/DB` first";

    /// The pool (tests check row-level security and privileges through it).
    pub fn pool(&self) -> &PgPool {
        &self.read
    }

    /// Rows of the actor's clinic for `sql` (whose `$1` is the clinic id).
    pub(crate) async fn clinic_rows(&self, clinic_id: i64, sql: &str, args: Vec<Arg>) -> Result<Vec<PgRow>> {
        let mut tx = self.read.begin().await?;
        scope(&mut tx, clinic_id).await?;
        let rows = crate::shared::bind_args(sqlx::query(sql).bind(clinic_id), args)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(rows)
    }
}
