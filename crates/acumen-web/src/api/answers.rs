//! `/answers` (JSON), `/clinic` and the admin's switch of the public answers page.

use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

use acumen_analytics::answers::Answers;

use crate::api::request::Body;
use crate::auth::Authed;
use crate::error::ApiResult;
use crate::service::answers::{allowed_clinic, compute, set_public, ClinicView, Which};
use crate::state::AppState;

/// `GET /api/v1/answers`
pub async fn answers(
    State(st): State<AppState>,
    who: Option<Authed>,
    Query(w): Query<Which>,
) -> ApiResult<Json<Answers>> {
    let id = allowed_clinic(&st, who, w.clinic).await?;
    Ok(Json(compute(&st, id).await?))
}

/// `PUT /api/v1/clinic/answers-visibility` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Visibility {
    /// Whether the answers page is public.
    pub public: bool,
}

/// `GET /api/v1/clinic`
pub async fn clinic(State(st): State<AppState>, who: Authed) -> ApiResult<Json<ClinicView>> {
    Ok(Json(crate::service::answers::clinic(&st, &who).await?))
}

/// `PUT /api/v1/clinic/answers-visibility` (admins)
pub async fn set_visibility(
    State(st): State<AppState>,
    who: Authed,
    Body(v): Body<Visibility>,
) -> ApiResult<Json<ClinicView>> {
    Ok(Json(set_public(&st, &who, v.public).await?))
}

/// `GET /clinic/outcomes` (admins): the owner's dashboard as JSON
/// (`?condition=&practitioner=&from=&to=`).
pub async fn outcomes(
    State(st): State<AppState>,
    who: Authed,
    Query(q): Query<crate::service::owner::OwnerQuery>,
) -> ApiResult<Json<Value>> {
    let today = time::OffsetDateTime::now_utc().date();
    Ok(Json(
        crate::service::owner::outcomes(&st, &who, &q, today).await?.figures,
    ))
}
