//! Tenant isolation over real HTTP: tenants `alpha` (the sandbox's demo account, Chinese) and
//! `beta` (a second account, English, v3 signatures) on one standalone sandbox. Neither lists,
//! reads, replies to or closes the other's tickets — another tenant's ticket is 404
//! `ticket_not_found`, never 403 — and catalog entries and idempotency keys are per tenant.

use serde_json::json;
use workorder_sandbox::SandboxHandle;

use crate::support::{
    READ_WRITE, TestGateway, account, demo_account_tenant, demo_config, problem, sandbox_tenant,
    start_sandbox,
};

struct TwoTenants {
    _sandbox: SandboxHandle,
    gateway: TestGateway,
    alpha: String,
    beta: String,
}

async fn two_tenants() -> TwoTenants {
    let sandbox = start_sandbox(vec![account("LTAIbeta", "beta-secret", "ops@beta.example")]).await;
    let url = sandbox.url();
    let extra = format!(
        "{}{}language = \"en\"\n",
        demo_account_tenant("alpha", &url),
        sandbox_tenant(
            "beta",
            &url,
            "LTAIbeta",
            "beta-secret",
            "v3",
            "ops@beta.example"
        ),
    );
    let gateway = TestGateway::start(&demo_config(&extra)).await;
    // The same user name in both tenants: identity is (tenant, user).
    let alpha = gateway.token("alpha", "alice", READ_WRITE);
    let beta = gateway.token("beta", "alice", READ_WRITE);
    TwoTenants {
        _sandbox: sandbox,
        gateway,
        alpha,
        beta,
    }
}

#[tokio::test]
async fn a_tenant_lists_only_its_own_tickets() {
    let t = two_tenants().await;
    let a = t.gateway.create_ticket(&t.alpha, "alpha's problem").await;
    let b = t.gateway.create_ticket(&t.beta, "beta's problem").await;

    assert_eq!(t.gateway.ticket_ids("", &t.alpha).await, [a.as_str()]);
    assert_eq!(t.gateway.ticket_ids("", &t.beta).await, [b.as_str()]);
    let by_id = format!("ids={a},{b}");
    assert_eq!(t.gateway.ticket_ids(&by_id, &t.alpha).await, [a]);
    assert_eq!(t.gateway.ticket_ids(&by_id, &t.beta).await, [b]);
    let page = t.gateway.get_json("/tickets", &t.beta).await;
    assert_eq!(page["total"], 1, "{page}");
}

#[tokio::test]
async fn another_tenants_ticket_is_404_for_every_ticket_route() {
    let t = two_tenants().await;
    let a = t.gateway.create_ticket(&t.alpha, "alpha's problem").await;
    let b = t.gateway.create_ticket(&t.beta, "beta's problem").await;

    for (owner, intruder, id) in [(&t.alpha, &t.beta, &a), (&t.beta, &t.alpha, &b)] {
        let attempts = [
            t.gateway.get(&format!("/tickets/{id}"), intruder).await,
            t.gateway
                .get(&format!("/tickets/{id}/notes"), intruder)
                .await,
            t.gateway
                .post_json(
                    &format!("/tickets/{id}/notes"),
                    intruder,
                    &json!({ "content": "hi" }),
                )
                .await,
            t.gateway
                .post_empty(&format!("/tickets/{id}/close"), intruder)
                .await,
        ];
        for response in attempts {
            problem(response, 404, "ticket_not_found").await;
        }
        let ticket = t.gateway.get_json(&format!("/tickets/{id}"), owner).await;
        assert_eq!(
            ticket["status"], "in_progress",
            "not closed by the intruder"
        );
        let notes = t
            .gateway
            .get_json(&format!("/tickets/{id}/notes"), owner)
            .await;
        assert_eq!(
            notes["items"].as_array().unwrap().len(),
            1,
            "no intruder reply: {notes}"
        );
    }
}

/// `GET path`: its `X-Cache` and body.
async fn fetch(gateway: &TestGateway, token: &str, path: &str) -> (String, serde_json::Value) {
    let response = gateway.get(path, token).await;
    assert_eq!(response.status(), 200);
    let cache = response.headers()["x-cache"].to_str().unwrap().to_owned();
    (cache, response.json().await.unwrap())
}

#[tokio::test]
async fn catalog_entries_are_cached_and_served_per_tenant() {
    let t = two_tenants().await;
    for path in ["/products", "/products/ecs/categories"] {
        let (cache, alpha_body) = fetch(&t.gateway, &t.alpha, path).await;
        assert_eq!(cache, "MISS", "alpha {path}");
        assert_eq!(
            fetch(&t.gateway, &t.alpha, path).await.0,
            "HIT",
            "alpha {path}"
        );
        let (cache, beta_body) = fetch(&t.gateway, &t.beta, path).await;
        assert_eq!(cache, "MISS", "beta is not served alpha's entry for {path}");
        assert_eq!(alpha_body["language"], "zh", "{path}");
        assert_eq!(beta_body["language"], "en", "{path}");
        assert_ne!(
            alpha_body["items"][0]["name"], beta_body["items"][0]["name"],
            "{path}"
        );
    }
}

#[tokio::test]
async fn idempotency_keys_do_not_cross_tenants() {
    let t = two_tenants().await;
    let body = json!({ "productCode": "ecs", "categoryId": 793, "content": "same key" });
    let create = |token: &str| {
        t.gateway
            .http
            .post(format!("{}/tickets", t.gateway.url))
            .bearer_auth(token)
            .header("idempotency-key", "shared-key-1")
            .json(&body)
            .send()
    };

    let from_alpha = create(&t.alpha).await.unwrap();
    assert_eq!(from_alpha.status(), 201);
    let from_beta = create(&t.beta).await.unwrap();
    assert_eq!(from_beta.status(), 201);
    assert!(!from_beta.headers().contains_key("idempotent-replayed"));
    let alpha_id = from_alpha.json::<serde_json::Value>().await.unwrap()["id"].clone();
    let beta_id = from_beta.json::<serde_json::Value>().await.unwrap()["id"].clone();
    assert_ne!(alpha_id, beta_id);
    assert_eq!(
        t.gateway.ticket_ids("", &t.beta).await,
        [beta_id.as_str().unwrap()]
    );
}
