//! [`SandboxProbe`]: the sandbox's request path without its HTTP server, for the fuzz targets
//! (the gateway's `fuzzing` module re-exports it). A call goes through exactly what `server` runs after a call's fate:
//! parameter decoding, authentication (RPC v1 or ACS3-HMAC-SHA256), the throttle and the
//! action. No faults, no engineer: both would make an input's outcome depend on earlier ones.

use std::time::Duration;

use actix_web::http::header::HeaderMap;

use super::SandboxError;
use super::accounts::{Account, with_demo};
use super::faults::{FaultConfig, Faults};
use super::server::{RawCall, serve_parts};
use super::state::Sandbox;

/// A sandbox's state, called directly.
#[derive(Debug)]
pub struct SandboxProbe {
    sandbox: Sandbox,
}

/// A refused call: what the sandbox would have answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxRefusal {
    /// HTTP status.
    pub status: u16,
    /// The upstream error code, e.g. `SignatureDoesNotMatch`.
    pub code: &'static str,
    /// The complete error body.
    pub body: String,
}

impl SandboxProbe {
    /// A sandbox with the demo account plus `accounts`.
    pub fn new(accounts: &[Account]) -> Result<Self, SandboxError> {
        Ok(Self {
            sandbox: Sandbox::new(
                with_demo(accounts)?,
                super::sts::StsConfig::default(),
                None,
                Faults::new(FaultConfig::default(), 0),
                Duration::ZERO,
            ),
        })
    }

    /// Serves one call: the success body, or the refusal.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        query: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<String, SandboxRefusal> {
        let request_id = "FUZZ-REQUEST";
        let call = RawCall {
            method,
            path,
            query,
            headers,
            body,
        };
        serve_parts(&self.sandbox, &call, request_id).map_err(|error| SandboxRefusal {
            status: error.status,
            code: error.code,
            body: error.body(request_id, "sandbox.invalid").to_string(),
        })
    }
}
