//! RS256 / ES256 PEM keys from `auth.public_key_files`, plain paths and `{ file, kid }`
//! tables; the algorithm is pinned by the key.

use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::json;
use workorder_gateway::settings::{KeyFileWithKid, PublicKeyFile, Settings};

use super::*;
use crate::support::{SECRET, TestGateway};

/// `public_key_files` with `entries`, and the audience and issuer they require.
fn pem_files(entries: &[&str]) -> String {
    format!("{}\npublic_key_files = [{}]", pinned(), entries.join(", "))
}

fn plain(name: &str) -> String {
    format!("{:?}", key_path(name))
}

fn with_kid(name: &str, kid: &str) -> String {
    format!("{{ file = {:?}, kid = {kid:?} }}", key_path(name))
}

#[tokio::test]
async fn rs256_and_es256_pem_keys_verify_tokens_over_http() {
    let config = auth_config(
        &pem_files(&[&plain("rsa_a_public.pem"), &plain("ec_p256_public.pem")]),
        false,
    );
    let gateway = TestGateway::start(&config).await;

    let rs = sign(
        Algorithm::RS256,
        &private_key("rsa_a_private.pem"),
        None,
        &claims(json!({})),
    );
    let es = sign(
        Algorithm::ES256,
        &private_key("ec_p256_private.pem"),
        None,
        &claims(json!({})),
    );

    assert_accepted(&gateway, &rs).await;
    assert_accepted(&gateway, &es).await;
}

#[tokio::test]
async fn token_signed_by_an_untrusted_rsa_key_is_401() {
    let config = auth_config(&pem_files(&[&plain("rsa_a_public.pem")]), false);
    let gateway = TestGateway::start(&config).await;

    let token = sign(
        Algorithm::RS256,
        &private_key("rsa_b_private.pem"),
        None,
        &claims(json!({})),
    );

    assert_token_rejected(&gateway, &token).await;
}

#[tokio::test]
async fn hs256_token_is_401_against_an_rs256_only_configuration() {
    let config = auth_config(&pem_files(&[&plain("rsa_a_public.pem")]), false);
    let gateway = TestGateway::start(&config).await;
    // The classic confusion attack: HMAC keyed with the RSA public key's PEM text.
    let public_pem = std::fs::read(key_path("rsa_a_public.pem")).unwrap();

    for secret in [public_pem.as_slice(), SECRET.as_bytes()] {
        let token = sign(
            Algorithm::HS256,
            &EncodingKey::from_secret(secret),
            None,
            &claims(json!({})),
        );
        assert_token_rejected(&gateway, &token).await;
    }
}

#[tokio::test]
async fn pem_key_configured_with_a_kid_verifies_tokens_naming_that_kid() {
    let config = auth_config(
        &pem_files(&[
            &with_kid("rsa_a_public.pem", "rsa-2024"),
            &with_kid("ec_p256_public.pem", "ec-2024"),
        ]),
        false,
    );
    let gateway = TestGateway::start(&config).await;
    let rsa = private_key("rsa_a_private.pem");
    let ec = private_key("ec_p256_private.pem");

    assert_accepted(
        &gateway,
        &sign(Algorithm::RS256, &rsa, Some("rsa-2024"), &claims(json!({}))),
    )
    .await;
    assert_accepted(
        &gateway,
        &sign(Algorithm::ES256, &ec, Some("ec-2024"), &claims(json!({}))),
    )
    .await;
    // The kid selects the key: the right key under another kid, or another key's kid, fails.
    assert_token_rejected(
        &gateway,
        &sign(Algorithm::RS256, &rsa, Some("rsa-2023"), &claims(json!({}))),
    )
    .await;
    assert_token_rejected(
        &gateway,
        &sign(Algorithm::RS256, &rsa, Some("ec-2024"), &claims(json!({}))),
    )
    .await;
}

#[tokio::test]
async fn pem_key_configured_without_a_kid_refuses_tokens_naming_one() {
    let config = auth_config(&pem_files(&[&plain("rsa_a_public.pem")]), false);
    let gateway = TestGateway::start(&config).await;

    let token = sign(
        Algorithm::RS256,
        &private_key("rsa_a_private.pem"),
        Some("rsa-2024"),
        &claims(json!({})),
    );

    assert_token_rejected(&gateway, &token).await;
}

#[test]
fn public_key_files_accepts_paths_and_tables_with_a_kid() {
    let config = auth_config(
        r#"audience = "gw"
public_key_files = ["a.pem", { file = "b.pem", kid = "k-b" }]"#,
        true,
    );

    let settings = Settings::from_toml_str(&config).unwrap();

    assert_eq!(
        settings.auth.public_key_files,
        vec![
            PublicKeyFile::Path("a.pem".into()),
            PublicKeyFile::WithKid(KeyFileWithKid {
                file: "b.pem".into(),
                kid: "k-b".to_owned()
            }),
        ]
    );
    assert_eq!(settings.auth.public_key_files[1].kid(), Some("k-b"));
    assert_eq!(
        settings.auth.public_key_files[1].file(),
        std::path::Path::new("b.pem")
    );
}

#[test]
fn public_key_files_refuses_malformed_entries() {
    for entry in [
        r#"{ kid = "k" }"#,
        r#"{ file = "a.pem", kid = "k", alg = "RS256" }"#,
        r#"{ file = "a.pem", kid = "" }"#,
        "42",
    ] {
        let config = auth_config(&format!("public_key_files = [{entry}]"), true);

        let result = Settings::from_toml_str(&config);

        let message = result.unwrap_err().to_string();
        assert!(message.contains("public_key_files"), "{entry}: {message}");
    }
}
