//! What the shared SQL reads and binds, the same on both backends: [`Arg`]
//! (a bound parameter), [`Row`] (a result row as plain values, read by
//! column name with an error that names the column) and [`Conn`] (a
//! connection that runs one statement). Each backend implements [`Conn`] for
//! its connection (`sqlite.rs`, `pg.rs`); the store's SQL is written once
//! against it.

use async_trait::async_trait;

use crate::error::StoreError;
use crate::store::Result;

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
