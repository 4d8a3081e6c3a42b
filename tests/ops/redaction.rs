//! Redaction: secrets that pass through the gateway — tenant AccessKey secrets, the HS256
//! key, JWTs, ticket `content` and `secretContent` — never reach the log output, on success
//! and failure paths alike, while the lines that are written carry the request's context.

use serde_json::json;

use crate::fixture::{self, ACCESS_KEY_SECRET, WRONG_SECRET};
use crate::logs::{self, fresh_request_id, lines_of_request, request_span};
use crate::support::SECRET;

/// Distinct, recognisable text for one field of one step.
fn marker(what: &str) -> String {
    format!("{what}-{}", uuid::Uuid::new_v4().simple())
}

#[tokio::test]
async fn secrets_and_contents_never_appear_in_the_logs_of_successful_and_failing_calls() {
    let ops = fixture::start().await;
    let alice = ops.token("acme", "alice-redact");
    let alice_v3 = ops.token("acmev3", "alice-redact");
    let wrong = ops.token("wrongkey", "alice-redact");
    let broken = ops.token("broken", "alice-redact");
    let forged =
        crate::support::token("acme", "mallory", crate::support::READ_WRITE).replace('.', ".x"); // same claims, broken signature and encoding
    let mut needles = vec![
        ACCESS_KEY_SECRET.to_owned(),
        WRONG_SECRET.to_owned(),
        SECRET.to_owned(),
        alice.clone(),
        alice_v3.clone(),
        wrong.clone(),
        broken.clone(),
        forged.clone(),
    ];
    let mut secret = |what: &str| {
        let value = marker(what);
        needles.push(value.clone());
        value
    };

    // Create, reply and close through v1 and V3 signing.
    let create_id = fresh_request_id("create");
    let ticket = ops
        .create(
            &alice,
            &create_id,
            &secret("content"),
            &secret("secretContent"),
        )
        .await;
    let reply = ops
        .post(
            &format!("/tickets/{ticket}/notes"),
            &alice,
            &fresh_request_id("reply"),
            &json!({ "content": secret("reply-content"), "secretContent": secret("reply-secret") }),
        )
        .await;
    assert_eq!(reply.status(), 201);
    let close = ops
        .post(
            &format!("/tickets/{ticket}/close"),
            &alice,
            &fresh_request_id("close"),
            &json!({}),
        )
        .await;
    assert!(close.status().is_success(), "{}", close.status());
    ops.create(
        &alice_v3,
        &fresh_request_id("create-v3"),
        &secret("v3-content"),
        &secret("v3-secret"),
    )
    .await;

    // Wrong AccessKey secret: the upstream's SignatureDoesNotMatch echoes its string-to-sign.
    let body = json!({ "productCode": "ecs", "categoryId": 793, "content": secret("wrongkey-content"), "secretContent": secret("wrongkey-secret") });
    let wrongkey_id = fresh_request_id("wrongkey");
    let refused = ops.post("/tickets", &wrong, &wrongkey_id, &body).await;
    assert!(refused.status().is_server_error(), "{}", refused.status());

    // Upstream 500 on a write and on a read.
    let body = json!({ "productCode": "ecs", "categoryId": 793, "content": secret("broken-content"), "secretContent": secret("broken-secret") });
    let failed = ops
        .post("/tickets", &broken, &fresh_request_id("broken"), &body)
        .await;
    assert!(failed.status().is_server_error(), "{}", failed.status());
    let failed_read = ops
        .get("/tickets", &broken, &fresh_request_id("broken-read"))
        .await;
    assert!(failed_read.status().is_server_error());

    // Bad JSON (truncated, and a wrong type) carrying secrets.
    for bad in [
        format!(
            r#"{{"productCode":"ecs","content":"{}","secretContent":"{}"#,
            secret("truncated-content"),
            secret("truncated-secret")
        ),
        format!(
            r#"{{"productCode":"ecs","categoryId":"{}","secretContent":["{}"]}}"#,
            secret("wrongtype-content"),
            secret("wrongtype-secret")
        ),
    ] {
        let response = ops
            .gateway
            .http
            .post(format!("{}/tickets", ops.gateway.url))
            .bearer_auth(&alice)
            .header("content-type", "application/json")
            .header("x-request-id", fresh_request_id("bad-json"))
            .body(bad)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_client_error(), "{}", response.status());
    }

    // A forged token.
    let rejected = ops
        .get("/tickets", &forged, &fresh_request_id("forged"))
        .await;
    assert_eq!(rejected.status(), 401);

    let output = logs::text();
    for needle in &needles {
        assert!(
            !output.contains(needle.as_str()),
            "a secret reached the logs: {needle}"
        );
    }
    // The output is not empty for a trivial reason: the create was logged, with its context.
    let lines = lines_of_request(&create_id);
    let finished = lines
        .iter()
        .find(|l| l["message"] == "request finished")
        .expect("the access log line of the create");
    let span = request_span(finished).unwrap();
    assert_eq!(span["route"], "/tickets");
    assert_eq!(span["method"], "POST");
    assert_eq!(span["status"], 201);
    assert_eq!(span["tenant"], "acme");
    assert_eq!(span["user"], "alice-redact");
    assert!(span["latency_ms"].is_u64(), "{span}");
    // The refused credentials were logged, with the upstream's words minus its echo.
    let refusal = lines_of_request(&wrongkey_id)
        .into_iter()
        .find(|l| l["message"] == "upstream call failed")
        .expect("the refused call's line");
    let error = refusal["error"].as_str().unwrap();
    assert!(error.contains("SignatureDoesNotMatch"), "{error}");
    assert!(error.contains("[string-to-sign withheld]"), "{error}");
}

#[tokio::test]
async fn lines_inside_upstream_calls_carry_the_request_span_and_the_call_span() {
    let ops = fixture::start().await;
    let token = ops.token("acme", "bob-spans");
    let request_id = fresh_request_id("spans");

    let response = ops.get("/tickets", &token, &request_id).await;

    assert_eq!(response.status(), 200);
    let lines = lines_of_request(&request_id);
    let call = lines
        .iter()
        .find(|l| l["message"] == "upstream call succeeded")
        .expect("the upstream call's line");
    assert_eq!(call["span"]["name"], "upstream_call");
    assert_eq!(call["span"]["action"], "ListTickets");
    assert_eq!(call["span"]["outcome"], "ok");
    assert!(call["span"]["upstream_request_id"].is_string(), "{call}");
    let span = request_span(call).unwrap();
    assert_eq!(span["route"], "/tickets");
    assert_eq!(span["tenant"], "acme");
    assert_eq!(span["user"], "bob-spans");
    let attempt = lines
        .iter()
        .find(|l| l["message"] == "upstream attempt finished")
        .expect("the attempt's line");
    assert_eq!(attempt["span"]["name"], "upstream_attempt");
    assert_eq!(attempt["span"]["status"], 200);
}

#[tokio::test]
async fn catalog_lookups_are_logged_with_their_cache_result() {
    let ops = fixture::start().await;
    let token = ops.token("acme", "carol-cache");
    let first = fresh_request_id("cache-miss");
    let second = fresh_request_id("cache-hit");

    assert_eq!(ops.get("/products", &token, &first).await.status(), 200);
    assert_eq!(ops.get("/products", &token, &second).await.status(), 200);

    for (request_id, expected) in [(&first, "miss"), (&second, "hit")] {
        let lookup = lines_of_request(request_id)
            .into_iter()
            .find(|l| l["message"] == "catalog cache lookup")
            .expect("a cache lookup line");
        assert_eq!(lookup["result"], expected);
        assert_eq!(lookup["span"]["name"], "cache_lookup");
        assert_eq!(lookup["span"]["cache"], "products");
        assert_eq!(lookup["span"]["result"], expected);
    }
}
