//! One cached kind of value (products lists or category lists): a TTL cache for fresh values,
//! a longer-lived copy for stale fallback, single-flight loading and the error rules.
//!
//! Two moka caches share the same `Arc`ed values:
//! - `fresh` expires entries after `ttl`. A hit there is served as [`CacheStatus::Hit`]. Loads
//!   go through its `try_get_with`, which runs one load per key however many callers wait on
//!   it (cold key or expired entry alike) and stores nothing when the load fails.
//! - `kept` expires entries after `ttl + stale`. A successful load writes there too; when a load
//!   fails, the value found there is served as [`CacheStatus::Stale`], else the error returns.
//!
//! Every lookup is a `cache_lookup` span and counts in `wog_cache_lookups_total` by cache and
//! result (`hit`, `miss` — also a failed load with nothing kept — or `stale`).
//!
//! Freshness and the stale window are rules, measured on the injected [`Clock`] from each
//! value's `fetched_at`: a value the clock says is past its TTL is dropped from `fresh` and
//! reloaded, a kept value past `ttl + stale` is not served. moka's own expiry (on the system
//! clock) only bounds memory.
//!
//! Invariants: every key carries the tenant id; errors are never stored; a value is built (and
//! serialized) once per successful load.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use moka::future::Cache;
use moka::ops::compute::Op;
use tracing::Instrument as _;

use super::CatalogSettings;
use super::document::CacheStatus;
use super::key::{Key, KeyRef};
use crate::clock::Clock;
use crate::telemetry::{CacheLookupCounters, Metrics};
use crate::upstream::UpstreamError;

/// A successfully loaded value with when and by which upstream request it was fetched.
#[derive(Debug)]
pub(crate) struct Stored<V> {
    pub(crate) value: V,
    pub(crate) fetched_at: Instant,
    pub(crate) request_id: Option<Arc<str>>,
}

/// A value as served to one request.
#[derive(Debug)]
pub(crate) struct Served<V> {
    pub(crate) stored: Arc<Stored<V>>,
    pub(crate) status: CacheStatus,
    /// Time left of the TTL; zero when stale.
    pub(crate) max_age: Duration,
    /// The upstream request this request involved (see `CachedDocument::upstream_request_id`).
    pub(crate) request_id: Option<Arc<str>>,
}

/// Longest lifetime handed to moka, whose builder panics beyond 1000 years: a configured
/// `ttl_secs = 18446744073709551615` means "forever", not a crash at start-up.
const MAX_LIFETIME: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

pub(crate) struct Tier<V> {
    /// The cache's name in metrics and logs (`products`, `categories`).
    name: &'static str,
    fresh: Cache<Key, Arc<Stored<V>>>,
    kept: Cache<Key, Arc<Stored<V>>>,
    settings: CatalogSettings,
    clock: Clock,
    /// This cache's lookup counters in the application's metrics.
    lookups: CacheLookupCounters,
}

impl<V: Send + Sync + 'static> Tier<V> {
    pub(crate) fn new(
        name: &'static str,
        settings: CatalogSettings,
        clock: Clock,
        metrics: Metrics,
    ) -> Self {
        let build = |suffix: &str, lifetime: Duration| {
            Cache::builder()
                .name(&format!("catalog-{name}-{suffix}"))
                .max_capacity(settings.max_entries)
                .time_to_live(clock.cache_lifetime(lifetime).min(MAX_LIFETIME))
                .support_invalidation_closures()
                .build()
        };
        Self {
            name,
            fresh: build("fresh", settings.ttl),
            kept: build("kept", settings.ttl.saturating_add(settings.stale)),
            settings,
            clock,
            lookups: metrics.cache_lookup_counters(name),
        }
    }

    /// Serves `key` from the cache, or loads it with the future `load` makes (one load per key
    /// at a time). The load yields the value and the upstream `RequestId` of the call that
    /// produced it. Runs in a `cache_lookup` span (cache, tenant, result), the parent of any
    /// upstream call.
    pub(crate) async fn get<L, F>(
        &self,
        key: KeyRef<'_>,
        load: L,
    ) -> Result<Served<V>, UpstreamError>
    where
        L: FnOnce() -> F,
        F: Future<Output = Result<(V, Option<String>), UpstreamError>>,
    {
        let span = tracing::debug_span!(
            "cache_lookup",
            cache = self.name,
            tenant = key.tenant,
            result = tracing::field::Empty,
        );
        self.lookup(key, load).instrument(span).await
    }

    async fn lookup<L, F>(&self, key: KeyRef<'_>, load: L) -> Result<Served<V>, UpstreamError>
    where
        L: FnOnce() -> F,
        F: Future<Output = Result<(V, Option<String>), UpstreamError>>,
    {
        // Hot path: one lookup with a borrowed key and an `Arc` clone.
        let expired = match self.fresh.get(&key).await {
            Some(stored) if self.age(&stored) < self.settings.ttl => {
                self.record(&key, CacheStatus::Hit);
                return Ok(Served {
                    max_age: self.time_left(&stored),
                    stored,
                    status: CacheStatus::Hit,
                    request_id: None,
                });
            }
            other => other,
        };
        // Everything else is boxed: its futures (the upstream call's among them) take
        // kilobytes, which every hit would otherwise carry and copy as its future moves
        // (13 KB per `GET /products` before, issue 12).
        Box::pin(self.refresh(key, expired, load)).await
    }

    /// A miss, or a hit past its TTL (`expired`): loads the value, or serves the last good one
    /// when the load fails.
    async fn refresh<L, F>(
        &self,
        key: KeyRef<'_>,
        expired: Option<Arc<Stored<V>>>,
        load: L,
    ) -> Result<Served<V>, UpstreamError>
    where
        L: FnOnce() -> F,
        F: Future<Output = Result<(V, Option<String>), UpstreamError>>,
    {
        if let Some(stored) = expired {
            // Past its TTL by the clock but not yet dropped by moka: drop exactly this value (a
            // concurrent load may have replaced it already), so the load below runs.
            self.fresh
                .entry(key.to_key())
                .and_compute_with(|current| {
                    let same = current.is_some_and(|entry| Arc::ptr_eq(entry.value(), &stored));
                    std::future::ready(if same { Op::Remove } else { Op::Nop })
                })
                .await;
        }
        let owned = key.to_key();
        let kept = &self.kept;
        let loaded = self
            .fresh
            .try_get_with(owned.clone(), async {
                let (value, request_id) = load().await?;
                let stored = Arc::new(Stored {
                    value,
                    fetched_at: self.clock.now(),
                    request_id: request_id.map(Arc::from),
                });
                kept.insert(owned.clone(), Arc::clone(&stored)).await;
                Ok::<_, UpstreamError>(stored)
            })
            .await;
        match loaded {
            Ok(stored) => {
                self.record(&key, CacheStatus::Miss);
                Ok(Served {
                    max_age: self.time_left(&stored),
                    request_id: stored.request_id.clone(),
                    stored,
                    status: CacheStatus::Miss,
                })
            }
            Err(error) => match self.last_good(&key).await {
                Some(stored) => {
                    self.record(&key, CacheStatus::Stale);
                    tracing::warn!(
                        tenant = key.tenant,
                        language = %key.language,
                        error = %error,
                        age_s = self.age(&stored).as_secs(),
                        "catalog refresh failed; serving the last good value"
                    );
                    Ok(Served {
                        stored,
                        status: CacheStatus::Stale,
                        max_age: Duration::ZERO,
                        request_id: error.request_id().map(Arc::from),
                    })
                }
                None => {
                    // Still a miss: nothing usable was cached and the load failed.
                    self.record(&key, CacheStatus::Miss);
                    Err(UpstreamError::clone(&error))
                }
            },
        }
    }

    /// Counts the lookup (metrics), records it on the `cache_lookup` span and logs it at
    /// debug level.
    fn record(&self, key: &KeyRef<'_>, status: CacheStatus) {
        let (result, counter) = match status {
            CacheStatus::Hit => ("hit", &self.lookups.hit),
            CacheStatus::Miss => ("miss", &self.lookups.miss),
            CacheStatus::Stale => ("stale", &self.lookups.stale),
        };
        counter.inc();
        tracing::Span::current().record("result", result);
        tracing::debug!(
            cache = self.name,
            language = %key.language,
            result,
            "catalog cache lookup"
        );
    }

    /// The kept value, if it is still within `ttl + stale` by the clock (moka drops it around
    /// then as well, on its own timer, which is not the rule).
    async fn last_good(&self, key: &KeyRef<'_>) -> Option<Arc<Stored<V>>> {
        let window = self.settings.ttl.saturating_add(self.settings.stale);
        self.kept
            .get(key)
            .await
            .filter(|stored| self.age(stored) < window)
    }

    /// How long ago `stored` was fetched, by the clock.
    fn age(&self, stored: &Stored<V>) -> Duration {
        self.clock.elapsed(stored.fetched_at)
    }

    fn time_left(&self, stored: &Stored<V>) -> Duration {
        self.settings.ttl.saturating_sub(self.age(stored))
    }

    /// Drops every entry of `tenant`, fresh and kept. Loads already in flight still store
    /// their result.
    pub(crate) fn invalidate_tenant(&self, tenant: &str) {
        for cache in [&self.fresh, &self.kept] {
            let tenant = tenant.to_owned();
            if let Err(error) = cache.invalidate_entries_if(move |key, _| key.tenant == tenant) {
                // Only possible without `support_invalidation_closures`, which `new` sets.
                tracing::error!(%error, "catalog invalidation failed");
            }
        }
    }

    /// Runs moka's pending maintenance (tests and benchmarks use it for exact counts).
    #[cfg(test)]
    pub(crate) async fn entry_count(&self) -> u64 {
        self.fresh.run_pending_tasks().await;
        self.fresh.entry_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use workorder_api::Language;

    #[tokio::test]
    async fn an_absurdly_long_ttl_is_accepted() {
        let tier: Tier<u32> = Tier::new(
            "test",
            CatalogSettings {
                ttl: Duration::MAX,
                stale: Duration::MAX,
                max_entries: 10,
            },
            Clock::manual(),
            Metrics::new(),
        );
        let key = KeyRef {
            tenant: "acme",
            version: crate::settings::ApiVersion::V2020,
            language: Language::Zh,
            product: "",
        };
        let served = tier.get(key, || async { Ok((1, None)) }).await.unwrap();
        assert_eq!(served.status, CacheStatus::Miss);
        assert_eq!(
            tier.get(key, || async { Ok((2, None)) })
                .await
                .unwrap()
                .stored
                .value,
            1
        );
    }

    #[tokio::test]
    async fn a_failed_load_stores_nothing() {
        let tier: Tier<u32> = Tier::new(
            "test",
            CatalogSettings {
                ttl: Duration::from_secs(60),
                stale: Duration::from_secs(60),
                max_entries: 10,
            },
            Clock::manual(),
            Metrics::new(),
        );
        let key = KeyRef {
            tenant: "acme",
            version: crate::settings::ApiVersion::V2020,
            language: Language::Zh,
            product: "",
        };
        let failed = tier
            .get(key, || async { Err(UpstreamError::Timeout { sent: true }) })
            .await;
        assert!(matches!(failed, Err(UpstreamError::Timeout { sent: true })));
        assert_eq!(tier.entry_count().await, 0);

        let served = tier.get(key, || async { Ok((7, None)) }).await.unwrap();
        assert_eq!((served.stored.value, served.status), (7, CacheStatus::Miss));
        assert_eq!(tier.entry_count().await, 1);
    }
}
