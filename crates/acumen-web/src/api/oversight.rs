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

/// `POST /admin/outbox/run` (admins): plans the clinic's follow-up and
/// sends what waits, now (the worker otherwise runs every minute).
pub async fn run_outbox(
    State(st): State<AppState>,
    who: Authed,
) -> ApiResult<Json<crate::service::follow_up::RunReport>> {
    crate::access::admin_only(&who, "only admins run the outbox")?;
    let report = crate::service::follow_up::run(&st, Some(who.user.clinic_id), time::OffsetDateTime::now_utc()).await?;
    Ok(Json(report))
}

/// `GET /research/aggregates` (researchers)
pub async fn research(State(st): State<AppState>, who: Authed) -> ApiResult<Json<Value>> {
    Ok(Json(oversight::research(&st, &who).await?))
}
