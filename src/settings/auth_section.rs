//! `[auth]`: how JWTs are verified (keys, JWKS, claim names). Secrets are named, never inlined
//! outside the demo.

use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;

use super::SettingsError;

/// `[auth]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// Required `iss`, when set.
    pub issuer: Option<String>,
    /// Required `aud`, when set.
    pub audience: Option<String>,
    /// Claim holding the tenant id.
    pub tenant_claim: String,
    /// Claim holding the roles array.
    pub roles_claim: String,
    /// Clock leeway for `exp` and `nbf`, seconds.
    pub leeway_secs: u64,
    /// HS256 secret, inline (demo only).
    pub hs256_secret: Option<SecretString>,
    /// Environment variable holding the HS256 secret.
    pub hs256_secret_env: Option<String>,
    /// File holding the HS256 secret.
    pub hs256_secret_file: Option<PathBuf>,
    /// RS256 / ES256 public keys (PEM files): each a path, or `{ file = "…", kid = "…" }` when
    /// the IdP's tokens name the key with a `kid`.
    pub public_key_files: Vec<PublicKeyFile>,
    /// JWKS URL of the identity provider.
    pub jwks_url: Option<String>,
    /// Refetch the JWKS on an unknown `kid` at most this often, seconds.
    pub jwks_refresh_min_interval_secs: u64,
    /// Refresh the JWKS when older than this, seconds.
    pub jwks_max_age_secs: u64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            issuer: None,
            audience: None,
            tenant_claim: "tenant".into(),
            roles_claim: "roles".into(),
            leeway_secs: 30,
            hs256_secret: None,
            hs256_secret_env: None,
            hs256_secret_file: None,
            public_key_files: Vec::new(),
            jwks_url: None,
            jwks_refresh_min_interval_secs: 60,
            jwks_max_age_secs: 3600,
        }
    }
}

impl AuthSettings {
    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        for (key, value) in [
            ("auth.tenant_claim", &self.tenant_claim),
            ("auth.roles_claim", &self.roles_claim),
        ] {
            if value.trim().is_empty() {
                return Err(SettingsError::invalid(key, "must not be empty".into()));
            }
        }
        if let Some(url) = &self.jwks_url {
            let parsed = reqwest::Url::parse(url)
                .map_err(|e| SettingsError::invalid("auth.jwks_url", format!("not a URL: {e}")))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(SettingsError::invalid(
                    "auth.jwks_url",
                    "must be http(s)".into(),
                ));
            }
        }
        for entry in &self.public_key_files {
            if let PublicKeyFile::WithKid(KeyFileWithKid { kid, .. }) = entry
                && kid.trim().is_empty()
            {
                return Err(SettingsError::invalid(
                    "auth.public_key_files",
                    "a kid must not be empty (leave it out for tokens without a kid)".into(),
                ));
            }
        }
        let has_hs = self.hs256_secret.is_some()
            || self.hs256_secret_env.is_some()
            || self.hs256_secret_file.is_some();
        if !has_hs && self.public_key_files.is_empty() && self.jwks_url.is_none() {
            return Err(SettingsError::invalid(
                "auth",
                "no JWT key configured: set hs256_secret_env / hs256_secret_file, public_key_files or jwks_url".into(),
            ));
        }
        Ok(())
    }

    /// The HS256 secret's sources, for resolution.
    pub fn hs256_source(&self) -> super::SecretSource<'_> {
        super::SecretSource {
            key: "auth.hs256_secret".into(),
            inline: self.hs256_secret.as_ref(),
            env: self.hs256_secret_env.as_deref(),
            file: self.hs256_secret_file.as_ref(),
        }
    }
}

/// One entry of `auth.public_key_files`.
///
/// Key selection is strict (see `auth::authenticator`): a token naming a `kid` is only checked
/// against keys configured with that exact `kid` (a token without one is checked against every
/// key of its algorithm). So a PEM key whose IdP puts a `kid` in its tokens must be configured
/// with that `kid`:
///
/// ```toml
/// public_key_files = ["legacy.pem", { file = "idp-2024.pem", kid = "2024-06" }]
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(
    untagged,
    expecting = "a PEM file path, or a table { file = \"…\", kid = \"…\" }"
)]
pub enum PublicKeyFile {
    /// Just the file: verifies only tokens that carry no `kid`.
    Path(PathBuf),
    /// The file and the `kid` of the tokens it verifies (tokens without a `kid` too).
    WithKid(KeyFileWithKid),
}

/// `{ file = "…", kid = "…" }` in `auth.public_key_files`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFileWithKid {
    /// The PEM public key file.
    pub file: PathBuf,
    /// The `kid` header value of tokens signed with this key.
    pub kid: String,
}

impl PublicKeyFile {
    /// The PEM file.
    pub fn file(&self) -> &std::path::Path {
        match self {
            Self::Path(file) | Self::WithKid(KeyFileWithKid { file, .. }) => file,
        }
    }

    /// The `kid`, when configured.
    pub fn kid(&self) -> Option<&str> {
        match self {
            Self::Path(_) => None,
            Self::WithKid(KeyFileWithKid { kid, .. }) => Some(kid),
        }
    }
}
