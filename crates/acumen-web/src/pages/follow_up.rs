//! The pages a follow-up link opens on a patient's phone, with no account:
//! the date-of-birth check (nothing about the patient shows before it; five
//! wrong answers lock the link), the measures the timepoint asks, declining,
//! and stopping every message. Each answer is checked before any is written.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use time::OffsetDateTime;

use acumen_domain::outreach::State as Due;

use super::diary::{scales, ScaleView};
use super::layout::{error_page, render, UserView};
use crate::error::ApiError;
use crate::service::follow_up::{check_birth, decline, open_link, opt_out, record_answers, LOCK_AT};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "pages/follow_up.html")]
struct LinkPage {
    user: Option<UserView>,
    simulated: bool,
    title: String,
    message: Option<String>,
    ok: bool,
    /// `birth`, `answers`, `stop` or `done`.
    step: &'static str,
    token: String,
    birth: String,
    scales: Vec<ScaleView>,
}

fn page(st: &AppState, token: &str, step: &'static str, title: &str, message: Option<String>, ok: bool) -> LinkPage {
    LinkPage {
        user: None,
        simulated: st.demo,
        title: title.into(),
        message,
        ok,
        step,
        token: token.into(),
        birth: String::new(),
        scales: vec![],
    }
}

/// The page of a link that no longer opens (said the same way for a link
/// that never existed, so nothing is learnt by guessing).
fn closed(st: &AppState, token: &str, state: Due) -> Response {
    let why = match state {
        Due::Completed => "Thank you: your answers for this link are already in.",
        Due::Declined => "This link is closed. If you want to answer, ask your clinic for a new one.",
        _ => "This link has expired. Your clinic will ask again at your next visit.",
    };
    render(&page(st, token, "done", "Follow-up", Some(why.into()), true))
}

fn not_found(st: &AppState) -> Response {
    use axum::response::IntoResponse;
    let html = render(&page(
        st,
        "",
        "done",
        "Follow-up",
        Some("This link does not open. Check that it was copied in full, or ask your clinic.".into()),
        false,
    ));
    (axum::http::StatusCode::NOT_FOUND, html).into_response()
}

/// The open link of a token, or the page to answer instead (closed, unknown, an error).
async fn open_or_page(
    st: &AppState,
    token: &str,
    now: OffsetDateTime,
) -> Result<(acumen_domain::outreach::ClinicZone, acumen_store::FollowUpLink), Response> {
    match open_link(st, token, now).await {
        Ok((zone, link, Due::Due)) => Ok((zone, link)),
        Ok((_, _, state)) => Err(closed(st, token, state)),
        Err(ApiError::NotFound) => Err(not_found(st)),
        Err(e) => Err(error_page(e)),
    }
}

/// `GET /f/{token}`
pub async fn open(State(st): State<AppState>, Path(token): Path<String>) -> Response {
    match open_link(&st, &token, OffsetDateTime::now_utc()).await {
        Ok((_, _, Due::Due)) => render(&page(
            &st,
            &token,
            "birth",
            "A short question about your pain",
            None,
            true,
        )),
        Ok((_, _, state)) => closed(&st, &token, state),
        Err(ApiError::NotFound) => not_found(&st),
        Err(e) => error_page(e),
    }
}

/// `POST /f/{token}`: the date of birth; the measures when it matches.
pub async fn birth(
    State(st): State<AppState>,
    Path(token): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let answer = f.get("date_of_birth").cloned().unwrap_or_default();
    let link = match open_or_page(&st, &token, OffsetDateTime::now_utc()).await {
        Ok((_, link)) => link,
        Err(page) => return page,
    };
    match check_birth(&st, &link, &answer).await {
        Ok((true, link)) => answers_page(&st, &token, &link.timepoint, &answer, None, &HashMap::new()),
        Ok((false, after)) if after.state == "locked" => closed(&st, &token, Due::Declined),
        Ok((false, after)) => {
            let left = LOCK_AT - after.failures;
            let msg = format!(
                "That date of birth does not match our records. {left} more {} before this link closes.",
                if left == 1 { "try" } else { "tries" }
            );
            render(&page(
                &st,
                &token,
                "birth",
                "A short question about your pain",
                Some(msg),
                false,
            ))
        }
        Err(e) => error_page(e),
    }
}

/// The measures a timepoint asks (PGIC only where it is asked).
fn answers_page(
    st: &AppState,
    token: &str,
    timepoint: &str,
    birth: &str,
    message: Option<String>,
    chosen: &HashMap<String, String>,
) -> Response {
    let tp = acumen_domain::followup::Timepoint::of_key(timepoint);
    let asks_pgic = matches!(tp, Some(acumen_domain::followup::Timepoint::FollowUp { .. }));
    let mut p = page(st, token, "answers", "How are you now?", message, false);
    p.birth = birth.to_string();
    p.scales = scales(chosen)
        .into_iter()
        .filter(|s| asks_pgic || s.name != "pgic")
        .collect();
    render(&p)
}

/// `POST /f/{token}/answers`
pub async fn answers(
    State(st): State<AppState>,
    Path(token): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let now = OffsetDateTime::now_utc();
    let (zone, link) = match open_or_page(&st, &token, now).await {
        Ok(open) => open,
        Err(page) => return page,
    };
    let birth = f.get("date_of_birth").cloned().unwrap_or_default();
    match check_birth(&st, &link, &birth).await {
        Ok((true, _)) => {}
        Ok((false, _)) => {
            return render(&page(
                &st,
                &token,
                "birth",
                "A short question about your pain",
                None,
                true,
            ))
        }
        Err(e) => return error_page(e),
    }
    let Some(tp) = acumen_domain::followup::Timepoint::of_key(&link.timepoint) else {
        return error_page(ApiError::Internal(format!(
            "a link's timepoint {:?} is not known",
            link.timepoint
        )));
    };
    let labels: Vec<(String, String)> = scales(&HashMap::new()).into_iter().map(|s| (s.name, s.label)).collect();
    let (inputs, errors) = crate::service::portal::answers_of(tp, &f, &labels, zone.local(now).0);
    if !errors.is_empty() {
        return answers_page(&st, &token, &link.timepoint, &birth, Some(errors.join(" ")), &f);
    }
    match record_answers(&st, &link, inputs).await {
        Ok(()) => render(&page(
            &st,
            &token,
            "done",
            "Thank you",
            Some("Your answers are saved. Your practitioner will see them at your next visit.".into()),
            true,
        )),
        Err(e) => error_page(e),
    }
}

/// `POST /f/{token}/decline`
pub async fn declined(State(st): State<AppState>, Path(token): Path<String>) -> Response {
    match open_link(&st, &token, OffsetDateTime::now_utc()).await {
        Ok((_, link, Due::Due)) => match decline(&st, &link).await {
            Ok(()) => render(&page(
                &st,
                &token,
                "done",
                "Follow-up",
                Some("Understood: we will not ask about this again.".into()),
                true,
            )),
            Err(e) => error_page(e),
        },
        Ok((_, _, state)) => closed(&st, &token, state),
        Err(ApiError::NotFound) => not_found(&st),
        Err(e) => error_page(e),
    }
}

/// `GET /f/{token}/stop`: asks to confirm (a link preview must not stop the messages).
pub async fn stop_form(State(st): State<AppState>, Path(token): Path<String>) -> Response {
    match open_link(&st, &token, OffsetDateTime::now_utc()).await {
        Ok(_) => render(&page(&st, &token, "stop", "Stop follow-up messages", None, true)),
        Err(ApiError::NotFound) => not_found(&st),
        Err(e) => error_page(e),
    }
}

/// `POST /f/{token}/stop`
pub async fn stop(State(st): State<AppState>, Path(token): Path<String>) -> Response {
    let now = OffsetDateTime::now_utc();
    match open_link(&st, &token, now).await {
        Ok((_, link, _)) => match opt_out(&st, &link, now).await {
            Ok(()) => render(&page(
                &st,
                &token,
                "done",
                "Follow-up",
                Some("Done: this clinic will send you no more follow-up messages.".into()),
                true,
            )),
            Err(e) => error_page(e),
        },
        Err(ApiError::NotFound) => not_found(&st),
        Err(e) => error_page(e),
    }
}
