//! Authentication: argon2id passwords (hashed off the async executor),
//! session cookies and Bearer API tokens (random 256-bit values stored as
//! SHA-256 hashes), the 30-minute sliding idle expiry and the 12-hour
//! absolute lifetime. (The origin rule for cookie writes is in `security`.)

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use rand08::RngCore;
use sha2::{Digest, Sha256};

use acumen_store::{Actor, User};

use crate::error::ApiError;
use crate::state::AppState;

/// Name of the session cookie.
pub const COOKIE: &str = "acumen_session";
/// Sessions end after this many idle seconds (the browser's cookie is
/// renewed on every authenticated answer, so an active user stays in).
pub const IDLE_SECS: i64 = 30 * 60;
/// Sessions end this many seconds after login, however active.
pub const MAX_AGE_SECS: i64 = 12 * 3600;

/// Where the session extractor leaves the token and the cookie's new
/// lifetime, for the outer middleware to renew the cookie on the answer.
#[derive(Clone, Default)]
pub struct Renew(pub std::sync::Arc<std::sync::Mutex<Option<(String, i64)>>>);

impl Renew {
    /// Takes what the extractor left.
    pub fn take(&self) -> Option<(String, i64)> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// A random 256-bit token, hex-encoded.
pub fn new_token() -> String {
    let mut b = [0u8; 32];
    rand08::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// SHA-256 of a token, hex-encoded (what the database keeps).
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Seconds since the epoch.
pub fn now_secs() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Hashes a password with argon2id on a blocking thread.
pub async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || acumen_store::password::hash(&password))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Checks a password against a stored hash on a blocking thread.
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || acumen_store::password::verify(&password, &hash))
        .await
        .unwrap_or(false)
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Authed {
    /// The user.
    pub user: User,
    /// Whether they authenticated with the session cookie (CSRF applies).
    pub via_cookie: bool,
}

impl Authed {
    /// The actor for the store.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.user.id,
            role: self.user.role.clone(),
            clinic_id: self.user.clinic_id,
        }
    }
}

/// The session token from the Cookie header.
pub fn cookie_token(parts: &Parts) -> Option<String> {
    cookie_in(&parts.headers)
}

/// The session token in these headers.
pub fn cookie_in(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.split(';')
                .map(str::trim)
                .find_map(|kv| kv.strip_prefix(&format!("{COOKIE}=")).map(str::to_string))
        })
}

/// An optional caller: no credentials, or credentials that no longer hold,
/// read as an anonymous visitor (for public pages).
impl axum::extract::OptionalFromRequestParts<AppState> for Authed {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        Ok(<Authed as FromRequestParts<AppState>>::from_request_parts(parts, state)
            .await
            .ok())
    }
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(auth) = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
            let token = auth.strip_prefix("Bearer ").ok_or(ApiError::Unauthorized)?;
            let user = state
                .store
                .token_user(&token_hash(token.trim()))
                .await
                .map_err(|_| ApiError::Unauthorized)?;
            let who = Authed {
                user,
                via_cookie: false,
            };
            parts.extensions.insert(who.clone());
            return Ok(who);
        }
        let token = cookie_token(parts).ok_or(ApiError::Unauthorized)?;
        let now = now_secs();
        let (user, started) = state
            .store
            .session_user(&token_hash(&token), now, IDLE_SECS, MAX_AGE_SECS)
            .await
            .map_err(|_| ApiError::Unauthorized)?;
        if let Some(r) = parts.extensions.get::<Renew>() {
            let left = (started + MAX_AGE_SECS - now).clamp(0, IDLE_SECS);
            *r.0.lock().unwrap_or_else(|p| p.into_inner()) = Some((token, left));
        }
        let who = Authed { user, via_cookie: true };
        parts.extensions.insert(who.clone());
        Ok(who)
    }
}

/// The session cookie for `token`, living `max_age` seconds (Secure behind an https public URL).
pub fn session_cookie(st: &crate::state::AppState, token: &str, max_age: i64) -> String {
    let secure = if st.public_url.as_deref().is_some_and(|u| u.starts_with("https://")) {
        "; Secure"
    } else {
        ""
    };
    format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}")
}

/// The cookie that ends the session in the browser.
pub fn clear_cookie() -> String {
    format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}

/// The client's IP address (what the per-address login limit counts).
pub struct ClientAddr(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let addr = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map_or("unknown".into(), |c| c.0.ip().to_string());
        Ok(ClientAddr(addr))
    }
}
