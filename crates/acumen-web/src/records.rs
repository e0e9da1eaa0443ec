//! Patients and their clinical records: conditions, screenings, courses,
//! sessions, outcomes and adverse events. Tenancy: every query is scoped
//! to the caller's clinic; a patient user reaches only their own record.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use acumen_domain::{
    check, AdverseEventInput, ConditionInput, CourseInput, OutcomeInput, PatientInput, ScreeningInput, SessionInput,
    Validate,
};
use acumen_store::{Placement, Record};

use crate::access::{admin_only, staff_only, visible, visible_patient};
use crate::auth::Authed;
use crate::body::Body;
use crate::error::{ApiError, ApiResult};
use crate::ids::Pid;
use crate::safety::patient_context;
use crate::AppState;
use acumen_domain::gate::{gate, Gate};

/// A record as the API shows it.
pub fn out(r: &Record) -> Value {
    let mut v = json!({
        "id": r.public_id, "kind": r.kind, "version": r.version, "patient_id": r.patient_public_id, "parent_id": r.parent_public_id,
        "created_at": r.created_at, "updated_at": r.updated_at, "data": r.data,
    });
    if r.kind == "screening" {
        if let Ok(s) = serde_json::from_value::<ScreeningInput>(r.data.clone()) {
            v["dn4"] = json!(s.dn4());
        }
    }
    v
}

fn idem(h: &HeaderMap) -> ApiResult<Option<acumen_store::IdemKey>> {
    let scope = h
        .get(crate::security::SCOPE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    match h.get("idempotency-key") {
        None => Ok(None),
        Some(v) => {
            let k = v
                .to_str()
                .map_err(|_| crate::error::invalid("Idempotency-Key", "must be printable text"))?
                .trim()
                .to_string();
            if k.is_empty() || k.len() > 200 {
                return Err(crate::error::invalid("Idempotency-Key", "must be 1 to 200 characters"));
            }
            Ok(Some(acumen_store::IdemKey {
                key: k,
                scope,
                now: crate::auth::now_secs(),
            }))
        }
    }
}

async fn create(
    st: &AppState,
    who: &Authed,
    h: &HeaderMap,
    kind: &str,
    at: Placement,
    data: Value,
) -> ApiResult<(StatusCode, Json<Value>)> {
    create_audited(st, who, h, kind, at, data, &[]).await
}

async fn create_audited(
    st: &AppState,
    who: &Authed,
    h: &HeaderMap,
    kind: &str,
    at: Placement,
    data: Value,
    also_audit: &[String],
) -> ApiResult<(StatusCode, Json<Value>)> {
    let key = idem(h)?;
    let (r, created) = st
        .store
        .insert_record_audited(&who.actor(), kind, at, data, key.as_ref(), also_audit)
        .await?;
    Ok((
        if created { StatusCode::CREATED } else { StatusCode::OK },
        Json(out(&r)),
    ))
}

fn to_value<T: serde::Serialize>(v: T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Search parameters for the patient list.
#[derive(Deserialize)]
pub struct Search {
    /// Text in the name.
    pub q: Option<String>,
}

/// `GET /patients`
pub async fn list_patients(State(st): State<AppState>, who: Authed, Query(s): Query<Search>) -> ApiResult<Json<Value>> {
    if who.role() == acumen_domain::Role::Patient {
        let id = who.user.patient_id.ok_or(ApiError::NotFound)?;
        return Ok(Json(json!([out(&visible_patient(&st, &who, id).await?)])));
    }
    staff_only(&who)?;
    let q = s.q.as_deref().unwrap_or("").trim();
    if q.chars().any(char::is_control) || q.chars().count() > 200 {
        return Err(crate::error::invalid(
            "q",
            "must be at most 200 characters without control characters",
        ));
    }
    let rows = st.store.patients(&who.actor(), q).await?;
    Ok(Json(Value::Array(rows.iter().map(out).collect())))
}

/// `POST /patients`
pub async fn create_patient(
    State(st): State<AppState>,
    who: Authed,
    h: HeaderMap,
    Body(p): Body<PatientInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    staff_only(&who)?;
    let v = p.validate()?;
    create(
        &st,
        &who,
        &h,
        "patient",
        Placement {
            patient_id: None,
            parent_id: None,
        },
        to_value(v),
    )
    .await
}

/// `GET /patients/{id}`
pub async fn get_patient(State(st): State<AppState>, who: Authed, Pid(id, _): Pid) -> ApiResult<Json<Value>> {
    Ok(Json(out(&visible_patient(&st, &who, id).await?)))
}

/// A correction: the new fields and the version they replace.
#[derive(Deserialize)]
pub struct Update<T> {
    /// The version the client edited.
    pub version: i64,
    /// The corrected fields.
    pub data: T,
}

/// `PUT /patients/{id}`
pub async fn update_patient(
    State(st): State<AppState>,
    who: Authed,
    Pid(id, _): Pid,
    Body(u): Body<Update<PatientInput>>,
) -> ApiResult<Json<Value>> {
    staff_only(&who)?;
    visible_patient(&st, &who, id).await?;
    let v = u.data.validate()?;
    Ok(Json(out(&st
        .store
        .update_record(&who.actor(), "patient", id, u.version, to_value(v))
        .await?)))
}

/// `GET /patients/{id}/versions` (admins)
pub async fn patient_versions(State(st): State<AppState>, who: Authed, Pid(id, _): Pid) -> ApiResult<Json<Value>> {
    admin_only(&who, "only admins read old versions")?;
    // Authors by their public ids (the internal keys never leave the server).
    let authors: std::collections::HashMap<i64, String> = st
        .store
        .users(who.user.clinic_id)
        .await?
        .into_iter()
        .map(|u| (u.id, u.public_id))
        .collect();
    let versions = st.store.versions(&who.actor(), id).await?;
    Ok(Json(Value::Array(
        versions
            .iter()
            .map(|v| json!({"version": v.version, "data": v.data, "author_id": authors.get(&v.author_id), "created_at": v.created_at}))
            .collect(),
    )))
}

/// `GET /patients/{id}/export`: everything held on the patient.
pub async fn export_patient(State(st): State<AppState>, who: Authed, Pid(id, _): Pid) -> ApiResult<Json<Value>> {
    visible_patient(&st, &who, id).await?;
    let rows = st.store.patient_records(&who.actor(), id).await?;
    let public = rows.iter().find(|r| r.id == id).map(|r| r.public_id.clone());
    Ok(Json(
        json!({"patient_id": public, "records": rows.iter().map(out).collect::<Vec<_>>()}),
    ))
}

macro_rules! patient_child {
    ($list:ident, $create:ident, $kind:literal, $input:ty) => {
        #[doc = concat!("`GET /patients/{id}/", $kind, "s`")]
        pub async fn $list(State(st): State<AppState>, who: Authed, Pid(id, _): Pid) -> ApiResult<Json<Value>> {
            visible_patient(&st, &who, id).await?;
            let rows = st.store.children(&who.actor(), $kind, id).await?;
            Ok(Json(Value::Array(rows.iter().map(out).collect())))
        }
        #[doc = concat!("`POST /patients/{id}/", $kind, "s`")]
        pub async fn $create(
            State(st): State<AppState>,
            who: Authed,
            h: HeaderMap,
            Pid(id, _): Pid,
            Body(b): Body<$input>,
        ) -> ApiResult<(StatusCode, Json<Value>)> {
            staff_only(&who)?;
            visible_patient(&st, &who, id).await?;
            let v = b.validate()?;
            create(
                &st,
                &who,
                &h,
                $kind,
                Placement {
                    patient_id: Some(id),
                    parent_id: Some(id),
                },
                to_value(v),
            )
            .await
        }
    };
}

patient_child!(list_conditions, create_condition, "condition", ConditionInput);
patient_child!(list_screenings, create_screening, "screening", ScreeningInput);
patient_child!(list_courses, create_course, "course", CourseInput);

/// `GET /courses/{id}`
pub async fn get_course(State(st): State<AppState>, who: Authed, Pid(id, _): Pid) -> ApiResult<Json<Value>> {
    Ok(Json(out(&visible(&st, &who, "course", id).await?)))
}

/// `PUT /courses/{id}`
pub async fn update_course(
    State(st): State<AppState>,
    who: Authed,
    Pid(id, _): Pid,
    Body(u): Body<Update<CourseInput>>,
) -> ApiResult<Json<Value>> {
    staff_only(&who)?;
    visible(&st, &who, "course", id).await?;
    let v = u.data.validate()?;
    Ok(Json(out(&st
        .store
        .update_record(&who.actor(), "course", id, u.version, to_value(v))
        .await?)))
}

/// `GET /courses/{id}/sessions`
pub async fn list_sessions(State(st): State<AppState>, who: Authed, Pid(id, _): Pid) -> ApiResult<Json<Value>> {
    visible(&st, &who, "course", id).await?;
    let rows = st.store.children(&who.actor(), "session", id).await?;
    Ok(Json(Value::Array(rows.iter().map(out).collect())))
}

/// `POST /courses/{id}/sessions`
pub async fn create_session(
    State(st): State<AppState>,
    who: Authed,
    h: HeaderMap,
    Pid(id, _): Pid,
    Body(b): Body<SessionInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    staff_only(&who)?;
    let course = visible(&st, &who, "course", id).await?;
    let v = b.validate()?;
    let patient_id = course.patient_id.ok_or(ApiError::NotFound)?;
    let (profile, conditions) = patient_context(&st, &who, patient_id).await?;
    let intent = course.data.get("intent").and_then(Value::as_str).unwrap_or("treatment");
    let plan = v.plan(intent);
    let findings = check(&profile, &conditions, &plan);
    let overriding = v.get().override_reason.as_ref().is_some_and(|r| !r.trim().is_empty());
    let practitioner = who.role() == acumen_domain::Role::Practitioner;
    let (safety, audit) = match gate(findings, overriding, practitioner, plan.has_rationale) {
        Gate::Allowed { safety, audit } => (safety, audit),
        Gate::HardStop { rule_ids, findings } => {
            return Err(ApiError::Safety {
                code: "safety_hard_stop",
                message: format!(
                "refused by safety rule {}; correct the session, or a practitioner may override with override_reason",
                rule_ids.join(", ")
            ),
                rule_ids,
                findings,
            })
        }
        Gate::OverrideNotAllowed => {
            return Err(ApiError::Forbidden(
                "only a practitioner may override a safety hard stop".into(),
            ))
        }
        Gate::NeedsRationale { rule_ids, findings } => {
            return Err(ApiError::Safety {
                code: "safety_needs_rationale",
                message: format!(
                    "safety rule {} needs a rationale for this point selection",
                    rule_ids.join(", ")
                ),
                rule_ids,
                findings,
            })
        }
    };
    let mut data = to_value(v);
    data["safety"] = to_value(&safety);
    let at = Placement {
        patient_id: Some(patient_id),
        parent_id: Some(id),
    };
    let (status, Json(mut out)) = create_audited(&st, &who, &h, "session", at, data, &audit).await?;
    out["findings"] = out["data"]["safety"]["findings"].clone();
    Ok((status, Json(out)))
}

/// `GET /sessions/{id}`
pub async fn get_session(State(st): State<AppState>, who: Authed, Pid(id, _): Pid) -> ApiResult<Json<Value>> {
    Ok(Json(out(&visible(&st, &who, "session", id).await?)))
}

/// `GET /courses/{id}/outcomes`
pub async fn list_outcomes(State(st): State<AppState>, who: Authed, Pid(id, _): Pid) -> ApiResult<Json<Value>> {
    visible(&st, &who, "course", id).await?;
    let rows = st.store.children(&who.actor(), "outcome", id).await?;
    Ok(Json(Value::Array(rows.iter().map(out).collect())))
}

/// `POST /courses/{id}/outcomes` (staff, or the patient for their own diary)
pub async fn create_outcome(
    State(st): State<AppState>,
    who: Authed,
    h: HeaderMap,
    Pid(id, _): Pid,
    Body(b): Body<OutcomeInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let course = visible(&st, &who, "course", id).await?;
    if who.role() == acumen_domain::Role::Patient && b.source != "patient" {
        return Err(ApiError::Invalid(acumen_domain::Invalid {
            errors: vec![acumen_domain::FieldError {
                field: "source".into(),
                rule: "must be patient for a patient's own diary".into(),
            }],
        }));
    } else if who.role() != acumen_domain::Role::Patient {
        staff_only(&who)?;
    }
    let v = b.validate()?;
    create(
        &st,
        &who,
        &h,
        "outcome",
        Placement {
            patient_id: course.patient_id,
            parent_id: Some(id),
        },
        to_value(v),
    )
    .await
}

/// `GET /sessions/{id}/adverse-events`
pub async fn list_adverse(State(st): State<AppState>, who: Authed, Pid(id, _): Pid) -> ApiResult<Json<Value>> {
    visible(&st, &who, "session", id).await?;
    let rows = st.store.children(&who.actor(), "adverse_event", id).await?;
    Ok(Json(Value::Array(rows.iter().map(out).collect())))
}

/// `POST /sessions/{id}/adverse-events`
pub async fn create_adverse(
    State(st): State<AppState>,
    who: Authed,
    h: HeaderMap,
    Pid(id, _): Pid,
    Body(b): Body<AdverseEventInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    staff_only(&who)?;
    let s = visible(&st, &who, "session", id).await?;
    let v = b.validate()?;
    create(
        &st,
        &who,
        &h,
        "adverse_event",
        Placement {
            patient_id: s.patient_id,
            parent_id: Some(id),
        },
        to_value(v),
    )
    .await
}

/// `GET /audit` (admins): the clinic's audit log.
pub async fn audit_log(State(st): State<AppState>, who: Authed) -> ApiResult<Json<Value>> {
    admin_only(&who, "only admins read the audit log")?;
    // The clinic's entries numbered 1, 2, ... and naming users and records by
    // their public ids: the log's global ids would show other clinics' activity.
    let clinic = who.user.clinic_id;
    let users: std::collections::HashMap<i64, String> = st
        .store
        .users(clinic)
        .await?
        .into_iter()
        .map(|u| (u.id, u.public_id))
        .collect();
    let records = st.store.public_ids(clinic).await?;
    let log = st.store.audit_log(Some(clinic)).await?;
    Ok(Json(Value::Array(
        log.iter()
            .enumerate()
            .map(|(i, e)| {
                json!({
                    "seq": i + 1, "at": e.at, "user_id": e.user_id.and_then(|u| users.get(&u)), "role": e.role,
                    "action": e.action, "record_kind": e.record_kind,
                    "record_id": e.record_id.and_then(|r| records.get(&r).or_else(|| users.get(&r))),
                    "hmac": e.hmac,
                })
            })
            .collect(),
    )))
}

/// `GET /research/aggregates` (researchers)
pub async fn research(State(st): State<AppState>, who: Authed) -> ApiResult<Json<Value>> {
    if who.role() != acumen_domain::Role::Researcher {
        return Err(ApiError::Forbidden("aggregates are for researcher accounts".into()));
    }
    st.store
        .audit(Some(&who.actor()), "research_aggregates", None, None)
        .await?;
    Ok(Json(st.store.research_aggregates(10).await?))
}

/// `GET /conditions`: the bundled condition list.
pub async fn conditions() -> Json<Value> {
    Json(to_value(acumen_knowledge::conditions::CONDITIONS))
}
