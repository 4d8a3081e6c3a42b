//! The integration tests that share nothing process-global, in one binary (one link after a
//! change, not one per directory): the gateway over real HTTP (`api`), token rules (`auth`),
//! the catalog cache (`catalog`), the sandbox (`sandbox`), the upstream client (`upstream`),
//! the signing vectors, the configuration reference, and the real binary as a child process
//! (`binary`).
//!
//! Three more binaries each own their process, and nothing else may share it:
//! - `tests/ops/`: installs the one global `tracing` subscriber (JSON, as in production) to
//!   read what the gateway logs, and reads counters of the process-global metrics registry;
//! - `tests/state/`: reads the process-global state gauges and counters (`wog_state_up`, …),
//!   its tests one at a time;
//! - `tests/upstream_logs/`: installs a global TRACE-level subscriber of its own.
//!
//! A test here must not set a global subscriber, set environment variables of the process, or
//! assert an exact value of a process-global metric.

#![allow(clippy::expect_used, clippy::unwrap_used)]

#[path = "../support/mod.rs"]
mod support;

mod api;
mod auth;
mod binary;
mod catalog;
mod config_reference;
mod sandbox;
mod signing_vectors;
mod state;
mod upstream;
