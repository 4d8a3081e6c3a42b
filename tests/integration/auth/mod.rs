//! Tests of `workorder_gateway::auth`: every token rule through the public API, with HS256
//! secrets, fixed RSA/EC test keys (`tests/fixtures/keys/`) and a wiremock IdP serving a JWKS
//! (stopped mid-test for the reload rules).
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod algorithms;
mod claims;
mod dev_token;
mod failures;
mod jwks;
mod redaction;
mod reload;
mod setup;
mod support;
mod token_rules;
mod verified_cache;
