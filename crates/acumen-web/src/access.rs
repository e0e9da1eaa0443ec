//! Who may do what, in one place: the caller's role as
//! [`acumen_domain::Role`] (never compared as text), and the guards every
//! handler and page uses — staff only, admins only, and the record
//! visibility rules (another clinic's record, or another patient's, is
//! "not found"; researchers get aggregates only), and the public ids at the
//! edge: URLs and JSON name records, users and tokens by random
//! 32-hex-digit ids, and [`Pid`] resolves a record's id from the path within
//! the caller's clinic (an id of another clinic, one that does not exist and
//! one that is not an id at all are the same "not found").

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;

use acumen_domain::Role;
use acumen_store::Record;

use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The role a stored role name stands for (the store's CHECK constraint
/// allows only the four; anything else is treated as the least trusted).
pub fn role_of(name: &str) -> Role {
    match name {
        "admin" => Role::Admin,
        "practitioner" => Role::Practitioner,
        "researcher" => Role::Researcher,
        _ => Role::Patient,
    }
}

/// The stored name of a role.
pub fn role_name(r: Role) -> &'static str {
    match r {
        Role::Admin => "admin",
        Role::Practitioner => "practitioner",
        Role::Patient => "patient",
        Role::Researcher => "researcher",
    }
}

impl Authed {
    /// The caller's role.
    pub fn role(&self) -> Role {
        role_of(&self.user.role)
    }

    /// Whether the caller may see and treat the clinic's patients.
    pub fn is_staff(&self) -> bool {
        matches!(self.role(), Role::Admin | Role::Practitioner)
    }
}

fn researchers_refused() -> ApiError {
    ApiError::Forbidden("researchers receive de-identified aggregates only".into())
}

/// Clinic staff (admins and practitioners) only.
pub fn staff_only(who: &Authed) -> ApiResult<()> {
    match who.role() {
        Role::Admin | Role::Practitioner => Ok(()),
        Role::Researcher => Err(researchers_refused()),
        Role::Patient => Err(ApiError::Forbidden("only clinic staff may do this".into())),
    }
}

/// Admins only; `what` says what is refused ("only admins read the audit log").
pub fn admin_only(who: &Authed, what: &str) -> ApiResult<()> {
    if who.role() == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::Forbidden(what.into()))
    }
}

/// The patient record, if the caller may see it.
pub async fn visible_patient(st: &AppState, who: &Authed, id: i64) -> ApiResult<Record> {
    match who.role() {
        Role::Researcher => return Err(researchers_refused()),
        Role::Patient if who.user.patient_id != Some(id) => return Err(ApiError::NotFound),
        _ => {}
    }
    Ok(st.store.record(&who.actor(), "patient", id).await?)
}

/// A non-patient record, if the caller may see its patient.
pub async fn visible(st: &AppState, who: &Authed, kind: &str, id: i64) -> ApiResult<Record> {
    if who.role() == Role::Researcher {
        return Err(researchers_refused());
    }
    let r = st.store.record(&who.actor(), kind, id).await?;
    if who.role() == Role::Patient && who.user.patient_id != r.patient_id {
        return Err(ApiError::NotFound);
    }
    Ok(r)
}

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
