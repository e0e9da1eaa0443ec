//! The one HTTP error type, mapped to status codes in one place. Internal
//! details are logged (without patient data) and never shown to clients.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use acumen_domain::Invalid;
use acumen_store::StoreError;

/// Errors a handler can answer with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Malformed request (bad JSON, wrong type).
    #[error("{0}")]
    BadRequest(String),
    /// A field breaks a rule.
    #[error("invalid input")]
    Invalid(#[from] Invalid),
    /// The safety rules refuse the write (`safety_hard_stop`, `safety_needs_rationale`).
    #[error("{message}")]
    Safety {
        /// Machine-readable reason.
        code: &'static str,
        /// What to do, in words.
        message: String,
        /// Every finding of the check.
        findings: Vec<acumen_domain::Finding>,
        /// The rules that refused.
        rule_ids: Vec<&'static str>,
    },
    /// Not logged in.
    #[error("authentication required")]
    Unauthorized,
    /// Logged in but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// No such record visible to the caller.
    #[error("not found")]
    NotFound,
    /// Stale version.
    #[error("the record changed; current version is {0}")]
    Conflict(i64),
    /// The write does not fit the record's state (a session on a finished
    /// course): 409 with what to do.
    #[error("{0}")]
    Closed(String),
    /// A project was saved meanwhile: the edit was made on an older version (409).
    #[error("{0}")]
    Outdated(String),
    /// The record was voided, or still has live records under it that a
    /// void would orphan: 409 with what to do.
    #[error("{0}")]
    Voided(String),
    /// The first request with this Idempotency-Key is still being answered (409).
    #[error("a request with this Idempotency-Key is still in progress; retry when it has been answered")]
    InFlight,
    /// A unique value is taken.
    #[error("{0} is already taken")]
    Taken(String),
    /// Too many login attempts: try again after this many seconds.
    #[error("too many failed logins; try again in {} minute(s)", (.0 + 59) / 60)]
    TooMany(i64),
    /// One of the caller's analyses is still running (429).
    #[error("an analysis of yours is still running; wait for it to finish")]
    Busy,
    /// Every engine slot stayed busy while the request waited (503).
    #[error("the server is busy with other analyses; try again in a minute")]
    Overloaded,
    /// The database cannot take the request now (restarting, unreachable):
    /// 503 with Retry-After; nothing was written.
    #[error("the database is unavailable; try again shortly")]
    Unavailable(String),
    /// Anything else (logged, answered as 500 without details).
    #[error("internal error")]
    Internal(String),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Conflict { current, .. } => ApiError::Conflict(current),
            StoreError::Taken(what) => ApiError::Taken(what),
            e @ StoreError::Outdated { .. } => ApiError::Outdated(e.to_string()),
            StoreError::KeyReused => invalid(
                "Idempotency-Key",
                "was used with another request body; use a new key for a new request",
            ),
            e if e.is_unavailable() => ApiError::Unavailable(e.to_string()),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match &self {
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, json!({"error": "bad_request", "message": m})),
            ApiError::Invalid(inv) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"error": "invalid", "message": inv.to_string(), "errors": inv.errors}),
            ),
            ApiError::Safety {
                code,
                message,
                findings,
                rule_ids,
            } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"error": code, "message": message, "rule_ids": rule_ids, "findings": findings}),
            ),
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                json!({"error": "unauthorized", "message": self.to_string()}),
            ),
            ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, json!({"error": "forbidden", "message": m})),
            ApiError::NotFound => (
                StatusCode::NOT_FOUND,
                json!({"error": "not_found", "message": "not found"}),
            ),
            ApiError::Conflict(v) => (
                StatusCode::CONFLICT,
                json!({"error": "conflict", "message": self.to_string(), "current_version": v}),
            ),
            ApiError::Closed(m) => (StatusCode::CONFLICT, json!({"error": "course_closed", "message": m})),
            ApiError::Outdated(m) => (StatusCode::CONFLICT, json!({"error": "version_outdated", "message": m})),
            ApiError::Voided(m) => (StatusCode::CONFLICT, json!({"error": "record_voided", "message": m})),
            ApiError::InFlight => (
                StatusCode::CONFLICT,
                json!({"error": "in_progress", "message": self.to_string()}),
            ),
            ApiError::Taken(_) => (
                StatusCode::CONFLICT,
                json!({"error": "taken", "message": self.to_string()}),
            ),
            ApiError::TooMany(secs) => {
                let body = json!({"error": "too_many_attempts", "message": self.to_string(), "retry_after": secs});
                return retry_after(StatusCode::TOO_MANY_REQUESTS, *secs, body);
            }
            ApiError::Busy => (
                StatusCode::TOO_MANY_REQUESTS,
                json!({"error": "busy", "message": self.to_string()}),
            ),
            ApiError::Overloaded => {
                let body = json!({"error": "overloaded", "message": self.to_string()});
                return retry_after(StatusCode::SERVICE_UNAVAILABLE, 60, body);
            }
            ApiError::Unavailable(detail) => {
                tracing::error!(error = %detail, "database unavailable");
                let body = json!({"error": "unavailable", "message": self.to_string()});
                return retry_after(StatusCode::SERVICE_UNAVAILABLE, 5, body);
            }
            ApiError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({"error": "internal", "message": "internal error"}),
                )
            }
        };
        (status, Json(body)).into_response()
    }
}

/// An answer that says when to try again.
fn retry_after(status: StatusCode, secs: i64, body: serde_json::Value) -> Response {
    (
        status,
        [(axum::http::header::RETRY_AFTER, secs.to_string())],
        Json(body),
    )
        .into_response()
}

/// A 422 naming one field and the rule it breaks.
pub fn invalid(field: &str, rule: &str) -> ApiError {
    ApiError::Invalid(Invalid {
        errors: vec![acumen_domain::FieldError {
            field: field.into(),
            rule: rule.into(),
        }],
    })
}

/// Handler result.
pub type ApiResult<T> = Result<T, ApiError>;
