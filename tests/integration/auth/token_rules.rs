//! The header `typ` (`required_typ`), the lifetime `exp - iat` (`max_token_lifetime`) and an
//! `iat` in the future (always refused beyond the leeway), each with its own `AuthError`.

use std::time::Duration;

use jsonwebtoken::{Algorithm, Header};
use serde_json::{Value, json};
use workorder_gateway::auth::{AuthConfig, AuthError, Claim};

use super::support::*;

/// An HS256 token of `claims` whose header carries `typ` (none when `None`).
fn typed(typ: Option<&str>, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.typ = typ.map(str::to_owned);
    bearer(&jsonwebtoken::encode(&header, claims, &hs_key()).unwrap())
}

fn requiring(typ: &str) -> AuthConfig {
    AuthConfig {
        required_typ: Some(typ.to_owned()),
        ..hs_config()
    }
}

#[tokio::test]
async fn a_required_typ_is_matched_as_a_media_type_and_anything_else_is_wrong_type() {
    let cases = [
        ("at+jwt", Some("at+jwt"), Ok(())),
        ("at+jwt", Some("AT+JWT"), Ok(())),
        ("at+jwt", Some("application/at+jwt"), Ok(())),
        ("application/at+jwt", Some("at+jwt"), Ok(())),
        ("JWT", Some("application/JWT"), Ok(())),
        ("at+jwt", Some("JWT"), Err(AuthError::WrongType)),
        ("at+jwt", Some("application/jwt"), Err(AuthError::WrongType)),
        ("at+jwt", None, Err(AuthError::WrongType)),
    ];
    for (required, typ, expected) in cases {
        let auth = authenticator(requiring(required)).await;

        let got = auth
            .authenticate(Some(&typed(typ, &valid_claims())))
            .await
            .map(|_| ());

        assert_eq!(got, expected, "required {required}, typ {typ:?}");
    }
}

#[tokio::test]
async fn the_typ_is_judged_only_after_the_signature_verified() {
    let auth = authenticator(requiring("at+jwt")).await;
    let wrong_key = {
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some("JWT".to_owned());
        let key = jsonwebtoken::EncodingKey::from_secret(b"another-secret-of-at-least-32-bytes!!");
        bearer(&jsonwebtoken::encode(&header, &valid_claims(), &key).unwrap())
    };

    assert_eq!(
        auth.authenticate(Some(&wrong_key)).await,
        Err(AuthError::BadSignature)
    );
}

#[tokio::test]
async fn no_required_typ_accepts_any_typ_or_none() {
    let auth = authenticator(hs_config()).await;

    for typ in [Some("JWT"), Some("at+jwt"), Some("whatever"), None] {
        let got = auth.authenticate(Some(&typed(typ, &valid_claims()))).await;

        assert!(got.is_ok(), "{typ:?}: {got:?}");
    }
}

#[tokio::test]
async fn a_maximum_lifetime_bounds_exp_minus_iat_and_requires_iat() {
    let config = || AuthConfig {
        max_token_lifetime: Some(Duration::from_secs(600)),
        ..hs_config()
    };
    let now = now();
    let cases = [
        (json!(now), json!(now + 600), Ok(())),
        (
            json!(now),
            json!(now + 601),
            Err(AuthError::LifetimeTooLong),
        ),
        (
            json!(now - 3000),
            json!(now + 60),
            Err(AuthError::LifetimeTooLong),
        ),
        (
            Value::Null,
            json!(now + 60),
            Err(AuthError::MissingClaim(Claim::IssuedAt)),
        ),
        (
            json!("today"),
            json!(now + 60),
            Err(AuthError::InvalidClaim(Claim::IssuedAt)),
        ),
    ];
    for (iat, exp, expected) in cases {
        let auth = authenticator(config()).await;
        let mut claims = claims_with("iat", iat.clone());
        claims["exp"] = exp.clone();

        let got = auth
            .authenticate(Some(&bearer(&hs256(&claims))))
            .await
            .map(|_| ());

        assert_eq!(got, expected, "iat {iat}, exp {exp}");
    }
}

#[tokio::test]
async fn iat_in_the_future_beyond_the_leeway_is_refused_without_any_setting() {
    let with_leeway = |secs| AuthConfig {
        leeway: Duration::from_secs(secs),
        ..hs_config()
    };
    let now = now();
    let cases = [
        (30, json!(now + 10), Ok(())),
        (30, json!(now + 60), Err(AuthError::IssuedInFuture)),
        (0, json!(now + 10), Err(AuthError::IssuedInFuture)),
        (0, json!(now - 1), Ok(())),
        (30, Value::Null, Ok(())),
        (
            30,
            json!(true),
            Err(AuthError::InvalidClaim(Claim::IssuedAt)),
        ),
    ];
    for (leeway, iat, expected) in cases {
        let auth = authenticator(with_leeway(leeway)).await;

        let got = auth
            .authenticate(Some(&bearer(&hs256(&claims_with("iat", iat.clone())))))
            .await
            .map(|_| ());

        assert_eq!(got, expected, "iat {iat} with leeway {leeway}");
    }
}

#[test]
fn the_new_refusals_have_stable_reasons_for_logs_and_metrics() {
    let reasons = [
        AuthError::WrongType,
        AuthError::LifetimeTooLong,
        AuthError::IssuedInFuture,
    ]
    .map(|e| e.reason());

    assert_eq!(
        reasons,
        ["wrong_type", "lifetime_too_long", "issued_in_future"]
    );
}
