//! The shape of a token beyond its signature, over HTTP: the header `typ` when
//! `auth.required_typ` is set, the lifetime `exp - iat` when `auth.max_token_lifetime_secs` is
//! set, and an `iat` in the future (always). Every refusal is the same generic 401.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use super::*;
use crate::support::{SECRET, TestGateway};

/// An HS256 token whose header carries `typ` (none when `None`).
fn typed(typ: Option<&str>, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.typ = typ.map(str::to_owned);
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn required_typ_at_jwt_accepts_any_case_and_the_application_prefix_and_nothing_else() {
    let gateway = TestGateway::start(&auth_config(r#"required_typ = "at+jwt""#, true)).await;

    for typ in [
        "at+jwt",
        "AT+JWT",
        "application/at+jwt",
        "Application/At+Jwt",
    ] {
        assert_accepted(&gateway, &typed(Some(typ), &claims(json!({})))).await;
    }
    for typ in [
        Some("JWT"),
        Some("application/jwt"),
        Some("at+jwt2"),
        Some("text/at+jwt"),
        None,
    ] {
        assert_token_rejected(&gateway, &typed(typ, &claims(json!({})))).await;
    }
}

#[tokio::test]
async fn any_typ_or_none_is_accepted_when_no_typ_is_required() {
    let gateway = hs_gateway().await;

    for typ in [Some("JWT"), Some("at+jwt"), Some("anything"), None] {
        assert_accepted(&gateway, &typed(typ, &claims(json!({})))).await;
    }
}

#[tokio::test]
async fn a_token_living_longer_than_max_token_lifetime_secs_is_401_and_so_is_one_without_iat() {
    let gateway = TestGateway::start(&auth_config("max_token_lifetime_secs = 600", true)).await;
    let now = now();

    assert_accepted(
        &gateway,
        &hs256(&claims(json!({ "iat": now, "exp": now + 600 }))),
    )
    .await;
    // Expiring soon does not help: minted for 700 seconds, it could have been used for 700.
    assert_token_rejected(
        &gateway,
        &hs256(&claims(json!({ "iat": now - 500, "exp": now + 200 }))),
    )
    .await;
    assert_token_rejected(
        &gateway,
        &hs256(&claims(json!({ "iat": now, "exp": now + 601 }))),
    )
    .await;
    assert_token_rejected(&gateway, &hs256(&claims(json!({ "iat": null })))).await;
}

#[tokio::test]
async fn a_token_without_iat_is_accepted_when_no_maximum_lifetime_is_set() {
    let gateway = hs_gateway().await;

    assert_accepted(&gateway, &hs256(&claims(json!({ "iat": null })))).await;
}

#[tokio::test]
async fn a_token_issued_in_the_future_beyond_the_leeway_is_401_with_no_setting_needed() {
    let default_leeway = hs_gateway().await;
    let no_leeway = TestGateway::start(&auth_config("leeway_secs = 0", true)).await;
    let now = now();

    assert_accepted(&default_leeway, &hs256(&claims(json!({ "iat": now + 10 })))).await;
    assert_token_rejected(
        &default_leeway,
        &hs256(&claims(json!({ "iat": now + 120 }))),
    )
    .await;
    assert_token_rejected(&no_leeway, &hs256(&claims(json!({ "iat": now + 10 })))).await;
    assert_accepted(&no_leeway, &hs256(&claims(json!({ "iat": now - 1 })))).await;
    assert_token_rejected(
        &default_leeway,
        &hs256(&claims(json!({ "iat": "yesterday" }))),
    )
    .await;
}
