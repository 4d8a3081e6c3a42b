//! The cached catalog over HTTP: shapes of `/products`, `/products/{code}` and
//! `/products/{code}/categories` (here); language precedence (`language`); `ETag` / 304,
//! `Cache-Control`, `X-Cache` MISS → HIT → STALE and errors never cached (`caching`, failures
//! from the embedded sandbox's fault injection); single flight and one cache per tenant
//! (`fake_upstream`, a wiremock Workorder double as a plain-http tenant endpoint).

mod caching;
mod fake_upstream;
mod language;

use std::collections::HashSet;

use serde_json::Value;

use crate::support::{READ_WRITE, TestGateway, demo_config, problem};

/// `GET path` with a token for `tenant` and extra headers.
async fn get(
    gateway: &TestGateway,
    tenant: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = gateway
        .http
        .get(format!("{}{path}", gateway.url))
        .bearer_auth(gateway.token(tenant, "alice", READ_WRITE));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
        .to_owned()
}

/// `max-age` of a `Cache-Control: private, max-age=N` header (checking the `private`).
fn max_age(response: &reqwest::Response) -> u64 {
    let value = header(response, "cache-control");
    let (private, age) = value.split_once(", max-age=").expect(&value);
    assert_eq!(private, "private", "{value}");
    age.parse().expect(&value)
}

/// Replaces the faults of the gateway's embedded sandbox.
async fn set_faults(gateway: &TestGateway, faults: Value) {
    crate::support::set_faults(gateway.sandbox_url.as_ref().unwrap(), faults).await;
}

/// No retries, so one failing request is one failing upstream call.
const ONE_ATTEMPT: &str = "[upstream]\nmax_attempts = 1\n";

#[tokio::test]
async fn products_list_has_the_contract_shape() {
    let gateway = TestGateway::start(&demo_config("")).await;

    let response = get(&gateway, "demo", "/products", &[]).await;

    assert_eq!(response.status(), 200);
    assert!(header(&response, "content-type").starts_with("application/json"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["language"], "zh");
    let items = body["items"].as_array().unwrap();
    assert!(items.len() > 5, "{body}");
    let mut codes = HashSet::new();
    for item in items {
        assert!(
            codes.insert(item["code"].as_str().unwrap()),
            "duplicate {item}"
        );
        assert!(!item["name"].as_str().unwrap().is_empty(), "{item}");
        assert!(item["description"].is_string(), "{item}");
        assert!(
            item["kind"] == "technical" || item["kind"] == "consultation",
            "{item}"
        );
        assert!(
            item["group"].is_string() || item["group"].is_null(),
            "{item}"
        );
        assert!(item["hot"].is_boolean(), "{item}");
    }
    let ecs = items.iter().find(|i| i["code"] == "ecs").unwrap();
    assert_eq!(ecs["name"], "云服务器 ECS");
    assert_eq!(ecs["kind"], "technical");
    assert!(items.iter().any(|i| i["kind"] == "consultation"));
    assert!(items.iter().any(|i| i["group"].is_string()));
}

#[tokio::test]
async fn product_by_code_is_its_list_item_and_unknown_codes_are_404() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let list: Value = get(&gateway, "demo", "/products", &[])
        .await
        .json()
        .await
        .unwrap();

    let ecs = get(&gateway, "demo", "/products/ecs", &[]).await;

    assert_eq!(ecs.status(), 200);
    let ecs: Value = ecs.json().await.unwrap();
    let listed = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "ecs")
        .unwrap();
    assert_eq!(&ecs, listed);
    for unknown in ["/products/no-such-product", "/products/EC%24%20x"] {
        problem(
            get(&gateway, "demo", unknown, &[]).await,
            404,
            "product_not_found",
        )
        .await;
    }
}

#[tokio::test]
async fn categories_of_a_product_are_listed_and_unknown_products_are_404() {
    let gateway = TestGateway::start(&demo_config("")).await;

    let response = get(&gateway, "demo", "/products/ecs/categories", &[]).await;

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["language"], "zh");
    let items = body["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .all(|c| c["id"].is_i64() && c["name"].is_string())
    );
    let remote = items.iter().find(|c| c["id"] == 793).expect("category 793");
    assert_eq!(remote["name"], "ECS无法远程");
    problem(
        get(
            &gateway,
            "demo",
            "/products/no-such-product/categories",
            &[],
        )
        .await,
        404,
        "product_not_found",
    )
    .await;
}
