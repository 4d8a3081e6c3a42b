//! Token verification per request, in process: the first use of a token (every check: base64,
//! JSON, signature, claims) against a repeat use (answered by the verified-token cache,
//! auth/verified.rs), for HS256, RS256 and ES256 tokens as frontends send them.
//!
//! Run: `cargo bench --bench auth_verify` (criterion; prints time per authentication with its
//! spread). Compare the `first use` and `repeat` lines of one algorithm: they are measured in
//! the same run, so their ratio holds on a noisy machine.
#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::SecretString;
use serde_json::json;
use workorder_gateway::auth::{AuthConfig, Authenticator, PublicKeySource};

const SECRET: &str = "bench-secret-of-at-least-32-bytes-long";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// A token like a frontend's: a dozen claims, valid for an hour, `jti` making each unique.
fn token(alg: Algorithm, key: &EncodingKey, jti: u64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = json!({
        "sub": "alice@example.com", "tenant": "demo", "roles": ["tickets:read", "tickets:write"],
        "iat": now, "exp": now + 3600, "jti": jti.to_string(), "name": "Alice Example",
        "email": "alice@example.com", "scope": "openid profile",
    });
    jsonwebtoken::encode(&Header::new(alg), &claims, key).unwrap()
}

fn authenticator(runtime: &tokio::runtime::Runtime, config: AuthConfig) -> Authenticator {
    runtime
        .block_on(Authenticator::new(
            config,
            reqwest::Client::new(),
            &workorder_gateway::telemetry::Metrics::new(),
        ))
        .unwrap()
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let pem = |label: &str, file: &str| PublicKeySource {
        label: label.to_owned(),
        kid: None,
        pem: fixture(file),
    };
    let cases = [
        (
            "HS256",
            Algorithm::HS256,
            EncodingKey::from_secret(SECRET.as_bytes()),
            AuthConfig {
                hs256_secrets: vec![SecretString::from(SECRET)],
                ..AuthConfig::default()
            },
        ),
        (
            "RS256",
            Algorithm::RS256,
            EncodingKey::from_rsa_pem(fixture("rsa_a_private.pem").as_bytes()).unwrap(),
            AuthConfig {
                public_keys: vec![pem("rsa", "rsa_a_public.pem")],
                audience: None,
                ..AuthConfig::default()
            },
        ),
        (
            "ES256",
            Algorithm::ES256,
            EncodingKey::from_ec_pem(fixture("ec_p256_private.pem").as_bytes()).unwrap(),
            AuthConfig {
                public_keys: vec![pem("ec", "ec_p256_public.pem")],
                audience: None,
                ..AuthConfig::default()
            },
        ),
    ];
    for (name, alg, key, config) in cases {
        let auth = authenticator(&runtime, config);
        let mut group = c.benchmark_group(format!("authenticate {name}"));
        let mut jti = 0u64;
        group.bench_function("first use (every check)", |b| {
            b.iter_batched(
                || {
                    jti += 1;
                    format!("Bearer {}", token(alg, &key, jti))
                },
                |header| runtime.block_on(auth.authenticate(Some(&header))).unwrap(),
                BatchSize::SmallInput,
            )
        });
        let header = format!("Bearer {}", token(alg, &key, 0));
        runtime.block_on(auth.authenticate(Some(&header))).unwrap();
        group.bench_function("repeat (verified-token cache)", |b| {
            b.iter(|| runtime.block_on(auth.authenticate(Some(&header))).unwrap())
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
