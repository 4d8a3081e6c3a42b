//! `Idempotency-Key` support for `POST /tickets` and `POST /tickets/{id}/notes`: a frontend that
//! retries a create after a lost answer gets the first answer again instead of a second
//! ticket. Concurrent requests with the same key wait for the first one (single flight).
//!
//! Invariants: keys are scoped to tenant and user; only successes are remembered (24 h), so a
//! failed request can be retried with the same key; a key reused with a different body is a
//! 422. Bodies are compared by an HMAC under a per-process random key — the store holds no
//! request content, so nothing confidential (`secretContent`) sits in the cache.

use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpRequest;
use hmac::{Hmac, KeyInit as _, Mac as _};
use moka::future::Cache;
use sha2::Sha256;

use crate::error::{ApiError, FieldError};

/// The request header naming an idempotent operation.
pub const HEADER: &str = "idempotency-key";
/// Response header set when an answer is replayed.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// What is replayed for a repeated key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The created resource's id (ticket id; for notes, the ticket id).
    pub id: String,
    /// The upstream `RequestId` of the original call.
    pub upstream_request_id: Option<String>,
}

#[derive(Debug)]
struct Remembered {
    fingerprint: [u8; 32],
    outcome: Outcome,
}

/// Remembered outcomes by (tenant, user, operation, key); the operation names the resource
/// too (`reply:CAB327A`), so one key on two tickets are two operations.
#[derive(Clone)]
pub struct IdempotencyStore {
    cache: Cache<(String, String, String, String), Arc<Remembered>>,
    fingerprint_key: [u8; 32],
}

impl std::fmt::Debug for IdempotencyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdempotencyStore").finish_non_exhaustive()
    }
}

impl Default for IdempotencyStore {
    fn default() -> Self {
        Self::new(Duration::from_secs(24 * 3600), 100_000)
    }
}

impl IdempotencyStore {
    /// A store remembering up to `capacity` outcomes for `ttl`.
    pub fn new(ttl: Duration, capacity: u64) -> Self {
        let mut fingerprint_key = [0u8; 32];
        rand::Rng::fill(&mut rand::rng(), &mut fingerprint_key);
        Self {
            cache: Cache::builder()
                .max_capacity(capacity)
                .time_to_live(ttl)
                .build(),
            fingerprint_key,
        }
    }

    /// The request's key, if any; 400 when it is malformed.
    pub fn key_of(req: &HttpRequest) -> Result<Option<String>, ApiError> {
        let Some(value) = req.headers().get(HEADER) else {
            return Ok(None);
        };
        let key = value
            .to_str()
            .ok()
            .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or_else(|| {
                ApiError::invalid_request("Idempotency-Key: 1 to 255 visible ASCII characters")
            })?;
        Ok(Some(key.to_owned()))
    }

    /// Runs `operation` once per key: a repeat gets the remembered outcome (`true` = replayed).
    /// Without a key, `operation` simply runs.
    pub async fn run<F, Fut>(
        &self,
        scope: (&str, &str, &str),
        key: Option<String>,
        body: &[u8],
        operation: F,
    ) -> Result<(Outcome, bool), ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Outcome, ApiError>>,
    {
        let Some(key) = key else {
            return operation().await.map(|outcome| (outcome, false));
        };
        let fingerprint = self.fingerprint(body);
        let cache_key = (
            scope.0.to_owned(),
            scope.1.to_owned(),
            scope.2.to_owned(),
            key,
        );
        let mut ran_here = false;
        let remembered = self
            .cache
            .try_get_with(cache_key, async {
                ran_here = true;
                operation().await.map(|outcome| {
                    Arc::new(Remembered {
                        fingerprint,
                        outcome,
                    })
                })
            })
            .await
            .map_err(|err: Arc<ApiError>| (*err).clone())?;
        if remembered.fingerprint != fingerprint {
            return Err(ApiError::validation(vec![FieldError::new(
                "Idempotency-Key",
                "this key was already used with a different request body",
            )]));
        }
        Ok((remembered.outcome.clone(), !ran_here))
    }

    fn fingerprint(&self, body: &[u8]) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.fingerprint_key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        mac.update(body);
        mac.finalize().into_bytes().into()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[tokio::test]
    async fn a_repeated_key_replays_the_first_outcome_without_running_again() {
        let store = IdempotencyStore::default();
        let runs = AtomicU32::new(0);
        let op = || async {
            runs.fetch_add(1, Ordering::SeqCst);
            Ok(Outcome {
                id: "T1".into(),
                upstream_request_id: None,
            })
        };
        let first = store
            .run(("t", "u", "create"), Some("k".into()), b"{}", op)
            .await
            .expect("ok");
        let second = store
            .run(("t", "u", "create"), Some("k".into()), b"{}", op)
            .await
            .expect("ok");
        assert_eq!((first.1, second.1), (false, true));
        assert_eq!(second.0.id, "T1");
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_key_reused_with_another_body_is_refused() {
        let store = IdempotencyStore::default();
        let op = || async {
            Ok(Outcome {
                id: "T1".into(),
                upstream_request_id: None,
            })
        };
        store
            .run(("t", "u", "create"), Some("k".into()), b"a", op)
            .await
            .expect("ok");
        let err = store
            .run(("t", "u", "create"), Some("k".into()), b"b", op)
            .await
            .expect_err("reuse");
        assert_eq!(err.code(), "validation_failed");
    }

    #[tokio::test]
    async fn failures_are_not_remembered_and_users_do_not_share_keys() {
        let store = IdempotencyStore::default();
        let failing = || async { Err(ApiError::invalid_request("boom")) };
        assert!(
            store
                .run(("t", "u", "create"), Some("k".into()), b"{}", failing)
                .await
                .is_err()
        );
        let ok = || async {
            Ok(Outcome {
                id: "T2".into(),
                upstream_request_id: None,
            })
        };
        let (outcome, replayed) = store
            .run(("t", "u", "create"), Some("k".into()), b"{}", ok)
            .await
            .expect("ok");
        assert_eq!((outcome.id.as_str(), replayed), ("T2", false));
        let other = || async {
            Ok(Outcome {
                id: "T3".into(),
                upstream_request_id: None,
            })
        };
        let (outcome, _) = store
            .run(("t", "v", "create"), Some("k".into()), b"{}", other)
            .await
            .expect("ok");
        assert_eq!(outcome.id, "T3");
    }
}
