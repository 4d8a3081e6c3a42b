//! The sandbox over real HTTP: a sandbox on port 0 per test, requests signed with the crate's
//! own `workorder_api::request::sign_call` (or laid out by hand where a test needs a request the
//! signer would never produce), and the typed `UpstreamClient` end to end.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod helpers;

mod admin;
mod auth;
mod catalog;
mod client;
mod faults;
mod lag;
mod lost;
mod pools;
mod sts;
mod tickets;
mod v2021;
