//! Starting sandboxes and talking to them: signed calls (v1 or v3), hand-made v1 requests
//! over arbitrary parameters, and the answers as status + headers + JSON.

use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use secrecy::SecretString;
use serde_json::Value;
use time::OffsetDateTime;
use workorder_api::encode::encode_pairs;
use workorder_api::request::{CallSpec, SignedRequest, sign_call};
use workorder_api::signer::sign_rpc_v1;
use workorder_api::{Credentials, SignatureVersion};
use workorder_sandbox::{self as sandbox, Account, FaultConfig, SandboxConfig, SandboxHandle};

pub const DEMO_ID: &str = "LTAIsandboxDEMO";
pub const DEMO_SECRET: &str = "sandbox-demo-secret";
pub const DEMO_EMAIL: &str = "demo@example.com";

/// A second ordinary account.
pub fn alpha() -> Account {
    Account {
        access_key_id: "LTAIalpha".to_owned(),
        access_key_secret: SecretString::from("alpha-secret"),
        security_token: None,
        uid: "2000000000000002".to_owned(),
        emails: vec!["ops@alpha.example".to_owned()],
        phones: vec!["13911112222".to_owned()],
    }
}

/// An STS account whose token must be sent.
pub fn sts() -> Account {
    Account {
        access_key_id: "STS.beta".to_owned(),
        access_key_secret: SecretString::from("beta-secret"),
        security_token: Some(SecretString::from("beta+token/=")),
        uid: "3000000000000003".to_owned(),
        emails: vec!["ops@beta.example".to_owned()],
        phones: Vec::new(),
    }
}

pub fn demo_credentials() -> Credentials {
    Credentials::new(DEMO_ID, SecretString::from(DEMO_SECRET))
}

pub fn credentials(id: &str, secret: &str) -> Credentials {
    Credentials::new(id, SecretString::from(secret.to_owned()))
}

/// One decoded answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.body["Code"].as_str().unwrap_or_default()
    }

    /// Asserts an error answer with this status and code, and returns its message.
    pub fn assert_error(&self, status: u16, code: &str) -> String {
        assert_eq!(
            (self.status, self.code()),
            (status, code),
            "unexpected answer {}",
            self.body
        );
        self.body["Message"].as_str().unwrap_or_default().to_owned()
    }

    /// Asserts a successful answer and returns its `Data`.
    pub fn assert_ok(&self) -> &Value {
        assert_eq!(self.status, 200, "unexpected answer {}", self.body);
        assert_eq!(self.body["Success"], Value::Bool(true), "{}", self.body);
        &self.body["Data"]
    }
}

/// A sandbox on port 0 and a client for it; stops the server when dropped by `stop`.
pub struct Sandbox {
    pub handle: SandboxHandle,
    pub http: reqwest::Client,
}

/// Config with the two extra accounts, no engineer, no faults.
pub fn config() -> SandboxConfig {
    SandboxConfig {
        accounts: vec![alpha(), sts()],
        engineer_delay: Duration::ZERO,
        workers: 1,
        ..SandboxConfig::default()
    }
}

pub async fn start() -> Sandbox {
    start_with(config()).await
}

/// A sandbox with these faults from the start and this seed.
pub async fn start_faulty(faults: FaultConfig, seed: u64) -> Sandbox {
    start_with(SandboxConfig {
        faults,
        seed,
        ..config()
    })
    .await
}

pub async fn start_with(config: SandboxConfig) -> Sandbox {
    let handle = sandbox::spawn("127.0.0.1:0".parse().unwrap(), config)
        .await
        .expect("sandbox starts");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    Sandbox { handle, http }
}

pub fn params(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
}

pub fn fresh_nonce() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl Sandbox {
    pub fn host(&self) -> String {
        self.handle.addr().to_string()
    }

    /// Signs a call the way the gateway's client does.
    pub fn sign(
        &self,
        version: SignatureVersion,
        credentials: &Credentials,
        action: &str,
        params: &[(&'static str, String)],
        timestamp: OffsetDateTime,
        nonce: &str,
    ) -> SignedRequest {
        sign_call(
            version,
            credentials,
            &CallSpec {
                action,
                params,
                host: &self.host(),
                timestamp,
                nonce,
            },
        )
    }

    /// Signs now with a fresh nonce and sends.
    pub async fn call(
        &self,
        version: SignatureVersion,
        credentials: &Credentials,
        action: &str,
        params: &[(&'static str, String)],
    ) -> Reply {
        let signed = self.sign(
            version,
            credentials,
            action,
            params,
            OffsetDateTime::now_utc(),
            &fresh_nonce(),
        );
        self.send(&signed).await
    }

    /// A v1 call as the demo account.
    pub async fn demo(&self, action: &str, params: &[(&'static str, String)]) -> Reply {
        self.call(SignatureVersion::V1, &demo_credentials(), action, params)
            .await
    }

    /// A v1 call as the demo account, signed now with a fresh nonce, not yet sent.
    pub fn sign_demo(&self, action: &str, params: &[(&'static str, String)]) -> SignedRequest {
        self.sign(
            SignatureVersion::V1,
            &demo_credentials(),
            action,
            params,
            OffsetDateTime::now_utc(),
            &fresh_nonce(),
        )
    }

    pub async fn try_send(&self, signed: &SignedRequest) -> reqwest::Result<Reply> {
        self.try_send_via(&self.http, signed).await
    }

    /// Sends through `http` (another client, e.g. with a shorter timeout).
    pub async fn try_send_via(
        &self,
        http: &reqwest::Client,
        signed: &SignedRequest,
    ) -> reqwest::Result<Reply> {
        let mut request = http
            .post(format!("{}/?{}", self.handle.url(), signed.query))
            .body(signed.body.clone());
        for (name, value) in &signed.headers {
            if *name != "host" {
                request = request.header(*name, value);
            }
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await?;
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    pub async fn send(&self, signed: &SignedRequest) -> Reply {
        self.try_send(signed).await.expect("the sandbox answers")
    }

    /// A v1 request over exactly `pairs` (query), signed with `secret` unless a `Signature`
    /// is among them.
    pub async fn send_v1_pairs(&self, pairs: &[(&str, String)], secret: &str) -> Reply {
        let mut pairs: Vec<(&str, String)> = pairs.to_vec();
        if !pairs.iter().any(|(k, _)| *k == "Signature") {
            let signature =
                sign_rpc_v1("POST", pairs.iter().map(|(k, v)| (*k, v.as_str())), secret);
            pairs.push(("Signature", signature.signature));
        }
        let query = encode_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())));
        self.send(&SignedRequest {
            query,
            headers: Vec::new(),
            body: Vec::new(),
        })
        .await
    }

    /// The common v1 parameters of a demo call to `action`, without the signature.
    pub fn v1_common(&self, action: &str) -> Vec<(&'static str, String)> {
        vec![
            ("Action", action.to_owned()),
            ("Version", "2020-03-26".to_owned()),
            ("Format", "JSON".to_owned()),
            ("AccessKeyId", DEMO_ID.to_owned()),
            ("SignatureMethod", "HMAC-SHA1".to_owned()),
            ("SignatureVersion", "1.0".to_owned()),
            (
                "Timestamp",
                workorder_api::request::format_timestamp(OffsetDateTime::now_utc()),
            ),
            ("SignatureNonce", fresh_nonce()),
        ]
    }

    pub async fn admin_get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.handle.url()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Replaces the faults at run time (missing fields are zero), asserting they were taken.
    pub async fn set_faults(&self, faults: Value) {
        let (status, answer) = self.admin_put("/_sandbox/faults", faults).await;
        assert_eq!(status, 200, "{answer}");
    }

    /// Calls `action` as the demo account until its `Data` satisfies `done`, for at most
    /// `within`; returns that `Data` and how long after `since` it was answered. Panics when
    /// the deadline passes first.
    pub async fn demo_until(
        &self,
        action: &str,
        params: &[(&'static str, String)],
        since: Instant,
        within: Duration,
        done: impl Fn(&Value) -> bool,
    ) -> (Value, Duration) {
        loop {
            let data = self.demo(action, params).await.assert_ok().clone();
            let elapsed = since.elapsed();
            if done(&data) {
                return (data, elapsed);
            }
            assert!(
                elapsed < within,
                "{action} still answers {data} after {elapsed:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn admin_put(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .put(format!("{}{path}", self.handle.url()))
            .json(&body)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    /// Files a demo ticket on `ecs`/793 and returns its id.
    pub async fn create_demo_ticket(&self, content: &str) -> String {
        let reply = self
            .demo(
                "CreateTicket",
                &params(&[
                    ("ProductCode", "ecs"),
                    ("Category", "793"),
                    ("Content", content),
                    ("Email", DEMO_EMAIL),
                ]),
            )
            .await;
        reply.assert_ok().as_str().unwrap().to_owned()
    }

    pub async fn stop(self) {
        self.handle.stop().await;
    }
}
