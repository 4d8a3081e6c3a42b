//! The upstream client against a mock Workorder API (wiremock): what goes on the wire and that
//! its signature verifies, nonces, decoding of every JSON example of the Chinese document,
//! error classification, retries and timeouts, and that no secret reaches errors or logs.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod bulkhead;
mod decoding;
mod errors;
mod layout;
mod nonces;
mod quirks;
mod retries;
mod secrets;
mod sockets;
