//! Cache rules seen by a client: 304 on a matching `If-None-Match`, `Cache-Control` with the
//! seconds left, MISS then HIT, STALE while the upstream fails, and errors never cached. The
//! TTL tests run the gateway on a manual clock and advance it: none waits for a TTL.

use std::time::Duration;

use serde_json::json;

use super::{ONE_ATTEMPT, get, header, max_age, set_faults};
use crate::support::{TestGateway, demo_config, problem};

#[tokio::test]
async fn matching_if_none_match_gets_304_with_the_cache_headers() {
    let gateway = TestGateway::start(&demo_config("")).await;
    for path in ["/products", "/products/ecs", "/products/ecs/categories"] {
        let first = get(&gateway, "demo", path, &[]).await;
        let etag = header(&first, "etag");
        assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");

        let exact = get(&gateway, "demo", path, &[("if-none-match", &etag)]).await;
        let in_list = format!("\"other\", {etag}");
        let listed = get(&gateway, "demo", path, &[("if-none-match", &in_list)]).await;
        let weak = format!("W/{etag}");
        let weak = get(&gateway, "demo", path, &[("if-none-match", &weak)]).await;
        let any = get(&gateway, "demo", path, &[("if-none-match", "*")]).await;
        let stale_copy = get(&gateway, "demo", path, &[("if-none-match", "\"other\"")]).await;

        for response in [&exact, &listed, &weak, &any] {
            assert_eq!(response.status(), 304, "{path}");
            assert_eq!(header(response, "etag"), etag);
            assert_eq!(header(response, "x-cache"), "HIT");
            assert!(max_age(response) > 0);
        }
        assert_eq!(stale_copy.status(), 200, "{path}");
        assert_eq!(exact.bytes().await.unwrap().len(), 0);
    }
}

#[tokio::test]
async fn catalog_responses_are_private_with_the_seconds_left_of_the_ttl() {
    let gateway =
        TestGateway::start_on_manual_clock(&demo_config("[catalog]\nttl_secs = 120\n")).await;

    let first = get(&gateway, "demo", "/products", &[]).await;
    gateway.clock.advance(Duration::from_secs(3));
    let later = get(&gateway, "demo", "/products", &[]).await;
    gateway.clock.advance(Duration::from_secs(117));
    let expired = get(&gateway, "demo", "/products", &[]).await;

    assert_eq!(max_age(&first), 120);
    assert_eq!(header(&later, "x-cache"), "HIT");
    assert_eq!(max_age(&later), 117);
    assert_eq!(header(&expired, "x-cache"), "MISS", "the TTL has passed");
    assert_eq!(max_age(&expired), 120);
}

#[tokio::test]
async fn first_request_misses_and_the_next_hits() {
    let gateway = TestGateway::start(&demo_config("")).await;
    for path in ["/products", "/products/ecs/categories", "/products?lang=en"] {
        let first = get(&gateway, "demo", path, &[]).await;
        let second = get(&gateway, "demo", path, &[]).await;

        assert_eq!(header(&first, "x-cache"), "MISS", "{path}");
        assert!(first.headers().contains_key("x-upstream-request-id"));
        assert_eq!(header(&second, "x-cache"), "HIT", "{path}");
        assert_eq!(header(&first, "etag"), header(&second, "etag"));
        assert_eq!(first.bytes().await.unwrap(), second.bytes().await.unwrap());
    }
}

#[tokio::test]
async fn last_good_catalog_is_served_stale_when_the_upstream_fails_after_the_ttl() {
    let config = demo_config(&format!(
        "{ONE_ATTEMPT}[catalog]\nttl_secs = 60\nstale_secs = 60\n"
    ));
    let gateway = TestGateway::start_on_manual_clock(&config).await;
    let fresh = get(&gateway, "demo", "/products", &[]).await;
    let fresh_etag = header(&fresh, "etag");
    let fresh_body = fresh.bytes().await.unwrap();
    set_faults(&gateway, json!({ "error_rate": 1.0 })).await;
    gateway.clock.advance(Duration::from_secs(60));

    let stale = get(&gateway, "demo", "/products", &[]).await;

    assert_eq!(stale.status(), 200);
    assert_eq!(header(&stale, "x-cache"), "STALE");
    assert_eq!(header(&stale, "cache-control"), "private, max-age=0");
    assert_eq!(header(&stale, "etag"), fresh_etag);
    assert_eq!(stale.bytes().await.unwrap(), fresh_body);
    // Once the upstream recovers, the next request fetches a fresh copy.
    set_faults(&gateway, json!({})).await;
    let recovered = get(&gateway, "demo", "/products", &[]).await;
    assert_eq!(header(&recovered, "x-cache"), "MISS");
}

#[tokio::test]
async fn upstream_errors_are_not_cached() {
    let gateway = TestGateway::start(&demo_config(ONE_ATTEMPT)).await;
    set_faults(&gateway, json!({ "error_rate": 1.0 })).await;

    let failed = get(&gateway, "demo", "/products", &[]).await;
    set_faults(&gateway, json!({})).await;
    let next = get(&gateway, "demo", "/products", &[]).await;

    problem(failed, 502, "upstream_error").await;
    assert_eq!(next.status(), 200);
    assert_eq!(header(&next, "x-cache"), "MISS");
}
