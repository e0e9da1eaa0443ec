//! # acumen-web
//!
//! The clinic registry over HTTP (axum): the JSON API under `/api/v1`
//! ([`api`]) and the server-rendered pages ([`pages`]), both thin shells
//! over one layer of use cases ([`service`]). Authentication (session
//! cookies and Bearer tokens, [`auth`]), role and tenancy guards
//! ([`access`]), the hardening layers ([`security`]) and the evidence
//! engine's bounded pool ([`engine_pool`]) are shared by both sides. Errors
//! map to status codes in [`error::ApiError`]; the server takes a bound
//! listener and a shutdown signal so tests can bind port 0.
#![deny(missing_docs)]

pub mod access;
pub mod api;
pub mod auth;
pub mod delivery;
pub mod engine_pool;
pub mod error;
pub mod flash;
pub mod pages;
pub mod security;
pub mod service;
pub mod state;

use std::future::Future;
use std::net::SocketAddr;

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::Router;

pub use state::AppState;

/// The whole application: the pages, and the API under `/api/v1`.
pub fn router(state: AppState) -> Router {
    harden(pages::routes().nest("/api/v1", api::routes()), state)
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
    // Reads each clinic's records once in the background, so the first day
    // view or answers page after a start does not pay for it.
    let warm = state.clone();
    tokio::spawn(async move {
        let Ok(clinics) = warm.store.clinics().await else {
            return;
        };
        for c in clinics {
            if let Err(e) = warm.snapshots.of(warm.store.as_ref(), c.id).await {
                tracing::warn!(clinic = c.id, error = %e, "could not read the clinic's records ahead");
            }
        }
    });
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
