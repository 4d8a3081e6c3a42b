//! Browser-facing hardening: `X-Content-Type-Options: nosniff` on every answer, the Swagger UI
//! under its Content-Security-Policy (no inline script, each inline style allowed by the hash
//! of its exact bytes, the token never persisted), and `server.docs_enabled = false` removing
//! the UI while the OpenAPI document stays.

use base64::Engine as _;
use reqwest::Method;
use sha2::{Digest as _, Sha256};

use super::{ORIGIN, get_public, header};
use crate::support::{READ_WRITE, TestGateway, demo_config, problem};

/// The policy of every `/docs` response, written out: this is the contract, not a copy of the
/// constant.
const CSP: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// Every value of header `name`.
fn all(response: &reqwest::Response, name: &str) -> Vec<String> {
    response
        .headers()
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn every_response_carries_nosniff_api_errors_metrics_and_docs() {
    let config = demo_config("").replace(
        "[server]\n",
        &format!("[server]\ncors_allowed_origins = [\"{ORIGIN}\"]\n"),
    );
    let gateway = TestGateway::start(&config).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let url = |path: &str| format!("{}{path}", gateway.url);
    let send = |method: Method, path: &str, with_token: bool| {
        let mut request = gateway.http.request(method, url(path));
        if with_token {
            request = request.bearer_auth(&token);
        }
        request
    };
    let cases: Vec<(&str, reqwest::RequestBuilder, u16)> = vec![
        ("products", send(Method::GET, "/products", true), 200),
        ("no token", send(Method::GET, "/products", false), 401),
        (
            "unknown route",
            send(Method::GET, "/no/such/route", true),
            404,
        ),
        ("wrong method", send(Method::POST, "/products", false), 405),
        (
            "invented method",
            send(Method::from_bytes(b"XQWERTYUI").unwrap(), "/products", true),
            405,
        ),
        (
            "not json",
            send(Method::POST, "/tickets", true).body("x=1"),
            415,
        ),
        (
            "refused preflight",
            send(Method::OPTIONS, "/tickets", false)
                .header("origin", "https://evil.example")
                .header("access-control-request-method", "POST"),
            400,
        ),
        ("metrics", send(Method::GET, "/metrics", false), 200),
        ("healthz", send(Method::GET, "/healthz", false), 200),
        ("openapi", send(Method::GET, "/openapi.json", false), 200),
        ("docs redirect", send(Method::GET, "/docs", false), 308),
        ("docs page", send(Method::GET, "/docs/", false), 200),
        (
            "docs asset",
            send(Method::GET, "/docs/swagger-ui.css", false),
            200,
        ),
        (
            "missing docs asset",
            send(Method::GET, "/docs/no-such.js", false),
            404,
        ),
    ];

    for (what, request, status) in cases {
        let response = request.send().await.unwrap();

        assert_eq!(response.status(), status, "{what}");
        assert_eq!(
            all(&response, "x-content-type-options"),
            ["nosniff"],
            "{what}"
        );
    }
}

#[tokio::test]
async fn docs_pages_carry_the_exact_csp_and_have_no_inline_script() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let docs = format!("{}/docs/", gateway.url);

    for page in ["", "index.html", "oauth2-redirect.html", "swagger-ui.css"] {
        let response = get_public(&gateway, &format!("{docs}{page}")).await;

        assert_eq!(response.status(), 200, "{page}");
        assert_eq!(all(&response, "content-security-policy"), [CSP], "{page}");
        let body = response.text().await.unwrap();
        if page.ends_with(".css") {
            continue;
        }
        // Every script element loads a file: inline code would need 'unsafe-inline'.
        let scripts: Vec<&str> = body.split("<script").skip(1).collect();
        assert!(!scripts.is_empty(), "{page}");
        for script in scripts {
            let tag = &script[..script.find('>').unwrap()];
            assert!(tag.contains(" src="), "{page}: inline <script{tag}>");
            assert!(
                script[tag.len() + 1..]
                    .trim_start()
                    .starts_with("</script>"),
                "{page}: script with a body"
            );
        }
        assert!(!body.contains("<style"), "{page}: inline <style>");
    }
    let redirect = get_public(&gateway, &format!("{}/docs", gateway.url)).await;
    assert_eq!(all(&redirect, "content-security-policy"), [CSP]);
    let api = get_public(&gateway, &format!("{}/healthz", gateway.url)).await;
    assert_eq!(header(&api, "content-security-policy"), None);
}

/// The string literals of every `<style>` element the script renders
/// (`createElement("style",null,"…")` in the minified bundles).
fn rendered_styles(script: &str) -> Vec<String> {
    const MARK: &str = "createElement(\"style\",null,\"";
    script
        .match_indices(MARK)
        .map(|(at, _)| {
            let rest = &script[at + MARK.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

#[tokio::test]
async fn every_inline_style_the_ui_renders_is_allowed_by_its_hash_and_nothing_persists() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let docs = format!("{}/docs/", gateway.url);
    let mut styles = Vec::new();

    for script in ["swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"] {
        let response = get_public(&gateway, &format!("{docs}{script}")).await;
        assert_eq!(response.status(), 200, "{script}");
        styles.extend(rendered_styles(&response.text().await.unwrap()));
    }

    assert_eq!(
        styles,
        [".logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3{fill:#85ea2d}"]
    );
    for style in &styles {
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(style));
        assert!(CSP.contains(&format!("'sha256-{hash}'")), "{style}: {hash}");
    }
    let initializer = get_public(&gateway, &format!("{docs}swagger-initializer.js"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        initializer.contains(r#""persistAuthorization": false"#),
        "{initializer}"
    );
    assert!(
        initializer.contains(r#""validatorUrl": "none""#),
        "{initializer}"
    );
}

#[tokio::test]
async fn docs_enabled_false_removes_the_ui_and_keeps_the_openapi_document() {
    let config = demo_config("").replace("[server]\n", "[server]\ndocs_enabled = false\n");
    let gateway = TestGateway::start(&config).await;

    for path in [
        "/docs",
        "/docs/",
        "/docs/index.html",
        "/docs/swagger-ui.css",
    ] {
        let response = get_public(&gateway, &format!("{}{path}", gateway.url)).await;

        assert_eq!(header(&response, "content-security-policy"), None, "{path}");
        problem(response, 404, "not_found").await;
    }
    let document = get_public(&gateway, &format!("{}/openapi.json", gateway.url)).await;
    assert_eq!(document.status(), 200);
    let body: serde_json::Value = document.json().await.unwrap();
    assert_eq!(body["info"]["title"], "workorder-gateway");
}
