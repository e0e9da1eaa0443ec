//! Accounts as use cases: starting and ending a login session (with the
//! login limits), API tokens, password resets, and the admins' user
//! management. Passwords are hashed and checked off the executor
//! (`crate::auth`); every login failure takes the same path and answer.

use serde::Deserialize;

use acumen_domain::{FieldError, Invalid, Role};
use acumen_store::{LoginGate, NewUser, User};

use crate::access::{admin_only, role_name, role_of};
use crate::auth::{hash_password, new_token, now_secs, token_hash, verify_password, Authed};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Failed logins per account (clinic code and e-mail) within the window before it is locked.
pub const MAX_FAILURES: i64 = 5;
/// Failed logins per client address within the window before it is locked.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
/// The window of the login limits, in seconds.
pub const WINDOW_SECS: i64 = 15 * 60;

/// A new user, as an admin gives it.
#[derive(Deserialize)]
pub struct CreateUser {
    /// E-mail address (the login name within the clinic).
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Initial password.
    pub password: String,
    /// The patient record a patient user is linked to (public id).
    pub patient_id: Option<String>,
}

/// The code of the database's clinic when it holds exactly one.
pub async fn sole_clinic(st: &AppState) -> ApiResult<Option<String>> {
    Ok(st.store.sole_clinic_code().await?)
}

/// Logs in: checks the login limits, then the password; returns the user
/// and the new session's token (the session `old` had is ended).
pub async fn start_session(
    st: &AppState,
    addr: &str,
    clinic: Option<&str>,
    email: &str,
    password: &str,
    old: Option<String>,
) -> ApiResult<(User, String)> {
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
            addr,
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
    Ok((user, token))
}

/// Logs out: ends the session `token` (if the caller came with one).
pub async fn end_session(st: &AppState, who: &Authed, token: Option<String>) -> ApiResult<()> {
    if let Some(t) = token {
        st.store.delete_session(&token_hash(&t)).await?;
    }
    st.store.audit(Some(&who.actor()), "logout", None, None).await?;
    Ok(())
}

fn refused(field: &str, rule: &str) -> ApiError {
    Invalid {
        errors: vec![FieldError {
            field: field.into(),
            rule: rule.into(),
        }],
    }
    .into()
}

/// Issues an API token for the caller; returns its public id and the token (shown once).
pub async fn create_token(st: &AppState, who: &Authed, name: &str) -> ApiResult<(String, String)> {
    let name = name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(refused("name", "must be 1 to 100 characters"));
    }
    let token = new_token();
    let id = st.store.create_token(who.user.id, &token_hash(&token), name).await?;
    Ok((id, token))
}

/// Revokes one of the caller's tokens.
pub async fn revoke_token(st: &AppState, who: &Authed, id: &str) -> ApiResult<()> {
    if !crate::access::is_public_id(id) {
        return Err(ApiError::NotFound);
    }
    Ok(st.store.revoke_token(who.user.id, id).await?)
}

/// The rule every new password meets.
pub fn check_password(p: &str) -> ApiResult<()> {
    if p.chars().count() < 8 || p.len() > 256 {
        return Err(refused("password", "must be 8 to 256 characters"));
    }
    Ok(())
}

/// The clinic's users (admins).
pub async fn users(st: &AppState, who: &Authed) -> ApiResult<Vec<User>> {
    admin_only(who, "only admins manage users")?;
    Ok(st.store.users(who.user.clinic_id).await?)
}

/// Creates a user of the admin's clinic.
pub async fn create_user(st: &AppState, who: &Authed, u: CreateUser) -> ApiResult<User> {
    admin_only(who, "only admins manage users")?;
    let email_ok = u
        .email
        .split_once('@')
        .is_some_and(|(a, b)| !a.is_empty() && b.contains('.'));
    if !email_ok {
        return Err(refused("email", "must be an e-mail address"));
    }
    check_password(&u.password)?;
    let patient_id = match &u.patient_id {
        Some(public) => Some(patient_key(st, who, public).await?),
        None => None,
    };
    let hash = hash_password(u.password).await?;
    let user = st
        .store
        .create_user(NewUser {
            clinic_id: who.user.clinic_id,
            email: u.email,
            name: u.name,
            role: role_name(u.role).into(),
            password_hash: hash,
            patient_id,
        })
        .await?;
    st.store
        .audit(Some(&who.actor()), "create_user", None, Some(user.id))
        .await?;
    Ok(user)
}

async fn patient_key(st: &AppState, who: &Authed, public: &str) -> ApiResult<i64> {
    let key = crate::access::record_key(st, who, public).await;
    st.store.record(&who.actor(), "patient", key).await?;
    Ok(key)
}

async fn clinic_user(st: &AppState, who: &Authed, public: &str) -> ApiResult<User> {
    if !crate::access::is_public_id(public) {
        return Err(ApiError::NotFound);
    }
    st.store
        .user_by_public_id(who.user.clinic_id, public)
        .await
        .map_err(|_| ApiError::NotFound)
}

/// Links a patient user to a patient record (admins).
pub async fn link_patient(st: &AppState, who: &Authed, user: &str, patient: &str) -> ApiResult<User> {
    admin_only(who, "only admins manage users")?;
    let u = clinic_user(st, who, user).await?;
    if role_of(&u.role) != Role::Patient {
        return Err(refused("patient_id", "only patient users are linked to a record"));
    }
    let patient = patient_key(st, who, patient).await?;
    st.store.link_patient(u.id, patient).await?;
    Ok(st.store.user(u.id).await?)
}

/// A one-time password-reset token for a user of the clinic (admins), valid 24 hours.
pub async fn reset_token(st: &AppState, who: &Authed, user: &str) -> ApiResult<String> {
    admin_only(who, "only admins manage users")?;
    let id = clinic_user(st, who, user).await?.id;
    let token = new_token();
    st.store
        .create_reset(id, &token_hash(&token), now_secs() + 24 * 3600)
        .await?;
    Ok(token)
}

/// Sets a new password with a reset token (once, before it expires).
pub async fn use_reset(st: &AppState, token: &str, password: String) -> ApiResult<()> {
    check_password(&password)?;
    let hash = hash_password(password).await?;
    st.store
        .use_reset(&token_hash(token), now_secs(), &hash)
        .await
        .map_err(|_| ApiError::NotFound)?;
    Ok(())
}
