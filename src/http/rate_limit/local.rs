//! This replica's own token buckets, one per (tenant, key): `requests_per_second` sustained,
//! `burst` at once. The fallback of the shared limits (see the parent module) while the state
//! store fails: each replica then limits on its own. Buckets of idle keys are evicted, so memory
//! is bounded by the number of recently active users (or tenants).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use moka::sync::Cache;

/// Buckets by (tenant, key).
type Buckets = Cache<(String, String), Arc<Mutex<Bucket>>>;

/// Token buckets by (tenant, key): a user's `sub`, or `""` for the tenant as a whole.
#[derive(Clone)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
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
    /// A limiter; `requests_per_second == 0` disables it.
    pub fn new(requests_per_second: u32, burst: u32) -> Self {
        let buckets = (requests_per_second > 0).then(|| {
            Cache::builder()
                .max_capacity(100_000)
                .time_to_idle(Duration::from_secs(600))
                .build()
        });
        Self {
            per_second: f64::from(requests_per_second),
            burst: f64::from(burst.max(1)),
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
                refilled_at: Instant::now(),
            }))
        });
        let mut bucket = bucket
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
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
        let limiter = RateLimiter::new(1, 3);
        for _ in 0..3 {
            assert!(limiter.check("t", "alice").is_ok());
        }
        let wait = limiter.check("t", "alice").expect_err("over the burst");
        assert!(wait <= Duration::from_secs(1));
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
        let limiter = RateLimiter::new(0, 0);
        for _ in 0..1000 {
            assert!(limiter.check("t", "alice").is_ok());
        }
    }
}
