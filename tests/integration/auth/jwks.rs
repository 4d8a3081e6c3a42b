//! JWKS from a wiremock IdP: happy path, rotation, rate-limited and coalesced refetches, and
//! the last good key set surviving an IdP that is down or answers garbage.

use std::time::Duration;

use futures_util::future::join_all;
use jsonwebtoken::Algorithm;
use serde_json::json;
use wiremock::ResponseTemplate;
use workorder_gateway::auth::{AuthConfig, AuthError, JwksStats};

use super::support::*;

fn token(kid: &str, key: &jsonwebtoken::EncodingKey, alg: Algorithm) -> String {
    bearer(&sign(alg, key, Some(kid), &valid_claims()))
}

#[tokio::test]
async fn rs256_and_es256_keys_from_the_jwks_verify_tokens_naming_their_kid() {
    let idp = Idp::start(jwks(&[
        jwk("rsa-1", &rsa_a(), Algorithm::RS256),
        jwk("ec-1", &ec_p256(), Algorithm::ES256),
    ]))
    .await;
    let auth = authenticator(idp.config()).await;

    let rsa = auth
        .authenticate(Some(&token("rsa-1", &rsa_a(), Algorithm::RS256)))
        .await;
    let ec = auth
        .authenticate(Some(&token("ec-1", &ec_p256(), Algorithm::ES256)))
        .await;

    assert_eq!(rsa.unwrap().subject, "alice");
    assert_eq!(ec.unwrap().subject, "alice");
    assert_eq!(
        idp.requests().await,
        1,
        "fetched once at start-up, then cached"
    );
    assert_eq!(
        auth.jwks_stats(),
        JwksStats {
            refreshes_ok: 1,
            refreshes_failed: 0,
            keys: 2
        }
    );
}

#[tokio::test]
async fn rotated_in_key_is_accepted_after_one_refetch() {
    let idp = Idp::start(jwks(&[jwk("old", &rsa_a(), Algorithm::RS256)])).await;
    let auth = authenticator(idp.config()).await;
    idp.answer(jwks(&[
        jwk("old", &rsa_a(), Algorithm::RS256),
        jwk("new", &rsa_b(), Algorithm::RS256),
    ]));

    let rotated = auth
        .authenticate(Some(&token("new", &rsa_b(), Algorithm::RS256)))
        .await;
    let again = auth
        .authenticate(Some(&token("new", &rsa_b(), Algorithm::RS256)))
        .await;

    assert!(rotated.is_ok(), "{rotated:?}");
    assert!(again.is_ok());
    assert_eq!(
        idp.requests().await,
        2,
        "start-up fetch plus exactly one refetch"
    );
}

#[tokio::test]
async fn unknown_kids_trigger_at_most_one_refetch_per_interval() {
    let idp = Idp::start(jwks(&[jwk("k1", &rsa_a(), Algorithm::RS256)])).await;
    let auth = authenticator(idp.config()).await;

    let concurrent = join_all((0..10).map(|i| {
        let header = token(&format!("random-{i}"), &rsa_b(), Algorithm::RS256);
        let auth = &auth;
        async move { auth.authenticate(Some(&header)).await }
    }))
    .await;
    let later = auth
        .authenticate(Some(&token("random-x", &rsa_b(), Algorithm::RS256)))
        .await;

    assert!(
        concurrent.iter().all(|r| *r == Err(AuthError::UnknownKey)),
        "{concurrent:?}"
    );
    assert_eq!(later, Err(AuthError::UnknownKey));
    assert_eq!(
        idp.requests().await,
        2,
        "start-up fetch plus one refetch for all misses"
    );
}

#[tokio::test]
async fn unknown_kid_may_refetch_again_once_the_interval_has_passed() {
    let idp = Idp::start(jwks(&[jwk("k1", &rsa_a(), Algorithm::RS256)])).await;
    let config = AuthConfig {
        jwks_refresh_min_interval: Duration::from_millis(200),
        ..idp.config()
    };
    let auth = authenticator(config).await;
    let unknown = token("unknown", &rsa_b(), Algorithm::RS256);

    let first = auth.authenticate(Some(&unknown)).await;
    let requests_after_first = idp.requests().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = auth.authenticate(Some(&unknown)).await;

    assert_eq!(
        (first, second),
        (Err(AuthError::UnknownKey), Err(AuthError::UnknownKey))
    );
    assert_eq!(requests_after_first, 2);
    assert_eq!(idp.requests().await, 3);
}

#[tokio::test]
async fn concurrent_tokens_with_a_new_kid_share_one_slow_refetch() {
    let idp = Idp::start(jwks(&[jwk("old", &rsa_a(), Algorithm::RS256)])).await;
    // No rate limit: only the coalescing stands between 20 misses and 20 fetches.
    let config = AuthConfig {
        jwks_refresh_min_interval: Duration::ZERO,
        ..idp.config()
    };
    let auth = authenticator(config).await;
    idp.answer(
        jwks(&[jwk("new", &ec_p256(), Algorithm::ES256)]).set_delay(Duration::from_millis(300)),
    );

    let results = join_all((0..20).map(|_| {
        let header = token("new", &ec_p256(), Algorithm::ES256);
        let auth = &auth;
        async move { auth.authenticate(Some(&header)).await }
    }))
    .await;

    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(idp.requests().await, 2);
}

#[tokio::test]
async fn idp_down_keeps_the_last_good_keys() {
    let idp = Idp::start(jwks(&[jwk("k1", &rsa_a(), Algorithm::RS256)])).await;
    let auth = authenticator(idp.config()).await;
    idp.answer(ResponseTemplate::new(503));

    let unknown = auth
        .authenticate(Some(&token("k2", &rsa_b(), Algorithm::RS256)))
        .await;
    let known = auth
        .authenticate(Some(&token("k1", &rsa_a(), Algorithm::RS256)))
        .await;

    assert_eq!(unknown, Err(AuthError::UnknownKey));
    assert!(known.is_ok(), "{known:?}");
    assert_eq!(
        auth.jwks_stats(),
        JwksStats {
            refreshes_ok: 1,
            refreshes_failed: 1,
            keys: 1
        }
    );
}

#[tokio::test]
async fn garbage_or_keyless_jwks_answers_keep_the_last_good_keys() {
    let garbage = [
        ResponseTemplate::new(200).set_body_string("<html>maintenance</html>"),
        ResponseTemplate::new(200).set_body_json(json!({ "keys": [] })),
        ResponseTemplate::new(200).set_body_json(json!({ "keys": [{ "kty": "RSA", "kid": "x" }] })),
        ResponseTemplate::new(200).set_body_json(json!({ "jwks": "nope" })),
    ];
    for (i, answer) in garbage.into_iter().enumerate() {
        let idp = Idp::start(jwks(&[jwk("k1", &rsa_a(), Algorithm::RS256)])).await;
        let auth = authenticator(idp.config()).await;
        idp.answer(answer);

        let unknown = auth
            .authenticate(Some(&token("k2", &rsa_b(), Algorithm::RS256)))
            .await;
        let known = auth
            .authenticate(Some(&token("k1", &rsa_a(), Algorithm::RS256)))
            .await;

        assert_eq!(unknown, Err(AuthError::UnknownKey), "case {i}");
        assert!(known.is_ok(), "case {i}: {known:?}");
        assert_eq!(auth.jwks_stats().refreshes_failed, 1, "case {i}");
    }
}

#[tokio::test]
async fn failed_initial_fetch_is_not_fatal_and_is_retried_on_demand() {
    let idp = Idp::start(ResponseTemplate::new(500)).await;

    let auth = authenticator(idp.config()).await;
    let before = auth.jwks_stats();
    idp.answer(jwks(&[jwk("k1", &rsa_a(), Algorithm::RS256)]));
    let result = auth
        .authenticate(Some(&token("k1", &rsa_a(), Algorithm::RS256)))
        .await;

    assert_eq!(
        before,
        JwksStats {
            refreshes_ok: 0,
            refreshes_failed: 1,
            keys: 0
        }
    );
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn unreachable_idp_at_start_up_is_not_fatal() {
    let idp = Idp::start(ResponseTemplate::new(200)).await;
    let url = idp.url();
    drop(idp);
    let config = AuthConfig {
        jwks_url: Some(url),
        ..AuthConfig::default()
    };

    let auth = authenticator(config).await;

    assert_eq!(auth.jwks_stats().refreshes_failed, 1);
}

#[tokio::test]
async fn symmetric_keys_in_a_jwks_are_never_used() {
    let oct = json!({ "kty": "oct", "kid": "shared", "alg": "HS256",
                      "k": base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, SECRET) });
    let idp = Idp::start(jwks(&[oct, jwk("k1", &rsa_a(), Algorithm::RS256)])).await;
    let auth = authenticator(idp.config()).await;

    let hs = auth
        .authenticate(Some(&bearer(&sign(
            Algorithm::HS256,
            &hs_key(),
            Some("shared"),
            &valid_claims(),
        ))))
        .await;

    assert_eq!(hs, Err(AuthError::UnknownKey));
    assert_eq!(auth.jwks_stats().keys, 1);
}

#[tokio::test]
async fn jwks_key_algorithm_comes_from_its_alg_and_is_pinned() {
    let idp = Idp::start(jwks(&[jwk("ps", &rsa_a(), Algorithm::PS256)])).await;
    let auth = authenticator(idp.config()).await;

    let ps256 = auth
        .authenticate(Some(&token("ps", &rsa_a(), Algorithm::PS256)))
        .await;
    let rs256 = auth
        .authenticate(Some(&token("ps", &rsa_a(), Algorithm::RS256)))
        .await;

    assert!(ps256.is_ok(), "{ps256:?}");
    assert_eq!(rs256, Err(AuthError::AlgorithmNotAllowed));
}

#[tokio::test]
async fn jwks_is_refreshed_in_the_background_when_it_reaches_its_max_age() {
    let idp = Idp::start(jwks(&[jwk("old", &rsa_a(), Algorithm::RS256)])).await;
    let config = AuthConfig {
        jwks_max_age: Duration::from_millis(200),
        ..idp.config()
    };
    let auth = authenticator(config).await;
    idp.answer(jwks(&[jwk("new", &rsa_b(), Algorithm::RS256)]));

    tokio::time::sleep(Duration::from_millis(500)).await;
    let requests_before_token = idp.requests().await;
    let result = auth
        .authenticate(Some(&token("new", &rsa_b(), Algorithm::RS256)))
        .await;

    assert!(requests_before_token >= 2, "{requests_before_token}");
    assert!(auth.jwks_stats().refreshes_ok >= 2);
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(
        idp.requests().await,
        requests_before_token,
        "no on-demand refetch was needed"
    );
}
