//! Request rate limits: `[limits] requests_per_second` / `burst` per user (tenant + `sub`) and,
//! when set, `tenant_requests_per_second` / `tenant_burst` per tenant. Over either is 429
//! `rate_limited` with `Retry-After`. They protect a tenant's upstream quota from one runaway
//! frontend (and the tenants from each other).
//!
//! Each limit is one GCRA check in the state store: atomic and one round trip, so with Redis a
//! limit holds across every replica. "Now" is this replica's injected [`Clock`] (wall time),
//! not the Redis server's `TIME`: the same arithmetic then decides identically in memory and in
//! Redis (tested call for call) and under a manual clock. Replicas' clocks disagree by their
//! skew (NTP keeps it to milliseconds); a replica ahead of the others may admit a request up to
//! that skew early, one behind refuses up to that much longer — an error of about
//! `skew × rate` requests, far below any burst. The buckets' expiry (`PX`) is Redis's own.
//! Buckets are `rl:user:{hash}` (a keyed hash of the `sub`, so a shared store holds no user id;
//! in memory, `rl:user:{sub}`) and `rl:tenant`, under the tenant.
//!
//! Invariant: the store failing never fails a request: that check is then decided by this
//! replica's own buckets ([`RateLimiter`]), counted in `wog_rate_limit_fallbacks_total` and
//! logged at most once per [`FALLBACK_LOG_EVERY_MS`] (an outage must not flood the log).
//! Every refusal is counted in `wog_rate_limit_refusals_total` by tenant and limit.

mod local;

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

pub use local::RateLimiter;

use crate::clock::Clock;
use crate::settings::LimitSettings;
use crate::state::{Fingerprinter, RateDecision, StateError, StateStore};
use crate::telemetry::Metrics;

/// At most one fallback log line per this many milliseconds.
pub const FALLBACK_LOG_EVERY_MS: i64 = 10_000;

/// The bucket of a whole tenant.
const TENANT_BUCKET: &str = "rl:tenant";

/// One configured rate; `per_second == 0` is off.
#[derive(Debug, Clone, Copy)]
struct Rate {
    per_second: u32,
    burst: u32,
}

impl Rate {
    fn is_on(self) -> bool {
        self.per_second > 0
    }
}

/// The per-user and per-tenant limits of one gateway.
#[derive(Debug)]
pub struct RateLimits {
    store: StateStore,
    fingerprinter: Fingerprinter,
    user: Rate,
    tenant: Rate,
    local_users: RateLimiter,
    local_tenants: RateLimiter,
    clock: Clock,
    fallback_logged_ms: AtomicI64,
    /// The application's metrics, where every fallback is counted.
    metrics: Metrics,
}

impl RateLimits {
    /// The limits `settings` describe, kept in `store`, timed by `clock`; user buckets are named
    /// with `fingerprinter` (the same key on every replica); fallbacks counted in `metrics`.
    pub fn new(
        settings: &LimitSettings,
        store: StateStore,
        fingerprinter: Fingerprinter,
        clock: Clock,
        metrics: &Metrics,
    ) -> Self {
        Self {
            store,
            fingerprinter,
            user: Rate {
                per_second: settings.requests_per_second,
                burst: settings.burst,
            },
            tenant: Rate {
                per_second: settings.tenant_requests_per_second,
                burst: settings.tenant_burst,
            },
            local_users: RateLimiter::new(
                settings.requests_per_second,
                settings.burst,
                clock.clone(),
            ),
            local_tenants: RateLimiter::new(
                settings.tenant_requests_per_second,
                settings.tenant_burst,
                clock.clone(),
            ),
            clock,
            fallback_logged_ms: AtomicI64::new(i64::MIN),
            metrics: metrics.clone(),
        }
    }

    /// Charges one request of `user` in `tenant`, or says how long to wait. The user's limit
    /// is checked first, so a user over it does not use up the tenant's budget.
    pub async fn check(&self, tenant: &str, user: &str) -> Result<(), Duration> {
        if self.user.is_on() {
            let bucket = self.user_bucket(user);
            match self.shared(tenant, &bucket, self.user).await {
                Ok(decision) => decision.map_err(self.refused(tenant, "user"))?,
                Err(error) => {
                    self.fell_back(&error);
                    self.local_users
                        .check(tenant, user)
                        .map_err(self.refused(tenant, "user"))?;
                }
            }
        }
        self.check_tenant(tenant).await
    }

    /// The name of `user`'s bucket: in a shared store, a keyed hash of the `sub` (the store
    /// holds no user id); in this process's memory, where nobody else reads it, the `sub`
    /// itself, which spares every request an HMAC (issue 12). The two never meet: a store is
    /// one or the other for the process's life.
    fn user_bucket(&self, user: &str) -> String {
        if self.store.is_shared() {
            let hash = self.fingerprinter.of("rate-limit-user", &[user.as_bytes()]);
            format!("rl:user:{}", hash.to_hex())
        } else {
            format!("rl:user:{user}")
        }
    }

    /// Charges one request to `tenant`'s budget alone, or says how long to wait: what a
    /// request of no user (an event poller) spends.
    pub async fn check_tenant(&self, tenant: &str) -> Result<(), Duration> {
        if self.tenant.is_on() {
            match self.shared(tenant, TENANT_BUCKET, self.tenant).await {
                Ok(decision) => decision.map_err(self.refused(tenant, "tenant"))?,
                Err(error) => {
                    self.fell_back(&error);
                    self.local_tenants
                        .check(tenant, "")
                        .map_err(self.refused(tenant, "tenant"))?;
                }
            }
        }
        Ok(())
    }

    /// Counts a refusal by `limit` in `wog_rate_limit_refusals_total`, passing the wait on.
    fn refused<'a>(
        &'a self,
        tenant: &'a str,
        limit: &'static str,
    ) -> impl FnOnce(Duration) -> Duration + 'a {
        move |wait| {
            self.metrics.record_rate_limit_refusal(tenant, limit);
            wait
        }
    }

    /// One check in the store: the decision, or the store's failure.
    async fn shared(
        &self,
        tenant: &str,
        bucket: &str,
        rate: Rate,
    ) -> Result<Result<(), Duration>, StateError> {
        let now_ms = self.clock.now_ms();
        let decision = self
            .store
            .rate_check(tenant, bucket, rate.per_second, rate.burst, now_ms)
            .await?;
        Ok(match decision {
            RateDecision::Allowed => Ok(()),
            RateDecision::Limited(wait) => Err(wait),
        })
    }

    fn fell_back(&self, error: &StateError) {
        self.metrics.record_rate_limit_fallback();
        let now_ms = self.clock.now_ms();
        let last = self.fallback_logged_ms.load(Ordering::Relaxed);
        if now_ms.saturating_sub(last) >= FALLBACK_LOG_EVERY_MS
            && self
                .fallback_logged_ms
                .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                %error,
                next_line_after_secs = FALLBACK_LOG_EVERY_MS / 1000,
                "rate limits decided by this replica alone while the shared state is unavailable \
                 (counted in wog_rate_limit_fallbacks_total)"
            );
        }
    }
}

impl crate::events::PollBudget for RateLimits {
    fn admit<'a>(&'a self, tenant: &'a str) -> crate::events::Admission<'a> {
        Box::pin(self.check_tenant(tenant))
    }
}

#[cfg(test)]
mod tests;
