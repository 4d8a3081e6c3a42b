//! `[idempotency]`: how writes are made exactly once (records, leases, reconciliation).

use std::time::Duration;

use serde::Deserialize;
use serde_with::{As, DurationMilliSeconds, DurationSeconds};

use super::SettingsError;

/// `[idempotency]`, as the write service (`tickets::TicketWrites`) takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdempotencySettings {
    /// How long the outcome of a write with an `Idempotency-Key` is remembered (`ttl_secs`).
    #[serde(rename = "ttl_secs", with = "As::<DurationSeconds<u64>>")]
    pub ttl: Duration,
    /// How long a request owns a key between two renewals; a crashed owner's key is taken
    /// over (and reconciled) after this (`lease_secs`).
    #[serde(rename = "lease_secs", with = "As::<DurationSeconds<u64>>")]
    pub lease: Duration,
    /// How long a request whose key is in flight elsewhere waits for that outcome before
    /// answering 409 `idempotency_in_progress` (`in_flight_wait_ms`).
    #[serde(rename = "in_flight_wait_ms", with = "As::<DurationMilliSeconds<u64>>")]
    pub in_flight_wait: Duration,
    /// After an ambiguous attempt, how long the upstream's lists get to show its ticket or note
    /// before "not found" is believed and the write is sent again (`reconcile_grace_ms`).
    #[serde(
        rename = "reconcile_grace_ms",
        with = "As::<DurationMilliSeconds<u64>>"
    )]
    pub reconcile_grace: Duration,
    /// Tickets and notes created up to this long before an attempt began still count as its
    /// possible result (the gateway's and the upstream's clocks differ; `clock_skew_secs`).
    #[serde(rename = "clock_skew_secs", with = "As::<DurationSeconds<u64>>")]
    pub clock_skew: Duration,
    /// Most times one request sends a write whose earlier sends were ambiguous and not found.
    pub max_sends: u32,
}

impl Default for IdempotencySettings {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(86_400),
            lease: Duration::from_secs(60),
            in_flight_wait: Duration::from_millis(3_000),
            reconcile_grace: Duration::from_millis(2_000),
            clock_skew: Duration::from_secs(10),
            max_sends: 3,
        }
    }
}

impl IdempotencySettings {
    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        let checks: [(&str, bool, &str); 6] = [
            (
                "idempotency.ttl_secs",
                (3_600..=7 * 86_400).contains(&self.ttl.as_secs()),
                "must be 3600 to 604800 (1 hour to 7 days)",
            ),
            (
                "idempotency.lease_secs",
                (5..=600).contains(&self.lease.as_secs()),
                "must be 5 to 600",
            ),
            (
                "idempotency.in_flight_wait_ms",
                self.in_flight_wait <= Duration::from_millis(60_000),
                "must be at most 60000",
            ),
            (
                "idempotency.reconcile_grace_ms",
                self.reconcile_grace <= Duration::from_millis(60_000),
                "must be at most 60000",
            ),
            (
                "idempotency.clock_skew_secs",
                self.clock_skew <= Duration::from_secs(3_600),
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
