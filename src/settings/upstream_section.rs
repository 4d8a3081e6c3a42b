//! `[upstream]`: the upstream client's settings ([`ClientSettings`] with its [`RetryPolicy`]
//! and [`BreakerSettings`], the types `upstream` takes and re-exports), their key layout and
//! their defaults. The keys are flat (`max_attempts`, `breaker_open_secs`, …) while the client
//! groups them; serde cannot flatten into a `deny_unknown_fields` table, so the section
//! deserializes as [`UpstreamKeys`] and becomes the client's type in one step. These are the
//! only defaults: `ClientSettings::default()` is this section's default. What the client does
//! with them (the retry waits, the breaker) lives in `upstream`.

use std::time::Duration;

use serde::Deserialize;
use serde_with::{As, DurationMilliSeconds, DurationSeconds};

/// Transport settings shared by all tenants: the `[upstream]` section, which deserializes
/// from its flat keys (`UpstreamKeys`, where the defaults live).
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "UpstreamKeys")]
pub struct ClientSettings {
    /// Time to establish a connection (TCP + TLS).
    pub connect_timeout: Duration,
    /// Time for one whole attempt, connection included.
    pub request_timeout: Duration,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// `User-Agent` sent upstream.
    pub user_agent: String,
    /// Per-tenant circuit breaker.
    pub breaker: BreakerSettings,
    /// Most calls one tenant may have in flight at once (the bulkhead); 0 = no cap.
    pub max_concurrent_per_tenant: usize,
    /// How long a call waits for a free slot of its tenant before failing `Saturated`.
    pub bulkhead_wait: Duration,
}

impl Default for ClientSettings {
    fn default() -> Self {
        UpstreamKeys::default().into()
    }
}

/// Retry settings; `max_attempts` counts the first try (the waits: `upstream::retry`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts, at least 1.
    pub max_attempts: u32,
    /// First backoff ceiling.
    pub base_delay: Duration,
    /// Longest single wait.
    pub max_delay: Duration,
}

/// The `[upstream]` defaults.
impl Default for RetryPolicy {
    fn default() -> Self {
        ClientSettings::default().retry
    }
}

/// Breaker settings shared by every tenant (the breaker: `upstream::breaker`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerSettings {
    /// Consecutive "upstream down" calls that open the breaker; 0 disables it.
    pub failure_threshold: u32,
    /// How long an open breaker fails calls fast.
    pub open_for: Duration,
}

/// The `[upstream]` defaults.
impl Default for BreakerSettings {
    fn default() -> Self {
        ClientSettings::default().breaker
    }
}

/// The `[upstream]` table as written.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct UpstreamKeys {
    /// TCP + TLS connect timeout.
    #[serde(with = "As::<DurationMilliSeconds<u64>>")]
    connect_timeout_ms: Duration,
    /// Whole-attempt timeout.
    #[serde(with = "As::<DurationMilliSeconds<u64>>")]
    request_timeout_ms: Duration,
    /// Attempts per call, first included (reads and CloseTicket only; see `upstream::retry`).
    max_attempts: u32,
    /// First backoff ceiling.
    #[serde(with = "As::<DurationMilliSeconds<u64>>")]
    retry_base_delay_ms: Duration,
    /// Longest single backoff.
    #[serde(with = "As::<DurationMilliSeconds<u64>>")]
    retry_max_delay_ms: Duration,
    /// Consecutive transport / 5xx failures that open a tenant's circuit breaker; 0 disables.
    breaker_failure_threshold: u32,
    /// How long an open breaker fails calls fast with 503.
    #[serde(with = "As::<DurationSeconds<u64>>")]
    breaker_open_secs: Duration,
    /// Most upstream calls one tenant may have in flight at once; more wait for a slot up to
    /// `bulkhead_wait_ms`, then fail with 503 `tenant_busy`. 0 = no cap.
    max_concurrent_per_tenant: usize,
    /// How long a call waits for one of its tenant's slots.
    #[serde(with = "As::<DurationMilliSeconds<u64>>")]
    bulkhead_wait_ms: Duration,
}

impl Default for UpstreamKeys {
    fn default() -> Self {
        Self {
            connect_timeout_ms: Duration::from_secs(3),
            request_timeout_ms: Duration::from_secs(10),
            max_attempts: 3,
            retry_base_delay_ms: Duration::from_millis(100),
            retry_max_delay_ms: Duration::from_secs(2),
            breaker_failure_threshold: 5,
            breaker_open_secs: Duration::from_secs(30),
            max_concurrent_per_tenant: 32,
            bulkhead_wait_ms: Duration::from_secs(1),
        }
    }
}

impl From<UpstreamKeys> for ClientSettings {
    fn from(keys: UpstreamKeys) -> Self {
        Self {
            connect_timeout: keys.connect_timeout_ms,
            request_timeout: keys.request_timeout_ms,
            retry: RetryPolicy {
                max_attempts: keys.max_attempts,
                base_delay: keys.retry_base_delay_ms,
                max_delay: keys.retry_max_delay_ms,
            },
            user_agent: format!("workorder-gateway/{}", env!("CARGO_PKG_VERSION")),
            breaker: BreakerSettings {
                failure_threshold: keys.breaker_failure_threshold,
                open_for: keys.breaker_open_secs,
            },
            max_concurrent_per_tenant: keys.max_concurrent_per_tenant,
            bulkhead_wait: keys.bulkhead_wait_ms,
        }
    }
}
