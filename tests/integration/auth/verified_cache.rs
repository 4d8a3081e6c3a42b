//! The verified-token cache (auth/verified.rs) changes no answer: a token verified once is
//! still refused once it expires, and a token that differs from a cached one in any byte is
//! checked in full.

use std::time::Duration;

use serde_json::json;
use workorder_gateway::auth::{AuthConfig, AuthError};

use super::support::*;

/// Cached at its first use, the token is refused as expired once `exp` (no leeway here) has
/// passed: the cache holds it only until then.
#[tokio::test]
async fn a_cached_token_is_refused_once_it_expires() {
    let auth = authenticator(AuthConfig {
        leeway: Duration::ZERO,
        ..hs_config()
    })
    .await;
    let token = bearer(&hs256(&claims_with("exp", json!(now() + 1))));
    assert!(auth.authenticate(Some(&token)).await.is_ok());
    assert!(
        auth.authenticate(Some(&token)).await.is_ok(),
        "from the cache"
    );

    tokio::time::sleep(Duration::from_millis(2_100)).await;

    assert!(matches!(
        auth.authenticate(Some(&token)).await,
        Err(AuthError::Expired)
    ));
}

/// After a valid token is cached, the same token with its signature altered, or its payload
/// re-encoded, is verified in full and refused.
#[tokio::test]
async fn a_token_differing_from_a_cached_one_is_checked_in_full() {
    let auth = authenticator(hs_config()).await;
    let token = hs256(&valid_claims());
    assert!(auth.authenticate(Some(&bearer(&token))).await.is_ok());

    let (signed, signature) = token.rsplit_once('.').unwrap();
    let mut forged_signature = signature.to_owned();
    let last = forged_signature.pop().unwrap();
    forged_signature.push(if last == 'A' { 'B' } else { 'A' });
    let forged = format!("{signed}.{forged_signature}");
    assert!(matches!(
        auth.authenticate(Some(&bearer(&forged))).await,
        Err(AuthError::BadSignature)
    ));

    let (header, _) = signed.split_once('.').unwrap();
    let other_payload = raw_token(
        &serde_json::from_slice(&base64_url(header)).unwrap(),
        &claims_with("sub", json!("mallory")),
        &base64_url(signature),
    );
    assert!(
        auth.authenticate(Some(&bearer(&other_payload)))
            .await
            .is_err()
    );
}

fn base64_url(part: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap()
}
