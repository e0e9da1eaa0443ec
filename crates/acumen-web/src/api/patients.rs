//! `/patients` and what hangs from a patient: conditions, screenings,
//! courses, versions and the export.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use acumen_domain::{ConditionInput, CourseInput, PatientInput, ScreeningInput};

use super::request::{idem, many, out, written, Body, Update};
use crate::access::Pid;
use crate::auth::Authed;
use crate::error::ApiResult;
use crate::service::records::{self as rec, PatientChild};
use crate::state::AppState;

/// Search parameters for the patient list.
#[derive(Deserialize)]
pub struct Search {
    /// Text in the name.
    pub q: Option<String>,
}

/// `GET /patients`
pub async fn list(State(st): State<AppState>, who: Authed, Query(s): Query<Search>) -> ApiResult<Json<Value>> {
    Ok(many(&rec::patients(&st, &who, s.q.as_deref().unwrap_or("")).await?))
}

/// `POST /patients`
pub async fn create(
    State(st): State<AppState>,
    who: Authed,
    h: HeaderMap,
    Body(p): Body<PatientInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    Ok(written(rec::create_patient(&st, &who, idem(&h)?, p).await?))
}

/// `GET /patients/{id}`
pub async fn get(State(st): State<AppState>, who: Authed, Pid(id, _): Pid) -> ApiResult<Json<Value>> {
    Ok(Json(out(&rec::patient(&st, &who, id).await?)))
}

/// `PUT /patients/{id}`
pub async fn update(
    State(st): State<AppState>,
    who: Authed,
    Pid(id, _): Pid,
    Body(u): Body<Update<PatientInput>>,
) -> ApiResult<Json<Value>> {
    Ok(Json(out(&rec::update_patient(&st, &who, id, u.version, u.data).await?)))
}

/// `GET /patients/{id}/versions` (admins)
pub async fn versions(State(st): State<AppState>, who: Authed, Pid(id, _): Pid) -> ApiResult<Json<Value>> {
    let versions = rec::versions(&st, &who, id).await?;
    Ok(Json(Value::Array(
        versions
            .iter()
            .map(|(v, author)| json!({"version": v.version, "data": v.data, "author_id": author, "created_at": v.created_at}))
            .collect(),
    )))
}

/// `GET /patients/{id}/export`: everything held on the patient.
pub async fn export(State(st): State<AppState>, who: Authed, Pid(id, _): Pid) -> ApiResult<Json<Value>> {
    let (public, rows) = rec::export(&st, &who, id).await?;
    Ok(Json(
        json!({"patient_id": public, "records": rows.iter().map(out).collect::<Vec<_>>()}),
    ))
}

/// `GET /patients/{id}/conditions`
pub async fn conditions(State(st): State<AppState>, who: Authed, Pid(id, _): Pid) -> ApiResult<Json<Value>> {
    Ok(many(&rec::of_patient(&st, &who, PatientChild::Condition, id).await?))
}

/// `GET /patients/{id}/screenings`
pub async fn screenings(State(st): State<AppState>, who: Authed, Pid(id, _): Pid) -> ApiResult<Json<Value>> {
    Ok(many(&rec::of_patient(&st, &who, PatientChild::Screening, id).await?))
}

/// `GET /patients/{id}/courses`
pub async fn courses(State(st): State<AppState>, who: Authed, Pid(id, _): Pid) -> ApiResult<Json<Value>> {
    Ok(many(&rec::of_patient(&st, &who, PatientChild::Course, id).await?))
}

/// `POST /patients/{id}/conditions`
pub async fn add_condition(
    State(st): State<AppState>,
    who: Authed,
    h: HeaderMap,
    Pid(id, _): Pid,
    Body(b): Body<ConditionInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    Ok(written(rec::add_condition(&st, &who, idem(&h)?, id, b).await?))
}

/// `POST /patients/{id}/screenings`
pub async fn add_screening(
    State(st): State<AppState>,
    who: Authed,
    h: HeaderMap,
    Pid(id, _): Pid,
    Body(b): Body<ScreeningInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    Ok(written(rec::add_screening(&st, &who, idem(&h)?, id, b).await?))
}

/// `POST /patients/{id}/courses`
pub async fn add_course(
    State(st): State<AppState>,
    who: Authed,
    h: HeaderMap,
    Pid(id, _): Pid,
    Body(b): Body<CourseInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    Ok(written(rec::add_course(&st, &who, idem(&h)?, id, b).await?))
}
