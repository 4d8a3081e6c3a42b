//! The idempotency records' rules (`state::writes`) hold on both backends: each scenario of
//! the unit tests, run once on memory and once on Redis.

use std::time::Duration;

use workorder_gateway::state::writes::{
    Claim, LeaseError, Outcome, Resume, WriteKey, WriteRecords,
};
use workorder_gateway::state::{Fingerprinter, StateStore};

use super::redis_server::RedisServer;
use super::{redis_store, serial};

/// A memory store and a store on `redis`, each with a day of records and 30 s leases.
async fn both(redis: &RedisServer) -> [(&'static str, WriteRecords); 2] {
    let records =
        |store| WriteRecords::new(store, Duration::from_secs(86_400), Duration::from_secs(30));
    [
        (
            "memory",
            records(StateStore::memory(
                1_000,
                workorder_gateway::clock::Clock::manual(),
                &workorder_gateway::telemetry::Metrics::new(),
            )),
        ),
        ("redis", records(redis_store(redis, "wog:").await)),
    ]
}

fn key() -> (Fingerprinter, WriteKey) {
    let fp = Fingerprinter::new(b"test");
    let key = WriteKey::new(&fp, "t", "alice", "create_ticket", "k1");
    (fp, key)
}

fn outcome(id: &str) -> Outcome {
    Outcome {
        id: id.into(),
        note_id: None,
        upstream_request_id: Some("R1".into()),
    }
}

#[tokio::test]
async fn the_first_claim_owns_the_key_a_second_waits_and_a_done_write_replays() {
    let _serial = serial().await;
    let Some(redis) = RedisServer::start() else {
        return;
    };
    for (backend, records) in both(&redis).await {
        let (fp, key) = key();
        let body = fp.of("body", &[b"{}"]);
        let Claim::Acquired(lease) = records.claim(&key, body, 1_000).await.unwrap() else {
            panic!("{backend}: first claim acquires");
        };
        assert_eq!(lease.resume(), None, "{backend}");
        match records.claim(&key, body, 2_000).await.unwrap() {
            Claim::InProgress { lease_left } => {
                assert_eq!(lease_left, Duration::from_secs(29), "{backend}");
            }
            other => panic!("{backend}: {other:?}"),
        }
        records.done(lease, &outcome("T1")).await.unwrap();
        match records.claim(&key, body, 3_000).await.unwrap() {
            Claim::Done(done) => assert_eq!(done, outcome("T1"), "{backend}"),
            other => panic!("{backend}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn another_body_under_the_same_key_is_a_mismatch() {
    let _serial = serial().await;
    let Some(redis) = RedisServer::start() else {
        return;
    };
    for (backend, records) in both(&redis).await {
        let (fp, key) = key();
        let Claim::Acquired(_lease) = records
            .claim(&key, fp.of("body", &[b"a"]), 0)
            .await
            .unwrap()
        else {
            panic!("{backend}: acquires");
        };
        let other = records
            .claim(&key, fp.of("body", &[b"b"]), 1)
            .await
            .unwrap();
        assert!(matches!(other, Claim::BodyMismatch), "{backend}: {other:?}");
    }
}

#[tokio::test]
async fn an_ambiguous_key_is_taken_over_with_the_attempt_to_reconcile() {
    let _serial = serial().await;
    let Some(redis) = RedisServer::start() else {
        return;
    };
    for (backend, records) in both(&redis).await {
        let (fp, key) = key();
        let body = fp.of("body", &[b"{}"]);
        let Claim::Acquired(mut lease) = records.claim(&key, body, 1_000).await.unwrap() else {
            panic!("{backend}: acquires");
        };
        records.sending(&mut lease, 1_500).await.unwrap();
        records.ambiguous(&mut lease, 4_000).await.unwrap();
        let Claim::Acquired(next) = records.claim(&key, body, 5_000).await.unwrap() else {
            panic!("{backend}: an ambiguous key is taken over at once");
        };
        let expected = Resume {
            since_ms: 1_500,
            settled_ms: 4_000,
        };
        assert_eq!(next.resume(), Some(expected), "{backend}");
    }
}

#[tokio::test]
async fn an_expired_lease_is_taken_over_and_the_old_owner_can_no_longer_send() {
    let _serial = serial().await;
    let Some(redis) = RedisServer::start() else {
        return;
    };
    for (backend, records) in both(&redis).await {
        let (fp, key) = key();
        let body = fp.of("body", &[b"{}"]);
        let Claim::Acquired(mut old) = records.claim(&key, body, 0).await.unwrap() else {
            panic!("{backend}: acquires");
        };
        records.sending(&mut old, 100).await.unwrap();
        let Claim::Acquired(new) = records.claim(&key, body, 31_000).await.unwrap() else {
            panic!("{backend}: an expired lease is taken over");
        };
        let expected = Resume {
            since_ms: 100,
            settled_ms: 30_100,
        };
        assert_eq!(new.resume(), Some(expected), "{backend}");
        let lost = records.sending(&mut old, 31_001).await;
        assert!(matches!(lost, Err(LeaseError::Lost)), "{backend}: {lost:?}");
    }
}

#[tokio::test]
async fn a_released_key_is_claimed_afresh_without_reconciling() {
    let _serial = serial().await;
    let Some(redis) = RedisServer::start() else {
        return;
    };
    for (backend, records) in both(&redis).await {
        let (fp, key) = key();
        let body = fp.of("body", &[b"{}"]);
        let Claim::Acquired(lease) = records.claim(&key, body, 0).await.unwrap() else {
            panic!("{backend}: acquires");
        };
        records.release(lease).await.unwrap();
        let Claim::Acquired(again) = records.claim(&key, body, 1).await.unwrap() else {
            panic!("{backend}: acquires again");
        };
        assert_eq!(again.resume(), None, "{backend}");
    }
}

#[tokio::test]
async fn a_resource_is_claimed_by_one_holder_only() {
    let _serial = serial().await;
    let Some(redis) = RedisServer::start() else {
        return;
    };
    for (backend, records) in both(&redis).await {
        assert!(
            records.claim_resource("t", "ticket:T1", "a").await.unwrap(),
            "{backend}"
        );
        assert!(
            records.claim_resource("t", "ticket:T1", "a").await.unwrap(),
            "{backend}"
        );
        assert!(
            !records.claim_resource("t", "ticket:T1", "b").await.unwrap(),
            "{backend}"
        );
        let holder = records.resource_holder("t", "ticket:T1").await.unwrap();
        assert_eq!(holder.as_deref(), Some("a"), "{backend}");
    }
}
