//! Building the state store and the fingerprinter from `[state]`, at start-up.
//!
//! Invariants: Redis being down never fails start-up (the store connects in the background);
//! a missing or short fingerprint key with Redis does (replicas must agree on it); the log line
//! naming the backend shows the Redis URL redacted.

use secrecy::ExposeSecret as _;

use super::{Fingerprinter, RedisOptions, StateStore};
use crate::clock::Clock;
use crate::settings::{SettingsError, StateBackendKind, StateSettings};
use crate::telemetry::Metrics;

/// The store and fingerprinter `settings` describe; the memory backend expires values on
/// `clock` (Redis expires them itself); the store counts its health and failures in `metrics`.
/// Must run inside a Tokio runtime.
pub fn from_settings(
    settings: &StateSettings,
    clock: &Clock,
    metrics: &Metrics,
) -> Result<(StateStore, Fingerprinter), SettingsError> {
    let fingerprinter = match settings.resolve_fingerprint_secret()? {
        Some(secret) => Fingerprinter::new(secret.expose_secret().as_bytes()),
        None if settings.backend == StateBackendKind::Redis => {
            // `Settings::validate` refuses this already; kept so no caller can skip it.
            return Err(SettingsError::invalid(
                "state.fingerprint_secret_env",
                "required with backend \"redis\"".into(),
            ));
        }
        None => Fingerprinter::random(),
    };
    let store = match settings.backend {
        StateBackendKind::Memory => {
            tracing::info!(
                backend = "memory",
                capacity_per_tenant = settings.memory_capacity_per_tenant,
                "state store: this replica only"
            );
            StateStore::memory(settings.memory_capacity_per_tenant, clock.clone(), metrics)
        }
        StateBackendKind::Redis => {
            let url = settings.resolve_redis_url()?.ok_or_else(|| {
                SettingsError::invalid("state.redis_url", "required with backend \"redis\"".into())
            })?;
            let store = StateStore::redis(
                RedisOptions {
                    url,
                    key_prefix: settings.key_prefix.clone(),
                    connect_timeout: settings.connect_timeout,
                    command_timeout: settings.command_timeout,
                },
                metrics,
            )
            .map_err(|e| SettingsError::invalid("state.redis_url", e.0))?;
            tracing::info!(
                backend = "redis",
                state = ?store,
                key_prefix = %settings.key_prefix,
                "state store: shared by every replica on this Redis"
            );
            store
        }
    };
    Ok((store, fingerprinter))
}
