//! Public ids at the edge: URLs and JSON name records, users and tokens by
//! random 32-hex-digit ids; handlers work with the store's internal keys.
//! [`Pid`] reads a record's public id from the path and resolves it within
//! the caller's clinic: an id of another clinic, one that does not exist and
//! one that is not an id at all are the same "not found".

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;

use crate::auth::Authed;
use crate::AppState;

/// A record's internal key and public id, from the public id in the path
/// (key `-1`, which no record has, when it names no record of the caller's
/// clinic).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pid(pub i64, pub String);

/// The key no record has.
pub const NO_RECORD: i64 = -1;

impl FromRequestParts<AppState> for Pid {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let Ok(Path(public)) = Path::<String>::from_request_parts(parts, st).await else {
            return Ok(Pid(NO_RECORD, String::new()));
        };
        let who = match parts.extensions.get::<Authed>() {
            Some(a) => a.clone(),
            None => match <Authed as FromRequestParts<AppState>>::from_request_parts(parts, st).await {
                Ok(a) => a,
                // Kept for the login page's `next=`: the page asks to log in first.
                Err(_) if is_public_id(&public) => return Ok(Pid(NO_RECORD, public)),
                Err(_) => return Ok(Pid(NO_RECORD, String::new())),
            },
        };
        if !is_public_id(&public) {
            return Ok(Pid(NO_RECORD, String::new()));
        }
        Ok(Pid(record_key(st, &who, &public).await, public))
    }
}

pub use acumen_domain::valid::is_public_id;

/// The internal key of the caller's clinic's record named `public`, or
/// [`NO_RECORD`] when it names none (or is not an id at all).
pub async fn record_key(st: &AppState, who: &Authed, public: &str) -> i64 {
    if !is_public_id(public) {
        return NO_RECORD;
    }
    st.store.record_key(&who.actor(), public).await.unwrap_or(NO_RECORD)
}
