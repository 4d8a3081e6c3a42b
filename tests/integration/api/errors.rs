//! The gateway's own rows of API.md's error table over real HTTP, each checked as
//! `application/problem+json` with its stable `code` and the response's request id: 400, 401,
//! 403 (`forbidden`, `tenant_not_configured`), 404 (`not_found`, `ticket_not_found`,
//! `product_not_found`), 405, 413, 415, 429 `rate_limited`. Upstream-caused rows are in
//! `upstream_errors.rs`.

use std::time::Duration;

use secrecy::SecretString;
use serde_json::json;
use workorder_gateway::auth::{DevTokenOptions, mint_dev_token};
use workorder_gateway::clock::Clock;
use workorder_gateway::settings::Settings;

use crate::support::{READ_WRITE, TestGateway, demo_config, problem, start_tweaked};

const NEW_TICKET: &str = r#"{"productCode":"ecs","categoryId":793,"content":"x"}"#;

#[tokio::test]
async fn malformed_json_queries_and_headers_are_400_invalid_request() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);

    for body in [
        r#"{"productCode": "ecs","#,
        "not json",
        "[1, 2]",
        r#"{"content": 5}"#,
    ] {
        let response = gateway
            .post_raw("/tickets", &token, "application/json", body)
            .await;
        problem(response, 400, "invalid_request").await;
    }
    let id = gateway.create_ticket(&token, "x").await;
    let response = gateway
        .post_raw(
            &format!("/tickets/{id}/notes"),
            &token,
            "application/json",
            "{",
        )
        .await;
    problem(response, 400, "invalid_request").await;

    let response = gateway.get("/products?lang=fr", &token).await;
    let body = problem(response, 400, "invalid_request").await;
    assert!(body["detail"].as_str().unwrap().contains("lang"), "{body}");

    for key in ["has space", &"k".repeat(256)] {
        let response = gateway
            .http
            .post(format!("{}/tickets", gateway.url))
            .bearer_auth(&token)
            .header("idempotency-key", key)
            .header("content-type", "application/json")
            .body(NEW_TICKET)
            .send()
            .await
            .unwrap();
        let body = problem(response, 400, "invalid_request").await;
        assert!(
            body["detail"].as_str().unwrap().contains("Idempotency-Key"),
            "{body}"
        );
    }
    let page = gateway.get_json("/tickets", &token).await;
    assert_eq!(page["total"], 1, "no refused request created a ticket");
}

#[tokio::test]
async fn a_missing_or_invalid_token_is_401_with_www_authenticate() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let mut options = DevTokenOptions::new("demo", "alice");
    options.roles = READ_WRITE.iter().map(|r| (*r).to_owned()).collect();
    let foreign = mint_dev_token(
        &SecretString::from("another-secret-0123456789-abcdefghijklmno"),
        &options,
    )
    .unwrap();
    let cases: [(&str, Option<String>); 4] = [
        ("missing", None),
        ("not a JWT", Some("Bearer not.a.jwt".to_owned())),
        (
            "wrong scheme",
            Some(format!(
                "Basic {}",
                gateway.token("demo", "alice", READ_WRITE)
            )),
        ),
        ("signed with another key", Some(format!("Bearer {foreign}"))),
    ];
    for (what, authorization) in cases {
        for (method, path) in [
            ("GET", "/tickets"),
            ("POST", "/tickets"),
            ("GET", "/products"),
        ] {
            let mut request = gateway
                .http
                .request(method.parse().unwrap(), format!("{}{path}", gateway.url));
            if let Some(value) = &authorization {
                request = request.header("authorization", value);
            }
            let response = request.send().await.unwrap();
            assert_eq!(
                response.headers()["www-authenticate"],
                r#"Bearer error="invalid_token""#,
                "{what}: {method} {path}"
            );
            problem(response, 401, "unauthenticated").await;
        }
    }
}

#[tokio::test]
async fn writing_without_tickets_write_is_403_forbidden() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let writer = gateway.token("demo", "alice", READ_WRITE);
    let id = gateway.create_ticket(&writer, "x").await;
    let reader = gateway.token("demo", "bob", &["tickets:read"]);

    let new_ticket: serde_json::Value = serde_json::from_str(NEW_TICKET).unwrap();
    let note = json!({ "content": "x" });
    let attempts = [
        gateway.post_json("/tickets", &reader, &new_ticket).await,
        gateway
            .post_json(&format!("/tickets/{id}/notes"), &reader, &note)
            .await,
        gateway
            .post_empty(&format!("/tickets/{id}/close"), &reader)
            .await,
    ];
    for response in attempts {
        let body = problem(response, 403, "forbidden").await;
        assert!(
            body["detail"].as_str().unwrap().contains("tickets:write"),
            "{body}"
        );
    }
    let ticket = gateway.get_json(&format!("/tickets/{id}"), &reader).await;
    assert_eq!(
        ticket["status"], "in_progress",
        "the reader read, but changed nothing"
    );
    let page = gateway.get_json("/tickets", &reader).await;
    assert_eq!(page["total"], 1);
}

#[tokio::test]
async fn reading_without_tickets_read_is_403_forbidden() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let writer = gateway.token("demo", "alice", &["tickets:write"]);
    let id = gateway.create_ticket(&writer, "x").await;

    for path in [
        "/tickets".to_owned(),
        format!("/tickets/{id}"),
        format!("/tickets/{id}/notes"),
    ] {
        let body = problem(gateway.get(&path, &writer).await, 403, "forbidden").await;
        assert!(
            body["detail"].as_str().unwrap().contains("tickets:read"),
            "{path}: {body}"
        );
    }
}

#[tokio::test]
async fn the_catalog_is_readable_without_ticket_permissions() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let nobody = gateway.token("demo", "carol", &[]);

    for path in ["/products", "/products/ecs", "/products/ecs/categories"] {
        gateway.get_json(path, &nobody).await;
    }
    problem(gateway.get("/tickets", &nobody).await, 403, "forbidden").await;
}

#[tokio::test]
async fn an_unknown_or_disabled_tenant_is_403_tenant_not_configured() {
    let extra = r#"
[tenants.off]
endpoint = "sandbox"
access_key_id = "LTAIsandboxDEMO"
access_key_secret = "sandbox-demo-secret"
enabled = false
"#;
    let gateway = TestGateway::start(&demo_config(extra)).await;

    for tenant in ["ghost", "off"] {
        let token = gateway.token(tenant, "alice", READ_WRITE);
        for path in ["/products", "/tickets"] {
            let response = gateway.get(path, &token).await;
            problem(response, 403, "tenant_not_configured").await;
        }
        let new_ticket: serde_json::Value = serde_json::from_str(NEW_TICKET).unwrap();
        let response = gateway.post_json("/tickets", &token, &new_ticket).await;
        problem(response, 403, "tenant_not_configured").await;
    }
}

#[tokio::test]
async fn unknown_routes_tickets_and_products_are_404_with_their_codes() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);

    let cases = [
        ("/nope", "not_found"),
        ("/tickets/ABC/history", "not_found"),
        ("/v1/tickets", "not_found"),
        ("/tickets/NOSUCH42", "ticket_not_found"),
        ("/tickets/NOSUCH42/notes", "ticket_not_found"),
        ("/products/nosuch", "product_not_found"),
        ("/products/nosuch/categories", "product_not_found"),
    ];
    for (path, code) in cases {
        problem(gateway.get(path, &token).await, 404, code).await;
    }
}

#[tokio::test]
async fn a_wrong_method_is_405_method_not_allowed() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);

    let cases = [
        ("DELETE", "/tickets"),
        ("PUT", "/tickets/ABC123"),
        ("DELETE", "/tickets/ABC123"),
        ("GET", "/tickets/ABC123/close"),
        ("POST", "/products"),
    ];
    for (method, path) in cases {
        let response = gateway
            .http
            .request(method.parse().unwrap(), format!("{}{path}", gateway.url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        problem(response, 405, "method_not_allowed").await;
    }
}

#[tokio::test]
async fn a_body_over_max_body_bytes_is_413_payload_too_large() {
    let gateway = start_tweaked(&demo_config(""), |settings| {
        settings.server.max_body_bytes = 2048;
    })
    .await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let id = gateway.create_ticket(&token, "x").await;
    let big = json!({ "productCode": "ecs", "categoryId": 793, "content": "a".repeat(4096) });
    let under = json!({ "productCode": "ecs", "categoryId": 793, "content": "a".repeat(1500) });

    let response = gateway.post_json("/tickets", &token, &big).await;
    problem(response, 413, "payload_too_large").await;
    let response = gateway
        .post_json(
            &format!("/tickets/{id}/notes"),
            &token,
            &json!({ "content": "b".repeat(4096) }),
        )
        .await;
    problem(response, 413, "payload_too_large").await;
    assert_eq!(
        gateway.post_json("/tickets", &token, &under).await.status(),
        201
    );
}

#[tokio::test]
async fn a_post_body_that_is_not_json_is_415_unsupported_media_type() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let id = gateway.create_ticket(&token, "x").await;

    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
    ] {
        let response = gateway
            .post_raw("/tickets", &token, content_type, NEW_TICKET)
            .await;
        problem(response, 415, "unsupported_media_type").await;
        let response = gateway
            .post_raw(
                &format!("/tickets/{id}/notes"),
                &token,
                content_type,
                r#"{"content":"x"}"#,
            )
            .await;
        problem(response, 415, "unsupported_media_type").await;
    }
    let response = gateway
        .http
        .post(format!("{}/tickets", gateway.url))
        .bearer_auth(&token)
        .body(NEW_TICKET)
        .send()
        .await
        .unwrap();
    problem(response, 415, "unsupported_media_type").await;
    let page = gateway.get_json("/tickets", &token).await;
    assert_eq!(page["total"], 1);
}

#[tokio::test]
async fn too_many_requests_from_one_user_are_429_rate_limited_with_retry_after() {
    let mut settings = Settings::from_toml_str(&demo_config("")).unwrap();
    settings.limits.requests_per_second = 1;
    settings.limits.burst = 2;
    // A manual clock: no token comes back while the test runs, however slow the machine.
    let gateway = TestGateway::start_with_clock(settings, None, Clock::manual()).await;
    let alice = gateway.token("demo", "alice", READ_WRITE);
    let bob = gateway.token("demo", "bob", READ_WRITE);

    let mut statuses = Vec::new();
    let mut limited = None;
    for _ in 0..4 {
        let response = gateway.get("/products", &alice).await;
        statuses.push(response.status().as_u16());
        if response.status() == 429 && limited.is_none() {
            limited = Some(response);
        }
    }
    assert_eq!(
        statuses,
        [200, 200, 429, 429],
        "the burst passes, then no more"
    );
    let limited = limited.expect("a request over the burst is limited");
    assert_eq!(limited.headers()["retry-after"], "1");
    problem(limited, 429, "rate_limited").await;
    assert_eq!(
        gateway.get("/products", &bob).await.status(),
        200,
        "limits are per user"
    );
    gateway.clock.advance(Duration::from_millis(999));
    assert_eq!(gateway.get("/products", &alice).await.status(), 429);
    gateway.clock.advance(Duration::from_millis(1));
    assert_eq!(
        gateway.get("/products", &alice).await.status(),
        200,
        "one request a second"
    );
}

#[tokio::test]
async fn problem_titles_are_the_rfc_9110_status_phrases() {
    let gateway = start_tweaked(&demo_config(""), |settings| {
        settings.server.max_body_bytes = 1024;
    })
    .await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let big = json!({ "content": "a".repeat(2048) });

    let cases = [
        (
            gateway.post_json("/tickets", &token, &json!({})).await,
            422,
            "Unprocessable Content",
        ),
        (
            gateway.post_json("/tickets", &token, &big).await,
            413,
            "Content Too Large",
        ),
        (gateway.get("/nope", &token).await, 404, "Not Found"),
        (gateway.get("/tickets", "x").await, 401, "Unauthorized"),
    ];
    for (response, status, title) in cases {
        assert_eq!(response.status(), status);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["title"], title, "{body}");
        assert_eq!(body["type"], "about:blank", "{body}");
    }
}
