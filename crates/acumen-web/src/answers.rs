//! The living answers: `GET /api/v1/answers` (JSON), `GET /answers`
//! (HTML), and the admin's switch between a public page (aggregate figures
//! only, with the same small-number suppression) and one for logged-in
//! users of the clinic.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use acumen_analytics::answers::{answers, Answers, ClinicRef};
use acumen_analytics::evidence::AddedTrial;
use acumen_analytics::records::{assemble, RawRecord};
use acumen_store::Store;

use crate::auth::Authed;
use crate::body::Body;
use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// Record kinds the figures read (never the patient records themselves).
pub const KINDS: [&str; 4] = ["course", "session", "outcome", "adverse_event"];

/// Computes the answers of a clinic from its stored records.
pub async fn compute(st: &AppState, clinic_id: i64) -> ApiResult<Answers> {
    compute_with(st.store.as_ref(), clinic_id, Vec::new()).await
}

/// Computes the answers of a clinic, with trials a user adds to the evidence.
pub async fn compute_with(store: &dyn Store, clinic_id: i64, added: Vec<AddedTrial>) -> ApiResult<Answers> {
    let clinic = store.clinic(clinic_id).await?;
    let records = store.clinic_records(clinic_id, &KINDS).await?;
    let raw: Vec<RawRecord> = records
        .into_iter()
        .map(|r| RawRecord {
            id: r.id,
            kind: r.kind,
            patient_id: r.patient_id,
            parent_id: r.parent_id,
            data: r.data,
        })
        .collect();
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let clinic_ref = ClinicRef {
        code: clinic.code.clone(),
        name: clinic.name,
    };
    tokio::task::spawn_blocking(move || {
        let data = assemble(&raw);
        if data.unreadable > 0 {
            tracing::warn!(
                clinic = clinic_id,
                unreadable = data.unreadable,
                "records skipped by the answers"
            );
        }
        answers(clinic_ref, now, clinic.demo, &data.courses, &added)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("answers task: {e}")))
}

/// `?clinic=` of a public page.
#[derive(Deserialize)]
pub struct Which {
    /// The clinic's code.
    pub clinic: Option<String>,
}

/// The clinic whose answers the caller may see: their own, or one whose
/// answers page is public (any other code is "not found").
async fn allowed_clinic(st: &AppState, who: Option<Authed>, which: Option<String>) -> ApiResult<i64> {
    let asked = match which {
        Some(code) => match st.store.clinic_by_code(&code).await {
            Ok(c) => Some(c),
            Err(_) => return Err(ApiError::NotFound),
        },
        None => None,
    };
    if let Some(a) = &who {
        if asked.as_ref().is_none_or(|c| c.id == a.user.clinic_id) {
            return Ok(a.user.clinic_id);
        }
    }
    match asked {
        None => Err(ApiError::Unauthorized),
        Some(c) if c.answers_public => Ok(c.id),
        Some(_) => Err(ApiError::NotFound),
    }
}

/// `GET /api/v1/answers`
pub async fn json_answers(
    State(st): State<AppState>,
    who: Option<Authed>,
    Query(w): Query<Which>,
) -> ApiResult<Json<Answers>> {
    let id = allowed_clinic(&st, who, w.clinic).await?;
    Ok(Json(compute(&st, id).await?))
}

/// `GET /answers`
pub async fn html_answers(State(st): State<AppState>, who: Option<Authed>, Query(w): Query<Which>) -> Response {
    let page = async {
        let id = allowed_clinic(&st, who, w.clinic).await?;
        let a = compute(&st, id).await?;
        crate::answers_page::render(&a).map_err(|e| ApiError::Internal(format!("answers template: {e}")))
    };
    match page.await {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            let (status, text) = match &e {
                ApiError::Unauthorized => (
                    StatusCode::UNAUTHORIZED,
                    "Log in to see this clinic's answers, or open a clinic's public page with ?clinic=CODE.",
                ),
                ApiError::NotFound => (StatusCode::NOT_FOUND, "This clinic has no public answers page."),
                _ => (StatusCode::INTERNAL_SERVER_ERROR, "The answers could not be computed."),
            };
            if let ApiError::Internal(detail) = &e {
                tracing::error!(error = %detail, "answers page");
            }
            let body = format!("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Answers</title></head><body><main><h1>Answers</h1><p>{text}</p></main></body></html>");
            (status, Html(body)).into_response()
        }
    }
}

/// `PUT /api/v1/clinic/answers-visibility` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Visibility {
    /// Whether the answers page is public.
    pub public: bool,
}

/// `GET /api/v1/clinic`
pub async fn clinic(State(st): State<AppState>, who: Authed) -> ApiResult<Json<Value>> {
    let c = st.store.clinic(who.user.clinic_id).await?;
    Ok(Json(
        json!({"code": c.code, "name": c.name, "demo": c.demo, "answers_public": c.answers_public}),
    ))
}

/// `PUT /api/v1/clinic/answers-visibility` (admins)
pub async fn set_visibility(
    State(st): State<AppState>,
    who: Authed,
    Body(v): Body<Visibility>,
) -> ApiResult<Json<Value>> {
    crate::access::admin_only(&who, "only an admin decides whether the answers page is public")?;
    st.store.set_answers_public(&who.actor(), v.public).await?;
    clinic(State(st), who).await
}
