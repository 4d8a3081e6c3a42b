//! `/tickets/{id}/notes` and `/tickets/{id}/close` over real HTTP: the conversation oldest
//! first, the sandbox engineer's answer, replies and their validation, closing.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::json;

use super::v2021::V2021_TENANT;
use crate::support::{READ_WRITE, TestGateway, demo_config, metric, problem, start_tweaked};

async fn reply(gateway: &TestGateway, token: &str, id: &str, body: serde_json::Value) -> u16 {
    gateway
        .post_json(&format!("/tickets/{id}/notes"), token, &body)
        .await
        .status()
        .as_u16()
}

#[tokio::test]
async fn notes_are_listed_oldest_first() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let id = gateway.create_ticket(&token, "first words").await;
    // Whole seconds apart, so the order is decided by time and not by upstream list order.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        reply(&gateway, &token, &id, json!({ "content": "second" })).await,
        201
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        reply(&gateway, &token, &id, json!({ "content": "third" })).await,
        201
    );

    let response = gateway.get(&format!("/tickets/{id}/notes"), &token).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-upstream-request-id"));
    let notes: serde_json::Value = response.json().await.unwrap();
    let items = notes["items"].as_array().unwrap();
    let contents: Vec<&str> = items
        .iter()
        .map(|n| n["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents, ["first words", "second", "third"]);
    let times: Vec<&str> = items
        .iter()
        .map(|n| n["createdAt"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
    for note in items {
        assert_eq!(note["fromOfficial"], false);
        assert!(note["id"].is_string());
    }
}

#[tokio::test]
async fn the_engineer_note_appears_after_the_sandbox_engineer_delay() {
    let gateway = start_tweaked(&demo_config(""), |settings| {
        settings.sandbox.engineer_delay_secs = 1;
    })
    .await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let id = gateway.create_ticket(&token, "help").await;
    let path = format!("/tickets/{id}/notes");
    let first = gateway.get_json(&path, &token).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 1, "{first}");

    let deadline = Instant::now() + Duration::from_secs(10);
    let notes = loop {
        let notes = gateway.get_json(&path, &token).await;
        if notes["items"].as_array().unwrap().len() > 1 || Instant::now() > deadline {
            break notes;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let items = notes["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{notes}");
    assert_eq!(items[0]["fromOfficial"], false);
    assert_eq!(items[1]["fromOfficial"], true);
    let ticket = gateway.get_json(&format!("/tickets/{id}"), &token).await;
    assert_eq!(ticket["status"], "wait_feedback");
}

#[tokio::test]
async fn a_reply_is_201_with_location_and_joins_the_notes() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let id = gateway.create_ticket(&token, "question").await;

    let response = gateway
        .post_json(
            &format!("/tickets/{id}/notes"),
            &token,
            &json!({ "content": "more details", "secretContent": "hidden" }),
        )
        .await;
    assert_eq!(response.status(), 201);
    assert_eq!(
        response.headers()["location"],
        format!("/tickets/{id}/notes").as_str()
    );
    assert!(response.headers().contains_key("x-upstream-request-id"));

    let notes = gateway
        .get_json(&format!("/tickets/{id}/notes"), &token)
        .await;
    assert_eq!(notes["items"][1]["content"], "more details", "{notes}");
}

#[tokio::test]
async fn a_repeated_reply_idempotency_key_posts_the_reply_once() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let id = gateway.create_ticket(&token, "question").await;
    let send = |content: &'static str| {
        gateway
            .http
            .post(format!("{}/tickets/{id}/notes", gateway.url))
            .bearer_auth(&token)
            .header("idempotency-key", "reply-1")
            .json(&json!({ "content": content }))
            .send()
    };

    let first = send("once").await.unwrap();
    assert_eq!(first.status(), 201);
    assert!(!first.headers().contains_key("idempotent-replayed"));
    let second = send("once").await.unwrap();
    assert_eq!(second.status(), 201);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    problem(send("changed").await.unwrap(), 422, "validation_failed").await;

    let notes = gateway
        .get_json(&format!("/tickets/{id}/notes"), &token)
        .await;
    assert_eq!(notes["items"].as_array().unwrap().len(), 2, "{notes}");
}

#[tokio::test]
async fn a_reply_with_neither_content_nor_secret_content_is_422() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let id = gateway.create_ticket(&token, "question").await;

    for body in [
        json!({}),
        json!({ "content": "   " }),
        json!({ "content": "", "secretContent": "" }),
    ] {
        let response = gateway
            .post_json(&format!("/tickets/{id}/notes"), &token, &body)
            .await;
        let problem = problem(response, 422, "validation_failed").await;
        assert_eq!(
            problem["errors"][0]["field"], "content",
            "{body}: {problem}"
        );
    }
    let notes = gateway
        .get_json(&format!("/tickets/{id}/notes"), &token)
        .await;
    assert_eq!(notes["items"].as_array().unwrap().len(), 1);
    // Only the secret part is fine.
    assert_eq!(
        reply(&gateway, &token, &id, json!({ "secretContent": "pw" })).await,
        201
    );
}

/// Calls the embedded sandbox answered so far, by action (`GET /_sandbox/calls`).
async fn sandbox_calls(gateway: &TestGateway) -> BTreeMap<String, u64> {
    let url = format!("{}/_sandbox/calls", gateway.sandbox_url.as_ref().unwrap());
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

/// The calls made between two counts, by action (actions not called left out).
fn calls_between(
    before: &BTreeMap<String, u64>,
    after: &BTreeMap<String, u64>,
) -> BTreeMap<String, u64> {
    after
        .iter()
        .map(|(action, n)| (action.clone(), n - before.get(action).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

fn calls(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(a, n)| ((*a).to_owned(), *n)).collect()
}

/// A ticket filed by `tenant` (`v21` speaks 2021-06-10, whose catalogue ids are its own).
async fn create_as(gateway: &TestGateway, tenant: &str, token: &str, content: &str) -> String {
    if tenant == "v21" {
        gateway.create_ticket_2021(token, content).await
    } else {
        gateway.create_ticket(token, content).await
    }
}

/// The value of `wog_writes_total` for replies ending in `result`.
async fn reply_writes(gateway: &TestGateway, result: &str) -> f64 {
    let series = format!(r#"wog_writes_total{{operation="reply_ticket",result="{result}"}}"#);
    metric(gateway, &series).await
}

/// A reply to a ticket the tenant's account has shown (here: its create) is the `ReplyTicket`
/// call alone, on both API versions: no `ListTickets` lookup of the ticket or its status.
#[tokio::test]
async fn a_reply_to_a_known_ticket_makes_one_upstream_call() {
    let gateway = TestGateway::start(&demo_config(V2021_TENANT)).await;
    for tenant in ["demo", "v21"] {
        let token = gateway.token(tenant, "alice", READ_WRITE);
        let id = create_as(&gateway, tenant, &token, "question").await;
        let before = sandbox_calls(&gateway).await;

        assert_eq!(
            reply(&gateway, &token, &id, json!({ "content": "more" })).await,
            201,
            "{tenant}"
        );

        let after = sandbox_calls(&gateway).await;
        assert_eq!(
            calls_between(&before, &after),
            calls(&[("ReplyTicket", 1)]),
            "{tenant}"
        );
    }
}

/// The upstream refuses a reply to a completed ticket; the gateway answers it as it always
/// has (422 on `content`), on both API versions. The refusal is a definite failure: nothing
/// is reconciled, the key is forgotten rather than left ambiguous, and a retry with the same
/// `Idempotency-Key` gets the same answer the same way.
#[tokio::test]
async fn a_reply_to_a_completed_ticket_is_422() {
    let gateway = TestGateway::start(&demo_config(V2021_TENANT)).await;
    for (n, tenant) in ["demo", "v21"].into_iter().enumerate() {
        let token = gateway.token(tenant, "alice", READ_WRITE);
        let id = create_as(&gateway, tenant, &token, "question").await;
        let close = gateway
            .post_empty(&format!("/tickets/{id}/close"), &token)
            .await;
        assert_eq!(close.status(), 204);

        let send = || {
            gateway
                .http
                .post(format!("{}/tickets/{id}/notes", gateway.url))
                .bearer_auth(&token)
                .header("idempotency-key", "late-reply")
                .json(&json!({ "content": "one more thing" }))
                .send()
        };
        let mut answers = Vec::new();
        for _ in 0..2 {
            let before = sandbox_calls(&gateway).await;
            let mut body = problem(send().await.unwrap(), 422, "validation_failed").await;
            let after = sandbox_calls(&gateway).await;
            // The refused reply, then the status read that names the refusal's cause.
            assert_eq!(
                calls_between(&before, &after),
                calls(&[("ListTickets", 1), ("ReplyTicket", 1)]),
                "{tenant}"
            );
            assert!(body["upstreamRequestId"].is_string(), "{body}");
            for per_request in ["requestId", "upstreamRequestId"] {
                body.as_object_mut().unwrap().remove(per_request);
            }
            answers.push(body);
        }
        assert_eq!(
            answers[0]["detail"],
            format!("content ticket {id} is completed and takes no more replies"),
            "{tenant}"
        );
        assert_eq!(
            answers[0]["errors"],
            json!([{
                "field": "content",
                "message": format!("ticket {id} is completed and takes no more replies")
            }]),
            "{tenant}"
        );
        assert_eq!(answers[0], answers[1], "{tenant}");
        let done = f64::from(u8::try_from(n).unwrap() + 1) * 2.0;
        assert_eq!(reply_writes(&gateway, "failed").await, done, "{tenant}");
        assert_eq!(reply_writes(&gateway, "unknown").await, 0.0, "{tenant}");

        let notes = gateway
            .get_json(&format!("/tickets/{id}/notes"), &token)
            .await;
        assert_eq!(notes["items"].as_array().unwrap().len(), 1, "{notes}");
    }
}

#[tokio::test]
async fn closing_a_ticket_is_204_and_completes_it() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let id = gateway.create_ticket(&token, "solved already").await;

    let response = gateway
        .post_empty(&format!("/tickets/{id}/close"), &token)
        .await;
    assert_eq!(response.status(), 204);
    assert!(response.headers().contains_key("x-upstream-request-id"));
    assert!(response.bytes().await.unwrap().is_empty());
    let ticket = gateway.get_json(&format!("/tickets/{id}"), &token).await;
    assert_eq!(ticket["status"], "completed");
    let again = gateway
        .post_empty(&format!("/tickets/{id}/close"), &token)
        .await;
    assert_eq!(again.status(), 204, "closing is idempotent");

    let unknown = gateway.post_empty("/tickets/NOSUCH42/close", &token).await;
    problem(unknown, 404, "ticket_not_found").await;
}
