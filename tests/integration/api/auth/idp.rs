//! The shared IdP (`support::idp`) as these tests use it: a JWKS of keys, rotated mid-test, and
//! the `[auth]` lines that trust it.

use serde_json::Value;

use crate::support::idp::{self, jwks};

pub(super) use crate::support::idp::jwk;

pub(super) struct Idp(idp::Idp);

impl Idp {
    pub(super) async fn start(keys: Vec<Value>) -> Self {
        Self(idp::Idp::start(jwks(&keys)).await)
    }

    pub(super) fn rotate(&self, keys: Vec<Value>) {
        self.0.answer(jwks(&keys));
    }

    pub(super) async fn fetches(&self) -> usize {
        self.0.requests().await
    }

    /// The JWKS URL.
    pub(super) fn url(&self) -> String {
        self.0.url().to_string()
    }

    /// `[auth]` lines trusting this IdP (with the audience and issuer a JWKS requires).
    pub(super) fn auth_lines(&self) -> String {
        format!("{}\njwks_url = {:?}", super::pinned(), self.url())
    }

    /// Shuts the server down and waits until its port refuses connections.
    pub(super) async fn stop(self) {
        self.0.stop().await;
    }
}
