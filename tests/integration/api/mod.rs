//! The gateway over real HTTP (API.md is the contract): a gateway and its sandbox(es) on port
//! 0 per test.

mod auth;
mod catalog;
mod errors;
pub(crate) mod events;
mod exactly_once;
mod http;
mod isolation;
mod notes;
mod openapi;
mod signatures;
mod ticket_creation;
mod tickets;
mod upstream_errors;
mod v2021;
mod v2021_catalog;
mod walkthrough;
