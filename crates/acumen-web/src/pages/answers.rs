//! The answers page (`GET /answers`): the clinic's own for its users, or a
//! public one by `?clinic=CODE`.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::auth::Authed;
use crate::error::ApiError;
use crate::service::answers::{allowed_clinic, compute, Which};
use crate::state::AppState;

/// `GET /answers`
pub async fn html_answers(State(st): State<AppState>, who: Option<Authed>, Query(w): Query<Which>) -> Response {
    // The menu of the signed-in user, as the other pages have it.
    let nav: Vec<(String, String)> = match who.as_ref().map(|w| (w.is_staff(), w.role())) {
        None => vec![],
        Some((_, acumen_domain::Role::Patient)) => vec![
            ("/diary".into(), "My pain diary".into()),
            ("/diary#my-course".into(), "My course".into()),
        ],
        Some((true, _)) => vec![
            ("/".into(), "Today".into()),
            ("/patients".into(), "Patients".into()),
            ("/evidence".into(), "Evidence".into()),
        ],
        Some(_) => vec![("/evidence".into(), "Evidence".into())],
    };
    let page = async {
        let id = allowed_clinic(&st, who, w.clinic).await?;
        let a = compute(&st, id).await?;
        super::answers_page::render_with_nav(&a, nav).map_err(|e| ApiError::Internal(format!("answers template: {e}")))
    };
    match page.await {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            let (status, text) = match &e {
                ApiError::Unauthorized => (
                    StatusCode::UNAUTHORIZED,
                    "Log in to see this clinic's answers, or open a clinic's public page with ?clinic=CODE.",
                ),
                ApiError::NotFound => (StatusCode::NOT_FOUND, "This clinic has no public answers page."),
                _ => (StatusCode::INTERNAL_SERVER_ERROR, "The answers could not be computed."),
            };
            if let ApiError::Internal(detail) = &e {
                tracing::error!(error = %detail, "answers page");
            }
            let body = format!("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Answers</title></head><body><main><h1>Answers</h1><p>{text}</p></main></body></html>");
            (status, Html(body)).into_response()
        }
    }
}
