//! JWT authentication over HTTP: every failure is 401 `unauthenticated` with
//! `WWW-Authenticate: Bearer error="invalid_token"`; RS256 / ES256 PEM keys from
//! `auth.public_key_files` (with and without a `kid`); roles vs `scope`; a JWKS IdP (wiremock)
//! rotating its key, and going down across a configuration reload; the header `typ`, the
//! token lifetime and `iat`. Keys: `tests/fixtures/keys/` (see its README). This file holds the
//! helpers; the tests are in `auth/`.

mod failed_auth;
mod failures;
mod idp;
mod jwks;
mod pem_keys;
mod permissions;
mod reload;
mod token_rules;

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::support::{SECRET, TestGateway, demo_config, key_path, problem};

const CHALLENGE: &str = r#"Bearer error="invalid_token""#;

/// The detail of every 401: the same whatever went wrong (the reason is logged only).
const GENERIC_DETAIL: &str = "a valid bearer token is required";

/// The `aud` and `iss` every configuration with asymmetric keys must pin; [`claims`] carries
/// both (a configuration that pins neither ignores them).
const AUDIENCE: &str = "workorder-gateway";
const ISSUER: &str = "https://idp.example.com/";

/// `[auth]` lines pinning [`AUDIENCE`] and [`ISSUER`].
fn pinned() -> String {
    format!("audience = {AUDIENCE:?}\nissuer = {ISSUER:?}")
}

fn private_key(name: &str) -> EncodingKey {
    let pem = std::fs::read(key_path(name)).unwrap();
    if name.starts_with("rsa") {
        EncodingKey::from_rsa_pem(&pem).unwrap()
    } else {
        EncodingKey::from_ec_pem(&pem).unwrap()
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A valid payload for alice of tenant demo with `tickets:read`, for [`AUDIENCE`] from
/// [`ISSUER`]; `changes` set (or, when null, remove) claims.
fn claims(changes: Value) -> Value {
    let mut claims = json!({
        "sub": "alice", "tenant": "demo", "roles": ["tickets:read"], "exp": now() + 300,
        "aud": AUDIENCE, "iss": ISSUER,
    });
    for (key, value) in changes.as_object().unwrap() {
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(key);
        } else {
            claims[key] = value.clone();
        }
    }
    claims
}

fn sign(alg: Algorithm, key: &EncodingKey, kid: Option<&str>, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

fn hs256(claims: &Value) -> String {
    sign(
        Algorithm::HS256,
        &EncodingKey::from_secret(SECRET.as_bytes()),
        None,
        claims,
    )
}

/// The demo configuration with `lines` added to `[auth]`; `hs256 = false` drops the HS256
/// secret, leaving only what `lines` configures.
fn auth_config(lines: &str, hs256: bool) -> String {
    let mut toml = demo_config("").replace("[auth]\n", &format!("[auth]\n{lines}\n"));
    if !hs256 {
        toml = toml.replace(&format!("hs256_secret = \"{SECRET}\"\n"), "");
    }
    toml
}

/// `GET /tickets` with this `Authorization` header value (none when `None`).
async fn call(gateway: &TestGateway, authorization: Option<&str>) -> reqwest::Response {
    let mut request = gateway.http.get(format!("{}/tickets", gateway.url));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request.send().await.unwrap()
}

async fn assert_accepted(gateway: &TestGateway, token: &str) {
    let response = call(gateway, Some(&format!("Bearer {token}"))).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

async fn assert_rejected(gateway: &TestGateway, authorization: Option<&str>) {
    let response = call(gateway, authorization).await;
    assert_eq!(
        response
            .headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap()),
        Some(CHALLENGE),
        "{authorization:?}"
    );
    let body = problem(response, 401, "unauthenticated").await;
    assert_eq!(body["detail"], GENERIC_DETAIL, "{authorization:?}");
}

async fn assert_token_rejected(gateway: &TestGateway, token: &str) {
    assert_rejected(gateway, Some(&format!("Bearer {token}"))).await;
}

async fn hs_gateway() -> TestGateway {
    TestGateway::start(&demo_config("")).await
}
