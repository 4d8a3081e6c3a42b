//! Operability (issue 5) over real HTTP, in-process: what the gateway logs (redaction, request
//! span fields, audit events, trace context, reload) and what its `/metrics` counts.
//!
//! A binary of its own because these tests own process-global state: a process has one global
//! `tracing` subscriber, installed here once (see [`logs`]) with the gateway's own JSON format,
//! and one metrics registry, whose counters these tests read. The ops tests that run the real
//! binary as a child process (lifecycle, image, admin listener, label cardinality) and the
//! configuration reference share nothing of the process and live in `tests/integration/`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

#[path = "../support/mod.rs"]
mod support;

mod audit;
mod fixture;
mod logs;
mod metrics;
mod redaction;
mod trace_context;
mod watch;
