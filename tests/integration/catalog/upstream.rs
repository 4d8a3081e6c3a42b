//! What the fake upstream (`support::fake_upstream`) answers in the catalog tests: realistic
//! `ListProducts` and `ListCategories` data, and failures; it counts the calls.

use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{body_string_contains, method, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};
use workorder_api::SignatureVersion;
use workorder_gateway::catalog::{Catalog, CatalogSettings};
use workorder_gateway::clock::Clock;
use workorder_gateway::upstream::{ClientSettings, RetryPolicy, Target, UpstreamClient};

use crate::support::fake_upstream::{self, Kind, success};

pub use crate::support::fake_upstream::calls;

/// A client that tries once, so every catalog fetch is exactly one received request.
pub fn client() -> UpstreamClient {
    UpstreamClient::new(ClientSettings {
        retry: RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        },
        ..ClientSettings::default()
    })
    .expect("client")
}

/// A catalog with `ttl` and `stale` on a manual clock, and that clock: time passes for the
/// catalog only when the test advances it.
pub fn catalog(ttl: Duration, stale: Duration) -> (Catalog, Clock) {
    let clock = Clock::manual();
    let catalog = Catalog::new(
        client(),
        CatalogSettings {
            ttl,
            stale,
            max_entries: 100,
        },
        clock.clone(),
        &workorder_gateway::telemetry::Metrics::new(),
    );
    (catalog, clock)
}

/// A catalog whose entries stay fresh for the whole test (its clock never moves).
pub fn long_lived_catalog() -> Catalog {
    catalog(Duration::from_secs(600), Duration::from_secs(86_400)).0
}

/// Tenant `tenant` pointed at the fake upstream.
pub fn target(tenant: &str, mock: &MockServer) -> Target {
    Target {
        tenant: tenant.to_owned(),
        ..fake_upstream::target(&mock.uri(), SignatureVersion::V1, Kind::AccessKey)
    }
}

/// The `ListProducts` data of the reference document's shape: `ecs` both hot and grouped,
/// consultation products with numeric `Id`s only.
pub fn products_data(ecs_name: &str) -> Value {
    json!({
        "HotTech": [
            { "ProductCode": "ecs", "Name": ecs_name,
              "Description": "服务器无法远程、网站无法访问、安全等服务器咨询或技术问题" }
        ],
        "TechMore": [
            { "GroupName": "弹性计算", "ProductList": [
                { "ProductCode": "slb", "Name": "负载均衡", "Description": "无法配置SLB、负载不均衡、健康检查异常等问题" },
                { "ProductCode": "ecs", "Name": ecs_name, "Description": "服务器无法远程" }
            ] },
            { "GroupName": "存储与CDN", "ProductList": [
                { "ProductCode": "oss", "Name": "对象存储 OSS", "Description": "对象存储 OSS" }
            ] }
        ],
        "HotConsultation": [
            { "Id": 1193, "Name": "财务类", "Description": "订单, 提现, 发票, 汇款, 代金券等相关问题" }
        ],
        "ConsultationMore": [
            { "Id": 76, "Name": "备案", "Description": "备案咨询、补偿、退款、等相关问题" }
        ]
    })
}

/// `ListProducts` answers `ecs_name` for ECS after `delay`.
pub async fn mount_products(mock: &MockServer, ecs_name: &str, delay: Duration) {
    Mock::given(method("POST"))
        .and(query_param("Action", "ListProducts"))
        .respond_with(success("RID-PRODUCTS", products_data(ecs_name)).set_delay(delay))
        .mount(mock)
        .await;
}

/// `ListProducts` answers 503 `ServiceUnavailable`: the next `times` calls, or all of them.
pub async fn mount_products_outage(mock: &MockServer, times: Option<u64>) {
    let outage = Mock::given(method("POST"))
        .and(query_param("Action", "ListProducts"))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_json(json!({
                    "RequestId": "RID-OUTAGE",
                    "HostId": "workorder.aliyuncs.com",
                    "Code": "ServiceUnavailable",
                    "Message": "The request has failed due to a temporary failure of the server."
                }))
                // Slow enough that concurrent callers find the failing call still in flight: an
                // instant failure could end before the last of them joins, making coalescing a race.
                .set_delay(std::time::Duration::from_millis(150)),
        );
    match times {
        Some(times) => outage.up_to_n_times(times).mount(mock).await,
        None => outage.mount(mock).await,
    }
}

/// `ListCategories` for `product` answers these `(id, name)` pairs after `delay`.
pub async fn mount_categories(
    mock: &MockServer,
    product: &str,
    categories: &[(i64, &str)],
    delay: Duration,
) {
    let list: Vec<Value> = categories
        .iter()
        .map(|(id, name)| json!({ "Id": id, "Name": name }))
        .collect();
    Mock::given(method("POST"))
        .and(query_param("Action", "ListCategories"))
        .and(body_string_contains(format!("ProductCode={product}")))
        .respond_with(success("RID-CATEGORIES", json!({ "List": list })).set_delay(delay))
        .mount(mock)
        .await;
}
