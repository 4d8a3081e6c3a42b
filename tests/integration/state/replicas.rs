//! Two gateways sharing one Redis, over real HTTP: a user's limit and a tenant's limit hold
//! across both replicas, as if there were one.

use std::path::Path;
use std::time::{Duration, Instant};

use super::redis_server::RedisServer;
use super::{FINGERPRINT_SECRET, eventually, serial};
use crate::support::{READ_WRITE, TestGateway, demo_config, problem, start_tweaked, token};

/// A file holding the fingerprint key every replica shares.
pub fn fingerprint_file() -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), FINGERPRINT_SECRET).unwrap();
    file
}

/// The demo configuration on the Redis at `url`.
pub fn redis_config(url: &str, fingerprint: &Path) -> String {
    demo_config(&format!(
        "[state]\nbackend = \"redis\"\nredis_url = \"{url}\"\nfingerprint_secret_file = \"{}\"\ncommand_timeout_ms = 250\n",
        fingerprint.display()
    ))
}

/// A replica with the user limit `per_second` / `burst` and the tenant limit off.
pub async fn replica(toml: &str, per_second: u32, burst: u32) -> TestGateway {
    start_tweaked(toml, |settings| {
        settings.limits.requests_per_second = per_second;
        settings.limits.burst = burst;
    })
    .await
}

/// `/readyz`: the status code and the body.
pub async fn readiness(gateway: &TestGateway) -> (u16, serde_json::Value) {
    let response = gateway
        .http
        .get(format!("{}/readyz", gateway.url))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// Whether `/readyz` reports the state `status` within 5 s.
pub async fn state_becomes(gateway: &TestGateway, status: &str) -> bool {
    eventually(Duration::from_secs(5), || async {
        readiness(gateway).await.1["state"]["status"] == status
    })
    .await
}

pub use crate::support::{metric, sample};

#[tokio::test]
async fn a_users_limit_holds_across_two_replicas_within_ten_percent() {
    let _serial = serial().await;
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let fingerprint = fingerprint_file();
    let toml = redis_config(&redis.url(), fingerprint.path());
    let (per_second, burst) = (10, 10);
    let replicas = [
        replica(&toml, per_second, burst).await,
        replica(&toml, per_second, burst).await,
    ];
    for gateway in &replicas {
        assert!(state_becomes(gateway, "up").await);
    }
    let alice = token("demo", "alice", READ_WRITE);
    // Fill both catalog caches first (a user that is not limited), so timing is the limit's.
    for gateway in &replicas {
        assert_eq!(
            gateway
                .get("/products", &token("demo", "warm", READ_WRITE))
                .await
                .status(),
            200
        );
    }

    let started = Instant::now();
    let mut allowed = [0u32; 2];
    let mut refused = 0u32;
    let mut i = 0;
    while started.elapsed() < Duration::from_secs(3) {
        let response = replicas[i % 2].get("/products", &alice).await;
        match response.status().as_u16() {
            200 => allowed[i % 2] += 1,
            429 => {
                assert!(response.headers().contains_key("retry-after"));
                refused += 1;
            }
            other => panic!("unexpected {other}"),
        }
        i += 1;
    }
    let elapsed = started.elapsed().as_secs_f64();

    let max = f64::from(burst) + f64::from(per_second) * elapsed;
    let total = f64::from(allowed[0] + allowed[1]);
    assert!(
        (0.9 * max..=1.1 * max).contains(&total),
        "{total} allowed ({allowed:?}), {refused} refused, in {elapsed:.2} s; one limit allows {max:.1}"
    );
    assert!(
        allowed[0] > 5 && allowed[1] > 5,
        "both replicas served: {allowed:?}"
    );
    assert!(
        refused > total as u32,
        "the client ran well over the limit: {refused}"
    );
}

#[tokio::test]
async fn a_tenants_limit_is_spent_by_all_its_users_on_every_replica() {
    let _serial = serial().await;
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let fingerprint = fingerprint_file();
    let toml = redis_config(&redis.url(), fingerprint.path());
    let tenant_limited = |toml: String| async move {
        start_tweaked(&toml, |settings| {
            settings.limits.requests_per_second = 0;
            settings.limits.tenant_requests_per_second = 1;
            settings.limits.tenant_burst = 4;
        })
        .await
    };
    let replicas = [
        tenant_limited(toml.clone()).await,
        tenant_limited(toml).await,
    ];
    for gateway in &replicas {
        assert!(state_becomes(gateway, "up").await);
    }

    let mut statuses = Vec::new();
    for (i, user) in ["u1", "u2", "u3", "u4"].iter().enumerate() {
        let response = replicas[i % 2]
            .get("/products", &token("demo", user, READ_WRITE))
            .await;
        statuses.push(response.status().as_u16());
    }
    let over = replicas[0]
        .get("/products", &token("demo", "u5", READ_WRITE))
        .await;

    assert_eq!(
        statuses,
        [200, 200, 200, 200],
        "the tenant's burst of 4, two per replica"
    );
    let retry_after = over.headers()["retry-after"].to_str().unwrap().to_owned();
    assert_eq!(retry_after, "1");
    problem(over, 429, "rate_limited").await;
}
