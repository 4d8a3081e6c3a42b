//! `[idempotency]`: how writes are made exactly once (records, leases, reconciliation).

use serde::Deserialize;

use super::SettingsError;

/// `[idempotency]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdempotencySettings {
    /// How long the outcome of a write with an `Idempotency-Key` is remembered, seconds.
    pub ttl_secs: u64,
    /// How long a request owns a key between two renewals; a crashed owner's key is taken
    /// over (and reconciled) after this, seconds.
    pub lease_secs: u64,
    /// How long a request whose key is in flight elsewhere waits for that outcome before
    /// answering 409 `idempotency_in_progress`, milliseconds.
    pub in_flight_wait_ms: u64,
    /// After an ambiguous attempt, how long the upstream's lists get to show its ticket or note
    /// before "not found" is believed and the write is sent again, milliseconds.
    pub reconcile_grace_ms: u64,
    /// Tickets and notes created up to this long before an attempt began still count as its
    /// possible result (the gateway's and the upstream's clocks differ), seconds.
    pub clock_skew_secs: u64,
    /// Most times one request sends a write whose earlier sends were ambiguous and not found.
    pub max_sends: u32,
}

impl Default for IdempotencySettings {
    fn default() -> Self {
        Self {
            ttl_secs: 86_400,
            lease_secs: 60,
            in_flight_wait_ms: 3_000,
            reconcile_grace_ms: 2_000,
            clock_skew_secs: 10,
            max_sends: 3,
        }
    }
}

impl IdempotencySettings {
    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        let checks: [(&str, bool, &str); 6] = [
            (
                "idempotency.ttl_secs",
                (3_600..=7 * 86_400).contains(&self.ttl_secs),
                "must be 3600 to 604800 (1 hour to 7 days)",
            ),
            (
                "idempotency.lease_secs",
                (5..=600).contains(&self.lease_secs),
                "must be 5 to 600",
            ),
            (
                "idempotency.in_flight_wait_ms",
                self.in_flight_wait_ms <= 60_000,
                "must be at most 60000",
            ),
            (
                "idempotency.reconcile_grace_ms",
                self.reconcile_grace_ms <= 60_000,
                "must be at most 60000",
            ),
            (
                "idempotency.clock_skew_secs",
                self.clock_skew_secs <= 3_600,
                "must be at most 3600",
            ),
            (
                "idempotency.max_sends",
                (1..=10).contains(&self.max_sends),
                "must be 1 to 10",
            ),
        ];
        for (key, ok, reason) in checks {
            if !ok {
                return Err(SettingsError::invalid(key, reason.to_owned()));
            }
        }
        Ok(())
    }
}
