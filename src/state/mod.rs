//! State the replicas of the gateway share: idempotency records of writes, claims on the
//! tickets and notes those writes made, and rate-limit buckets.
//!
//! Two backends behind one [`StateStore`]: `memory` (one replica; the default) and `redis`
//! (several replicas). A backend offers three primitives only — read a value, compare-and-swap
//! a value (with a time to live), and one GCRA rate check — so every rule about idempotency
//! lives once, in Rust ([`writes`]), whatever the backend.
//!
//! Invariants: every key is namespaced by tenant (and, in Redis, by `state.key_prefix`); every
//! value expires; no value holds request content (bodies are compared by keyed hash).

mod fingerprint;
mod gcra;
mod memory;
pub mod writes;

use std::time::Duration;

pub use fingerprint::{Fingerprint, Fingerprinter};
pub use gcra::RateDecision;
pub use memory::MemoryBackend;

/// The shared state could not be read or written (Redis down, timed out, or answered
/// something unexpected). Callers decide what is safe without it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("shared state unavailable: {0}")]
pub struct StateError(pub String);

/// Which backend holds the state.
#[derive(Clone)]
enum Backend {
    Memory(MemoryBackend),
}

/// The state store: cheap to clone, shared by all workers.
#[derive(Clone)]
pub struct StateStore {
    backend: Backend,
}

impl std::fmt::Debug for StateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateStore")
            .field("backend", &self.backend_name())
            .finish()
    }
}

impl StateStore {
    /// An in-process store holding at most `capacity_per_tenant` keys per tenant.
    pub fn memory(capacity_per_tenant: u64) -> Self {
        Self {
            backend: Backend::Memory(MemoryBackend::new(capacity_per_tenant)),
        }
    }

    /// `memory` or `redis`, for logs, metrics and `/readyz`.
    pub fn backend_name(&self) -> &'static str {
        match &self.backend {
            Backend::Memory(_) => "memory",
        }
    }

    /// Whether the state is shared with other replicas (false: this process alone).
    pub fn is_shared(&self) -> bool {
        !matches!(self.backend, Backend::Memory(_))
    }

    /// The value under `key` of `tenant`, if any and not expired.
    pub async fn get(&self, tenant: &str, key: &str) -> Result<Option<String>, StateError> {
        match &self.backend {
            Backend::Memory(memory) => Ok(memory.get(tenant, key)),
        }
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
        match &self.backend {
            Backend::Memory(memory) => Ok(memory.compare_and_swap(tenant, key, expected, new, ttl)),
        }
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
        match &self.backend {
            Backend::Memory(memory) => {
                Ok(memory.rate_check(tenant, bucket, per_second, burst, now_ms))
            }
        }
    }

    /// Whether the backend answers now (always true in memory).
    pub async fn ping(&self) -> Result<(), StateError> {
        match &self.backend {
            Backend::Memory(_) => Ok(()),
        }
    }
}
