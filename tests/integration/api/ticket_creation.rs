//! `POST /tickets` over real HTTP: 201 with `Location`, field validation (all problems at
//! once), the catalog check before any upstream call, the tenant's default contact,
//! the upstream's contact refusal, `secretContent` never echoed, and `Idempotency-Key`.

use serde_json::json;

use crate::support::{
    FAST_UPSTREAM, READ_WRITE, TestGateway, demo_account_tenant, demo_config, problem, set_faults,
    start_sandbox, start_tweaked,
};

async fn create(gateway: &TestGateway, token: &str, body: serde_json::Value) -> String {
    let response = gateway.post_json("/tickets", token, &body).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    let body: serde_json::Value = response.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn creating_a_ticket_is_201_with_location_and_id() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let response = gateway
        .post_json(
            "/tickets",
            &token,
            &json!({
                "productCode": "ecs", "categoryId": 793, "content": "disk full",
                "title": "Disk", "email": "demo@example.com", "phone": "13800000000",
                "notifyTimeRange": "all", "language": "en"
            }),
        )
        .await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(response.headers().contains_key("x-upstream-request-id"));
    assert!(!response.headers().contains_key("idempotent-replayed"));
    let body: serde_json::Value = response.json().await.unwrap();
    let id = body["id"].as_str().unwrap();
    assert_eq!(location, format!("/tickets/{id}"));

    let ticket = gateway.get_json(&location, &token).await;
    assert_eq!(ticket["title"], "Disk");
    assert_eq!(gateway.ticket_ids("", &token).await, [id]);
}

#[tokio::test]
async fn locations_include_the_base_path() {
    let gateway = start_tweaked(&demo_config(""), |settings| {
        settings.server.base_path = "/api/support".to_owned();
    })
    .await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let body = json!({ "productCode": "ecs", "categoryId": 793, "content": "x" });

    let created = gateway.post_json("/tickets", &token, &body).await;
    assert_eq!(created.status(), 201);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let id = created.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(location, format!("/api/support/tickets/{id}"));
    let reply = gateway
        .post_json(
            &format!("/tickets/{id}/notes"),
            &token,
            &json!({ "content": "y" }),
        )
        .await;
    assert_eq!(
        reply.headers()["location"],
        format!("/api/support/tickets/{id}/notes").as_str()
    );
    let followed = gateway
        .http
        .get(format!("http://{}{location}", gateway.addr))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(followed.status(), 200);
}

#[tokio::test]
async fn missing_fields_are_422_listing_every_field() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let cases = [
        (json!({}), vec!["productCode", "categoryId", "content"]),
        (
            json!({ "productCode": "ecs", "categoryId": 793 }),
            vec!["content"],
        ),
        (
            json!({ "productCode": "ecs", "categoryId": "793", "content": "x", "notifyTimeRange": "sometimes" }),
            vec!["categoryId", "notifyTimeRange"],
        ),
        (
            json!({ "productCode": "ecs", "categoryId": 793, "content": "x", "email": "not-an-email" }),
            vec!["email"],
        ),
    ];
    for (body, fields) in cases {
        let response = gateway.post_json("/tickets", &token, &body).await;
        let problem = problem(response, 422, "validation_failed").await;
        let named: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(named, fields, "{body}");
    }
    assert!(gateway.ticket_ids("", &token).await.is_empty());
}

#[tokio::test]
async fn a_category_of_another_product_is_422_before_any_upstream_call() {
    let sandbox = start_sandbox(Vec::new()).await;
    let extra = format!(
        "{FAST_UPSTREAM}{}",
        demo_account_tenant("failing", &sandbox.url())
    );
    let gateway = TestGateway::start(&demo_config(&extra)).await;
    let token = gateway.token("failing", "alice", READ_WRITE);
    // Warm the tenant's catalog, then make every upstream call fail.
    gateway.create_ticket(&token, "warms the catalog").await;
    set_faults(&sandbox.url(), json!({ "error_rate": 1.0 })).await;

    let valid = json!({ "productCode": "ecs", "categoryId": 793, "content": "x" });
    problem(
        gateway.post_json("/tickets", &token, &valid).await,
        502,
        "upstream_error",
    )
    .await;

    let cases = [
        (
            json!({ "productCode": "ecs", "categoryId": 801, "content": "x" }),
            "categoryId",
        ),
        (
            json!({ "productCode": "nosuch", "categoryId": 793, "content": "x" }),
            "productCode",
        ),
    ];
    for (body, field) in cases {
        let response = gateway.post_json("/tickets", &token, &body).await;
        let problem = problem(response, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        assert!(problem.get("upstreamRequestId").is_none(), "{problem}");
    }
}

#[tokio::test]
async fn the_contact_email_falls_back_to_the_tenant_default() {
    // Tenant `stranger` defaults to an address the sandbox account does not have: when its
    // users name no email, the upstream refuses the default, proving the default was sent.
    let extra = r#"
[tenants.stranger]
endpoint = "sandbox"
access_key_id = "LTAIsandboxDEMO"
access_key_secret = "sandbox-demo-secret"
default_email = "stranger@example.com"
[tenants.nodefault]
endpoint = "sandbox"
access_key_id = "LTAIsandboxDEMO"
access_key_secret = "sandbox-demo-secret"
"#;
    let gateway = TestGateway::start(&demo_config(extra)).await;
    let ticket = json!({ "productCode": "ecs", "categoryId": 793, "content": "x" });

    let demo = gateway.token("demo", "alice", READ_WRITE);
    create(&gateway, &demo, ticket.clone()).await;

    let stranger = gateway.token("stranger", "alice", READ_WRITE);
    let response = gateway.post_json("/tickets", &stranger, &ticket).await;
    let body = problem(response, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "email", "{body}");
    let mut explicit = ticket.clone();
    explicit["email"] = json!("demo@example.com");
    create(&gateway, &stranger, explicit).await;

    let nodefault = gateway.token("nodefault", "alice", READ_WRITE);
    let response = gateway.post_json("/tickets", &nodefault, &ticket).await;
    let body = problem(response, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "email", "{body}");
}

#[tokio::test]
async fn a_contact_the_account_does_not_have_is_422_from_the_upstream() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let body = json!({
        "productCode": "ecs", "categoryId": 793, "content": "x", "email": "someone@else.example"
    });
    let response = gateway.post_json("/tickets", &token, &body).await;
    let upstream_header = response.headers()["x-upstream-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let problem = problem(response, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "email", "{problem}");
    assert_eq!(problem["upstreamRequestId"], upstream_header.as_str());
    assert!(gateway.ticket_ids("", &token).await.is_empty());
}

#[tokio::test]
async fn secret_content_is_accepted_and_never_echoed() {
    const SECRET: &str = "root-password-Zq81xT";
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let body = json!({
        "productCode": "ecs", "categoryId": 793, "content": "please log in", "secretContent": SECRET
    });
    let response = gateway.post_json("/tickets", &token, &body).await;
    assert_eq!(response.status(), 201);
    let created = response.text().await.unwrap();
    assert!(!created.contains(SECRET));
    let id = serde_json::from_str::<serde_json::Value>(&created).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut refused = body.clone();
    refused["email"] = json!("someone@else.example");
    let refused = gateway.post_json("/tickets", &token, &refused).await;
    assert_eq!(refused.status(), 422);
    let reply = gateway
        .post_json(
            &format!("/tickets/{id}/notes"),
            &token,
            &json!({ "secretContent": SECRET }),
        )
        .await;
    assert_eq!(reply.status(), 201);
    let mut seen = vec![refused.text().await.unwrap(), reply.text().await.unwrap()];
    for path in [
        "/tickets".to_owned(),
        format!("/tickets/{id}"),
        format!("/tickets/{id}/notes"),
    ] {
        seen.push(gateway.get(&path, &token).await.text().await.unwrap());
    }
    for text in seen {
        assert!(!text.contains(SECRET), "{text}");
    }
}

#[tokio::test]
async fn a_repeated_idempotency_key_replays_the_first_ticket() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let body = json!({ "productCode": "ecs", "categoryId": 793, "content": "only once" });
    let send = || {
        gateway
            .http
            .post(format!("{}/tickets", gateway.url))
            .bearer_auth(&token)
            .header("idempotency-key", "create-7f3a")
            .json(&body)
            .send()
    };

    let first = send().await.unwrap();
    assert_eq!(first.status(), 201);
    assert!(!first.headers().contains_key("idempotent-replayed"));
    let first_location = first.headers()["location"].clone();
    let first: serde_json::Value = first.json().await.unwrap();
    let second = send().await.unwrap();
    assert_eq!(second.status(), 201);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    assert_eq!(second.headers()["location"], first_location);
    let second: serde_json::Value = second.json().await.unwrap();

    assert_eq!(first["id"], second["id"]);
    let page = gateway.get_json("/tickets", &token).await;
    assert_eq!(page["total"], 1, "one ticket upstream: {page}");
}

#[tokio::test]
async fn an_idempotency_key_reused_with_another_body_is_422() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let send = |content: &'static str| {
        gateway
            .http
            .post(format!("{}/tickets", gateway.url))
            .bearer_auth(&token)
            .header("idempotency-key", "create-reused")
            .json(&json!({ "productCode": "ecs", "categoryId": 793, "content": content }))
            .send()
    };

    assert_eq!(send("first").await.unwrap().status(), 201);
    let body = problem(send("second").await.unwrap(), 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "Idempotency-Key", "{body}");
    let page = gateway.get_json("/tickets", &token).await;
    assert_eq!(page["total"], 1, "{page}");
}

#[tokio::test]
async fn concurrent_requests_with_one_idempotency_key_create_one_ticket() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let body = json!({ "productCode": "ecs", "categoryId": 793, "content": "double click" });

    let requests = (0..5).map(|_| {
        gateway
            .http
            .post(format!("{}/tickets", gateway.url))
            .bearer_auth(&token)
            .header("idempotency-key", "double-click")
            .json(&body)
            .send()
    });
    let mut ids = Vec::new();
    let mut replayed = 0;
    for response in futures_util::future::join_all(requests).await {
        let response = response.unwrap();
        assert_eq!(response.status(), 201);
        replayed += usize::from(response.headers().contains_key("idempotent-replayed"));
        ids.push(response.json::<serde_json::Value>().await.unwrap()["id"].clone());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(replayed, 4);
    let page = gateway.get_json("/tickets", &token).await;
    assert_eq!(page["total"], 1, "{page}");
}

#[tokio::test]
async fn a_catalog_refusal_that_needed_a_fetch_names_the_upstream_request() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);

    for (product, category, field) in [
        ("ecs", 1, "categoryId"),
        ("no-such-product", 793, "productCode"),
    ] {
        let fresh = TestGateway::start(&demo_config("")).await;
        let response = fresh
            .post_json(
                "/tickets",
                &token,
                &json!({ "productCode": product, "categoryId": category, "content": "x" }),
            )
            .await;
        let header = response
            .headers()
            .get("x-upstream-request-id")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = problem(response, 422, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], field, "{body}");
        assert!(
            header.is_some(),
            "{product}: the cold catalog was fetched, so the 422 names that call"
        );
        assert_eq!(
            body["upstreamRequestId"].as_str(),
            header.as_deref(),
            "{body}"
        );
    }

    // Warm: the same refusal involves no upstream call and names none.
    gateway.get("/products/ecs/categories", &token).await;
    let response = gateway
        .post_json(
            "/tickets",
            &token,
            &json!({ "productCode": "ecs", "categoryId": 1, "content": "x" }),
        )
        .await;
    assert!(!response.headers().contains_key("x-upstream-request-id"));
    problem(response, 422, "validation_failed").await;
}
