//! `GET /metrics` counts exactly what its own gateway did. Each test drives one gateway and
//! scrapes that same gateway (every application has a registry of its own): it reads the
//! counters, makes requests of a known kind, reads again, and asserts the exact difference for
//! the exact label set — HTTP requests by route template, method and status class (auth
//! failures among them), error answers by problem code, upstream calls by tenant, action and
//! outcome, upstream calls in flight and circuit breakers by tenant, catalog cache hits,
//! misses and stale serves, keyed writes, JWKS fetches, state store errors, rate-limit
//! refusals and fallbacks. Label values never include a ticket id, a user id or a raw path.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use wiremock::ResponseTemplate;
use workorder_sandbox::SandboxHandle;

use crate::support::idp::{Idp, jwk, jwks};
use crate::support::{
    READ_WRITE, SECRET, TestGateway, account, demo_config, key_path, set_faults, start_sandbox,
    start_tweaked, token,
};

const ACCESS_KEY_ID: &str = "LTAImetricsACME";
const ACCESS_KEY_SECRET: &str = "metrics-acme-secret-5b1e";
const EMAIL: &str = "metrics@acme.example";

/// The samples of one scrape, by series (name and labels, as exposed).
struct Scrape {
    samples: HashMap<String, f64>,
    text: String,
}

impl Scrape {
    /// The value of `series`; a labelled counter not yet created counts 0.
    fn value(&self, series: &str) -> f64 {
        self.samples.get(series).copied().unwrap_or(0.0)
    }
}

/// Scrapes `/metrics` of `gateway`.
async fn scrape(gateway: &TestGateway) -> Scrape {
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
    let samples = text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            Some((series.to_owned(), value.parse().ok()?))
        })
        .collect();
    Scrape { samples, text }
}

/// Asserts that every series of `expected` grew by exactly its count between the scrapes.
fn assert_deltas(before: &Scrape, after: &Scrape, expected: &[(&str, f64)]) {
    for (series, delta) in expected {
        assert!(
            after.samples.contains_key(*series),
            "{series} missing in:\n{}",
            after.text
        );
        assert_eq!(
            after.value(series) - before.value(series),
            *delta,
            "{series}"
        );
    }
}

/// `GET path` on `gateway` with `token`; the status.
async fn get(gateway: &TestGateway, path: &str, token: &str) -> u16 {
    gateway.get(path, token).await.status().as_u16()
}

/// A gateway on a sandbox account (`acme`) and a sandbox failing every call (`broken`), on a
/// manual clock, with the catalog TTL of 60 s.
async fn traffic_gateway() -> (TestGateway, SandboxHandle, SandboxHandle) {
    let sandbox = start_sandbox(vec![account(ACCESS_KEY_ID, ACCESS_KEY_SECRET, EMAIL)]).await;
    let broken = start_sandbox(vec![account(ACCESS_KEY_ID, ACCESS_KEY_SECRET, EMAIL)]).await;
    set_faults(&broken.url(), json!({ "error_rate": 1.0 })).await;
    let mut toml = format!(
        r#"
[server]
listen = "127.0.0.1:0"
workers = 1
[auth]
hs256_secret = "{SECRET}"
[limits]
requests_per_second = 0
failed_auth_per_minute = 0
[shutdown]
drain_delay_secs = 0
timeout_secs = 5
[upstream]
retry_base_delay_ms = 1
retry_max_delay_ms = 2
[catalog]
ttl_secs = 60
"#
    );
    for (tenant, url) in [("acme", sandbox.url()), ("broken", broken.url())] {
        toml.push_str(&format!(
            "[tenants.{tenant}]\nendpoint = \"{url}\"\nsimulator = true\naccess_key_id = \"{ACCESS_KEY_ID}\"\naccess_key_secret = \"{ACCESS_KEY_SECRET}\"\ndefault_email = \"{EMAIL}\"\nlanguage = \"en\"\n"
        ));
    }
    let gateway = TestGateway::start_on_manual_clock(&toml).await;
    (gateway, sandbox, broken)
}

#[tokio::test]
async fn http_requests_and_auth_failures_count_exactly_by_route_method_and_status_class() {
    let (gateway, _sandbox, _broken) = traffic_gateway().await;
    let user = "henry-metrics-7d2c";
    let acme = token("acme", user, READ_WRITE);
    let before = scrape(&gateway).await;

    for _ in 0..3 {
        assert_eq!(get(&gateway, "/products", &acme).await, 200);
    }
    for _ in 0..2 {
        assert_eq!(get(&gateway, "/no/such/path/3e1f", &acme).await, 404);
    }
    for _ in 0..2 {
        assert_eq!(get(&gateway, "/tickets", "not-a-token").await, 401);
    }
    let broken = token("broken", user, READ_WRITE);
    assert_eq!(get(&gateway, "/tickets", &broken).await, 502);
    let in_flight = scrape(&gateway).await;
    let after = scrape(&gateway).await;

    assert_deltas(
        &before,
        &after,
        &[
            (
                r#"wog_http_requests_total{method="GET",route="/products",status_class="2xx"}"#,
                3.0,
            ),
            (
                r#"wog_http_request_duration_seconds_count{method="GET",route="/products",status_class="2xx"}"#,
                3.0,
            ),
            (
                r#"wog_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/products",status_class="2xx"}"#,
                3.0,
            ),
            (
                r#"wog_http_requests_total{method="GET",route="unmatched",status_class="4xx"}"#,
                2.0,
            ),
            (
                r#"wog_http_requests_total{method="GET",route="/tickets",status_class="4xx"}"#,
                2.0,
            ),
            (
                r#"wog_http_requests_total{method="GET",route="/tickets",status_class="5xx"}"#,
                1.0,
            ),
            // Error answers by problem code: the split of a 5xx share into the upstream's
            // outages and the gateway's own faults rests on these.
            (
                r#"wog_http_errors_total{route="unmatched",code="not_found"}"#,
                2.0,
            ),
            (
                r#"wog_http_errors_total{route="/tickets",code="unauthenticated"}"#,
                2.0,
            ),
            (
                r#"wog_http_errors_total{route="/tickets",code="upstream_error"}"#,
                1.0,
            ),
            // The scrapes before this one: each is counted once it has been answered.
            (
                r#"wog_http_requests_total{method="GET",route="/metrics",status_class="2xx"}"#,
                2.0,
            ),
        ],
    );
    // Nothing else is being served while a scrape renders: it sees itself, alone.
    assert_eq!(in_flight.value("wog_http_requests_in_flight"), 1.0);
    assert_eq!(after.value("wog_http_requests_in_flight"), 1.0);
    assert!(after.text.contains(r#"wog_build_info{version=""#));
    assert!(
        !after
            .text
            .contains(r#"wog_http_errors_total{route="/products""#),
        "a 2xx is no error"
    );
    for forbidden in [user, "/no/such/path", "not-a-token"] {
        assert!(
            !after.text.contains(forbidden),
            "{forbidden} is a label value"
        );
    }
}

#[tokio::test]
async fn upstream_calls_cache_lookups_and_keyed_writes_count_exactly() {
    let (gateway, sandbox, _broken) = traffic_gateway().await;
    let user = "irene-metrics-41ac";
    let acme = token("acme", user, READ_WRITE);
    let broken = token("broken", user, READ_WRITE);
    let before = scrape(&gateway).await;

    // A miss (one ListProducts), then two hits (no call).
    for _ in 0..3 {
        assert_eq!(get(&gateway, "/products", &acme).await, 200);
    }
    // One create under a key, then the same request again: sent once, replayed once. The
    // create checks its category first: a products hit, a categories miss (one ListCategories);
    // the replay is answered from its record, before any check.
    let body = json!({ "productCode": "ecs", "categoryId": 793, "content": "metrics" });
    let mut ticket = String::new();
    for _ in 0..2 {
        let response = gateway
            .http
            .post(format!("{}/tickets", gateway.url))
            .bearer_auth(&acme)
            .header("idempotency-key", "metrics-key-1")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let created: Value = response.json().await.unwrap();
        ticket = created["id"].as_str().unwrap().to_owned();
    }
    assert_eq!(
        get(&gateway, &format!("/tickets/{ticket}"), &acme).await,
        200
    );
    // The TTL passes and the refresh fails: the last good catalog is served stale.
    gateway.clock.advance(Duration::from_secs(60));
    set_faults(&sandbox.url(), json!({ "error_rate": 1.0 })).await;
    let stale = gateway.get("/products", &acme).await;
    assert_eq!(stale.headers()["x-cache"], "STALE");
    set_faults(&sandbox.url(), json!({})).await;
    assert_eq!(get(&gateway, "/tickets", &broken).await, 502);
    let after = scrape(&gateway).await;

    assert_deltas(
        &before,
        &after,
        &[
            (
                r#"wog_upstream_calls_total{tenant="acme",action="ListProducts",outcome="ok"}"#,
                1.0,
            ),
            (
                r#"wog_upstream_calls_total{tenant="acme",action="ListProducts",outcome="unavailable"}"#,
                1.0,
            ),
            (
                r#"wog_upstream_calls_total{tenant="acme",action="CreateTicket",outcome="ok"}"#,
                1.0,
            ),
            (
                r#"wog_upstream_calls_total{tenant="acme",action="ListCategories",outcome="ok"}"#,
                1.0,
            ),
            (
                r#"wog_upstream_calls_total{tenant="broken",action="ListTickets",outcome="unavailable"}"#,
                1.0,
            ),
            (
                r#"wog_upstream_call_duration_seconds_count{action="CreateTicket",outcome="ok"}"#,
                1.0,
            ),
            (
                r#"wog_upstream_call_duration_seconds_count{action="ListTickets",outcome="unavailable"}"#,
                1.0,
            ),
            (
                r#"wog_cache_lookups_total{cache="products",result="miss"}"#,
                1.0,
            ),
            (
                r#"wog_cache_lookups_total{cache="products",result="hit"}"#,
                3.0,
            ),
            (
                r#"wog_cache_lookups_total{cache="categories",result="miss"}"#,
                1.0,
            ),
            (
                r#"wog_cache_lookups_total{cache="categories",result="hit"}"#,
                0.0,
            ),
            (
                r#"wog_cache_lookups_total{cache="products",result="stale"}"#,
                1.0,
            ),
            (
                r#"wog_writes_total{operation="create_ticket",result="sent"}"#,
                1.0,
            ),
            (
                r#"wog_writes_total{operation="create_ticket",result="replayed"}"#,
                1.0,
            ),
            (
                r#"wog_writes_total{operation="create_ticket",result="unknown"}"#,
                0.0,
            ),
        ],
    );
    // Series of closed label sets exist from the start, at 0 until something happens.
    for operation in ["create_ticket", "reply_ticket"] {
        for result in ["found", "not_found", "failed"] {
            let series = format!(
                r#"wog_write_reconciliations_total{{operation="{operation}",result="{result}"}}"#
            );
            assert_eq!(after.samples.get(&series), Some(&0.0), "{series}");
        }
    }
    for forbidden in [ticket.as_str(), user] {
        assert!(
            !after.text.contains(forbidden),
            "{forbidden} is a label value"
        );
    }
}

/// A JWKS with the public half of the RSA fixture key, as `kid` `metrics-a`.
fn rsa_jwks() -> ResponseTemplate {
    let pem = std::fs::read(key_path("rsa_a_private.pem")).unwrap();
    let key = EncodingKey::from_rsa_pem(&pem).unwrap();
    jwks(&[jwk("metrics-a", &key, Algorithm::RS256)])
}

/// The demo gateway trusting the JWKS at `idp`.
async fn jwks_gateway(idp: &Idp) -> TestGateway {
    TestGateway::start(&demo_config("").replace(
        "[auth]\n",
        &format!(
            "[auth]\njwks_url = \"{}\"\nissuer = \"https://idp.example.com/\"\naudience = \"workorder-gateway\"\n",
            idp.url()
        ),
    ))
    .await
}

#[tokio::test]
async fn jwks_fetches_count_exactly_per_gateway() {
    let up = Idp::start(rsa_jwks()).await;
    let down = Idp::start(ResponseTemplate::new(503)).await;
    let trusting = jwks_gateway(&up).await;
    let stranded = jwks_gateway(&down).await;

    // Each fetched once at start-up, one successfully, the other not.
    let before = scrape(&trusting).await;
    assert_eq!(
        before.value(r#"wog_jwks_refreshes_total{result="ok"}"#),
        1.0
    );
    assert_eq!(
        before.value(r#"wog_jwks_refreshes_total{result="failed"}"#),
        0.0
    );
    let other = scrape(&stranded).await;
    assert_eq!(other.value(r#"wog_jwks_refreshes_total{result="ok"}"#), 0.0);
    assert_eq!(
        other.value(r#"wog_jwks_refreshes_total{result="failed"}"#),
        1.0
    );

    // A token naming a key the set lacks: one fetch on demand, then 401.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = json!({
        "sub": "jwks-user", "tenant": "demo", "iss": "https://idp.example.com/",
        "aud": "workorder-gateway", "exp": now + 300, "iat": now,
    });
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("metrics-unknown".to_owned());
    let pem = std::fs::read(key_path("rsa_a_private.pem")).unwrap();
    let unknown_kid =
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_rsa_pem(&pem).unwrap()).unwrap();
    assert_eq!(get(&trusting, "/tickets", &unknown_kid).await, 401);
    let after = scrape(&trusting).await;

    assert_deltas(
        &before,
        &after,
        &[
            (r#"wog_jwks_refreshes_total{result="ok"}"#, 1.0),
            (r#"wog_jwks_refreshes_total{result="failed"}"#, 0.0),
            (
                r#"wog_http_requests_total{method="GET",route="/tickets",status_class="4xx"}"#,
                1.0,
            ),
        ],
    );
}

#[tokio::test]
async fn with_its_state_store_unreachable_a_gateway_counts_each_failed_rate_check_and_fallback() {
    let fingerprint = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        fingerprint.path(),
        "metrics-tests-fingerprint-key-0123456789ab",
    )
    .unwrap();
    // Nothing listens there: the store is down from the start, so every check fails at once.
    let address = crate::support::fake_upstream::refusing_address();
    let toml = demo_config(&format!(
        "[state]\nbackend = \"redis\"\nredis_url = \"redis://{address}\"\nfingerprint_secret_file = \"{}\"\ncommand_timeout_ms = 250\n",
        fingerprint.path().display()
    ));
    let gateway = start_tweaked(&toml, |settings| {
        settings.limits.requests_per_second = 100;
        settings.limits.burst = 100;
    })
    .await;
    let demo = token("demo", "jane-metrics", READ_WRITE);
    let before = scrape(&gateway).await;

    for _ in 0..3 {
        assert_eq!(get(&gateway, "/products", &demo).await, 200);
    }
    let after = scrape(&gateway).await;

    assert_deltas(
        &before,
        &after,
        &[
            (r#"wog_state_errors_total{operation="rate_check"}"#, 3.0),
            (r#"wog_state_errors_total{operation="get"}"#, 0.0),
            (
                r#"wog_state_errors_total{operation="compare_and_swap"}"#,
                0.0,
            ),
            ("wog_rate_limit_fallbacks_total", 3.0),
        ],
    );
    assert_eq!(after.value("wog_state_up"), 0.0);
}

#[tokio::test]
async fn a_tenants_breaker_shows_open_from_its_trip_until_a_call_succeeds_again() {
    let (gateway, _sandbox, broken_sandbox) = traffic_gateway().await;
    let broken = token("broken", "kate-metrics", READ_WRITE);
    let acme = token("acme", "kate-metrics", READ_WRITE);
    let open = r#"wog_upstream_breaker_open{tenant="broken"}"#;
    let acme_open = r#"wog_upstream_breaker_open{tenant="acme"}"#;
    // Every configured tenant has its series from the start, before any call.
    let before = scrape(&gateway).await;
    assert_eq!(before.samples.get(open), Some(&0.0));
    assert_eq!(before.samples.get(acme_open), Some(&0.0));

    // The default threshold is five failed calls in a row: four keep it closed.
    for _ in 0..4 {
        assert_eq!(get(&gateway, "/tickets", &broken).await, 502);
    }
    assert_eq!(scrape(&gateway).await.value(open), 0.0);
    assert_eq!(get(&gateway, "/tickets", &broken).await, 502);
    assert_eq!(scrape(&gateway).await.value(open), 1.0);
    // While open, calls are refused without being sent; the gauge stays at 1.
    assert_eq!(get(&gateway, "/tickets", &broken).await, 503);
    let tripped = scrape(&gateway).await;
    assert_eq!(tripped.value(open), 1.0);
    assert_eq!(
        tripped.value(
            r#"wog_upstream_calls_total{tenant="broken",action="ListTickets",outcome="circuit_open"}"#
        ),
        1.0
    );
    assert_eq!(get(&gateway, "/products", &acme).await, 200);
    assert_eq!(scrape(&gateway).await.value(acme_open), 0.0);

    // The upstream recovers and the open period (30 s by default) passes: the next call is
    // the probe, it succeeds, and the breaker shows closed.
    set_faults(&broken_sandbox.url(), json!({})).await;
    gateway.clock.advance(Duration::from_secs(30));
    assert_eq!(get(&gateway, "/tickets", &broken).await, 200);
    assert_eq!(scrape(&gateway).await.value(open), 0.0);
}

#[tokio::test]
async fn an_upstream_call_counts_in_flight_for_its_tenant_while_it_runs() {
    let (gateway, sandbox, _broken) = traffic_gateway().await;
    let acme = token("acme", "liam-metrics", READ_WRITE);
    let series = r#"wog_upstream_calls_in_flight{tenant="acme"}"#;
    assert_eq!(scrape(&gateway).await.samples.get(series), Some(&0.0));
    // Every answer of the sandbox now takes 1.5 s: long enough to scrape during the call.
    set_faults(&sandbox.url(), json!({ "latency_ms": 1500 })).await;

    let slow = {
        let (http, url) = (gateway.http.clone(), format!("{}/products", gateway.url));
        tokio::spawn(async move { http.get(url).bearer_auth(acme).send().await })
    };
    // Scrape until the call shows (or the call is over): however loaded the machine, the
    // 1.5 s answer leaves many scrapes inside it.
    let mut during = 0.0;
    while !slow.is_finished() {
        during = scrape(&gateway).await.value(series);
        if during > 0.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(during, 1.0, "one call in flight while it runs");
    assert_eq!(slow.await.unwrap().unwrap().status(), 200);
    let after = scrape(&gateway).await;
    assert_eq!(after.value(series), 0.0);
    assert_eq!(
        after
            .samples
            .get(r#"wog_upstream_calls_in_flight{tenant="broken"}"#),
        Some(&0.0)
    );
}

#[tokio::test]
async fn rate_limit_refusals_count_exactly_by_tenant_and_limit() {
    let mut settings = workorder_gateway::settings::Settings::from_toml_str(&demo_config(""))
        .expect("test configuration is valid");
    settings.limits.requests_per_second = 1;
    settings.limits.burst = 2;
    settings.limits.tenant_requests_per_second = 1;
    settings.limits.tenant_burst = 3;
    settings.validate().expect("valid limits");
    // A manual clock: no bucket refills between the requests, however slow the machine.
    let gateway =
        TestGateway::start_with_clock(settings, None, workorder_gateway::clock::Clock::manual())
            .await;
    let alice = token("demo", "alice-metrics", READ_WRITE);
    let bob = token("demo", "bob-metrics", READ_WRITE);
    let before = scrape(&gateway).await;

    // Alice: her burst of two, then her own limit refuses (the tenant's bucket is not charged).
    let statuses = [
        get(&gateway, "/products", &alice).await,
        get(&gateway, "/products", &alice).await,
        get(&gateway, "/products", &alice).await,
    ];
    assert_eq!(statuses, [200, 200, 429]);
    // Bob: the tenant's third request passes; his second finds the tenant's burst spent.
    let statuses = [
        get(&gateway, "/products", &bob).await,
        get(&gateway, "/products", &bob).await,
    ];
    assert_eq!(statuses, [200, 429]);
    let after = scrape(&gateway).await;

    assert_deltas(
        &before,
        &after,
        &[
            (
                r#"wog_rate_limit_refusals_total{tenant="demo",limit="user"}"#,
                1.0,
            ),
            (
                r#"wog_rate_limit_refusals_total{tenant="demo",limit="tenant"}"#,
                1.0,
            ),
            (
                r#"wog_http_errors_total{route="/products",code="rate_limited"}"#,
                2.0,
            ),
        ],
    );
    for forbidden in ["alice-metrics", "bob-metrics"] {
        assert!(
            !after.text.contains(forbidden),
            "{forbidden} is a label value"
        );
    }
}
