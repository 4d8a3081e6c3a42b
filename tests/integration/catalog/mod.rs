//! The catalog cache against a wiremock Workorder upstream: bodies, TTL, single flight, stale
//! fallback, no cached errors, tenant isolation. Time is a manual clock the tests advance past
//! a TTL; no test waits for one.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod upstream;
mod versions;

use std::time::Duration;

use futures_util::future::join_all;
use serde_json::{Value, json};
use wiremock::MockServer;
use workorder_api::Language;
use workorder_gateway::catalog::{CacheStatus, CachedDocument, CategoryCheck};
use workorder_gateway::settings::ApiVersion::V2020;
use workorder_gateway::upstream::UpstreamError;

use upstream::{
    calls, catalog, long_lived_catalog, mount_categories, mount_products, mount_products_outage,
    target,
};

const NO_DELAY: Duration = Duration::ZERO;

fn json_of(document: &CachedDocument) -> Value {
    serde_json::from_slice(&document.body).expect("JSON body")
}

#[tokio::test]
async fn products_are_merged_into_one_item_per_code_in_first_appearance_order() {
    let mock = MockServer::start().await;
    mount_products(&mock, "云服务器 ECS", NO_DELAY).await;
    let catalog = long_lived_catalog();

    let document = catalog
        .products(&target("acme", &mock), V2020, Language::Zh)
        .await
        .unwrap();

    assert_eq!(
        json_of(&document),
        json!({ "language": "zh", "items": [
            { "code": "ecs", "name": "云服务器 ECS",
              "description": "服务器无法远程、网站无法访问、安全等服务器咨询或技术问题",
              "kind": "technical", "group": "弹性计算", "hot": true },
            { "code": "slb", "name": "负载均衡", "description": "无法配置SLB、负载不均衡、健康检查异常等问题",
              "kind": "technical", "group": "弹性计算", "hot": false },
            { "code": "oss", "name": "对象存储 OSS", "description": "对象存储 OSS",
              "kind": "technical", "group": "存储与CDN", "hot": false },
            { "code": "1193", "name": "财务类", "description": "订单, 提现, 发票, 汇款, 代金券等相关问题",
              "kind": "consultation", "group": null, "hot": true },
            { "code": "76", "name": "备案", "description": "备案咨询、补偿、退款、等相关问题",
              "kind": "consultation", "group": null, "hot": false }
        ] })
    );
}

#[tokio::test]
async fn a_first_call_misses_and_the_next_hits_the_same_bytes_without_an_upstream_call() {
    let mock = MockServer::start().await;
    mount_products(&mock, "ECS", NO_DELAY).await;
    let catalog = long_lived_catalog();
    let acme = target("acme", &mock);

    let first = catalog.products(&acme, V2020, Language::Zh).await.unwrap();
    let second = catalog.products(&acme, V2020, Language::Zh).await.unwrap();

    assert_eq!(first.status, CacheStatus::Miss);
    assert_eq!(first.upstream_request_id.as_deref(), Some("RID-PRODUCTS"));
    assert_eq!(second.status, CacheStatus::Hit);
    assert_eq!(
        second.upstream_request_id, None,
        "a hit involves no upstream call"
    );
    assert_eq!(second.etag, first.etag);
    assert!(
        std::ptr::eq(second.body.as_ptr(), first.body.as_ptr()),
        "a hit shares the bytes serialized at fetch time"
    );
    assert!(second.max_age <= first.max_age && second.max_age > Duration::from_secs(590));
    assert_eq!(calls(&mock, "ListProducts").await, 1);
}

#[tokio::test]
async fn products_are_cached_per_language() {
    let mock = MockServer::start().await;
    mount_products(&mock, "ECS", NO_DELAY).await;
    let catalog = long_lived_catalog();
    let acme = target("acme", &mock);

    let zh = catalog.products(&acme, V2020, Language::Zh).await.unwrap();
    let en = catalog.products(&acme, V2020, Language::En).await.unwrap();
    let zh_again = catalog.products(&acme, V2020, Language::Zh).await.unwrap();

    assert_eq!(en.status, CacheStatus::Miss);
    assert_eq!(json_of(&en)["language"], "en");
    assert_ne!(zh.etag, en.etag);
    assert_eq!(zh_again.status, CacheStatus::Hit);
    assert_eq!(calls(&mock, "ListProducts").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_callers_on_a_cold_key_make_one_upstream_call() {
    let mock = MockServer::start().await;
    mount_products(&mock, "ECS", Duration::from_millis(300)).await;
    let catalog = long_lived_catalog();
    let acme = target("acme", &mock);

    let tasks = (0..50).map(|_| {
        let (catalog, acme) = (catalog.clone(), acme.clone());
        tokio::spawn(async move { catalog.products(&acme, V2020, Language::Zh).await })
    });
    let documents: Vec<CachedDocument> = join_all(tasks)
        .await
        .into_iter()
        .map(|joined| joined.unwrap().unwrap())
        .collect();

    assert_eq!(calls(&mock, "ListProducts").await, 1);
    assert_eq!(documents.len(), 50);
    assert!(documents.iter().all(|d| d.etag == documents[0].etag));
    assert!(documents.iter().all(|d| d.status == CacheStatus::Miss));
}

#[tokio::test]
async fn errors_are_not_cached_and_the_next_call_fetches_again() {
    let mock = MockServer::start().await;
    mount_products_outage(&mock, Some(1)).await;
    mount_products(&mock, "ECS", NO_DELAY).await;
    let catalog = long_lived_catalog();
    let acme = target("acme", &mock);

    let failed = catalog.products(&acme, V2020, Language::Zh).await;
    let recovered = catalog.products(&acme, V2020, Language::Zh).await.unwrap();

    let error = failed.unwrap_err();
    assert!(matches!(error, UpstreamError::Unavailable(_)), "{error}");
    assert_eq!(error.request_id(), Some("RID-OUTAGE"));
    assert_eq!(recovered.status, CacheStatus::Miss);
    assert_eq!(calls(&mock, "ListProducts").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_on_a_failing_cold_key_share_one_failed_call() {
    let mock = MockServer::start().await;
    mount_products_outage(&mock, None).await;
    let catalog = long_lived_catalog();
    let acme = target("acme", &mock);

    let results = join_all((0..20).map(|_| catalog.products(&acme, V2020, Language::Zh))).await;

    assert!(
        results
            .iter()
            .all(|r| matches!(r, Err(UpstreamError::Unavailable(_))))
    );
    assert_eq!(
        calls(&mock, "ListProducts").await,
        1,
        "coalesced, not 20 calls"
    );
}

#[tokio::test]
async fn after_the_ttl_the_value_is_fetched_again() {
    let mock = MockServer::start().await;
    mount_products(&mock, "ECS", NO_DELAY).await;
    let (catalog, clock) = catalog(Duration::from_secs(300), Duration::from_secs(60));
    let acme = target("acme", &mock);

    catalog.products(&acme, V2020, Language::Zh).await.unwrap();
    clock.advance(Duration::from_millis(299_999));
    let cached = catalog.products(&acme, V2020, Language::Zh).await.unwrap();
    clock.advance(Duration::from_millis(1));
    let refreshed = catalog.products(&acme, V2020, Language::Zh).await.unwrap();

    assert_eq!(
        (cached.status, cached.max_age),
        (CacheStatus::Hit, Duration::from_millis(1))
    );
    assert_eq!(refreshed.status, CacheStatus::Miss);
    assert_eq!(refreshed.max_age, Duration::from_secs(300));
    assert_eq!(calls(&mock, "ListProducts").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_callers_after_the_ttl_make_one_refresh_call() {
    let mock = MockServer::start().await;
    mount_products(&mock, "ECS", Duration::from_millis(200)).await;
    let (catalog, clock) = catalog(Duration::from_secs(300), Duration::from_secs(60));
    let acme = target("acme", &mock);
    catalog.products(&acme, V2020, Language::Zh).await.unwrap();
    clock.advance(Duration::from_secs(300));

    let tasks = (0..50).map(|_| {
        let (catalog, acme) = (catalog.clone(), acme.clone());
        tokio::spawn(async move { catalog.products(&acme, V2020, Language::Zh).await })
    });
    for joined in join_all(tasks).await {
        joined.unwrap().unwrap();
    }

    assert_eq!(calls(&mock, "ListProducts").await, 2);
}

#[tokio::test]
async fn a_failed_refresh_serves_the_last_good_value_as_stale() {
    let mock = MockServer::start().await;
    mount_products(&mock, "ECS", NO_DELAY).await;
    let (catalog, clock) = catalog(Duration::from_secs(300), Duration::from_secs(60));
    let acme = target("acme", &mock);
    let good = catalog.products(&acme, V2020, Language::Zh).await.unwrap();
    mock.reset().await;
    mount_products_outage(&mock, None).await;
    clock.advance(Duration::from_secs(300));

    let stale = catalog.products(&acme, V2020, Language::Zh).await.unwrap();

    assert_eq!(stale.status, CacheStatus::Stale);
    assert_eq!(stale.max_age, Duration::ZERO);
    assert_eq!((stale.body, stale.etag), (good.body, good.etag));
    assert_eq!(stale.upstream_request_id.as_deref(), Some("RID-OUTAGE"));
    assert_eq!(
        calls(&mock, "ListProducts").await,
        1,
        "the refresh was attempted"
    );
}

#[tokio::test]
async fn beyond_the_stale_window_the_refresh_error_is_returned() {
    let mock = MockServer::start().await;
    mount_products(&mock, "ECS", NO_DELAY).await;
    let (catalog, clock) = catalog(Duration::from_secs(200), Duration::from_secs(200));
    let acme = target("acme", &mock);
    catalog.products(&acme, V2020, Language::Zh).await.unwrap();
    mock.reset().await;
    mount_products_outage(&mock, None).await;
    clock.advance(Duration::from_millis(399_999));
    let last_moment = catalog.products(&acme, V2020, Language::Zh).await.unwrap();
    clock.advance(Duration::from_millis(1));

    let result = catalog.products(&acme, V2020, Language::Zh).await;

    assert_eq!(last_moment.status, CacheStatus::Stale, "within ttl + stale");
    assert!(matches!(result, Err(UpstreamError::Unavailable(_))));
}

#[tokio::test]
async fn a_recovered_upstream_replaces_the_stale_value() {
    let mock = MockServer::start().await;
    mount_products(&mock, "ECS old", NO_DELAY).await;
    let (catalog, clock) = catalog(Duration::from_secs(300), Duration::from_secs(60));
    let acme = target("acme", &mock);
    let old = catalog.products(&acme, V2020, Language::Zh).await.unwrap();
    mock.reset().await;
    mount_products_outage(&mock, Some(1)).await;
    mount_products(&mock, "ECS new", NO_DELAY).await;
    clock.advance(Duration::from_secs(300));

    let stale = catalog.products(&acme, V2020, Language::Zh).await.unwrap();
    let fresh = catalog.products(&acme, V2020, Language::Zh).await.unwrap();

    assert_eq!(stale.status, CacheStatus::Stale);
    assert_eq!(fresh.status, CacheStatus::Miss);
    assert_ne!(fresh.etag, old.etag);
    assert_eq!(json_of(&fresh)["items"][0]["name"], "ECS new");
}

#[tokio::test]
async fn tenants_never_see_each_others_entries() {
    let (mock_a, mock_b) = (MockServer::start().await, MockServer::start().await);
    mount_products(&mock_a, "ECS of A", NO_DELAY).await;
    mount_products(&mock_b, "ECS of B", NO_DELAY).await;
    mount_categories(&mock_a, "ecs", &[(1, "A only")], NO_DELAY).await;
    mount_categories(&mock_b, "ecs", &[(2, "B only")], NO_DELAY).await;
    let catalog = long_lived_catalog();
    let (a, b) = (target("tenant-a", &mock_a), target("tenant-b", &mock_b));

    let products_a = catalog.products(&a, V2020, Language::Zh).await.unwrap();
    let products_b = catalog.products(&b, V2020, Language::Zh).await.unwrap();
    let categories_a = catalog
        .categories(&a, V2020, Language::Zh, "ecs")
        .await
        .unwrap();
    let categories_b = catalog
        .categories(&b, V2020, Language::Zh, "ecs")
        .await
        .unwrap();
    let check_b = catalog
        .check_category(&b, V2020, Language::Zh, "ecs", 1)
        .await
        .unwrap()
        .check;

    assert_eq!(products_b.status, CacheStatus::Miss);
    assert_eq!(json_of(&products_a)["items"][0]["name"], "ECS of A");
    assert_eq!(json_of(&products_b)["items"][0]["name"], "ECS of B");
    assert_eq!(json_of(&categories_a.unwrap())["items"][0]["id"], 1);
    assert_eq!(json_of(&categories_b.unwrap())["items"][0]["id"], 2);
    assert_eq!(check_b, CategoryCheck::CategoryNotInProduct);
    assert_eq!(calls(&mock_a, "ListProducts").await, 1);
    assert_eq!(calls(&mock_b, "ListProducts").await, 1);
}

#[tokio::test]
async fn one_product_is_served_as_its_item_and_an_unknown_code_as_none() {
    let mock = MockServer::start().await;
    mount_products(&mock, "云服务器 ECS", NO_DELAY).await;
    let catalog = long_lived_catalog();
    let acme = target("acme", &mock);

    let ecs = catalog
        .product(&acme, V2020, Language::Zh, "ecs")
        .await
        .unwrap();
    let unknown = catalog
        .product(&acme, V2020, Language::Zh, "nope")
        .await
        .unwrap();
    let ecs_again = catalog
        .product(&acme, V2020, Language::Zh, "ecs")
        .await
        .unwrap();

    let ecs = ecs.expect("ecs is in the catalog");
    assert_eq!(
        json_of(&ecs),
        json!({ "code": "ecs", "name": "云服务器 ECS",
                "description": "服务器无法远程、网站无法访问、安全等服务器咨询或技术问题",
                "kind": "technical", "group": "弹性计算", "hot": true })
    );
    assert!(unknown.is_none());
    let ecs_again = ecs_again.unwrap();
    assert_eq!(ecs_again.status, CacheStatus::Hit);
    assert_eq!(ecs_again.etag, ecs.etag);
    assert_eq!(calls(&mock, "ListProducts").await, 1);
}

#[tokio::test]
async fn categories_of_a_known_product_are_fetched_once_per_product_and_language() {
    let mock = MockServer::start().await;
    mount_products(&mock, "ECS", NO_DELAY).await;
    mount_categories(
        &mock,
        "ecs",
        &[(793, "ECS无法远程"), (794, "ECS计费")],
        NO_DELAY,
    )
    .await;
    mount_categories(&mock, "oss", &[(900, "OSS权限")], NO_DELAY).await;
    let catalog = long_lived_catalog();
    let acme = target("acme", &mock);

    let ecs = catalog
        .categories(&acme, V2020, Language::Zh, "ecs")
        .await
        .unwrap();
    let ecs_again = catalog
        .categories(&acme, V2020, Language::Zh, "ecs")
        .await
        .unwrap();
    let oss = catalog
        .categories(&acme, V2020, Language::Zh, "oss")
        .await
        .unwrap();
    let ecs_en = catalog
        .categories(&acme, V2020, Language::En, "ecs")
        .await
        .unwrap();

    let ecs = ecs.unwrap();
    assert_eq!(
        json_of(&ecs),
        json!({ "language": "zh", "items": [
            { "id": 793, "name": "ECS无法远程" }, { "id": 794, "name": "ECS计费" }
        ] })
    );
    assert_eq!(ecs.status, CacheStatus::Miss);
    assert_eq!(ecs.upstream_request_id.as_deref(), Some("RID-CATEGORIES"));
    assert_eq!(ecs_again.unwrap().status, CacheStatus::Hit);
    assert_eq!(json_of(&oss.unwrap())["items"][0]["id"], 900);
    assert_eq!(json_of(&ecs_en.unwrap())["language"], "en");
    assert_eq!(calls(&mock, "ListCategories").await, 3);
}

#[tokio::test]
async fn categories_of_an_unknown_product_are_none_without_a_list_categories_call() {
    let mock = MockServer::start().await;
    mount_products(&mock, "ECS", NO_DELAY).await;
    mount_categories(&mock, "rds", &[(1, "RDS")], NO_DELAY).await;
    let catalog = long_lived_catalog();

    let categories = catalog
        .categories(&target("acme", &mock), V2020, Language::Zh, "rds")
        .await
        .unwrap();

    assert!(categories.is_none());
    assert_eq!(calls(&mock, "ListCategories").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_category_callers_make_one_call_of_each_kind() {
    let mock = MockServer::start().await;
    mount_products(&mock, "ECS", Duration::from_millis(150)).await;
    mount_categories(
        &mock,
        "ecs",
        &[(793, "ECS无法远程")],
        Duration::from_millis(150),
    )
    .await;
    let catalog = long_lived_catalog();
    let acme = target("acme", &mock);

    let tasks = (0..50).map(|_| {
        let (catalog, acme) = (catalog.clone(), acme.clone());
        tokio::spawn(async move { catalog.categories(&acme, V2020, Language::Zh, "ecs").await })
    });
    for joined in join_all(tasks).await {
        assert!(joined.unwrap().unwrap().is_some());
    }

    assert_eq!(calls(&mock, "ListProducts").await, 1);
    assert_eq!(calls(&mock, "ListCategories").await, 1);
}

#[tokio::test]
async fn category_checks_tell_valid_unknown_product_and_foreign_category_apart() {
    let mock = MockServer::start().await;
    mount_products(&mock, "ECS", NO_DELAY).await;
    mount_categories(&mock, "ecs", &[(793, "ECS无法远程")], NO_DELAY).await;
    mount_categories(&mock, "oss", &[(900, "OSS权限")], NO_DELAY).await;
    let catalog = long_lived_catalog();
    let acme = target("acme", &mock);

    let cases = [
        ("ecs", 793, CategoryCheck::Valid),
        ("ecs", 900, CategoryCheck::CategoryNotInProduct),
        ("oss", 900, CategoryCheck::Valid),
        ("rds", 793, CategoryCheck::UnknownProduct),
    ];
    for (product, category, expected) in cases {
        let check = catalog
            .check_category(&acme, V2020, Language::Zh, product, category)
            .await
            .unwrap()
            .check;
        assert_eq!(check, expected, "{product} / {category}");
    }
    assert_eq!(calls(&mock, "ListProducts").await, 1);
    assert_eq!(calls(&mock, "ListCategories").await, 2);
}

#[tokio::test]
async fn invalidating_a_tenant_refetches_its_entries_and_keeps_the_others() {
    let mock = MockServer::start().await;
    mount_products(&mock, "ECS", NO_DELAY).await;
    let catalog = long_lived_catalog();
    let (acme, globex) = (target("acme", &mock), target("globex", &mock));
    catalog.products(&acme, V2020, Language::Zh).await.unwrap();
    catalog
        .products(&globex, V2020, Language::Zh)
        .await
        .unwrap();

    catalog.invalidate_tenant("acme");
    let acme_after = catalog.products(&acme, V2020, Language::Zh).await.unwrap();
    let globex_after = catalog
        .products(&globex, V2020, Language::Zh)
        .await
        .unwrap();

    assert_eq!(acme_after.status, CacheStatus::Miss);
    assert_eq!(globex_after.status, CacheStatus::Hit);
    assert_eq!(calls(&mock, "ListProducts").await, 3);
}

#[tokio::test]
async fn an_invalidated_tenant_gets_no_stale_fallback() {
    let mock = MockServer::start().await;
    mount_products(&mock, "ECS", NO_DELAY).await;
    let catalog = long_lived_catalog();
    let acme = target("acme", &mock);
    catalog.products(&acme, V2020, Language::Zh).await.unwrap();
    mock.reset().await;
    mount_products_outage(&mock, None).await;

    catalog.invalidate_tenant("acme");
    let result = catalog.products(&acme, V2020, Language::Zh).await;

    assert!(matches!(result, Err(UpstreamError::Unavailable(_))));
}
