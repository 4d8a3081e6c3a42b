//! A JWKS from a wiremock IdP: rotation to a new `kid`, unknown kids, untrusted keys.

use std::time::Duration;

use jsonwebtoken::Algorithm;
use serde_json::json;

use super::idp::{Idp, jwk};
use super::*;
use crate::support::TestGateway;

#[tokio::test]
async fn jwks_key_rotated_in_by_the_idp_is_accepted_after_the_rotation() {
    let old = private_key("rsa_a_private.pem");
    let new = private_key("rsa_b_private.pem");
    let idp = Idp::start(vec![jwk("2024-01", &old, Algorithm::RS256)]).await;
    let config = auth_config(
        &format!("{}\njwks_refresh_min_interval_secs = 1", idp.auth_lines()),
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
    let config = auth_config(&idp.auth_lines(), false);
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
