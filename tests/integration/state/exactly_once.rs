//! Exactly-once writes with two replicas sharing one Redis, over real HTTP against a standalone
//! sandbox: retries land on the other replica, one key sent to both at once, and Redis stopped
//! and restarted mid-run (keyed writes refuse with 503 rather than risk a duplicate; keyless
//! writes still reconcile within the request).

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use serde_json::json;
use workorder_sandbox::SandboxHandle;

use super::redis_server::RedisServer;
use super::replicas::{fingerprint_file, sample, state_becomes};
use super::{eventually, serial};
use crate::support::writes::{all_ticket_ids, forty_retrying_clients, new_ticket, post_with_key};
use crate::support::{
    READ_WRITE, TestGateway, demo_account_tenant, demo_config, problem, set_faults, start_sandbox,
};

/// A gateway configuration on the Redis at `url`, whose tenant `faulty` calls `sandbox`.
fn config(url: &str, fingerprint: &Path, sandbox: &SandboxHandle, idempotency: &str) -> String {
    demo_config(&format!(
        r#"
[state]
backend = "redis"
redis_url = "{url}"
fingerprint_secret_file = "{}"
command_timeout_ms = 250
[upstream]
max_attempts = 3
retry_base_delay_ms = 1
retry_max_delay_ms = 20
request_timeout_ms = 1000
breaker_failure_threshold = 0
[idempotency]
{idempotency}
{}"#,
        fingerprint.display(),
        demo_account_tenant("faulty", &sandbox.url())
    ))
}

/// The value of the counter `series`, 0 while it has no sample yet (a labelled counter appears
/// with its first event).
async fn counter(gateway: &TestGateway, series: &str) -> f64 {
    sample(gateway, series).await.0.unwrap_or(0.0)
}

/// Two replicas on one Redis, their catalogs warm.
async fn two_replicas(toml: &str) -> [TestGateway; 2] {
    let replicas = [
        TestGateway::start(toml).await,
        TestGateway::start(toml).await,
    ];
    for gateway in &replicas {
        assert!(state_becomes(gateway, "up").await);
        let token = gateway.token("faulty", "warm", READ_WRITE);
        assert_eq!(
            gateway
                .get("/products/ecs/categories", &token)
                .await
                .status(),
            200
        );
    }
    replicas
}

#[tokio::test]
async fn forty_clients_retrying_on_the_other_replica_file_exactly_forty_tickets() {
    let _serial = serial().await;
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sandbox = start_sandbox(Vec::new()).await;
    let fingerprint = fingerprint_file();
    let replicas = two_replicas(&config(
        &redis.url(),
        fingerprint.path(),
        &sandbox,
        "reconcile_grace_ms = 300",
    ))
    .await;
    let token = replicas[0].token("faulty", "alice", READ_WRITE);
    let (got, upstream) =
        forty_retrying_clients(&[&replicas[0], &replicas[1]], &sandbox, &token).await;
    let got: BTreeSet<String> = got.into_iter().collect();
    assert_eq!(got.len(), 40, "every client has its own ticket");
    assert_eq!(upstream.len(), 40, "no duplicate upstream: {upstream:?}");
    assert_eq!(
        got,
        upstream.into_iter().collect::<BTreeSet<_>>(),
        "none lost"
    );
}

#[tokio::test]
async fn one_key_sent_to_both_replicas_at_once_makes_one_upstream_create() {
    let _serial = serial().await;
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sandbox = start_sandbox(Vec::new()).await;
    let fingerprint = fingerprint_file();
    let replicas = two_replicas(&config(&redis.url(), fingerprint.path(), &sandbox, "")).await;
    let token = replicas[0].token("faulty", "alice", READ_WRITE);
    let before = all_ticket_ids(&sandbox, &replicas[0], &token).await.len();
    let calls = r#"wog_upstream_calls_total{tenant="faulty",action="CreateTicket",outcome="ok"}"#;
    let calls_before = counter(&replicas[0], calls).await + counter(&replicas[1], calls).await;
    // Slow creates, so every request arrives while the first is in flight.
    set_faults(
        &sandbox.url(),
        json!({ "latency_ms": 500, "actions": ["CreateTicket"] }),
    )
    .await;
    let body = new_ticket("one key, two replicas");
    let requests =
        (0..6).map(|i| post_with_key(&replicas[i % 2], "/tickets", &token, "both", &body));
    let responses = futures_util::future::join_all(requests).await;
    let mut ids = BTreeSet::new();
    let mut replayed = 0;
    for response in responses {
        assert_eq!(response.status(), 201);
        replayed += usize::from(response.headers().contains_key("idempotent-replayed"));
        ids.insert(response.json::<serde_json::Value>().await.unwrap()["id"].to_string());
    }
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(replayed, 5);
    // Each replica counts its own upstream calls: between them, one create.
    let calls_after = counter(&replicas[0], calls).await + counter(&replicas[1], calls).await;
    assert_eq!(calls_after - calls_before, 1.0);
    assert_eq!(
        all_ticket_ids(&sandbox, &replicas[0], &token).await.len(),
        before + 1
    );
}

#[tokio::test]
async fn with_redis_down_keyed_writes_are_503_keyless_writes_reconcile_and_all_recovers() {
    let _serial = serial().await;
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let sandbox = start_sandbox(Vec::new()).await;
    let fingerprint = fingerprint_file();
    let [gateway, _other] = two_replicas(&config(
        &redis.url(),
        fingerprint.path(),
        &sandbox,
        "reconcile_grace_ms = 200",
    ))
    .await;
    let token = gateway.token("faulty", "alice", READ_WRITE);
    let before = all_ticket_ids(&sandbox, &gateway, &token).await.len();

    redis.stop();
    assert!(state_becomes(&gateway, "down").await);
    let keyed = post_with_key(
        &gateway,
        "/tickets",
        &token,
        "while-down",
        &new_ticket("keyed"),
    )
    .await;
    let retry_after = keyed.headers()["retry-after"].to_str().unwrap().to_owned();
    assert!(retry_after.parse::<u64>().unwrap() >= 1, "{retry_after}");
    problem(keyed, 503, "state_unavailable").await;
    // Without a key, a lost answer is still reconciled within the request.
    set_faults(
        &sandbox.url(),
        json!({ "lost_error_rate": 1.0, "actions": ["CreateTicket"] }),
    )
    .await;
    let keyless = gateway
        .post_json("/tickets", &token, &new_ticket("keyless, redis down"))
        .await;
    assert_eq!(keyless.status(), 201, "{}", keyless.text().await.unwrap());
    assert_eq!(
        gateway.get("/tickets", &token).await.status(),
        200,
        "reads work"
    );
    assert_eq!(
        all_ticket_ids(&sandbox, &gateway, &token).await.len(),
        before + 1
    );

    redis.restart();
    assert!(state_becomes(&gateway, "up").await);
    let recovered = eventually(Duration::from_secs(5), || async {
        post_with_key(
            &gateway,
            "/tickets",
            &token,
            "after-restart",
            &new_ticket("keyed again"),
        )
        .await
        .status()
            == 201
    })
    .await;
    assert!(recovered, "keyed writes work again once Redis is back");
    assert_eq!(
        all_ticket_ids(&sandbox, &gateway, &token).await.len(),
        before + 2
    );
}
