//! `/courses/{id}`: a course, its sessions (written through the safety
//! gate) and its outcomes.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde_json::Value;

use acumen_domain::{CourseInput, OutcomeInput, SessionInput};

use super::request::{idem, many, out, written, Body, Update};
use crate::access::Pid;
use crate::auth::Authed;
use crate::error::ApiResult;
use crate::service::records::{self as rec, Under};
use crate::state::AppState;

/// `GET /courses/{id}`
pub async fn get(State(st): State<AppState>, who: Authed, Pid(id, _): Pid) -> ApiResult<Json<Value>> {
    Ok(Json(out(&rec::course(&st, &who, id).await?)))
}

/// `PUT /courses/{id}`
pub async fn update(
    State(st): State<AppState>,
    who: Authed,
    Pid(id, _): Pid,
    Body(u): Body<Update<CourseInput>>,
) -> ApiResult<Json<Value>> {
    Ok(Json(out(&rec::update_course(&st, &who, id, u.version, u.data).await?)))
}

/// `GET /courses/{id}/sessions`
pub async fn sessions(State(st): State<AppState>, who: Authed, Pid(id, _): Pid) -> ApiResult<Json<Value>> {
    Ok(many(&rec::under(&st, &who, Under::Sessions, id).await?))
}

/// `POST /courses/{id}/sessions`: the findings of the safety rules come
/// back beside the stored session.
pub async fn add_session(
    State(st): State<AppState>,
    who: Authed,
    h: HeaderMap,
    Pid(id, _): Pid,
    Body(b): Body<SessionInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let w = crate::service::sessions::add_session(&st, &who, idem(&h)?, id, b).await?;
    let (status, Json(mut v)) = written(w);
    // The findings as stored with the session (an idempotent retry gets the first request's).
    v["findings"] = v["data"]["safety"]["findings"].clone();
    Ok((status, Json(v)))
}

/// `GET /courses/{id}/outcomes`
pub async fn outcomes(State(st): State<AppState>, who: Authed, Pid(id, _): Pid) -> ApiResult<Json<Value>> {
    Ok(many(&rec::under(&st, &who, Under::Outcomes, id).await?))
}

/// `POST /courses/{id}/outcomes` (staff, or the patient for their own diary)
pub async fn add_outcome(
    State(st): State<AppState>,
    who: Authed,
    h: HeaderMap,
    Pid(id, _): Pid,
    Body(b): Body<OutcomeInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    Ok(written(rec::add_outcome(&st, &who, idem(&h)?, id, b).await?))
}
