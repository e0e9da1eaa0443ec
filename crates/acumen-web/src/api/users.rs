//! Login, logout, password resets, API tokens and user management over
//! JSON; the use cases are [`crate::service::accounts`].

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::request::Body;
use crate::auth::{clear_cookie, cookie_in, session_cookie, Authed, ClientAddr, IDLE_SECS};
use crate::error::ApiResult;
use crate::service::accounts::{self, CreateUser};
use crate::state::AppState;

/// `POST /auth/login` body.
#[derive(Deserialize)]
pub struct Login {
    /// The clinic's code (optional when the database holds one clinic).
    pub clinic: Option<String>,
    /// E-mail.
    pub email: String,
    /// Password.
    pub password: String,
}

fn user_json(u: &acumen_store::User) -> Value {
    json!({"id": u.public_id, "email": u.email, "name": u.name, "role": u.role, "patient_id": u.patient_public_id})
}

/// `POST /auth/login`: sets the session cookie.
pub async fn login(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    Body(l): Body<Login>,
) -> ApiResult<Response> {
    let old = cookie_in(&headers);
    let (user, token) = accounts::start_session(&st, &addr, l.clinic.as_deref(), &l.email, &l.password, old).await?;
    let cookie = session_cookie(&st, &token, IDLE_SECS);
    Ok(([(header::SET_COOKIE, cookie)], Json(json!({"user": user_json(&user)}))).into_response())
}

/// `POST /auth/logout`
pub async fn logout(State(st): State<AppState>, who: Authed, headers: HeaderMap) -> ApiResult<Response> {
    accounts::end_session(&st, &who, cookie_in(&headers)).await?;
    Ok(([(header::SET_COOKIE, clear_cookie())], StatusCode::NO_CONTENT).into_response())
}

/// `GET /me`
pub async fn me(who: Authed) -> Json<Value> {
    Json(user_json(&who.user))
}

/// `POST /tokens` body.
#[derive(Deserialize)]
pub struct NewToken {
    /// A name to recognise it by.
    pub name: String,
}

/// `POST /tokens`: the token is shown once.
pub async fn create_token(
    State(st): State<AppState>,
    who: Authed,
    Body(t): Body<NewToken>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (id, token) = accounts::create_token(&st, &who, &t.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": id, "name": t.name.trim(), "token": token})),
    ))
}

/// `DELETE /tokens/{id}`
pub async fn revoke_token(State(st): State<AppState>, who: Authed, Path(id): Path<String>) -> ApiResult<StatusCode> {
    accounts::revoke_token(&st, &who, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /users` (admins)
pub async fn list_users(State(st): State<AppState>, who: Authed) -> ApiResult<Json<Value>> {
    let users = accounts::users(&st, &who).await?;
    Ok(Json(Value::Array(users.iter().map(user_json).collect())))
}

/// `POST /users` (admins)
pub async fn create_user(
    State(st): State<AppState>,
    who: Authed,
    Body(u): Body<CreateUser>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let user = accounts::create_user(&st, &who, u).await?;
    Ok((StatusCode::CREATED, Json(user_json(&user))))
}

/// `POST /users/{id}/link` body.
#[derive(Deserialize)]
pub struct Link {
    /// The patient record (public id).
    pub patient_id: String,
}

/// `POST /users/{id}/link` (admins)
pub async fn link_patient(
    State(st): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
    Body(l): Body<Link>,
) -> ApiResult<Json<Value>> {
    Ok(Json(user_json(
        &accounts::link_patient(&st, &who, &id, &l.patient_id).await?,
    )))
}

/// `POST /users/{id}/reset-link` (admins)
pub async fn reset_link(
    State(st): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let token = accounts::reset_token(&st, &who, &id).await?;
    let base = st.public_url.clone().unwrap_or_default();
    Ok((
        StatusCode::CREATED,
        Json(json!({"reset_url": format!("{base}/reset?token={token}"), "token": token})),
    ))
}

/// `POST /auth/reset` body.
#[derive(Deserialize)]
pub struct Reset {
    /// The one-time token.
    pub token: String,
    /// The new password.
    pub password: String,
}

/// `POST /auth/reset`
pub async fn reset(State(st): State<AppState>, Body(r): Body<Reset>) -> ApiResult<StatusCode> {
    accounts::use_reset(&st, &r.token, r.password).await?;
    Ok(StatusCode::NO_CONTENT)
}
