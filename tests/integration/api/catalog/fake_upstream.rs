//! Against the fake upstream (`support::fake_upstream`: it counts calls, and answers slowly or
//! fails where asked), as a plain-http tenant endpoint:
//! single flight, errors not cached, and one cache per tenant.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::future::join_all;
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::{ONE_ATTEMPT, get, header};
use crate::support::fake_upstream::{calls, error_answer, success};
use crate::support::{TestGateway, demo_config, problem};

/// A Workorder double answering `ListProducts` with `products` (after `delay`) and
/// `ListCategories` with one category, or `500 System.error` to both while failing.
struct FakeWorkorder {
    server: MockServer,
    failing: Arc<AtomicBool>,
}

struct Answer {
    products: Value,
    delay: Duration,
    failing: Arc<AtomicBool>,
}

impl Respond for Answer {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let action = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "Action")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        if self.failing.load(Ordering::SeqCst) {
            return error_answer(500, "System.error", "system error");
        }
        let data = match action.as_str() {
            "ListProducts" => self.products.clone(),
            "ListCategories" => json!({ "List": [ { "Id": 9001, "Name": "Cannot log in" } ] }),
            _ => return ResponseTemplate::new(400),
        };
        success(&format!("FAKE-{action}"), data).set_delay(self.delay)
    }
}

impl FakeWorkorder {
    /// A double listing `ecs` (named `ecs_name`) and `extra_code`.
    async fn start(ecs_name: &str, extra_code: &str, delay: Duration) -> Self {
        let products = json!({
            "HotTech": [ { "ProductCode": "ecs", "Name": ecs_name, "Description": "servers" } ],
            "TechMore": [ { "GroupName": "Compute", "ProductList": [
                { "ProductCode": "ecs", "Name": ecs_name, "Description": "servers" },
                { "ProductCode": extra_code, "Name": "Special", "Description": "only here" }
            ] } ],
            "HotConsultation": [ { "ProductCode": "billing", "Name": "Billing", "Description": "invoices" } ],
            "ConsultationMore": []
        });
        let server = MockServer::start().await;
        let failing = Arc::new(AtomicBool::new(false));
        Mock::given(method("POST"))
            .respond_with(Answer {
                products,
                delay,
                failing: failing.clone(),
            })
            .mount(&server)
            .await;
        Self { server, failing }
    }

    /// A tenant table pointing at this double.
    fn tenant(&self, id: &str) -> String {
        format!(
            "[tenants.{id}]\nendpoint = \"{}\"\nsimulator = true\naccess_key_id = \"LTAI{id}\"\n\
             access_key_secret = \"{id}-secret\"\ndefault_email = \"ops@{id}.example\"\n",
            self.server.uri()
        )
    }

    async fn calls(&self, action: &str) -> usize {
        calls(&self.server, action).await
    }
}

/// Issue 12's bound: a thousand concurrent cold requests (one connection each) still make
/// exactly one upstream call, and all get the same document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_cold_requests_make_one_upstream_call() {
    let upstream = FakeWorkorder::start("ECS", "special", Duration::from_millis(400)).await;
    let gateway = TestGateway::start(&demo_config(&upstream.tenant("acme"))).await;

    let responses = join_all((0..1000).map(|_| get(&gateway, "acme", "/products", &[]))).await;

    let mut etags = HashSet::new();
    for response in &responses {
        assert_eq!(response.status(), 200);
        etags.insert(header(response, "etag"));
    }
    assert_eq!(etags.len(), 1, "everyone got the same document");
    assert_eq!(upstream.calls("ListProducts").await, 1);
}

#[tokio::test]
async fn upstream_failure_of_a_fake_workorder_is_not_cached_either() {
    let upstream = FakeWorkorder::start("ECS", "special", Duration::ZERO).await;
    let gateway = TestGateway::start(&demo_config(&format!(
        "{ONE_ATTEMPT}{}",
        upstream.tenant("acme")
    )))
    .await;
    upstream.failing.store(true, Ordering::SeqCst);

    let failed = get(&gateway, "acme", "/products", &[]).await;
    upstream.failing.store(false, Ordering::SeqCst);
    let next = get(&gateway, "acme", "/products", &[]).await;

    let upstream_id = header(&failed, "x-upstream-request-id");
    let body = problem(failed, 502, "upstream_error").await;
    assert_eq!(body["upstreamRequestId"], upstream_id.as_str());
    assert_eq!(body["upstreamRequestId"], "REQ-System.error", "{body}");
    assert_eq!(next.status(), 200);
    assert_eq!(header(&next, "x-cache"), "MISS");
    assert_eq!(upstream.calls("ListProducts").await, 2);
}

#[tokio::test]
async fn catalogs_are_cached_per_tenant() {
    let upstream = FakeWorkorder::start("ACME Servers", "acme-special", Duration::ZERO).await;
    let gateway = TestGateway::start(&demo_config(&upstream.tenant("acme"))).await;

    let demo_first = get(&gateway, "demo", "/products/ecs", &[]).await;
    let acme_first = get(&gateway, "acme", "/products/ecs", &[]).await;
    let acme_second = get(&gateway, "acme", "/products/ecs", &[]).await;

    assert_eq!(header(&demo_first, "x-cache"), "MISS");
    assert_eq!(
        header(&acme_first, "x-cache"),
        "MISS",
        "demo's entry is not acme's"
    );
    assert_eq!(header(&acme_second, "x-cache"), "HIT");
    assert_ne!(header(&demo_first, "etag"), header(&acme_first, "etag"));
    let demo_ecs: Value = demo_first.json().await.unwrap();
    let acme_ecs: Value = acme_first.json().await.unwrap();
    assert_eq!(demo_ecs["name"], "云服务器 ECS");
    assert_eq!(acme_ecs["name"], "ACME Servers");
    assert_eq!(acme_ecs["group"], "Compute");
    assert_eq!(
        get(&gateway, "acme", "/products/acme-special", &[])
            .await
            .status(),
        200
    );
    problem(
        get(&gateway, "demo", "/products/acme-special", &[]).await,
        404,
        "product_not_found",
    )
    .await;
    assert_eq!(upstream.calls("ListProducts").await, 1);
}
