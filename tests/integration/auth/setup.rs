//! Start-up refuses configurations that could never verify a token safely, naming the culprit.

use secrecy::SecretString;
use workorder_gateway::auth::{AuthConfig, AuthSetupError, Authenticator, PublicKeySource};

use super::support::*;

async fn setup_error(config: AuthConfig) -> AuthSetupError {
    Authenticator::new(
        config,
        reqwest::Client::new(),
        &workorder_gateway::telemetry::Metrics::new(),
    )
    .await
    .expect_err("set-up must fail")
}

#[tokio::test]
async fn unusable_pem_keys_fail_start_up_naming_the_key() {
    let truncated = fixture("rsa_a_public.pem").replace("\n", "")[..200].to_owned();
    let cases = [
        (
            "garbage.pem",
            "not a key at all".to_owned(),
            "no -----BEGIN",
        ),
        ("truncated.pem", truncated, "not an RSA or EC"),
        ("private.pem", fixture("rsa_a_private.pem"), "private key"),
        (
            "ec-private.pem",
            fixture("ec_p256_private.pem"),
            "private key",
        ),
        ("p384.pem", fixture("ec_p384_public.pem"), "P-256"),
        (
            "cert.pem",
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".to_owned(),
            "PUBLIC KEY",
        ),
    ];
    for (label, pem, reason_part) in cases {
        let config = pem_config(vec![PublicKeySource {
            label: label.to_owned(),
            kid: None,
            pem,
        }]);

        let err = setup_error(config).await;

        let message = err.to_string();
        assert!(
            matches!(&err, AuthSetupError::BadPublicKey { label: l, .. } if l == label),
            "{label}: {message}"
        );
        assert!(
            message.contains(label) && message.contains(reason_part),
            "{message}"
        );
    }
}

#[tokio::test]
async fn short_hs256_secret_fails_start_up_naming_its_position() {
    let config = AuthConfig {
        hs256_secrets: vec![SecretString::from(SECRET), SecretString::from("dev-secret")],
        ..AuthConfig::default()
    };

    let err = setup_error(config).await;

    assert!(
        matches!(err, AuthSetupError::WeakSecret { index: 2, len: 10 }),
        "{err}"
    );
}

#[tokio::test]
async fn configuration_without_any_key_fails_start_up() {
    let err = setup_error(AuthConfig::default()).await;

    assert!(matches!(err, AuthSetupError::NoKeys), "{err}");
}

#[tokio::test]
async fn claim_name_clashing_with_a_registered_claim_fails_start_up() {
    let config = AuthConfig {
        tenant_claim: "sub".to_owned(),
        ..hs_config()
    };

    let err = setup_error(config).await;

    assert!(
        matches!(
            err,
            AuthSetupError::BadClaimName {
                setting: "tenant_claim",
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn authenticator_can_be_shared_across_threads_and_tasks() {
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    fn assert_send<T: Send>(_: T) {}
    let auth = authenticator(hs_config()).await;

    assert_send_sync(&auth);
    assert_send(auth.authenticate(None));
    let shared = std::sync::Arc::new(auth);
    let token = bearer(&hs256(&valid_claims()));
    let claims = tokio::spawn(async move { shared.authenticate(Some(&token)).await })
        .await
        .unwrap();
    assert!(claims.is_ok());
}

#[tokio::test]
async fn jwks_over_plain_http_to_a_remote_host_fails_start_up() {
    let config = AuthConfig {
        jwks_url: Some("http://idp.example.com/jwks.json".parse().unwrap()),
        ..AuthConfig::default()
    };

    let err = setup_error(config).await;

    assert!(matches!(err, AuthSetupError::InsecureJwksUrl(_)), "{err}");
}
