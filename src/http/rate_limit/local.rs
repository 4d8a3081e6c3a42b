//! This replica's own token buckets, one per (tenant, key): `requests_per_second` sustained,
//! `burst` at once. The fallback of the shared limits (see the parent module) while the state
//! store fails: each replica then limits on its own. Buckets of idle keys are evicted, so memory
//! is bounded by the number of recently active users (or tenants). Refills are measured on the
//! injected [`Clock`]; moka's idle eviction only bounds memory (an evicted bucket was full).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use moka::sync::Cache;

use crate::clock::Clock;

/// Buckets by (tenant, key).
type Buckets = Cache<(String, String), Arc<Mutex<Bucket>>>;

/// Token buckets by (tenant, key): a user's `sub`, or `""` for the tenant as a whole.
#[derive(Clone)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    clock: Clock,
    buckets: Option<Buckets>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    refilled_at: Instant,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("per_second", &self.per_second)
            .field("burst", &self.burst)
            .finish_non_exhaustive()
    }
}

impl RateLimiter {
    /// A limiter timed by `clock`; `requests_per_second == 0` disables it.
    pub fn new(requests_per_second: u32, burst: u32, clock: Clock) -> Self {
        let buckets = (requests_per_second > 0).then(|| {
            Cache::builder()
                .max_capacity(100_000)
                .time_to_idle(Duration::from_secs(600))
                .build()
        });
        Self {
            per_second: f64::from(requests_per_second),
            burst: f64::from(burst.max(1)),
            clock,
            buckets,
        }
    }

    /// Takes one token from the bucket of `key` in `tenant`, or says how long until one is
    /// available.
    pub fn check(&self, tenant: &str, key: &str) -> Result<(), Duration> {
        let Some(buckets) = &self.buckets else {
            return Ok(());
        };
        let bucket = buckets.get_with((tenant.to_owned(), key.to_owned()), || {
            Arc::new(Mutex::new(Bucket {
                tokens: self.burst,
                refilled_at: self.clock.now(),
            }))
        });
        let mut bucket = bucket
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = self.clock.now();
        let elapsed = now.duration_since(bucket.refilled_at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.burst);
        bucket.refilled_at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / self.per_second,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_requests_are_refused_per_user() {
        let clock = Clock::manual();
        let limiter = RateLimiter::new(1, 3, clock.clone());
        for _ in 0..3 {
            assert!(limiter.check("t", "alice").is_ok());
        }
        // Waits in whole milliseconds (the buckets count in floating point).
        let wait_ms = |user| {
            limiter
                .check("t", user)
                .map_err(|d| d.as_micros().div_ceil(1_000))
        };
        assert_eq!(wait_ms("alice"), Err(1_000), "over the burst");
        clock.advance(Duration::from_millis(400));
        assert_eq!(wait_ms("alice"), Err(600), "refilling");
        clock.advance(Duration::from_millis(601));
        assert_eq!(limiter.check("t", "alice"), Ok(()), "one token a second");
        assert!(limiter.check("t", "alice").is_err());
        assert!(
            limiter.check("t", "bob").is_ok(),
            "other users have their own bucket"
        );
        assert!(
            limiter.check("u", "alice").is_ok(),
            "and so do other tenants' users"
        );
    }

    #[test]
    fn zero_disables_the_limit() {
        let limiter = RateLimiter::new(0, 0, Clock::manual());
        for _ in 0..1000 {
            assert!(limiter.check("t", "alice").is_ok());
        }
    }
}
