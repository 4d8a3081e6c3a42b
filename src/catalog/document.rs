//! What the catalog hands to the HTTP layer: a pre-serialized JSON body with its ETag, how fresh
//! it is, and where it came from; plus the `If-None-Match` comparison.
//!
//! Invariant: a [`Document`] is built once per fetched upstream value (serialization and the
//! SHA-256 happen at fetch time, never per hit), with its `ETag` header value ready. Serving it
//! clones a `Bytes` and a `HeaderValue`, both reference-count bumps.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header::HeaderValue;
use bytes::Bytes;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// How many bytes of the body's SHA-256 go into the ETag (128 bits: collisions are not a
/// practical concern for one tenant's catalog).
const ETAG_HASH_BYTES: usize = 16;

/// Where a served document came from, for the `X-Cache` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CacheStatus {
    /// Served from the cache within its TTL; no upstream call.
    Hit,
    /// Fetched from the upstream for this request (or by a concurrent request it waited for).
    Miss,
    /// The TTL had passed and the refresh failed: the last good value, within the stale window.
    Stale,
}

impl CacheStatus {
    /// The `X-Cache` header value: `HIT`, `MISS` or `STALE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hit => "HIT",
            Self::Miss => "MISS",
            Self::Stale => "STALE",
        }
    }

    /// [`CacheStatus::as_str`] as a header value, built at compile time.
    pub fn header_value(self) -> HeaderValue {
        match self {
            Self::Hit => HeaderValue::from_static("HIT"),
            Self::Miss => HeaderValue::from_static("MISS"),
            Self::Stale => HeaderValue::from_static("STALE"),
        }
    }
}

impl std::fmt::Display for CacheStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A catalog response body ready to send.
///
/// The handler writes `body` as `application/json`, `ETag: {etag}`,
/// `Cache-Control: private, max-age={max_age.as_secs()}`, `X-Cache: {status.as_str()}` and, when
/// present, `X-Upstream-Request-Id: {upstream_request_id}`; or answers 304 when
/// the client's `If-None-Match` already names this ETag (matched by the route, RFC 9110 §13.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedDocument {
    /// The JSON body, serialized once when the value was fetched.
    pub body: Bytes,
    /// Strong ETag, quoted: `"<32 hex digits of the body's SHA-256>"`. Equal bodies have equal
    /// ETags, across refreshes and processes. The header value itself, so a hit neither
    /// allocates nor validates it.
    pub etag: HeaderValue,
    /// Time left of the TTL (zero when [`CacheStatus::Stale`]), for `Cache-Control: max-age`.
    pub max_age: Duration,
    /// Hit, miss or stale.
    pub status: CacheStatus,
    /// The upstream `RequestId` of the call this request involved: the fetch on a miss, the
    /// failed refresh on a stale answer (when the upstream answered at all), none on a hit.
    pub upstream_request_id: Option<Arc<str>>,
}

/// A serialized body and its ETag, computed together once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Document {
    pub(crate) body: Bytes,
    pub(crate) etag: HeaderValue,
}

impl Document {
    /// Serializes `value` and hashes the result.
    pub(crate) fn json<T: Serialize>(value: &T) -> Self {
        // The view types are plain structs of strings, numbers, booleans and options: their
        // serialization to a Vec cannot fail.
        let body = serde_json::to_vec(value)
            .unwrap_or_else(|e| unreachable!("catalog views always serialize: {e}"));
        let digest = Sha256::digest(&body);
        let etag = format!("\"{}\"", hex::encode(&digest[..ETAG_HASH_BYTES]));
        Self {
            body: Bytes::from(body),
            etag: HeaderValue::try_from(etag)
                .unwrap_or_else(|e| unreachable!("a quoted hex string is a header value: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_give_equal_strong_etags_and_different_values_different_ones() {
        let a = Document::json(&serde_json::json!({ "items": [1, 2] }));
        let b = Document::json(&serde_json::json!({ "items": [1, 2] }));
        let c = Document::json(&serde_json::json!({ "items": [2, 1] }));
        assert_eq!(a.etag, b.etag);
        assert_ne!(a.etag, c.etag);
        let tag = a.etag.to_str().unwrap_or_default();
        assert!(tag.starts_with('"') && tag.ends_with('"'));
        assert_eq!(tag.len(), 2 + 2 * ETAG_HASH_BYTES);
        assert_eq!(&a.body[..], br#"{"items":[1,2]}"#);
    }

    #[test]
    fn cache_statuses_are_spelled_as_the_x_cache_header_wants() {
        let spelled: Vec<_> = [CacheStatus::Hit, CacheStatus::Miss, CacheStatus::Stale]
            .iter()
            .map(|s| s.as_str())
            .collect();
        assert_eq!(spelled, ["HIT", "MISS", "STALE"]);
    }
}
