//! Keys, token builders, configurations and a swappable wiremock IdP.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};
use workorder_gateway::auth::{AuthConfig, Authenticator, PublicKeySource};

pub const SECRET: &str = "unit-test-hs256-secret-of-at-least-32-bytes";

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/keys/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Claims of a valid token for alice in tenant demo with `tickets:read`.
pub fn valid_claims() -> Value {
    json!({ "sub": "alice", "tenant": "demo", "roles": ["tickets:read"], "exp": now() + 300 })
}

/// `valid_claims()` with `key` set to `value` (or removed when `value` is null).
pub fn claims_with(key: &str, value: Value) -> Value {
    let mut claims = valid_claims();
    let map = claims.as_object_mut().unwrap();
    if value.is_null() {
        map.remove(key);
    } else {
        map.insert(key.to_owned(), value);
    }
    claims
}

pub fn rsa_a() -> EncodingKey {
    EncodingKey::from_rsa_pem(fixture("rsa_a_private.pem").as_bytes()).unwrap()
}

pub fn rsa_b() -> EncodingKey {
    EncodingKey::from_rsa_pem(fixture("rsa_b_private.pem").as_bytes()).unwrap()
}

pub fn ec_p256() -> EncodingKey {
    EncodingKey::from_ec_pem(fixture("ec_p256_private.pem").as_bytes()).unwrap()
}

pub fn hs_key() -> EncodingKey {
    EncodingKey::from_secret(SECRET.as_bytes())
}

/// A token signed with `key` under `alg`, carrying `kid` when given.
pub fn sign(alg: Algorithm, key: &EncodingKey, kid: Option<&str>, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

pub fn hs256(claims: &Value) -> String {
    sign(Algorithm::HS256, &hs_key(), None, claims)
}

/// A token assembled by hand, for headers no library would produce (`alg: none`, …).
pub fn raw_token(header: &Value, claims: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

/// A token over the exact header and payload text given, correctly signed.
pub fn sign_raw(header: &str, payload: &str, key: &EncodingKey, alg: Algorithm) -> String {
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), key, alg).unwrap();
    format!("{message}.{signature}")
}

pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

pub fn hs_config() -> AuthConfig {
    AuthConfig {
        hs256_secrets: vec![SecretString::from(SECRET)],
        ..AuthConfig::default()
    }
}

pub fn pem_key(label: &str, file: &str, kid: Option<&str>) -> PublicKeySource {
    PublicKeySource {
        label: label.to_owned(),
        kid: kid.map(str::to_owned),
        pem: fixture(file),
    }
}

pub fn pem_config(keys: Vec<PublicKeySource>) -> AuthConfig {
    AuthConfig {
        public_keys: keys,
        ..AuthConfig::default()
    }
}

pub async fn authenticator(config: AuthConfig) -> Authenticator {
    Authenticator::new(config, reqwest::Client::new())
        .await
        .expect("authenticator builds")
}

/// One JWKS entry for the public half of `key`.
pub fn jwk(kid: &str, key: &EncodingKey, alg: Algorithm) -> Value {
    let mut jwk = Jwk::from_encoding_key(key, alg).unwrap();
    jwk.common.key_id = Some(kid.to_owned());
    serde_json::to_value(jwk).unwrap()
}

pub fn jwks(keys: &[Value]) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "keys": keys }))
}

/// A wiremock IdP whose `/jwks.json` answer can be swapped mid-test while its request log
/// keeps counting. A server of its own (not one from wiremock's pool, which would keep listening
/// after the test dropped it and could be handed to another test), so dropping it stops it.
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

    pub fn answer(&self, template: ResponseTemplate) {
        *self.answer.lock().unwrap() = template;
    }

    pub fn url(&self) -> reqwest::Url {
        format!("{}/jwks.json", self.server.uri()).parse().unwrap()
    }

    pub async fn requests(&self) -> usize {
        self.server.received_requests().await.unwrap().len()
    }

    /// Shuts the server down and waits until its port refuses connections.
    pub async fn stop(self) {
        let address = *self.server.address();
        drop(self);
        let started = std::time::Instant::now();
        let patience = std::time::Duration::from_millis(50);
        while std::net::TcpStream::connect_timeout(&address, patience).is_ok() {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(5),
                "the IdP at {address} does not stop"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    pub fn config(&self) -> AuthConfig {
        AuthConfig {
            jwks_url: Some(self.url()),
            ..AuthConfig::default()
        }
    }
}
