//! The state every handler shares. What a configuration reload may change (tenants, JWT keys)
//! lives in [`LiveConfig`] behind an `ArcSwap`: a reload builds a complete new one and swaps it
//! in atomically, so a request sees either the old or the new configuration, never a mix.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use arc_swap::ArcSwap;

use crate::auth::Authenticator;
use crate::catalog::Catalog;
use crate::http::rate_limit::RateLimits;
use crate::state::StateStore;
use crate::tenants::TenantRegistry;
use crate::tickets::{Backends, TicketWrites};
use crate::upstream::UpstreamClient;

/// Reloadable configuration.
#[derive(Debug)]
pub struct LiveConfig {
    /// Enabled tenants.
    pub tenants: TenantRegistry,
    /// JWT verification.
    pub authenticator: Authenticator,
}

/// Shared by all workers (`web::Data<AppState>`).
pub struct AppState {
    /// The one upstream client; its HTTP pool (`client.http()`) also serves JWKS fetches.
    pub client: UpstreamClient,
    /// Cached catalogs.
    pub catalog: Catalog,
    /// Tenants and JWT keys, swapped on reload.
    pub live: ArcSwap<LiveConfig>,
    /// Per-user and per-tenant request limits (in the state store).
    pub limits: Arc<RateLimits>,
    /// Failed authentications per client address.
    pub failed_auth: crate::http::failed_auth::FailedAuthLimiter,
    /// Peers whose `X-Forwarded-For` is believed (`server.trusted_proxies`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// State shared with other replicas (or this process's own, with the memory backend).
    pub state_store: StateStore,
    /// Ticket writes, exactly once (idempotency records, reconciliation).
    pub writes: TicketWrites,
    /// Live ticket streams: the shared pollers and the stream limits.
    pub events: crate::events::EventHub,
    /// The route prefix (`server.base_path`), for `Location` headers.
    pub base_path: String,
    /// Set at SIGTERM: `/readyz` turns 503 while the listener drains.
    pub draining: AtomicBool,
}

impl AppState {
    /// The current tenants and keys.
    pub fn live(&self) -> Arc<LiveConfig> {
        self.live.load_full()
    }

    /// What the ticket write service reaches.
    pub fn ticket_backends(&self) -> Backends<'_> {
        Backends {
            client: &self.client,
            catalog: &self.catalog,
            writes: &self.writes,
        }
    }

    /// Whether the gateway is shutting down.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("base_path", &self.base_path)
            .field("draining", &self.is_draining())
            .finish_non_exhaustive()
    }
}
