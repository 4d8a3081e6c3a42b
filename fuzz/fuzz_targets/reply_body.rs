//! The `POST /tickets/{id}/notes` body, through the real handler: a gateway with its embedded
//! sandbox runs in this process, a ticket is opened once, and every input that parses as a
//! reply body is posted to it over loopback HTTP with a valid token. The handler's own checks
//! (at least one of `content` / `secretContent`, each at most 10 000 characters) live inline
//! in the handler, so only the real route reaches them.
//!
//! Input: the request body. Bodies that do not parse as a reply are refused by
//! `routes::json_body` (400) before the handler looks at any field; that call is made here
//! directly, so HTTP is spent only on the bodies that get further.
//!
//! Properties: no panic (in the handler, the exactly-once write path, the upstream client or
//! the sandbox: all in this process); a parsed body is answered 201 exactly when API.md says it
//! is acceptable, and 422 `validation_failed` otherwise, never anything else.

#![no_main]

use std::sync::{LazyLock, Mutex, PoisonError};
use std::time::Duration;

use actix_web::test::TestRequest;
use libfuzzer_sys::fuzz_target;
use secrecy::SecretString;
use serde_json::Value;
use workorder_gateway::app::{AppHandle, Application};
use workorder_gateway::auth::{DevTokenOptions, mint_dev_token};
use workorder_gateway::routes::json_body;
use workorder_gateway::routes::notes::NewNote;
use workorder_gateway::settings::Settings;
use workorder_gateway_fuzz::JsonBody;

const SECRET: &str = "fuzz-gateway-secret-0123456789-abcdefghij";
const MAX_REPLY_CHARS: usize = 10_000;
/// A fresh gateway (and sandbox, which keeps every accepted note) after this many posts, so a
/// long run's memory stays bounded.
const POSTS_PER_GATEWAY: u64 = 20_000;

struct Kit {
    runtime: tokio::runtime::Runtime,
    http: reqwest::Client,
    token: String,
    gateway: Mutex<Gateway>,
}

/// One running gateway and the ticket the replies go to.
struct Gateway {
    notes_url: String,
    handle: AppHandle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    posts: u64,
}

static KIT: LazyLock<Kit> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let mut options = DevTokenOptions::new("demo", "fuzzer");
    options.roles = vec!["tickets:read".to_owned(), "tickets:write".to_owned()];
    let token = mint_dev_token(&SecretString::from(SECRET), &options).expect("a token");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a client");
    let gateway = runtime.block_on(start(&http, &token));
    Kit {
        runtime,
        http,
        token,
        gateway: Mutex::new(gateway),
    }
});

/// Starts a gateway with its embedded sandbox and opens the ticket the replies go to.
async fn start(http: &reqwest::Client, token: &str) -> Gateway {
    let settings = Settings::from_toml_str(&format!(
        r#"
[server]
listen = "127.0.0.1:0"
workers = 1
[auth]
hs256_secret = "{SECRET}"
[sandbox]
enabled = true
engineer_delay_secs = 0
[limits]
requests_per_second = 0
[shutdown]
drain_delay_secs = 0
timeout_secs = 1
[tenants.demo]
endpoint = "sandbox"
access_key_id = "LTAIsandboxDEMO"
access_key_secret = "sandbox-demo-secret"
default_email = "demo@example.com"
"#
    ))
    .expect("valid settings");
    let app = Application::build(settings, None)
        .await
        .expect("gateway starts");
    let base = format!("http://{}", app.addr());
    let handle = app.handle();
    let task = tokio::spawn(app.run());
    let created: Value = http
        .post(format!("{base}/tickets"))
        .bearer_auth(token)
        .json(&serde_json::json!({
            "productCode": "ecs", "categoryId": 793, "content": "fuzzing replies"
        }))
        .send()
        .await
        .expect("create answered")
        .json()
        .await
        .expect("create body");
    let ticket = created["id"].as_str().expect("a ticket id");
    Gateway {
        notes_url: format!("{base}/tickets/{ticket}/notes"),
        handle,
        task,
        posts: 0,
    }
}

fuzz_target!(|data: &[u8]| {
    let req = TestRequest::post()
        .insert_header(("content-type", "application/json"))
        .to_http_request();
    if let Err(err) = json_body::<NewNote>(&req, data) {
        assert_eq!(err.code().as_str(), "invalid_request", "{err}");
        return;
    }
    let acceptable = acceptable(data);
    let kit = &*KIT;
    let mut gateway = kit.gateway.lock().unwrap_or_else(PoisonError::into_inner);
    let (status, answer) = kit.runtime.block_on(async {
        gateway.posts += 1;
        if gateway.posts > POSTS_PER_GATEWAY {
            gateway.handle.shutdown().await;
            let old = std::mem::replace(&mut *gateway, start(&kit.http, &kit.token).await);
            drop(old.task.await);
        }
        let response = kit
            .http
            .post(&gateway.notes_url)
            .bearer_auth(&kit.token)
            .header("content-type", "application/json")
            .body(data.to_vec())
            .send()
            .await
            .expect("the gateway answers");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    });
    match status {
        201 => assert!(acceptable, "accepted a reply API.md refuses: {answer}"),
        422 => {
            assert!(!acceptable, "refused an acceptable reply: {answer}");
            assert!(answer.contains("validation_failed"), "{answer}");
        }
        other => panic!("unexpected status {other}: {answer}"),
    }
});

/// API.md: at least one of `content` and `secretContent`, not blank; each at most 10 000
/// characters. Read with `serde_json` here, independently of the gateway's types.
fn acceptable(body: &[u8]) -> bool {
    let body = JsonBody::read(body);
    let (content, secret) = (body.member("content", 0), body.member("secretContent", 1));
    let (content, secret) = (
        content.as_ref().and_then(Value::as_str),
        secret.as_ref().and_then(Value::as_str),
    );
    let given = |s: Option<&str>| s.is_some_and(|s| !s.trim().is_empty());
    let short = |s: Option<&str>| s.is_none_or(|s| s.chars().count() <= MAX_REPLY_CHARS);
    (given(content) || given(secret)) && short(content) && short(secret)
}
