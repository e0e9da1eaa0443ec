//! The error type of the engine.

use std::fmt;

/// A problem with one input value: its 0-based data row (if it is tied to a
/// row), the column, and what is wrong and what is allowed.
#[derive(Debug, Clone, PartialEq)]
pub struct DataError {
    /// 0-based data row (the CLI reports it 1-based).
    pub row: Option<usize>,
    /// Column name.
    pub column: String,
    /// What is wrong, and what is allowed.
    pub message: String,
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.row {
            Some(r) => write!(f, "row {}, column '{}': {}", r + 1, self.column, self.message),
            None => write!(f, "column '{}': {}", self.column, self.message),
        }
    }
}

/// Everything that can go wrong between raw data and a fitted model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MetaError {
    /// A bad input value.
    #[error("{0}")]
    Data(DataError),
    /// An option with a value that is not allowed.
    #[error("unknown {option} '{value}' (allowed: {allowed})")]
    Option {
        /// Option name.
        option: &'static str,
        /// Value given.
        value: String,
        /// Allowed values.
        allowed: String,
    },
    /// Columns that a measure or formula needs are absent.
    #[error("missing column(s) {missing} needed for {what}")]
    MissingColumns {
        /// What needs them.
        what: String,
        /// Missing names, comma-separated.
        missing: String,
    },
    /// The moderator formula cannot be used.
    #[error("formula '{formula}': {message}")]
    Formula {
        /// The formula as given.
        formula: String,
        /// The problem.
        message: String,
    },
    /// The model cannot be fitted (too few studies, no convergence, ...).
    #[error("{0}")]
    Model(String),
    /// An iterative estimator stopped at its iteration limit (`--fallback`
    /// tries the next estimator of its chain on this error only).
    #[error("{0}")]
    NotConverged(String),
    /// An option that is malformed or does not apply, in the caller's words.
    #[error("{0}")]
    Usage(String),
    /// The caller stopped the analysis (its time budget ran out).
    #[error("the analysis was stopped: it ran past its time budget")]
    Cancelled,
}

impl MetaError {
    pub(crate) fn model(msg: impl Into<String>) -> Self {
        MetaError::Model(msg.into())
    }

    /// Inverse-variance weights are infinite: a sampling variance is 0 and tau^2 = 0.
    pub(crate) fn zero_weight() -> Self {
        MetaError::model(
            "division by zero when computing the inverse-variance weights (a sampling variance is 0 and tau^2 = 0)",
        )
    }
}
