//! HTTP behaviour around the resources: request ids, `X-Upstream-Request-Id` and
//! `traceparent` (here); CORS (`cors`); `server.base_path` and the self-hosted Swagger UI
//! (`mounting`); the public operational routes, readiness during shutdown (`operational`);
//! nosniff, the docs' CSP and `server.docs_enabled` (`security_headers`), and the Swagger UI
//! under its CSP in headless Chromium (`browser`).

mod browser;
mod cors;
mod live_ticket;
mod mounting;
mod operational;
mod security_headers;

use crate::support::{READ_WRITE, TestGateway, demo_config, problem};

const ORIGIN: &str = "https://support.example.com";

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

/// `GET path` (relative to the gateway URL) with a valid token and extra headers.
async fn get_with(
    gateway: &TestGateway,
    path: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = gateway
        .http
        .get(format!("{}{path}", gateway.url))
        .bearer_auth(gateway.token("demo", "alice", READ_WRITE));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

/// `GET url` without any token.
async fn get_public(gateway: &TestGateway, url: &str) -> reqwest::Response {
    gateway.http.get(url).send().await.unwrap()
}

#[tokio::test]
async fn valid_x_request_id_is_echoed() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let longest = "a".repeat(128);

    for id in ["abc", "Req-1.2_3", "0", longest.as_str()] {
        let ok = get_with(&gateway, "/products", &[("x-request-id", id)]).await;
        let unauthenticated = gateway
            .http
            .get(format!("{}/products", gateway.url))
            .header("x-request-id", id)
            .send()
            .await
            .unwrap();

        assert_eq!(header(&ok, "x-request-id").as_deref(), Some(id));
        let body = problem(unauthenticated, 401, "unauthenticated").await;
        assert_eq!(body["requestId"], id);
    }
}

#[tokio::test]
async fn invalid_x_request_id_is_replaced_with_a_uuid() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let too_long = "a".repeat(129);

    for id in ["", "has space", "a/b", "semi;colon", too_long.as_str()] {
        let response = get_with(&gateway, "/products", &[("x-request-id", id)]).await;

        let echoed = header(&response, "x-request-id").unwrap();
        assert!(uuid::Uuid::parse_str(&echoed).is_ok(), "{id:?} -> {echoed}");
    }
    let without = get_with(&gateway, "/products", &[]).await;
    let generated = header(&without, "x-request-id").unwrap();
    assert!(uuid::Uuid::parse_str(&generated).is_ok(), "{generated}");
}

#[tokio::test]
async fn responses_that_called_the_upstream_carry_its_request_id() {
    let gateway = TestGateway::start(&demo_config("")).await;

    let miss = get_with(&gateway, "/products", &[]).await;
    let hit = get_with(&gateway, "/products", &[]).await;
    let tickets = get_with(&gateway, "/tickets", &[]).await;
    let health = get_public(&gateway, &format!("{}/healthz", gateway.url)).await;

    for called in [&miss, &tickets] {
        let id = header(called, "x-upstream-request-id").expect("x-upstream-request-id");
        assert!(!id.is_empty());
        assert_ne!(Some(id), header(called, "x-request-id"));
    }
    assert_eq!(header(&hit, "x-cache").as_deref(), Some("HIT"));
    assert_eq!(header(&hit, "x-upstream-request-id"), None);
    assert_eq!(header(&health, "x-upstream-request-id"), None);
}

#[tokio::test]
async fn traceparent_is_accepted_valid_or_not() {
    let gateway = TestGateway::start(&demo_config("")).await;

    for traceparent in [
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "not-a-traceparent",
    ] {
        let response = get_with(&gateway, "/products", &[("traceparent", traceparent)]).await;

        assert_eq!(response.status(), 200, "{traceparent}");
        assert!(header(&response, "x-request-id").is_some());
    }
}
