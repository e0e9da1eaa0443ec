//! # acumen-web
//!
//! The clinic registry's JSON API under `/api/v1` (axum): authentication
//! (session cookies and Bearer tokens), users, patients and their records,
//! point-of-care safety checks (run before every session is stored), the
//! acupoint knowledge base, the answers to the article's questions (JSON
//! and the HTML page at `/answers`), the audit log, de-identified research aggregates and the OpenAPI
//! document. Errors map to status codes in [`error::ApiError`]; the server
//! takes a bound listener and a shutdown signal so tests can bind port 0.
#![deny(missing_docs)]

pub mod access;
pub mod answers;
pub mod answers_page;
pub mod auth;
pub mod body;
pub mod engine_pool;
pub mod error;
pub mod evidence_page;
pub mod form;
pub mod ids;
pub mod openapi;
pub mod page_dashboard;
pub mod page_forms;
pub mod page_history;
pub mod page_records;
pub mod pages;
pub mod points;
pub mod records;
pub mod safety;
pub mod security;
pub mod users;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{delete, get, post};
use axum::Router;

use acumen_store::Store;

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<dyn Store>,
    /// Public origin (for Secure cookies and the cross-origin check).
    pub public_url: Option<String>,
    /// An argon2 hash to verify against when an account does not exist.
    pub dummy_hash: String,
    /// Whether the database is a simulated demo.
    pub demo: bool,
    /// The origins a browser write may come from (see [`security::check_origin`]).
    pub origins: Vec<String>,
    /// The bounded pool that runs the evidence engine off the executor.
    pub engine: Arc<engine_pool::EnginePool>,
    /// Idempotent requests being answered (a retry meanwhile answers 409).
    pub in_flight: security::InFlight,
}

impl AppState {
    /// Builds the state (hashes the dummy password once).
    pub async fn new(store: Arc<dyn Store>, public_url: Option<String>) -> Result<Self, error::ApiError> {
        let demo = store.is_demo().await?;
        let dummy_hash = auth::hash_password("not-a-real-password".into()).await?;
        let origins = security::allowed_origins(public_url.as_deref(), None);
        Ok(AppState {
            store,
            public_url,
            dummy_hash,
            demo,
            origins,
            engine: Arc::new(engine_pool::EnginePool::new(
                engine_pool::EnginePool::permits(),
                engine_pool::BUDGET,
            )),
            in_flight: Default::default(),
        })
    }
}

/// The API router.
pub fn router(state: AppState) -> Router {
    use records as r;
    use users as u;
    let api = Router::new()
        .route("/auth/login", post(u::login))
        .route("/auth/logout", post(u::logout))
        .route("/auth/reset", post(u::reset))
        .route("/me", get(u::me))
        .route("/tokens", post(u::create_token))
        .route("/tokens/{id}", delete(u::revoke_token))
        .route("/users", get(u::list_users).post(u::create_user))
        .route("/users/{id}/link", post(u::link_patient))
        .route("/users/{id}/reset-link", post(u::reset_link))
        .route("/conditions", get(r::conditions))
        .route("/points", get(points::list))
        .route("/points/{code}", get(points::get))
        .route("/safety/check", post(safety::check_handler))
        .route("/patients", get(r::list_patients).post(r::create_patient))
        .route("/patients/{id}", get(r::get_patient).put(r::update_patient))
        .route("/patients/{id}/versions", get(r::patient_versions))
        .route("/patients/{id}/export", get(r::export_patient))
        .route(
            "/patients/{id}/conditions",
            get(r::list_conditions).post(r::create_condition),
        )
        .route(
            "/patients/{id}/screenings",
            get(r::list_screenings).post(r::create_screening),
        )
        .route("/patients/{id}/courses", get(r::list_courses).post(r::create_course))
        .route("/courses/{id}", get(r::get_course).put(r::update_course))
        .route("/courses/{id}/sessions", get(r::list_sessions).post(r::create_session))
        .route("/courses/{id}/outcomes", get(r::list_outcomes).post(r::create_outcome))
        .route("/sessions/{id}", get(r::get_session))
        .route(
            "/sessions/{id}/adverse-events",
            get(r::list_adverse).post(r::create_adverse),
        )
        .route("/audit", get(r::audit_log))
        .route("/research/aggregates", get(r::research))
        .route("/answers", get(answers::json_answers))
        .route("/clinic", get(answers::clinic))
        .route(
            "/clinic/answers-visibility",
            axum::routing::put(answers::set_visibility),
        )
        .route("/openapi.json", get(openapi::openapi));
    let router = Router::new()
        .route("/", get(page_dashboard::dashboard))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/patients", get(pages::patients))
        .route(
            "/patients/new",
            get(page_records::new_patient).post(page_records::create_patient),
        )
        .route("/patients/{id}", get(pages::patient))
        .route(
            "/patients/{id}/courses/new",
            get(page_records::new_course).post(page_records::create_course),
        )
        .route(
            "/patients/{id}/conditions/new",
            get(page_history::new_condition).post(page_history::create_condition),
        )
        .route(
            "/patients/{id}/screenings/new",
            get(page_history::new_screening).post(page_history::create_screening),
        )
        .route(
            "/patients/{id}/portal",
            get(page_records::new_portal).post(page_records::create_portal),
        )
        .route(
            "/courses/{id}/sessions/new",
            get(page_records::new_session).post(page_records::create_session),
        )
        .route(
            "/sessions/{id}/adverse-events/new",
            get(page_records::new_adverse).post(page_records::create_adverse),
        )
        .route("/static/session.js", get(pages::session_js))
        .route(
            "/courses/{id}/outcomes/new",
            get(page_forms::outcome_form).post(page_forms::outcome_submit),
        )
        .route("/diary", get(page_forms::diary).post(page_forms::diary_submit))
        .route(
            "/evidence",
            get(evidence_page::evidence).post(evidence_page::evidence_run),
        )
        .route("/static/app.css", get(pages::css))
        .route("/answers", get(answers::html_answers))
        .nest("/api/v1", api);
    harden(router, state)
}

/// The layers every answer passes: the body limit, the panic answer, the
/// security headers and the outer middleware ([`security::mark`]).
pub fn harden(router: Router<AppState>, state: AppState) -> Router {
    let https = state.public_url.as_deref().is_some_and(|u| u.starts_with("https://"));
    let marked = state.clone();
    let router =
        router
            .layer(DefaultBodyLimit::max(1024 * 1024))
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(
                security::panic_response,
            ));
    security::with_headers(router, https)
        .layer(middleware::from_fn(move |req, next| {
            security::mark(marked.clone(), req, next)
        }))
        .with_state(state)
}

/// Serves the API on a bound listener until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    mut state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if state.public_url.is_none() {
        state.origins = security::allowed_origins(None, listener.local_addr().ok());
    }
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
