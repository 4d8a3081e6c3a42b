//! A gateway with recognisable secrets: tenants on a standalone sandbox (v1 and V3 signing),
//! one with a wrong AccessKey secret, and one whose upstream (a sandbox with `error_rate` 1)
//! always answers `500 System.error`.

use serde_json::{Value, json};
use workorder_sandbox::SandboxHandle;

use crate::support::{SECRET, TestGateway, account, set_faults, start_sandbox, token};

/// The AccessKey of the tenants that work.
pub const ACCESS_KEY_ID: &str = "LTAIopsACME";
/// Its secret: must never be logged.
pub const ACCESS_KEY_SECRET: &str = "ops-acme-secret-a41f9c27e5";
/// A wrong secret for the same key id: must never be logged either.
pub const WRONG_SECRET: &str = "ops-wrong-secret-77c0b3d9";
/// The contact email of the sandbox account.
pub const EMAIL: &str = "ops@acme.example";

/// The gateway and what it talks to.
pub struct Ops {
    pub gateway: TestGateway,
    /// Kept alive for the gateway's working tenants.
    pub _sandbox: SandboxHandle,
    /// Kept alive for the gateway's `broken` tenant.
    pub _broken: SandboxHandle,
}

/// The configuration of [`start`], for tests that start the gateway differently.
pub fn config(sandbox_url: &str, broken_url: &str, extra: &str) -> String {
    format!(
        r#"
[server]
listen = "127.0.0.1:0"
workers = 1
[auth]
hs256_secret = "{SECRET}"
[limits]
requests_per_second = 0
failed_auth_per_minute = 0
[shutdown]
drain_delay_secs = 0
timeout_secs = 5
[upstream]
retry_base_delay_ms = 1
retry_max_delay_ms = 2
[tenants.acme]
endpoint = "{sandbox_url}"
simulator = true
access_key_id = "{ACCESS_KEY_ID}"
access_key_secret = "{ACCESS_KEY_SECRET}"
default_email = "{EMAIL}"
language = "en"
[tenants.acmev3]
endpoint = "{sandbox_url}"
simulator = true
signature = "v3"
access_key_id = "{ACCESS_KEY_ID}"
access_key_secret = "{ACCESS_KEY_SECRET}"
default_email = "{EMAIL}"
[tenants.wrongkey]
endpoint = "{sandbox_url}"
simulator = true
access_key_id = "{ACCESS_KEY_ID}"
access_key_secret = "{WRONG_SECRET}"
default_email = "{EMAIL}"
[tenants.broken]
endpoint = "{broken_url}"
simulator = true
access_key_id = "{ACCESS_KEY_ID}"
access_key_secret = "{ACCESS_KEY_SECRET}"
default_email = "{EMAIL}"
{extra}
"#
    )
}

/// Starts the sandbox, the always-failing one and the gateway (logs captured from the start),
/// on a manual clock (`ops.gateway.clock`): time passes for the gateway's rules only when a
/// test advances it.
pub async fn start() -> Ops {
    start_with("").await
}

/// [`start`] with `extra` TOML tables appended to the configuration.
pub async fn start_with(extra: &str) -> Ops {
    crate::logs::capture();
    let sandbox = start_sandbox(vec![account(ACCESS_KEY_ID, ACCESS_KEY_SECRET, EMAIL)]).await;
    let broken = start_sandbox(vec![account(ACCESS_KEY_ID, ACCESS_KEY_SECRET, EMAIL)]).await;
    set_faults(&broken.url(), json!({ "error_rate": 1.0 })).await;
    let gateway =
        TestGateway::start_on_manual_clock(&config(&sandbox.url(), &broken.url(), extra)).await;
    Ops {
        gateway,
        _sandbox: sandbox,
        _broken: broken,
    }
}

impl Ops {
    /// A read-write token for `tenant` / `sub`.
    pub fn token(&self, tenant: &str, sub: &str) -> String {
        token(tenant, sub, crate::support::READ_WRITE)
    }

    /// `POST path` with a JSON body, a token and an `X-Request-Id`.
    pub async fn post(
        &self,
        path: &str,
        token: &str,
        request_id: &str,
        body: &Value,
    ) -> reqwest::Response {
        self.gateway
            .http
            .post(format!("{}{path}", self.gateway.url))
            .bearer_auth(token)
            .header("x-request-id", request_id)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// `GET path` with a token and an `X-Request-Id`.
    pub async fn get(&self, path: &str, token: &str, request_id: &str) -> reqwest::Response {
        self.gateway
            .http
            .get(format!("{}{path}", self.gateway.url))
            .bearer_auth(token)
            .header("x-request-id", request_id)
            .send()
            .await
            .unwrap()
    }

    /// Creates a ticket (content and secret content given) and returns its id.
    pub async fn create(
        &self,
        token: &str,
        request_id: &str,
        content: &str,
        secret: &str,
    ) -> String {
        let response = self
            .post(
                "/tickets",
                token,
                request_id,
                &json!({ "productCode": "ecs", "categoryId": 793, "content": content, "secretContent": secret }),
            )
            .await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        let body: Value = response.json().await.unwrap();
        body["id"].as_str().unwrap().to_owned()
    }
}
