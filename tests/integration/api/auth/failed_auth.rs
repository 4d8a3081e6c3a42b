//! The failed-authentication limit per client address (`limits.failed_auth_per_minute`,
//! `server.trusted_proxies`), over real HTTP.

use crate::support::{READ_WRITE, demo_config, problem, start_tweaked};

#[tokio::test]
async fn an_address_that_keeps_failing_gets_429_before_its_token_is_checked() {
    let gateway = start_tweaked(&demo_config(""), |settings| {
        settings.limits.failed_auth_per_minute = 6;
        settings.limits.failed_auth_burst = 3;
    })
    .await;
    let good = gateway.token("demo", "alice", READ_WRITE);
    for _ in 0..3 {
        problem(
            gateway.get("/tickets", "not-a-token").await,
            401,
            "unauthenticated",
        )
        .await;
    }
    let refused = gateway.get("/tickets", "not-a-token").await;
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=10).contains(&wait), "{wait}");
    problem(refused, 429, "rate_limited").await;
    // Even a valid token waits: the address is refused before any token work.
    problem(gateway.get("/tickets", &good).await, 429, "rate_limited").await;
}

#[tokio::test]
async fn requests_without_a_token_spend_no_budget() {
    let gateway = start_tweaked(&demo_config(""), |settings| {
        settings.limits.failed_auth_per_minute = 6;
        settings.limits.failed_auth_burst = 1;
    })
    .await;
    for _ in 0..5 {
        let response = gateway
            .http
            .get(format!("{}/tickets", gateway.url))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
    }
    let good = gateway.token("demo", "alice", READ_WRITE);
    assert_eq!(gateway.get("/tickets", &good).await.status(), 200);
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_is_limited_not_the_proxy() {
    let gateway = start_tweaked(&demo_config(""), |settings| {
        settings.limits.failed_auth_per_minute = 6;
        settings.limits.failed_auth_burst = 2;
        settings.server.trusted_proxies = vec!["127.0.0.0/8".to_owned()];
    })
    .await;
    let from = |client: &'static str, token: String| {
        gateway
            .http
            .get(format!("{}/tickets", gateway.url))
            .bearer_auth(token)
            .header("x-forwarded-for", client)
            .send()
    };
    for _ in 0..2 {
        assert_eq!(
            from("198.51.100.1", "bad".into()).await.unwrap().status(),
            401
        );
    }
    assert_eq!(
        from("198.51.100.1", "bad".into()).await.unwrap().status(),
        429
    );
    let good = gateway.token("demo", "alice", READ_WRITE);
    assert_eq!(
        from("198.51.100.2", good).await.unwrap().status(),
        200,
        "another client behind the same proxy is not affected"
    );
}
