//! Language precedence: `?lang=` over `Accept-Language` over the tenant default; `ja` is `jp`.

use serde_json::Value;

use super::get;
use crate::support::{TestGateway, demo_config, problem};

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
async fn catalog_answers_vary_on_accept_language_for_shared_caches() {
    let gateway = TestGateway::start(&demo_config("")).await;

    for path in ["/products", "/products/ecs", "/products/ecs/categories"] {
        let response = get(&gateway, "demo", path, &[]).await;

        assert_eq!(response.status(), 200, "{path}");
        let vary = response.headers()["vary"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase();
        assert!(vary.contains("accept-language"), "{path}: vary is {vary:?}");
    }
}
