//! A wiremock IdP serving a JWKS at `/jwks.json`: its keys can be swapped mid-test, and it can
//! be stopped for good (a server of its own, not one from wiremock's pool, which would keep
//! listening and could be handed to another test).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub(super) struct Idp {
    server: MockServer,
    answer: Arc<Mutex<Value>>,
}

struct Swappable(Arc<Mutex<Value>>);

impl Respond for Swappable {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json(self.0.lock().unwrap().clone())
    }
}

impl Idp {
    pub(super) async fn start(keys: Vec<Value>) -> Self {
        let server = MockServer::builder().start().await;
        let answer = Arc::new(Mutex::new(json!({ "keys": keys })));
        Mock::given(method("GET"))
            .and(path("/jwks.json"))
            .respond_with(Swappable(answer.clone()))
            .mount(&server)
            .await;
        Self { server, answer }
    }

    pub(super) fn rotate(&self, keys: Vec<Value>) {
        *self.answer.lock().unwrap() = json!({ "keys": keys });
    }

    pub(super) async fn fetches(&self) -> usize {
        self.server.received_requests().await.unwrap().len()
    }

    /// The JWKS URL.
    pub(super) fn url(&self) -> String {
        format!("{}/jwks.json", self.server.uri())
    }

    /// `[auth]` lines trusting this IdP (with the audience and issuer a JWKS requires).
    pub(super) fn auth_lines(&self) -> String {
        format!("{}\njwks_url = {:?}", super::pinned(), self.url())
    }

    /// Shuts the server down and waits until its port refuses connections.
    pub(super) async fn stop(self) {
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

/// One JWKS entry for the public half of `key`.
pub(super) fn jwk(kid: &str, key: &EncodingKey, alg: Algorithm) -> Value {
    let mut jwk = Jwk::from_encoding_key(key, alg).unwrap();
    jwk.common.key_id = Some(kid.to_owned());
    serde_json::to_value(jwk).unwrap()
}
