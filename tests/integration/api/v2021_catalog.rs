//! A Workorder 2021-06-10 tenant's catalog over real HTTP, beside a 2020-03-26 tenant of the same
//! sandbox account: its products and categories carry 2021's ids (a namespace of their own),
//! creates are checked against them and send them, the other version's ids are field errors
//! before any upstream call, and the `productCode` ticket filter, which only 2020 codes could
//! serve, is refused.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::v2021::V2021_TENANT;
use crate::support::{
    ECS_2021, ECS_REMOTE_2021, READ_WRITE, TestGateway, demo_account_tenant, demo_config, problem,
    set_faults, start_sandbox,
};

/// The `items` of a catalog answer (200 asserted).
async fn items(gateway: &TestGateway, path: &str, token: &str) -> Vec<Value> {
    let body = gateway.get_json(path, token).await;
    body["items"].as_array().unwrap().clone()
}

fn field<'a>(items: &'a [Value], name: &str) -> Vec<&'a Value> {
    items.iter().map(|item| &item[name]).collect()
}

#[tokio::test]
async fn a_2021_tenant_lists_2021_product_ids_distinct_from_the_2020_tenants() {
    let gateway = TestGateway::start(&demo_config(V2021_TENANT)).await;
    let v21 = gateway.token("v21", "alice", READ_WRITE);
    let demo = gateway.token("demo", "bob", READ_WRITE);

    let new = items(&gateway, "/products?lang=zh", &v21).await;
    let old = items(&gateway, "/products?lang=zh", &demo).await;

    let new_codes: HashSet<&str> = new.iter().map(|p| p["code"].as_str().unwrap()).collect();
    let old_codes: HashSet<&str> = old.iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!(new_codes.len(), old_codes.len(), "the same products");
    assert!(new_codes.is_disjoint(&old_codes), "{new_codes:?}");
    assert!(
        new_codes.iter().all(|c| c.parse::<i64>().is_ok()),
        "{new_codes:?}"
    );
    let ecs = new.iter().find(|p| p["code"] == ECS_2021).unwrap();
    assert_eq!(
        (&ecs["name"], &ecs["description"], &ecs["kind"], &ecs["hot"]),
        (
            &json!("云服务器 ECS"),
            &Value::Null,
            &Value::Null,
            &Value::Null
        )
    );
    assert!(ecs["group"].is_string(), "{ecs}");
    let one = gateway
        .get_json(&format!("/products/{ECS_2021}?lang=zh"), &v21)
        .await;
    assert_eq!(&one, ecs);
}

#[tokio::test]
async fn a_2021_tenant_lists_categories_by_2021_product_id_with_2021_ids() {
    let gateway = TestGateway::start(&demo_config(V2021_TENANT)).await;
    let v21 = gateway.token("v21", "alice", READ_WRITE);
    let demo = gateway.token("demo", "bob", READ_WRITE);

    let new = items(
        &gateway,
        &format!("/products/{ECS_2021}/categories?lang=zh"),
        &v21,
    )
    .await;
    let old = items(&gateway, "/products/ecs/categories?lang=zh", &demo).await;

    assert_eq!(
        new[0],
        json!({ "id": ECS_REMOTE_2021, "name": "ECS无法远程" })
    );
    assert_eq!(old[0], json!({ "id": 793, "name": "ECS无法远程" }));
    assert_eq!(field(&new, "name"), field(&old, "name"));
    let new_ids: HashSet<i64> = new.iter().map(|c| c["id"].as_i64().unwrap()).collect();
    let old_ids: HashSet<i64> = old.iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert!(new_ids.is_disjoint(&old_ids), "{new_ids:?} {old_ids:?}");

    // The other version's code, or no product id at all: not this tenant's product.
    for path in [
        "/products/ecs",
        "/products/ecs/categories",
        "/products/11/categories",
        "/products/07100011/categories",
        "/products/100000000000/categories",
    ] {
        problem(gateway.get(path, &v21).await, 404, "product_not_found").await;
    }
    problem(
        gateway
            .get(&format!("/products/{ECS_2021}/categories"), &demo)
            .await,
        404,
        "product_not_found",
    )
    .await;
}

#[tokio::test]
async fn a_2021_create_in_a_2021_category_reads_back_with_that_category() {
    let gateway = TestGateway::start(&demo_config(V2021_TENANT)).await;
    let v21 = gateway.token("v21", "alice", READ_WRITE);
    let category =
        items(&gateway, &format!("/products/{ECS_2021}/categories"), &v21).await[1]["id"]
            .as_i64()
            .unwrap();

    let created = gateway
        .post_json(
            "/tickets",
            &v21,
            &json!({ "productCode": ECS_2021, "categoryId": category, "content": "disk full" }),
        )
        .await;
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ticket = gateway.get_json(&format!("/tickets/{id}"), &v21).await;

    assert_eq!(ticket["categoryId"], category.to_string());
}

#[tokio::test]
async fn the_other_versions_ids_are_field_errors_before_any_upstream_call() {
    let sandbox = start_sandbox(Vec::new()).await;
    let extra = format!(
        "{}api_version = \"2021-06-10\"\n{}",
        demo_account_tenant("faulty", &sandbox.url()),
        "[upstream]\nmax_attempts = 1\nbreaker_failure_threshold = 0\n"
    );
    let gateway = TestGateway::start(&demo_config(&extra)).await;
    let token = gateway.token("faulty", "alice", READ_WRITE);
    // Warm the tenant's catalog, then make every upstream call fail.
    items(
        &gateway,
        &format!("/products/{ECS_2021}/categories"),
        &token,
    )
    .await;
    set_faults(&sandbox.url(), json!({ "error_rate": 1.0 })).await;
    let valid = json!({ "productCode": ECS_2021, "categoryId": ECS_REMOTE_2021, "content": "x" });
    problem(
        gateway.post_json("/tickets", &token, &valid).await,
        502,
        "upstream_error",
    )
    .await;

    let cases = [
        (
            json!({ "productCode": ECS_2021, "categoryId": 793 }),
            "categoryId",
        ),
        (
            json!({ "productCode": "ecs", "categoryId": 793 }),
            "productCode",
        ),
        (
            json!({ "productCode": "ecs", "categoryId": ECS_REMOTE_2021 }),
            "productCode",
        ),
    ];
    for (mut body, field) in cases {
        body["content"] = json!("x");
        let response = gateway.post_json("/tickets", &token, &body).await;
        let problem = problem(response, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("2021-06-10"),
            "{problem}"
        );
        assert!(problem.get("upstreamRequestId").is_none(), "{problem}");
    }
}

#[tokio::test]
async fn a_2020_tenant_refuses_2021_ids_too() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let demo = gateway.token("demo", "bob", READ_WRITE);
    let body = json!({ "productCode": "ecs", "categoryId": ECS_REMOTE_2021, "content": "x" });

    let problem = problem(
        gateway.post_json("/tickets", &demo, &body).await,
        422,
        "validation_failed",
    )
    .await;

    assert_eq!(problem["errors"][0]["field"], "categoryId", "{problem}");
}

#[tokio::test]
async fn the_product_code_ticket_filter_is_refused_for_a_2021_tenant_only() {
    let gateway = TestGateway::start(&demo_config(V2021_TENANT)).await;
    let v21 = gateway.token("v21", "alice", READ_WRITE);
    let demo = gateway.token("demo", "bob", READ_WRITE);
    gateway.create_ticket(&demo, "an ecs ticket").await;

    for code in [ECS_2021, "ecs"] {
        let refused = problem(
            gateway
                .get(&format!("/tickets?productCode={code}"), &v21)
                .await,
            422,
            "api_version_unsupported",
        )
        .await;
        assert!(
            refused["detail"]
                .as_str()
                .unwrap()
                .contains("productCode filter"),
            "{refused}"
        );
    }
    assert_eq!(gateway.ticket_ids("productCode=ecs", &demo).await.len(), 1);
    assert_eq!(gateway.ticket_ids("", &v21).await.len(), 1, "lists work");
}

#[tokio::test]
async fn a_reload_that_switches_a_tenants_version_switches_its_catalog() {
    let tenant = |version: &str| {
        demo_config(&format!(
            "[tenants.switch]\nendpoint = \"sandbox\"\napi_version = \"{version}\"\n\
             access_key_id = \"LTAIsandboxDEMO\"\naccess_key_secret = \"sandbox-demo-secret\"\n"
        ))
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gateway.toml");
    std::fs::write(&file, tenant("2020-03-26")).unwrap();
    let settings =
        workorder_gateway::settings::Settings::from_toml_str(&tenant("2020-03-26")).unwrap();
    let gateway = TestGateway::start_with(settings, Some(file.clone())).await;
    let token = gateway.token("switch", "alice", READ_WRITE);
    let before = items(&gateway, "/products/ecs/categories", &token).await;

    std::fs::write(&file, tenant("2021-06-10")).unwrap();
    gateway.handle.reload().await.unwrap();
    let after = items(
        &gateway,
        &format!("/products/{ECS_2021}/categories"),
        &token,
    )
    .await;

    assert_eq!(before[0]["id"], 793);
    assert_eq!(after[0]["id"], ECS_REMOTE_2021);
    problem(
        gateway.get("/products/ecs", &token).await,
        404,
        "product_not_found",
    )
    .await;
}
