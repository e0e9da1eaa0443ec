//! Login, logout, password resets, API tokens and user management.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use acumen_domain::{FieldError, Invalid, Role};
use acumen_store::{LoginGate, NewUser};

use crate::auth::{
    cookie_in, cookie_token, hash_password, new_token, now_secs, token_hash, verify_password, Authed, COOKIE, IDLE_SECS,
};
use crate::body::Body;
use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// Failed logins allowed per account in the window (the 6th answers 429).
pub const MAX_FAILURES: i64 = 5;
/// Failed logins allowed per address in the window: higher, so that one
/// mistyping user behind a clinic's shared address does not lock out the rest.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
/// The rate-limit window.
pub const WINDOW_SECS: i64 = 15 * 60;

/// Login request.
#[derive(Deserialize)]
pub struct Login {
    /// The clinic's code (may be left out where the database holds one clinic).
    pub clinic: Option<String>,
    /// E-mail.
    pub email: String,
    /// Password.
    pub password: String,
}

fn user_json(u: &acumen_store::User) -> Value {
    json!({"id": u.public_id, "email": u.email, "name": u.name, "role": u.role, "patient_id": u.patient_public_id})
}

/// The client's IP address ("unknown" when served without connect info).
pub struct ClientAddr(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or("unknown".into(), |c| c.0.ip().to_string());
        Ok(ClientAddr(addr))
    }
}

/// `POST /auth/login`
pub async fn login(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    Body(l): Body<Login>,
) -> ApiResult<Response> {
    let old = cookie_in(&headers);
    let (user, cookie) = start_session(&st, &addr, l.clinic.as_deref(), &l.email, &l.password, old).await?;
    Ok(([(header::SET_COOKIE, cookie)], Json(json!({"user": user_json(&user)}))).into_response())
}

/// Checks a password (with the per-account and per-address limits), opens a
/// session and returns the user with the `Set-Cookie` value. Shared by the
/// JSON login and the login page. The session the browser held before
/// (`old`), if any, ends: a login always gets a new session id.
pub async fn start_session(
    st: &AppState,
    addr: &str,
    clinic: Option<&str>,
    email: &str,
    password: &str,
    old: Option<String>,
) -> ApiResult<(acumen_store::User, String)> {
    // A control character in a login field is a failure like any other
    // (it is never part of a code or an address).
    if [clinic.unwrap_or(""), email]
        .iter()
        .any(|t| t.chars().any(char::is_control))
    {
        tracing::info!("login failed");
        return Err(ApiError::Unauthorized);
    }
    let clinic = match clinic.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => code.to_lowercase(),
        None => sole_clinic(st).await?.unwrap_or_default(),
    };
    let now = now_secs();
    // Counted before the hash is checked: parallel attempts cannot all pass
    // a count read before any of them failed.
    let gate = st
        .store
        .reserve_login(
            &format!("{clinic}/{}", email.trim()),
            &addr,
            now,
            WINDOW_SECS,
            MAX_FAILURES,
            MAX_FAILURES_PER_ADDRESS,
            &new_token(),
        )
        .await?;
    let attempt = match gate {
        LoginGate::Counted(a) => a,
        LoginGate::Locked { until } => {
            tracing::info!("login refused: too many attempts");
            return Err(ApiError::TooMany((until - now).max(1)));
        }
    };
    // Every failure (no such clinic, no such account, wrong password) takes
    // the same path and gets the same answer.
    let user = match st.store.clinic_by_code(&clinic).await {
        Ok(c) => st.store.user_by_email(c.id, email).await.ok().filter(|u| u.active),
        Err(_) => None,
    };
    // Verify against a dummy hash when the account does not exist, so timing does not tell.
    let hash = user
        .as_ref()
        .map_or_else(|| st.dummy_hash.clone(), |u| u.password_hash.clone());
    let ok = verify_password(password.to_string(), hash).await && user.is_some();
    let Some(user) = user.filter(|_| ok) else {
        tracing::info!("login failed");
        return Err(ApiError::Unauthorized);
    };
    st.store.login_succeeded(&attempt).await?;
    if let Some(old) = old {
        st.store.delete_session(&token_hash(&old)).await?;
    }
    let token = new_token();
    st.store.create_session(&token_hash(&token), user.id, now).await?;
    let actor = acumen_store::Actor {
        user_id: user.id,
        role: user.role.clone(),
        clinic_id: user.clinic_id,
    };
    st.store.audit(Some(&actor), "login", None, None).await?;
    Ok((user, session_cookie(st, &token, IDLE_SECS)))
}

/// The code of the database's only clinic (login may leave it out then).
pub async fn sole_clinic(st: &AppState) -> ApiResult<Option<String>> {
    Ok(st.store.sole_clinic_code().await?)
}

/// The `Set-Cookie` value of a session token that lives `max_age` more
/// seconds in the browser (renewed on every authenticated answer).
pub fn session_cookie(st: &AppState, token: &str, max_age: i64) -> String {
    let secure = if st.public_url.as_deref().is_some_and(|u| u.starts_with("https://")) {
        "; Secure"
    } else {
        ""
    };
    format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}")
}

/// `POST /auth/logout`
pub async fn logout(State(st): State<AppState>, who: Authed, headers: HeaderMap) -> ApiResult<Response> {
    let mut parts = axum::http::Request::new(()).into_parts().0;
    parts.headers = headers;
    if let Some(t) = cookie_token(&parts) {
        st.store.delete_session(&token_hash(&t)).await?;
    }
    st.store.audit(Some(&who.actor()), "logout", None, None).await?;
    Ok(([(header::SET_COOKIE, clear_cookie())], StatusCode::NO_CONTENT).into_response())
}

/// The `Set-Cookie` value that ends the session in the browser.
pub fn clear_cookie() -> String {
    format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}

/// `GET /me`
pub async fn me(who: Authed) -> Json<Value> {
    Json(user_json(&who.user))
}

/// New API token.
#[derive(Deserialize)]
pub struct NewToken {
    /// A name to recognise it by.
    pub name: String,
}

/// `POST /tokens`: the token is shown once; only its hash is kept.
pub async fn create_token(
    State(st): State<AppState>,
    who: Authed,
    Body(t): Body<NewToken>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let name = t.name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(Invalid {
            errors: vec![FieldError {
                field: "name".into(),
                rule: "must be 1 to 100 characters".into(),
            }],
        }
        .into());
    }
    let token = new_token();
    let id = st.store.create_token(who.user.id, &token_hash(&token), name).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": id, "name": name, "token": token})),
    ))
}

/// `DELETE /tokens/{id}`
pub async fn revoke_token(State(st): State<AppState>, who: Authed, Path(id): Path<String>) -> ApiResult<StatusCode> {
    if !crate::ids::is_public_id(&id) {
        return Err(ApiError::NotFound);
    }
    st.store.revoke_token(who.user.id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// New user (admins).
#[derive(Deserialize)]
pub struct CreateUser {
    /// E-mail (login).
    pub email: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Initial password (at least 8 characters, as NIST SP 800-63B).
    pub password: String,
    /// For patient users: their patient record (its public id).
    pub patient_id: Option<String>,
}

/// Password rule.
pub fn check_password(p: &str) -> ApiResult<()> {
    if p.chars().count() < 8 || p.len() > 256 {
        return Err(Invalid {
            errors: vec![FieldError {
                field: "password".into(),
                rule: "must be 8 to 256 characters".into(),
            }],
        }
        .into());
    }
    Ok(())
}

/// `GET /users`
pub async fn list_users(State(st): State<AppState>, who: Authed) -> ApiResult<Json<Value>> {
    crate::access::admin_only(&who, "only admins manage users")?;
    Ok(Json(Value::Array(
        st.store
            .users(who.user.clinic_id)
            .await?
            .iter()
            .map(user_json)
            .collect(),
    )))
}

/// `POST /users`
pub async fn create_user(
    State(st): State<AppState>,
    who: Authed,
    Body(u): Body<CreateUser>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    crate::access::admin_only(&who, "only admins manage users")?;
    let email_ok = u
        .email
        .split_once('@')
        .is_some_and(|(a, b)| !a.is_empty() && b.contains('.'));
    if !email_ok {
        return Err(Invalid {
            errors: vec![FieldError {
                field: "email".into(),
                rule: "must be an e-mail address".into(),
            }],
        }
        .into());
    }
    check_password(&u.password)?;
    let patient_id = match &u.patient_id {
        Some(public) => Some(patient_key(&st, &who, public).await?),
        None => None,
    };
    let hash = hash_password(u.password).await?;
    let user = st
        .store
        .create_user(NewUser {
            clinic_id: who.user.clinic_id,
            email: u.email,
            name: u.name,
            role: crate::access::role_name(u.role).into(),
            password_hash: hash,
            patient_id,
        })
        .await?;
    st.store
        .audit(Some(&who.actor()), "create_user", None, Some(user.id))
        .await?;
    Ok((StatusCode::CREATED, Json(user_json(&user))))
}

/// Link request.
#[derive(Deserialize)]
pub struct Link {
    /// Patient record to link (its public id).
    pub patient_id: String,
}

/// The internal key of a patient record of the caller's clinic, named by
/// its public id (404 otherwise, as for any record the caller cannot see).
async fn patient_key(st: &AppState, who: &Authed, public: &str) -> ApiResult<i64> {
    let key = crate::ids::record_key(st, who, public).await;
    st.store.record(&who.actor(), "patient", key).await?;
    Ok(key)
}

/// A user of the caller's clinic by public id (404 otherwise).
async fn clinic_user(st: &AppState, who: &Authed, public: &str) -> ApiResult<acumen_store::User> {
    if !crate::ids::is_public_id(public) {
        return Err(ApiError::NotFound);
    }
    st.store
        .user_by_public_id(who.user.clinic_id, public)
        .await
        .map_err(|_| ApiError::NotFound)
}

/// `POST /users/{id}/link`: links a patient user to a patient record.
pub async fn link_patient(
    State(st): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
    Body(l): Body<Link>,
) -> ApiResult<Json<Value>> {
    crate::access::admin_only(&who, "only admins manage users")?;
    let u = clinic_user(&st, &who, &id).await?;
    let id = u.id;
    if crate::access::role_of(&u.role) != acumen_domain::Role::Patient {
        return Err(Invalid {
            errors: vec![FieldError {
                field: "patient_id".into(),
                rule: "only patient users are linked to a record".into(),
            }],
        }
        .into());
    }
    let patient = patient_key(&st, &who, &l.patient_id).await?;
    st.store.link_patient(id, patient).await?;
    Ok(Json(user_json(&st.store.user(id).await?)))
}

/// `POST /users/{id}/reset-link`: a one-time reset link, valid 24 hours.
pub async fn reset_link(
    State(st): State<AppState>,
    who: Authed,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    crate::access::admin_only(&who, "only admins manage users")?;
    let id = clinic_user(&st, &who, &id).await?.id;
    let token = new_token();
    st.store
        .create_reset(id, &token_hash(&token), now_secs() + 24 * 3600)
        .await?;
    let base = st.public_url.clone().unwrap_or_default();
    Ok((
        StatusCode::CREATED,
        Json(json!({"reset_url": format!("{base}/reset?token={token}"), "token": token})),
    ))
}

/// Reset request.
#[derive(Deserialize)]
pub struct Reset {
    /// Token from the reset link.
    pub token: String,
    /// New password.
    pub password: String,
}

/// `POST /auth/reset`
pub async fn reset(State(st): State<AppState>, Body(r): Body<Reset>) -> ApiResult<StatusCode> {
    check_password(&r.password)?;
    let hash = hash_password(r.password).await?;
    st.store
        .use_reset(&token_hash(&r.token), now_secs(), &hash)
        .await
        .map_err(|_| ApiError::NotFound)?;
    Ok(StatusCode::NO_CONTENT)
}
