//! `/sessions/{id}`: a session and its adverse events.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde_json::Value;

use acumen_domain::AdverseEventInput;

use super::request::{idem, many, out, written, Body};
use crate::access::Pid;
use crate::auth::Authed;
use crate::error::ApiResult;
use crate::service::records::{self as rec, Under};
use crate::state::AppState;

/// `GET /sessions/{id}`
pub async fn get(State(st): State<AppState>, who: Authed, Pid(id, _): Pid) -> ApiResult<Json<Value>> {
    Ok(Json(out(&rec::session(&st, &who, id).await?)))
}

/// `GET /sessions/{id}/adverse-events`
pub async fn adverse(State(st): State<AppState>, who: Authed, Pid(id, _): Pid) -> ApiResult<Json<Value>> {
    Ok(many(&rec::under(&st, &who, Under::AdverseEvents, id).await?))
}

/// `POST /sessions/{id}/adverse-events`
pub async fn add_adverse(
    State(st): State<AppState>,
    who: Authed,
    h: HeaderMap,
    Pid(id, _): Pid,
    Body(b): Body<AdverseEventInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    Ok(written(rec::add_adverse(&st, &who, idem(&h)?, id, b).await?))
}
