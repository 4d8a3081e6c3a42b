//! `[tenants.<id>]`: one tenant's endpoint, signature version and credential sources, with the
//! rules that keep demo credentials and inline secrets away from real endpoints and secrets off
//! networks in clear.
//!
//! Rules (each refusal names its key):
//! - A *simulator* tenant — `endpoint = "sandbox"` (the embedded simulator), or `simulator =
//!   true` on a plain `http://` endpoint whose host is loopback (127.0.0.0/8, `::1`,
//!   `localhost`), or on another host together with `allow_insecure_http = true` (a simulator in
//!   a neighbouring container) — may have inline secrets and the demo credentials. No other
//!   tenant may: an `http://` URL alone does not make an endpoint a simulator, since a typo or a
//!   proxy would otherwise unlock the published demo key against a real account.
//! - A plain `http://` endpoint on a non-loopback host sends the signed requests and the STS
//!   token across the network in clear: refused unless `allow_insecure_http = true`.
//! - `simulator = true` on an HTTPS endpoint or a region id, and `allow_insecure_http = true` on
//!   anything but a plain `http://` URL, are refused: the flags mean something only there, and a
//!   stale flag must not lie in wait for the endpoint to change.

use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;

use super::{DEMO_ACCESS_KEY_ID, Endpoint, SettingsError};
use workorder_api::{Language, SignatureVersion};

/// `[tenants.<id>]`.
#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TenantSettings {
    /// `sandbox` (the embedded simulator), a region id (`cn-hangzhou`, `ap-southeast-1`), or a
    /// URL (`https://workorder.aliyuncs.com`, `http://sandbox:9000`); parsed as it is read.
    pub endpoint: TenantEndpoint,
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
    /// Instead of an AccessKey: the customer's RAM role (`acs:ram::<uid>:role/<name>`) that
    /// the gateway's own `[identity]` assumes through STS; calls are signed with the temporary
    /// credentials.
    pub role_arn: Option<String>,
    /// Inline external id (the role's `sts:ExternalId` condition): simulator tenants only.
    pub external_id: Option<SecretString>,
    /// Environment variable holding the external id.
    pub external_id_env: Option<String>,
    /// File holding the external id.
    pub external_id_file: Option<PathBuf>,
    /// Lifetime asked for each session (900 up to the role's `MaxSessionDuration`).
    pub session_duration_secs: u64,
    /// Optional session policy (JSON) narrowing what the role may do through the gateway.
    pub policy: Option<String>,
    /// Default language of this tenant's users.
    pub language: Language,
    /// Contact email used when a new ticket names none.
    pub default_email: Option<String>,
    /// A disabled tenant's users get 403 `tenant_not_configured`.
    pub enabled: bool,
    /// The plain-`http://` endpoint is a Workorder simulator: inline secrets and the demo
    /// credentials are allowed (see the module docs for where).
    pub simulator: bool,
    /// Accept a plain-`http://` endpoint on a non-loopback host (secrets cross the network in
    /// clear).
    pub allow_insecure_http: bool,
    /// Who sees which of the tenant's tickets: everyone with `tickets:read` (`tenant`, the
    /// default) or each user only the tickets they filed through the gateway (`own`).
    pub ticket_visibility: TicketVisibility,
    /// The Workorder API version the tenant's account is driven through: `2020-03-26` (the
    /// default) or `2021-06-10` (adds one-call reads, reopen, rating, severity, attachments).
    pub api_version: ApiVersion,
}

/// The Workorder API version a tenant speaks. Both versions address the same account's
/// tickets, so a 2021 tenant still lists, reads notes and closes through the 2020 actions
/// (whose answers the REST shape was built on) and uses 2021 where it adds something:
/// `GET /tickets/{id}`, creates and replies (severity, attachments), reopen, rating, uploads.
/// The catalog is the exception: the two versions' product and category ids are different
/// namespaces, so a 2021 tenant browses, and files against, 2021's catalogue only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
pub enum ApiVersion {
    /// `2020-03-26`.
    #[default]
    #[serde(rename = "2020-03-26")]
    V2020,
    /// `2021-06-10`.
    #[serde(rename = "2021-06-10")]
    V2021,
}

impl ApiVersion {
    /// The version string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2020 => workorder_api::API_VERSION,
            Self::V2021 => workorder_api::v2021::API_VERSION,
        }
    }
}

/// Who sees which of a tenant's tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TicketVisibility {
    /// Every `tickets:read` user sees all of the tenant's tickets; every `tickets:write` user
    /// may reply to and close any of them.
    #[default]
    Tenant,
    /// A user reaches only the tickets they created through the gateway (others' answer 404);
    /// `tickets:read:all` / `tickets:write:all` restore the tenant-wide view. Needs the shared
    /// state (ownership is recorded there).
    Own,
}

impl Default for TenantSettings {
    fn default() -> Self {
        Self {
            endpoint: TenantEndpoint::Remote(Endpoint::default()),
            signature: SignatureVersion::V1,
            access_key_id: String::new(),
            access_key_secret: None,
            access_key_secret_env: None,
            access_key_secret_file: None,
            security_token: None,
            security_token_env: None,
            security_token_file: None,
            role_arn: None,
            external_id: None,
            external_id_env: None,
            external_id_file: None,
            session_duration_secs: 3600,
            policy: None,
            language: Language::Zh,
            default_email: None,
            enabled: true,
            simulator: false,
            allow_insecure_http: false,
            ticket_visibility: TicketVisibility::Tenant,
            api_version: ApiVersion::V2020,
        }
    }
}

impl std::fmt::Debug for TenantSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantSettings")
            .field("endpoint", &self.endpoint)
            .field("signature", &self.signature)
            .field("access_key_id", &self.access_key_id)
            .field("role_arn", &self.role_arn)
            .field("session_duration_secs", &self.session_duration_secs)
            .field("language", &self.language)
            .field("enabled", &self.enabled)
            .field("simulator", &self.simulator)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("ticket_visibility", &self.ticket_visibility)
            .field("api_version", &self.api_version)
            .finish_non_exhaustive()
    }
}

/// The endpoint value naming the embedded sandbox.
pub const SANDBOX_ENDPOINT: &str = "sandbox";

/// A tenant's `endpoint`, parsed once, as it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantEndpoint {
    /// `"sandbox"`: the embedded simulator, whose address is known only once it runs.
    Sandbox,
    /// A region id or an http(s) URL.
    Remote(Endpoint),
    /// Neither. Kept with the reason rather than failing deserialization, so that
    /// [`super::Settings::validate`] refuses it naming its key like every other value.
    Invalid {
        /// Why the value is not an endpoint.
        reason: String,
    },
}

impl TenantEndpoint {
    /// Reads an `endpoint` value.
    pub fn parse(raw: &str) -> Self {
        if raw == SANDBOX_ENDPOINT {
            return Self::Sandbox;
        }
        if raw.contains("://") {
            return match Endpoint::parse(raw) {
                Ok(endpoint) => Self::Remote(endpoint),
                Err(reason) => Self::Invalid { reason },
            };
        }
        let region_like = !raw.is_empty()
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if region_like {
            Self::Remote(Endpoint::for_region(raw))
        } else {
            Self::Invalid {
                reason: format!("{raw:?} is neither \"sandbox\", a region id nor an http(s) URL"),
            }
        }
    }
}

impl<'de> Deserialize<'de> for TenantEndpoint {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|raw| Self::parse(&raw))
    }
}

/// What kind of transport a tenant's endpoint is, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    /// `"sandbox"`: the embedded simulator, in this process.
    Embedded,
    /// HTTPS (a URL or a region id).
    Https,
    /// Plain HTTP to this machine.
    LoopbackHttp,
    /// Plain HTTP to another host.
    RemoteHttp,
}

impl TenantSettings {
    /// True for a simulator tenant: `endpoint = "sandbox"`, or `simulator = true` on a plain
    /// `http://` endpoint that is loopback or explicitly `allow_insecure_http`. Inline secrets
    /// and the demo credentials are allowed only there; everywhere else they are refused.
    pub fn is_simulator(&self) -> bool {
        match self.transport() {
            Some(Transport::Embedded) => true,
            Some(Transport::LoopbackHttp) => self.simulator,
            Some(Transport::RemoteHttp) => self.simulator && self.allow_insecure_http,
            Some(Transport::Https) | None => false,
        }
    }

    /// The transport, or `None` when the endpoint does not parse (validation reports that).
    fn transport(&self) -> Option<Transport> {
        let url = match &self.endpoint {
            TenantEndpoint::Sandbox => return Some(Transport::Embedded),
            TenantEndpoint::Remote(endpoint) => endpoint.url(),
            TenantEndpoint::Invalid { .. } => return None,
        };
        Some(match url.scheme() {
            "http" if crate::validation::is_loopback_host(url.host_str().unwrap_or_default()) => {
                Transport::LoopbackHttp
            }
            "http" => Transport::RemoteHttp,
            _ => Transport::Https,
        })
    }

    pub(super) fn validate(&self, id: &str, sandbox_enabled: bool) -> Result<(), SettingsError> {
        let key = |name: &str| format!("tenants.{id}.{name}");
        if let TenantEndpoint::Invalid { reason } = &self.endpoint {
            return Err(SettingsError::invalid(&key("endpoint"), reason.clone()));
        }
        self.validate_transport(id)?;
        if self.endpoint == TenantEndpoint::Sandbox && !sandbox_enabled && self.enabled {
            return Err(SettingsError::invalid(
                &key("endpoint"),
                "\"sandbox\" needs sandbox.enabled = true".into(),
            ));
        }
        self.validate_credentials(id)?;
        if !self.is_simulator() {
            for (name, inline) in [
                ("access_key_secret", self.access_key_secret.is_some()),
                ("security_token", self.security_token.is_some()),
                ("external_id", self.external_id.is_some()),
            ] {
                if inline {
                    return Err(SettingsError::invalid(
                        &key(name),
                        format!(
                            "inline secrets are for simulator tenants only (endpoint = \"sandbox\", or simulator = true on a loopback http:// endpoint); use {name}_env or {name}_file"
                        ),
                    ));
                }
            }
            // A demo secret read from env or file is caught after resolution (`tenants`).
            if self.access_key_id == DEMO_ACCESS_KEY_ID {
                return Err(SettingsError::invalid(
                    &key("access_key_id"),
                    "the sandbox demo credentials are refused for a tenant that is not a simulator"
                        .into(),
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

    /// Exactly one way to sign: an AccessKey (`access_key_id` with its secret) or a role
    /// (`role_arn`, with its external id, duration and policy).
    fn validate_credentials(&self, id: &str) -> Result<(), SettingsError> {
        let key = |name: &str| format!("tenants.{id}.{name}");
        let has_key = !self.access_key_id.trim().is_empty();
        let Some(role_arn) = &self.role_arn else {
            if !has_key {
                return Err(SettingsError::invalid(
                    &key("access_key_id"),
                    "is required (or role_arn, to sign with a RAM role's temporary credentials)"
                        .into(),
                ));
            }
            return Ok(());
        };
        if has_key {
            return Err(SettingsError::invalid(
                &key("role_arn"),
                "set either access_key_id or role_arn, not both".into(),
            ));
        }
        for (name, set) in [
            ("access_key_secret", self.access_key_secret.is_some()),
            (
                "access_key_secret_env",
                self.access_key_secret_env.is_some(),
            ),
            (
                "access_key_secret_file",
                self.access_key_secret_file.is_some(),
            ),
            ("security_token", self.security_token.is_some()),
            ("security_token_env", self.security_token_env.is_some()),
            ("security_token_file", self.security_token_file.is_some()),
        ] {
            if set {
                return Err(SettingsError::invalid(
                    &key(name),
                    "belongs to an AccessKey tenant; a role_arn tenant's credentials come from STS"
                        .into(),
                ));
            }
        }
        super::identity_section::check_role_arn(&key("role_arn"), role_arn)?;
        if !(workorder_api::sts::MIN_SESSION_SECS..=workorder_api::sts::MAX_SESSION_SECS)
            .contains(&self.session_duration_secs)
        {
            return Err(SettingsError::invalid(
                &key("session_duration_secs"),
                "must be within 900..=43200 (STS's limits; at most the role's MaxSessionDuration)"
                    .into(),
            ));
        }
        if let Some(policy) = &self.policy {
            let grammatical = policy.len() <= 2048
                && serde_json::from_str::<serde_json::Value>(policy)
                    .is_ok_and(|v| v.get("Statement").is_some_and(serde_json::Value::is_array));
            if !grammatical {
                return Err(SettingsError::invalid(
                    &key("policy"),
                    "must be a RAM policy document (JSON with a Statement list) of at most 2048 bytes".into(),
                ));
            }
        }
        Ok(())
    }

    /// The external id's sources.
    pub fn external_id_source(&self, id: &str) -> super::SecretSource<'_> {
        super::SecretSource {
            key: format!("tenants.{id}.external_id"),
            inline: self.external_id.as_ref(),
            env: self.external_id_env.as_deref(),
            file: self.external_id_file.as_ref(),
        }
    }

    /// The transport rules of the module docs: plain HTTP off this machine only when asked for,
    /// and each flag only where it means something.
    fn validate_transport(&self, id: &str) -> Result<(), SettingsError> {
        let key = |name: &str| format!("tenants.{id}.{name}");
        let transport = self.transport();
        let plain_http = matches!(
            transport,
            Some(Transport::LoopbackHttp | Transport::RemoteHttp)
        );
        if self.allow_insecure_http && !plain_http {
            return Err(SettingsError::invalid(
                &key("allow_insecure_http"),
                "applies only to a plain http:// endpoint; remove it".into(),
            ));
        }
        if self.simulator && !plain_http && transport != Some(Transport::Embedded) {
            return Err(SettingsError::invalid(
                &key("simulator"),
                "a simulator is reached over plain http:// (or is endpoint = \"sandbox\"); the Workorder API itself is HTTPS".into(),
            ));
        }
        if transport == Some(Transport::RemoteHttp) && !self.allow_insecure_http {
            return Err(SettingsError::invalid(
                &key("endpoint"),
                "plain http:// to a host other than this machine would carry the signed requests and the STS token in clear; use https, or set allow_insecure_http = true (with simulator = true for a simulator on another host)".into(),
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
