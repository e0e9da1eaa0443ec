//! `POST /safety/check`: the rules on a planned session, without writing.

use axum::extract::State;
use axum::Json;

use crate::api::request::Body;
use crate::auth::Authed;
use crate::error::ApiResult;
use crate::service::sessions::{check_plan, CheckRequest, CheckResult};
use crate::state::AppState;

/// `POST /safety/check`
pub async fn check(
    State(st): State<AppState>,
    who: Authed,
    Body(req): Body<CheckRequest>,
) -> ApiResult<Json<CheckResult>> {
    Ok(Json(check_plan(&st, &who, req).await?))
}
