//! Each way a token fails is 401 with the `invalid_token` challenge; the boundaries of the
//! leeway, issuer and audience are accepted where they should be.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};

use super::*;
use crate::support::{SECRET, TestGateway};

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
