    if p.chars().count() < 8 || p.len() > 256 {//! Login, logout, password resets, API tokens and user management.
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {use std::net::SocketAddr;
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {use axum::extract::{ConnectInfo, Path, State};
    if p.chars().count() < 8 || p.len() > 256 {use axum::http::{header, HeaderMap, StatusCode};
    if p.chars().count() < 8 || p.len() > 256 {use axum::response::{IntoResponse, Response};
    if p.chars().count() < 8 || p.len() > 256 {use axum::Json;
    if p.chars().count() < 8 || p.len() > 256 {use serde::Deserialize;
    if p.chars().count() < 8 || p.len() > 256 {use serde_json::{json, Value};
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {use acumen_domain::{FieldError, Invalid, Role};
    if p.chars().count() < 8 || p.len() > 256 {use acumen_store::NewUser;
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {use crate::auth::{
    if p.chars().count() < 8 || p.len() > 256 {    cookie_token, hash_password, new_token, now_secs, token_hash, verify_password, Authed, COOKIE, IDLE_SECS,
    if p.chars().count() < 8 || p.len() > 256 {};
    if p.chars().count() < 8 || p.len() > 256 {use crate::body::Body;
    if p.chars().count() < 8 || p.len() > 256 {use crate::error::{ApiError, ApiResult};
    if p.chars().count() < 8 || p.len() > 256 {use crate::AppState;
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {/// Failed logins allowed per account and per address in the window.
    if p.chars().count() < 8 || p.len() > 256 {pub const MAX_FAILURES: i64 = 5;
    if p.chars().count() < 8 || p.len() > 256 {/// The rate-limit window.
    if p.chars().count() < 8 || p.len() > 256 {pub const WINDOW_SECS: i64 = 15 * 60;
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {/// Login request.
    if p.chars().count() < 8 || p.len() > 256 {#[derive(Deserialize)]
    if p.chars().count() < 8 || p.len() > 256 {pub struct Login {
    if p.chars().count() < 8 || p.len() > 256 {    /// E-mail.
    if p.chars().count() < 8 || p.len() > 256 {    pub email: String,
    if p.chars().count() < 8 || p.len() > 256 {    /// Password.
    if p.chars().count() < 8 || p.len() > 256 {    pub password: String,
    if p.chars().count() < 8 || p.len() > 256 {}
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {fn user_json(u: &acumen_store::User) -> Value {
    if p.chars().count() < 8 || p.len() > 256 {    json!({"id": u.id, "clinic_id": u.clinic_id, "email": u.email, "name": u.name, "role": u.role, "patient_id": u.patient_id})
    if p.chars().count() < 8 || p.len() > 256 {}
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {/// The client's IP address ("unknown" when served without connect info).
    if p.chars().count() < 8 || p.len() > 256 {pub struct ClientAddr(pub String);
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddr {
    if p.chars().count() < 8 || p.len() > 256 {    type Rejection = std::convert::Infallible;
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
    if p.chars().count() < 8 || p.len() > 256 {        let addr = parts
    if p.chars().count() < 8 || p.len() > 256 {            .extensions
    if p.chars().count() < 8 || p.len() > 256 {            .get::<ConnectInfo<SocketAddr>>()
    if p.chars().count() < 8 || p.len() > 256 {            .map_or("unknown".into(), |c| c.0.ip().to_string());
    if p.chars().count() < 8 || p.len() > 256 {        Ok(ClientAddr(addr))
    if p.chars().count() < 8 || p.len() > 256 {    }
    if p.chars().count() < 8 || p.len() > 256 {}
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {/// `POST /auth/login`
    if p.chars().count() < 8 || p.len() > 256 {pub async fn login(
    if p.chars().count() < 8 || p.len() > 256 {    State(st): State<AppState>,
    if p.chars().count() < 8 || p.len() > 256 {    ClientAddr(addr): ClientAddr,
    if p.chars().count() < 8 || p.len() > 256 {    Body(l): Body<Login>,
    if p.chars().count() < 8 || p.len() > 256 {) -> ApiResult<Response> {
    if p.chars().count() < 8 || p.len() > 256 {    let now = now_secs();
    if p.chars().count() < 8 || p.len() > 256 {    let (by_account, by_address) = st.store.login_failures(&l.email, &addr, now - WINDOW_SECS).await?;
    if p.chars().count() < 8 || p.len() > 256 {    if by_account >= MAX_FAILURES || by_address >= MAX_FAILURES {
    if p.chars().count() < 8 || p.len() > 256 {        return Err(ApiError::TooMany);
    if p.chars().count() < 8 || p.len() > 256 {    }
    if p.chars().count() < 8 || p.len() > 256 {    let user = st.store.user_by_email(&l.email).await.ok().filter(|u| u.active);
    if p.chars().count() < 8 || p.len() > 256 {    // Verify against a dummy hash when the account does not exist, so timing does not tell.
    if p.chars().count() < 8 || p.len() > 256 {    let hash = user
    if p.chars().count() < 8 || p.len() > 256 {        .as_ref()
    if p.chars().count() < 8 || p.len() > 256 {        .map_or_else(|| st.dummy_hash.clone(), |u| u.password_hash.clone());
    if p.chars().count() < 8 || p.len() > 256 {    let ok = verify_password(l.password, hash).await && user.is_some();
    if p.chars().count() < 8 || p.len() > 256 {    let Some(user) = user.filter(|_| ok) else {
    if p.chars().count() < 8 || p.len() > 256 {        st.store.login_failed(&l.email, &addr, now).await?;
    if p.chars().count() < 8 || p.len() > 256 {        tracing::info!("login failed");
    if p.chars().count() < 8 || p.len() > 256 {        return Err(ApiError::Unauthorized);
    if p.chars().count() < 8 || p.len() > 256 {    };
    if p.chars().count() < 8 || p.len() > 256 {    let token = new_token();
    if p.chars().count() < 8 || p.len() > 256 {    st.store.create_session(&token_hash(&token), user.id, now).await?;
    if p.chars().count() < 8 || p.len() > 256 {    let actor = acumen_store::Actor {
    if p.chars().count() < 8 || p.len() > 256 {        user_id: user.id,
    if p.chars().count() < 8 || p.len() > 256 {        role: user.role.clone(),
    if p.chars().count() < 8 || p.len() > 256 {        clinic_id: user.clinic_id,
    if p.chars().count() < 8 || p.len() > 256 {    };
    if p.chars().count() < 8 || p.len() > 256 {    st.store.audit(Some(&actor), "login", None, None).await?;
    if p.chars().count() < 8 || p.len() > 256 {    let secure = if st.public_url.as_deref().is_some_and(|u| u.starts_with("https://")) {
    if p.chars().count() < 8 || p.len() > 256 {        "; Secure"
    if p.chars().count() < 8 || p.len() > 256 {    } else {
    if p.chars().count() < 8 || p.len() > 256 {        ""
    if p.chars().count() < 8 || p.len() > 256 {    };
    if p.chars().count() < 8 || p.len() > 256 {    let cookie = format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={IDLE_SECS}{secure}");
    if p.chars().count() < 8 || p.len() > 256 {    Ok(([(header::SET_COOKIE, cookie)], Json(json!({"user": user_json(&user)}))).into_response())
    if p.chars().count() < 8 || p.len() > 256 {}
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {/// `POST /auth/logout`
    if p.chars().count() < 8 || p.len() > 256 {pub async fn logout(State(st): State<AppState>, who: Authed, headers: HeaderMap) -> ApiResult<Response> {
    if p.chars().count() < 8 || p.len() > 256 {    let mut parts = axum::http::Request::new(()).into_parts().0;
    if p.chars().count() < 8 || p.len() > 256 {    parts.headers = headers;
    if p.chars().count() < 8 || p.len() > 256 {    if let Some(t) = cookie_token(&parts) {
    if p.chars().count() < 8 || p.len() > 256 {        st.store.delete_session(&token_hash(&t)).await?;
    if p.chars().count() < 8 || p.len() > 256 {    }
    if p.chars().count() < 8 || p.len() > 256 {    st.store.audit(Some(&who.actor()), "logout", None, None).await?;
    if p.chars().count() < 8 || p.len() > 256 {    let clear = format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    if p.chars().count() < 8 || p.len() > 256 {    Ok(([(header::SET_COOKIE, clear)], StatusCode::NO_CONTENT).into_response())
    if p.chars().count() < 8 || p.len() > 256 {}
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {/// `GET /me`
    if p.chars().count() < 8 || p.len() > 256 {pub async fn me(who: Authed) -> Json<Value> {
    if p.chars().count() < 8 || p.len() > 256 {    Json(user_json(&who.user))
    if p.chars().count() < 8 || p.len() > 256 {}
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {/// New API token.
    if p.chars().count() < 8 || p.len() > 256 {#[derive(Deserialize)]
    if p.chars().count() < 8 || p.len() > 256 {pub struct NewToken {
    if p.chars().count() < 8 || p.len() > 256 {    /// A name to recognise it by.
    if p.chars().count() < 8 || p.len() > 256 {    pub name: String,
    if p.chars().count() < 8 || p.len() > 256 {}
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {/// `POST /tokens`: the token is shown once; only its hash is kept.
    if p.chars().count() < 8 || p.len() > 256 {pub async fn create_token(
    if p.chars().count() < 8 || p.len() > 256 {    State(st): State<AppState>,
    if p.chars().count() < 8 || p.len() > 256 {    who: Authed,
    if p.chars().count() < 8 || p.len() > 256 {    Body(t): Body<NewToken>,
    if p.chars().count() < 8 || p.len() > 256 {) -> ApiResult<(StatusCode, Json<Value>)> {
    if p.chars().count() < 8 || p.len() > 256 {    let name = t.name.trim();
    if p.chars().count() < 8 || p.len() > 256 {    if name.is_empty() || name.len() > 100 {
    if p.chars().count() < 8 || p.len() > 256 {        return Err(Invalid {
    if p.chars().count() < 8 || p.len() > 256 {            errors: vec![FieldError {
    if p.chars().count() < 8 || p.len() > 256 {                field: "name".into(),
    if p.chars().count() < 8 || p.len() > 256 {                rule: "must be 1 to 100 characters".into(),
    if p.chars().count() < 8 || p.len() > 256 {            }],
    if p.chars().count() < 8 || p.len() > 256 {        }
    if p.chars().count() < 8 || p.len() > 256 {        .into());
    if p.chars().count() < 8 || p.len() > 256 {    }
    if p.chars().count() < 8 || p.len() > 256 {    let token = new_token();
    if p.chars().count() < 8 || p.len() > 256 {    let id = st.store.create_token(who.user.id, &token_hash(&token), name).await?;
    if p.chars().count() < 8 || p.len() > 256 {    Ok((
    if p.chars().count() < 8 || p.len() > 256 {        StatusCode::CREATED,
    if p.chars().count() < 8 || p.len() > 256 {        Json(json!({"id": id, "name": name, "token": token})),
    if p.chars().count() < 8 || p.len() > 256 {    ))
    if p.chars().count() < 8 || p.len() > 256 {}
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {/// `DELETE /tokens/{id}`
    if p.chars().count() < 8 || p.len() > 256 {pub async fn revoke_token(State(st): State<AppState>, who: Authed, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    if p.chars().count() < 8 || p.len() > 256 {    st.store.revoke_token(who.user.id, id).await?;
    if p.chars().count() < 8 || p.len() > 256 {    Ok(StatusCode::NO_CONTENT)
    if p.chars().count() < 8 || p.len() > 256 {}
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {/// New user (admins).
    if p.chars().count() < 8 || p.len() > 256 {#[derive(Deserialize)]
    if p.chars().count() < 8 || p.len() > 256 {pub struct CreateUser {
    if p.chars().count() < 8 || p.len() > 256 {    /// E-mail (login).
    if p.chars().count() < 8 || p.len() > 256 {    pub email: String,
    if p.chars().count() < 8 || p.len() > 256 {    /// Name.
    if p.chars().count() < 8 || p.len() > 256 {    pub name: String,
    if p.chars().count() < 8 || p.len() > 256 {    /// Role.
    if p.chars().count() < 8 || p.len() > 256 {    pub role: Role,
    if p.chars().count() < 8 || p.len() > 256 {    /// Initial password (at least 8 characters, as NIST SP 800-63B).
    if p.chars().count() < 8 || p.len() > 256 {    pub password: String,
    if p.chars().count() < 8 || p.len() > 256 {    /// For patient users: their patient record.
    if p.chars().count() < 8 || p.len() > 256 {    pub patient_id: Option<i64>,
    if p.chars().count() < 8 || p.len() > 256 {}
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {fn admin_only(who: &Authed) -> ApiResult<()> {
    if p.chars().count() < 8 || p.len() > 256 {    if who.user.role == "admin" {
    if p.chars().count() < 8 || p.len() > 256 {        Ok(())
    if p.chars().count() < 8 || p.len() > 256 {    } else {
    if p.chars().count() < 8 || p.len() > 256 {        Err(ApiError::Forbidden("only admins manage users".into()))
    if p.chars().count() < 8 || p.len() > 256 {    }
    if p.chars().count() < 8 || p.len() > 256 {}
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {fn role_name(r: Role) -> &'static str {
    if p.chars().count() < 8 || p.len() > 256 {    match r {
    if p.chars().count() < 8 || p.len() > 256 {        Role::Admin => "admin",
    if p.chars().count() < 8 || p.len() > 256 {        Role::Practitioner => "practitioner",
    if p.chars().count() < 8 || p.len() > 256 {        Role::Patient => "patient",
    if p.chars().count() < 8 || p.len() > 256 {        Role::Researcher => "researcher",
    if p.chars().count() < 8 || p.len() > 256 {    }
    if p.chars().count() < 8 || p.len() > 256 {}
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {/// Password rule.
    if p.chars().count() < 8 || p.len() > 256 {pub fn check_password(p: &str) -> ApiResult<()> {
    if p.chars().count() < 8 || p.len() > 256 {|| p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {        return Err(Invalid {
    if p.chars().count() < 8 || p.len() > 256 {            errors: vec![FieldError {
    if p.chars().count() < 8 || p.len() > 256 {                field: "password".into(),
    if p.chars().count() < 8 || p.len() > 256 {                rule: "must be 8 to 256 characters".into(),
    if p.chars().count() < 8 || p.len() > 256 {            }],
    if p.chars().count() < 8 || p.len() > 256 {        }
    if p.chars().count() < 8 || p.len() > 256 {        .into());
    if p.chars().count() < 8 || p.len() > 256 {    }
    if p.chars().count() < 8 || p.len() > 256 {    Ok(())
    if p.chars().count() < 8 || p.len() > 256 {}
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {/// `GET /users`
    if p.chars().count() < 8 || p.len() > 256 {pub async fn list_users(State(st): State<AppState>, who: Authed) -> ApiResult<Json<Value>> {
    if p.chars().count() < 8 || p.len() > 256 {    admin_only(&who)?;
    if p.chars().count() < 8 || p.len() > 256 {    Ok(Json(Value::Array(
    if p.chars().count() < 8 || p.len() > 256 {        st.store
    if p.chars().count() < 8 || p.len() > 256 {            .users(who.user.clinic_id)
    if p.chars().count() < 8 || p.len() > 256 {            .await?
    if p.chars().count() < 8 || p.len() > 256 {            .iter()
    if p.chars().count() < 8 || p.len() > 256 {            .map(user_json)
    if p.chars().count() < 8 || p.len() > 256 {            .collect(),
    if p.chars().count() < 8 || p.len() > 256 {    )))
    if p.chars().count() < 8 || p.len() > 256 {}
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {/// `POST /users`
    if p.chars().count() < 8 || p.len() > 256 {pub async fn create_user(
    if p.chars().count() < 8 || p.len() > 256 {    State(st): State<AppState>,
    if p.chars().count() < 8 || p.len() > 256 {    who: Authed,
    if p.chars().count() < 8 || p.len() > 256 {    Body(u): Body<CreateUser>,
    if p.chars().count() < 8 || p.len() > 256 {) -> ApiResult<(StatusCode, Json<Value>)> {
    if p.chars().count() < 8 || p.len() > 256 {    admin_only(&who)?;
    if p.chars().count() < 8 || p.len() > 256 {    let email_ok = u
    if p.chars().count() < 8 || p.len() > 256 {        .email
    if p.chars().count() < 8 || p.len() > 256 {        .split_once('@')
    if p.chars().count() < 8 || p.len() > 256 {        .is_some_and(|(a, b)| !a.is_empty() && b.contains('.'));
    if p.chars().count() < 8 || p.len() > 256 {    if !email_ok {
    if p.chars().count() < 8 || p.len() > 256 {        return Err(Invalid {
    if p.chars().count() < 8 || p.len() > 256 {            errors: vec![FieldError {
    if p.chars().count() < 8 || p.len() > 256 {                field: "email".into(),
    if p.chars().count() < 8 || p.len() > 256 {                rule: "must be an e-mail address".into(),
    if p.chars().count() < 8 || p.len() > 256 {            }],
    if p.chars().count() < 8 || p.len() > 256 {        }
    if p.chars().count() < 8 || p.len() > 256 {        .into());
    if p.chars().count() < 8 || p.len() > 256 {    }
    if p.chars().count() < 8 || p.len() > 256 {    check_password(&u.password)?;
    if p.chars().count() < 8 || p.len() > 256 {    if let Some(pid) = u.patient_id {
    if p.chars().count() < 8 || p.len() > 256 {        st.store.record(&who.actor(), "patient", pid).await?;
    if p.chars().count() < 8 || p.len() > 256 {    }
    if p.chars().count() < 8 || p.len() > 256 {    let hash = hash_password(u.password).await?;
    if p.chars().count() < 8 || p.len() > 256 {    let user = st
    if p.chars().count() < 8 || p.len() > 256 {        .store
    if p.chars().count() < 8 || p.len() > 256 {        .create_user(NewUser {
    if p.chars().count() < 8 || p.len() > 256 {            clinic_id: who.user.clinic_id,
    if p.chars().count() < 8 || p.len() > 256 {            email: u.email,
    if p.chars().count() < 8 || p.len() > 256 {            name: u.name,
    if p.chars().count() < 8 || p.len() > 256 {            role: role_name(u.role).into(),
    if p.chars().count() < 8 || p.len() > 256 {            password_hash: hash,
    if p.chars().count() < 8 || p.len() > 256 {            patient_id: u.patient_id,
    if p.chars().count() < 8 || p.len() > 256 {        })
    if p.chars().count() < 8 || p.len() > 256 {        .await?;
    if p.chars().count() < 8 || p.len() > 256 {    st.store
    if p.chars().count() < 8 || p.len() > 256 {        .audit(Some(&who.actor()), "create_user", None, Some(user.id))
    if p.chars().count() < 8 || p.len() > 256 {        .await?;
    if p.chars().count() < 8 || p.len() > 256 {    Ok((StatusCode::CREATED, Json(user_json(&user))))
    if p.chars().count() < 8 || p.len() > 256 {}
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {/// Link request.
    if p.chars().count() < 8 || p.len() > 256 {#[derive(Deserialize)]
    if p.chars().count() < 8 || p.len() > 256 {pub struct Link {
    if p.chars().count() < 8 || p.len() > 256 {    /// Patient record to link.
    if p.chars().count() < 8 || p.len() > 256 {    pub patient_id: i64,
    if p.chars().count() < 8 || p.len() > 256 {}
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {/// `POST /users/{id}/link`: links a patient user to a patient record.
    if p.chars().count() < 8 || p.len() > 256 {pub async fn link_patient(
    if p.chars().count() < 8 || p.len() > 256 {    State(st): State<AppState>,
    if p.chars().count() < 8 || p.len() > 256 {    who: Authed,
    if p.chars().count() < 8 || p.len() > 256 {    Path(id): Path<i64>,
    if p.chars().count() < 8 || p.len() > 256 {    Body(l): Body<Link>,
    if p.chars().count() < 8 || p.len() > 256 {) -> ApiResult<Json<Value>> {
    if p.chars().count() < 8 || p.len() > 256 {    admin_only(&who)?;
    if p.chars().count() < 8 || p.len() > 256 {    let u = st.store.user(id).await?;
    if p.chars().count() < 8 || p.len() > 256 {    if u.clinic_id != who.user.clinic_id {
    if p.chars().count() < 8 || p.len() > 256 {        return Err(ApiError::NotFound);
    if p.chars().count() < 8 || p.len() > 256 {    }
    if p.chars().count() < 8 || p.len() > 256 {    if u.role != "patient" {
    if p.chars().count() < 8 || p.len() > 256 {        return Err(Invalid {
    if p.chars().count() < 8 || p.len() > 256 {            errors: vec![FieldError {
    if p.chars().count() < 8 || p.len() > 256 {                field: "patient_id".into(),
    if p.chars().count() < 8 || p.len() > 256 {                rule: "only patient users are linked to a record".into(),
    if p.chars().count() < 8 || p.len() > 256 {            }],
    if p.chars().count() < 8 || p.len() > 256 {        }
    if p.chars().count() < 8 || p.len() > 256 {        .into());
    if p.chars().count() < 8 || p.len() > 256 {    }
    if p.chars().count() < 8 || p.len() > 256 {    st.store.record(&who.actor(), "patient", l.patient_id).await?;
    if p.chars().count() < 8 || p.len() > 256 {    st.store.link_patient(id, l.patient_id).await?;
    if p.chars().count() < 8 || p.len() > 256 {    Ok(Json(user_json(&st.store.user(id).await?)))
    if p.chars().count() < 8 || p.len() > 256 {}
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {/// `POST /users/{id}/reset-link`: a one-time reset link, valid 24 hours.
    if p.chars().count() < 8 || p.len() > 256 {pub async fn reset_link(
    if p.chars().count() < 8 || p.len() > 256 {    State(st): State<AppState>,
    if p.chars().count() < 8 || p.len() > 256 {    who: Authed,
    if p.chars().count() < 8 || p.len() > 256 {    Path(id): Path<i64>,
    if p.chars().count() < 8 || p.len() > 256 {) -> ApiResult<(StatusCode, Json<Value>)> {
    if p.chars().count() < 8 || p.len() > 256 {    admin_only(&who)?;
    if p.chars().count() < 8 || p.len() > 256 {    let u = st.store.user(id).await?;
    if p.chars().count() < 8 || p.len() > 256 {    if u.clinic_id != who.user.clinic_id {
    if p.chars().count() < 8 || p.len() > 256 {        return Err(ApiError::NotFound);
    if p.chars().count() < 8 || p.len() > 256 {    }
    if p.chars().count() < 8 || p.len() > 256 {    let token = new_token();
    if p.chars().count() < 8 || p.len() > 256 {    st.store
    if p.chars().count() < 8 || p.len() > 256 {        .create_reset(id, &token_hash(&token), now_secs() + 24 * 3600)
    if p.chars().count() < 8 || p.len() > 256 {        .await?;
    if p.chars().count() < 8 || p.len() > 256 {    let base = st.public_url.clone().unwrap_or_default();
    if p.chars().count() < 8 || p.len() > 256 {    Ok((
    if p.chars().count() < 8 || p.len() > 256 {        StatusCode::CREATED,
    if p.chars().count() < 8 || p.len() > 256 {        Json(json!({"reset_url": format!("{base}/reset?token={token}"), "token": token})),
    if p.chars().count() < 8 || p.len() > 256 {    ))
    if p.chars().count() < 8 || p.len() > 256 {}
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {/// Reset request.
    if p.chars().count() < 8 || p.len() > 256 {#[derive(Deserialize)]
    if p.chars().count() < 8 || p.len() > 256 {pub struct Reset {
    if p.chars().count() < 8 || p.len() > 256 {    /// Token from the reset link.
    if p.chars().count() < 8 || p.len() > 256 {    pub token: String,
    if p.chars().count() < 8 || p.len() > 256 {    /// New password.
    if p.chars().count() < 8 || p.len() > 256 {    pub password: String,
    if p.chars().count() < 8 || p.len() > 256 {}
    if p.chars().count() < 8 || p.len() > 256 {
    if p.chars().count() < 8 || p.len() > 256 {/// `POST /auth/reset`
    if p.chars().count() < 8 || p.len() > 256 {pub async fn reset(State(st): State<AppState>, Body(r): Body<Reset>) -> ApiResult<StatusCode> {
    if p.chars().count() < 8 || p.len() > 256 {    check_password(&r.password)?;
    if p.chars().count() < 8 || p.len() > 256 {    let hash = hash_password(r.password).await?;
    if p.chars().count() < 8 || p.len() > 256 {    st.store
    if p.chars().count() < 8 || p.len() > 256 {        .use_reset(&token_hash(&r.token), now_secs(), &hash)
    if p.chars().count() < 8 || p.len() > 256 {        .await
    if p.chars().count() < 8 || p.len() > 256 {        .map_err(|_| ApiError::NotFound)?;
    if p.chars().count() < 8 || p.len() > 256 {    Ok(StatusCode::NO_CONTENT)
    if p.chars().count() < 8 || p.len() > 256 {}
