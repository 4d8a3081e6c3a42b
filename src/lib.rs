//! workorder-gateway: a multi-tenant REST gateway (backend-for-frontend) for the Alibaba Cloud
//! Workorder API 2020-03-26, with an embedded simulator of that API.
//!
//! Data flows one way: routes → auth / tenants / catalog → upstream → settings.

pub mod auth;
pub mod catalog;
pub mod cli;
pub mod sandbox;
pub mod upstream;
