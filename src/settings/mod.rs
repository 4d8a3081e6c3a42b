//! Typed settings, layered: built-in defaults → one TOML file (`--config FILE`, else
//! `config/default.toml`) → environment (`WOG_` prefix, `__` between levels, e.g.
//! `WOG_SERVER__LISTEN=0.0.0.0:8080`).
//!
//! Invariants: unknown keys are errors (every section is `deny_unknown_fields`); the built-in
//! defaults contain no tenant, so a production file never inherits the demo tenant; secrets are
//! [`SecretString`](secrecy::SecretString)s read from `*_env` / `*_file` (inline only for
//! simulator tenants); [`Settings::validate`] names the exact key that is wrong. The key names
//! are a contract (`docs/configuration.md` documents every one, and a test keeps that list
//! complete).
//!
//! A section is the type its consumer takes (the catalog, the upstream client, the
//! authenticator, the write service), durations deserialized as such: its defaults and checks
//! live here once, and no copy of it exists elsewhere.

mod auth_section;
mod bounds;
mod endpoint;
mod events_section;
mod idempotency_section;
mod identity_section;
mod secret_source;
mod sections;
mod state_section;
mod tenant;
mod upstream_section;

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format as _, Toml};
use serde::Deserialize;

pub use auth_section::{
    AuthSettings, KeyFileWithKid, MAX_JWKS_INTERVAL_SECS, MAX_LEEWAY_SECS, PublicKeyFile,
    PublicKeySource,
};
pub(crate) use auth_section::{ClaimNameError, check_claim_names};
pub use endpoint::{CENTRAL_ENDPOINT, Endpoint, VPC_ENDPOINT};
pub use events_section::EventSettings;
pub use idempotency_section::IdempotencySettings;
pub use identity_section::{
    DEFAULT_METADATA_URL, DEFAULT_STS_ENDPOINT, IdentitySettings, IdentitySource, OidcSource,
    StsEndpoint,
};
pub use secret_source::{SecretOrigin, SecretSource};
pub use sections::{
    CatalogSettings, LimitSettings, LogFormat, LogSettings, ReloadSettings, SandboxSettings,
    ServerSettings, ShutdownSettings,
};
pub use state_section::{
    MIN_FINGERPRINT_SECRET_BYTES, StateBackendKind, StateSettings, redacted_url,
};
pub use tenant::{ApiVersion, SANDBOX_ENDPOINT, TenantEndpoint, TenantSettings, TicketVisibility};
pub use upstream_section::{BreakerSettings, ClientSettings, RetryPolicy};

/// The configuration file used when `--config` is not given: the sandbox demo.
pub const DEFAULT_CONFIG_FILE: &str = "config/default.toml";

/// Environment variable prefix; `__` separates levels.
pub const ENV_PREFIX: &str = "WOG_";

/// `WOG_` variables that are not configuration keys: `WOG_CONFIG` names the file itself (the
/// CLI's `--config`); `WOG_DEMO=1` lets the container image serve the demo file
/// ([`crate::cli::refuse_implicit_demo`]); `WOG_TEST_REQUIRE_REDIS` and
/// `WOG_TEST_REQUIRE_CHROMIUM` are the test harness's (CI exports them for the whole test run,
/// which also starts gateways and the binary, so they must not be unknown keys).
pub const NOT_KEYS: [&str; 4] = [
    "config",
    "demo",
    "test_require_redis",
    "test_require_chromium",
];

/// The JWT secret of the demo configuration; refused while any tenant is not a simulator.
pub const DEMO_JWT_SECRET: &str = "workorder-gateway-demo-secret-not-for-production";

/// The sandbox demo account's AccessKey id and secret; refused for a tenant that is not a
/// simulator.
pub use workorder_api::{DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET};

/// Everything the gateway reads from configuration.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `[server]`: listener, body limit, base path, CORS.
    pub server: ServerSettings,
    /// `[auth]`: JWT verification.
    pub auth: AuthSettings,
    /// `[catalog]`: product and category cache.
    pub catalog: CatalogSettings,
    /// `[sandbox]`: the embedded simulator.
    pub sandbox: SandboxSettings,
    /// `[upstream]`: timeouts, retries, breakers and bulkheads towards the Workorder API, as
    /// the client takes them.
    pub upstream: ClientSettings,
    /// `[limits]`: per-user and per-tenant request rate limits.
    pub limits: LimitSettings,
    /// `[idempotency]`: exactly-once writes (records, leases, reconciliation).
    pub idempotency: IdempotencySettings,
    /// `[events]`: live ticket streams (shared pollers, heartbeat, stream bounds).
    pub events: EventSettings,
    /// `[state]`: where the state shared by replicas lives (memory or Redis).
    pub state: StateSettings,
    /// `[shutdown]`: drain timing on SIGTERM.
    pub shutdown: ShutdownSettings,
    /// `[reload]`: watching the configuration for changes.
    pub reload: ReloadSettings,
    /// `[log]`: level and format.
    pub log: LogSettings,
    /// `[identity]`: the gateway's own Alibaba Cloud identity, which assumes role-based
    /// tenants' RAM roles.
    pub identity: IdentitySettings,
    /// `[tenants.<id>]`: one table per tenant; the key is the tenant id in JWTs.
    pub tenants: std::collections::BTreeMap<String, TenantSettings>,
}

/// A configuration problem, naming the key.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file or environment could not be parsed into settings (unknown key, bad type).
    #[error("configuration error: {0}")]
    Parse(String),
    /// A value is present but not acceptable.
    #[error("configuration key `{key}`: {reason}")]
    Invalid {
        /// Dotted key path, e.g. `tenants.acme.endpoint`.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl SettingsError {
    /// An [`SettingsError::Invalid`] for `key`.
    pub fn invalid(key: &str, reason: String) -> Self {
        Self::Invalid {
            key: key.to_owned(),
            reason,
        }
    }
}

impl Settings {
    /// Loads defaults, then `file` (or [`DEFAULT_CONFIG_FILE`]), then `WOG_*` variables, and
    /// validates the result.
    pub fn load(file: Option<&Path>) -> Result<Self, SettingsError> {
        let path: PathBuf =
            file.map_or_else(|| PathBuf::from(DEFAULT_CONFIG_FILE), Path::to_path_buf);
        if !path.is_file() {
            return Err(SettingsError::Parse(format!(
                "configuration file {} not found (pass --config FILE)",
                path.display()
            )));
        }
        let figment = Figment::new()
            .merge(Toml::file_exact(&path))
            .merge(Env::prefixed(ENV_PREFIX).split("__").ignore(&NOT_KEYS));
        Self::from_figment(figment)
    }

    /// Parses TOML text (no file, no environment); for tests and tools.
    pub fn from_toml_str(toml: &str) -> Result<Self, SettingsError> {
        Self::from_figment(Figment::new().merge(Toml::string(toml)))
    }

    fn from_figment(figment: Figment) -> Result<Self, SettingsError> {
        let settings: Self = figment
            .extract()
            .map_err(|e| SettingsError::Parse(e.to_string()))?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks every value that types alone cannot; the first problem found is returned with
    /// its key. Secrets are resolved later (`tenants::TenantRegistry::from_settings`), where
    /// missing ones are reported with their key too.
    pub fn validate(&self) -> Result<(), SettingsError> {
        bounds::check(self)?;
        self.server.validate()?;
        self.auth.validate()?;
        self.limits.validate()?;
        self.idempotency.validate()?;
        self.events.validate()?;
        self.state.validate()?;
        self.identity.validate()?;
        if self.identity.sts_endpoint()? == StsEndpoint::Sandbox
            && self.identity.source != IdentitySource::None
            && !self.sandbox.enabled
        {
            return Err(SettingsError::invalid(
                "identity.sts_endpoint",
                "\"sandbox\" needs sandbox.enabled = true".to_owned(),
            ));
        }
        for (id, tenant) in &self.tenants {
            if tenant.role_arn.is_some() && self.identity.source == IdentitySource::None {
                return Err(SettingsError::invalid(
                    &format!("tenants.{id}.role_arn"),
                    "a role is assumed by the gateway's own identity: set [identity] source"
                        .to_owned(),
                ));
            }
            validate_tenant_id(id)?;
            tenant.validate(id, self.sandbox.enabled)?;
            // Ownership records must outlive a restart (and be seen by every replica): in
            // memory, a restart would hide every user's tickets from them.
            if tenant.ticket_visibility == TicketVisibility::Own
                && self.state.backend != StateBackendKind::Redis
            {
                return Err(SettingsError::invalid(
                    &format!("tenants.{id}.ticket_visibility"),
                    "\"own\" needs state.backend = \"redis\": ticket ownership must outlive a restart"
                        .to_owned(),
                ));
            }
        }
        match &self.auth.hs256_secret {
            Some(inline) => self.refuse_demo_jwt_secret(inline),
            None => Ok(()),
        }
    }

    /// Refuses the demo JWT secret while any enabled tenant is not a simulator (see
    /// [`TenantSettings::is_simulator`]). Checked on the inline value here and again on the
    /// resolved value (env or file) at start-up.
    pub fn refuse_demo_jwt_secret(
        &self,
        secret: &secrecy::SecretString,
    ) -> Result<(), SettingsError> {
        let real_tenant = self
            .tenants
            .iter()
            .find(|(_, t)| t.enabled && !t.is_simulator());
        match real_tenant {
            Some((id, _)) if secrecy::ExposeSecret::expose_secret(secret) == DEMO_JWT_SECRET => {
                Err(SettingsError::invalid(
                    "auth.hs256_secret",
                    format!("the demo JWT secret is refused while tenant {id} is not a simulator"),
                ))
            }
            _ => Ok(()),
        }
    }
}

/// Tenant ids appear in JWTs, logs and metrics labels: keep them short and plain.
fn validate_tenant_id(id: &str) -> Result<(), SettingsError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(SettingsError::invalid(
            &format!("tenants.{id}"),
            "a tenant id is 1 to 64 characters of a-z, 0-9, - and _".to_owned(),
        ))
    }
}

#[cfg(test)]
mod auth_tests;
#[cfg(test)]
mod endpoint_tests;
#[cfg(test)]
mod tests;
