//! workorder-gateway: a multi-tenant REST gateway (backend-for-frontend) for the Alibaba Cloud
//! Workorder API 2020-03-26.
//!
//! Dependencies go one way: `main` → [`app`] (start-up, lifecycle, admin) → [`routes`] (with
//! [`http`], the request context) → the services ([`tickets`], [`catalog`]) → [`tenants`] and
//! [`error`] → [`upstream`] / [`state`] / [`auth`] → [`telemetry`] (logs, metrics, and the
//! request's task-local id and trace context, which the middleware sets and errors, audit lines
//! and upstream calls read), [`clock`] and [`per_thread`] (a connection handle per worker
//! thread) → [`settings`] at the bottom. Settings defines the
//! type of every section (the upstream client's settings, a tenant's endpoint, the
//! authenticator's configuration and keys) with its defaults and checks, and imports no other
//! gateway module but the leaf rules of [`validation`]. The package is one of a workspace of
//! three crates, one per side of the wire:
//! - `workorder_api` (`crates/workorder-api`): the protocol both sides speak (signing,
//!   encoding, request layout, typed actions, tolerant decoding, error classes, retry rules);
//!   [`upstream`] is the transport that sends it.
//! - `workorder_sandbox` (`crates/workorder-sandbox`): the simulator of the far side, compiled
//!   in only with the default `sandbox` cargo feature (`[sandbox] enabled`, the `sandbox`
//!   subcommand). A production build (`--no-default-features`) has no simulator code at all,
//!   and a configuration asking for the embedded sandbox fails start-up naming the feature.

pub mod app;
pub mod auth;
pub mod catalog;
pub mod cli;
pub mod clock;
pub mod error;
pub mod events;
#[doc(hidden)]
pub mod fuzzing;
pub mod healthcheck;
pub mod http;
pub mod identity;
pub mod per_thread;
pub mod routes;
pub mod settings;
pub mod state;
pub mod telemetry;
pub mod tenants;
pub mod tickets;
pub mod upstream;
pub mod validation;
