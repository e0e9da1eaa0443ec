//! What every handler shares: the store, the public URL and allowed
//! origins, the dummy hash for unknown accounts, the engine pool and the
//! idempotent requests in flight.

use std::sync::Arc;

use acumen_store::Store;

use crate::{auth, engine_pool, error, security};

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
    /// Refused forms waiting for their GET (post/redirect/get).
    pub flash: crate::flash::Flash<crate::pages::form::Refusal>,
    /// Notices shown once after a redirect (an invitation link).
    pub notice: crate::flash::Flash<String>,
    /// Each clinic's records as the figures read them, kept per generation.
    pub snapshots: Arc<crate::service::snapshot::Snapshots>,
    /// Follow-up between visits, when configured.
    pub follow_up: Option<Arc<crate::service::follow_up::FollowUp>>,
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
            flash: Default::default(),
            notice: Default::default(),
            snapshots: Default::default(),
            follow_up: None,
        })
    }
}
