//! `GET /metrics`: after real traffic the Prometheus text has HTTP counters and latency
//! histograms by route template, method and status class, upstream calls by action and
//! outcome, catalog cache hits / misses / stale serves, JWKS refreshes, requests in flight
//! and build info — and no ticket id, user id or raw path as a label value.

use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::json;
use wiremock::ResponseTemplate;

use crate::fixture::{self, ACCESS_KEY_ID, ACCESS_KEY_SECRET, EMAIL};
use crate::logs::fresh_request_id;
use workorder_sandbox::SandboxHandle;

use crate::support::idp::{Idp, jwk, jwks};
use crate::support::{TestGateway, account, key_path, start_sandbox};

/// A JWKS with the public half of the RSA fixture key.
fn rsa_jwks() -> ResponseTemplate {
    let pem = std::fs::read(key_path("rsa_a_private.pem")).unwrap();
    let key = EncodingKey::from_rsa_pem(&pem).unwrap();
    jwks(&[jwk("ops-a", &key, Algorithm::RS256)])
}

/// A gateway on the fixture tenants (and their sandbox) that also trusts the JWKS at `idp`.
async fn gateway_with_jwks(idp: &Idp) -> (TestGateway, SandboxHandle) {
    let sandbox = start_sandbox(vec![account(ACCESS_KEY_ID, ACCESS_KEY_SECRET, EMAIL)]).await;
    let toml = fixture::config(&sandbox.url(), "http://127.0.0.1:9", "").replace(
        "[auth]\n",
        &format!(
            "[auth]\njwks_url = \"{}\"\nissuer = \"https://idp.example.com/\"\naudience = \"workorder-gateway\"\n",
            idp.url()
        ),
    );
    (TestGateway::start(&toml).await, sandbox)
}

/// The value of the sample `name{labels}` (labels in exposition order), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.split_whitespace().next()?.parse().ok())
}

#[tokio::test]
async fn metrics_cover_http_upstream_cache_jwks_in_flight_and_build_with_bounded_labels() {
    crate::logs::capture();
    let ok_idp = Idp::start(rsa_jwks()).await;
    let down_idp = Idp::start(ResponseTemplate::new(503)).await;
    let _second = gateway_with_jwks(&down_idp).await;
    let ops = fixture::start_with("[catalog]\nttl_secs = 60\n").await;
    let (gateway, _sandbox) = gateway_with_jwks(&ok_idp).await;
    let user = "henry-metrics-7d2c";
    let token = ops.token("acme", user);

    // Traffic: a cache miss then a hit, a created ticket read by id, a 404, an upstream failure.
    assert_eq!(
        ops.get("/products", &token, &fresh_request_id("m"))
            .await
            .status(),
        200
    );
    assert_eq!(
        ops.get("/products", &token, &fresh_request_id("m"))
            .await
            .status(),
        200
    );
    let ticket = ops
        .create(&token, &fresh_request_id("m"), "metrics", "metrics")
        .await;
    // The TTL passes and the refresh fails: the last good catalog is served stale.
    ops.gateway
        .clock
        .advance(std::time::Duration::from_secs(60));
    ops.faults(&json!({ "error_rate": 1.0 })).await;
    let stale = ops.get("/products", &token, &fresh_request_id("m")).await;
    assert_eq!(stale.headers()["x-cache"], "STALE");
    ops.faults(&json!({})).await;
    let read = ops
        .get(
            &format!("/tickets/{ticket}"),
            &token,
            &fresh_request_id("m"),
        )
        .await;
    assert_eq!(read.status(), 200);
    let unknown = ops
        .get("/no/such/path/3e1f", &token, &fresh_request_id("m"))
        .await;
    assert_eq!(unknown.status(), 404);
    let broken = ops.token("broken", user);
    assert!(
        ops.get("/tickets", &broken, &fresh_request_id("m"))
            .await
            .status()
            .is_server_error()
    );

    let response = gateway
        .http
        .get(format!("{}/metrics", gateway.url))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = response.text().await.unwrap();
    let at_least_one = [
        r#"wog_http_requests_total{method="GET",route="/products",status_class="2xx"}"#,
        r#"wog_http_requests_total{method="POST",route="/tickets",status_class="2xx"}"#,
        r#"wog_http_requests_total{method="GET",route="/tickets/{id}",status_class="2xx"}"#,
        r#"wog_http_requests_total{method="GET",route="unmatched",status_class="4xx"}"#,
        r#"wog_http_requests_total{method="GET",route="/tickets",status_class="5xx"}"#,
        r#"wog_http_request_duration_seconds_count{method="GET",route="/products",status_class="2xx"}"#,
        r#"wog_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/products",status_class="2xx"}"#,
        r#"wog_upstream_calls_total{tenant="acme",action="CreateTicket",outcome="ok"}"#,
        r#"wog_upstream_calls_total{tenant="acme",action="ListProducts",outcome="ok"}"#,
        r#"wog_upstream_calls_total{tenant="broken",action="ListTickets",outcome="unavailable"}"#,
        r#"wog_upstream_call_duration_seconds_count{action="ListTickets",outcome="unavailable"}"#,
        r#"wog_upstream_call_duration_seconds_count{action="CreateTicket",outcome="ok"}"#,
        r#"wog_cache_lookups_total{cache="products",result="hit"}"#,
        r#"wog_cache_lookups_total{cache="products",result="miss"}"#,
        r#"wog_cache_lookups_total{cache="products",result="stale"}"#,
        r#"wog_jwks_refreshes_total{result="ok"}"#,
        r#"wog_jwks_refreshes_total{result="failed"}"#,
        r#"wog_build_info{version=""#,
    ];
    for series in at_least_one {
        let value = text
            .lines()
            .find(|l| l.starts_with(series))
            .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok());
        assert!(
            value.is_some_and(|v| v >= 1.0),
            "{series} missing or 0 in:\n{text}"
        );
    }
    // Exactly-once write series exist from the start (at 0 here: nothing was reconciled).
    for operation in ["create_ticket", "reply_ticket"] {
        for result in ["found", "not_found", "failed"] {
            let series = format!(
                r#"wog_write_reconciliations_total{{operation="{operation}",result="{result}"}}"#
            );
            assert_eq!(sample(&text, &series), Some(0.0), "{series}");
        }
        for result in [
            "sent",
            "replayed",
            "reconciled",
            "in_progress",
            "state_unavailable",
            "unknown",
            "failed",
        ] {
            let series =
                format!(r#"wog_writes_total{{operation="{operation}",result="{result}"}}"#);
            assert!(sample(&text, &series).is_some(), "{series} missing");
        }
    }
    let in_flight = sample(&text, "wog_http_requests_in_flight").expect("in-flight gauge");
    assert!(in_flight >= 1.0, "the /metrics request itself is in flight");
    for forbidden in [ticket.as_str(), user, "/no/such/path"] {
        assert!(!text.contains(forbidden), "{forbidden} is a label value");
    }
}
