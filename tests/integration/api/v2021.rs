//! A Workorder 2021-06-10 tenant over real HTTP, beside a 2020-03-26 tenant on the same
//! sandbox account: `GET /tickets/{id}` in one `GetTicket` call with the new fields, creation
//! with severity and attachments (uploaded through `POST /attachments` and the pre-signed URL),
//! replies with attachments, reopen and rating with their state rules, exactly-once creates,
//! and the 2020 tenant's 422 `api_version_unsupported` for each new thing.

use serde_json::{Value, json};

use crate::support::{READ_WRITE, TestGateway, demo_config, problem};

/// A Workorder 2021-06-10 tenant `v21` on the demo tenant's sandbox account.
pub(super) const V2021_TENANT: &str = r#"
[tenants.v21]
endpoint = "sandbox"
signature = "v3"
api_version = "2021-06-10"
access_key_id = "LTAIsandboxDEMO"
access_key_secret = "sandbox-demo-secret"
default_email = "demo@example.com"
"#;

async fn json_of(response: reqwest::Response, status: u16) -> Value {
    let got = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    }
}

/// Uploads a file through `POST /attachments` and its URL; returns the object key.
async fn upload(gateway: &TestGateway, token: &str, name: &str) -> String {
    let slot = json_of(
        gateway
            .post_json("/attachments", token, &json!({ "fileName": name }))
            .await,
        201,
    )
    .await;
    assert!(
        slot["expiresAt"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{slot}"
    );
    let put = reqwest::Client::new()
        .put(slot["uploadUrl"].as_str().unwrap())
        .header("content-type", "application/octet-stream")
        .body(b"%PDF-1.4 fake".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    slot["objectKey"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_2021_tenant_files_reads_reopens_and_rates_with_attachments() {
    let gateway = TestGateway::start(&demo_config(V2021_TENANT)).await;
    let token = gateway.token("v21", "alice", READ_WRITE);
    let key = upload(&gateway, &token, "log.pdf").await;

    let created = json_of(
        gateway
            .post_json(
                "/tickets",
                &token,
                &json!({
                    "productCode": "ecs", "categoryId": 793, "content": "disk full",
                    "severity": "urgent", "attachments": [key], "secretContent": "pw"
                }),
            )
            .await,
        201,
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();

    let ticket = json_of(gateway.get(&format!("/tickets/{id}"), &token).await, 200).await;
    assert_eq!(ticket["description"], "disk full");
    assert_eq!(ticket["categoryId"], "793");
    assert_eq!(ticket["severity"], "urgent");
    assert_eq!(ticket["status"], "in_progress");
    assert_eq!(ticket["detailedStatus"], "assigned");

    // The 2020 tenant of the same account sees the ticket, without the 2021 fields.
    let token2020 = gateway.token("demo", "bob", READ_WRITE);
    let seen = json_of(
        gateway.get(&format!("/tickets/{id}"), &token2020).await,
        200,
    )
    .await;
    assert_eq!(seen["status"], "in_progress");
    assert_eq!(
        (
            &seen["description"],
            &seen["severity"],
            &seen["detailedStatus"]
        ),
        (&Value::Null, &Value::Null, &Value::Null)
    );

    let reply_key = upload(&gateway, &token, "more.txt").await;
    let reply = gateway
        .post_json(
            &format!("/tickets/{id}/notes"),
            &token,
            &json!({ "content": "here is more", "attachments": [reply_key] }),
        )
        .await;
    assert_eq!(reply.status(), 201);
    let notes = json_of(
        gateway.get(&format!("/tickets/{id}/notes"), &token).await,
        200,
    )
    .await;
    assert_eq!(notes["items"][1]["content"], "here is more");

    let rating = json!({ "score": 5.0, "solved": true, "comment": "quick" });
    let early = gateway
        .post_json(&format!("/tickets/{id}/rating"), &token, &rating)
        .await;
    problem(early, 409, "ticket_state_conflict").await;
    let reopen = json!({ "content": "still broken" });
    let not_done = gateway
        .post_json(&format!("/tickets/{id}/reopen"), &token, &reopen)
        .await;
    problem(not_done, 409, "ticket_state_conflict").await;

    let close = gateway
        .post_empty(&format!("/tickets/{id}/close"), &token)
        .await;
    assert_eq!(close.status(), 204);
    let done = json_of(gateway.get(&format!("/tickets/{id}"), &token).await, 200).await;
    assert_eq!(
        (&done["status"], &done["detailedStatus"]),
        (&json!("completed"), &json!("confirmed"))
    );
    json_of(
        gateway
            .post_json(&format!("/tickets/{id}/rating"), &token, &rating)
            .await,
        204,
    )
    .await;
    let twice = gateway
        .post_json(&format!("/tickets/{id}/rating"), &token, &rating)
        .await;
    problem(twice, 409, "ticket_state_conflict").await;
    json_of(
        gateway
            .post_json(&format!("/tickets/{id}/reopen"), &token, &reopen)
            .await,
        204,
    )
    .await;
    let reopened = json_of(gateway.get(&format!("/tickets/{id}"), &token).await, 200).await;
    assert_eq!(reopened["detailedStatus"], "assigned");
}

#[tokio::test]
async fn a_2021_create_is_exactly_once_per_idempotency_key_and_checks_its_keys() {
    let gateway = TestGateway::start(&demo_config(V2021_TENANT)).await;
    let token = gateway.token("v21", "alice", READ_WRITE);
    let body =
        json!({ "productCode": "ecs", "categoryId": 793, "content": "once", "severity": "normal" });
    let send = || async {
        reqwest::Client::new()
            .post(format!("{}/tickets", gateway.url))
            .bearer_auth(&token)
            .header("idempotency-key", "k-2021")
            .json(&body)
            .send()
            .await
            .unwrap()
    };
    let first = send().await;
    assert_eq!(first.status(), 201);
    let second = send().await;
    assert_eq!(second.status(), 201);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    let ids = gateway.ticket_ids("", &token).await;
    assert_eq!(ids.len(), 1);

    // A key never uploaded is the upstream's refusal, reported as a field error.
    let unknown = gateway
        .post_json(
            "/tickets",
            &token,
            &json!({ "productCode": "ecs", "categoryId": 793, "content": "x", "attachments": ["nope.png"] }),
        )
        .await;
    problem(unknown, 422, "validation_failed").await;
    let bad_severity = gateway
        .post_json(
            "/tickets",
            &token,
            &json!({ "productCode": "ecs", "categoryId": 793, "content": "x", "severity": "panic" }),
        )
        .await;
    let body = problem(bad_severity, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "severity");
}

#[tokio::test]
async fn a_2020_tenant_answers_every_2021_feature_with_api_version_unsupported() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let id = gateway.create_ticket(&token, "on 2020").await;
    let cases = [
        (
            format!("/tickets/{id}/reopen"),
            json!({ "content": "again" }),
        ),
        (
            format!("/tickets/{id}/rating"),
            json!({ "score": 3, "solved": false }),
        ),
        ("/attachments".to_owned(), json!({ "fileName": "a.png" })),
        (
            "/tickets".to_owned(),
            json!({ "productCode": "ecs", "categoryId": 793, "content": "x", "severity": "urgent" }),
        ),
        (
            format!("/tickets/{id}/notes"),
            json!({ "content": "x", "attachments": ["k.png"] }),
        ),
    ];
    for (path, body) in cases {
        let response = gateway.post_json(&path, &token, &body).await;
        let problem = problem(response, 422, "api_version_unsupported").await;
        assert!(
            problem["detail"].as_str().unwrap().contains("2021-06-10"),
            "{path}: {problem}"
        );
    }
}

/// A 2021 tenant on a standalone sandbox whose faults the test sets.
async fn faulty_2021() -> (workorder_sandbox::SandboxHandle, TestGateway, String) {
    let sandbox = crate::support::start_sandbox(Vec::new()).await;
    let extra = format!(
        "[upstream]\nmax_attempts = 3\nretry_base_delay_ms = 1\nretry_max_delay_ms = 20\n\
         request_timeout_ms = 1000\nbreaker_failure_threshold = 0\n\
         [idempotency]\nreconcile_grace_ms = 200\n{}api_version = \"2021-06-10\"\n",
        crate::support::demo_account_tenant("faulty", &sandbox.url())
    );
    let gateway = TestGateway::start(&demo_config(&extra)).await;
    let token = gateway.token("faulty", "alice", READ_WRITE);
    gateway.create_ticket(&token, "warm-up").await;
    (sandbox, gateway, token)
}

#[tokio::test]
async fn a_2021_create_or_reply_whose_answer_is_lost_is_201_and_made_once() {
    let (sandbox, gateway, token) = faulty_2021().await;
    for (action, faults) in [
        (
            "CreateTicket",
            json!({ "lost_error_rate": 1.0, "actions": ["CreateTicket"] }),
        ),
        (
            "CreateTicket",
            json!({ "lost_drop_rate": 1.0, "actions": ["CreateTicket"] }),
        ),
    ] {
        let before = crate::support::writes::all_ticket_ids(&sandbox, &gateway, &token).await;
        crate::support::set_faults(&sandbox.url(), faults).await;
        let response = gateway
            .post_json(
                "/tickets",
                &token,
                &json!({ "productCode": "ecs", "categoryId": 793, "content": format!("lost {action}"), "severity": "urgent" }),
            )
            .await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        let after = crate::support::writes::all_ticket_ids(&sandbox, &gateway, &token).await;
        assert_eq!(after.len(), before.len() + 1, "exactly one ticket made");
    }

    let id = gateway.create_ticket(&token, "to reply to").await;
    crate::support::set_faults(
        &sandbox.url(),
        json!({ "lost_error_rate": 1.0, "actions": ["ReplyTicket"] }),
    )
    .await;
    let reply = gateway
        .post_json(
            &format!("/tickets/{id}/notes"),
            &token,
            &json!({ "content": "reply whose answer is lost" }),
        )
        .await;
    assert_eq!(reply.status(), 201, "{}", reply.text().await.unwrap());
    crate::support::set_faults(&sandbox.url(), json!({})).await;
    let notes = json_of(
        gateway.get(&format!("/tickets/{id}/notes"), &token).await,
        200,
    )
    .await;
    let posted = notes["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["content"] == "reply whose answer is lost")
        .count();
    assert_eq!(posted, 1, "{notes}");
    sandbox.stop().await;
}
