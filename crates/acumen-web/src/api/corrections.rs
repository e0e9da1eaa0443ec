//! Corrections of a visit's records: `PUT /sessions/{id}`,
//! `/outcomes/{id}` and `/adverse-events/{id}` (a new version, `version`
//! the one read), `POST …/void` (with a reason) and
//! `POST /sessions/{id}/move` (to another active course of the patient).

use axum::extract::State;
use axum::Json;
use serde_json::Value;

use acumen_domain::{AdverseEventInput, OutcomeInput, SessionInput};

use super::request::{out, Body, Update};
use crate::access::{record_key, Pid};
use crate::auth::Authed;
use crate::error::ApiResult;
use crate::service::corrections::{self as fix, MoveRequest, Visit, VoidRequest};
use crate::state::AppState;

/// The moment now, as a void records it.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// `PUT /sessions/{id}`
pub async fn correct_session(
    State(st): State<AppState>,
    who: Authed,
    Pid(id, _): Pid,
    Body(u): Body<Update<SessionInput>>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        out(&fix::correct_session(&st, &who, id, u.version, u.data).await?),
    ))
}

/// `GET /outcomes/{id}`
pub async fn outcome(State(st): State<AppState>, who: Authed, Pid(id, _): Pid) -> ApiResult<Json<Value>> {
    Ok(Json(out(&fix::record(&st, &who, Visit::Outcome, id).await?)))
}

/// `PUT /outcomes/{id}`
pub async fn correct_outcome(
    State(st): State<AppState>,
    who: Authed,
    Pid(id, _): Pid,
    Body(u): Body<Update<OutcomeInput>>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        out(&fix::correct_outcome(&st, &who, id, u.version, u.data).await?),
    ))
}

/// `GET /adverse-events/{id}`
pub async fn adverse(State(st): State<AppState>, who: Authed, Pid(id, _): Pid) -> ApiResult<Json<Value>> {
    Ok(Json(out(&fix::record(&st, &who, Visit::AdverseEvent, id).await?)))
}

/// `PUT /adverse-events/{id}`
pub async fn correct_adverse(
    State(st): State<AppState>,
    who: Authed,
    Pid(id, _): Pid,
    Body(u): Body<Update<AdverseEventInput>>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        out(&fix::correct_adverse(&st, &who, id, u.version, u.data).await?),
    ))
}

async fn void(st: AppState, who: Authed, what: Visit, id: i64, b: VoidRequest) -> ApiResult<Json<Value>> {
    let r = fix::void(&st, &who, what, id, b.version, &b.reason, &now_rfc3339()).await?;
    Ok(Json(out(&r)))
}

/// `POST /sessions/{id}/void`
pub async fn void_session(
    State(st): State<AppState>,
    who: Authed,
    Pid(id, _): Pid,
    Body(b): Body<VoidRequest>,
) -> ApiResult<Json<Value>> {
    void(st, who, Visit::Session, id, b).await
}

/// `POST /outcomes/{id}/void`
pub async fn void_outcome(
    State(st): State<AppState>,
    who: Authed,
    Pid(id, _): Pid,
    Body(b): Body<VoidRequest>,
) -> ApiResult<Json<Value>> {
    void(st, who, Visit::Outcome, id, b).await
}

/// `POST /adverse-events/{id}/void`
pub async fn void_adverse(
    State(st): State<AppState>,
    who: Authed,
    Pid(id, _): Pid,
    Body(b): Body<VoidRequest>,
) -> ApiResult<Json<Value>> {
    void(st, who, Visit::AdverseEvent, id, b).await
}

/// `POST /sessions/{id}/move`
pub async fn move_session(
    State(st): State<AppState>,
    who: Authed,
    Pid(id, _): Pid,
    Body(b): Body<MoveRequest>,
) -> ApiResult<Json<Value>> {
    let to = record_key(&st, &who, &b.course_id).await;
    Ok(Json(out(&fix::move_session(&st, &who, id, b.version, to).await?)))
}
