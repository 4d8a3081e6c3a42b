//! CORS with `server.cors_allowed_origins`: preflights, exposed headers, unlisted origins.

use super::{ORIGIN, get_with, header};
use crate::support::{TestGateway, demo_config, problem};

fn cors_config() -> String {
    demo_config("").replace(
        "[server]\n",
        &format!("[server]\ncors_allowed_origins = [\"{ORIGIN}\"]\n"),
    )
}

async fn preflight(gateway: &TestGateway, origin: &str) -> reqwest::Response {
    gateway
        .http
        .request(reqwest::Method::OPTIONS, format!("{}/tickets", gateway.url))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type, x-request-id, traceparent",
        )
        .send()
        .await
        .unwrap()
}

fn list(value: Option<String>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

#[tokio::test]
async fn cors_preflight_from_an_allowed_origin_allows_the_authorization_header() {
    let gateway = TestGateway::start(&cors_config()).await;

    let response = preflight(&gateway, ORIGIN).await;

    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(
        header(&response, "access-control-allow-origin").as_deref(),
        Some(ORIGIN)
    );
    let methods = list(header(&response, "access-control-allow-methods"));
    assert!(
        methods.contains(&"get".into()) && methods.contains(&"post".into()),
        "{methods:?}"
    );
    let allowed = list(header(&response, "access-control-allow-headers"));
    for name in [
        "authorization",
        "content-type",
        "x-request-id",
        "traceparent",
    ] {
        assert!(allowed.contains(&name.to_owned()), "{name} in {allowed:?}");
    }
}

#[tokio::test]
async fn cors_responses_to_an_allowed_origin_expose_the_gateway_headers() {
    let gateway = TestGateway::start(&cors_config()).await;

    let response = get_with(&gateway, "/products", &[("origin", ORIGIN)]).await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "access-control-allow-origin").as_deref(),
        Some(ORIGIN)
    );
    let exposed = list(header(&response, "access-control-expose-headers"));
    for name in ["x-request-id", "x-upstream-request-id", "etag", "x-cache"] {
        assert!(exposed.contains(&name.to_owned()), "{name} in {exposed:?}");
    }
}

#[tokio::test]
async fn cors_gives_an_unlisted_origin_no_allow_origin() {
    let gateway = TestGateway::start(&cors_config()).await;
    let other = "https://evil.example.com";

    let preflight = preflight(&gateway, other).await;
    let simple = get_with(&gateway, "/products", &[("origin", other)]).await;

    assert_eq!(header(&preflight, "access-control-allow-origin"), None);
    assert_eq!(header(&simple, "access-control-allow-origin"), None);
}

#[tokio::test]
async fn cors_refusals_are_problem_documents_with_a_request_id() {
    let gateway = TestGateway::start(&cors_config()).await;

    let unlisted = preflight(&gateway, "https://evil.example.com").await;
    let bad_method = gateway
        .http
        .request(reqwest::Method::OPTIONS, format!("{}/tickets", gateway.url))
        .header("origin", ORIGIN)
        .header("access-control-request-method", "DELETE")
        .send()
        .await
        .unwrap();

    problem(unlisted, 400, "invalid_request").await;
    problem(bad_method, 400, "invalid_request").await;
}

#[tokio::test]
async fn cors_error_responses_to_an_allowed_origin_are_readable_by_the_browser() {
    let gateway = TestGateway::start(&cors_config()).await;

    let response = gateway
        .http
        .get(format!("{}/products", gateway.url))
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap();

    assert_eq!(
        header(&response, "access-control-allow-origin").as_deref(),
        Some(ORIGIN)
    );
    problem(response, 401, "unauthenticated").await;
}

#[tokio::test]
async fn without_configured_origins_no_cors_headers_are_sent() {
    let gateway = TestGateway::start(&demo_config("")).await;

    let response = get_with(&gateway, "/products", &[("origin", ORIGIN)]).await;

    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "access-control-allow-origin"), None);
}
