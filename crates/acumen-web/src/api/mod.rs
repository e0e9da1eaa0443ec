//! The JSON API under `/api/v1`: thin handlers that parse the request
//! (path ids, bodies that name the field at fault, the Idempotency-Key;
//! `request.rs`), call one [`crate::service`] function and write its result
//! as JSON.

pub mod answers;
pub mod corrections;
pub mod courses;
pub mod messaging;
pub mod openapi;
pub mod oversight;
pub mod patients;
pub mod points;
pub mod projects;
pub mod request;
pub mod safety;
pub mod sessions;
pub mod users;

use axum::routing::{delete, get, post, put};
use axum::Router;

use crate::state::AppState;

/// The `/api/v1` routes.
pub fn routes() -> Router<AppState> {
    use {corrections as fix, courses as c, patients as p, sessions as s, users as u};
    Router::new()
        .route("/auth/login", post(u::login))
        .route("/auth/logout", post(u::logout))
        .route("/auth/reset", post(u::reset))
        .route("/me", get(u::me))
        .route("/tokens", post(u::create_token))
        .route("/tokens/{id}", delete(u::revoke_token))
        .route("/users", get(u::list_users).post(u::create_user))
        .route("/users/{id}/link", post(u::link_patient))
        .route("/users/{id}/reset-link", post(u::reset_link))
        .route("/conditions", get(request::conditions))
        .route("/points", get(points::list))
        .route("/points/{code}", get(points::get))
        .route("/safety/check", post(safety::check))
        .route("/patients", get(p::list).post(p::create))
        .route("/patients/{id}", get(p::get).put(p::update))
        .route("/patients/{id}/versions", get(p::versions))
        .route("/patients/{id}/export", get(p::export))
        .route("/patients/{id}/conditions", get(p::conditions).post(p::add_condition))
        .route("/patients/{id}/screenings", get(p::screenings).post(p::add_screening))
        .route("/patients/{id}/courses", get(p::courses).post(p::add_course))
        .route("/courses/{id}", get(c::get).put(c::update))
        .route("/courses/{id}/sessions", get(c::sessions).post(c::add_session))
        .route("/courses/{id}/outcomes", get(c::outcomes).post(c::add_outcome))
        .route("/sessions/{id}", get(s::get).put(fix::correct_session))
        .route("/sessions/{id}/void", post(fix::void_session))
        .route("/sessions/{id}/move", post(fix::move_session))
        .route("/outcomes/{id}", get(fix::outcome).put(fix::correct_outcome))
        .route("/outcomes/{id}/void", post(fix::void_outcome))
        .route("/adverse-events/{id}", get(fix::adverse).put(fix::correct_adverse))
        .route("/adverse-events/{id}/void", post(fix::void_adverse))
        .route("/sessions/{id}/adverse-events", get(s::adverse).post(s::add_adverse))
        .route("/audit", get(oversight::audit_log))
        .route("/admin/outbox/run", post(oversight::run_outbox))
        .route("/admin/follow-up", get(messaging::get).put(messaging::put))
        .route("/admin/follow-up/enable", post(messaging::enable))
        .route("/admin/follow-up/disable", post(messaging::disable))
        .route("/research/aggregates", get(oversight::research))
        .route("/answers", get(answers::answers))
        .route("/clinic", get(answers::clinic))
        .route("/clinic/answers-visibility", put(answers::set_visibility))
        .route("/clinic/outcomes", get(answers::outcomes))
        .route("/projects", get(projects::list).post(projects::create))
        .route("/projects/import", post(projects::import))
        .route("/projects/{id}", get(projects::get))
        .route(
            "/projects/{id}/versions",
            get(projects::versions).post(projects::add_version),
        )
        .route("/versions/{hash}", get(projects::version))
        .route("/versions/{hash}/changelog", get(projects::changelog))
        .route("/versions/{hash}/forest", get(projects::forest))
        .route("/versions/{hash}/sof.csv", get(projects::sof_csv))
        .route("/versions/{hash}/script.R", get(projects::script))
        .route("/versions/{hash}/review", post(projects::review))
        .route("/versions/{hash}/publish", post(projects::publish))
        .route("/openapi.json", get(openapi::openapi))
}
