//! The README walk-through, as a test: token → products → create → notes → reply → close.

use serde_json::json;

use crate::support::{READ_WRITE, TestGateway, demo_config};

#[tokio::test]
async fn the_readme_walkthrough_works_end_to_end() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);

    let products = gateway.get("/products", &token).await;
    assert_eq!(products.status(), 200);
    let products: serde_json::Value = products.json().await.unwrap();
    assert!(
        products["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["code"] == "ecs")
    );

    let id = gateway
        .create_ticket(&token, "my ECS instance does not answer SSH")
        .await;
    let ticket: serde_json::Value = gateway
        .get(&format!("/tickets/{id}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ticket["status"], "in_progress");

    let notes: serde_json::Value = gateway
        .get(&format!("/tickets/{id}/notes"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        notes["items"][0]["content"],
        "my ECS instance does not answer SSH"
    );

    let reply = gateway
        .post_json(
            &format!("/tickets/{id}/notes"),
            &token,
            &json!({ "content": "any news?" }),
        )
        .await;
    assert_eq!(reply.status(), 201);
    assert_eq!(
        reply.headers()["location"],
        format!("/tickets/{id}/notes").as_str()
    );

    let close = gateway
        .http
        .post(format!("{}/tickets/{id}/close", gateway.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(close.status(), 204);
    let ticket: serde_json::Value = gateway
        .get(&format!("/tickets/{id}"), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ticket["status"], "completed");
}
