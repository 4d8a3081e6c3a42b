//! The cached catalog over HTTP: shapes of `/products`, `/products/{code}` and
//! `/products/{code}/categories`; language precedence; `ETag` / 304; `Cache-Control`;
//! `X-Cache` MISS → HIT → STALE; single flight; errors never cached; one cache per tenant.
//! Call counting and slow answers use a wiremock Workorder double (a plain-http tenant
//! endpoint); upstream failures use the embedded sandbox's fault injection.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::future::join_all;
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

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

async fn set_faults(gateway: &TestGateway, faults: Value) {
    let sandbox = gateway.sandbox_url.as_ref().unwrap();
    let response = gateway
        .http
        .put(format!("{sandbox}/_sandbox/faults"))
        .json(&faults)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
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

/// The `language` of `/products` and the name of `ecs` in it.
async fn language_of(
    gateway: &TestGateway,
    path: &str,
    headers: &[(&str, &str)],
) -> (String, String) {
    let response = get(gateway, "demo", path, headers).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let ecs = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "ecs")
        .unwrap()["name"]
        .as_str()
        .unwrap()
        .to_owned();
    (body["language"].as_str().unwrap().to_owned(), ecs)
}

/// The demo configuration with the demo tenant's default language set.
fn tenant_language(language: &str) -> String {
    demo_config("").replace(
        "[tenants.demo]\n",
        &format!("[tenants.demo]\nlanguage = \"{language}\"\n"),
    )
}

#[tokio::test]
async fn lang_query_wins_over_accept_language_and_the_tenant_default() {
    let gateway = TestGateway::start(&tenant_language("jp")).await;

    let (language, en_name) = language_of(
        &gateway,
        "/products?lang=en",
        &[("accept-language", "zh-CN")],
    )
    .await;
    let (_, zh_name) = language_of(&gateway, "/products?lang=zh", &[]).await;

    assert_eq!(language, "en");
    assert_ne!(en_name, zh_name, "names are translated");
}

#[tokio::test]
async fn accept_language_wins_over_the_tenant_default() {
    let gateway = TestGateway::start(&tenant_language("jp")).await;

    let (language, _) = language_of(
        &gateway,
        "/products",
        &[("accept-language", "fr-FR, en-US;q=0.8, zh;q=0.5")],
    )
    .await;

    assert_eq!(language, "en");
}

#[tokio::test]
async fn tenant_default_language_applies_without_lang_or_a_usable_accept_language() {
    let gateway = TestGateway::start(&tenant_language("en")).await;

    let (plain, _) = language_of(&gateway, "/products", &[]).await;
    let (unusable, _) =
        language_of(&gateway, "/products", &[("accept-language", "de-DE, fr")]).await;

    assert_eq!((plain.as_str(), unusable.as_str()), ("en", "en"));
}

#[tokio::test]
async fn ja_means_jp_in_the_query_and_in_accept_language() {
    let gateway = TestGateway::start(&demo_config("")).await;

    let (by_query, query_name) = language_of(&gateway, "/products?lang=ja", &[]).await;
    let (by_header, _) = language_of(&gateway, "/products", &[("accept-language", "ja-JP")]).await;
    let (_, jp_name) = language_of(&gateway, "/products?lang=jp", &[]).await;

    assert_eq!((by_query.as_str(), by_header.as_str()), ("jp", "jp"));
    assert_eq!(query_name, jp_name);
}

#[tokio::test]
async fn unsupported_lang_query_is_400_invalid_request() {
    let gateway = TestGateway::start(&demo_config("")).await;

    for path in [
        "/products?lang=fr",
        "/products?lang=",
        "/products/ecs?lang=xx",
        "/products/ecs/categories?lang=EN-US",
    ] {
        let body = problem(
            get(&gateway, "demo", path, &[]).await,
            400,
            "invalid_request",
        )
        .await;
        assert!(body["detail"].as_str().unwrap().contains("lang"), "{body}");
    }
}

#[tokio::test]
async fn matching_if_none_match_gets_304_with_the_cache_headers() {
    let gateway = TestGateway::start(&demo_config("")).await;
    for path in ["/products", "/products/ecs", "/products/ecs/categories"] {
        let first = get(&gateway, "demo", path, &[]).await;
        let etag = header(&first, "etag");
        assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");

        let exact = get(&gateway, "demo", path, &[("if-none-match", &etag)]).await;
        let in_list = format!("\"other\", {etag}");
        let listed = get(&gateway, "demo", path, &[("if-none-match", &in_list)]).await;
        let weak = format!("W/{etag}");
        let weak = get(&gateway, "demo", path, &[("if-none-match", &weak)]).await;
        let any = get(&gateway, "demo", path, &[("if-none-match", "*")]).await;
        let stale_copy = get(&gateway, "demo", path, &[("if-none-match", "\"other\"")]).await;

        for response in [&exact, &listed, &weak, &any] {
            assert_eq!(response.status(), 304, "{path}");
            assert_eq!(header(response, "etag"), etag);
            assert_eq!(header(response, "x-cache"), "HIT");
            assert!(max_age(response) > 0);
        }
        assert_eq!(stale_copy.status(), 200, "{path}");
        assert_eq!(exact.bytes().await.unwrap().len(), 0);
    }
}

#[tokio::test]
async fn catalog_responses_are_private_with_the_seconds_left_of_the_ttl() {
    let gateway = TestGateway::start(&demo_config("[catalog]\nttl_secs = 120\n")).await;

    let first = get(&gateway, "demo", "/products", &[]).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let later = get(&gateway, "demo", "/products", &[]).await;

    assert!(
        (119..=120).contains(&max_age(&first)),
        "{}",
        max_age(&first)
    );
    assert!(max_age(&later) < max_age(&first));
    assert!(max_age(&later) >= 117);
}

#[tokio::test]
async fn first_request_misses_and_the_next_hits() {
    let gateway = TestGateway::start(&demo_config("")).await;
    for path in ["/products", "/products/ecs/categories", "/products?lang=en"] {
        let first = get(&gateway, "demo", path, &[]).await;
        let second = get(&gateway, "demo", path, &[]).await;

        assert_eq!(header(&first, "x-cache"), "MISS", "{path}");
        assert!(first.headers().contains_key("x-upstream-request-id"));
        assert_eq!(header(&second, "x-cache"), "HIT", "{path}");
        assert_eq!(header(&first, "etag"), header(&second, "etag"));
        assert_eq!(first.bytes().await.unwrap(), second.bytes().await.unwrap());
    }
}

#[tokio::test]
async fn last_good_catalog_is_served_stale_when_the_upstream_fails_after_the_ttl() {
    let config = demo_config(&format!(
        "{ONE_ATTEMPT}[catalog]\nttl_secs = 1\nstale_secs = 60\n"
    ));
    let gateway = TestGateway::start(&config).await;
    let fresh = get(&gateway, "demo", "/products", &[]).await;
    let fresh_etag = header(&fresh, "etag");
    let fresh_body = fresh.bytes().await.unwrap();
    set_faults(&gateway, json!({ "error_rate": 1.0 })).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;

    let stale = get(&gateway, "demo", "/products", &[]).await;

    assert_eq!(stale.status(), 200);
    assert_eq!(header(&stale, "x-cache"), "STALE");
    assert_eq!(header(&stale, "cache-control"), "private, max-age=0");
    assert_eq!(header(&stale, "etag"), fresh_etag);
    assert_eq!(stale.bytes().await.unwrap(), fresh_body);
    // Once the upstream recovers, the next request fetches a fresh copy.
    set_faults(&gateway, json!({})).await;
    let recovered = get(&gateway, "demo", "/products", &[]).await;
    assert_eq!(header(&recovered, "x-cache"), "MISS");
}

#[tokio::test]
async fn upstream_errors_are_not_cached() {
    let gateway = TestGateway::start(&demo_config(ONE_ATTEMPT)).await;
    set_faults(&gateway, json!({ "error_rate": 1.0 })).await;

    let failed = get(&gateway, "demo", "/products", &[]).await;
    set_faults(&gateway, json!({})).await;
    let next = get(&gateway, "demo", "/products", &[]).await;

    problem(failed, 502, "upstream_error").await;
    assert_eq!(next.status(), 200);
    assert_eq!(header(&next, "x-cache"), "MISS");
}

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
        let request_id = format!("FAKE-{action}-{}", uuid::Uuid::new_v4());
        if self.failing.load(Ordering::SeqCst) {
            return ResponseTemplate::new(500).set_body_json(json!({
                "RequestId": request_id, "Code": "System.error", "Message": "system error"
            }));
        }
        let data = match action.as_str() {
            "ListProducts" => self.products.clone(),
            "ListCategories" => json!({ "List": [ { "Id": 9001, "Name": "Cannot log in" } ] }),
            _ => return ResponseTemplate::new(400),
        };
        ResponseTemplate::new(200)
            .insert_header("content-type", "application/json;charset=utf-8")
            .set_body_json(json!({
                "RequestId": request_id, "Code": 200, "Success": true, "Message": "success",
                "Data": data
            }))
            .set_delay(self.delay)
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
            "[tenants.{id}]\nendpoint = \"{}\"\naccess_key_id = \"LTAI{id}\"\n\
             access_key_secret = \"{id}-secret\"\ndefault_email = \"ops@{id}.example\"\n",
            self.server.uri()
        )
    }

    async fn calls(&self, action: &str) -> usize {
        self.server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| {
                r.url
                    .query_pairs()
                    .any(|(k, v)| k == "Action" && v == action)
            })
            .count()
    }
}

#[tokio::test]
async fn fifty_concurrent_cold_requests_make_one_upstream_call() {
    let upstream = FakeWorkorder::start("ECS", "special", Duration::from_millis(400)).await;
    let gateway = TestGateway::start(&demo_config(&upstream.tenant("acme"))).await;

    let responses = join_all((0..50).map(|_| get(&gateway, "acme", "/products", &[]))).await;

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
    assert!(
        body["upstreamRequestId"]
            .as_str()
            .unwrap()
            .starts_with("FAKE-ListProducts-"),
        "{body}"
    );
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
