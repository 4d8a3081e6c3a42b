//! The in-process backend: one replica's state in moka caches, one per tenant, so one tenant's
//! keys can never evict another's. Each value carries its own time to live.
//!
//! Compare-and-swap is atomic per key (`and_compute_with` holds the key while it decides).
//! Eviction is plain LRU, never moka's default TinyLFU: TinyLFU may refuse to admit a new entry
//! into a full cache, so a swap that reported success would leave nothing behind — a claimed
//! idempotency key that vanishes at once is a duplicate waiting to happen. With LRU a new value
//! is always kept, and a full tenant loses its least recently used keys first.
//!
//! Expiry is a rule (a lease, an outcome's lifetime), so each entry carries its expiry instant
//! from the injected [`Clock`] and a read past it finds nothing. moka's own per-entry expiry
//! only frees memory: it runs on system time, so on a manual clock it is put off
//! ([`Clock::cache_lifetime`]), and an entry it has not yet dropped is still expired by rule.
//!
//! Rate buckets, checked on every request, live apart: one atomic GCRA arrival time per bucket,
//! charged with a compare-and-swap after a plain cache read, so the hot path never takes moka's
//! write path (an entry replaced per request cost more than the rest of the check, issue 12).
//! They have no expiry of their own: an arrival time in the past reads as a full bucket, so an
//! idle bucket decides like a fresh one, and the per-tenant capacity bounds their number (the
//! least recently used go first, as for values).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use moka::Expiry;
use moka::ops::compute::Op;
use moka::policy::EvictionPolicy;
use moka::sync::Cache;

use super::gcra::{self, RateDecision};
use crate::clock::Clock;

/// Most tenants whose state is kept at once (tenants come from configuration, so this is far
/// above any real deployment; it bounds the map all the same).
const MAX_TENANTS: u64 = 4_096;

/// The longest lifetime kept as an instant (an `Instant` cannot reach arbitrarily far).
const MAX_TTL: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

#[derive(Clone)]
struct Entry {
    value: Arc<str>,
    /// When moka may drop it (system time; memory only).
    evict_after: Duration,
    /// When the value stops existing, on the injected clock.
    expires_at: Instant,
}

/// moka drops each entry after its `evict_after` (memory only, see the module).
struct PerEntryTtl;

impl Expiry<String, Entry> for PerEntryTtl {
    fn expire_after_create(&self, _key: &String, entry: &Entry, _now: Instant) -> Option<Duration> {
        Some(entry.evict_after)
    }

    fn expire_after_update(
        &self,
        _key: &String,
        entry: &Entry,
        _now: Instant,
        _current: Option<Duration>,
    ) -> Option<Duration> {
        Some(entry.evict_after)
    }
}

type TenantCache = Cache<String, Entry>;

/// One rate bucket: the GCRA theoretical arrival time in microseconds ([`FRESH`] for none yet).
struct Bucket {
    tat_us: AtomicI64,
}

/// The arrival time of a bucket never charged.
const FRESH: i64 = i64::MIN;

type BucketCache = Cache<String, Arc<Bucket>>;

/// Per-tenant caches of values with a time to live, and of rate buckets.
#[derive(Clone)]
pub struct MemoryBackend {
    tenants: Cache<String, TenantCache>,
    buckets: Cache<String, BucketCache>,
    capacity_per_tenant: u64,
    clock: Clock,
}

impl MemoryBackend {
    /// At most `capacity_per_tenant` keys and as many rate buckets per tenant; the least
    /// recently used go first. Values expire on `clock`.
    pub fn new(capacity_per_tenant: u64, clock: Clock) -> Self {
        Self {
            tenants: Cache::builder()
                .max_capacity(MAX_TENANTS)
                .eviction_policy(EvictionPolicy::lru())
                .build(),
            buckets: Cache::builder()
                .max_capacity(MAX_TENANTS)
                .eviction_policy(EvictionPolicy::lru())
                .build(),
            capacity_per_tenant: capacity_per_tenant.max(1),
            clock,
        }
    }

    fn tenant(&self, tenant: &str) -> TenantCache {
        self.tenants.get_with_by_ref(tenant, || {
            Cache::builder()
                .max_capacity(self.capacity_per_tenant)
                .eviction_policy(EvictionPolicy::lru())
                .expire_after(PerEntryTtl)
                .build()
        })
    }

    fn tenant_buckets(&self, tenant: &str) -> BucketCache {
        self.buckets.get_with_by_ref(tenant, || {
            Cache::builder()
                .max_capacity(self.capacity_per_tenant)
                .eviction_policy(EvictionPolicy::lru())
                .build()
        })
    }

    /// A value that lives `ttl` from now.
    fn entry(&self, value: Arc<str>, ttl: Duration) -> Entry {
        Entry {
            value,
            evict_after: self.clock.cache_lifetime(ttl),
            expires_at: self.clock.now() + ttl.min(MAX_TTL),
        }
    }

    /// `entry` if it has not expired by the clock.
    fn live(&self, entry: Entry) -> Option<Entry> {
        (self.clock.now() < entry.expires_at).then_some(entry)
    }

    pub(super) fn get(&self, tenant: &str, key: &str) -> Option<String> {
        self.tenant(tenant)
            .get(key)
            .and_then(|e| self.live(e))
            .map(|e| e.value.to_string())
    }

    pub(super) fn compare_and_swap(
        &self,
        tenant: &str,
        key: &str,
        expected: Option<&str>,
        new: Option<&str>,
        ttl: Duration,
    ) -> bool {
        let mut swapped = false;
        self.tenant(tenant)
            .entry_by_ref(key)
            .and_compute_with(|current| {
                let current = current.and_then(|entry| self.live(entry.into_value()));
                if current.as_ref().map(|e| &*e.value) != expected {
                    return Op::Nop;
                }
                swapped = true;
                match new {
                    Some(value) => Op::Put(self.entry(value.into(), ttl)),
                    None => Op::Remove,
                }
            });
        swapped
    }

    pub(super) fn rate_check(
        &self,
        tenant: &str,
        bucket: &str,
        per_second: u32,
        burst: u32,
        now_ms: i64,
    ) -> RateDecision {
        let now_us = now_ms.saturating_mul(1000);
        let buckets = self.tenant_buckets(tenant);
        let cell = buckets.get(bucket).unwrap_or_else(|| {
            buckets.get_with_by_ref(bucket, || {
                Arc::new(Bucket {
                    tat_us: AtomicI64::new(FRESH),
                })
            })
        });
        let mut current = cell.tat_us.load(Ordering::Acquire);
        loop {
            let stored = (current != FRESH).then_some(current);
            let (decision, new_tat) = gcra::step(stored, now_us, per_second, burst);
            let Some(new_tat) = new_tat else {
                return decision;
            };
            match cell.tat_us.compare_exchange_weak(
                current,
                new_tat,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return decision,
                Err(actual) => current = actual,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_expires_by_the_clock_after_its_time_to_live() {
        let clock = Clock::manual();
        let memory = MemoryBackend::new(100, clock.clone());
        let ttl = Duration::from_secs(30);
        assert!(memory.compare_and_swap("t", "k", None, Some("a"), ttl));
        clock.advance(Duration::from_millis(29_999));
        assert_eq!(memory.get("t", "k").as_deref(), Some("a"));
        assert!(
            !memory.compare_and_swap("t", "k", None, Some("b"), ttl),
            "still there"
        );
        clock.advance(Duration::from_millis(1));
        assert_eq!(memory.get("t", "k"), None, "expired");
        assert!(
            memory.compare_and_swap("t", "k", None, Some("b"), ttl),
            "an expired value counts as absent"
        );
    }

    #[test]
    fn compare_and_swap_only_swaps_from_the_expected_value() {
        let memory = MemoryBackend::new(100, Clock::manual());
        let ttl = Duration::from_secs(60);
        assert!(memory.compare_and_swap("t", "k", None, Some("a"), ttl));
        assert!(!memory.compare_and_swap("t", "k", None, Some("b"), ttl));
        assert!(!memory.compare_and_swap("t", "k", Some("x"), Some("b"), ttl));
        assert!(memory.compare_and_swap("t", "k", Some("a"), Some("b"), ttl));
        assert_eq!(memory.get("t", "k").as_deref(), Some("b"));
        assert_eq!(memory.get("u", "k"), None, "tenants do not share keys");
        assert!(memory.compare_and_swap("t", "k", Some("b"), None, ttl));
        assert_eq!(memory.get("t", "k"), None);
    }

    #[test]
    fn one_tenant_cannot_evict_another_tenants_keys() {
        let memory = MemoryBackend::new(10, Clock::manual());
        let ttl = Duration::from_secs(60);
        assert!(memory.compare_and_swap("quiet", "mine", None, Some("1"), ttl));
        for i in 0..1_000 {
            memory.compare_and_swap("noisy", &format!("k{i}"), None, Some("1"), ttl);
        }
        memory.tenant("noisy").run_pending_tasks();
        assert!(memory.tenant("noisy").entry_count() <= 10);
        assert_eq!(memory.get("quiet", "mine").as_deref(), Some("1"));
    }

    #[test]
    fn a_full_tenant_keeps_every_new_value_and_forgets_the_least_recently_used() {
        let memory = MemoryBackend::new(50, Clock::manual());
        let ttl = Duration::from_secs(60);
        for i in 0..2_000 {
            let key = format!("k{i}");
            assert!(memory.compare_and_swap("t", &key, None, Some("v"), ttl));
            // Let the cache apply its admission and eviction before looking.
            memory.tenant("t").run_pending_tasks();
            assert_eq!(
                memory.get("t", &key).as_deref(),
                Some("v"),
                "key {i} was swapped in, so it must be there"
            );
        }
        memory.tenant("t").run_pending_tasks();
        assert!(memory.tenant("t").entry_count() <= 50);
        assert_eq!(memory.get("t", "k0"), None, "the oldest went first");
    }

    #[test]
    fn concurrent_rate_checks_of_one_bucket_allow_exactly_its_burst() {
        let memory = MemoryBackend::new(100, Clock::manual());
        let now = 1_700_000_000_000;
        let allowed = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    for _ in 0..500 {
                        if memory.rate_check("t", "u", 1, 1_000, now) == RateDecision::Allowed {
                            allowed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        assert_eq!(
            allowed.into_inner(),
            1_000,
            "4000 tries at one instant, burst 1000"
        );
        assert_eq!(
            memory.rate_check("t", "u", 1, 1_000, now + 1_000),
            RateDecision::Allowed,
            "one more a second later"
        );
    }

    #[test]
    fn rate_checks_follow_gcra_per_bucket() {
        let memory = MemoryBackend::new(100, Clock::manual());
        let now = 1_700_000_000_000;
        assert_eq!(
            memory.rate_check("t", "u1", 1, 2, now),
            RateDecision::Allowed
        );
        assert_eq!(
            memory.rate_check("t", "u1", 1, 2, now),
            RateDecision::Allowed
        );
        assert!(matches!(
            memory.rate_check("t", "u1", 1, 2, now),
            RateDecision::Limited(_)
        ));
        assert_eq!(
            memory.rate_check("t", "u2", 1, 2, now),
            RateDecision::Allowed
        );
    }
}
