//! JWT verification, from the raw `Authorization` header to [`Claims`], against two
//! authenticators: a plain one (HS256 secret, an RS256 key with a `kid`, an ES256 key) and a
//! strict one (the same keys, plus a required issuer and audience).
//!
//! Two kinds of input, told apart by the first byte:
//! - anything else: the `Authorization` header value as a stranger sends it (the seeds are real
//!   HS256, RS256 and ES256 tokens), so header, base64 and key selection are fuzzed;
//! - `{`: `HEADER_JSON \n CLAIMS_JSON` (or only the claims, under an HS256 header), which this
//!   target encodes and signs with the HS256 secret, so fuzzed claims reach claim validation.
//!
//! Properties: no panic; a token accepted carries a signature that one configured key verifies
//! (checked independently with `jsonwebtoken::crypto::verify`) and a payload that says what the
//! claims say (`sub`, tenant, a future `exp`, and for the strict authenticator `iss` and `aud`).

#![no_main]

use std::sync::LazyLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::{Algorithm, DecodingKey};
use libfuzzer_sys::fuzz_target;
use secrecy::SecretString;
use serde_json::Value;
use sha2::Sha256;
use workorder_gateway::auth::{AuthConfig, Authenticator, Claims, PublicKeySource};
use workorder_gateway::telemetry::Metrics;
use workorder_gateway_fuzz::JsonBody;

/// The HS256 secret the seeds are signed with (test-only, ≥ 32 bytes).
const SECRET: &str = "fuzz-gateway-secret-0123456789-abcdefghij";
const RSA_PUBLIC: &str = include_str!("../../tests/fixtures/keys/rsa_a_public.pem");
const EC_PUBLIC: &str = include_str!("../../tests/fixtures/keys/ec_p256_public.pem");
const ISSUER: &str = "https://idp.example.com/";
const AUDIENCE: &str = "workorder-gateway";
/// The authenticators' default leeway, plus slack for the time between their check and ours.
const LEEWAY_SECS: f64 = 30.0 + 5.0;

struct Kit {
    runtime: tokio::runtime::Runtime,
    plain: Authenticator,
    strict: Authenticator,
    keys: Vec<(DecodingKey, Algorithm)>,
}

static KIT: LazyLock<Kit> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let config = AuthConfig {
        hs256_secrets: vec![SecretString::from(SECRET)],
        public_keys: vec![
            PublicKeySource {
                label: "rsa_a_public.pem".to_owned(),
                kid: Some("rsa-a".to_owned()),
                pem: RSA_PUBLIC.to_owned(),
            },
            PublicKeySource {
                label: "ec_p256_public.pem".to_owned(),
                kid: None,
                pem: EC_PUBLIC.to_owned(),
            },
        ],
        ..AuthConfig::default()
    };
    let strict_config = AuthConfig {
        issuer: Some(ISSUER.to_owned()),
        audience: Some(AUDIENCE.to_owned()),
        ..config.clone()
    };
    let (plain, strict) = runtime.block_on(async {
        let http = reqwest::Client::new();
        let metrics = Metrics::new();
        (
            Authenticator::new(config, http.clone(), &metrics)
                .await
                .expect("plain authenticator"),
            Authenticator::new(strict_config, http, &metrics)
                .await
                .expect("strict authenticator"),
        )
    });
    let keys = vec![
        (
            DecodingKey::from_secret(SECRET.as_bytes()),
            Algorithm::HS256,
        ),
        (
            DecodingKey::from_rsa_pem(RSA_PUBLIC.as_bytes()).expect("RSA key"),
            Algorithm::RS256,
        ),
        (
            DecodingKey::from_ec_pem(EC_PUBLIC.as_bytes()).expect("EC key"),
            Algorithm::ES256,
        ),
    ];
    Kit {
        runtime,
        plain,
        strict,
        keys,
    }
});

fuzz_target!(|data: &[u8]| {
    // The principal extractor hands over the header only when it is visible ASCII text.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let authorization = if text.starts_with('{') {
        let (header, claims) = text
            .split_once('\n')
            .unwrap_or((r#"{"alg":"HS256","typ":"JWT"}"#, text));
        format!("Bearer {}", sign_hs256(header, claims))
    } else {
        text.to_owned()
    };
    let kit = &*KIT;
    for (authenticator, strict) in [(&kit.plain, false), (&kit.strict, true)] {
        let result = kit
            .runtime
            .block_on(authenticator.authenticate(Some(&authorization)));
        match result {
            Ok(claims) => check_accepted(kit, &authorization, &claims, strict),
            // Rendering must not fail either (and never contains the token, as tested in
            // tests/integration/auth/redaction.rs).
            Err(err) => drop(err.to_string()),
        }
    }
});

fn sign_hs256(header: &str, claims: &str) -> String {
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("any key length");
    mac.update(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signing_input}.{signature}")
}

fn check_accepted(kit: &Kit, authorization: &str, claims: &Claims, strict: bool) {
    let token = authorization
        .trim()
        .split_once(' ')
        .map(|(_, token)| token.trim_start())
        .expect("an accepted header has a scheme and a token");
    let (signing_input, signature) = token.rsplit_once('.').expect("three parts");
    let verified = kit.keys.iter().any(|(key, alg)| {
        jsonwebtoken::crypto::verify(signature, signing_input.as_bytes(), key, *alg)
            .unwrap_or(false)
    });
    assert!(
        verified,
        "accepted a token no configured key signed: {token}"
    );

    let (_, payload) = signing_input.split_once('.').expect("three parts");
    let payload = URL_SAFE_NO_PAD
        .decode(payload)
        .expect("payload is base64url");
    let payload = JsonBody::read(&payload);
    assert!(
        matches!(payload, JsonBody::Object(_)),
        "payload is an object"
    );
    let claim = |name: &str| payload.member(name, usize::MAX);
    assert_eq!(
        claim("sub").as_ref().and_then(Value::as_str),
        Some(claims.subject.as_str())
    );
    assert_eq!(
        claim("tenant").as_ref().and_then(Value::as_str),
        Some(claims.tenant.as_str())
    );
    assert!(!claims.subject.is_empty() && !claims.tenant.is_empty());
    let exp = claim("exp")
        .as_ref()
        .and_then(Value::as_f64)
        .expect("exp is a number");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs_f64();
    assert!(
        exp + LEEWAY_SECS > now,
        "accepted an expired token: exp {exp}"
    );
    if let Some(nbf) = claim("nbf") {
        let nbf = nbf.as_f64().expect("nbf is a number");
        assert!(
            nbf <= now + LEEWAY_SECS,
            "accepted a token before nbf {nbf}"
        );
    }
    if strict {
        assert_eq!(claim("iss").as_ref().and_then(Value::as_str), Some(ISSUER));
        let audience_listed = match claim("aud") {
            Some(Value::String(aud)) => aud == AUDIENCE,
            Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(AUDIENCE)),
            _ => false,
        };
        assert!(audience_listed, "accepted a token for another audience");
    }
}
