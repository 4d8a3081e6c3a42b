//! Metrics of temporary credentials (role-based tenants and the gateway's own RRSA / ECS
//! session): `wog_credential_refreshes_total{tenant, outcome}` and
//! `wog_credential_expiry_seconds{tenant}` (seconds until the cached credentials expire,
//! negative once they have). The `tenant` label is a configured tenant id or `[identity]` (the gateway's own session), so the
//! series are bounded by configuration. No value here is secret.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RefreshLabels {
    tenant: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TenantLabels {
    tenant: String,
}

/// The credential metrics of one application; cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct CredentialMetrics {
    refreshes: Family<RefreshLabels, Counter>,
    expiry: Family<TenantLabels, Gauge>,
}

impl CredentialMetrics {
    pub(super) fn register(&self, registry: &mut Registry) {
        registry.register(
            "credential_refreshes",
            "Fetches of temporary credentials (STS AssumeRole, RRSA, ECS role) by tenant and outcome (ok, failed)",
            self.refreshes.clone(),
        );
        registry.register(
            "credential_expiry_seconds",
            "Seconds until a tenant's (or the gateway's own) temporary credentials expire",
            self.expiry.clone(),
        );
    }

    /// Counts one fetch for `tenant`.
    pub fn refreshed(&self, tenant: &str, ok: bool) {
        let labels = RefreshLabels {
            tenant: tenant.to_owned(),
            outcome: if ok { "ok" } else { "failed" },
        };
        self.refreshes.get_or_create(&labels).inc();
        // The other outcome's series exists from the first event on, so `increase()` sees it.
        let other = RefreshLabels {
            tenant: tenant.to_owned(),
            outcome: if ok { "failed" } else { "ok" },
        };
        self.refreshes.get_or_create(&other).inc_by(0);
    }

    /// Sets the seconds left for `tenant`.
    pub fn set_seconds_left(&self, tenant: &str, seconds: i64) {
        self.expiry
            .get_or_create(&TenantLabels {
                tenant: tenant.to_owned(),
            })
            .set(seconds);
    }
}
