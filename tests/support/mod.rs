//! Shared test harness: a real gateway (and sandboxes) on port 0, driven over real HTTP.
//! Every test binary includes it with `#[path = "../support/mod.rs"] mod support;`: it is the
//! one module they share (see tests/integration/main.rs for why there is more than one binary).

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

pub mod actions;
pub mod fake_upstream;
pub mod idp;
pub mod writes;

use std::net::SocketAddr;
use std::time::Duration;

use secrecy::SecretString;
use workorder_gateway::app::{AppHandle, Application};
use workorder_gateway::auth::{DevTokenOptions, mint_dev_token};
use workorder_gateway::clock::Clock;
use workorder_gateway::settings::Settings;
use workorder_sandbox::{Account, SandboxConfig, SandboxHandle};

/// A key of `tests/fixtures/keys/` (their README says how they were made).
pub fn key_path(name: &str) -> String {
    format!("{}/tests/fixtures/keys/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The HS256 secret of test gateways (≥ 32 bytes).
pub const SECRET: &str = "test-gateway-secret-0123456789-abcdefghij";

/// Both permissions.
pub const READ_WRITE: &[&str] = &["tickets:read", "tickets:write"];

/// A configuration with the embedded sandbox (engineer off), the `demo` tenant, no rate
/// limit, listening on port 0; `extra` is appended (more tables, overrides via new tables).
pub fn demo_config(extra: &str) -> String {
    format!(
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
failed_auth_per_minute = 0
[shutdown]
drain_delay_secs = 0
timeout_secs = 5
[tenants.demo]
endpoint = "sandbox"
access_key_id = "LTAIsandboxDEMO"
access_key_secret = "sandbox-demo-secret"
default_email = "demo@example.com"
{extra}
"#
    )
}

/// A running gateway.
pub struct TestGateway {
    /// `http://127.0.0.1:PORT` (plus base path when configured).
    pub url: String,
    /// The bound address.
    pub addr: SocketAddr,
    /// The embedded sandbox URL, when enabled.
    pub sandbox_url: Option<String>,
    /// A client for the tests (no redirects followed, so 308s are visible).
    pub http: reqwest::Client,
    /// Drives shutdown and reload.
    pub handle: AppHandle,
    /// Joins the server task.
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
    /// The gateway's clock: the system's, or (from [`TestGateway::start_on_manual_clock`]) a
    /// manual one the test moves past a TTL with `clock.advance(..)` instead of waiting.
    pub clock: Clock,
}

impl TestGateway {
    /// Starts a gateway from TOML text (see [`demo_config`]).
    pub async fn start(toml: &str) -> Self {
        let settings = Settings::from_toml_str(toml).expect("test configuration is valid");
        Self::start_with(settings, None).await
    }

    /// Starts a gateway from TOML text on a manual clock (see [`TestGateway::clock`]).
    pub async fn start_on_manual_clock(toml: &str) -> Self {
        let settings = Settings::from_toml_str(toml).expect("test configuration is valid");
        Self::start_with_clock(settings, None, Clock::manual()).await
    }

    /// Starts a gateway from settings; `config_path` is what a reload re-reads.
    pub async fn start_with(settings: Settings, config_path: Option<std::path::PathBuf>) -> Self {
        Self::start_with_clock(settings, config_path, Clock::system()).await
    }

    /// Starts a gateway from settings on `clock`.
    pub async fn start_with_clock(
        settings: Settings,
        config_path: Option<std::path::PathBuf>,
        clock: Clock,
    ) -> Self {
        let base = settings.server.base_path.clone();
        let app = Application::build_with_clock(settings, config_path, clock.clone())
            .await
            .expect("gateway starts");
        let addr = app.addr();
        let sandbox_url = app.sandbox_url();
        let handle = app.handle();
        let task = tokio::spawn(app.run());
        Self {
            url: format!("http://{addr}{base}"),
            addr,
            sandbox_url,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            handle,
            task,
            clock,
        }
    }

    /// A token for `tenant` / `sub` with `roles`, signed with [`SECRET`].
    pub fn token(&self, tenant: &str, sub: &str, roles: &[&str]) -> String {
        token(tenant, sub, roles)
    }

    /// `GET path` with a bearer token.
    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// `POST path` with a JSON body and a bearer token.
    pub async fn post_json(
        &self,
        path: &str,
        token: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.url))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Creates a ticket for `token`'s user (product ecs, category 793) and returns its id.
    pub async fn create_ticket(&self, token: &str, content: &str) -> String {
        self.create_in(token, "ecs", 793, content).await
    }

    /// [`TestGateway::create_ticket`] for a `2021-06-10` tenant: the same sandbox product and
    /// category under their 2021 ids ([`ECS_2021`], [`ECS_REMOTE_2021`]).
    pub async fn create_ticket_2021(&self, token: &str, content: &str) -> String {
        self.create_in(token, ECS_2021, ECS_REMOTE_2021, content)
            .await
    }

    async fn create_in(&self, token: &str, product: &str, category: i64, content: &str) -> String {
        let response = self
            .post_json(
                "/tickets",
                token,
                &serde_json::json!({ "productCode": product, "categoryId": category, "content": content }),
            )
            .await;
        assert_eq!(
            response.status(),
            201,
            "create failed: {}",
            response.text().await.unwrap()
        );
        let body: serde_json::Value = response.json().await.unwrap();
        body["id"].as_str().unwrap().to_owned()
    }
}

/// The sandbox's `ecs` under 2021-06-10: its `ProductId` as a REST product code (2020's
/// product `Id` 11 plus 7 100 000, docs/sandbox.md).
pub const ECS_2021: &str = "7100011";
/// The sandbox's category 793 of `ecs` ("cannot connect remotely") under 2021-06-10.
pub const ECS_REMOTE_2021: i64 = 7_200_793;

/// A token signed with [`SECRET`].
pub fn token(tenant: &str, sub: &str, roles: &[&str]) -> String {
    let mut options = DevTokenOptions::new(tenant, sub);
    options.roles = roles.iter().map(|r| (*r).to_owned()).collect();
    mint_dev_token(&SecretString::from(SECRET), &options).expect("token")
}

/// A standalone sandbox with the demo account plus `accounts`, engineer off.
pub async fn start_sandbox(accounts: Vec<Account>) -> SandboxHandle {
    workorder_sandbox::spawn(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        SandboxConfig {
            accounts,
            engineer_delay: Duration::ZERO,
            ..SandboxConfig::default()
        },
    )
    .await
    .expect("sandbox starts")
}

/// A sandbox account with the given key pair and contact email.
pub fn account(access_key_id: &str, secret: &str, email: &str) -> Account {
    Account {
        access_key_id: access_key_id.to_owned(),
        access_key_secret: SecretString::from(secret.to_owned()),
        security_token: None,
        uid: format!("uid-{access_key_id}"),
        emails: vec![email.to_owned()],
        phones: Vec::new(),
    }
}

/// Reads a problem document and checks its envelope.
pub async fn problem(response: reqwest::Response, status: u16, code: &str) -> serde_json::Value {
    assert_eq!(response.status(), status);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/problem+json"),
        "{content_type}"
    );
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(body["requestId"], request_id.as_str(), "{body}");
    body
}

// ---------------------------------------------------------------------------------------------
// Ticket, error, isolation and signature tests (tests/integration/api/{tickets,errors,
// isolation, signatures}.rs).
// ---------------------------------------------------------------------------------------------

/// `[upstream]` for fault tests: one attempt, tiny backoffs, breaker off (tests that need the
/// breaker write their own table).
pub const FAST_UPSTREAM: &str = r#"
[upstream]
max_attempts = 1
retry_base_delay_ms = 1
retry_max_delay_ms = 10
request_timeout_ms = 2000
breaker_failure_threshold = 0
"#;

/// A `[tenants.<id>]` table for a tenant calling the standalone sandbox at `url` (a loopback
/// `http://` URL; `simulator = true` lets the secret be inline).
pub fn sandbox_tenant(
    id: &str,
    url: &str,
    access_key_id: &str,
    secret: &str,
    signature: &str,
    default_email: &str,
) -> String {
    format!(
        r#"
[tenants.{id}]
endpoint = "{url}"
simulator = true
signature = "{signature}"
access_key_id = "{access_key_id}"
access_key_secret = "{secret}"
default_email = "{default_email}"
"#
    )
}

/// A tenant on the standalone sandbox's built-in demo account.
pub fn demo_account_tenant(id: &str, url: &str) -> String {
    sandbox_tenant(
        id,
        url,
        workorder_sandbox::DEMO_ACCESS_KEY_ID,
        workorder_sandbox::DEMO_ACCESS_KEY_SECRET,
        "v1",
        workorder_sandbox::accounts::DEMO_EMAIL,
    )
}

/// Starts a gateway from TOML text after `tweak` adjusted the parsed settings: for keys of
/// sections [`demo_config`] already declares (`[server]`, `[sandbox]`, `[limits]`), which TOML
/// cannot declare twice.
pub async fn start_tweaked(toml: &str, tweak: impl FnOnce(&mut Settings)) -> TestGateway {
    let mut settings = Settings::from_toml_str(toml).expect("test configuration is valid");
    tweak(&mut settings);
    settings.validate().expect("tweaked configuration is valid");
    TestGateway::start_with(settings, None).await
}

/// Replaces a standalone sandbox's faults (`PUT /_sandbox/faults`; missing fields are zero).
pub async fn set_faults(sandbox_url: &str, faults: serde_json::Value) {
    let response = reqwest::Client::new()
        .put(format!("{sandbox_url}/_sandbox/faults"))
        .json(&faults)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

impl TestGateway {
    /// `POST path` without a body (e.g. `/tickets/{id}/close`).
    pub async fn post_empty(&self, path: &str, token: &str) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// `POST path` with raw bytes and a content type.
    pub async fn post_raw(
        &self,
        path: &str,
        token: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.url))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// `GET path` and the JSON body, asserting 200.
    pub async fn get_json(&self, path: &str, token: &str) -> serde_json::Value {
        let response = self.get(path, token).await;
        assert_eq!(
            response.status(),
            200,
            "GET {path}: {}",
            response.text().await.unwrap()
        );
        response.json().await.unwrap()
    }

    /// The ids of `GET /tickets?query`, in answer order.
    pub async fn ticket_ids(&self, query: &str, token: &str) -> Vec<String> {
        let page = self.get_json(&format!("/tickets?{query}"), token).await;
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// The value of the sample `series` (name with labels) in `/metrics`.
pub async fn metric(gateway: &TestGateway, series: &str) -> f64 {
    let (value, text) = sample(gateway, series).await;
    value.unwrap_or_else(|| panic!("no sample {series} in\n{text}"))
}

/// The whole `/metrics` exposition of `gateway`.
pub async fn metrics_text(gateway: &TestGateway) -> String {
    gateway
        .http
        .get(format!("{}/metrics", gateway.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The value of the sample `series` in `/metrics`, if it has one yet, and the whole text.
pub async fn sample(gateway: &TestGateway, series: &str) -> (Option<f64>, String) {
    let text = metrics_text(gateway).await;
    let value = text
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.split_whitespace().next()?.parse().ok());
    (value, text)
}
