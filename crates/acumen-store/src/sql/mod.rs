//! The one implementation of [`crate::Store`], written once in SQL both
//! backends run (SQLite accepts PostgreSQL's `$1` parameters, `RETURNING` and
//! `->>`). [`SqlStore`] is generic over a [`Dialect`], which names every
//! difference between the backends: the casts JSON needs, row locks, how a
//! new public id is drawn, the statement that names the clinic for
//! row-level security, how a connection runs a statement ([`Conn`]) and
//! where the research rows come from. `sqlite.rs` and `pg.rs` implement it;
//! the conformance suite (`tests/store`) runs every test on both.
//!
//! Here: the dialect, the store, and what the shared SQL reads and binds
//! the same on both backends — [`Arg`] (a bound parameter), [`Row`] (a
//! result row as plain values, read by column name with an error that names
//! the column) and [`Conn`] (a connection that runs one statement; each
//! backend implements it for its connection). `store_impl.rs` is the trait
//! impl with the records, sessions and audit log; `accounts.rs` clinics,
//! users, tokens and resets; `logins.rs` the login limits; `projects.rs`
//! the evidence projects and their versions.

mod accounts;
mod follow_up;
mod logins;
mod projects;
mod store_impl;

use std::path::PathBuf;

use sqlx::Pool;

use async_trait::async_trait;

use crate::error::StoreError;
use crate::model::{Actor, AuditEntry, Clinic, Record, User};
use crate::research::{CourseRow, PainRow};
use crate::store::Result;
use crate::writer::{Backend, BoxFuture, Chain, Writer};

/// What differs between the backends, for the shared SQL.
pub trait Dialect: Backend {
    /// The cast a JSON parameter needs (`::jsonb`, or nothing).
    const JSONB: &'static str;
    /// The cast that reads JSON as text.
    const JSON_TEXT: &'static str;
    /// What locks a row read for an update (nothing where the writer holds
    /// the whole database).
    const FOR_UPDATE: &'static str;
    /// An expression for a new random public id (128 bits as 32 hex digits).
    const NEW_PUBLIC_ID: &'static str;
    /// The columns of a record (JSON as text, with its patient's and parent's public ids).
    const RECORD_COLS: &'static str;
    /// The statement that names the clinic (`$1`, as text) whose rows the
    /// rest of the transaction may see, where row-level security needs one.
    const SCOPE: Option<&'static str>;
    /// What folds the database into its file when the program is done, if anything.
    const SHUTDOWN: Option<&'static str>;

    /// The connection as the shared SQL runs statements on it.
    fn conn(c: &mut Self::Connection) -> &mut dyn Conn;

    /// The de-identified rows the research aggregates are made of.
    fn research(pool: &Pool<Self>) -> BoxFuture<'_, Result<(Vec<CourseRow>, Vec<PainRow>)>>;
}

/// Registry storage in SQL: a pool for reads, the group-commit writer for
/// every write. [`crate::SqliteStore`] and [`crate::PgStore`] are its two kinds.
pub struct SqlStore<D: Dialect> {
    pub(crate) read: Pool<D>,
    pub(crate) writer: Writer<D>,
    /// A read-write pool beside the writer (SQLite: the final checkpoint, tests).
    pub(crate) admin: Pool<D>,
    /// Where the audit head is checkpointed (SQLite).
    pub(crate) checkpoint: Option<PathBuf>,
}

/// Names the clinic for row-level security (nothing on SQLite).
pub(crate) async fn scope<D: Dialect>(c: &mut dyn Conn, clinic_id: i64) -> Result<()> {
    if let Some(sql) = D::SCOPE {
        c.run(sql, &[Arg::S(clinic_id.to_string())]).await?;
    }
    Ok(())
}

/// Appends the chain's next entry to the audit log.
pub(crate) async fn append(
    c: &mut dyn Conn,
    chain: &mut Chain,
    actor: Option<&Actor>,
    action: &str,
    kind: Option<&str>,
    record_id: Option<i64>,
) -> Result<()> {
    let e = chain.next(actor, action, kind, record_id);
    c.run(
        "INSERT INTO audit (id, at, user_id, role, clinic_id, action, record_kind, record_id, hmac) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            e.id.into(),
            e.at.into(),
            e.user_id.into(),
            e.role.into(),
            e.clinic_id.into(),
            e.action.into(),
            e.record_kind.into(),
            e.record_id.into(),
            e.hmac.into(),
        ],
    )
    .await?;
    Ok(())
}

/// SHA-256 of what a create writes (kind, placement and data): what an
/// idempotency key remembers of its first request.
pub(crate) fn request_hash(kind: &str, at: crate::Placement, data: &serde_json::Value) -> String {
    use sha2::{Digest, Sha256};
    let text = format!("{kind}\n{:?}\n{:?}\n{data}", at.patient_id, at.parent_id);
    hex::encode(Sha256::digest(text.as_bytes()))
}

impl<D: Dialect> SqlStore<D> {
    /// Rows of a query on the read pool.
    pub(crate) async fn read_rows(&self, sql: &str, args: &[Arg]) -> Result<Vec<Row>> {
        let mut c = self.read.acquire().await?;
        D::conn(&mut c).rows(sql, args).await
    }

    /// The first row of a query on the read pool; `NotFound` when there is none.
    pub(crate) async fn read_found(&self, sql: &str, args: &[Arg]) -> Result<Row> {
        let mut c = self.read.acquire().await?;
        D::conn(&mut c).found(sql, args).await
    }

    /// Rows of a clinic for `sql`, whose `$1` is the clinic id and whose
    /// further parameters are `args`, in a transaction scoped to the clinic.
    pub(crate) async fn clinic_rows(&self, clinic_id: i64, sql: &str, args: Vec<Arg>) -> Result<Vec<Row>> {
        let mut all = vec![Arg::I(clinic_id)];
        all.extend(args);
        let mut tx = self.read.begin().await?;
        scope::<D>(D::conn(&mut tx), clinic_id).await?;
        let rows = D::conn(&mut tx).rows(sql, &all).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// One statement through the writer; returns the rows it changed.
    pub(crate) async fn exec(&self, sql: &'static str, args: Vec<Arg>) -> Result<u64> {
        self.writer
            .write(move |c, _| Box::pin(async move { D::conn(c).run(sql, &args).await }))
            .await
    }
}

/// A clinic from its row.
pub(crate) fn clinic_from(r: &Row) -> Result<Clinic> {
    Ok(Clinic {
        id: r.int("id")?,
        name: r.text("name")?,
        code: r.text("code")?,
        demo: r.flag("demo")?,
        answers_public: r.flag("answers_public")?,
        messaging: r.opt_text("messaging")?.map(|t| crate::json(&t)),
    })
}

/// A user from its row (`SELECT *` of `users`).
pub(crate) fn user_from(r: &Row) -> Result<User> {
    Ok(User {
        id: r.int("id")?,
        clinic_id: r.int("clinic_id")?,
        email: r.text("email")?,
        name: r.text("name")?,
        role: r.text("role")?,
        patient_id: r.opt_int("patient_id")?,
        public_id: r.text("public_id")?,
        patient_public_id: r.opt_text("patient_public_id")?,
        active: r.flag("active")?,
        password_hash: r.text("password_hash")?,
    })
}

/// A record from its row (the dialect's `RECORD_COLS`).
pub(crate) fn record_from(r: &Row) -> Result<Record> {
    Ok(Record {
        id: r.int("id")?,
        public_id: r.text("public_id")?,
        patient_public_id: r.opt_text("patient_public_id")?,
        parent_public_id: r.opt_text("parent_public_id")?,
        kind: r.text("kind")?,
        clinic_id: r.int("clinic_id")?,
        patient_id: r.opt_int("patient_id")?,
        parent_id: r.opt_int("parent_id")?,
        version: r.int("version")?,
        data: r.json("data")?,
        created_at: r.text("created_at")?,
        updated_at: r.text("updated_at")?,
    })
}

/// An audit entry from its row.
pub(crate) fn audit_entry_from(r: &Row) -> Result<AuditEntry> {
    Ok(AuditEntry {
        id: r.int("id")?,
        at: r.text("at")?,
        user_id: r.opt_int("user_id")?,
        role: r.opt_text("role")?,
        clinic_id: r.opt_int("clinic_id")?,
        action: r.text("action")?,
        record_kind: r.opt_text("record_kind")?,
        record_id: r.opt_int("record_id")?,
        hmac: r.text("hmac")?,
    })
}

/// Every row mapped by `f`.
pub(crate) fn all<T>(rows: &[Row], f: impl Fn(&Row) -> Result<T>) -> Result<Vec<T>> {
    rows.iter().map(f).collect()
}

/// A bound parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// An integer.
    I(i64),
    /// Text.
    S(String),
    /// A truth value.
    B(bool),
    /// A null integer.
    NullI,
    /// A null text.
    NullS,
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::I(v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::B(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::S(v.to_string())
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::S(v)
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::S(v.clone())
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Arg::NullI, Arg::I)
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        v.map_or(Arg::NullS, Arg::S)
    }
}

/// One value of a result row.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// SQL NULL.
    Null,
    /// An integer (SQLite's booleans are integers too).
    I(i64),
    /// Text.
    S(String),
    /// A truth value (PostgreSQL's `boolean`).
    B(bool),
}

/// A result row: column names and values.
#[derive(Debug, Clone, Default)]
pub struct Row {
    cols: Vec<(String, Val)>,
}

impl Row {
    /// A row from its columns.
    pub(crate) fn new(cols: Vec<(String, Val)>) -> Self {
        Row { cols }
    }

    fn get(&self, col: &str) -> Result<&Val> {
        self.cols
            .iter()
            .find(|(n, _)| n == col)
            .map(|(_, v)| v)
            .ok_or_else(|| StoreError::Integrity(format!("the query returned no column {col}")))
    }

    fn wrong(col: &str, want: &str, got: &Val) -> StoreError {
        StoreError::Integrity(format!("column {col}: expected {want}, found {got:?}"))
    }

    /// An integer column.
    pub fn int(&self, col: &str) -> Result<i64> {
        match self.get(col)? {
            Val::I(v) => Ok(*v),
            other => Err(Self::wrong(col, "an integer", other)),
        }
    }

    /// An integer column that may be null.
    pub fn opt_int(&self, col: &str) -> Result<Option<i64>> {
        match self.get(col)? {
            Val::Null => Ok(None),
            _ => self.int(col).map(Some),
        }
    }

    /// A text column.
    pub fn text(&self, col: &str) -> Result<String> {
        match self.get(col)? {
            Val::S(v) => Ok(v.clone()),
            other => Err(Self::wrong(col, "text", other)),
        }
    }

    /// A text column that may be null.
    pub fn opt_text(&self, col: &str) -> Result<Option<String>> {
        match self.get(col)? {
            Val::Null => Ok(None),
            _ => self.text(col).map(Some),
        }
    }

    /// A truth-value column (a boolean, or SQLite's 0/1).
    pub fn flag(&self, col: &str) -> Result<bool> {
        match self.get(col)? {
            Val::B(v) => Ok(*v),
            Val::I(v) => Ok(*v != 0),
            other => Err(Self::wrong(col, "a truth value", other)),
        }
    }

    /// A JSON column selected as text (`null` when it is not JSON).
    pub fn json(&self, col: &str) -> Result<serde_json::Value> {
        Ok(crate::json(&self.text(col)?))
    }
}

/// A connection (or transaction) that runs one statement at a time.
#[async_trait]
pub trait Conn: Send {
    /// Runs a statement; returns the rows it changed.
    async fn run(&mut self, sql: &str, args: &[Arg]) -> Result<u64>;
    /// Runs a query; returns its rows.
    async fn rows(&mut self, sql: &str, args: &[Arg]) -> Result<Vec<Row>>;

    /// The first row of a query, if any.
    async fn row(&mut self, sql: &str, args: &[Arg]) -> Result<Option<Row>> {
        Ok(self.rows(sql, args).await?.into_iter().next())
    }

    /// The first row of a query; [`StoreError::NotFound`] when there is none.
    async fn found(&mut self, sql: &str, args: &[Arg]) -> Result<Row> {
        self.row(sql, args).await?.ok_or(StoreError::NotFound)
    }
}

/// Binds `args` after the parameters already bound (the one place a
/// backend's query meets an [`Arg`]).
pub(crate) fn bind<'q, DB: sqlx::Database>(
    mut q: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>,
    args: &[Arg],
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    for a in args {
        q = match a {
            Arg::I(v) => q.bind(*v),
            Arg::S(v) => q.bind(v.clone()),
            Arg::B(v) => q.bind(*v),
            Arg::NullI => q.bind(None::<i64>),
            Arg::NullS => q.bind(None::<String>),
        };
    }
    q
}
