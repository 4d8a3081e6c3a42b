//! The integration tests that share nothing process-global, in one binary (one link after a
//! change, not one per directory): the gateway over real HTTP (`api`), token rules (`auth`),
//! the catalog cache (`catalog`), what `/metrics` counts (`metrics`), the sandbox (`sandbox`),
//! the shared state on a real Redis (`state`), the upstream client (`upstream`), the signing
//! vectors, the configuration reference, and the real binary as a child process (`binary`).
//! Metrics are per application (each gateway its own registry), so tests here assert exact
//! counts of the gateway they drive.
//!
//! Two more binaries each own their process, and nothing else may share it:
//! - `tests/ops/`: installs the one global `tracing` subscriber (JSON, as in production) to
//!   read what the gateway logs;
//! - `tests/upstream_logs/`: installs a global TRACE-level subscriber of its own.
//!
//! A test here must not set a global subscriber or set environment variables of the process.

#![allow(clippy::expect_used, clippy::unwrap_used)]

#[path = "../support/mod.rs"]
mod support;

mod api;
mod auth;
mod binary;
mod catalog;
mod config_reference;
mod identity;
mod metrics;
mod sandbox;
mod signing_vectors;
mod state;
mod upstream;
