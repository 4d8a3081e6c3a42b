//! RS256 and ES256 public keys, and the algorithm pinning that defeats key-confusion tokens.

use jsonwebtoken::{Algorithm, EncodingKey};
use secrecy::SecretString;
use workorder_gateway::auth::{AuthConfig, AuthError};

use super::support::*;

#[tokio::test]
async fn rs256_token_verifies_against_the_rsa_public_key() {
    let auth = authenticator(pem_config(vec![pem_key(
        "idp.pem",
        "rsa_a_public.pem",
        None,
    )]))
    .await;
    let token = sign(Algorithm::RS256, &rsa_a(), None, &valid_claims());

    let claims = auth.authenticate(Some(&bearer(&token))).await.unwrap();

    assert_eq!(
        (claims.subject.as_str(), claims.tenant.as_str()),
        ("alice", "demo")
    );
}

#[tokio::test]
async fn es256_token_verifies_against_the_ec_public_key() {
    let auth = authenticator(pem_config(vec![pem_key(
        "ec.pem",
        "ec_p256_public.pem",
        None,
    )]))
    .await;
    let token = sign(Algorithm::ES256, &ec_p256(), None, &valid_claims());

    let claims = auth.authenticate(Some(&bearer(&token))).await.unwrap();

    assert_eq!(claims.subject, "alice");
}

#[tokio::test]
async fn rs256_token_signed_by_another_rsa_key_has_a_bad_signature() {
    let auth = authenticator(pem_config(vec![pem_key(
        "idp.pem",
        "rsa_a_public.pem",
        None,
    )]))
    .await;
    let token = sign(Algorithm::RS256, &rsa_b(), None, &valid_claims());

    let err = auth.authenticate(Some(&bearer(&token))).await.unwrap_err();

    assert_eq!(err, AuthError::BadSignature);
}

#[tokio::test]
async fn hs256_token_using_the_rsa_public_key_as_hmac_secret_is_refused() {
    // The classic key-confusion attack: the attacker knows the public PEM and signs with it
    // as an HMAC secret, hoping the verifier feeds the same bytes to HMAC.
    let public_pem = fixture("rsa_a_public.pem");
    let forged = sign(
        Algorithm::HS256,
        &EncodingKey::from_secret(public_pem.as_bytes()),
        None,
        &valid_claims(),
    );
    let rsa_only = pem_config(vec![pem_key("idp.pem", "rsa_a_public.pem", None)]);
    let rsa_and_secret = AuthConfig {
        hs256_secrets: vec![SecretString::from(SECRET)],
        ..pem_config(vec![pem_key("idp.pem", "rsa_a_public.pem", None)])
    };

    let without_secret = authenticator(rsa_only)
        .await
        .authenticate(Some(&bearer(&forged)))
        .await;
    let with_secret = authenticator(rsa_and_secret)
        .await
        .authenticate(Some(&bearer(&forged)))
        .await;

    assert_eq!(without_secret.unwrap_err(), AuthError::AlgorithmNotAllowed);
    assert_eq!(with_secret.unwrap_err(), AuthError::BadSignature);
}

#[tokio::test]
async fn algorithms_no_configured_key_uses_are_not_allowed() {
    let auth = authenticator(pem_config(vec![pem_key(
        "idp.pem",
        "rsa_a_public.pem",
        None,
    )]))
    .await;
    let cases = [
        sign(Algorithm::ES256, &ec_p256(), None, &valid_claims()),
        sign(Algorithm::PS256, &rsa_a(), None, &valid_claims()),
        sign(Algorithm::RS512, &rsa_a(), None, &valid_claims()),
        hs256(&valid_claims()),
    ];
    for token in cases {
        let err = auth.authenticate(Some(&bearer(&token))).await.unwrap_err();

        assert_eq!(err, AuthError::AlgorithmNotAllowed);
    }
}

#[tokio::test]
async fn kid_selects_only_the_key_with_that_kid() {
    let config = pem_config(vec![
        pem_key("a.pem", "rsa_a_public.pem", Some("key-a")),
        pem_key("b.pem", "rsa_b_public.pem", Some("key-b")),
    ]);
    let auth = authenticator(config).await;
    let cases = [
        (
            sign(Algorithm::RS256, &rsa_a(), Some("key-a"), &valid_claims()),
            Ok(()),
        ),
        (
            sign(Algorithm::RS256, &rsa_b(), Some("key-b"), &valid_claims()),
            Ok(()),
        ),
        // Right key material, wrong kid: only key-b is tried, and it does not verify.
        (
            sign(Algorithm::RS256, &rsa_a(), Some("key-b"), &valid_claims()),
            Err(AuthError::BadSignature),
        ),
        (
            sign(Algorithm::RS256, &rsa_a(), Some("key-c"), &valid_claims()),
            Err(AuthError::UnknownKey),
        ),
        (
            sign(Algorithm::ES256, &ec_p256(), Some("key-a"), &valid_claims()),
            Err(AuthError::AlgorithmNotAllowed),
        ),
        // Without a kid every key of the header's algorithm is tried.
        (
            sign(Algorithm::RS256, &rsa_b(), None, &valid_claims()),
            Ok(()),
        ),
    ];
    for (i, (token, expected)) in cases.into_iter().enumerate() {
        let got = auth.authenticate(Some(&bearer(&token))).await.map(|_| ());

        assert_eq!(got, expected, "case {i}");
    }
}

#[tokio::test]
async fn hs256_rsa_and_ec_keys_can_be_configured_together() {
    let config = AuthConfig {
        hs256_secrets: vec![SecretString::from(SECRET)],
        ..pem_config(vec![
            pem_key("rsa.pem", "rsa_a_public.pem", None),
            pem_key("ec.pem", "ec_p256_public.pem", None),
        ])
    };
    let auth = authenticator(config).await;
    let tokens = [
        hs256(&valid_claims()),
        sign(Algorithm::RS256, &rsa_a(), None, &valid_claims()),
        sign(Algorithm::ES256, &ec_p256(), None, &valid_claims()),
    ];

    for token in tokens {
        assert!(auth.authenticate(Some(&bearer(&token))).await.is_ok());
    }
}
