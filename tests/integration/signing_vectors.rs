//! The signer (`workorder_api::signer`) reproduces every golden vector computed with the
//! official SDKs' own code (`tests/fixtures/signing-vectors.json`). The file is iterated whole:
//! a new vector is tested without touching this code.

#![allow(clippy::expect_used)]

use std::collections::BTreeMap;

use serde::Deserialize;
use workorder_api::signer::{V3Request, hash_payload, sign_rpc_v1, sign_v3};

#[derive(Debug, Deserialize)]
struct Vector {
    id: String,
    algorithm: String,
    method: String,
    access_key_id: String,
    secret: String,
    query: BTreeMap<String, String>,
    body: BTreeMap<String, String>,
    headers: BTreeMap<String, String>,
    string_to_sign: String,
    signature: String,
    #[serde(default)]
    canonical_query_string: Option<String>,
    #[serde(default)]
    canonical_request: Option<String>,
    #[serde(default)]
    authorization: Option<String>,
    #[serde(default)]
    signed_headers: Option<String>,
    #[serde(default)]
    wire_body: Option<String>,
}

fn vectors() -> Vec<Vector> {
    let raw = include_str!("../fixtures/signing-vectors.json");
    serde_json::from_str(raw).expect("the fixture file is valid JSON")
}

fn check_v1(v: &Vector) {
    let params = v
        .query
        .iter()
        .chain(&v.body)
        .map(|(k, val)| (k.as_str(), val.as_str()));
    let signed = sign_rpc_v1(&v.method, params, &v.secret);
    if let Some(canonical) = &v.canonical_query_string {
        assert_eq!(
            &signed.canonical_query, canonical,
            "{}: canonical query",
            v.id
        );
    }
    assert_eq!(
        signed.string_to_sign, v.string_to_sign,
        "{}: string to sign",
        v.id
    );
    assert_eq!(signed.signature, v.signature, "{}: signature", v.id);
}

fn check_v3(v: &Vector) {
    let query: Vec<(&str, &str)> = v
        .query
        .iter()
        .map(|(k, val)| (k.as_str(), val.as_str()))
        .collect();
    let headers: Vec<(&str, &str)> = v
        .headers
        .iter()
        .map(|(k, val)| (k.as_str(), val.as_str()))
        .collect();
    let hashed = v
        .headers
        .get("x-acs-content-sha256")
        .cloned()
        .unwrap_or_else(|| hash_payload(b""));
    if let Some(body) = &v.wire_body {
        assert_eq!(
            hash_payload(body.as_bytes()),
            hashed,
            "{}: content hash of the wire body",
            v.id
        );
    }
    let signed = sign_v3(
        &V3Request {
            method: &v.method,
            path: "/",
            query: &query,
            headers: &headers,
            hashed_payload: &hashed,
        },
        &v.access_key_id,
        &v.secret,
    );
    if let Some(canonical) = &v.canonical_request {
        assert_eq!(
            &signed.canonical_request, canonical,
            "{}: canonical request",
            v.id
        );
    }
    if let Some(names) = &v.signed_headers {
        assert_eq!(&signed.signed_headers, names, "{}: signed headers", v.id);
    }
    assert_eq!(
        signed.string_to_sign, v.string_to_sign,
        "{}: string to sign",
        v.id
    );
    assert_eq!(signed.signature, v.signature, "{}: signature", v.id);
    assert_eq!(
        Some(&signed.authorization),
        v.authorization.as_ref(),
        "{}: authorization",
        v.id
    );
}

#[test]
fn every_vector_in_the_fixture_file_is_reproduced() {
    let vectors = vectors();
    assert!(
        vectors.len() >= 10,
        "the fixture file lost vectors: {}",
        vectors.len()
    );
    let (mut v1, mut v3) = (0, 0);
    for vector in &vectors {
        match vector.algorithm.as_str() {
            "RPC-v1-HMAC-SHA1" => {
                check_v1(vector);
                v1 += 1;
            }
            "ACS3-HMAC-SHA256" => {
                check_v3(vector);
                v3 += 1;
            }
            other => panic!("{}: unknown algorithm {other}", vector.id),
        }
    }
    assert!(
        v1 > 0 && v3 > 0,
        "both schemes are covered ({v1} v1, {v3} v3)"
    );
}
