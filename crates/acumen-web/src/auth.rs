//! Authentication: argon2id passwords (hashed off the async executor),
//! session cookies and Bearer API tokens (random 256-bit values stored as
//! SHA-256 hashes), the 30-minute idle expiry, and the cross-origin check
//! for cookie-authenticated writes.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Method};
use rand08::RngCore;
use sha2::{Digest, Sha256};

use acumen_store::{Actor, User};

use crate::error::ApiError;
use crate::AppState;

/// Name of the session cookie.
pub const COOKIE: &str = "acumen_session";
/// Sessions end after this many idle seconds.
pub const IDLE_SECS: i64 = 30 * 60;

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
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Checks a password against a stored hash on a blocking thread.
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
            .unwrap_or(false)
    })
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

    /// Whether the caller may see and treat the clinic's patients.
    pub fn is_staff(&self) -> bool {
        self.user.role == "admin" || self.user.role == "practitioner"
    }
}

/// The session token from the Cookie header.
pub fn cookie_token(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.split(';')
                .map(str::trim)
                .find_map(|kv| kv.strip_prefix(&format!("{COOKIE}=")).map(str::to_string))
        })
}

fn cross_origin(parts: &Parts, state: &AppState) -> bool {
    if let Some(site) = parts.headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if site != "same-origin" && site != "none" {
            return true;
        }
    }
    if let Some(origin) = parts.headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let expected = match &state.public_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => {
                let host = parts
                    .headers
                    .get(header::HOST)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                format!("http://{host}")
            }
        };
        let https_same = expected.replacen("http://", "https://", 1);
        return origin != expected && origin != https_same;
    }
    false
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
            return Ok(Authed {
                user,
                via_cookie: false,
            });
        }
        let token = cookie_token(parts).ok_or(ApiError::Unauthorized)?;
        let user = state
            .store
            .session_user(&token_hash(&token), now_secs(), IDLE_SECS)
            .await
            .map_err(|_| ApiError::Unauthorized)?;
        let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if unsafe_method && cross_origin(parts, state) {
            return Err(ApiError::Forbidden("cross-origin request refused".into()));
        }
        Ok(Authed { user, via_cookie: true })
    }
}
