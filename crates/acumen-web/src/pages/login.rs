//! Logging in and out on the pages: the login form (the clinic code filled
//! in when the database holds one clinic), its answer, and logout.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::layout::{render, UserView};
use crate::auth::{clear_cookie, cookie_in, session_cookie, Authed, ClientAddr, IDLE_SECS};
use crate::error::ApiError;
use crate::security::safe_next;
use crate::service::accounts;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "pages/login.html")]
struct LoginPage {
    user: Option<UserView>,
    simulated: bool,
    error: Option<String>,
    next: String,
    clinic: String,
    email: String,
}

/// `?next=` (and `?clinic=`) of the login page.
#[derive(Deserialize)]
pub struct Next {
    /// Path to return to.
    pub next: Option<String>,
    /// The clinic's code, to fill in.
    pub clinic: Option<String>,
}

/// `GET /login`
pub async fn login_form(State(st): State<AppState>, Query(n): Query<Next>) -> Response {
    let clinic = match n.clinic {
        Some(c) => c
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .take(60)
            .collect(),
        None => accounts::sole_clinic(&st).await.ok().flatten().unwrap_or_default(),
    };
    render(&LoginPage {
        user: None,
        simulated: st.demo,
        error: None,
        next: safe_next(n.next.as_deref()),
        clinic,
        email: String::new(),
    })
}

/// The login form.
#[derive(Deserialize)]
pub struct LoginForm {
    /// The clinic's code.
    #[serde(default)]
    pub clinic: String,
    /// E-mail.
    pub email: String,
    /// Password.
    pub password: String,
    /// Where to go next.
    pub next: Option<String>,
}

/// `POST /login`
pub async fn login(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: axum::http::HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let old = cookie_in(&headers);
    match accounts::start_session(&st, &addr, Some(&f.clinic), &f.email, &f.password, old).await {
        Ok((user, token)) => {
            let cookie = session_cookie(&st, &token, IDLE_SECS);
            let dest = if crate::access::role_of(&user.role) == acumen_domain::Role::Patient {
                "/diary".to_string()
            } else {
                safe_next(f.next.as_deref())
            };
            ([(header::SET_COOKIE, cookie)], Redirect::to(&dest)).into_response()
        }
        Err(e) => {
            let (status, msg) = match e {
                ApiError::TooMany(secs) => (
                    axum::http::StatusCode::TOO_MANY_REQUESTS,
                    format!("Too many failed logins; try again in {} minute(s).", (secs + 59) / 60),
                ),
                ApiError::Unauthorized => (
                    axum::http::StatusCode::UNAUTHORIZED,
                    "Clinic code, e-mail or password is not right.".to_string(),
                ),
                other => return other.into_response(),
            };
            let page = LoginPage {
                user: None,
                simulated: st.demo,
                error: Some(msg),
                next: safe_next(f.next.as_deref()),
                clinic: f.clinic,
                email: f.email,
            };
            (status, render(&page)).into_response()
        }
    }
}

/// `POST /logout`
pub async fn logout(State(st): State<AppState>, who: Option<Authed>, headers: axum::http::HeaderMap) -> Response {
    if let Some(who) = who {
        let _ = accounts::end_session(&st, &who, cookie_in(&headers)).await;
    }
    ([(header::SET_COOKIE, clear_cookie())], Redirect::to("/login")).into_response()
}
