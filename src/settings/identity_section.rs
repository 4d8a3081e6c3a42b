//! `[identity]`: the gateway's own Alibaba Cloud identity, the one that assumes each
//! role-based tenant's RAM role through STS. It holds no customer's key.
//!
//! Sources: `none` (no role-based tenant allowed), `access_key` (a RAM user's AccessKey of
//! the gateway's own account), `oidc` (RRSA on ACK: a projected service-account token traded
//! with `AssumeRoleWithOIDC`; the three fields default to the `ALIBABA_CLOUD_*` variables
//! ACK injects, as the official SDKs read them), `ecs_ram_role` (the instance's RAM role from
//! the ECS metadata service). Every endpoint is configurable, so tests point them at the
//! sandbox; the metadata address is only the default.
//!
//! Rules (each refusal names its key): an inline AccessKey secret and the demo key only with
//! a simulated STS (`sts_endpoint = "sandbox"` or a loopback `http://` URL); plain `http://` endpoints only on loopback hosts (the sandbox
//! and tests) — STS answers carry secrets — except `metadata_url`, which is plain HTTP on a
//! link-local address by design.

use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;

use super::{Endpoint, SettingsError};
use workorder_api::SignatureVersion;

/// The default STS endpoint (the central one every official library defaults to).
pub const DEFAULT_STS_ENDPOINT: &str = "https://sts.aliyuncs.com";
/// The ECS instance metadata service.
pub const DEFAULT_METADATA_URL: &str = "http://100.100.100.200";
/// Variables ACK's RRSA injects (and the official SDKs read) for the `oidc` source.
pub const ENV_ROLE_ARN: &str = "ALIBABA_CLOUD_ROLE_ARN";
/// See [`ENV_ROLE_ARN`].
pub const ENV_OIDC_PROVIDER_ARN: &str = "ALIBABA_CLOUD_OIDC_PROVIDER_ARN";
/// See [`ENV_ROLE_ARN`].
pub const ENV_OIDC_TOKEN_FILE: &str = "ALIBABA_CLOUD_OIDC_TOKEN_FILE";

/// Where the gateway's own credentials come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentitySource {
    /// No identity: every tenant must have its own AccessKey.
    #[default]
    None,
    /// A RAM user's AccessKey of the gateway's account.
    AccessKey,
    /// RRSA: `AssumeRoleWithOIDC` with the pod's projected token.
    Oidc,
    /// The ECS instance's RAM role, from the metadata service.
    EcsRamRole,
}

impl IdentitySource {
    /// The value as written in configuration and shown in logs.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::AccessKey => "access_key",
            Self::Oidc => "oidc",
            Self::EcsRamRole => "ecs_ram_role",
        }
    }
}

/// `[identity]`.
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentitySettings {
    /// `none`, `access_key`, `oidc` or `ecs_ram_role`.
    pub source: IdentitySource,
    /// STS: `"sandbox"` (the embedded simulator) or a URL (regional `https://sts.<region>
    /// .aliyuncs.com`, VPC `https://sts-vpc.<region>.aliyuncs.com`).
    pub sts_endpoint: String,
    /// How STS calls are signed.
    pub signature: SignatureVersion,
    /// `access_key`: the RAM user's AccessKey id.
    pub access_key_id: String,
    /// `access_key`: inline secret, with `sts_endpoint = "sandbox"` only.
    pub access_key_secret: Option<SecretString>,
    /// `access_key`: environment variable holding the secret.
    pub access_key_secret_env: Option<String>,
    /// `access_key`: file holding the secret.
    pub access_key_secret_file: Option<PathBuf>,
    /// `oidc`: the gateway's role (default `$ALIBABA_CLOUD_ROLE_ARN`).
    pub role_arn: Option<String>,
    /// `oidc`: the cluster's OIDC provider (default `$ALIBABA_CLOUD_OIDC_PROVIDER_ARN`).
    pub oidc_provider_arn: Option<String>,
    /// `oidc`: the projected token, re-read at every exchange because kubelet rotates it
    /// (default `$ALIBABA_CLOUD_OIDC_TOKEN_FILE`).
    pub oidc_token_file: Option<PathBuf>,
    /// `oidc`: lifetime asked for the gateway's own session.
    pub session_duration_secs: u64,
    /// `ecs_ram_role`: the instance's role; discovered from the metadata service when unset.
    pub role_name: Option<String>,
    /// `ecs_ram_role`: the metadata service.
    pub metadata_url: String,
}

impl Default for IdentitySettings {
    fn default() -> Self {
        Self {
            source: IdentitySource::None,
            sts_endpoint: DEFAULT_STS_ENDPOINT.to_owned(),
            signature: SignatureVersion::V1,
            access_key_id: String::new(),
            access_key_secret: None,
            access_key_secret_env: None,
            access_key_secret_file: None,
            role_arn: None,
            oidc_provider_arn: None,
            oidc_token_file: None,
            session_duration_secs: 3600,
            role_name: None,
            metadata_url: DEFAULT_METADATA_URL.to_owned(),
        }
    }
}

impl std::fmt::Debug for IdentitySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentitySettings")
            .field("source", &self.source)
            .field("sts_endpoint", &self.sts_endpoint)
            .field("access_key_id", &self.access_key_id)
            .field("role_arn", &self.role_arn)
            .field("role_name", &self.role_name)
            .finish_non_exhaustive()
    }
}

/// Where STS is, once the embedded sandbox (if named) is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StsEndpoint {
    /// The embedded simulator.
    Sandbox,
    /// A URL.
    Remote(Endpoint),
}

/// The `oidc` source's three values, with the ACK variables filled in.
#[derive(Debug, Clone)]
pub struct OidcSource {
    /// The gateway's role.
    pub role_arn: String,
    /// The OIDC provider.
    pub provider_arn: String,
    /// The projected token file.
    pub token_file: PathBuf,
}

impl IdentitySettings {
    /// `sts_endpoint`, parsed.
    pub fn sts_endpoint(&self) -> Result<StsEndpoint, SettingsError> {
        if self.sts_endpoint == super::SANDBOX_ENDPOINT {
            return Ok(StsEndpoint::Sandbox);
        }
        let endpoint = Endpoint::parse(&self.sts_endpoint)
            .map_err(|reason| SettingsError::invalid("identity.sts_endpoint", reason))?;
        let url = endpoint.url();
        if url.scheme() == "http"
            && !crate::validation::is_loopback_host(url.host_str().unwrap_or_default())
        {
            return Err(SettingsError::invalid(
                "identity.sts_endpoint",
                "STS answers carry secrets: use https (plain http:// only on a loopback host)"
                    .to_owned(),
            ));
        }
        Ok(StsEndpoint::Remote(endpoint))
    }

    /// `metadata_url`, parsed.
    pub fn metadata_endpoint(&self) -> Result<Endpoint, SettingsError> {
        Endpoint::parse(&self.metadata_url)
            .map_err(|reason| SettingsError::invalid("identity.metadata_url", reason))
    }

    /// The secret's sources (`access_key` source).
    pub fn secret_source(&self) -> super::SecretSource<'_> {
        super::SecretSource {
            key: "identity.access_key_secret".to_owned(),
            inline: self.access_key_secret.as_ref(),
            env: self.access_key_secret_env.as_deref(),
            file: self.access_key_secret_file.as_ref(),
        }
    }

    /// The `oidc` values, each from its key or else from its ACK variable.
    pub fn oidc_source(&self) -> Result<OidcSource, SettingsError> {
        let pick = |set: Option<String>, key: &str, var: &str| {
            set.or_else(|| std::env::var(var).ok())
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| {
                    SettingsError::invalid(
                        &format!("identity.{key}"),
                        format!("required for source = \"oidc\" (or set {var})"),
                    )
                })
        };
        Ok(OidcSource {
            role_arn: pick(self.role_arn.clone(), "role_arn", ENV_ROLE_ARN)?,
            provider_arn: pick(
                self.oidc_provider_arn.clone(),
                "oidc_provider_arn",
                ENV_OIDC_PROVIDER_ARN,
            )?,
            token_file: PathBuf::from(pick(
                self.oidc_token_file
                    .as_ref()
                    .map(|p| p.display().to_string()),
                "oidc_token_file",
                ENV_OIDC_TOKEN_FILE,
            )?),
        })
    }

    /// STS is a simulator: the embedded one, or plain `http://` on this machine (a
    /// standalone sandbox; a real STS is HTTPS only). Inline secrets and the demo key only
    /// there.
    pub fn sts_is_simulator(&self) -> bool {
        match self.sts_endpoint() {
            Ok(StsEndpoint::Sandbox) => true,
            Ok(StsEndpoint::Remote(endpoint)) => endpoint.url().scheme() == "http",
            Err(_) => false,
        }
    }

    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        self.sts_endpoint()?;
        self.metadata_endpoint()?;
        let simulator = self.sts_is_simulator();
        if self.access_key_secret.is_some() && !simulator {
            return Err(SettingsError::invalid(
                "identity.access_key_secret",
                "inline secrets are for a simulated STS only (sts_endpoint = \"sandbox\" or a loopback http:// URL); use access_key_secret_env or access_key_secret_file".to_owned(),
            ));
        }
        if !(workorder_api::sts::MIN_SESSION_SECS..=workorder_api::sts::MAX_SESSION_SECS)
            .contains(&self.session_duration_secs)
        {
            return Err(SettingsError::invalid(
                "identity.session_duration_secs",
                "must be within 900..=43200 (STS's limits)".to_owned(),
            ));
        }
        match self.source {
            IdentitySource::None | IdentitySource::EcsRamRole => {}
            IdentitySource::AccessKey => {
                if self.access_key_id.trim().is_empty() {
                    return Err(SettingsError::invalid(
                        "identity.access_key_id",
                        "required for source = \"access_key\"".to_owned(),
                    ));
                }
                if self.access_key_id == super::DEMO_ACCESS_KEY_ID && !simulator {
                    return Err(SettingsError::invalid(
                        "identity.access_key_id",
                        "the sandbox demo credentials are for a simulated STS only".to_owned(),
                    ));
                }
            }
            IdentitySource::Oidc => {
                let oidc = self.oidc_source()?;
                check_role_arn("identity.role_arn", &oidc.role_arn)?;
            }
        }
        Ok(())
    }
}

/// `acs:ram::<uid>:role/<name>`: refused early, naming the key, rather than by STS later.
pub(crate) fn check_role_arn(key: &str, arn: &str) -> Result<(), SettingsError> {
    let valid = arn
        .strip_prefix("acs:ram::")
        .and_then(|rest| rest.split_once(":role/"))
        .is_some_and(|(uid, name)| {
            !uid.is_empty() && uid.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty()
        });
    if valid {
        Ok(())
    } else {
        Err(SettingsError::invalid(
            key,
            format!("{arn:?} is not a role ARN (acs:ram::<account uid>:role/<name>)"),
        ))
    }
}
