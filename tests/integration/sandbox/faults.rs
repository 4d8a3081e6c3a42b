//! Fault injection over HTTP: seeded determinism, the faults that act before any processing,
//! latency and throttling. The faults that act, then lose the answer, are in `lost`.

use std::time::{Duration, Instant};

use workorder_sandbox::FaultConfig;

use super::helpers::*;

/// Statuses of `n` sequential calls (0 for a dropped connection).
async fn statuses(sandbox: &Sandbox, n: usize) -> Vec<u16> {
    let mut seen = Vec::with_capacity(n);
    for _ in 0..n {
        let signed = sandbox.sign(
            workorder_api::SignatureVersion::V1,
            &demo_credentials(),
            "ListProducts",
            &[],
            time::OffsetDateTime::now_utc(),
            &fresh_nonce(),
        );
        seen.push(sandbox.try_send(&signed).await.map_or(0, |r| r.status));
    }
    seen
}

fn mixed() -> FaultConfig {
    FaultConfig {
        error_rate: 0.25,
        unavailable_rate: 0.25,
        drop_rate: 0.1,
        ..FaultConfig::default()
    }
}

#[tokio::test]
async fn the_same_seed_gives_the_same_faults_over_http() {
    let a = start_faulty(mixed(), 42).await;
    let b = start_faulty(mixed(), 42).await;
    let c = start_faulty(mixed(), 43).await;
    let first = statuses(&a, 40).await;
    assert_eq!(first, statuses(&b, 40).await);
    assert_ne!(
        first,
        statuses(&c, 40).await,
        "another seed, another sequence"
    );
    for status in [0, 200, 500, 503] {
        assert!(first.contains(&status), "{status} in {first:?}");
    }
    for sandbox in [a, b, c] {
        sandbox.stop().await;
    }
}

#[tokio::test]
async fn injected_errors_have_the_real_codes() {
    let cases = [
        (
            FaultConfig {
                error_rate: 1.0,
                ..FaultConfig::default()
            },
            500,
            "System.error",
        ),
        (
            FaultConfig {
                unavailable_rate: 1.0,
                ..FaultConfig::default()
            },
            503,
            "ServiceUnavailable",
        ),
    ];
    for (faults, status, code) in cases {
        let sandbox = start_faulty(faults, 0).await;
        sandbox
            .demo("ListProducts", &[])
            .await
            .assert_error(status, code);
        sandbox.stop().await;
    }
}

#[tokio::test]
async fn dropped_connections_get_no_answer_at_all() {
    let sandbox = start_faulty(
        FaultConfig {
            drop_rate: 1.0,
            ..FaultConfig::default()
        },
        0,
    )
    .await;
    let signed = sandbox.sign(
        workorder_api::SignatureVersion::V1,
        &demo_credentials(),
        "ListProducts",
        &[],
        time::OffsetDateTime::now_utc(),
        &fresh_nonce(),
    );
    let err = sandbox.try_send(&signed).await.unwrap_err();
    assert!(!err.is_timeout() && err.status().is_none(), "{err:?}");
    sandbox.stop().await;
}

#[tokio::test]
async fn latency_is_added_to_every_answer() {
    let sandbox = start_faulty(
        FaultConfig {
            latency_ms: 250,
            ..FaultConfig::default()
        },
        0,
    )
    .await;
    let started = Instant::now();
    sandbox.demo("ListProducts", &[]).await.assert_ok();
    assert!(started.elapsed() >= Duration::from_millis(250));
    sandbox.stop().await;
}

#[tokio::test]
async fn calls_above_the_rate_are_throttled_per_account() {
    let sandbox = start_faulty(
        FaultConfig {
            throttle_per_second: 3,
            ..FaultConfig::default()
        },
        0,
    )
    .await;
    let mut codes = Vec::new();
    for _ in 0..6 {
        codes.push(sandbox.demo("ListProducts", &[]).await);
    }
    let throttled: Vec<_> = codes.iter().filter(|r| r.status == 400).collect();
    assert!(throttled.len() >= 2, "{codes:?}");
    for reply in &throttled {
        reply.assert_error(400, "Throttling.User");
        let wait: u64 = reply.headers["x-acs-retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=1000).contains(&wait), "{wait}");
    }
    // Another account has its own budget.
    sandbox
        .call(
            workorder_api::SignatureVersion::V1,
            &credentials("LTAIalpha", "alpha-secret"),
            "ListProducts",
            &[],
        )
        .await
        .assert_ok();
    sandbox.stop().await;
}
