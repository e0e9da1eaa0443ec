//! The server-rendered pages (askama, `templates/pages/`) for clinic staff
//! and patients. Each page handler reads its session (a visitor without one
//! is sent to the login page), calls [`crate::service`] functions — the
//! same ones the JSON API calls — and renders a template; a form that is
//! refused is shown again with what was typed and the reasons in words.

pub mod admin;
pub mod admin_follow_up;
pub mod answers;
pub mod answers_page;
pub mod answers_project;
pub mod banner;
pub mod chart;
pub mod chart_rows;
pub mod corrections;
pub mod dashboard;
pub mod diary;
pub mod evidence;
pub mod follow_up;
pub mod form;
pub mod forms;
pub mod glossary;
pub mod history;
pub mod layout;
pub mod login;
pub mod owner;
pub mod patient_form;
pub mod patients;
pub mod portal_asked;
pub mod project_forms;
pub mod projects;
pub mod session_forms;

use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

/// The page routes.
pub fn routes() -> Router<AppState> {
    use forms as rf;
    Router::new()
        .route("/", get(dashboard::dashboard))
        .route("/login", get(login::login_form).post(login::login))
        .route("/f/{token}", get(follow_up::open).post(follow_up::birth))
        .route("/f/{token}/answers", post(follow_up::answers))
        .route("/f/{token}/decline", post(follow_up::declined))
        .route("/f/{token}/stop", get(follow_up::stop_form).post(follow_up::stop))
        .route("/logout", post(login::logout))
        .route("/reset", get(admin::reset_form).post(admin::reset))
        .route("/admin", get(admin::admin_page))
        .route("/clinic/outcomes", get(owner::owner))
        .route("/admin/answers", post(admin::set_answers))
        .route(
            "/admin/follow-up",
            get(admin_follow_up::form).post(admin_follow_up::save),
        )
        .route("/admin/follow-up/enable", post(admin_follow_up::switch))
        .route("/admin/users/new", get(admin::new_user).post(admin::create_user))
        .route("/admin/users/{id}/invite", post(admin::invite))
        .route("/projects", get(projects::list).post(projects::create))
        .route("/projects/{id}", get(projects::show))
        .route("/projects/{id}/edit", post(projects::edit))
        .route("/projects/{id}/import", post(projects::import))
        .route("/projects/{id}/mark", post(projects::mark))
        .route("/patients", get(patients::patients))
        .route(
            "/patients/new",
            get(patient_form::new_patient).post(patient_form::create_patient),
        )
        .route(
            "/patients/{id}/edit",
            get(patient_form::edit_patient).post(patient_form::update_patient),
        )
        .route("/patients/{id}", get(chart::patient))
        .route("/courses/{id}/reopen", post(chart::reopen))
        .route(
            "/patients/{id}/courses/new",
            get(rf::new_course).post(rf::create_course),
        )
        .route(
            "/patients/{id}/conditions/new",
            get(history::new_condition).post(history::create_condition),
        )
        .route(
            "/patients/{id}/screenings/new",
            get(history::new_screening).post(history::create_screening),
        )
        .route("/patients/{id}/portal", get(rf::new_portal).post(rf::create_portal))
        .route(
            "/courses/{id}/sessions/new",
            get(session_forms::new_session).post(session_forms::create_session),
        )
        .route(
            "/sessions/{id}/adverse-events/new",
            get(session_forms::new_adverse).post(session_forms::create_adverse),
        )
        .route(
            "/courses/{id}/outcomes/new",
            get(diary::outcome_form).post(diary::outcome_submit),
        )
        .route(
            "/sessions/{id}/edit",
            get(corrections::edit_session).post(corrections::update_session),
        )
        .route(
            "/outcomes/{id}/edit",
            get(corrections::edit_outcome).post(corrections::update_outcome),
        )
        .route(
            "/adverse-events/{id}/edit",
            get(corrections::edit_adverse).post(corrections::update_adverse),
        )
        .route(
            "/sessions/{id}/void",
            get(corrections::void_session_form).post(corrections::void_session),
        )
        .route(
            "/outcomes/{id}/void",
            get(corrections::void_outcome_form).post(corrections::void_outcome),
        )
        .route(
            "/adverse-events/{id}/void",
            get(corrections::void_adverse_form).post(corrections::void_adverse),
        )
        .route("/sessions/{id}/move", post(corrections::move_session))
        .route("/diary", get(diary::diary).post(diary::diary_submit))
        .route("/diary/asked/{n}", get(portal_asked::form).post(portal_asked::submit))
        .route("/evidence", get(evidence::evidence).post(evidence::evidence_run))
        .route("/answers", get(answers::html_answers))
        .route("/static/session.js", get(layout::session_js))
        .route("/static/app.css", get(layout::css))
}
