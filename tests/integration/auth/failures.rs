//! Each way a token can fail maps to its own `AuthError` (HS256 configuration unless stated).

use jsonwebtoken::Algorithm;
use secrecy::SecretString;
use serde_json::{Value, json};
use workorder_gateway::auth::{AuthConfig, AuthError, Claim};

use super::support::*;

async fn rejection(config: AuthConfig, authorization: Option<&str>) -> AuthError {
    let auth = authenticator(config).await;
    auth.authenticate(authorization)
        .await
        .expect_err("token must be rejected")
}

#[tokio::test]
async fn valid_hs256_token_yields_subject_tenant_and_permissions() {
    let auth = authenticator(hs_config()).await;
    let token = hs256(&valid_claims());

    let claims = auth.authenticate(Some(&bearer(&token))).await.unwrap();

    assert_eq!(claims.subject, "alice");
    assert_eq!(claims.tenant, "demo");
    assert_eq!(
        claims
            .permissions
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>(),
        ["tickets:read"]
    );
}

#[tokio::test]
async fn missing_or_unparseable_headers_are_missing_or_malformed() {
    let cases: [(Option<&str>, AuthError); 6] = [
        (None, AuthError::Missing),
        (Some("   "), AuthError::Missing),
        (Some("Basic YWxpY2U6cHc="), AuthError::Malformed),
        (Some("Bearer not-a-jwt"), AuthError::Malformed),
        (Some("Bearer a.b.c"), AuthError::Malformed),
        (Some("Bearer e30.e30.e30.e30"), AuthError::Malformed),
    ];
    for (header, expected) in cases {
        assert_eq!(rejection(hs_config(), header).await, expected, "{header:?}");
    }
}

#[tokio::test]
async fn claim_problems_each_return_their_own_error() {
    let cases: Vec<(&str, Value, AuthError)> = vec![
        ("exp", json!(now() - 120), AuthError::Expired),
        ("exp", Value::Null, AuthError::MissingClaim(Claim::Expiry)),
        (
            "exp",
            json!("tomorrow"),
            AuthError::InvalidClaim(Claim::Expiry),
        ),
        ("nbf", json!(now() + 120), AuthError::NotYetValid),
        (
            "nbf",
            json!(true),
            AuthError::InvalidClaim(Claim::NotBefore),
        ),
        ("sub", Value::Null, AuthError::MissingClaim(Claim::Subject)),
        ("sub", json!(42), AuthError::InvalidClaim(Claim::Subject)),
        ("sub", json!(""), AuthError::InvalidClaim(Claim::Subject)),
        (
            "tenant",
            Value::Null,
            AuthError::MissingClaim(Claim::Tenant),
        ),
        (
            "tenant",
            json!(["demo"]),
            AuthError::InvalidClaim(Claim::Tenant),
        ),
        (
            "roles",
            json!({"tickets:read": true}),
            AuthError::InvalidClaim(Claim::Roles),
        ),
        (
            "roles",
            json!(["tickets:read", 7]),
            AuthError::InvalidClaim(Claim::Roles),
        ),
        (
            "scope",
            json!(["tickets:read"]),
            AuthError::InvalidClaim(Claim::Scope),
        ),
    ];
    for (claim, value, expected) in cases {
        let token = hs256(&claims_with(claim, value.clone()));

        let err = rejection(hs_config(), Some(&bearer(&token))).await;

        assert_eq!(err, expected, "{claim} = {value}");
    }
}

#[tokio::test]
async fn issuer_is_checked_only_when_configured() {
    let config = || AuthConfig {
        issuer: Some("https://idp.example.com/".to_owned()),
        ..hs_config()
    };
    let cases = [
        (json!("https://idp.example.com/"), Ok(())),
        (
            json!("https://evil.example.com/"),
            Err(AuthError::WrongIssuer),
        ),
        (Value::Null, Err(AuthError::MissingClaim(Claim::Issuer))),
        (
            json!(["https://idp.example.com/"]),
            Err(AuthError::InvalidClaim(Claim::Issuer)),
        ),
    ];
    for (iss, expected) in cases {
        let token = hs256(&claims_with("iss", iss.clone()));
        let auth = authenticator(config()).await;

        let got = auth.authenticate(Some(&bearer(&token))).await.map(|_| ());

        assert_eq!(got, expected, "iss = {iss}");
    }
    let unconfigured = authenticator(hs_config()).await;
    let token = hs256(&claims_with("iss", json!("anyone")));
    assert!(
        unconfigured
            .authenticate(Some(&bearer(&token)))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn audience_may_be_a_string_or_an_array_containing_the_configured_one() {
    let config = || AuthConfig {
        audience: Some("workorder-gateway".to_owned()),
        ..hs_config()
    };
    let cases = [
        (json!("workorder-gateway"), Ok(())),
        (json!(["other-api", "workorder-gateway"]), Ok(())),
        (json!("other-api"), Err(AuthError::WrongAudience)),
        (json!(["other-api"]), Err(AuthError::WrongAudience)),
        (json!([]), Err(AuthError::WrongAudience)),
        (Value::Null, Err(AuthError::MissingClaim(Claim::Audience))),
        (json!(7), Err(AuthError::InvalidClaim(Claim::Audience))),
        (
            json!(["workorder-gateway", 7]),
            Err(AuthError::InvalidClaim(Claim::Audience)),
        ),
    ];
    for (aud, expected) in cases {
        let token = hs256(&claims_with("aud", aud.clone()));
        let auth = authenticator(config()).await;

        let got = auth.authenticate(Some(&bearer(&token))).await.map(|_| ());

        assert_eq!(got, expected, "aud = {aud}");
    }
}

#[tokio::test]
async fn token_signed_with_another_secret_has_a_bad_signature() {
    let other =
        jsonwebtoken::EncodingKey::from_secret(b"another-secret-that-is-also-32-bytes-long");
    let token = sign(Algorithm::HS256, &other, None, &valid_claims());

    assert_eq!(
        rejection(hs_config(), Some(&bearer(&token))).await,
        AuthError::BadSignature
    );
}

#[tokio::test]
async fn tampered_payload_has_a_bad_signature() {
    let genuine = hs256(&valid_claims());
    let forged_claims = claims_with("tenant", json!("other-tenant"));
    let forged_payload = hs256(&forged_claims);
    let mut parts: Vec<&str> = genuine.split('.').collect();
    parts[1] = forged_payload.split('.').nth(1).unwrap();
    let tampered = parts.join(".");

    assert_eq!(
        rejection(hs_config(), Some(&bearer(&tampered))).await,
        AuthError::BadSignature
    );
}

#[tokio::test]
async fn alg_none_is_not_allowed() {
    for alg in ["none", "None", "NONE"] {
        let token = raw_token(&json!({ "alg": alg, "typ": "JWT" }), &valid_claims(), b"");
        // An empty signature part is malformed on its own; give it one so `alg` is what fails.
        let token = format!("{}x", token);

        assert_eq!(
            rejection(hs_config(), Some(&bearer(&token))).await,
            AuthError::AlgorithmNotAllowed,
            "{alg}"
        );
    }
}

#[tokio::test]
async fn hmac_algorithms_other_than_hs256_are_not_allowed_for_an_hs256_secret() {
    let token = sign(Algorithm::HS512, &hs_key(), None, &valid_claims());

    assert_eq!(
        rejection(hs_config(), Some(&bearer(&token))).await,
        AuthError::AlgorithmNotAllowed
    );
}

#[tokio::test]
async fn kid_pointing_nowhere_is_an_unknown_key_even_when_the_secret_matches() {
    let token = sign(
        Algorithm::HS256,
        &hs_key(),
        Some("nowhere"),
        &valid_claims(),
    );

    assert_eq!(
        rejection(hs_config(), Some(&bearer(&token))).await,
        AuthError::UnknownKey
    );
}

#[tokio::test]
async fn a_claim_given_twice_makes_the_token_malformed() {
    let exp = now() + 300;
    let payload = format!(r#"{{"sub":"alice","tenant":"demo","tenant":"other","exp":{exp}}}"#);
    let token = sign_raw(r#"{"alg":"HS256"}"#, &payload, &hs_key(), Algorithm::HS256);

    assert_eq!(
        rejection(hs_config(), Some(&bearer(&token))).await,
        AuthError::Malformed
    );
}

#[tokio::test]
async fn a_payload_that_is_not_a_json_object_is_malformed() {
    for payload in [r#"["sub","alice"]"#, "null", r#"{"sub":"alice"} trailing"#] {
        let token = sign_raw(r#"{"alg":"HS256"}"#, payload, &hs_key(), Algorithm::HS256);

        assert_eq!(
            rejection(hs_config(), Some(&bearer(&token))).await,
            AuthError::Malformed,
            "{payload}"
        );
    }
}

#[tokio::test]
async fn any_of_several_hs256_secrets_verifies() {
    let config = AuthConfig {
        hs256_secrets: vec![
            SecretString::from("the-retiring-secret-still-32-bytes-long!!"),
            SecretString::from(SECRET),
        ],
        ..AuthConfig::default()
    };

    let auth = authenticator(config).await;

    assert!(
        auth.authenticate(Some(&bearer(&hs256(&valid_claims()))))
            .await
            .is_ok()
    );
}
