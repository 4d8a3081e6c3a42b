//! The gateway's side of the Workorder wire: the transport. The HTTP client, per-tenant
//! circuit breakers and bulkheads, the retry loop, reading each answer (with its size cap) and
//! classifying every outcome into an [`UpstreamError`]. Knows nothing about HTTP routes, JWTs or
//! tenants beyond the [`Target`] it is handed.
//!
//! The protocol itself (signing, encoding, request layout, typed actions, tolerant decoding,
//! error classes, retry rules) lives in the `workorder_api` crate, which the sandbox simulator
//! uses too; the gateway imports it as `workorder_api`.
//!
//! - [`client`]: the HTTP client (one per calling thread, [`crate::per_thread`]), retries ([`retry`]); [`answer`] reads and classifies
//!   each answer into an [`error::UpstreamError`]; [`redact`] keeps request data out of errors;
//!   [`wire`] turns a signed request into the headers `reqwest` sends.
//!
//! # Retries ([`retry`])
//! Up to `max_attempts` (default 3) with full-jitter exponential backoff; an upstream
//! `x-acs-retry-after` (ms) replaces the backoff, or ends the call when it exceeds `max_delay`.
//! Which outcome may be repeated for which action is `workorder_api::retry`'s rule: reads and
//! CloseTicket repeat transient failures, CreateTicket and ReplyTicket only a request that
//! provably never left. Each attempt is signed afresh with a new random nonce.
//!
//! # Secrets
//! No error text or log carries the AccessKey secret, the STS token, a signature or the
//! `SecretContent` / `Content` values, even when the upstream echoes them
//! ([`UpstreamError::withhold`]).

pub mod answer;
pub mod breaker;
pub mod client;
pub mod error;
pub mod redact;
pub mod retry;
pub mod wire;

pub use client::{Target, UpstreamClient};
pub use error::UpstreamError;
// The client's settings and a tenant's endpoint are settings types (`[upstream]`,
// `tenants.<id>.endpoint`): defined with their defaults and checks in settings, below this
// module, and taken here as they are; so is the observer of its calls, from telemetry.
pub use crate::settings::{BreakerSettings, ClientSettings, Endpoint, RetryPolicy};
pub use crate::telemetry::CallObserver;
