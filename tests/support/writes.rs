//! Shared by the exactly-once tests of `api` (one replica, in the `integration` binary) and of
//! the `state` binary (replicas on Redis): filing tickets with and without keys, reading every
//! ticket back from the upstream, and the load of retrying clients under mixed faults.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Value, json};
use workorder_sandbox::SandboxHandle;

use crate::support::{TestGateway, set_faults};

/// A `POST /tickets` body for product ecs, category 793.
pub fn new_ticket(content: &str) -> Value {
    json!({ "productCode": "ecs", "categoryId": 793, "content": content })
}

/// Every ticket of the tenant, read with faults off.
pub async fn all_ticket_ids(
    sandbox: &SandboxHandle,
    gateway: &TestGateway,
    token: &str,
) -> Vec<String> {
    set_faults(&sandbox.url(), json!({})).await;
    let mut ids = Vec::new();
    for page in 1.. {
        let batch = gateway
            .ticket_ids(&format!("pageSize=100&page={page}"), token)
            .await;
        let done = batch.len() < 100;
        ids.extend(batch);
        if done {
            break;
        }
    }
    ids
}

pub async fn post_with_key(
    gateway: &TestGateway,
    path: &str,
    token: &str,
    key: &str,
    body: &Value,
) -> reqwest::Response {
    gateway
        .http
        .post(format!("{}{path}", gateway.url))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// The scenario: mixed faults, 40 clients each filing one ticket and retrying every
/// failure with the same key. Returns (ids each client got, tickets the upstream holds).
pub async fn forty_retrying_clients(
    gateways: &[&TestGateway],
    sandbox: &SandboxHandle,
    token: &str,
) -> (Vec<String>, Vec<String>) {
    set_faults(&sandbox.url(), json!({})).await;
    let before: BTreeSet<String> = gateways[0]
        .ticket_ids("pageSize=100", token)
        .await
        .into_iter()
        .collect();
    let response = reqwest::Client::new()
        .put(format!("{}/_sandbox/faults?seed=42", sandbox.url()))
        .json(&json!({
            "error_rate": 0.10, "unavailable_rate": 0.10, "drop_rate": 0.10,
            "lost_drop_rate": 0.05, "lost_timeout_rate": 0.05, "lost_timeout_ms": 1500,
            "lost_error_rate": 0.05, "unreadable_rate": 0.05,
            "latency_ms": 5, "latency_jitter_ms": 20
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let clients = (0..40).map(|client| async move {
        let key = format!("client-{client}-{}", uuid_like());
        let body = new_ticket(&format!("load client {client}"));
        let mut seen = Vec::new();
        for attempt in 0..12 {
            // Every retry goes to the next replica.
            let gateway = gateways[(client + attempt) % gateways.len()];
            let response = gateway
                .http
                .post(format!("{}/tickets", gateway.url))
                .bearer_auth(token)
                .header("idempotency-key", &key)
                .json(&body)
                .send()
                .await;
            let Ok(response) = response else {
                seen.push("transport".to_owned());
                continue;
            };
            if response.status() == 201 {
                return response.json::<Value>().await.unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_owned();
            }
            let status = response.status().as_u16();
            seen.push(format!(
                "{status} {}",
                response.text().await.unwrap_or_default()
            ));
            assert!(
                matches!(status, 409 | 429 | 502 | 503 | 504),
                "client {client}: {status}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("client {client}: no 201 within 12 attempts: {seen:#?}");
    });
    let got = futures_util::future::join_all(clients).await;
    let after: Vec<String> = all_ticket_ids(sandbox, gateways[0], token)
        .await
        .into_iter()
        .filter(|id| !before.contains(id))
        .collect();
    (got, after)
}

fn uuid_like() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}
