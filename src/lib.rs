//! workorder-gateway: a multi-tenant REST gateway (backend-for-frontend) for the Alibaba Cloud
//! Workorder API 2020-03-26, with an embedded simulator of that API.
//!
//! Data flows one way: [`routes`] → [`auth`] / [`tenants`] / [`catalog`] → [`upstream`] →
//! [`settings`]. [`sandbox`] is the simulator (it reuses [`upstream::signer`] to verify), and
//! [`app`] wires everything into a server.

pub mod app;
pub mod auth;
pub mod catalog;
pub mod cli;
pub mod clock;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod healthcheck;
pub mod http;
pub mod routes;
pub mod sandbox;
pub mod settings;
pub mod state;
pub mod telemetry;
pub mod tenants;
pub mod tickets;
pub mod upstream;
pub mod validation;
