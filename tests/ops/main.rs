//! Operability over real HTTP, in-process: what the gateway logs (redaction, request span
//! fields, audit events, trace context, reload).
//!
//! A binary of its own because these tests own process-global state: a process has one global
//! `tracing` subscriber, installed here once (see [`logs`]) with the gateway's own JSON format,
//! whose output these tests read. What `/metrics` counts (each gateway has its own registry),
//! the ops tests that run the real binary as a child process (lifecycle, image, admin listener,
//! label cardinality) and the configuration reference share nothing of the process and live in
//! `tests/integration/`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

#[path = "../support/mod.rs"]
mod support;

mod audit;
mod fixture;
mod logs;
mod redaction;
mod roles;
mod trace_context;
mod watch;
