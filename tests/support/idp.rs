//! The one fake IdP (wiremock): a JWKS at `/jwks.json` whose answer can be swapped mid-test
//! while its request log keeps counting. A server of its own (not one from wiremock's pool,
//! which would keep listening after the test dropped it and could be handed to another test),
//! so dropping it stops it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};
use workorder_gateway::auth::AuthConfig;

/// One JWKS entry for the public half of `key`.
pub fn jwk(kid: &str, key: &EncodingKey, alg: Algorithm) -> Value {
    let mut jwk = Jwk::from_encoding_key(key, alg).unwrap();
    jwk.common.key_id = Some(kid.to_owned());
    serde_json::to_value(jwk).unwrap()
}

/// A `200` answer carrying a JWKS of `keys`.
pub fn jwks(keys: &[Value]) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "keys": keys }))
}

/// The IdP: a server of its own answering `GET /jwks.json` with the current answer.
pub struct Idp {
    pub server: MockServer,
    answer: Arc<Mutex<ResponseTemplate>>,
}

struct Swappable(Arc<Mutex<ResponseTemplate>>);

impl Respond for Swappable {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.0.lock().unwrap().clone()
    }
}

impl Idp {
    /// An IdP answering `answer` until told otherwise.
    pub async fn start(answer: ResponseTemplate) -> Self {
        let server = MockServer::builder().start().await;
        let answer = Arc::new(Mutex::new(answer));
        Mock::given(method("GET"))
            .and(path("/jwks.json"))
            .respond_with(Swappable(answer.clone()))
            .mount(&server)
            .await;
        Idp { server, answer }
    }

    /// Answers `template` from now on.
    pub fn answer(&self, template: ResponseTemplate) {
        *self.answer.lock().unwrap() = template;
    }

    /// The JWKS URL.
    pub fn url(&self) -> reqwest::Url {
        format!("{}/jwks.json", self.server.uri()).parse().unwrap()
    }

    /// How many requests it received.
    pub async fn requests(&self) -> usize {
        self.server.received_requests().await.unwrap().len()
    }

    /// An `AuthConfig` trusting only this IdP.
    pub fn config(&self) -> AuthConfig {
        AuthConfig {
            jwks_url: Some(self.url()),
            ..AuthConfig::default()
        }
    }

    /// Shuts the server down and waits until its port refuses connections.
    pub async fn stop(self) {
        let address = *self.server.address();
        drop(self);
        let started = Instant::now();
        while std::net::TcpStream::connect_timeout(&address, Duration::from_millis(50)).is_ok() {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "the IdP at {address} does not stop"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
