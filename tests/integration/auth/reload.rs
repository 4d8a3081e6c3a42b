//! `Authenticator::reloaded`: a configuration reload never swaps an empty JWKS key set in for a
//! running one. The IdP is a real local HTTP server, stopped mid-test.

use jsonwebtoken::Algorithm;
use wiremock::ResponseTemplate;
use workorder_gateway::auth::{AuthConfig, AuthSetupError, Authenticator, JwksStats};

use super::support::*;

fn token(kid: &str, key: &jsonwebtoken::EncodingKey) -> String {
    bearer(&sign(Algorithm::RS256, key, Some(kid), &valid_claims()))
}

async fn reloaded(
    config: AuthConfig,
    running: &Authenticator,
) -> Result<Authenticator, AuthSetupError> {
    Authenticator::reloaded(
        config,
        reqwest::Client::new(),
        running,
        &workorder_gateway::telemetry::Metrics::new(),
    )
    .await
}

#[tokio::test]
async fn an_unchanged_jwks_url_keeps_the_running_keys_while_the_idp_is_down() {
    let idp = Idp::start(jwks(&[jwk("k1", &rsa_a(), Algorithm::RS256)])).await;
    let config = idp.config();
    let running = authenticator(config.clone()).await;
    idp.stop().await;

    let fresh = reloaded(config, &running).await.expect("reload proceeds");

    assert_eq!(
        fresh.jwks_stats(),
        JwksStats {
            refreshes_ok: 0,
            refreshes_failed: 1,
            keys: 1
        }
    );
    let result = fresh.authenticate(Some(&token("k1", &rsa_a()))).await;
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn an_unchanged_jwks_url_is_still_refetched_when_the_idp_answers() {
    let idp = Idp::start(jwks(&[jwk("k1", &rsa_a(), Algorithm::RS256)])).await;
    let running = authenticator(idp.config()).await;
    idp.answer(jwks(&[jwk("k2", &rsa_b(), Algorithm::RS256)]));

    let fresh = reloaded(idp.config(), &running)
        .await
        .expect("reload proceeds");

    assert_eq!(fresh.jwks_stats().keys, 1);
    assert!(
        fresh
            .authenticate(Some(&token("k2", &rsa_b())))
            .await
            .is_ok()
    );
    assert_eq!(idp.requests().await, 2, "start-up fetch and the reload's");
}

#[tokio::test]
async fn a_new_jwks_url_that_cannot_be_fetched_fails_the_reload_naming_it() {
    let running_idp = Idp::start(jwks(&[jwk("k1", &rsa_a(), Algorithm::RS256)])).await;
    let running = authenticator(running_idp.config()).await;
    let moved = Idp::start(ResponseTemplate::new(503)).await;

    let err = reloaded(moved.config(), &running)
        .await
        .expect_err("reload refused");

    let expected_url = moved.url().to_string();
    assert!(
        matches!(&err, AuthSetupError::JwksUnavailable { url, reason }
            if *url == expected_url && reason == "IdP answered HTTP 503 Service Unavailable"),
        "{err:?}"
    );
    assert!(
        running
            .authenticate(Some(&token("k1", &rsa_a())))
            .await
            .is_ok(),
        "the running authenticator is untouched"
    );
}

#[tokio::test]
async fn a_jwks_newly_added_by_a_reload_must_be_fetched() {
    let running = authenticator(hs_config()).await;
    let idp = Idp::start(jwks(&[jwk("k1", &rsa_a(), Algorithm::RS256)])).await;
    let config = AuthConfig {
        hs256_secrets: hs_config().hs256_secrets,
        ..idp.config()
    };
    idp.stop().await;

    let err = reloaded(config, &running)
        .await
        .expect_err("reload refused");

    assert!(
        matches!(err, AuthSetupError::JwksUnavailable { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn with_no_good_keys_running_there_is_nothing_to_carry_and_the_reload_proceeds() {
    let idp = Idp::start(ResponseTemplate::new(503)).await;
    let config = idp.config();
    let running = authenticator(config.clone()).await;
    idp.stop().await;

    let fresh = reloaded(config, &running).await;

    assert_eq!(fresh.map(|a| a.jwks_stats().keys).ok(), Some(0));
}
