//! Tenants: who may use the gateway and with which Alibaba Cloud credentials, and the
//! [`Principal`], a user of one tenant as the request context established it.
//!
//! Invariants: a tenant's id is the one in its users' JWTs; every upstream call and every
//! cache key carries it; a disabled or unknown tenant is indistinguishable to callers (403
//! `tenant_not_configured`). The registry is immutable: a configuration reload builds a new one
//! and swaps it in atomically.

use std::collections::HashMap;
use std::sync::Arc;

use secrecy::ExposeSecret as _;

use crate::auth::{Permission, Permissions};
use crate::clock::Clock;
use crate::error::ApiError;
use crate::identity::{
    GatewayIdentity, RefreshingCredentials, TenantCredentials, TenantRole, tenant_role_credentials,
};
use crate::settings::{DEMO_ACCESS_KEY_SECRET, Endpoint, Settings, SettingsError, TenantEndpoint};
use crate::telemetry::CredentialMetrics;
use crate::upstream::Target;
use workorder_api::{Credentials, Language};

/// The authenticated user of a request and the tenant it belongs to. Made only by the request
/// context's extractor (`crate::http::principal`); services take it as the caller's identity.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The user's tenant (from the token's tenant claim).
    pub tenant: Arc<Tenant>,
    /// The token's `sub`.
    pub user: String,
    /// Granted permissions.
    pub permissions: Permissions,
    /// When the token expires, seconds since the Unix epoch: an event stream ends then.
    pub expires_at: u64,
}

impl Principal {
    /// 403 `forbidden` unless the caller holds `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.permissions.contains(permission) {
            Ok(())
        } else {
            Err(ApiError::forbidden(permission.as_str()))
        }
    }
}

/// One configured, enabled tenant.
#[derive(Debug)]
pub struct Tenant {
    /// Tenant id (the JWT tenant claim).
    pub id: String,
    /// Endpoint, credentials and signature version for upstream calls.
    pub target: Target,
    /// Language used when the request names none.
    pub language: Language,
    /// Contact email for new tickets that name none.
    pub default_email: Option<String>,
    /// Who sees which of the tenant's tickets.
    pub visibility: crate::settings::TicketVisibility,
    /// The Workorder API version the tenant speaks.
    pub api_version: crate::settings::ApiVersion,
    /// Ticket ids its account has shown lately (emptied with the tenant on reload).
    pub known_tickets: crate::tickets::KnownTickets,
}

/// All enabled tenants, by id.
#[derive(Debug, Default)]
pub struct TenantRegistry {
    tenants: HashMap<String, Arc<Tenant>>,
    /// The identity role-based tenants are assumed with (kept so a reload can reuse it).
    identity: Option<Arc<GatewayIdentity>>,
    /// Each role-based tenant's [`TenantRole::fingerprint`].
    role_keys: HashMap<String, u64>,
}

impl TenantRegistry {
    /// Builds the registry, resolving every secret. `sandbox` is the embedded sandbox's
    /// endpoint when it runs. A tenant that cannot sign fails with its key named; a
    /// role-based tenant needs [`TenantRegistry::with_roles`].
    pub fn from_settings(
        settings: &Settings,
        sandbox: Option<&Endpoint>,
    ) -> Result<Self, SettingsError> {
        Self::build(settings, sandbox, None)
    }

    /// [`TenantRegistry::from_settings`], with role-based tenants' sessions set up (not yet
    /// fetched: see [`TenantRegistry::roles`]).
    pub fn with_roles(
        settings: &Settings,
        sandbox: Option<&Endpoint>,
        roles: &RoleContext<'_>,
    ) -> Result<Self, SettingsError> {
        Self::build(settings, sandbox, Some(roles))
    }

    /// The role-based tenants' sessions, by tenant id, sorted.
    pub fn roles(&self) -> Vec<(&str, &RefreshingCredentials)> {
        let mut roles: Vec<(&str, &RefreshingCredentials)> = self
            .tenants
            .iter()
            .filter_map(|(id, t)| match &t.target.credentials {
                TenantCredentials::Role(role) => Some((id.as_str(), role)),
                TenantCredentials::Static(_) => None,
            })
            .collect();
        roles.sort_unstable_by_key(|(id, _)| *id);
        roles
    }

    /// The identity role-based tenants are assumed with.
    pub fn identity(&self) -> Option<&Arc<GatewayIdentity>> {
        self.identity.as_ref()
    }

    fn build(
        settings: &Settings,
        sandbox: Option<&Endpoint>,
        roles: Option<&RoleContext<'_>>,
    ) -> Result<Self, SettingsError> {
        let mut tenants = HashMap::new();
        let mut role_keys = HashMap::new();
        for (id, tenant) in settings.tenants.iter().filter(|(_, t)| t.enabled) {
            let endpoint = match &tenant.endpoint {
                TenantEndpoint::Remote(endpoint) => endpoint.clone(),
                // Settings check this against the file, but only start-up starts the sandbox: a
                // reload that turns `sandbox.enabled` on still has none to point at.
                TenantEndpoint::Sandbox => sandbox.cloned().ok_or_else(|| {
                    SettingsError::invalid(
                        &format!("tenants.{id}.endpoint"),
                        "\"sandbox\" needs sandbox.enabled = true".into(),
                    )
                })?,
                // Refused by `Settings::validate`; settings built by hand may still hold it.
                TenantEndpoint::Invalid { reason } => {
                    return Err(SettingsError::invalid(
                        &format!("tenants.{id}.endpoint"),
                        reason.clone(),
                    ));
                }
            };
            let credentials = match &tenant.role_arn {
                Some(role_arn) => {
                    let (credentials, key) = role_credentials(id, tenant, role_arn, roles)?;
                    role_keys.insert(id.clone(), key);
                    credentials
                }
                None => static_credentials(id, tenant)?,
            };
            tenants.insert(
                id.clone(),
                Arc::new(Tenant {
                    id: id.clone(),
                    target: Target {
                        tenant: id.clone(),
                        endpoint,
                        credentials,
                        signature: tenant.signature,
                    },
                    language: tenant.language,
                    default_email: tenant.default_email.clone(),
                    visibility: tenant.ticket_visibility,
                    api_version: tenant.api_version,
                    known_tickets: crate::tickets::KnownTickets::default(),
                }),
            );
        }
        Ok(Self {
            tenants,
            identity: roles.and_then(|r| r.identity.clone()),
            role_keys,
        })
    }

    /// The enabled tenant with this id.
    pub fn get(&self, id: &str) -> Option<Arc<Tenant>> {
        self.tenants.get(id).cloned()
    }

    /// Number of enabled tenants.
    pub fn len(&self) -> usize {
        self.tenants.len()
    }

    /// True when no tenant is enabled.
    pub fn is_empty(&self) -> bool {
        self.tenants.is_empty()
    }

    /// Enabled tenant ids, sorted.
    pub fn ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.tenants.keys().map(String::as_str).collect();
        ids.sort_unstable();
        ids
    }
}

/// What role-based tenants need: the gateway's identity to assume their roles with, the clock
/// their sessions are timed by, and where to count refreshes.
#[derive(Debug)]
pub struct RoleContext<'a> {
    /// `[identity]`, when a source is configured.
    pub identity: Option<Arc<GatewayIdentity>>,
    /// The application's clock.
    pub clock: &'a Clock,
    /// The application's credential metrics.
    pub metrics: Option<CredentialMetrics>,
    /// The registry a reload replaces: a role session whose settings (and identity) did not
    /// change is carried over, so a reload does not re-assume every role.
    pub running: Option<&'a TenantRegistry>,
}

/// A tenant's configured AccessKey (and static STS token).
fn static_credentials(
    id: &str,
    tenant: &crate::settings::TenantSettings,
) -> Result<TenantCredentials, SettingsError> {
    let (secret, _) = tenant.secret_source(id).resolve()?.ok_or_else(|| {
        SettingsError::invalid(
            &format!("tenants.{id}.access_key_secret"),
            "missing: set access_key_secret_env or access_key_secret_file".into(),
        )
    })?;
    if !tenant.is_simulator() && secret.expose_secret() == DEMO_ACCESS_KEY_SECRET {
        return Err(SettingsError::invalid(
            &format!("tenants.{id}.access_key_secret"),
            "the sandbox demo secret is refused for a tenant that is not a simulator".into(),
        ));
    }
    let mut credentials = Credentials::new(tenant.access_key_id.clone(), secret);
    // Inline tokens were refused for real endpoints by `Settings::validate`.
    if let Some((token, _)) = tenant.token_source(id).resolve()? {
        credentials = credentials.with_security_token(token);
    }
    Ok(TenantCredentials::Static(credentials))
}

/// A role-based tenant's session and its fingerprint: the running one when unchanged, else a
/// new one (nothing fetched yet).
fn role_credentials(
    id: &str,
    tenant: &crate::settings::TenantSettings,
    role_arn: &str,
    roles: Option<&RoleContext<'_>>,
) -> Result<(TenantCredentials, u64), SettingsError> {
    let key = format!("tenants.{id}.role_arn");
    let context = roles.ok_or_else(|| {
        SettingsError::invalid(
            &key,
            "role-based tenants are set up at start-up only".into(),
        )
    })?;
    let identity = context.identity.clone().ok_or_else(|| {
        SettingsError::invalid(
            &key,
            "a role is assumed by the gateway's own identity: set [identity] source".into(),
        )
    })?;
    let external_id = tenant.external_id_source(id).resolve()?.map(|(id, _)| id);
    let role = TenantRole {
        role_arn: role_arn.to_owned(),
        session_name: crate::identity::session_name(id),
        duration_secs: tenant.session_duration_secs,
        external_id,
        policy: tenant.policy.clone(),
    };
    let key = role.fingerprint(&identity);
    let running = context.running.and_then(|registry| {
        let same = registry.role_keys.get(id) == Some(&key);
        same.then(|| registry.get(id))
            .flatten()
            .and_then(|t| match &t.target.credentials {
                TenantCredentials::Role(role) => Some(role.clone()),
                TenantCredentials::Static(_) => None,
            })
    });
    let session = running.unwrap_or_else(|| {
        tenant_role_credentials(id, role, identity, context.clock, context.metrics.clone())
    });
    Ok((TenantCredentials::Role(session), key))
}

#[cfg(test)]
mod tests;
