//! Store errors.

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No such row visible to the caller.
    #[error("not found")]
    NotFound,
    /// The update carried a stale version.
    #[error("the record changed since version {expected}; current version is {current}")]
    Conflict {
        /// Version the client had.
        expected: i64,
        /// Version in the store.
        current: i64,
    },
    /// A project version was edited from one that is no longer the latest.
    #[error("the project was saved meanwhile: its latest version is {latest}; reload it and make the change again")]
    Outdated {
        /// The latest version's hash (`none` for a project without one).
        latest: String,
    },
    /// An idempotency key was used before with another request body.
    #[error("this Idempotency-Key was used with another request body")]
    KeyReused,
    /// A unique value is taken (e.g. an e-mail).
    #[error("{0} is already taken")]
    Taken(String),
    /// The database failed.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The write was not committed (its batch failed or the writer stopped).
    #[error("the write was not committed: {0}")]
    NotCommitted(String),
    /// Stored data is not what it should be.
    #[error("integrity: {0}")]
    Integrity(String),
}

impl StoreError {
    /// Whether the database could not be reached or the write was not
    /// committed (worth retrying later; nothing was written).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::NotCommitted(_)
                | StoreError::Db(sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed)
        )
    }
}
