//! Redis down: start-up does not wait for it, reads keep working, rate limits fall back to
//! each replica, `/readyz` stays 200 with the detail, `/metrics` says so; Redis back: up again
//! within a bounded poll. A Redis that stops answering costs one command timeout, then
//! nothing.

use std::time::{Duration, Instant};

use workorder_gateway::state::{StateStatus, StateStore};
use workorder_gateway::telemetry::Metrics;

use super::redis_server::RedisServer;
use super::replicas::{fingerprint_file, metric, readiness, redis_config, replica, state_becomes};
use super::{eventually, options, serial};
use crate::support::{READ_WRITE, TestGateway, token};

const FALLBACKS: &str = "wog_rate_limit_fallbacks_total";
const RATE_CHECK_ERRORS: &str = "wog_state_errors_total{operation=\"rate_check\"}";

/// Sends `count` requests of `user` to `gateway`; how many were answered 200 (the rest 429).
async fn allowed_of(gateway: &TestGateway, user: &str, count: usize) -> usize {
    let token = token("demo", user, READ_WRITE);
    let mut allowed = 0;
    for _ in 0..count {
        match gateway.get("/products", &token).await.status().as_u16() {
            200 => allowed += 1,
            429 => {}
            other => panic!("unexpected {other}"),
        }
    }
    allowed
}

#[tokio::test]
async fn redis_stopped_mid_run_leaves_reads_working_limits_per_replica_and_readiness_up() {
    let _serial = serial().await;
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let fingerprint = fingerprint_file();
    let toml = redis_config(&redis.url(), fingerprint.path());
    let replicas = [replica(&toml, 10, 10).await, replica(&toml, 10, 10).await];
    for gateway in &replicas {
        assert!(state_becomes(gateway, "up").await);
        assert_eq!(allowed_of(gateway, "alice", 1).await, 1);
    }
    assert_eq!(metric(&replicas[0], "wog_state_up").await, 1.0);
    let mut fallbacks = Vec::new();
    let mut errors = Vec::new();
    for gateway in &replicas {
        fallbacks.push(metric(gateway, FALLBACKS).await);
        errors.push(metric(gateway, RATE_CHECK_ERRORS).await);
    }

    redis.stop();

    // 21 requests in well under 100 ms of refill: the burst of 10, perhaps one more token.
    let on_first = allowed_of(&replicas[0], "carol", 21).await;
    let on_second = allowed_of(&replicas[1], "carol", 21).await;
    assert!((10..=11).contains(&on_first), "{on_first}");
    assert!(
        (10..=11).contains(&on_second),
        "each replica limits alone: {on_second}"
    );
    for gateway in &replicas {
        let (status, body) = readiness(gateway).await;
        assert_eq!(status, 200);
        assert_eq!(
            body,
            serde_json::json!({"status": "ready", "state": {"backend": "redis", "status": "down"}})
        );
    }
    // Each replica counts its own: 21 checks each, every one decided alone.
    for (i, gateway) in replicas.iter().enumerate() {
        assert_eq!(metric(gateway, "wog_state_up").await, 0.0);
        assert_eq!(metric(gateway, FALLBACKS).await - fallbacks[i], 21.0);
        assert_eq!(metric(gateway, RATE_CHECK_ERRORS).await - errors[i], 21.0);
    }

    redis.restart();

    for gateway in &replicas {
        assert!(state_becomes(gateway, "up").await, "up again within 5 s");
    }
    assert_eq!(metric(&replicas[0], "wog_state_up").await, 1.0);
    assert_eq!(allowed_of(&replicas[1], "dave", 1).await, 1);
    assert_eq!(
        metric(&replicas[1], FALLBACKS).await - fallbacks[1],
        21.0,
        "shared again: no more fallbacks"
    );
}

#[tokio::test]
async fn a_gateway_starts_and_serves_reads_while_redis_is_down() {
    let _serial = serial().await;
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    redis.stop();
    let fingerprint = fingerprint_file();

    let gateway = replica(&redis_config(&redis.url(), fingerprint.path()), 10, 10).await;

    let (status, body) = readiness(&gateway).await;
    assert_eq!(status, 200);
    assert_eq!(body["state"]["status"], "down");
    assert_eq!(allowed_of(&gateway, "erin", 1).await, 1);
    redis.restart();
    assert!(
        state_becomes(&gateway, "up").await,
        "connected once Redis is there"
    );
}

#[tokio::test]
async fn a_stalled_redis_costs_one_command_timeout_then_fails_at_once_until_it_answers() {
    let _serial = serial().await;
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let store = StateStore::redis(
        options(&redis.url(), "wog:", Duration::from_millis(200)),
        &Metrics::new(),
    )
    .unwrap();
    store.ping().await.unwrap();

    redis.pause();
    let started = Instant::now();
    let first = store.get("t", "k").await;
    let first_took = started.elapsed();
    let started = Instant::now();
    let second = store.get("t", "k").await;
    let second_took = started.elapsed();

    let first = first.expect_err("no answer").to_string();
    assert!(first.contains("no answer within 200 ms"), "{first}");
    assert!(
        first_took >= Duration::from_millis(180) && first_took < Duration::from_secs(1),
        "{first_took:?}"
    );
    assert!(second.is_err());
    assert!(
        second_took < Duration::from_millis(50),
        "known down: {second_took:?}"
    );
    assert_eq!(store.status(), StateStatus::Down);
    redis.resume();
    let back = eventually(Duration::from_secs(5), || async {
        store.status() == StateStatus::Up
    })
    .await;
    assert!(back, "the probe finds it again");
    assert_eq!(store.get("t", "k").await.unwrap(), None);
}
