//! Holding no customer AccessKey: the gateway's own Alibaba Cloud identity (`[identity]`) and,
//! for each role-based tenant, temporary credentials for the customer's RAM role, assumed
//! through STS with that identity and kept fresh ([`RefreshingCredentials`]).
//!
//! - [`GatewayIdentity`]: where the gateway's own credentials come from — a RAM user's
//!   AccessKey, RRSA (`AssumeRoleWithOIDC` with the pod's projected token, re-read at every
//!   exchange because kubelet rotates it), or the ECS instance role (metadata service: token,
//!   then credentials). The last two are temporary and refreshed like a tenant's.
//! - [`TenantCredentials`]: what a tenant signs with — its static AccessKey, or its role's
//!   current temporary credentials.
//! - `sts` / `metadata`: the two HTTP exchanges, laid out by `workorder_api::sts`.
//!
//! Invariants: secrets, tokens and external ids live in `secrecy` types and `Credentials`;
//! errors carry STS's error code and HTTP status, never a body (STS echoes the string it
//! signed, which holds the external id and the policy); every endpoint comes from
//! configuration, so tests never reach a real address.

mod metadata;
mod refresh;
mod sts;

use std::sync::Arc;

use secrecy::{ExposeSecret as _, SecretString};
use workorder_api::Credentials;
use workorder_api::sts::AssumeRoleParams;

pub use refresh::{
    FIRST_BACKOFF, JITTER_SHARE, MAX_BACKOFF, POLL, REFRESH_AT_SHARE, RefreshingCredentials,
    Unavailable,
};
pub use sts::StsClient;

use crate::clock::Clock;
use crate::settings::{Endpoint, IdentitySettings, IdentitySource, SettingsError, StsEndpoint};
use crate::telemetry::CredentialMetrics;

/// The label of the gateway's own session in logs and metrics: not a valid tenant id, so it
/// cannot be mistaken for one.
pub const GATEWAY_LABEL: &str = "[identity]";
/// `RoleSessionName` prefix: the tenant id follows, so the customer's ActionTrail and the
/// assumed-role ARN show which gateway tenant acted.
pub const SESSION_PREFIX: &str = "workorder-gateway";

/// Why temporary credentials could not be had. Never carries a secret or an STS body.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CredentialsError {
    /// STS (or the metadata service) answered with an error code.
    #[error("{service} refused: {code} (HTTP {status})")]
    Refused {
        /// `STS` or `ECS metadata`.
        service: &'static str,
        /// HTTP status.
        status: u16,
        /// The error code (`NoPermission`, `EntityNotExist.Role`, …).
        code: String,
    },
    /// No answer (connection, timeout).
    #[error("{service} unreachable: {reason}")]
    Unreachable {
        /// `STS` or `ECS metadata`.
        service: &'static str,
        /// The transport's reason.
        reason: String,
    },
    /// An answer that is not what the service documents.
    #[error("{service} answer unreadable: {reason}")]
    Unreadable {
        /// `STS` or `ECS metadata`.
        service: &'static str,
        /// What was wrong (never quoting the body).
        reason: String,
    },
    /// The OIDC token file could not be read.
    #[error("OIDC token file {path}: {reason}")]
    TokenFile {
        /// The path configured.
        path: String,
        /// The I/O error.
        reason: String,
    },
    /// The gateway's own temporary credentials (RRSA, ECS role) have expired and were not
    /// renewed, so no tenant's role can be assumed with them.
    #[error("the gateway's own temporary credentials have expired and were not renewed")]
    IdentityExpired,
}

/// The gateway's own credentials.
#[derive(Debug)]
enum OwnCredentials {
    Static(Credentials),
    Refreshing(RefreshingCredentials),
}

/// The gateway's identity and the STS client it assumes roles with.
#[derive(Debug)]
pub struct GatewayIdentity {
    sts: StsClient,
    own: OwnCredentials,
    /// [`identity_fingerprint`] of the settings it was built from.
    fingerprint: u64,
}

/// A keyed hash of settings (secrets included) to tell whether a reload changed them; the key
/// is random per process, and the value never leaves memory.
pub fn fingerprint(parts: &[&[u8]]) -> u64 {
    use std::hash::{BuildHasher as _, Hasher as _};
    static KEY: std::sync::OnceLock<std::hash::RandomState> = std::sync::OnceLock::new();
    let mut hasher = KEY.get_or_init(std::hash::RandomState::new).build_hasher();
    for part in parts {
        hasher.write_usize(part.len());
        hasher.write(part);
    }
    hasher.finish()
}

/// What identifies `[identity]`'s effect: the source, where STS is, how it signs and the
/// credentials it starts from (the secret resolved). `None` for `source = "none"`.
pub fn identity_fingerprint(
    settings: &IdentitySettings,
    sandbox: Option<&Endpoint>,
) -> Result<Option<u64>, SettingsError> {
    if settings.source == IdentitySource::None {
        return Ok(None);
    }
    let sts = match settings.sts_endpoint()? {
        StsEndpoint::Sandbox => sandbox.map(|e| e.url().to_string()).unwrap_or_default(),
        StsEndpoint::Remote(endpoint) => endpoint.url().to_string(),
    };
    let secret = match settings.source {
        IdentitySource::AccessKey => settings.secret_source().resolve()?.map(|(s, _)| s),
        _ => None,
    };
    let oidc = match settings.source {
        IdentitySource::Oidc => {
            let oidc = settings.oidc_source()?;
            format!(
                "{}\n{}\n{}",
                oidc.role_arn,
                oidc.provider_arn,
                oidc.token_file.display()
            )
        }
        _ => String::new(),
    };
    Ok(Some(fingerprint(&[
        settings.source.as_str().as_bytes(),
        sts.as_bytes(),
        settings.signature.to_string().as_bytes(),
        settings.access_key_id.as_bytes(),
        secret
            .as_ref()
            .map_or(&b""[..], |s| s.expose_secret().as_bytes()),
        oidc.as_bytes(),
        settings.role_name.as_deref().unwrap_or_default().as_bytes(),
        settings.metadata_url.as_bytes(),
        settings.session_duration_secs.to_string().as_bytes(),
    ])))
}

impl GatewayIdentity {
    /// Builds `[identity]`; `None` for `source = "none"`. For RRSA and ECS the first session
    /// is fetched here (start-up fails loudly when it cannot be), then kept fresh.
    pub async fn from_settings(
        settings: &IdentitySettings,
        sandbox: Option<&Endpoint>,
        http: reqwest::Client,
        clock: &Clock,
        metrics: Option<CredentialMetrics>,
    ) -> Result<Option<Arc<Self>>, IdentityError> {
        let Some(fingerprint) = identity_fingerprint(settings, sandbox)? else {
            return Ok(None);
        };
        let endpoint = match settings.sts_endpoint()? {
            StsEndpoint::Remote(endpoint) => endpoint,
            StsEndpoint::Sandbox => sandbox.cloned().ok_or_else(|| {
                SettingsError::invalid(
                    "identity.sts_endpoint",
                    "\"sandbox\" needs sandbox.enabled = true".to_owned(),
                )
            })?,
        };
        let sts = StsClient::new(http.clone(), endpoint, settings.signature);
        let own = match settings.source {
            IdentitySource::None => return Ok(None),
            IdentitySource::AccessKey => {
                let (secret, _) = settings.secret_source().resolve()?.ok_or_else(|| {
                    SettingsError::invalid(
                        "identity.access_key_secret",
                        "missing: set access_key_secret_env or access_key_secret_file".to_owned(),
                    )
                })?;
                if !settings.sts_is_simulator()
                    && secret.expose_secret() == crate::settings::DEMO_ACCESS_KEY_SECRET
                {
                    return Err(SettingsError::invalid(
                        "identity.access_key_secret",
                        "the sandbox demo secret is for a simulated STS only".to_owned(),
                    )
                    .into());
                }
                OwnCredentials::Static(Credentials::new(settings.access_key_id.clone(), secret))
            }
            IdentitySource::Oidc => {
                let oidc = settings.oidc_source()?;
                let sts = sts.clone();
                let duration = settings.session_duration_secs;
                let fetch: refresh::Fetch = Box::new(move || {
                    let sts = sts.clone();
                    let oidc = oidc.clone();
                    Box::pin(async move {
                        // Re-read every time: kubelet rotates the projected token.
                        let token = tokio::fs::read_to_string(&oidc.token_file)
                            .await
                            .map(SecretString::from)
                            .map_err(|e| CredentialsError::TokenFile {
                                path: oidc.token_file.display().to_string(),
                                reason: e.to_string(),
                            })?;
                        sts.assume_role_with_oidc(
                            &oidc.provider_arn,
                            &oidc.role_arn,
                            token.expose_secret().trim(),
                            SESSION_PREFIX,
                            duration,
                        )
                        .await
                    })
                });
                OwnCredentials::Refreshing(RefreshingCredentials::new(
                    GATEWAY_LABEL,
                    fetch,
                    clock.clone(),
                    metrics,
                ))
            }
            IdentitySource::EcsRamRole => {
                let client = metadata::MetadataClient::new(
                    http,
                    settings.metadata_endpoint()?,
                    settings.role_name.clone(),
                );
                let fetch: refresh::Fetch = Box::new(move || {
                    let client = client.clone();
                    Box::pin(async move { client.credentials().await })
                });
                OwnCredentials::Refreshing(RefreshingCredentials::new(
                    GATEWAY_LABEL,
                    fetch,
                    clock.clone(),
                    metrics,
                ))
            }
        };
        if let OwnCredentials::Refreshing(refreshing) = &own {
            refreshing
                .refresh()
                .await
                .map_err(|e| IdentityError::Verify {
                    who: format!("[identity] source = \"{}\"", settings.source.as_str()),
                    error: e,
                })?;
            refreshing.start();
        }
        tracing::info!(source = settings.source.as_str(), "gateway identity ready");
        Ok(Some(Arc::new(Self {
            sts,
            own,
            fingerprint,
        })))
    }

    /// [`identity_fingerprint`] of the settings this identity was built from.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// The gateway's current credentials (to sign AssumeRole with).
    pub async fn credentials(&self) -> Result<Credentials, CredentialsError> {
        match &self.own {
            OwnCredentials::Static(credentials) => Ok(credentials.clone()),
            OwnCredentials::Refreshing(refreshing) => refreshing
                .current()
                .await
                .map_err(|Unavailable| CredentialsError::IdentityExpired),
        }
    }

    /// Assumes `role` with the gateway's credentials.
    pub async fn assume(
        &self,
        role: &TenantRole,
    ) -> Result<workorder_api::sts::IssuedCredentials, CredentialsError> {
        let source = self.credentials().await?;
        self.sts
            .assume_role(
                &source,
                &AssumeRoleParams {
                    role_arn: &role.role_arn,
                    session_name: &role.session_name,
                    duration_secs: role.duration_secs,
                    external_id: role.external_id.as_ref().map(|e| e.expose_secret()),
                    policy: role.policy.as_deref(),
                },
            )
            .await
    }
}

/// A tenant's role as configured.
#[derive(Clone)]
pub struct TenantRole {
    /// `acs:ram::<uid>:role/<name>`.
    pub role_arn: String,
    /// `workorder-gateway-<tenant>` (trimmed to STS's 64 characters).
    pub session_name: String,
    /// `session_duration_secs`.
    pub duration_secs: u64,
    /// The role's external id, if its trust policy asks for one.
    pub external_id: Option<SecretString>,
    /// Optional session policy.
    pub policy: Option<String>,
}

impl TenantRole {
    /// What identifies this role session's effect, with the identity assuming it: a reload
    /// that changes neither keeps the running session.
    pub fn fingerprint(&self, identity: &GatewayIdentity) -> u64 {
        fingerprint(&[
            self.role_arn.as_bytes(),
            self.session_name.as_bytes(),
            self.duration_secs.to_string().as_bytes(),
            self.external_id
                .as_ref()
                .map_or(&b""[..], |e| e.expose_secret().as_bytes()),
            self.policy.as_deref().unwrap_or_default().as_bytes(),
            identity.fingerprint().to_string().as_bytes(),
        ])
    }
}

impl std::fmt::Debug for TenantRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantRole")
            .field("role_arn", &self.role_arn)
            .field("session_name", &self.session_name)
            .field("duration_secs", &self.duration_secs)
            .finish_non_exhaustive()
    }
}

/// `workorder-gateway-<tenant>`: tenant ids are `[a-z0-9_-]{1,64}`, within STS's alphabet;
/// cut to its 64 characters.
pub fn session_name(tenant: &str) -> String {
    let mut name = format!("{SESSION_PREFIX}-{tenant}");
    name.truncate(64);
    name
}

/// A tenant's role session, kept fresh with the gateway's identity.
pub fn tenant_role_credentials(
    tenant: &str,
    role: TenantRole,
    identity: Arc<GatewayIdentity>,
    clock: &Clock,
    metrics: Option<CredentialMetrics>,
) -> RefreshingCredentials {
    let role = Arc::new(role);
    let fetch: refresh::Fetch = Box::new(move || {
        let identity = Arc::clone(&identity);
        let role = Arc::clone(&role);
        Box::pin(async move { identity.assume(&role).await })
    });
    RefreshingCredentials::new(tenant, fetch, clock.clone(), metrics)
}

/// What a tenant signs its Workorder calls with.
#[derive(Debug, Clone)]
pub enum TenantCredentials {
    /// An AccessKey (and static STS token) from configuration.
    Static(Credentials),
    /// Its role's temporary credentials.
    Role(RefreshingCredentials),
}

impl From<Credentials> for TenantCredentials {
    fn from(credentials: Credentials) -> Self {
        Self::Static(credentials)
    }
}

impl TenantCredentials {
    /// The credentials to sign with now.
    pub async fn current(&self) -> Result<Credentials, Unavailable> {
        match self {
            Self::Static(credentials) => Ok(credentials.clone()),
            Self::Role(role) => role.current().await,
        }
    }

    /// The configured AccessKey, for a static tenant.
    pub fn as_static(&self) -> Option<&Credentials> {
        match self {
            Self::Static(credentials) => Some(credentials),
            Self::Role(_) => None,
        }
    }
}

/// Why `[identity]` or a tenant's role could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// A configuration value is wrong.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// The first fetch failed: start-up (or the reload) is refused, naming STS's code.
    #[error("{who}: cannot get temporary credentials: {error}")]
    Verify {
        /// `[identity] …` or `tenants.<id>.role_arn`.
        who: String,
        /// What STS (or the metadata service) said.
        error: CredentialsError,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(toml: &str) -> IdentitySettings {
        let toml = format!("[auth]\nhs256_secret_env = \"JWT_SECRET\"\n{toml}");
        crate::settings::Settings::from_toml_str(&toml)
            .unwrap()
            .identity
    }

    #[tokio::test]
    async fn the_demo_secret_from_a_file_is_refused_for_a_real_sts_before_any_call() {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), crate::settings::DEMO_ACCESS_KEY_SECRET).unwrap();
        let settings = identity(&format!(
            "[identity]\nsource = \"access_key\"\naccess_key_id = \"LTAI5tGateway\"\naccess_key_secret_file = \"{}\"\n",
            file.path().display()
        ));
        let err = GatewayIdentity::from_settings(
            &settings,
            None,
            reqwest::Client::new(),
            &Clock::manual(),
            None,
        )
        .await
        .unwrap_err()
        .to_string();
        assert!(err.contains("identity.access_key_secret"), "{err}");
    }

    #[test]
    fn session_names_carry_the_tenant_within_stss_64_characters() {
        assert_eq!(session_name("acme"), "workorder-gateway-acme");
        assert_eq!(session_name(&"t".repeat(64)).len(), 64);
    }

    #[test]
    fn fingerprints_change_with_any_part_and_debug_hides_the_external_id() {
        let role = |external: &str| TenantRole {
            role_arn: "acs:ram::1:role/r".to_owned(),
            session_name: session_name("acme"),
            duration_secs: 3600,
            external_id: Some(SecretString::from(external.to_owned())),
            policy: None,
        };
        assert_eq!(fingerprint(&[b"a", b"bc"]), fingerprint(&[b"a", b"bc"]));
        assert_ne!(fingerprint(&[b"ab", b"c"]), fingerprint(&[b"a", b"bc"]));
        assert!(!format!("{:?}", role("ext-hidden-1")).contains("ext-hidden-1"));
    }
}
