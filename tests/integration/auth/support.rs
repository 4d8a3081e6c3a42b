//! Keys, token builders and configurations; the IdP is the shared one (`support::idp`).

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::SecretString;
use serde_json::{Value, json};
use workorder_gateway::auth::{AuthConfig, Authenticator, PublicKeySource};

pub use crate::support::idp::{Idp, jwk, jwks};

pub const SECRET: &str = "unit-test-hs256-secret-of-at-least-32-bytes";

pub fn fixture(name: &str) -> String {
    let path = crate::support::key_path(name);
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
    Authenticator::new(
        config,
        reqwest::Client::new(),
        &workorder_gateway::telemetry::Metrics::new(),
    )
    .await
    .expect("authenticator builds")
}
