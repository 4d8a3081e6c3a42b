//! One tenant's catalog under each Workorder API version: 2021's ListProducts and
//! ListCategories(ProductId) give 2021 ids, the cache keys them apart from 2020's (a tenant
//! switched to the other version by a reload is never served the old version's entries), and a
//! code that is no 2021 product id costs no upstream call.

use serde_json::{Value, json};
use wiremock::matchers::{body_string_contains, method, query_param};
use wiremock::{Mock, MockServer};
use workorder_api::Language;
use workorder_gateway::catalog::{CacheStatus, CategoryCheck};
use workorder_gateway::settings::ApiVersion::{V2020, V2021};

use super::upstream::{calls, long_lived_catalog, mount_categories, mount_products, target};
use super::{NO_DELAY, json_of};
use crate::support::fake_upstream::success;

/// 2021 `ListProducts` (its `Version`) answers two directories, ECS in both.
async fn mount_2021_catalogue(mock: &MockServer) {
    Mock::given(method("POST"))
        .and(query_param("Action", "ListProducts"))
        .and(query_param("Version", "2021-06-10"))
        .respond_with(success(
            "RID-PRODUCTS-2021",
            json!([
                { "DirectoryId": 1, "DirectoryName": "云服务器", "ProductList": [
                    { "ProductId": 7160, "ProductName": "云服务器 ECS" } ] },
                { "DirectoryId": 2, "DirectoryName": "热门", "ProductList": [
                    { "ProductId": 7160, "ProductName": "云服务器 ECS" },
                    { "ProductId": 7170, "ProductName": "负载均衡" } ] }
            ]),
        ))
        .mount(mock)
        .await;
    Mock::given(method("POST"))
        .and(query_param("Action", "ListCategories"))
        .and(query_param("Version", "2021-06-10"))
        .and(body_string_contains("ProductId=7160"))
        .respond_with(success(
            "RID-CATEGORIES-2021",
            json!([{ "CategoryId": 7161, "CategoryName": "ECS无法远程" }]),
        ))
        .mount(mock)
        .await;
}

async fn both_versions() -> MockServer {
    let mock = MockServer::start().await;
    mount_2021_catalogue(&mock).await;
    // Mounted second, so the 2021 mocks (more specific) answer 2021 calls first.
    mount_products(&mock, "ECS 2020", NO_DELAY).await;
    mount_categories(&mock, "ecs", &[(793, "ECS无法远程")], NO_DELAY).await;
    mock
}

#[tokio::test]
async fn a_2021_tenant_lists_2021_product_ids_by_directory_with_nulls_where_2021_is_silent() {
    let mock = both_versions().await;
    let catalog = long_lived_catalog();
    let acme = target("acme", &mock);

    let products = catalog.products(&acme, V2021, Language::Zh).await.unwrap();
    let ecs = catalog
        .product(&acme, V2021, Language::Zh, "7160")
        .await
        .unwrap();
    let categories = catalog
        .categories(&acme, V2021, Language::Zh, "7160")
        .await
        .unwrap()
        .unwrap();

    assert_eq!(
        json_of(&products),
        json!({ "language": "zh", "items": [
            { "code": "7160", "name": "云服务器 ECS", "description": null, "kind": null,
              "group": "云服务器", "hot": null },
            { "code": "7170", "name": "负载均衡", "description": null, "kind": null,
              "group": "热门", "hot": null }
        ] })
    );
    assert_eq!(json_of(&ecs.unwrap())["code"], "7160");
    assert_eq!(
        json_of(&categories),
        json!({ "language": "zh", "items": [{ "id": 7161, "name": "ECS无法远程" }] })
    );
}

#[tokio::test]
async fn the_version_is_part_of_every_key_so_a_switched_tenant_never_sees_the_other_catalog() {
    let mock = both_versions().await;
    let catalog = long_lived_catalog();
    let acme = target("acme", &mock);

    let old = catalog.products(&acme, V2020, Language::Zh).await.unwrap();
    let new = catalog.products(&acme, V2021, Language::Zh).await.unwrap();
    let old_again = catalog.products(&acme, V2020, Language::Zh).await.unwrap();

    assert_eq!(new.status, CacheStatus::Miss, "not the 2020 entry");
    assert_eq!(json_of(&old)["items"][0]["code"], "ecs");
    assert_eq!(json_of(&new)["items"][0]["code"], "7160");
    assert_eq!(old_again.status, CacheStatus::Hit);
    assert_eq!(json_of(&old_again)["items"][0]["code"], "ecs");
    assert_eq!(calls(&mock, "ListProducts").await, 2);
}

#[tokio::test]
async fn a_2021_check_takes_only_2021_ids() {
    let mock = both_versions().await;
    let catalog = long_lived_catalog();
    let acme = target("acme", &mock);
    let check = |product: &'static str, category: i64| {
        let (catalog, acme) = (catalog.clone(), acme.clone());
        async move {
            catalog
                .check_category(&acme, V2021, Language::Zh, product, category)
                .await
                .unwrap()
                .check
        }
    };

    assert_eq!(check("7160", 7161).await, CategoryCheck::Valid);
    assert_eq!(
        check("7160", 793).await,
        CategoryCheck::CategoryNotInProduct
    );
    assert_eq!(check("ecs", 793).await, CategoryCheck::UnknownProduct);
    assert_eq!(check("7999", 7161).await, CategoryCheck::UnknownProduct);
}

#[tokio::test]
async fn a_code_that_is_no_2021_product_id_makes_no_upstream_call() {
    let mock = both_versions().await;
    let catalog = long_lived_catalog();
    let acme = target("acme", &mock);

    for code in ["ecs", "07160", "100000000000", "-1"] {
        let categories = catalog
            .categories(&acme, V2021, Language::Zh, code)
            .await
            .unwrap();
        let product = catalog
            .product(&acme, V2021, Language::Zh, code)
            .await
            .unwrap();
        assert_eq!((categories, product), (None, None), "{code}");
    }
    let received: Vec<Value> = mock
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| json!(r.url.to_string()))
        .collect();
    assert!(received.is_empty(), "{received:?}");
}

#[tokio::test]
async fn japanese_2021_categories_are_asked_and_served_in_english() {
    let mock = both_versions().await;
    let catalog = long_lived_catalog();
    let acme = target("acme", &mock);

    let jp = catalog
        .categories(&acme, V2021, Language::Jp, "7160")
        .await
        .unwrap()
        .unwrap();

    assert_eq!(json_of(&jp)["language"], "en");
    let sent = mock.received_requests().await.unwrap();
    let asked = sent
        .iter()
        .find(|r| String::from_utf8_lossy(&r.body).contains("ProductId=7160"))
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .unwrap();
    assert!(asked.contains("Language=en"), "{asked}");
}
