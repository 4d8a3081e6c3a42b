//! Building what a configuration describes: the embedded sandbox (only in a build with the
//! `sandbox` cargo feature; without it, asking for one fails start-up), and the reloadable part
//! ([`LiveConfig`]: tenants with resolved secrets, the JWT authenticator). Used at start-up and
//! on every reload, so both apply exactly the same checks.

use super::startup::StartupError;
use crate::auth::{AuthConfig, Authenticator, PublicKeySource};
use crate::clock::Clock;
use crate::http::LiveConfig;
use crate::identity::{GatewayIdentity, IdentityError, identity_fingerprint};
use crate::settings::Endpoint;
use crate::settings::{Settings, SettingsError};
use crate::telemetry::Metrics;
use crate::tenants::{RoleContext, TenantRegistry};

/// The running embedded simulator.
#[cfg(feature = "sandbox")]
pub(super) type EmbeddedSandbox = workorder_sandbox::SandboxHandle;

/// The running embedded simulator: none can exist in a build without the `sandbox` feature.
#[cfg(not(feature = "sandbox"))]
#[derive(Debug)]
pub(super) enum EmbeddedSandbox {}

#[cfg(not(feature = "sandbox"))]
impl EmbeddedSandbox {
    pub(super) fn url(&self) -> String {
        match *self {}
    }

    pub(super) async fn stop(self) {
        match self {}
    }
}

/// Without the simulator compiled in, a configuration that asks for it cannot start.
#[cfg(not(feature = "sandbox"))]
pub(super) async fn start_sandbox(_settings: &Settings) -> Result<EmbeddedSandbox, StartupError> {
    Err(StartupError::Settings(SettingsError::invalid(
        "sandbox.enabled",
        "this build has no embedded sandbox (it was built without the `sandbox` cargo feature, \
         e.g. `--no-default-features`); use a build with `--features sandbox` or point the \
         tenants at a real endpoint"
            .to_owned(),
    )))
}

#[cfg(feature = "sandbox")]
pub(super) async fn start_sandbox(settings: &Settings) -> Result<EmbeddedSandbox, StartupError> {
    use std::net::SocketAddr;

    use workorder_sandbox::SandboxConfig;

    let mut config = SandboxConfig {
        engineer_delay: std::time::Duration::from_secs(settings.sandbox.engineer_delay_secs),
        seed: settings.sandbox.seed,
        ..SandboxConfig::default()
    };
    if let Some(path) = &settings.sandbox.accounts_file {
        let file = workorder_sandbox::load_sandbox_file(path).map_err(|e| {
            StartupError::Settings(SettingsError::invalid(
                "sandbox.accounts_file",
                e.to_string(),
            ))
        })?;
        config.accounts.extend(file.accounts);
        config.sts = file.sts;
    }
    let handle = workorder_sandbox::spawn(SocketAddr::from(([127, 0, 0, 1], 0)), config).await?;
    tracing::info!(url = %handle.url(), "embedded sandbox started");
    Ok(handle)
}

/// Builds tenants and the authenticator from settings (start-up and every reload). `running` is
/// the configuration a reload replaces (`None` at start-up): its authenticator's JWKS key set
/// is carried over when `auth.jwks_url` is unchanged, so an IdP that is down during a reload
/// changes nothing.
///
/// Role-based tenants: the gateway's identity is built (its first session fetched when it is
/// temporary), then each new role is assumed once, so a role the gateway may not assume fails
/// start-up (or the reload) naming the tenant and STS's error code; only then do their
/// background refreshers start. A reload keeps the running identity and the running sessions
/// whose settings did not change (no STS call for them).
pub(super) async fn build_live(
    settings: &Settings,
    sandbox_endpoint: Option<&Endpoint>,
    http: reqwest::Client,
    metrics: &Metrics,
    clock: &Clock,
    running: Option<&LiveConfig>,
) -> Result<LiveConfig, StartupError> {
    let running_tenants = running.map(|live| &live.tenants);
    let wanted = identity_fingerprint(&settings.identity, sandbox_endpoint)?;
    let kept = running_tenants
        .and_then(TenantRegistry::identity)
        .filter(|identity| Some(identity.fingerprint()) == wanted)
        .cloned();
    let identity = match kept {
        Some(identity) => Some(identity),
        None => {
            GatewayIdentity::from_settings(
                &settings.identity,
                sandbox_endpoint,
                http.clone(),
                clock,
                Some(metrics.credentials().clone()),
            )
            .await?
        }
    };
    let tenants = TenantRegistry::with_roles(
        settings,
        sandbox_endpoint,
        &RoleContext {
            identity,
            clock,
            metrics: Some(metrics.credentials().clone()),
            running: running_tenants,
        },
    )?;
    // Sessions never fetched are new (carried-over ones run already).
    let new: Vec<_> = tenants
        .roles()
        .into_iter()
        .filter(|(_, role)| role.seconds_left().is_none())
        .collect();
    for (id, role) in &new {
        role.refresh()
            .await
            .map_err(|error| IdentityError::Verify {
                who: format!("tenants.{id}.role_arn"),
                error,
            })?;
    }
    for (_, role) in &new {
        role.start();
    }
    metrics.register_tenants(tenants.ids());
    let config = auth_config(settings)?;
    let authenticator = match running.map(|live| &live.authenticator) {
        None => Authenticator::new(config, http, metrics).await,
        Some(running) => Authenticator::reloaded(config, http, running, metrics).await,
    }
    .map_err(|e| StartupError::Auth(e.to_string()))?;
    Ok(LiveConfig {
        tenants,
        authenticator,
    })
}

/// `[auth]` with its key material resolved: the HS256 secret from its source, the PEM files read.
fn auth_config(settings: &Settings) -> Result<AuthConfig, StartupError> {
    let mut config = settings.auth.clone();
    if let Some((secret, _)) = config.hs256_source().resolve()? {
        settings.refuse_demo_jwt_secret(&secret)?;
        config.hs256_secrets.push(secret);
    }
    for entry in &settings.auth.public_key_files {
        let path = entry.file();
        let pem = std::fs::read_to_string(path).map_err(|e| {
            SettingsError::invalid(
                "auth.public_key_files",
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        config.public_keys.push(PublicKeySource {
            label: path.display().to_string(),
            kid: entry.kid().map(str::to_owned),
            pem,
        });
    }
    Ok(config)
}
