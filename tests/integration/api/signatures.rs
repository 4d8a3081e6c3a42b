//! Both upstream signature versions end to end: a tenant signing with RPC v1 (HMAC-SHA1) and
//! one signing with ACS3-HMAC-SHA256 each create, list, reply to and close a ticket against a
//! standalone sandbox, which verifies every signature strictly (a wrong one is a 502
//! `upstream_credentials_rejected`, see `upstream_errors.rs`). Texts carry non-ASCII and
//! reserved characters so that percent-encoding differences would break the signatures.

use serde_json::json;

use crate::support::{
    READ_WRITE, TestGateway, account, demo_config, sandbox_tenant, start_sandbox,
};

/// Characters whose encoding differs between naive encoders and the upstream's rules.
const TRICKY: &str = "磁盘满了 ~ *'()! a+b=c&d/e%20 😀";

async fn gateway_with_tenant(signature: &str) -> (workorder_sandbox::SandboxHandle, TestGateway) {
    let secret = format!("{signature}-secret-Xy9");
    let key = format!("LTAI{signature}signer");
    let sandbox = start_sandbox(vec![account(&key, &secret, "signer@example.com")]).await;
    let tenant = sandbox_tenant(
        "signer",
        &sandbox.url(),
        &key,
        &secret,
        signature,
        "signer@example.com",
    );
    let gateway = TestGateway::start(&demo_config(&tenant)).await;
    (sandbox, gateway)
}

async fn create_list_reply_close(gateway: &TestGateway) {
    let token = gateway.token("signer", "alice", READ_WRITE);
    let response = gateway
        .post_json(
            "/tickets",
            &token,
            &json!({
                "productCode": "ecs", "categoryId": 793, "title": TRICKY,
                "content": TRICKY, "secretContent": TRICKY, "language": "en"
            }),
        )
        .await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    let id = response.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let page = gateway
        .get_json(
            &format!("/tickets?ids={id}&status=in_progress&productCode=ecs"),
            &token,
        )
        .await;
    assert_eq!(page["items"][0]["id"], id.as_str(), "{page}");
    assert_eq!(page["items"][0]["title"], TRICKY);

    let reply = gateway
        .post_json(
            &format!("/tickets/{id}/notes"),
            &token,
            &json!({ "content": TRICKY, "secretContent": TRICKY }),
        )
        .await;
    assert_eq!(reply.status(), 201, "{}", reply.text().await.unwrap());
    let notes = gateway
        .get_json(&format!("/tickets/{id}/notes"), &token)
        .await;
    let contents: Vec<&str> = notes["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents, [TRICKY, TRICKY]);

    let close = gateway
        .post_empty(&format!("/tickets/{id}/close"), &token)
        .await;
    assert_eq!(close.status(), 204, "{}", close.text().await.unwrap());
    let ticket = gateway.get_json(&format!("/tickets/{id}"), &token).await;
    assert_eq!(ticket["status"], "completed");
    // The catalog goes through the same signer.
    gateway
        .get_json("/products/ecs/categories?lang=jp", &token)
        .await;
}

#[tokio::test]
async fn a_v1_signing_tenant_creates_lists_replies_and_closes() {
    let (_sandbox, gateway) = gateway_with_tenant("v1").await;
    create_list_reply_close(&gateway).await;
}

#[tokio::test]
async fn a_v3_signing_tenant_creates_lists_replies_and_closes() {
    let (_sandbox, gateway) = gateway_with_tenant("v3").await;
    create_list_reply_close(&gateway).await;
}
