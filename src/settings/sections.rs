//! One struct per configuration section, with its defaults and its own checks.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use super::{DEMO_ACCESS_KEY_ID, SettingsError};
use crate::upstream::{Endpoint, Language, SignatureVersion};

/// `[server]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Listen address (`WOG_SERVER__LISTEN`).
    pub listen: SocketAddr,
    /// Largest accepted request body, in bytes; larger is 413 `payload_too_large`.
    pub max_body_bytes: usize,
    /// Prefix every route is mounted under (`""` or `/something`, no trailing slash).
    pub base_path: String,
    /// Browser origins allowed by CORS (`https://support.example.com`); none by default.
    pub cors_allowed_origins: Vec<String>,
    /// Worker threads; 0 = one per core.
    pub workers: usize,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_body_bytes: 65_536,
            base_path: String::new(),
            cors_allowed_origins: Vec::new(),
            workers: 0,
        }
    }
}

impl ServerSettings {
    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        if self.max_body_bytes < 1024 {
            return Err(SettingsError::invalid(
                "server.max_body_bytes",
                "must be at least 1024".into(),
            ));
        }
        let base = &self.base_path;
        if !base.is_empty()
            && (!base.starts_with('/')
                || base.ends_with('/')
                || !base[1..].split('/').all(|seg| {
                    !seg.is_empty()
                        && seg
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b))
                }))
        {
            return Err(SettingsError::invalid(
                "server.base_path",
                format!(
                    "{base:?} must be empty or like /api/support (leading slash, no trailing slash)"
                ),
            ));
        }
        for origin in &self.cors_allowed_origins {
            let parsed = reqwest::Url::parse(origin).ok();
            let is_origin = parsed.as_ref().is_some_and(|u| {
                matches!(u.scheme(), "http" | "https")
                    && u.host().is_some()
                    && u.path() == "/"
                    && !origin.ends_with('/')
            });
            if !is_origin && origin != "*" {
                return Err(SettingsError::invalid(
                    "server.cors_allowed_origins",
                    format!("{origin:?} is not an origin like https://support.example.com"),
                ));
            }
        }
        Ok(())
    }
}

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

/// `[catalog]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CatalogSettings {
    /// Fresh lifetime of a cached catalog, seconds.
    pub ttl_secs: u64,
    /// How long past the TTL the last good value is served when refreshing fails, seconds.
    pub stale_secs: u64,
    /// Most cached documents kept (all tenants, languages and products together).
    pub max_entries: u64,
}

impl Default for CatalogSettings {
    fn default() -> Self {
        Self {
            ttl_secs: 600,
            stale_secs: 86_400,
            max_entries: 10_000,
        }
    }
}

impl CatalogSettings {
    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        if self.ttl_secs == 0 {
            return Err(SettingsError::invalid(
                "catalog.ttl_secs",
                "must be at least 1".into(),
            ));
        }
        if self.max_entries == 0 {
            return Err(SettingsError::invalid(
                "catalog.max_entries",
                "must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

/// `[sandbox]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxSettings {
    /// Start the embedded simulator on a loopback port; tenants with `endpoint = "sandbox"`
    /// talk to it.
    pub enabled: bool,
    /// Extra sandbox accounts (same format as `workorder-gateway sandbox --accounts`).
    pub accounts_file: Option<PathBuf>,
    /// Seconds before the simulated engineer answers a new ticket; 0 disables.
    pub engineer_delay_secs: u64,
    /// Seed of the simulator's fault injection.
    pub seed: u64,
}

impl Default for SandboxSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            accounts_file: None,
            engineer_delay_secs: 30,
            seed: 0,
        }
    }
}

/// `[upstream]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UpstreamSettings {
    /// TCP + TLS connect timeout, milliseconds.
    pub connect_timeout_ms: u64,
    /// Whole-attempt timeout, milliseconds.
    pub request_timeout_ms: u64,
    /// Attempts per call, first included (reads and CloseTicket only; see `upstream::retry`).
    pub max_attempts: u32,
    /// First backoff ceiling, milliseconds.
    pub retry_base_delay_ms: u64,
    /// Longest single backoff, milliseconds.
    pub retry_max_delay_ms: u64,
    /// Consecutive transport / 5xx failures that open a tenant's circuit breaker; 0 disables.
    pub breaker_failure_threshold: u32,
    /// How long an open breaker fails calls fast with 503, seconds.
    pub breaker_open_secs: u64,
}

impl Default for UpstreamSettings {
    fn default() -> Self {
        Self {
            connect_timeout_ms: 3_000,
            request_timeout_ms: 10_000,
            max_attempts: 3,
            retry_base_delay_ms: 100,
            retry_max_delay_ms: 2_000,
            breaker_failure_threshold: 5,
            breaker_open_secs: 30,
        }
    }
}

impl UpstreamSettings {
    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        if self.max_attempts == 0 || self.max_attempts > 10 {
            return Err(SettingsError::invalid(
                "upstream.max_attempts",
                "must be 1 to 10".into(),
            ));
        }
        if self.connect_timeout_ms == 0 || self.request_timeout_ms == 0 {
            return Err(SettingsError::invalid(
                "upstream.request_timeout_ms",
                "timeouts must be positive".into(),
            ));
        }
        Ok(())
    }

    /// The transport settings these values describe.
    pub fn client_settings(&self) -> crate::upstream::ClientSettings {
        crate::upstream::ClientSettings {
            connect_timeout: Duration::from_millis(self.connect_timeout_ms),
            request_timeout: Duration::from_millis(self.request_timeout_ms),
            retry: crate::upstream::RetryPolicy {
                max_attempts: self.max_attempts,
                base_delay: Duration::from_millis(self.retry_base_delay_ms),
                max_delay: Duration::from_millis(self.retry_max_delay_ms),
            },
            ..crate::upstream::ClientSettings::default()
        }
    }
}

/// `[limits]`: a token bucket per user (tenant + `sub`).
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitSettings {
    /// Sustained requests per second per user; 0 disables the limit.
    pub requests_per_second: u32,
    /// Burst size per user.
    pub burst: u32,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            requests_per_second: 20,
            burst: 40,
        }
    }
}

impl LimitSettings {
    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        if self.requests_per_second > 0 && self.burst == 0 {
            return Err(SettingsError::invalid(
                "limits.burst",
                "must be at least 1 when limits are on".into(),
            ));
        }
        Ok(())
    }
}

/// `[shutdown]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShutdownSettings {
    /// After SIGTERM, `/readyz` is 503 and the listener keeps serving this long, seconds.
    pub drain_delay_secs: u64,
    /// Then in-flight requests get this long to finish, seconds.
    pub timeout_secs: u64,
}

impl Default for ShutdownSettings {
    fn default() -> Self {
        Self {
            drain_delay_secs: 5,
            timeout_secs: 25,
        }
    }
}

/// `[reload]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReloadSettings {
    /// Check the configuration file and the secret files it names this often and reload when
    /// one changed, seconds; 0 (the default) reloads on SIGHUP only.
    pub watch_interval_secs: u64,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// JSON lines unless stdout is a terminal.
    #[default]
    Auto,
    /// Always JSON lines.
    Json,
    /// Always human-readable text.
    Text,
}

/// `[log]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `tracing` filter directive; `RUST_LOG` wins when set.
    pub level: String,
    /// Output format.
    pub format: LogFormat,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: LogFormat::Auto,
        }
    }
}

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
