//! Where routes live: `server.base_path`, the `/docs` redirect, Swagger UI and its assets.

use super::{get_public, header};
use crate::support::{READ_WRITE, TestGateway, demo_config, problem};

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
