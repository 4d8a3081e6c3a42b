//! JWT authentication over HTTP: every failure is 401 `unauthenticated` with
//! `WWW-Authenticate: Bearer error="invalid_token"`; RS256 / ES256 PEM keys from
//! `auth.public_key_files` (with and without a `kid`); roles vs `scope`; a JWKS IdP (wiremock)
//! rotating its key. Keys: `tests/fixtures/keys/` (see its README).

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};
use workorder_gateway::settings::{KeyFileWithKid, PublicKeyFile, Settings};

use crate::support::{SECRET, TestGateway, demo_config, problem};

const CHALLENGE: &str = r#"Bearer error="invalid_token""#;

fn key_path(name: &str) -> String {
    format!("{}/tests/fixtures/keys/{name}", env!("CARGO_MANIFEST_DIR"))
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

/// A valid payload for alice of tenant demo with `tickets:read`; `changes` set (or, when
/// null, remove) claims.
fn claims(changes: Value) -> Value {
    let mut claims = json!({
        "sub": "alice", "tenant": "demo", "roles": ["tickets:read"], "exp": now() + 300
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
    problem(response, 401, "unauthenticated").await;
}

async fn assert_token_rejected(gateway: &TestGateway, token: &str) {
    assert_rejected(gateway, Some(&format!("Bearer {token}"))).await;
}

async fn hs_gateway() -> TestGateway {
    TestGateway::start(&demo_config("")).await
}

#[tokio::test]
async fn valid_hs256_token_is_accepted() {
    let gateway = hs_gateway().await;

    assert_accepted(&gateway, &hs256(&claims(json!({})))).await;
}

#[tokio::test]
async fn missing_authorization_header_is_401_with_the_bearer_challenge() {
    let gateway = hs_gateway().await;

    assert_rejected(&gateway, None).await;
}

#[tokio::test]
async fn non_bearer_authorization_is_401() {
    let gateway = hs_gateway().await;
    let token = hs256(&claims(json!({})));

    for value in [
        format!("Basic {token}"),
        "Basic YWxpY2U6c2VjcmV0".to_owned(),
        token.clone(),
        "Bearer".to_owned(),
    ] {
        assert_rejected(&gateway, Some(&value)).await;
    }
}

#[tokio::test]
async fn malformed_token_is_401() {
    let gateway = hs_gateway().await;
    let valid = hs256(&claims(json!({})));
    let two_parts = valid.rsplit_once('.').unwrap().0.to_owned();
    let not_base64 = format!("!!!.{}", valid.split_once('.').unwrap().1);
    let not_json = format!(
        "{}.{}.c2ln",
        URL_SAFE_NO_PAD.encode("not json"),
        URL_SAFE_NO_PAD.encode("{}")
    );

    for token in ["abc", two_parts.as_str(), &not_base64, &not_json] {
        assert_token_rejected(&gateway, token).await;
    }
}

#[tokio::test]
async fn expired_token_is_401_but_expiry_within_the_leeway_is_accepted() {
    let gateway = hs_gateway().await;

    assert_token_rejected(&gateway, &hs256(&claims(json!({ "exp": now() - 120 })))).await;
    assert_accepted(&gateway, &hs256(&claims(json!({ "exp": now() - 5 })))).await;
}

#[tokio::test]
async fn token_without_exp_is_401() {
    let gateway = hs_gateway().await;

    assert_token_rejected(&gateway, &hs256(&claims(json!({ "exp": null })))).await;
}

#[tokio::test]
async fn token_not_valid_until_beyond_the_leeway_is_401_but_within_it_is_accepted() {
    let gateway = hs_gateway().await;

    assert_token_rejected(&gateway, &hs256(&claims(json!({ "nbf": now() + 120 })))).await;
    assert_accepted(&gateway, &hs256(&claims(json!({ "nbf": now() + 5 })))).await;
}

#[tokio::test]
async fn token_signed_with_another_secret_is_401() {
    let gateway = hs_gateway().await;
    let other = EncodingKey::from_secret(b"another-secret-of-at-least-32-bytes-long");

    assert_token_rejected(
        &gateway,
        &sign(Algorithm::HS256, &other, None, &claims(json!({}))),
    )
    .await;
}

#[tokio::test]
async fn token_with_a_tampered_payload_is_401() {
    let gateway = hs_gateway().await;
    let token = hs256(&claims(json!({})));
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = URL_SAFE_NO_PAD
        .encode(claims(json!({ "roles": ["tickets:read", "tickets:write"] })).to_string());

    assert_token_rejected(&gateway, &parts.join(".")).await;
}

#[tokio::test]
async fn alg_none_token_is_401() {
    let gateway = hs_gateway().await;
    let body = URL_SAFE_NO_PAD.encode(claims(json!({})).to_string());

    for header in [
        json!({ "alg": "none", "typ": "JWT" }),
        json!({ "alg": "None" }),
    ] {
        let header = URL_SAFE_NO_PAD.encode(header.to_string());
        assert_token_rejected(&gateway, &format!("{header}.{body}.")).await;
        assert_token_rejected(&gateway, &format!("{header}.{body}")).await;
    }
}

#[tokio::test]
async fn token_naming_an_unknown_kid_is_401() {
    let gateway = hs_gateway().await;
    let key = EncodingKey::from_secret(SECRET.as_bytes());

    assert_token_rejected(
        &gateway,
        &sign(Algorithm::HS256, &key, Some("nowhere"), &claims(json!({}))),
    )
    .await;
}

#[tokio::test]
async fn wrong_issuer_is_401_when_an_issuer_is_configured() {
    let gateway =
        TestGateway::start(&auth_config(r#"issuer = "https://idp.example.com/""#, true)).await;

    assert_accepted(
        &gateway,
        &hs256(&claims(json!({ "iss": "https://idp.example.com/" }))),
    )
    .await;
    for iss in [json!("https://evil.example.com/"), Value::Null] {
        assert_token_rejected(&gateway, &hs256(&claims(json!({ "iss": iss })))).await;
    }
}

#[tokio::test]
async fn wrong_audience_is_401_when_an_audience_is_configured() {
    let gateway = TestGateway::start(&auth_config(r#"audience = "workorder-gateway""#, true)).await;

    assert_accepted(
        &gateway,
        &hs256(&claims(json!({ "aud": ["other", "workorder-gateway"] }))),
    )
    .await;
    for aud in [json!("other"), json!(["a", "b"]), Value::Null] {
        assert_token_rejected(&gateway, &hs256(&claims(json!({ "aud": aud })))).await;
    }
}

fn pem_files(entries: &[&str]) -> String {
    format!("public_key_files = [{}]", entries.join(", "))
}

fn plain(name: &str) -> String {
    format!("{:?}", key_path(name))
}

fn with_kid(name: &str, kid: &str) -> String {
    format!("{{ file = {:?}, kid = {kid:?} }}", key_path(name))
}

#[tokio::test]
async fn rs256_and_es256_pem_keys_verify_tokens_over_http() {
    let config = auth_config(
        &pem_files(&[&plain("rsa_a_public.pem"), &plain("ec_p256_public.pem")]),
        false,
    );
    let gateway = TestGateway::start(&config).await;

    let rs = sign(
        Algorithm::RS256,
        &private_key("rsa_a_private.pem"),
        None,
        &claims(json!({})),
    );
    let es = sign(
        Algorithm::ES256,
        &private_key("ec_p256_private.pem"),
        None,
        &claims(json!({})),
    );

    assert_accepted(&gateway, &rs).await;
    assert_accepted(&gateway, &es).await;
}

#[tokio::test]
async fn token_signed_by_an_untrusted_rsa_key_is_401() {
    let config = auth_config(&pem_files(&[&plain("rsa_a_public.pem")]), false);
    let gateway = TestGateway::start(&config).await;

    let token = sign(
        Algorithm::RS256,
        &private_key("rsa_b_private.pem"),
        None,
        &claims(json!({})),
    );

    assert_token_rejected(&gateway, &token).await;
}

#[tokio::test]
async fn hs256_token_is_401_against_an_rs256_only_configuration() {
    let config = auth_config(&pem_files(&[&plain("rsa_a_public.pem")]), false);
    let gateway = TestGateway::start(&config).await;
    // The classic confusion attack: HMAC keyed with the RSA public key's PEM text.
    let public_pem = std::fs::read(key_path("rsa_a_public.pem")).unwrap();

    for secret in [public_pem.as_slice(), SECRET.as_bytes()] {
        let token = sign(
            Algorithm::HS256,
            &EncodingKey::from_secret(secret),
            None,
            &claims(json!({})),
        );
        assert_token_rejected(&gateway, &token).await;
    }
}

#[tokio::test]
async fn pem_key_configured_with_a_kid_verifies_tokens_naming_that_kid() {
    let config = auth_config(
        &pem_files(&[
            &with_kid("rsa_a_public.pem", "rsa-2024"),
            &with_kid("ec_p256_public.pem", "ec-2024"),
        ]),
        false,
    );
    let gateway = TestGateway::start(&config).await;
    let rsa = private_key("rsa_a_private.pem");
    let ec = private_key("ec_p256_private.pem");

    assert_accepted(
        &gateway,
        &sign(Algorithm::RS256, &rsa, Some("rsa-2024"), &claims(json!({}))),
    )
    .await;
    assert_accepted(
        &gateway,
        &sign(Algorithm::ES256, &ec, Some("ec-2024"), &claims(json!({}))),
    )
    .await;
    // The kid selects the key: the right key under another kid, or another key's kid, fails.
    assert_token_rejected(
        &gateway,
        &sign(Algorithm::RS256, &rsa, Some("rsa-2023"), &claims(json!({}))),
    )
    .await;
    assert_token_rejected(
        &gateway,
        &sign(Algorithm::RS256, &rsa, Some("ec-2024"), &claims(json!({}))),
    )
    .await;
}

#[tokio::test]
async fn pem_key_configured_without_a_kid_refuses_tokens_naming_one() {
    let config = auth_config(&pem_files(&[&plain("rsa_a_public.pem")]), false);
    let gateway = TestGateway::start(&config).await;

    let token = sign(
        Algorithm::RS256,
        &private_key("rsa_a_private.pem"),
        Some("rsa-2024"),
        &claims(json!({})),
    );

    assert_token_rejected(&gateway, &token).await;
}

#[test]
fn public_key_files_accepts_paths_and_tables_with_a_kid() {
    let config = auth_config(
        r#"public_key_files = ["a.pem", { file = "b.pem", kid = "k-b" }]"#,
        true,
    );

    let settings = Settings::from_toml_str(&config).unwrap();

    assert_eq!(
        settings.auth.public_key_files,
        vec![
            PublicKeyFile::Path("a.pem".into()),
            PublicKeyFile::WithKid(KeyFileWithKid {
                file: "b.pem".into(),
                kid: "k-b".to_owned()
            }),
        ]
    );
    assert_eq!(settings.auth.public_key_files[1].kid(), Some("k-b"));
    assert_eq!(
        settings.auth.public_key_files[1].file(),
        std::path::Path::new("b.pem")
    );
}

#[test]
fn public_key_files_refuses_malformed_entries() {
    for entry in [
        r#"{ kid = "k" }"#,
        r#"{ file = "a.pem", kid = "k", alg = "RS256" }"#,
        r#"{ file = "a.pem", kid = "" }"#,
        "42",
    ] {
        let config = auth_config(&format!("public_key_files = [{entry}]"), true);

        let result = Settings::from_toml_str(&config);

        let message = result.unwrap_err().to_string();
        assert!(message.contains("public_key_files"), "{entry}: {message}");
    }
}

#[tokio::test]
async fn oauth_scope_grants_permissions_like_the_roles_claim() {
    let gateway = hs_gateway().await;

    let by_scope = hs256(&claims(
        json!({ "roles": null, "scope": "openid tickets:read" }),
    ));
    let neither = hs256(&claims(json!({ "roles": null })));
    let wrong_role = hs256(&claims(json!({ "roles": ["tickets:write"] })));
    let wrong_scope = hs256(&claims(json!({ "roles": null, "scope": "tickets:write" })));

    assert_accepted(&gateway, &by_scope).await;
    for token in [neither, wrong_role, wrong_scope] {
        problem(gateway.get("/tickets", &token).await, 403, "forbidden").await;
    }
}

#[tokio::test]
async fn a_configured_roles_claim_name_is_read_instead_of_roles() {
    let gateway = TestGateway::start(&auth_config(r#"roles_claim = "permissions""#, true)).await;

    let custom = hs256(&claims(
        json!({ "roles": null, "permissions": ["tickets:read"] }),
    ));
    let default_name = hs256(&claims(json!({})));

    assert_accepted(&gateway, &custom).await;
    problem(
        gateway.get("/tickets", &default_name).await,
        403,
        "forbidden",
    )
    .await;
}

/// A wiremock IdP whose `/jwks.json` answer can be swapped mid-test.
struct Idp {
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
    async fn start(keys: Vec<Value>) -> Self {
        let server = MockServer::start().await;
        let answer = Arc::new(Mutex::new(json!({ "keys": keys })));
        Mock::given(method("GET"))
            .and(path("/jwks.json"))
            .respond_with(Swappable(answer.clone()))
            .mount(&server)
            .await;
        Self { server, answer }
    }

    fn rotate(&self, keys: Vec<Value>) {
        *self.answer.lock().unwrap() = json!({ "keys": keys });
    }

    async fn fetches(&self) -> usize {
        self.server.received_requests().await.unwrap().len()
    }
}

fn jwk(kid: &str, key: &EncodingKey, alg: Algorithm) -> Value {
    let mut jwk = Jwk::from_encoding_key(key, alg).unwrap();
    jwk.common.key_id = Some(kid.to_owned());
    serde_json::to_value(jwk).unwrap()
}

#[tokio::test]
async fn jwks_key_rotated_in_by_the_idp_is_accepted_after_the_rotation() {
    let old = private_key("rsa_a_private.pem");
    let new = private_key("rsa_b_private.pem");
    let idp = Idp::start(vec![jwk("2024-01", &old, Algorithm::RS256)]).await;
    let config = auth_config(
        &format!(
            "jwks_url = \"{}/jwks.json\"\njwks_refresh_min_interval_secs = 1",
            idp.server.uri()
        ),
        false,
    );
    let gateway = TestGateway::start(&config).await;
    let old_token = sign(Algorithm::RS256, &old, Some("2024-01"), &claims(json!({})));
    let new_token = sign(Algorithm::RS256, &new, Some("2024-07"), &claims(json!({})));

    assert_accepted(&gateway, &old_token).await;
    assert_token_rejected(&gateway, &new_token).await;
    idp.rotate(vec![
        jwk("2024-01", &old, Algorithm::RS256),
        jwk("2024-07", &new, Algorithm::RS256),
    ]);
    // An unknown kid may trigger one refetch per `jwks_refresh_min_interval_secs`.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let fetches_before = idp.fetches().await;

    assert_accepted(&gateway, &new_token).await;
    assert_accepted(&gateway, &new_token).await;
    assert_accepted(&gateway, &old_token).await;
    assert_eq!(
        idp.fetches().await,
        fetches_before + 1,
        "one refetch for the new kid, then cached"
    );
}

#[tokio::test]
async fn jwks_token_with_an_unknown_kid_or_an_untrusted_key_is_401() {
    let trusted = private_key("rsa_a_private.pem");
    let attacker = private_key("rsa_b_private.pem");
    let idp = Idp::start(vec![jwk("k1", &trusted, Algorithm::RS256)]).await;
    let config = auth_config(
        &format!("jwks_url = \"{}/jwks.json\"", idp.server.uri()),
        false,
    );
    let gateway = TestGateway::start(&config).await;

    assert_token_rejected(
        &gateway,
        &sign(Algorithm::RS256, &trusted, Some("k9"), &claims(json!({}))),
    )
    .await;
    assert_token_rejected(
        &gateway,
        &sign(Algorithm::RS256, &attacker, Some("k1"), &claims(json!({}))),
    )
    .await;
    assert_accepted(
        &gateway,
        &sign(Algorithm::RS256, &trusted, Some("k1"), &claims(json!({}))),
    )
    .await;
}
