//! The one fake Workorder upstream (wiremock), for what the sandbox cannot do: answer with a
//! chosen status or a malformed body, count the calls of an action, hold an answer back, and
//! show the exact bytes the client sent. Everything else talks to the real sandbox. Here: the
//! client and tenants pointed at it, the answers it gives, and what it received.
//!
//! Received queries and bodies are decoded form-style (`+` is a space), as WORKORDER.md says a
//! verifier must.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};
use workorder_api::{Credentials, SignatureVersion};
use workorder_gateway::upstream::{
    CallObserver, ClientSettings, Endpoint, RetryPolicy, Target, UpstreamClient,
};

/// Long-term AccessKey used by the tests.
pub const AK_ID: &str = "LTAI5tMockUpstreamKey01";
/// Its secret: must never show up in any error or log.
pub const AK_SECRET: &str = "MockSecret-9fK2xQ7pLzR4";
/// STS credentials.
pub const STS_ID: &str = "STS.NUgYrLnoC37mZZCNnAbez";
/// STS secret.
pub const STS_SECRET: &str = "StsSecret-Hx4uPz8JqN2vLw6";
/// STS token, with the `+ / =` that need encoding.
pub const STS_TOKEN: &str = "CAIS+token/with=reserved+chars==";

/// Which credentials a test tenant signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// AccessKey id and secret.
    AccessKey,
    /// STS id, secret and security token.
    Sts,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::AccessKey, Kind::Sts];

    pub fn credentials(self) -> Credentials {
        match self {
            Kind::AccessKey => Credentials::new(AK_ID, SecretString::from(AK_SECRET)),
            Kind::Sts => Credentials::new(STS_ID, SecretString::from(STS_SECRET))
                .with_security_token(SecretString::from(STS_TOKEN)),
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Kind::AccessKey => AK_ID,
            Kind::Sts => STS_ID,
        }
    }

    pub fn secret(self) -> &'static str {
        match self {
            Kind::AccessKey => AK_SECRET,
            Kind::Sts => STS_SECRET,
        }
    }

    pub fn token(self) -> Option<&'static str> {
        match self {
            Kind::AccessKey => None,
            Kind::Sts => Some(STS_TOKEN),
        }
    }
}

/// A tenant pointed at `uri`.
pub fn target(uri: &str, version: SignatureVersion, kind: Kind) -> Target {
    Target {
        tenant: "tenant-under-test".to_owned(),
        endpoint: Endpoint::parse(uri).expect("mock URI is an endpoint"),
        credentials: kind.credentials().into(),
        signature: version,
    }
}

/// Settings with short delays so retry tests run fast.
pub fn settings(max_attempts: u32) -> ClientSettings {
    ClientSettings {
        connect_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_secs(3),
        retry: RetryPolicy {
            max_attempts,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_secs(1),
        },
        user_agent: "upstream-tests".to_owned(),
        // These tests count attempts per call; the breaker is tested at the gateway level.
        breaker: workorder_gateway::upstream::BreakerSettings {
            failure_threshold: 0,
            open_for: Duration::ZERO,
        },
        ..ClientSettings::default()
    }
}

pub fn client(settings: ClientSettings) -> UpstreamClient {
    UpstreamClient::new(settings).expect("client builds")
}

/// A `200` Workorder answer carrying `data`, as the real API sends it.
pub fn success(request_id: &str, data: Value) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "application/json;charset=utf-8")
        .set_body_json(json!({
            "RequestId": request_id,
            "Success": true,
            "Code": 200,
            "Message": "success",
            "Data": data,
        }))
}

/// A successful answer for `action`, with the `Data` each action expects.
pub fn ok_body(action: &str) -> Value {
    let data = match action {
        "CreateTicket" => json!("ETARNPP"),
        "CloseTicket" | "ReplyTicket" => Value::Null,
        _ => json!({}),
    };
    json!({"RequestId": "REQ-OK", "Code": 200, "Success": true, "Message": "success", "Data": data})
}

/// A mock upstream that answers every POST with `response`.
pub async fn upstream_answering(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

/// The requests the mock received, in order.
pub async fn received(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .expect("request recording is on")
}

/// How many requests for `action` the mock received.
pub async fn calls(server: &MockServer, action: &str) -> usize {
    received(server)
        .await
        .iter()
        .filter(|request| single(&query_pairs(request), "Action") == Some(action))
        .count()
}

/// Form-style decoding (`+` is a space) of a query or a body.
pub fn form_pairs(raw: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(raw).into_owned().collect()
}

pub fn query_pairs(request: &Request) -> Vec<(String, String)> {
    form_pairs(request.url.query().unwrap_or_default().as_bytes())
}

pub fn header<'r>(request: &'r Request, name: &str) -> Option<&'r str> {
    request
        .headers
        .get(name)
        .map(|v| v.to_str().expect("ASCII header"))
}

/// The value of `name` in `pairs`, failing when it appears more than once.
pub fn single<'p>(pairs: &'p [(String, String)], name: &str) -> Option<&'p str> {
    let mut found = pairs.iter().filter(|(k, _)| k == name);
    let first = found.next().map(|(_, v)| v.as_str());
    assert!(found.next().is_none(), "{name} sent twice");
    first
}

/// The nonce of a received request, whatever its signature version.
pub fn nonce(request: &Request) -> String {
    single(&query_pairs(request), "SignatureNonce")
        .or_else(|| header(request, "x-acs-signature-nonce"))
        .expect("every request carries a nonce")
        .to_owned()
}

/// Responds from a list in order (the last one repeats) and records when each request came.
#[derive(Clone)]
pub struct Script {
    responses: Arc<Vec<ResponseTemplate>>,
    pub arrivals: Arc<Mutex<Vec<Instant>>>,
}

impl Script {
    pub fn new(responses: Vec<ResponseTemplate>) -> Self {
        assert!(!responses.is_empty());
        Self {
            responses: Arc::new(responses),
            arrivals: Arc::default(),
        }
    }

    pub async fn mount(&self) -> MockServer {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(self.clone())
            .mount(&server)
            .await;
        server
    }

    /// Gaps between consecutive arrivals.
    pub fn gaps(&self) -> Vec<Duration> {
        let arrivals = self.arrivals.lock().expect("not poisoned");
        arrivals.windows(2).map(|w| w[1] - w[0]).collect()
    }
}

impl Respond for Script {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let mut arrivals = self.arrivals.lock().expect("not poisoned");
        arrivals.push(Instant::now());
        let index = (arrivals.len() - 1).min(self.responses.len() - 1);
        self.responses[index].clone()
    }
}

/// A JSON error answer as the POP gateway sends it.
pub fn error_answer(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "RequestId": format!("REQ-{code}"),
        "HostId": "workorder.aliyuncs.com",
        "Code": code,
        "Message": message,
    }))
}

/// An address where nothing listens: bound, then released, so connecting is refused.
pub fn refusing_address() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let address = listener.local_addr().expect("bound address");
    drop(listener);
    address
}

/// One finished call as the client reported it to its [`CallObserver`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub action: &'static str,
    pub outcome: &'static str,
    pub attempts: u32,
}

/// Collects every call the client reports.
#[derive(Debug, Default)]
pub struct Recorder(Mutex<Vec<Observed>>);

impl Recorder {
    pub fn calls(&self) -> Vec<Observed> {
        self.0.lock().expect("not poisoned").clone()
    }
}

impl CallObserver for Recorder {
    fn observe(
        &self,
        _tenant: &str,
        action: &'static str,
        outcome: &'static str,
        attempts: u32,
        _latency: Duration,
    ) {
        self.0.lock().expect("not poisoned").push(Observed {
            action,
            outcome,
            attempts,
        });
    }
}
