//! Pure signing functions for the two Alibaba Cloud signature schemes. No I/O, no clock, no
//! randomness: callers pass the timestamp and nonce in the parameters or headers, so the same
//! code signs requests ([`crate::request`]), verifies them (the simulator) and reproduces the
//! golden vectors in `tests/fixtures/signing-vectors.json`.
//!
//! # RPC v1 (`SignatureMethod=HMAC-SHA1`, `SignatureVersion=1.0`)
//! 1. Take the union of query and form-body parameters, minus `Signature`, sorted by name in
//!    byte order (a map: duplicate names are not representable, as in both official SDKs).
//! 2. Canonical string: `pe(name)=pe(value)` joined with `&` (empty values keep their `=`).
//! 3. StringToSign: `METHOD&%2F&pe(canonical)`; the canonical string is encoded a second time.
//! 4. Signature: `base64(HMAC-SHA1(secret + "&", StringToSign))`.
//!
//! # V3 (`ACS3-HMAC-SHA256`)
//! 1. CanonicalRequest: `METHOD\n/\nquery\nheaders\nsigned-names\nhex(sha256(body))`, where the
//!    query is sorted `pe(k)=pe(v)` (no double encoding; empty line when there is none) and each
//!    signed header is `lower(name):trim(value)\n` sorted by name (so an empty line follows).
//! 2. StringToSign: `ACS3-HMAC-SHA256\n` + `hex(sha256(CanonicalRequest))`.
//! 3. Signature: lower-case `hex(HMAC-SHA256(secret, StringToSign))`; the key has no `&`.
//! 4. `Authorization: ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<a;b>,Signature=<hex>`.
//!    The form body is not in the canonical query: it is covered by `x-acs-content-sha256`.
//!
//! # Secrets in memory
//! The v1 key buffer (`secret&`) is wiped when dropped; the V3 key is the secret's own bytes,
//! not copied. The keyed HMAC states (inner and outer hash states, derived from the key) are
//! wiped on drop by the `zeroize` features of `hmac`, `sha1` and `sha2`. Not wiped: the one
//! padded key block `hmac` builds on its stack while keying (inside the crate).

use std::collections::BTreeMap;

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use subtle::ConstantTimeEq as _;

use crate::encode::percent_encode;

/// The V3 algorithm name, first token of the `Authorization` header and of the StringToSign.
pub const V3_ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// Lower-case hex SHA-256 of an empty payload (`x-acs-content-sha256` for a bodiless request).
pub const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Every intermediate of an RPC v1 signature, so verifiers can echo the string-to-sign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcV1Signature {
    /// Sorted, percent-encoded `k=v&k=v` over query ∪ body (without `Signature`).
    pub canonical_query: String,
    /// `METHOD&%2F&pe(canonical_query)`.
    pub string_to_sign: String,
    /// Base64 HMAC-SHA1, the value of the `Signature` parameter.
    pub signature: String,
}

/// Signs an RPC v1 request. `params` is every query and form-body parameter; a `Signature`
/// entry is ignored and a later duplicate name wins.
pub fn sign_rpc_v1<'a>(
    method: &str,
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
    access_key_secret: &str,
) -> RpcV1Signature {
    let sorted: BTreeMap<&str, &str> = params
        .into_iter()
        .filter(|(name, _)| *name != "Signature")
        .collect();
    let canonical_query = sorted
        .iter()
        .map(|(name, value)| format!("{}={}", percent_encode(name), percent_encode(value)))
        .collect::<Vec<_>>()
        .join("&");
    let string_to_sign = format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        percent_encode("/"),
        percent_encode(&canonical_query)
    );
    // The key is the secret plus `&`: a copy of the secret, wiped when dropped. Sized up front
    // so no growth leaves an unwiped earlier buffer behind.
    let mut key = Zeroizing::new(Vec::with_capacity(access_key_secret.len() + 1));
    key.extend_from_slice(access_key_secret.as_bytes());
    key.push(b'&');
    let mut mac = Hmac::<Sha1>::new_from_slice(&key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(string_to_sign.as_bytes());
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    RpcV1Signature {
        canonical_query,
        string_to_sign,
        signature,
    }
}

/// What a V3 signature covers. Every header given here is signed; callers choose the set
/// (`host`, `content-type` when there is a body, and every `x-acs-*` header at least).
#[derive(Debug, Clone, Copy)]
pub struct V3Request<'a> {
    /// HTTP method, e.g. `POST`.
    pub method: &'a str,
    /// Canonical URI; `/` for RPC-style APIs.
    pub path: &'a str,
    /// Decoded query parameters.
    pub query: &'a [(&'a str, &'a str)],
    /// Headers to sign, any case; repeated names are value-sorted and joined with `,`.
    pub headers: &'a [(&'a str, &'a str)],
    /// Lower-case hex SHA-256 of the exact body bytes (`x-acs-content-sha256`).
    pub hashed_payload: &'a str,
}

/// Every intermediate of a V3 signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V3Signature {
    /// The canonical request that was hashed.
    pub canonical_request: String,
    /// `ACS3-HMAC-SHA256\n<hex sha256 of canonical_request>`.
    pub string_to_sign: String,
    /// Lower-case hex HMAC-SHA256.
    pub signature: String,
    /// Signed header names, lower-case, sorted, joined with `;`.
    pub signed_headers: String,
    /// The complete `Authorization` header value.
    pub authorization: String,
}

/// Signs a V3 (`ACS3-HMAC-SHA256`) request; see the module docs for the rules.
pub fn sign_v3(
    request: &V3Request<'_>,
    access_key_id: &str,
    access_key_secret: &str,
) -> V3Signature {
    let mut query: Vec<(String, String)> = request
        .query
        .iter()
        .map(|(name, value)| (percent_encode(name), percent_encode(value)))
        .collect();
    query.sort();
    let canonical_query = query
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&");

    let mut headers: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (name, value) in request.headers {
        headers
            .entry(name.trim().to_ascii_lowercase())
            .or_default()
            .push(value.trim());
    }
    let mut canonical_headers = String::new();
    for (name, values) in &mut headers {
        values.sort_unstable();
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        canonical_headers.push_str(&values.join(","));
        canonical_headers.push('\n');
    }
    let signed_headers = headers.keys().cloned().collect::<Vec<_>>().join(";");

    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        request.method.to_ascii_uppercase(),
        request.path,
        canonical_query,
        canonical_headers,
        signed_headers,
        request.hashed_payload
    );
    let string_to_sign = format!(
        "{V3_ALGORITHM}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(access_key_secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(string_to_sign.as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    let authorization = format!(
        "{V3_ALGORITHM} Credential={access_key_id},SignedHeaders={signed_headers},Signature={signature}"
    );
    V3Signature {
        canonical_request,
        string_to_sign,
        signature,
        signed_headers,
        authorization,
    }
}

/// Lower-case hex SHA-256 of `body`, the value of `x-acs-content-sha256`.
pub fn hash_payload(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// Compares two signatures in constant time, so a verifier leaks nothing through timing.
pub fn signatures_match(expected: &str, given: &str) -> bool {
    // The length is not secret (every signature of a scheme has the same length); `ct_eq`
    // answers false for different lengths without comparing.
    bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}
