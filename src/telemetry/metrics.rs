//! Prometheus metrics, served as text at `GET /metrics`: one [`Metrics`] handle per application,
//! created at start-up and handed to everything that records — the HTTP middleware (app data),
//! the upstream client (as its [`CallObserver`]), the catalog, the state store
//! and its health probe, the JWKS refresh, the rate limits and the ticket writes. There
//! is no process-global registry: each gateway in a process counts and renders its own.
//!
//! Invariant: label values come from small closed sets (route templates, methods, status
//! classes, problem codes, action names, outcome labels, cache names, limits, tenant ids from
//! configuration) — never
//! ticket ids, user ids, raw paths or methods as written — so cardinality stays bounded. A
//! series lives as long as the process: a label taken from the request would let any client,
//! without a token, grow this registry (and every scrape) without bound.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use super::write_metrics::WriteMetrics;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: &'static str,
    route: String,
    status_class: &'static str,
}

/// The `wog_http_requests_total` and `wog_http_request_duration_seconds` series of one
/// method, route and status class.
struct HttpSeries {
    requests: Counter,
    latency: Histogram,
}

impl HttpSeries {
    fn record(&self, latency: Duration) {
        self.requests.inc();
        self.latency.observe(latency.as_secs_f64());
    }
}

/// Most series one thread keeps resolved (routes × methods × status classes is far below;
/// over it the thread starts afresh).
const MAX_THREAD_SERIES: usize = 1_024;

/// The HTTP series this thread has resolved, for one registry: counting a request is then a
/// lookup in the worker's own map, not a label search under the families' shared locks with
/// a label value built for it (issue 12). Another registry (tests run many gateways in one
/// process) replaces the map.
#[derive(Default)]
struct ThreadHttpSeries {
    registry: u64,
    by_kind: HashMap<(&'static str, &'static str), HashMap<Box<str>, HttpSeries>>,
    len: usize,
}

thread_local! {
    static THREAD_HTTP_SERIES: RefCell<ThreadHttpSeries> = RefCell::new(ThreadHttpSeries {
        registry: u64::MAX,
        ..ThreadHttpSeries::default()
    });
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    route: String,
    code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TenantLabels {
    tenant: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RefusalLabels {
    tenant: String,
    limit: &'static str,
}

/// The limits of `wog_rate_limit_refusals_total`: the per-user and the per-tenant bucket.
pub const RATE_LIMITS: [&str; 2] = ["user", "tenant"];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct UpstreamLabels {
    tenant: String,
    action: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct UpstreamLatencyLabels {
    action: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheLabels {
    cache: &'static str,
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JwksLabels {
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    operation: &'static str,
}

/// The state store's operations, the closed label set of `wog_state_errors_total`.
pub const STATE_OPERATIONS: [&str; 5] =
    ["get", "compare_and_swap", "rate_check", "ping", "publish"];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: &'static str,
}

/// One application's metrics: a handle, cheap to clone, on the registry `/metrics` serves.
/// Created once at start-up and passed to everything that records (no process-global
/// registry), so two gateways in one process — tests, embedding — count apart.
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    /// Unique per registry in this process: what a thread's resolved series belong to.
    id: u64,
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    http_latency: Family<HttpLabels, Histogram>,
    http_errors: Family<ErrorLabels, Counter>,
    in_flight: Gauge,
    upstream_calls: Family<UpstreamLabels, Counter>,
    upstream_latency: Family<UpstreamLatencyLabels, Histogram>,
    upstream_in_flight: Family<TenantLabels, Gauge>,
    breaker_open: Family<TenantLabels, Gauge>,
    rate_limit_refusals: Family<RefusalLabels, Counter>,
    cache_lookups: Family<CacheLabels, Counter>,
    jwks_refreshes: Family<JwksLabels, Counter>,
    state_up: Gauge,
    state_errors: Family<StateLabels, Counter>,
    rate_limit_fallbacks: Counter,
    writes: WriteMetrics,
    credentials: super::CredentialMetrics,
    events: super::event_metrics::EventMetrics,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

impl Metrics {
    /// A fresh registry with every metric registered and the small known series at 0.
    pub fn new() -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        let mut registry = Registry::with_prefix("wog");
        let http_requests = Family::<HttpLabels, Counter>::default();
        let http_latency = Family::<HttpLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let http_errors = Family::<ErrorLabels, Counter>::default();
        let in_flight = Gauge::default();
        let upstream_in_flight = Family::<TenantLabels, Gauge>::default();
        let breaker_open = Family::<TenantLabels, Gauge>::default();
        let rate_limit_refusals = Family::<RefusalLabels, Counter>::default();
        let upstream_calls = Family::<UpstreamLabels, Counter>::default();
        let upstream_latency = Family::<UpstreamLatencyLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        // Series of small known label sets exist from the start at 0, so `increase()` sees their
        // first event (a counter that appears at 1 shows no increase) and dashboards see them.
        let cache_lookups = Family::<CacheLabels, Counter>::default();
        for cache in ["products", "categories"] {
            for result in ["hit", "miss", "stale"] {
                cache_lookups
                    .get_or_create(&CacheLabels { cache, result })
                    .inc_by(0);
            }
        }
        let jwks_refreshes = Family::<JwksLabels, Counter>::default();
        for result in ["ok", "failed"] {
            jwks_refreshes
                .get_or_create(&JwksLabels { result })
                .inc_by(0);
        }
        let state_up = Gauge::default();
        let state_errors = Family::<StateLabels, Counter>::default();
        for operation in STATE_OPERATIONS {
            state_errors
                .get_or_create(&StateLabels { operation })
                .inc_by(0);
        }
        let rate_limit_fallbacks = Counter::default();
        let build_info = Family::<BuildLabels, Gauge>::default();
        build_info
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION"),
            })
            .set(1);
        registry.register(
            "http_requests",
            "HTTP requests by route template, method and status class",
            http_requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency",
            http_latency.clone(),
        );
        registry.register(
            "http_errors",
            "HTTP error answers (4xx, 5xx) by route template and problem code",
            http_errors.clone(),
        );
        registry.register(
            "http_requests_in_flight",
            "HTTP requests being served",
            in_flight.clone(),
        );
        registry.register(
            "upstream_calls",
            "Workorder API calls by tenant, action and outcome",
            upstream_calls.clone(),
        );
        registry.register(
            "upstream_call_duration_seconds",
            "Workorder API call latency by action and outcome, retries included",
            upstream_latency.clone(),
        );
        registry.register(
            "upstream_calls_in_flight",
            "Workorder API calls in progress by tenant (holding a bulkhead slot, retries included)",
            upstream_in_flight.clone(),
        );
        registry.register(
            "upstream_breaker_open",
            "Whether the tenant's circuit breaker is open (1: tripped and no call has succeeded since) or closed (0)",
            breaker_open.clone(),
        );
        registry.register(
            "cache_lookups",
            "Catalog cache lookups by cache and result (hit, miss, stale)",
            cache_lookups.clone(),
        );
        registry.register(
            "jwks_refreshes",
            "JWKS fetches by result (ok, failed)",
            jwks_refreshes.clone(),
        );
        registry.register(
            "state_up",
            "Whether the shared state store answers (1) or not (0); memory is always 1",
            state_up.clone(),
        );
        registry.register(
            "state_errors",
            "Failed state store operations by operation",
            state_errors.clone(),
        );
        registry.register(
            "rate_limit_fallbacks",
            "Rate checks decided by this replica alone because the state store failed",
            rate_limit_fallbacks.clone(),
        );
        registry.register(
            "rate_limit_refusals",
            "Requests refused 429 by a rate limit, by tenant and limit (user, tenant)",
            rate_limit_refusals.clone(),
        );
        registry.register("build_info", "Build information", build_info);
        let writes = WriteMetrics::new();
        writes.register(&mut registry);
        let credentials = super::CredentialMetrics::default();
        credentials.register(&mut registry);
        let events = super::event_metrics::EventMetrics::new();
        events.register(&mut registry);
        Self(Arc::new(Inner {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            registry,
            http_requests,
            http_latency,
            http_errors,
            in_flight,
            upstream_calls,
            upstream_latency,
            upstream_in_flight,
            breaker_open,
            rate_limit_refusals,
            cache_lookups,
            jwks_refreshes,
            state_up,
            state_errors,
            rate_limit_fallbacks,
            writes,
            credentials,
            events,
        }))
    }
}

fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// The values of the `method` label: the methods routed (`GET`, `POST`), `OPTIONS` (CORS
/// preflights, answered by the CORS layer when `server.cors_allowed_origins` is set), and
/// `other` for everything else. actix-web accepts any token as a method (`XQWERTY /products`
/// is a 405), so the method as written is never a label.
pub const HTTP_METHOD_LABELS: [&str; 4] = ["GET", "POST", "OPTIONS", "other"];

/// The `method` label of a request method: itself when listed, else `other`.
fn method_label(method: &str) -> &'static str {
    HTTP_METHOD_LABELS
        .iter()
        .find(|label| **label == method)
        .copied()
        .unwrap_or("other")
}

/// One catalog cache's `wog_cache_lookups_total` series, by result
/// ([`Metrics::cache_lookup_counters`]).
#[derive(Clone, Debug)]
pub struct CacheLookupCounters {
    /// `result="hit"`.
    pub hit: Counter,
    /// `result="miss"`.
    pub miss: Counter,
    /// `result="stale"`.
    pub stale: Counter,
}

impl Metrics {
    /// The live event stream metrics (streams, pollers, events sent).
    pub fn events(&self) -> &super::event_metrics::EventMetrics {
        &self.0.events
    }

    /// The temporary-credential metrics (refreshes, time to expiry).
    pub fn credentials(&self) -> &super::CredentialMetrics {
        &self.0.credentials
    }

    /// Records one served HTTP request. `route` is the matched template (from the route table,
    /// a closed set) or `unmatched`; `method` is mapped onto [`HTTP_METHOD_LABELS`].
    pub fn record_http(&self, method: &str, route: &str, status: u16, latency: Duration) {
        let (method, status_class) = (method_label(method), status_class(status));
        THREAD_HTTP_SERIES.with(|cache| {
            let mut cache = cache.borrow_mut();
            if cache.registry != self.0.id || cache.len >= MAX_THREAD_SERIES {
                *cache = ThreadHttpSeries {
                    registry: self.0.id,
                    ..ThreadHttpSeries::default()
                };
            }
            let cache = &mut *cache;
            let by_route = cache.by_kind.entry((method, status_class)).or_default();
            if let Some(series) = by_route.get(route) {
                series.record(latency);
                return;
            }
            let labels = HttpLabels {
                method,
                route: route.to_owned(),
                status_class,
            };
            let series = HttpSeries {
                requests: self.0.http_requests.get_or_create(&labels).clone(),
                latency: self.0.http_latency.get_or_create(&labels).clone(),
            };
            series.record(latency);
            by_route.insert(route.into(), series);
            cache.len += 1;
        });
    }

    /// Counts one error answer of `route` (as for [`Metrics::record_http`]) by its problem
    /// `code` (an `ErrorCode` name: a closed set), so that a 5xx share can be split into the
    /// upstream's outages and the gateway's own faults.
    pub fn record_http_error(&self, route: &str, code: &'static str) {
        self.0
            .http_errors
            .get_or_create(&ErrorLabels {
                route: route.to_owned(),
                code,
            })
            .inc();
    }

    /// Creates the per-tenant series of `tenants` (the configured ids) at 0, so that
    /// dashboards list every tenant and `increase()` sees a tenant's first refusal. Called at
    /// start-up and on every reload; an existing series keeps its value.
    pub fn register_tenants<'a>(&self, tenants: impl IntoIterator<Item = &'a str>) {
        for tenant in tenants {
            let labels = TenantLabels {
                tenant: tenant.to_owned(),
            };
            drop(self.0.upstream_in_flight.get_or_create(&labels));
            drop(self.0.breaker_open.get_or_create(&labels));
            for limit in RATE_LIMITS {
                self.0
                    .rate_limit_refusals
                    .get_or_create(&RefusalLabels {
                        tenant: tenant.to_owned(),
                        limit,
                    })
                    .inc_by(0);
            }
        }
    }

    /// Counts a request of a configured `tenant` refused by `limit` (one of [`RATE_LIMITS`]).
    pub fn record_rate_limit_refusal(&self, tenant: &str, limit: &'static str) {
        self.0
            .rate_limit_refusals
            .get_or_create(&RefusalLabels {
                tenant: tenant.to_owned(),
                limit,
            })
            .inc();
    }

    /// Counts a request as in flight for as long as the returned guard lives.
    pub fn in_flight(&self) -> InFlight {
        self.0.in_flight.inc();
        InFlight(self.0.in_flight.clone())
    }

    /// The lookup counters of catalog cache `cache`, resolved once so that counting a lookup
    /// is one atomic add, not a search by labels (issue 12: a hit is counted on every request).
    pub fn cache_lookup_counters(&self, cache: &'static str) -> CacheLookupCounters {
        let counter = |result| {
            self.0
                .cache_lookups
                .get_or_create(&CacheLabels { cache, result })
                .clone()
        };
        CacheLookupCounters {
            hit: counter("hit"),
            miss: counter("miss"),
            stale: counter("stale"),
        }
    }

    /// Records a JWKS fetch; `result` is `ok` or `failed`.
    pub fn record_jwks_refresh(&self, ok: bool) {
        let result = if ok { "ok" } else { "failed" };
        self.0
            .jwks_refreshes
            .get_or_create(&JwksLabels { result })
            .inc();
    }

    /// Sets `wog_state_up` (one store per application; the last transition wins).
    pub fn set_state_up(&self, up: bool) {
        self.0.state_up.set(i64::from(up));
    }

    /// Counts a failed state store operation; `operation` is one of [`STATE_OPERATIONS`].
    pub fn record_state_error(&self, operation: &'static str) {
        self.0
            .state_errors
            .get_or_create(&StateLabels { operation })
            .inc();
    }

    /// Counts a rate check decided locally because the state store failed.
    pub fn record_rate_limit_fallback(&self) {
        self.0.rate_limit_fallbacks.inc();
    }

    /// Counts one finished keyed write; labels from `write_metrics::OPERATIONS` and
    /// `write_metrics::KEYED_RESULTS`.
    pub fn record_write(&self, operation: &'static str, result: &'static str) {
        self.0.writes.record_write(operation, result);
    }

    /// Counts one reconciliation; labels from `write_metrics::OPERATIONS` and
    /// `write_metrics::RESULTS`.
    pub fn record_reconciliation(&self, operation: &'static str, result: &'static str) {
        self.0.writes.record_reconciliation(operation, result);
    }

    /// The Prometheus text exposition of every metric of this application.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.0.registry).is_err() {
            out.clear();
        }
        out
    }
}

/// Receives one record per finished upstream call, and hears when a call starts and how the
/// tenant's breaker stands: the one way the upstream client reports its calls (the gateway
/// installs its [`Metrics`]; tests a recorder), kept abstract so the client does not know about
/// the metrics registry. Defined here, below the client, which takes it.
pub trait CallObserver: Send + Sync {
    /// Called once per call (not per attempt) with its final outcome (`ok` or
    /// `UpstreamError::outcome`), attempts made and total latency.
    fn observe(
        &self,
        tenant: &str,
        action: &'static str,
        outcome: &'static str,
        attempts: u32,
        latency: Duration,
    );

    /// Called when a call of `tenant` holds its bulkhead slot and is about to be sent; the
    /// call counts as in flight until the returned guard is dropped (also when the caller's
    /// future is dropped mid-call). The default records nothing.
    fn call_started(&self, _tenant: &str) -> Option<InFlight> {
        None
    }

    /// Called after each call, and each call the breaker refused, with whether `tenant`'s
    /// circuit breaker is now open. The default records nothing.
    fn breaker_state(&self, _tenant: &str, _open: bool) {}
}

/// The upstream client reports each finished call (not each attempt) here: `outcome` is `ok`
/// or an `UpstreamError::outcome`, `latency` covers every attempt.
impl CallObserver for Metrics {
    fn observe(
        &self,
        tenant: &str,
        action: &'static str,
        outcome: &'static str,
        _attempts: u32,
        latency: Duration,
    ) {
        self.0
            .upstream_calls
            .get_or_create(&UpstreamLabels {
                tenant: tenant.to_owned(),
                action,
                outcome,
            })
            .inc();
        self.0
            .upstream_latency
            .get_or_create(&UpstreamLatencyLabels { action, outcome })
            .observe(latency.as_secs_f64());
    }

    fn call_started(&self, tenant: &str) -> Option<InFlight> {
        let gauge = Gauge::clone(&self.0.upstream_in_flight.get_or_create(&TenantLabels {
            tenant: tenant.to_owned(),
        }));
        gauge.inc();
        Some(InFlight(gauge))
    }

    fn breaker_state(&self, tenant: &str, open: bool) {
        self.0
            .breaker_open
            .get_or_create(&TenantLabels {
                tenant: tenant.to_owned(),
            })
            .set(i64::from(open));
    }
}

/// One request (or upstream call) in flight, counted until dropped.
pub struct InFlight(Gauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line of `series` in `metrics`' exposition, if any.
    fn line(metrics: &Metrics, series: &str) -> Option<String> {
        metrics
            .render()
            .lines()
            .find(|line| line.starts_with(series))
            .map(str::to_owned)
    }

    #[test]
    fn each_registry_counts_its_own_requests_on_a_shared_thread() {
        let (a, b) = (Metrics::new(), Metrics::new());
        let ms = Duration::from_millis(3);
        for _ in 0..3 {
            a.record_http("GET", "/products", 200, ms);
        }
        b.record_http("GET", "/products", 200, ms);
        a.record_http("GET", "/products", 404, ms);
        a.record_http("POST", "/tickets", 201, ms);
        let requests = |route: &str, method: &str, class: &str| {
            format!(
                r#"wog_http_requests_total{{method="{method}",route="{route}",status_class="{class}"}}"#
            )
        };
        assert_eq!(
            line(&a, &requests("/products", "GET", "2xx")).as_deref(),
            Some(&*format!("{} 3", requests("/products", "GET", "2xx")))
        );
        assert_eq!(
            line(&b, &requests("/products", "GET", "2xx")).as_deref(),
            Some(&*format!("{} 1", requests("/products", "GET", "2xx")))
        );
        assert!(line(&a, &requests("/products", "GET", "4xx")).is_some_and(|l| l.ends_with(" 1")));
        assert!(line(&a, &requests("/tickets", "POST", "2xx")).is_some_and(|l| l.ends_with(" 1")));
        assert!(line(&b, &requests("/tickets", "POST", "2xx")).is_none());
        let count = r#"wog_http_request_duration_seconds_count{method="GET",route="/products",status_class="2xx"}"#;
        assert!(
            line(&a, count).is_some_and(|l| l.ends_with(" 3")),
            "{:?}",
            line(&a, count)
        );
    }

    #[test]
    fn routed_methods_keep_their_name_and_any_other_token_is_other() {
        for method in ["GET", "POST", "OPTIONS"] {
            assert_eq!(method_label(method), method);
        }
        for method in ["HEAD", "PUT", "DELETE", "get", "XQWERTYUI", ""] {
            assert_eq!(method_label(method), "other", "{method}");
        }
    }
}
