//! W3C trace context: an ingress's `traceparent` is honoured — its trace id is on the
//! request's log lines — and passed on to the upstream with a fresh parent id per attempt,
//! outside the signature (V3 calls still verify).

use wiremock::{MockServer, ResponseTemplate};

use crate::fixture::{self, ACCESS_KEY_ID, ACCESS_KEY_SECRET, EMAIL};
use crate::logs::{fresh_request_id, lines_of_request, request_span};
use crate::support::fake_upstream::{received, upstream_answering};
use crate::support::{TestGateway, account, start_sandbox};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// A gateway whose `broken` tenant talks to `upstream`.
async fn gateway_with_upstream(upstream: &MockServer) -> TestGateway {
    crate::logs::capture();
    let sandbox = start_sandbox(vec![account(ACCESS_KEY_ID, ACCESS_KEY_SECRET, EMAIL)]).await;
    TestGateway::start(&fixture::config(&sandbox.url(), &upstream.uri(), "")).await
}

#[tokio::test]
async fn the_trace_id_reaches_the_upstream_on_every_attempt_with_a_fresh_parent_id() {
    let upstream = upstream_answering(ResponseTemplate::new(500)).await;
    let gateway = gateway_with_upstream(&upstream).await;
    let token = gateway.token("broken", "frank-trace", crate::support::READ_WRITE);

    let response = gateway
        .http
        .get(format!("{}/tickets", gateway.url))
        .bearer_auth(&token)
        .header("traceparent", TRACEPARENT)
        .send()
        .await
        .unwrap();

    assert!(response.status().is_server_error());
    let received = received(&upstream).await;
    assert_eq!(received.len(), 3, "a read is tried three times");
    let mut parents = Vec::new();
    for request in &received {
        let header = request.headers["traceparent"].to_str().unwrap();
        let parts: Vec<&str> = header.split('-').collect();
        assert_eq!(parts.len(), 4, "{header}");
        assert_eq!(
            (parts[0], parts[1], parts[3]),
            ("00", TRACE_ID, "01"),
            "{header}"
        );
        assert_eq!(parts[2].len(), 16);
        assert_ne!(
            parts[2], "00f067aa0ba902b7",
            "the gateway is a hop of its own"
        );
        parents.push(parts[2].to_owned());
    }
    parents.dedup();
    assert_eq!(parents.len(), 3, "one parent id per attempt: {parents:?}");
}

#[tokio::test]
async fn without_a_valid_traceparent_none_is_sent_upstream() {
    let upstream = upstream_answering(ResponseTemplate::new(500)).await;
    let gateway = gateway_with_upstream(&upstream).await;
    let token = gateway.token("broken", "frank-trace", crate::support::READ_WRITE);

    for traceparent in [None, Some("00-not-a-trace-01")] {
        let mut request = gateway
            .http
            .post(format!("{}/tickets", gateway.url))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "productCode": "ecs", "categoryId": 793, "content": "x" }));
        if let Some(value) = traceparent {
            request = request.header("traceparent", value);
        }
        request.send().await.unwrap();
    }

    let received = received(&upstream).await;
    assert!(!received.is_empty());
    for request in received {
        assert!(!request.headers.contains_key("traceparent"));
    }
}

#[tokio::test]
async fn signed_calls_with_a_traceparent_verify_and_the_trace_id_is_logged() {
    let ops = fixture::start().await;
    for tenant in ["acme", "acmev3"] {
        let request_id = fresh_request_id("traced");
        let token = ops.token(tenant, "grace-trace");

        let response = ops
            .gateway
            .http
            .get(format!("{}/tickets", ops.gateway.url))
            .bearer_auth(&token)
            .header("traceparent", TRACEPARENT)
            .header("x-request-id", &request_id)
            .send()
            .await
            .unwrap();

        assert_eq!(response.status(), 200, "{tenant}");
        let lines = lines_of_request(&request_id);
        assert!(!lines.is_empty());
        for line in &lines {
            assert_eq!(request_span(line).unwrap()["trace_id"], TRACE_ID, "{line}");
        }
        let attempt = lines
            .iter()
            .find(|l| l["span"]["name"] == "upstream_attempt")
            .expect("an attempt line");
        assert!(attempt["span"]["span_id"].is_string(), "{attempt}");
    }
}
