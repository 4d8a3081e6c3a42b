//! `get`, `compare_and_swap` and `rate_check` against Redis: the same semantics as memory,
//! keys named `{prefix}{tenant}:{key}`, and every key written with an expiry.

use std::time::Duration;

use redis::AsyncCommands as _;
use workorder_gateway::state::{RateDecision, StateStore};

use super::redis_server::RedisServer;
use super::{eventually, redis_store, serial};

const HOUR: Duration = Duration::from_secs(3_600);

#[tokio::test]
async fn compare_and_swap_swaps_only_from_the_expected_value_and_none_deletes() {
    let _serial = serial().await;
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let store = redis_store(&redis, "wog:").await;

    assert!(
        store
            .compare_and_swap("t", "k", None, Some("a"), HOUR)
            .await
            .unwrap()
    );
    assert!(
        !store
            .compare_and_swap("t", "k", None, Some("b"), HOUR)
            .await
            .unwrap(),
        "present"
    );
    assert!(
        !store
            .compare_and_swap("t", "k", Some("x"), Some("b"), HOUR)
            .await
            .unwrap()
    );
    assert!(
        store
            .compare_and_swap("t", "k", Some("a"), Some("b"), HOUR)
            .await
            .unwrap()
    );
    assert_eq!(store.get("t", "k").await.unwrap().as_deref(), Some("b"));
    assert_eq!(
        store.get("u", "k").await.unwrap(),
        None,
        "tenants do not share keys"
    );
    assert!(
        !store
            .compare_and_swap("t", "k", Some("a"), None, HOUR)
            .await
            .unwrap()
    );
    assert!(
        store
            .compare_and_swap("t", "k", Some("b"), None, HOUR)
            .await
            .unwrap()
    );
    assert_eq!(store.get("t", "k").await.unwrap(), None);
    assert!(
        store
            .compare_and_swap("t", "k", None, None, HOUR)
            .await
            .unwrap(),
        "deleting an absent key from absent swaps, as in memory"
    );
    assert_eq!(store.ping().await.unwrap(), ());
}

#[tokio::test]
async fn keys_are_prefix_tenant_key_and_every_key_expires() {
    let _serial = serial().await;
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let store = redis_store(&redis, "blue:").await;
    store
        .compare_and_swap("acme", "idem:1", None, Some("v"), HOUR)
        .await
        .unwrap();
    store
        .rate_check("acme", "rl:tenant", 1, 2, 1_700_000_000_000)
        .await
        .unwrap();

    let mut conn = redis.connection().await;
    let mut keys: Vec<String> = conn.keys("*").await.unwrap();
    keys.sort();
    assert_eq!(keys, ["blue:acme:idem:1", "blue:acme:rl:tenant"]);
    let record_ttl: i64 = conn.pttl("blue:acme:idem:1").await.unwrap();
    assert!(
        (3_590_000..=3_600_000).contains(&record_ttl),
        "{record_ttl}"
    );
    let bucket_ttl: i64 = conn.pttl("blue:acme:rl:tenant").await.unwrap();
    assert!(
        (1..=1_000).contains(&bucket_ttl),
        "one interval (1 s): {bucket_ttl}"
    );
    let tat: String = conn.get("blue:acme:rl:tenant").await.unwrap();
    assert_eq!(tat, "1700000001000000", "an integer of microseconds");
}

#[tokio::test]
async fn a_value_is_gone_once_its_time_to_live_has_passed() {
    let _serial = serial().await;
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let store = redis_store(&redis, "wog:").await;
    let ttl = Duration::from_millis(150);

    assert!(
        store
            .compare_and_swap("t", "short", None, Some("v"), ttl)
            .await
            .unwrap()
    );

    assert_eq!(store.get("t", "short").await.unwrap().as_deref(), Some("v"));
    let gone = eventually(Duration::from_secs(3), || async {
        store.get("t", "short").await.unwrap().is_none()
    })
    .await;
    assert!(gone, "expired within the bounded poll");
    assert!(
        store
            .compare_and_swap("t", "short", None, Some("w"), ttl)
            .await
            .unwrap(),
        "an expired key is absent for compare-and-swap too"
    );
}

/// A small deterministic generator (no dependency, same sequence every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

#[tokio::test]
async fn gcra_decides_exactly_as_the_memory_backend_call_for_call() {
    let _serial = serial().await;
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let shared = redis_store(&redis, "wog:").await;
    let memory = StateStore::memory(
        1_000,
        workorder_gateway::clock::Clock::system(),
        &workorder_gateway::telemetry::Metrics::new(),
    );
    // (per second, burst) per bucket: a 3/s rate has an inexact interval (333 333 µs).
    let buckets = [("rl:a", 10, 3), ("rl:b", 3, 1), ("rl:c", 1_000, 50)];
    let mut rng = Lcg(7);
    // The injected clock runs far ahead of real time (steps of up to 150 ms, a call taking
    // well under 1 ms), so a real-time expiry never lands before the stored TAT is reached.
    let mut now_ms = 1_700_000_000_000;
    let (mut allowed, mut limited) = (0, 0);

    for call in 0..600 {
        now_ms += i64::try_from(rng.next(4) * rng.next(50)).unwrap();
        let (bucket, per_second, burst) = buckets[usize::try_from(rng.next(3)).unwrap()];
        let expected = memory
            .rate_check("t", bucket, per_second, burst, now_ms)
            .await
            .unwrap();

        let actual = shared
            .rate_check("t", bucket, per_second, burst, now_ms)
            .await
            .unwrap();

        assert_eq!(actual, expected, "call {call}: {bucket} at {now_ms}");
        match actual {
            RateDecision::Allowed => allowed += 1,
            RateDecision::Limited(_) => limited += 1,
        }
    }
    assert!(
        allowed > 100 && limited > 100,
        "both outcomes exercised: {allowed} / {limited}"
    );
}
