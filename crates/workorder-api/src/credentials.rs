//! A tenant's Alibaba Cloud credentials and the signature scheme it uses.
//!
//! The secret and the STS token are [`SecretString`]s: they are exposed only inside the signer
//! call and never reach `Debug` output, logs or error text.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Which request signature a tenant uses upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignatureVersion {
    /// RPC signature v1 (HMAC-SHA1), business parameters in a form body (SDK 1.0.0 layout).
    #[default]
    V1,
    /// `ACS3-HMAC-SHA256`, business parameters in the query (SDK 1.0.1 layout).
    V3,
}

impl fmt::Display for SignatureVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::V1 => "v1",
            Self::V3 => "v3",
        })
    }
}

/// An AccessKey pair, optionally with an STS security token (temporary credentials).
#[derive(Clone)]
pub struct Credentials {
    access_key_id: String,
    access_key_secret: SecretString,
    security_token: Option<SecretString>,
}

impl Credentials {
    /// Long-term AccessKey credentials.
    pub fn new(access_key_id: impl Into<String>, access_key_secret: SecretString) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            access_key_secret,
            security_token: None,
        }
    }

    /// Adds an STS security token (the AccessKey id is then an `STS.` id).
    #[must_use]
    pub fn with_security_token(mut self, token: SecretString) -> Self {
        self.security_token = Some(token);
        self
    }

    /// The AccessKey id; not a secret, it appears in every request.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The AccessKey secret, for the signer and for withholding it from error text; never log it.
    pub fn access_key_secret(&self) -> &str {
        self.access_key_secret.expose_secret()
    }

    /// The STS token, if any, for the request builder and for withholding it from error text.
    pub fn security_token(&self) -> Option<&str> {
        self.security_token.as_ref().map(|t| t.expose_secret())
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"[REDACTED]")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "[REDACTED]"),
            )
            .finish()
    }
}
