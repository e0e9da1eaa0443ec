//! `/audit` (admins) and `/research/aggregates` (researchers).

use axum::extract::State;
use axum::Json;
use serde_json::Value;

use crate::auth::Authed;
use crate::error::ApiResult;
use crate::service::oversight::{self, AuditLine};
use crate::state::AppState;

/// `GET /audit` (admins): the clinic's audit log.
pub async fn audit_log(State(st): State<AppState>, who: Authed) -> ApiResult<Json<Vec<AuditLine>>> {
    Ok(Json(oversight::audit_log(&st, &who).await?))
}

/// `GET /research/aggregates` (researchers)
pub async fn research(State(st): State<AppState>, who: Authed) -> ApiResult<Json<Value>> {
    Ok(Json(oversight::research(&st, &who).await?))
}
