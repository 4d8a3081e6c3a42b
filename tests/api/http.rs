//! HTTP behaviour around the resources: request ids, `X-Upstream-Request-Id`, CORS,
//! `server.base_path`, the self-hosted Swagger UI, the public operational routes (health,
//! readiness during shutdown, metrics) and `traceparent`.

use std::time::Duration;

use crate::support::{READ_WRITE, TestGateway, demo_config, problem};

const ORIGIN: &str = "https://support.example.com";

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

/// `GET path` (relative to the gateway URL) with a valid token and extra headers.
async fn get_with(
    gateway: &TestGateway,
    path: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = gateway
        .http
        .get(format!("{}{path}", gateway.url))
        .bearer_auth(gateway.token("demo", "alice", READ_WRITE));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

/// `GET url` without any token.
async fn get_public(gateway: &TestGateway, url: &str) -> reqwest::Response {
    gateway.http.get(url).send().await.unwrap()
}

#[tokio::test]
async fn valid_x_request_id_is_echoed() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let longest = "a".repeat(128);

    for id in ["abc", "Req-1.2_3", "0", longest.as_str()] {
        let ok = get_with(&gateway, "/products", &[("x-request-id", id)]).await;
        let unauthenticated = gateway
            .http
            .get(format!("{}/products", gateway.url))
            .header("x-request-id", id)
            .send()
            .await
            .unwrap();

        assert_eq!(header(&ok, "x-request-id").as_deref(), Some(id));
        let body = problem(unauthenticated, 401, "unauthenticated").await;
        assert_eq!(body["requestId"], id);
    }
}

#[tokio::test]
async fn invalid_x_request_id_is_replaced_with_a_uuid() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let too_long = "a".repeat(129);

    for id in ["", "has space", "a/b", "semi;colon", too_long.as_str()] {
        let response = get_with(&gateway, "/products", &[("x-request-id", id)]).await;

        let echoed = header(&response, "x-request-id").unwrap();
        assert!(uuid::Uuid::parse_str(&echoed).is_ok(), "{id:?} -> {echoed}");
    }
    let without = get_with(&gateway, "/products", &[]).await;
    let generated = header(&without, "x-request-id").unwrap();
    assert!(uuid::Uuid::parse_str(&generated).is_ok(), "{generated}");
}

#[tokio::test]
async fn responses_that_called_the_upstream_carry_its_request_id() {
    let gateway = TestGateway::start(&demo_config("")).await;

    let miss = get_with(&gateway, "/products", &[]).await;
    let hit = get_with(&gateway, "/products", &[]).await;
    let tickets = get_with(&gateway, "/tickets", &[]).await;
    let health = get_public(&gateway, &format!("{}/healthz", gateway.url)).await;

    for called in [&miss, &tickets] {
        let id = header(called, "x-upstream-request-id").expect("x-upstream-request-id");
        assert!(!id.is_empty());
        assert_ne!(Some(id), header(called, "x-request-id"));
    }
    assert_eq!(header(&hit, "x-cache").as_deref(), Some("HIT"));
    assert_eq!(header(&hit, "x-upstream-request-id"), None);
    assert_eq!(header(&health, "x-upstream-request-id"), None);
}

fn cors_config() -> String {
    demo_config("").replace(
        "[server]\n",
        &format!("[server]\ncors_allowed_origins = [\"{ORIGIN}\"]\n"),
    )
}

async fn preflight(gateway: &TestGateway, origin: &str) -> reqwest::Response {
    gateway
        .http
        .request(reqwest::Method::OPTIONS, format!("{}/tickets", gateway.url))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type, x-request-id, traceparent",
        )
        .send()
        .await
        .unwrap()
}

fn list(value: Option<String>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

#[tokio::test]
async fn cors_preflight_from_an_allowed_origin_allows_the_authorization_header() {
    let gateway = TestGateway::start(&cors_config()).await;

    let response = preflight(&gateway, ORIGIN).await;

    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(
        header(&response, "access-control-allow-origin").as_deref(),
        Some(ORIGIN)
    );
    let methods = list(header(&response, "access-control-allow-methods"));
    assert!(
        methods.contains(&"get".into()) && methods.contains(&"post".into()),
        "{methods:?}"
    );
    let allowed = list(header(&response, "access-control-allow-headers"));
    for name in [
        "authorization",
        "content-type",
        "x-request-id",
        "traceparent",
    ] {
        assert!(allowed.contains(&name.to_owned()), "{name} in {allowed:?}");
    }
}

#[tokio::test]
async fn cors_responses_to_an_allowed_origin_expose_the_gateway_headers() {
    let gateway = TestGateway::start(&cors_config()).await;

    let response = get_with(&gateway, "/products", &[("origin", ORIGIN)]).await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "access-control-allow-origin").as_deref(),
        Some(ORIGIN)
    );
    let exposed = list(header(&response, "access-control-expose-headers"));
    for name in ["x-request-id", "x-upstream-request-id", "etag", "x-cache"] {
        assert!(exposed.contains(&name.to_owned()), "{name} in {exposed:?}");
    }
}

#[tokio::test]
async fn cors_gives_an_unlisted_origin_no_allow_origin() {
    let gateway = TestGateway::start(&cors_config()).await;
    let other = "https://evil.example.com";

    let preflight = preflight(&gateway, other).await;
    let simple = get_with(&gateway, "/products", &[("origin", other)]).await;

    assert_eq!(header(&preflight, "access-control-allow-origin"), None);
    assert_eq!(header(&simple, "access-control-allow-origin"), None);
}

#[tokio::test]
async fn cors_refusals_are_problem_documents_with_a_request_id() {
    let gateway = TestGateway::start(&cors_config()).await;

    let unlisted = preflight(&gateway, "https://evil.example.com").await;
    let bad_method = gateway
        .http
        .request(reqwest::Method::OPTIONS, format!("{}/tickets", gateway.url))
        .header("origin", ORIGIN)
        .header("access-control-request-method", "DELETE")
        .send()
        .await
        .unwrap();

    problem(unlisted, 400, "invalid_request").await;
    problem(bad_method, 400, "invalid_request").await;
}

#[tokio::test]
async fn cors_error_responses_to_an_allowed_origin_are_readable_by_the_browser() {
    let gateway = TestGateway::start(&cors_config()).await;

    let response = gateway
        .http
        .get(format!("{}/products", gateway.url))
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap();

    assert_eq!(
        header(&response, "access-control-allow-origin").as_deref(),
        Some(ORIGIN)
    );
    problem(response, 401, "unauthenticated").await;
}

#[tokio::test]
async fn without_configured_origins_no_cors_headers_are_sent() {
    let gateway = TestGateway::start(&demo_config("")).await;

    let response = get_with(&gateway, "/products", &[("origin", ORIGIN)]).await;

    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "access-control-allow-origin"), None);
}

#[tokio::test]
async fn base_path_mounts_every_route_under_it_and_none_at_the_root() {
    let config = demo_config("").replace("[server]\n", "[server]\nbase_path = \"/api\"\n");
    let gateway = TestGateway::start(&config).await;
    let root = format!("http://{}", gateway.addr);
    assert_eq!(gateway.url, format!("{root}/api"));
    let token = gateway.token("demo", "alice", READ_WRITE);
    let paths = [
        ("/healthz", 200),
        ("/readyz", 200),
        ("/metrics", 200),
        ("/products", 200),
        ("/products/ecs", 200),
        ("/products/ecs/categories", 200),
        ("/tickets", 200),
        ("/openapi.json", 200),
        ("/docs", 308),
        ("/docs/", 200),
    ];

    for (path, status) in paths {
        let mounted = gateway
            .http
            .get(format!("{root}/api{path}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let at_root = gateway
            .http
            .get(format!("{root}{path}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();

        assert_eq!(mounted.status(), status, "/api{path}");
        problem(at_root, 404, "not_found").await;
    }
    let redirect = gateway
        .http
        .get(format!("{root}/api/docs"))
        .send()
        .await
        .unwrap();
    assert_eq!(header(&redirect, "location").as_deref(), Some("/api/docs/"));
    let document: serde_json::Value = get_public(&gateway, &format!("{root}/api/openapi.json"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(document["servers"][0]["url"], "/api");
    let created = gateway
        .post_json(
            "/tickets",
            &token,
            &serde_json::json!({ "productCode": "ecs", "categoryId": 793, "content": "hi" }),
        )
        .await;
    assert_eq!(created.status(), 201);
}

#[tokio::test]
async fn docs_redirects_to_docs_slash() {
    let gateway = TestGateway::start(&demo_config("")).await;

    let response = get_public(&gateway, &format!("{}/docs", gateway.url)).await;

    assert_eq!(response.status(), 308);
    assert_eq!(header(&response, "location").as_deref(), Some("/docs/"));
}

/// Every `src="…"` and `href="…"` value of an HTML page.
fn references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(start) = rest.find(attribute) {
            rest = &rest[start + attribute.len()..];
            let end = rest.find('"').unwrap();
            found.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    found
}

#[tokio::test]
async fn swagger_ui_and_its_assets_are_served_by_the_gateway_itself() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let docs = format!("{}/docs/", gateway.url);

    let page = get_public(&gateway, &docs).await;

    assert_eq!(page.status(), 200);
    assert!(
        header(&page, "content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    let assets = references(&html);
    assert!(
        assets.iter().any(|a| a.ends_with(".js")) && assets.iter().any(|a| a.ends_with(".css")),
        "{assets:?}"
    );
    for asset in &assets {
        assert!(
            !asset.contains("//") && !asset.starts_with("data:http"),
            "external reference {asset}"
        );
        let url = reqwest::Url::parse(&docs).unwrap().join(asset).unwrap();
        let response = get_public(&gateway, url.as_str()).await;
        assert_eq!(response.status(), 200, "{url}");
        assert!(!response.bytes().await.unwrap().is_empty(), "{url}");
    }
    let initializer = get_public(&gateway, &format!("{docs}swagger-initializer.js")).await;
    let script = initializer.text().await.unwrap();
    assert!(script.contains("/openapi.json"), "{script}");
    assert!(!script.contains("https://"), "{script}");
}

#[tokio::test]
async fn operational_routes_are_public() {
    let gateway = TestGateway::start(&demo_config("")).await;
    get_with(&gateway, "/products", &[]).await;

    let healthz = get_public(&gateway, &format!("{}/healthz", gateway.url)).await;
    let readyz = get_public(&gateway, &format!("{}/readyz", gateway.url)).await;
    let metrics = get_public(&gateway, &format!("{}/metrics", gateway.url)).await;
    let openapi = get_public(&gateway, &format!("{}/openapi.json", gateway.url)).await;

    assert_eq!(healthz.status(), 200);
    assert_eq!(readyz.status(), 200);
    assert_eq!(openapi.status(), 200);
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.unwrap();
    assert!(text.contains("wog_http_requests_total"), "{text}");
    assert!(text.contains("route=\"/products\""), "{text}");
}

#[tokio::test]
async fn readyz_turns_503_once_shutdown_begins_while_healthz_stays_200() {
    let config = demo_config("").replace("drain_delay_secs = 0", "drain_delay_secs = 2");
    let gateway = TestGateway::start(&config).await;
    let readyz = format!("{}/readyz", gateway.url);
    assert_eq!(get_public(&gateway, &readyz).await.status(), 200);

    let handle = gateway.handle.clone();
    let shutdown = tokio::spawn(async move { handle.shutdown().await });
    let mut status = 200;
    for _ in 0..50 {
        status = get_public(&gateway, &readyz).await.status().as_u16();
        if status == 503 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    assert_eq!(status, 503, "readiness off during the drain");
    let draining = get_public(&gateway, &readyz).await;
    assert_eq!(
        header(&draining, "content-type").as_deref(),
        Some("application/problem+json")
    );
    let healthz = get_public(&gateway, &format!("{}/healthz", gateway.url)).await;
    assert_eq!(healthz.status(), 200, "still alive while draining");
    shutdown.await.unwrap();
}

#[tokio::test]
async fn traceparent_is_accepted_valid_or_not() {
    let gateway = TestGateway::start(&demo_config("")).await;

    for traceparent in [
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "not-a-traceparent",
    ] {
        let response = get_with(&gateway, "/products", &[("traceparent", traceparent)]).await;

        assert_eq!(response.status(), 200, "{traceparent}");
        assert!(header(&response, "x-request-id").is_some());
    }
}
