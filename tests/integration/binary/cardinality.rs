//! `/metrics` cannot be grown from outside: a thousand requests with invented methods and
//! invented paths, with and without a token (and CORS preflights for invented paths), add not
//! one series. Runs the real binary, so the registry (one per process) holds only this
//! gateway's traffic and the count is exact.

use reqwest::Method;

use super::{EMAIL, Gateway, config, free_port};
use crate::support::{READ_WRITE, account, start_sandbox, token};

const ORIGIN: &str = "https://support.example.com";

/// Real routes (templates with invented values included), all hit with invented methods.
const ROUTES: [&str; 7] = [
    "/products",
    "/tickets",
    "/tickets/TK-invented/notes",
    "/metrics",
    "/healthz",
    "/openapi.json",
    "/docs/",
];

/// The identity (`name{labels}`) of every `wog_` sample line.
fn series(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| line.starts_with("wog_"))
        .map(|line| line.rsplit_once(' ').map_or(line, |(id, _)| id).to_owned())
        .collect()
}

async fn scrape(gateway: &Gateway) -> Vec<String> {
    let response = gateway
        .http
        .get(format!("{}/metrics", gateway.url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    series(&response.text().await.unwrap())
}

/// Hostile request number `i`: each kind recurs every six requests, each with a method and a
/// path nobody has sent before.
async fn hostile(gateway: &Gateway, token: &str, i: usize) {
    let fresh = uuid::Uuid::new_v4().simple().to_string();
    let invented =
        Method::from_bytes(format!("XQ{}", fresh[..10].to_uppercase()).as_bytes()).unwrap();
    let invented_path = format!("/{}/{i}", &fresh[..12]);
    let route = ROUTES[i / 6 % ROUTES.len()];
    let (method, path, with_token) = match i % 6 {
        0 => (invented, route.to_owned(), true),
        1 => (invented, route.to_owned(), false),
        2 => (invented, invented_path, true),
        3 => (Method::GET, invented_path, true),
        4 => (Method::POST, invented_path, false),
        _ => (Method::OPTIONS, invented_path, false),
    };
    let mut request = gateway
        .http
        .request(method.clone(), format!("{}{path}", gateway.url));
    if with_token {
        request = request.bearer_auth(token);
    }
    if method == Method::OPTIONS {
        request = request
            .header("origin", ORIGIN)
            .header("access-control-request-method", "POST");
    }
    let status = request.send().await.unwrap().status();
    assert!(
        status.is_success() || status.is_client_error(),
        "{method} {path}: {status}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_invented_methods_and_paths_add_no_metric_series() {
    let sandbox = start_sandbox(vec![account("LTAIopsCARD", "card-secret", EMAIL)]).await;
    let port = free_port();
    let toml = config(port, &sandbox.url(), "LTAIopsCARD", "card-secret", 0).replace(
        "[server]\n",
        &format!("[server]\ncors_allowed_origins = [\"{ORIGIN}\"]\n"),
    );
    let gateway = Gateway::start(port, &toml).await;
    let token = token("acme", "mallory-card", READ_WRITE);
    // Every kind of request once per route, and a scrape, so each legitimate series (method
    // `other`, route `unmatched`, the 4xx classes, GET /metrics itself) exists before counting.
    for i in 0..6 * ROUTES.len() {
        hostile(&gateway, &token, i).await;
    }
    scrape(&gateway).await;
    let before = scrape(&gateway).await;

    for i in 0..1000 {
        hostile(&gateway, &token, i).await;
    }
    let after = scrape(&gateway).await;

    let added: Vec<&String> = after.iter().filter(|s| !before.contains(s)).collect();
    assert_eq!(after.len(), before.len(), "series added: {added:?}");
    assert!(
        before.iter().any(|s| s.contains(r#"method="other""#))
            && before.iter().any(|s| s.contains(r#"route="unmatched""#)),
        "{before:?}"
    );
}
