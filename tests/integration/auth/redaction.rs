//! No error, and no `Debug` of the authenticator, ever shows a token or a secret.

use jsonwebtoken::Algorithm;
use serde_json::json;
use workorder_gateway::auth::AuthConfig;

use super::support::*;

#[tokio::test]
async fn rejected_tokens_never_appear_in_error_display_or_debug() {
    let auth = authenticator(AuthConfig {
        issuer: Some("https://idp.example.com/".to_owned()),
        audience: Some("gw".to_owned()),
        ..hs_config()
    })
    .await;
    let base = || {
        let mut c = valid_claims();
        c["iss"] = json!("https://idp.example.com/");
        c["aud"] = json!("gw");
        c
    };
    let with = |k: &str, v: serde_json::Value| {
        let mut c = base();
        c[k] = v;
        c
    };
    let tokens = [
        hs256(&with("exp", json!(now() - 3600))),
        hs256(&with("nbf", json!(now() + 3600))),
        hs256(&with("iss", json!("https://evil.example.com/"))),
        hs256(&with("aud", json!("someone-else"))),
        hs256(&with("sub", json!(12345))),
        sign(
            Algorithm::HS256,
            &jsonwebtoken::EncodingKey::from_secret(b"wrong-secret-wrong-secret-wrong-secret"),
            None,
            &base(),
        ),
        sign(Algorithm::HS256, &hs_key(), Some("kid-nowhere"), &base()),
        sign(Algorithm::RS256, &rsa_a(), None, &base()),
        raw_token(&json!({ "alg": "none" }), &base(), b"sig"),
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzZWNyZXQtc3ViamVjdCJ9".to_owned(),
    ];
    for token in tokens {
        let err = auth.authenticate(Some(&bearer(&token))).await.unwrap_err();

        let shown = format!("{err} | {err:?} | {}", err.reason());

        for part in token.split('.').filter(|p| p.len() > 4) {
            assert!(!shown.contains(part), "{shown} leaks {part}");
        }
        assert!(
            !shown.contains("alice") && !shown.contains("demo"),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn authenticator_debug_shows_no_secret() {
    let auth = authenticator(hs_config()).await;

    let shown = format!("{auth:?} {:?}", hs_config());

    assert!(!shown.contains(SECRET), "{shown}");
    assert!(shown.contains("HS256"));
}
