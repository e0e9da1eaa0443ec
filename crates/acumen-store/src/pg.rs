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

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{Column, ConnectOptions, PgConnection, PgPool, Postgres, Row as _, TypeInfo};

use crate::error::StoreError;
use crate::research::{CourseRow, PainRow};
use crate::sql::bind;
use crate::sql::{Arg, Conn, Dialect, Row, SqlStore, Val};
use crate::store::Result;
use crate::writer::{Backend, BoxFuture, Writer};

/// Key of the advisory lock that serializes audit appends.
const AUDIT_LOCK: i64 = 0x6163_756d_656e;

/// The migrations, embedded.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Registry storage in a PostgreSQL database.
pub type PgStore = SqlStore<Postgres>;

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

impl Dialect for Postgres {
    const JSONB: &'static str = "::jsonb";
    const JSON_TEXT: &'static str = "::text";
    const FOR_UPDATE: &'static str = " FOR UPDATE";
    const NEW_PUBLIC_ID: &'static str = "replace(gen_random_uuid()::text, '-', '')";
    const RECORD_COLS: &'static str =
        "id, kind, clinic_id, patient_id, parent_id, version, data::text AS data, created_at, updated_at, public_id, \
        (SELECT p.public_id FROM records p WHERE p.id = records.patient_id) AS patient_public_id, \
        (SELECT q.public_id FROM records q WHERE q.id = records.parent_id) AS parent_public_id";
    const SCOPE: Option<&'static str> = Some("SELECT set_config('acumen.clinic_id', $1, true)");
    const SHUTDOWN: Option<&'static str> = None;

    fn conn(c: &mut PgConnection) -> &mut dyn Conn {
        c
    }

    fn research(pool: &PgPool) -> BoxFuture<'_, Result<(Vec<CourseRow>, Vec<PainRow>)>> {
        Box::pin(crate::research::pg_rows(pool))
    }
}

#[async_trait]
impl Conn for PgConnection {
    async fn run(&mut self, sql: &str, args: &[Arg]) -> Result<u64> {
        Ok(bind(sqlx::query(sql), args).execute(&mut *self).await?.rows_affected())
    }

    async fn rows(&mut self, sql: &str, args: &[Arg]) -> Result<Vec<Row>> {
        let rows = bind(sqlx::query(sql), args).fetch_all(&mut *self).await?;
        rows.iter().map(plain).collect()
    }
}

/// A row as plain values, by the columns' types.
fn plain(r: &PgRow) -> Result<Row> {
    let mut cols = Vec::with_capacity(r.len());
    for (i, col) in r.columns().iter().enumerate() {
        let v = match col.type_info().name() {
            "INT8" => r.try_get::<Option<i64>, _>(i)?.map_or(Val::Null, Val::I),
            "INT4" => r.try_get::<Option<i32>, _>(i)?.map_or(Val::Null, |v| Val::I(v.into())),
            "INT2" => r.try_get::<Option<i16>, _>(i)?.map_or(Val::Null, |v| Val::I(v.into())),
            "BOOL" => r.try_get::<Option<bool>, _>(i)?.map_or(Val::Null, Val::B),
            "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" => r.try_get::<Option<String>, _>(i)?.map_or(Val::Null, Val::S),
            "VOID" => Val::Null,
            other => {
                return Err(StoreError::Integrity(format!(
                    "column {}: unexpected PostgreSQL type {other}",
                    col.name()
                )))
            }
        };
        cols.push((col.name().to_string(), v));
    }
    Ok(Row::new(cols))
}

fn options(url: &str) -> Result<PgConnectOptions> {
    Ok(PgConnectOptions::from_str(url)?)
}

impl SqlStore<Postgres> {
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
        Ok(SqlStore {
            admin: pool.clone(),
            read: pool,
            writer: Writer::spawn(conn, opts, audit_key, None),
            checkpoint: None,
        })
    }

    const NOT_MIGRATED: &'static str =
        "the PostgreSQL schema is missing or out of date: run `acumen admin migrate --db postgres://OWNER@HOST/DB` first";

    /// The pool (tests check row-level security and privileges through it).
    pub fn pool(&self) -> &PgPool {
        &self.read
    }
}
