//! API.md's upstream-caused error rows over real HTTP, against a standalone sandbox with fault
//! injection (`PUT /_sandbox/faults`): 429 `upstream_throttled`, 502 `upstream_error` and
//! `upstream_credentials_rejected`, 503 `upstream_unavailable` (breaker), 504
//! `upstream_timeout`; `upstreamRequestId` (and `X-Upstream-Request-Id`) exactly when the
//! upstream answered. The breaker's tests run the gateway on a manual clock and advance it
//! past the open period instead of waiting for it.

use std::time::Duration;

use serde_json::json;
use workorder_sandbox::SandboxHandle;

use crate::support::{
    FAST_UPSTREAM, READ_WRITE, TestGateway, demo_account_tenant, demo_config, problem,
    sandbox_tenant, set_faults, start_sandbox,
};

/// A standalone sandbox and a gateway (on a manual clock) whose tenant `faulty` (the
/// sandbox's demo account) calls it with `upstream` as the `[upstream]` table.
async fn faulty_setup(upstream: &str) -> (SandboxHandle, TestGateway, String) {
    let sandbox = start_sandbox(Vec::new()).await;
    let extra = format!(
        "{upstream}{}",
        demo_account_tenant("faulty", &sandbox.url())
    );
    let gateway = TestGateway::start_on_manual_clock(&demo_config(&extra)).await;
    let token = gateway.token("faulty", "alice", READ_WRITE);
    (sandbox, gateway, token)
}

/// Checks the problem and that the body's `upstreamRequestId` matches the header, returning
/// that id (if any).
async fn upstream_problem(
    response: reqwest::Response,
    status: u16,
    code: &str,
) -> (serde_json::Value, Option<String>) {
    let header = response
        .headers()
        .get("x-upstream-request-id")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = problem(response, status, code).await;
    assert_eq!(
        body.get("upstreamRequestId").and_then(|v| v.as_str()),
        header.as_deref(),
        "{body}"
    );
    (body, header)
}

#[tokio::test]
async fn upstream_failures_are_502_upstream_error_with_the_upstream_request_id_when_it_answered() {
    let (sandbox, gateway, token) = faulty_setup(FAST_UPSTREAM).await;
    // (faults, upstream answered?)
    let cases = [
        (json!({ "error_rate": 1.0 }), true),
        (json!({ "unavailable_rate": 1.0 }), true),
        (json!({ "unreadable_rate": 1.0 }), true),
        (json!({ "drop_rate": 1.0 }), false),
    ];
    for (faults, answered) in cases {
        set_faults(&sandbox.url(), faults.clone()).await;
        for path in ["/tickets", "/tickets/ABC123", "/products"] {
            let response = gateway.get(path, &token).await;
            let (body, id) = upstream_problem(response, 502, "upstream_error").await;
            assert_eq!(id.is_some(), answered, "{faults} {path}: {body}");
        }
    }
    set_faults(&sandbox.url(), json!({})).await;
    assert_eq!(gateway.get("/tickets", &token).await.status(), 200);
}

#[tokio::test]
async fn an_unreadable_create_answer_is_502_and_not_retried() {
    let (sandbox, gateway, token) = faulty_setup(
        "[upstream]\nmax_attempts = 3\nretry_base_delay_ms = 1\nbreaker_failure_threshold = 0\n",
    )
    .await;
    gateway.create_ticket(&token, "warms the catalog").await;
    set_faults(&sandbox.url(), json!({ "unreadable_rate": 1.0 })).await;

    let body = json!({ "productCode": "ecs", "categoryId": 793, "content": "lost answer" });
    let response = gateway.post_json("/tickets", &token, &body).await;
    upstream_problem(response, 502, "upstream_error").await;

    set_faults(&sandbox.url(), json!({})).await;
    let page = gateway.get_json("/tickets", &token).await;
    assert_eq!(page["total"], 2, "the upstream created it once: {page}");
}

#[tokio::test]
async fn upstream_throttling_is_429_upstream_throttled_with_retry_after() {
    let (sandbox, gateway, token) = faulty_setup(FAST_UPSTREAM).await;
    set_faults(&sandbox.url(), json!({ "throttle_per_second": 1 })).await;

    let mut throttled = None;
    for _ in 0..5 {
        let response = gateway.get("/tickets", &token).await;
        if response.status() != 200 {
            throttled = Some(response);
            break;
        }
    }
    let response = throttled.expect("one of five quick calls is throttled");
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    let (_, id) = upstream_problem(response, 429, "upstream_throttled").await;
    assert!(id.is_some());
}

#[tokio::test]
async fn refused_tenant_credentials_are_502_upstream_credentials_rejected() {
    let sandbox = start_sandbox(Vec::new()).await;
    let url = sandbox.url();
    let extra = format!(
        "{FAST_UPSTREAM}{}{}",
        sandbox_tenant(
            "wrongsecret",
            &url,
            "LTAIsandboxDEMO",
            "not-the-secret",
            "v1",
            "demo@example.com"
        ),
        sandbox_tenant(
            "unknownkey",
            &url,
            "LTAInobody",
            "whatever",
            "v3",
            "demo@example.com"
        ),
    );
    let gateway = TestGateway::start(&demo_config(&extra)).await;

    for tenant in ["wrongsecret", "unknownkey"] {
        let token = gateway.token(tenant, "alice", READ_WRITE);
        for path in ["/tickets", "/products"] {
            let response = gateway.get(path, &token).await;
            let (body, id) = upstream_problem(response, 502, "upstream_credentials_rejected").await;
            assert!(id.is_some(), "{tenant} {path}: {body}");
            let detail = body["detail"].as_str().unwrap();
            assert!(
                !detail.contains("not-the-secret") && !detail.contains("Signature"),
                "{detail}"
            );
        }
    }
}

#[tokio::test]
async fn repeated_upstream_failures_open_the_breaker_503_with_retry_after() {
    // Two attempts per call: the breaker counts calls, not attempts, so it opens after the
    // second failed call, not after the first.
    let upstream = r#"
[upstream]
max_attempts = 2
retry_base_delay_ms = 1
retry_max_delay_ms = 10
breaker_failure_threshold = 2
breaker_open_secs = 2
"#;
    let (sandbox, gateway, token) = faulty_setup(upstream).await;
    set_faults(&sandbox.url(), json!({ "error_rate": 1.0 })).await;

    for _ in 0..2 {
        problem(gateway.get("/tickets", &token).await, 502, "upstream_error").await;
    }
    set_faults(&sandbox.url(), json!({})).await;
    let response = gateway.get("/tickets", &token).await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(retry_after, 2);
    let (_, id) = upstream_problem(response, 503, "upstream_unavailable").await;
    assert!(id.is_none(), "an open breaker makes no upstream call");

    gateway.clock.advance(Duration::from_millis(1_999));
    problem(
        gateway.get("/tickets", &token).await,
        503,
        "upstream_unavailable",
    )
    .await;
    gateway.clock.advance(Duration::from_millis(1));
    assert_eq!(
        gateway.get("/tickets", &token).await.status(),
        200,
        "the half-open probe succeeds and closes the breaker"
    );
    assert_eq!(gateway.get("/tickets", &token).await.status(), 200);
}

#[tokio::test]
async fn a_slow_upstream_is_504_upstream_timeout() {
    let upstream = r#"
[upstream]
max_attempts = 1
request_timeout_ms = 300
breaker_failure_threshold = 0
"#;
    let (sandbox, gateway, token) = faulty_setup(upstream).await;
    set_faults(&sandbox.url(), json!({ "latency_ms": 1500 })).await;

    for path in ["/tickets", "/tickets/ABC123/notes"] {
        let response = gateway.get(path, &token).await;
        let (_, id) = upstream_problem(response, 504, "upstream_timeout").await;
        assert!(id.is_none(), "nothing answered");
    }
}

#[tokio::test]
async fn a_half_open_probe_abandoned_by_its_client_does_not_keep_the_breaker_open() {
    let upstream = r#"
[upstream]
max_attempts = 1
request_timeout_ms = 5000
breaker_failure_threshold = 1
breaker_open_secs = 1
"#;
    let (sandbox, gateway, token) = faulty_setup(upstream).await;
    set_faults(&sandbox.url(), json!({ "error_rate": 1.0 })).await;
    problem(gateway.get("/tickets", &token).await, 502, "upstream_error").await;
    gateway.clock.advance(Duration::from_secs(1));

    // The probe is slow and its caller gives up: the gateway drops the request mid-call.
    set_faults(&sandbox.url(), json!({ "latency_ms": 1500 })).await;
    let abandoned = gateway
        .http
        .get(format!("{}/tickets", gateway.url))
        .bearer_auth(&token)
        .timeout(Duration::from_millis(200))
        .send()
        .await;
    assert!(abandoned.is_err(), "the client timed out");
    set_faults(&sandbox.url(), json!({})).await;
    problem(
        gateway.get("/tickets", &token).await,
        503,
        "upstream_unavailable",
    )
    .await;
    // The abandoned probe's call is still waiting on the sandbox (1.5 s) and never reports:
    // once the open period passes on the clock, the next call is the new probe.
    gateway.clock.advance(Duration::from_secs(1));

    let response = gateway.get("/tickets", &token).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

#[tokio::test]
async fn catalog_calls_share_the_tenants_breaker_so_an_open_breaker_fails_them_fast() {
    let upstream = r#"
[upstream]
max_attempts = 1
request_timeout_ms = 5000
breaker_failure_threshold = 2
breaker_open_secs = 60
"#;
    let (sandbox, gateway, token) = faulty_setup(upstream).await;
    set_faults(&sandbox.url(), json!({ "error_rate": 1.0 })).await;

    // Two failing catalog fetches (two languages, so neither is cached) open the breaker.
    problem(
        gateway.get("/products?lang=zh", &token).await,
        502,
        "upstream_error",
    )
    .await;
    problem(
        gateway.get("/products?lang=en", &token).await,
        502,
        "upstream_error",
    )
    .await;

    // Now even a cold catalog key and a ticket call fail at once, without an upstream call.
    set_faults(&sandbox.url(), json!({ "latency_ms": 3000 })).await;
    let started = std::time::Instant::now();
    let cold = gateway.get("/products?lang=jp", &token).await;
    assert!(cold.headers().contains_key("retry-after"));
    problem(cold, 503, "upstream_unavailable").await;
    problem(
        gateway.get("/tickets", &token).await,
        503,
        "upstream_unavailable",
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "an open breaker answers without waiting for the slow upstream ({:?})",
        started.elapsed()
    );
}
