//! Operability (issue 5) over real HTTP: what the gateway logs (redaction, request span fields,
//! audit events, trace context), what `/metrics` exposes, how it shuts down and reloads (the
//! real binary under signals), and that the configuration reference is complete.
//!
//! Log-capturing tests must live in this one binary: a process has one global `tracing`
//! subscriber, installed here once (see [`logs`]) with the gateway's own JSON format.

#![allow(clippy::expect_used, clippy::unwrap_used)]

#[path = "../support/mod.rs"]
mod support;

mod admin_listener;
mod audit;
mod binary;
mod cardinality;
mod config_reference;
mod fixture;
mod image;
mod lifecycle;
mod logs;
mod metrics;
mod redaction;
mod trace_context;
mod watch;
