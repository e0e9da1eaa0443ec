//! A portal patient answers what the clinic asks now (`/diary/asked/{n}`):
//! the measures of the timepoint a follow-up link would ask, on the same
//! tap scales; saved, they complete the timepoint and close its link.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use time::OffsetDateTime;

use super::diary::{scales, ScaleView, DIARY};
use super::layout::{error_page, render, to_login, UserView};
use crate::auth::Authed;
use crate::error::ApiError;
use crate::service::portal::{answer, answers_of, asked, Asked};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "pages/diary_asked.html")]
struct AskedPage {
    user: Option<UserView>,
    simulated: bool,
    n: usize,
    key: String,
    when: String,
    message: Option<String>,
    scales: Vec<ScaleView>,
}

fn patient(who: Option<Authed>, n: usize) -> Result<Authed, Response> {
    match who {
        None => Err(to_login(&format!("/diary/asked/{n}"))),
        Some(w) if w.role() != acumen_domain::Role::Patient => Err(error_page(ApiError::Forbidden(
            "only the patient answers their own measures".into(),
        ))),
        Some(w) => Ok(w),
    }
}

fn show(
    st: &AppState,
    who: &Authed,
    n: usize,
    a: &Asked,
    message: Option<String>,
    chosen: &HashMap<String, String>,
) -> Response {
    let pgic = matches!(a.timepoint, acumen_domain::followup::Timepoint::FollowUp { .. });
    render(&AskedPage {
        user: Some(UserView::of(who)),
        simulated: st.demo,
        n,
        key: a.timepoint.key(),
        when: a.timepoint.words(),
        message,
        scales: scales(chosen)
            .into_iter()
            .filter(|s| pgic || s.name != "pgic")
            .collect(),
    })
}

/// `GET /diary/asked/{n}`
pub async fn form(State(st): State<AppState>, who: Option<Authed>, Path(n): Path<usize>) -> Response {
    let who = match patient(who, n) {
        Ok(w) => w,
        Err(r) => return r,
    };
    match asked(&st, &who, OffsetDateTime::now_utc()).await {
        Ok(open) => match open.get(n) {
            Some(a) => show(&st, &who, n, a, None, &HashMap::new()),
            None => Redirect::to("/diary").into_response(),
        },
        Err(e) => error_page(e),
    }
}

/// `POST /diary/asked/{n}`
pub async fn submit(
    State(st): State<AppState>,
    who: Option<Authed>,
    Path(n): Path<usize>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let who = match patient(who, n) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let now = OffsetDateTime::now_utc();
    let open = match asked(&st, &who, now).await {
        Ok(o) => o,
        Err(e) => return error_page(e),
    };
    let key = f.get("timepoint").cloned().unwrap_or_default();
    let Some(a) = open.get(n).filter(|a| a.timepoint.key() == key) else {
        return error_page(ApiError::Closed(
            "This question is no longer open: it was answered, or its time has passed.".into(),
        ));
    };
    let labels: Vec<(String, String)> = DIARY.iter().map(|d| (d.0.to_string(), d.1.to_string())).collect();
    let (inputs, errors) = answers_of(a.timepoint, &f, &labels, a.today);
    if !errors.is_empty() {
        return (
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            show(&st, &who, n, a, Some(errors.join(" ")), &f),
        )
            .into_response();
    }
    match answer(&st, &who, n, &key, inputs, now).await {
        Ok(k) => Redirect::to(&format!("/diary?saved={k}")).into_response(),
        Err(e) => error_page(e),
    }
}
