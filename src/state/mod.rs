//! State the replicas of the gateway share: idempotency records of writes, claims on the
//! tickets and notes those writes made, and rate-limit buckets.
//!
//! Two backends behind one [`StateStore`]: `memory` (one replica; the default) and `redis`
//! (several replicas). A backend offers three primitives only — read a value, compare-and-swap
//! a value (with a time to live), and one GCRA rate check — so every rule about idempotency
//! lives once, in Rust ([`writes`]), whatever the backend.
//!
//! Invariants: every key is namespaced by tenant (and, in Redis, by `state.key_prefix`); every
//! value expires; no value holds request content (bodies are compared by keyed hash); a
//! primitive never waits on Redis longer than `state.command_timeout_ms`, and fails at once
//! while Redis is known to be down (callers then decide what is safe without it).

mod fingerprint;
mod gcra;
mod health;
mod memory;
mod redis;
mod scripts;
mod setup;
pub mod writes;

use std::time::Duration;

pub use fingerprint::{Fingerprint, Fingerprinter};
pub use gcra::RateDecision;
pub use memory::MemoryBackend;
pub use redis::{RedisBackend, RedisOptions};
pub use setup::from_settings;

use crate::clock::Clock;
use crate::telemetry::Metrics;

/// The shared state could not be read or written (Redis down, timed out, or answered
/// something unexpected). Callers decide what is safe without it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("shared state unavailable: {0}")]
pub struct StateError(pub String);

/// Whether the backend answers, as last seen (for `/readyz` and `wog_state_up`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StateStatus {
    /// Reachable (memory always is).
    Up,
    /// Not reachable: primitives fail at once until the probe finds it again.
    Down,
}

impl StateStatus {
    /// `up` or `down`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Down => "down",
        }
    }
}

/// Which backend holds the state.
#[derive(Clone)]
enum Backend {
    Memory(MemoryBackend),
    Redis(RedisBackend),
}

/// The state store: cheap to clone, shared by all workers.
#[derive(Clone)]
pub struct StateStore {
    backend: Backend,
    /// The application's metrics: `wog_state_up` and `wog_state_errors_total`.
    metrics: Metrics,
}

impl std::fmt::Debug for StateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut debug = f.debug_struct("StateStore");
        debug.field("backend", &self.backend_name());
        if let Backend::Redis(redis) = &self.backend {
            debug.field("redis", &redis.redacted_url());
        }
        debug.finish()
    }
}

impl StateStore {
    /// An in-process store holding at most `capacity_per_tenant` keys per tenant, whose values
    /// expire on `clock`; counted in `metrics`.
    pub fn memory(capacity_per_tenant: u64, clock: Clock, metrics: &Metrics) -> Self {
        metrics.set_state_up(true);
        Self {
            backend: Backend::Memory(MemoryBackend::new(capacity_per_tenant, clock)),
            metrics: metrics.clone(),
        }
    }

    /// A store in Redis. Returns at once, without waiting for Redis (which may be down): the
    /// connection is made in the background. Must be called inside a Tokio runtime; fails only
    /// on an unusable URL. Its health and failures are counted in `metrics`.
    pub fn redis(options: RedisOptions, metrics: &Metrics) -> Result<Self, StateError> {
        Ok(Self {
            backend: Backend::Redis(RedisBackend::connect(options, metrics.clone())?),
            metrics: metrics.clone(),
        })
    }

    /// `memory` or `redis`, for logs, metrics and `/readyz`.
    pub fn backend_name(&self) -> &'static str {
        match &self.backend {
            Backend::Memory(_) => "memory",
            Backend::Redis(_) => "redis",
        }
    }

    /// Whether the backend answered last time it was asked (no round trip).
    pub fn status(&self) -> StateStatus {
        match &self.backend {
            Backend::Memory(_) => StateStatus::Up,
            Backend::Redis(redis) if redis.is_up() => StateStatus::Up,
            Backend::Redis(_) => StateStatus::Down,
        }
    }

    /// Whether the state is shared with other replicas (false: this process alone).
    pub fn is_shared(&self) -> bool {
        !matches!(self.backend, Backend::Memory(_))
    }

    /// The value under `key` of `tenant`, if any and not expired.
    pub async fn get(&self, tenant: &str, key: &str) -> Result<Option<String>, StateError> {
        let result = match &self.backend {
            Backend::Memory(memory) => Ok(memory.get(tenant, key)),
            Backend::Redis(redis) => redis.get(tenant, key).await,
        };
        self.counted("get", result)
    }

    /// Replaces the value under `key` with `new` (`None` deletes it) if and only if the current
    /// value is `expected` (`None`: absent). `ttl` is the new value's lifetime. Returns whether
    /// the swap happened.
    pub async fn compare_and_swap(
        &self,
        tenant: &str,
        key: &str,
        expected: Option<&str>,
        new: Option<&str>,
        ttl: Duration,
    ) -> Result<bool, StateError> {
        let result = match &self.backend {
            Backend::Memory(memory) => Ok(memory.compare_and_swap(tenant, key, expected, new, ttl)),
            Backend::Redis(redis) => {
                redis
                    .compare_and_swap(tenant, key, expected, new, ttl)
                    .await
            }
        };
        self.counted("compare_and_swap", result)
    }

    /// One GCRA check of `bucket` under `tenant`: `per_second` sustained, `burst` at once.
    /// `now_ms` is the caller's clock (milliseconds since the epoch).
    pub async fn rate_check(
        &self,
        tenant: &str,
        bucket: &str,
        per_second: u32,
        burst: u32,
        now_ms: i64,
    ) -> Result<RateDecision, StateError> {
        let result = match &self.backend {
            Backend::Memory(memory) => {
                Ok(memory.rate_check(tenant, bucket, per_second, burst, now_ms))
            }
            // Boxed: the round trip's future would otherwise make every memory check's future
            // (on every request) as large as its own.
            Backend::Redis(redis) => {
                Box::pin(redis.rate_check(tenant, bucket, per_second, burst, now_ms)).await
            }
        };
        self.counted("rate_check", result)
    }

    /// Publishes `payload` to the other replicas on `tenant`'s `channel` (Redis pub/sub;
    /// nothing to do with the memory backend, which has no other replica). Messages are not
    /// stored: a replica that is not listening misses them.
    pub async fn publish(
        &self,
        tenant: &str,
        channel: &str,
        payload: String,
    ) -> Result<(), StateError> {
        match &self.backend {
            Backend::Memory(_) => Ok(()),
            Backend::Redis(redis) => {
                let result = redis.publish(tenant, channel, payload).await;
                self.counted("publish", result)
            }
        }
    }

    /// Forwards the messages of every tenant's channels matching `suffix_pattern` (a Redis glob)
    /// to `sink` as (`tenant:channel`, payload) until `sink` closes; false (and nothing
    /// forwarded) with the memory backend.
    pub fn subscribe(
        &self,
        suffix_pattern: &str,
        sink: tokio::sync::mpsc::Sender<(String, String)>,
    ) -> bool {
        match &self.backend {
            Backend::Memory(_) => false,
            Backend::Redis(redis) => {
                redis.subscribe(suffix_pattern, sink);
                true
            }
        }
    }

    /// Whether the backend answers now: a real round trip, tried even while the backend is
    /// known down (always fine in memory). Updates [`StateStore::status`].
    pub async fn ping(&self) -> Result<(), StateError> {
        let result = match &self.backend {
            Backend::Memory(_) => Ok(()),
            Backend::Redis(redis) => redis.ping().await,
        };
        self.counted("ping", result)
    }
}

impl StateStore {
    /// Counts a failure of `operation` in `wog_state_errors_total`.
    fn counted<T>(
        &self,
        operation: &'static str,
        result: Result<T, StateError>,
    ) -> Result<T, StateError> {
        if result.is_err() {
            self.metrics.record_state_error(operation);
        }
        result
    }
}
