//! The request context, one module for everything a request carries besides its body: its id,
//! the incoming trace context, the request span and access log, the principal (JWT → tenant,
//! user, permissions), failed-authentication and rate limits, the `Idempotency-Key`, the state
//! handlers share, and turning the framework's own error responses into problem documents.
//! Handlers never read identity headers: they take a [`Principal`].

pub mod context;
pub mod failed_auth;
pub mod idempotency;
pub mod principal;
pub mod rate_limit;
pub mod state;

pub use principal::Principal;
pub use state::{AppState, LiveConfig};

/// Response header carrying the upstream `RequestId` (error responses set it too, so it is
/// defined with them).
pub use crate::error::UPSTREAM_REQUEST_ID;
/// Request and response header carrying the request id.
pub const REQUEST_ID: &str = "x-request-id";
