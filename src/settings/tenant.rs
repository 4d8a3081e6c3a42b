//! `[tenants.<id>]`: one tenant's endpoint, signature version and credential sources, with the
//! rules that keep demo credentials and inline secrets away from real endpoints.

use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;

use super::{DEMO_ACCESS_KEY_ID, SettingsError};
use crate::upstream::{Endpoint, Language, SignatureVersion};

/// `[tenants.<id>]`.
#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TenantSettings {
    /// `sandbox` (the embedded simulator), a region id (`cn-hangzhou`, `ap-southeast-1`), or a
    /// URL (`https://workorder.aliyuncs.com`, `http://sandbox:9000`).
    pub endpoint: String,
    /// `v1` (RPC HMAC-SHA1) or `v3` (ACS3-HMAC-SHA256).
    pub signature: SignatureVersion,
    /// AccessKey id (an `STS.` id with a security token).
    pub access_key_id: String,
    /// Inline secret: sandbox tenants only.
    pub access_key_secret: Option<SecretString>,
    /// Environment variable holding the AccessKey secret.
    pub access_key_secret_env: Option<String>,
    /// File holding the AccessKey secret.
    pub access_key_secret_file: Option<PathBuf>,
    /// Inline STS token: sandbox tenants only.
    pub security_token: Option<SecretString>,
    /// Environment variable holding the STS token.
    pub security_token_env: Option<String>,
    /// File holding the STS token.
    pub security_token_file: Option<PathBuf>,
    /// Default language of this tenant's users.
    pub language: Language,
    /// Contact email used when a new ticket names none.
    pub default_email: Option<String>,
    /// A disabled tenant's users get 403 `tenant_not_configured`.
    pub enabled: bool,
}

impl Default for TenantSettings {
    fn default() -> Self {
        Self {
            endpoint: crate::upstream::endpoint::CENTRAL_ENDPOINT.into(),
            signature: SignatureVersion::V1,
            access_key_id: String::new(),
            access_key_secret: None,
            access_key_secret_env: None,
            access_key_secret_file: None,
            security_token: None,
            security_token_env: None,
            security_token_file: None,
            language: Language::Zh,
            default_email: None,
            enabled: true,
        }
    }
}

impl std::fmt::Debug for TenantSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantSettings")
            .field("endpoint", &self.endpoint)
            .field("signature", &self.signature)
            .field("access_key_id", &self.access_key_id)
            .field("language", &self.language)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

/// The endpoint value naming the embedded sandbox.
pub const SANDBOX_ENDPOINT: &str = "sandbox";

impl TenantSettings {
    /// True for the embedded sandbox and for plain-`http://` URLs. The real Workorder API is
    /// HTTPS-only, so a plain-HTTP endpoint is a simulator (a standalone sandbox in compose, a
    /// test double); demo credentials and inline secrets are allowed only there.
    pub fn is_sandbox_endpoint(&self) -> bool {
        self.endpoint == SANDBOX_ENDPOINT || self.endpoint.starts_with("http://")
    }

    /// The endpoint, unless it is the embedded sandbox (resolved at start-up).
    pub fn parsed_endpoint(&self, id: &str) -> Result<Option<Endpoint>, SettingsError> {
        let key = format!("tenants.{id}.endpoint");
        if self.endpoint == SANDBOX_ENDPOINT {
            return Ok(None);
        }
        if self.endpoint.contains("://") {
            return Endpoint::parse(&self.endpoint)
                .map(Some)
                .map_err(|reason| SettingsError::invalid(&key, reason));
        }
        let region_like = !self.endpoint.is_empty()
            && self
                .endpoint
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if region_like {
            Ok(Some(Endpoint::for_region(&self.endpoint)))
        } else {
            Err(SettingsError::invalid(
                &key,
                format!(
                    "{:?} is neither \"sandbox\", a region id nor an http(s) URL",
                    self.endpoint
                ),
            ))
        }
    }

    pub(super) fn validate(&self, id: &str, sandbox_enabled: bool) -> Result<(), SettingsError> {
        let key = |name: &str| format!("tenants.{id}.{name}");
        self.parsed_endpoint(id)?;
        if self.endpoint == SANDBOX_ENDPOINT && !sandbox_enabled && self.enabled {
            return Err(SettingsError::invalid(
                &key("endpoint"),
                "\"sandbox\" needs sandbox.enabled = true".into(),
            ));
        }
        if self.access_key_id.trim().is_empty() {
            return Err(SettingsError::invalid(
                &key("access_key_id"),
                "is required".into(),
            ));
        }
        if !self.is_sandbox_endpoint() {
            if self.access_key_secret.is_some() || self.security_token.is_some() {
                return Err(SettingsError::invalid(
                    &key("access_key_secret"),
                    "inline secrets are for sandbox tenants only; use access_key_secret_env or access_key_secret_file"
                        .into(),
                ));
            }
            // A demo secret read from env or file is caught after resolution (`tenants`).
            if self.access_key_id == DEMO_ACCESS_KEY_ID {
                return Err(SettingsError::invalid(
                    &key("access_key_id"),
                    "the sandbox demo credentials are refused against a real endpoint".into(),
                ));
            }
        }
        if let Some(email) = &self.default_email
            && !crate::validation::looks_like_email(email)
        {
            return Err(SettingsError::invalid(
                &key("default_email"),
                format!("{email:?} is not an email address"),
            ));
        }
        Ok(())
    }

    /// The AccessKey secret's sources.
    pub fn secret_source(&self, id: &str) -> super::SecretSource<'_> {
        super::SecretSource {
            key: format!("tenants.{id}.access_key_secret"),
            inline: self.access_key_secret.as_ref(),
            env: self.access_key_secret_env.as_deref(),
            file: self.access_key_secret_file.as_ref(),
        }
    }

    /// The STS token's sources.
    pub fn token_source(&self, id: &str) -> super::SecretSource<'_> {
        super::SecretSource {
            key: format!("tenants.{id}.security_token"),
            inline: self.security_token.as_ref(),
            env: self.security_token_env.as_deref(),
            file: self.security_token_file.as_ref(),
        }
    }
}
