//! A limit on failed authentications per client address: after `limits.failed_auth_burst`
//! failures, an address may fail again only `limits.failed_auth_per_minute` times a minute;
//! over it, its requests are answered 429 `rate_limited` (with `Retry-After`) before the token is
//! even verified — guessing tokens or keys costs the guesser, not the gateway.
//!
//! The client address is the peer's, or — only when the peer is one of `server.trusted_proxies`
//! — the nearest address in `X-Forwarded-For` that is not itself a trusted proxy. A header from
//! anyone else is ignored: otherwise every request could claim a fresh address.
//!
//! Buckets are this replica's own (a bounded cache of recently failing addresses): an attacker
//! spread over N replicas gets N times the budget, which is still a bound. Refills are measured
//! on the injected [`Clock`]; moka's idle eviction only bounds memory.

use std::net::IpAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix_web::HttpRequest;
use ipnet::IpNet;
use moka::sync::Cache;

use crate::clock::Clock;

/// Most addresses tracked at once (the least recently failing are forgotten first).
const MAX_ADDRESSES: u64 = 100_000;

/// The header a trusted proxy appends the client address to.
const FORWARDED_FOR: &str = "x-forwarded-for";

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    refilled_at: Instant,
}

/// Failure budgets by client address.
#[derive(Clone)]
pub struct FailedAuthLimiter {
    per_second: f64,
    burst: f64,
    clock: Clock,
    buckets: Option<Cache<IpAddr, Arc<Mutex<Bucket>>>>,
    /// When any address last failed, in milliseconds since `started` (monotonic): while none
    /// has failed for longer than a whole budget takes to refill, no bucket can be spent and
    /// [`Self::blocked`] answers without a lookup (the common case on every request).
    last_failure_ms: Arc<AtomicI64>,
    started: Instant,
    /// How long a spent budget takes to refill entirely, in milliseconds (rounded up).
    refill_ms: i64,
}

impl std::fmt::Debug for FailedAuthLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FailedAuthLimiter")
            .field("per_second", &self.per_second)
            .field("burst", &self.burst)
            .finish_non_exhaustive()
    }
}

impl FailedAuthLimiter {
    /// `per_minute` failures a minute after a `burst`, timed by `clock`; `per_minute == 0`
    /// disables the limit.
    pub fn new(per_minute: u32, burst: u32, clock: Clock) -> Self {
        let buckets = (per_minute > 0).then(|| {
            Cache::builder()
                .max_capacity(MAX_ADDRESSES)
                .time_to_idle(Duration::from_secs(3_600))
                .build()
        });
        let per_second = f64::from(per_minute) / 60.0;
        let burst = f64::from(burst.max(1));
        Self {
            per_second,
            burst,
            clock: clock.clone(),
            buckets,
            last_failure_ms: Arc::new(AtomicI64::new(i64::MIN)),
            started: clock.now(),
            // +1 ms against rounding; an `f64` far past any `i64` saturates.
            refill_ms: if per_second > 0.0 {
                (burst / per_second * 1_000.0).ceil() as i64 + 1
            } else {
                i64::MAX
            },
        }
    }

    fn elapsed_ms(&self) -> i64 {
        i64::try_from(self.clock.elapsed(self.started).as_millis()).unwrap_or(i64::MAX)
    }

    fn refilled(&self, bucket: &mut Bucket, now: Instant) {
        let elapsed = now.duration_since(bucket.refilled_at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.burst);
        bucket.refilled_at = now;
    }

    /// How long `address` must wait before it may try again, if its budget is spent.
    pub fn blocked(&self, address: IpAddr) -> Option<Duration> {
        let buckets = self.buckets.as_ref()?;
        let last_failure = self.last_failure_ms.load(Ordering::Acquire);
        if self.elapsed_ms().saturating_sub(last_failure) > self.refill_ms {
            return None;
        }
        let bucket = buckets.get(&address)?;
        let mut bucket = bucket.lock().unwrap_or_else(PoisonError::into_inner);
        self.refilled(&mut bucket, self.clock.now());
        (bucket.tokens < 1.0)
            .then(|| Duration::from_secs_f64((1.0 - bucket.tokens) / self.per_second))
    }

    /// Spends one failure of `address`'s budget.
    pub fn record_failure(&self, address: IpAddr) {
        let Some(buckets) = &self.buckets else {
            return;
        };
        self.last_failure_ms
            .fetch_max(self.elapsed_ms(), Ordering::AcqRel);
        let bucket = buckets.get_with(address, || {
            Arc::new(Mutex::new(Bucket {
                tokens: self.burst,
                refilled_at: self.clock.now(),
            }))
        });
        let mut bucket = bucket.lock().unwrap_or_else(PoisonError::into_inner);
        self.refilled(&mut bucket, self.clock.now());
        bucket.tokens = (bucket.tokens - 1.0).max(0.0);
    }
}

/// The client's address: the peer, or through trusted proxies the nearest untrusted hop of
/// `X-Forwarded-For`.
pub fn client_address(req: &HttpRequest, trusted_proxies: &[IpNet]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let trusted = |ip: &IpAddr| trusted_proxies.iter().any(|net| net.contains(ip));
    if !trusted(&peer) {
        return Some(peer);
    }
    let mut hops: Vec<IpAddr> = Vec::new();
    for value in req.headers().get_all(FORWARDED_FOR) {
        let Ok(value) = value.to_str() else {
            return Some(peer);
        };
        for hop in value.split(',') {
            match hop.trim().parse::<IpAddr>() {
                Ok(ip) => hops.push(ip),
                // A malformed list is not to be believed past this point.
                Err(_) => return Some(peer),
            }
        }
    }
    Some(
        hops.into_iter()
            .rev()
            .find(|ip| !trusted(ip))
            .unwrap_or(peer),
    )
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn a_burst_of_failures_then_the_address_is_blocked_and_others_are_not() {
        let clock = Clock::manual();
        let limiter = FailedAuthLimiter::new(6, 3, clock.clone());
        let attacker: IpAddr = "203.0.113.9".parse().unwrap();
        for _ in 0..3 {
            assert_eq!(limiter.blocked(attacker), None);
            limiter.record_failure(attacker);
        }
        // Waits in whole milliseconds (the buckets count in floating point).
        let wait_ms = |ip| limiter.blocked(ip).map(|d| d.as_micros().div_ceil(1_000));
        assert_eq!(wait_ms(attacker), Some(10_000));
        assert_eq!(wait_ms("203.0.113.10".parse().unwrap()), None);
        clock.advance(Duration::from_secs(4));
        assert_eq!(wait_ms(attacker), Some(6_000));
        clock.advance(Duration::from_millis(6_001));
        assert_eq!(wait_ms(attacker), None, "one more try after 10 s");
        limiter.record_failure(attacker);
        assert_eq!(wait_ms(attacker), Some(9_999));
    }

    #[test]
    fn the_no_recent_failure_shortcut_never_hides_a_spent_budget() {
        let clock = Clock::manual();
        let limiter = FailedAuthLimiter::new(60, 1, clock.clone());
        let (early, late): (IpAddr, IpAddr) = (
            "203.0.113.1".parse().unwrap(),
            "203.0.113.2".parse().unwrap(),
        );
        limiter.record_failure(early);
        clock.advance(Duration::from_millis(999));
        assert!(limiter.blocked(early).is_some(), "1 ms of its second left");
        clock.advance(Duration::from_secs(60));
        assert_eq!(limiter.blocked(early), None, "refilled long ago");
        limiter.record_failure(late);
        assert!(
            limiter.blocked(late).is_some(),
            "a new failure is seen at once"
        );
        assert_eq!(limiter.blocked(early), None);
    }

    #[test]
    fn zero_disables_the_limit() {
        let limiter = FailedAuthLimiter::new(0, 0, Clock::manual());
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        for _ in 0..100 {
            limiter.record_failure(ip);
        }
        assert_eq!(limiter.blocked(ip), None);
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxies = nets(&["10.0.0.0/8"]);
        let from = |peer: &str, xff: Option<&str>| {
            let mut req =
                TestRequest::default().peer_addr(format!("{peer}:40000").parse().unwrap());
            if let Some(xff) = xff {
                req = req.insert_header((FORWARDED_FOR, xff));
            }
            client_address(&req.to_http_request(), &proxies)
                .unwrap()
                .to_string()
        };
        assert_eq!(
            from("198.51.100.7", Some("1.2.3.4")),
            "198.51.100.7",
            "untrusted peer"
        );
        assert_eq!(from("10.1.2.3", Some("1.2.3.4")), "1.2.3.4");
        assert_eq!(
            from("10.1.2.3", Some("6.6.6.6, 1.2.3.4, 10.9.9.9")),
            "1.2.3.4",
            "the nearest untrusted hop; what the client wrote before it is not believed"
        );
        assert_eq!(from("10.1.2.3", None), "10.1.2.3");
        assert_eq!(from("10.1.2.3", Some("not-an-ip")), "10.1.2.3");
    }
}
