//! `/admin/follow-up` (admins): the clinic's follow-up message settings,
//! their preview, and the switch that enables the texts shown.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;

use acumen_domain::messaging::MessagingInput;

use crate::api::request::Body;
use crate::auth::Authed;
use crate::error::ApiResult;
use crate::service::messaging::{self, MessagingView};
use crate::state::AppState;

/// `POST /admin/follow-up/enable` body: the revision of the texts the admin read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enable {
    /// The `revision` of the settings as shown.
    pub revision: u32,
}

/// `POST /admin/follow-up/disable` body (empty).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disable {}

/// `GET /admin/follow-up`
pub async fn get(State(st): State<AppState>, who: Authed) -> ApiResult<Json<MessagingView>> {
    Ok(Json(messaging::get(&st, &who).await?))
}

/// `PUT /admin/follow-up`
pub async fn put(
    State(st): State<AppState>,
    who: Authed,
    Body(input): Body<MessagingInput>,
) -> ApiResult<Json<MessagingView>> {
    Ok(Json(messaging::put(&st, &who, input).await?))
}

/// `POST /admin/follow-up/enable`
pub async fn enable(State(st): State<AppState>, who: Authed, Body(e): Body<Enable>) -> ApiResult<Json<MessagingView>> {
    Ok(Json(messaging::enable(&st, &who, Some(e.revision)).await?))
}

/// `POST /admin/follow-up/disable`
pub async fn disable(
    State(st): State<AppState>,
    who: Authed,
    Body(_): Body<Disable>,
) -> ApiResult<Json<MessagingView>> {
    Ok(Json(messaging::enable(&st, &who, None).await?))
}
