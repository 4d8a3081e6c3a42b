//! A JWKS from a wiremock IdP: rotation to a new `kid`, unknown kids, untrusted keys.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::*;
use crate::support::TestGateway;

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
