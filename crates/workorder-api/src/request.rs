//! Lays out one signed Workorder call: which parameters go in the query, which in the body,
//! which headers are sent, and the signature over them. Pure: the clock and the nonce come in
//! as arguments, so every retry can get fresh ones and tests can pin them.
//!
//! Layouts (both from the official SDKs, which disagree on where business parameters go, and
//! the service accepts either):
//! - **v1**: common parameters (`Action`, `Version`, `Format=JSON`, `AccessKeyId`,
//!   `SignatureMethod`, `SignatureVersion`, `Timestamp`, `SignatureNonce`, `SecurityToken` for
//!   STS, then `Signature`) in the query; business parameters in an
//!   `application/x-www-form-urlencoded` body (SDK 1.0.0). The signature covers both.
//! - **v3**: business parameters in the query (SDK 1.0.1); `x-acs-*` headers, `host`, and an
//!   `Authorization` header; `accept: application/json` asks for JSON.

use time::OffsetDateTime;
use time::macros::format_description;
use zeroize::Zeroize as _;

use crate::API_VERSION;
use crate::credentials::{Credentials, SignatureVersion};
use crate::encode::encode_pairs;
use crate::headers;
use crate::signer::{EMPTY_PAYLOAD_SHA256, V3Request, hash_payload, sign_rpc_v1, sign_v3};

/// Content type of v1 form bodies; sent without a charset, as both SDKs do.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// What to sign: one action with its business parameters, a host, a time and a nonce.
#[derive(Debug, Clone, Copy)]
pub struct CallSpec<'a> {
    /// Action name, e.g. `ListTickets`.
    pub action: &'a str,
    /// Business parameters, already rendered as strings.
    pub params: &'a [(&'static str, String)],
    /// `Host` header value as it will be sent (`host[:port]`).
    pub host: &'a str,
    /// Signing time; only whole seconds are used.
    pub timestamp: OffsetDateTime,
    /// Unique per request and per attempt.
    pub nonce: &'a str,
}

/// A request ready to send: `POST {endpoint}/?{query}` with these headers and body.
///
/// The query (v1) and the headers (V3) may hold a copy of the STS token: the client calls
/// [`SignedRequest::wipe`] once it has built what it sends. The copies handed to the transport
/// (the URL, the header map) are beyond its reach and are not wiped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    /// Encoded query string without the leading `?`.
    pub query: String,
    /// Headers to send, in addition to the transport's own (`host` is listed when signed).
    pub headers: Vec<(&'static str, String)>,
    /// The body bytes; empty for none.
    pub body: Vec<u8>,
}

impl SignedRequest {
    /// Wipes the query and the header values, which may hold a copy of the STS token (v1 puts
    /// it in the query, V3 in a header); the body is left as it is. Call once they have been
    /// copied into what is sent.
    pub fn wipe(&mut self) {
        self.query.zeroize();
        for (_, value) in &mut self.headers {
            value.zeroize();
        }
    }
}

/// Formats a signing time as the APIs want it: UTC, `yyyy-MM-ddTHH:mm:ssZ`, no fraction.
pub fn format_timestamp(at: OffsetDateTime) -> String {
    let utc = at.to_offset(time::UtcOffset::UTC);
    utc.format(format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
    ))
    .unwrap_or_else(|_| unreachable!("a fixed numeric format cannot fail"))
}

/// Builds and signs one Workorder call with `credentials` under `version`.
pub fn sign_call(
    version: SignatureVersion,
    credentials: &Credentials,
    spec: &CallSpec<'_>,
) -> SignedRequest {
    sign_api_call(version, API_VERSION, credentials, spec)
}

/// Builds and signs one call of any RPC-style API (`api_version` is its `Version`, e.g.
/// STS's `2015-04-01`): the same layouts and signatures as [`sign_call`].
pub fn sign_api_call(
    version: SignatureVersion,
    api_version: &str,
    credentials: &Credentials,
    spec: &CallSpec<'_>,
) -> SignedRequest {
    match version {
        SignatureVersion::V1 => sign_v1_call(api_version, credentials, spec),
        SignatureVersion::V3 => sign_v3_call(api_version, credentials, spec),
    }
}

fn sign_v1_call(
    api_version: &str,
    credentials: &Credentials,
    spec: &CallSpec<'_>,
) -> SignedRequest {
    let timestamp = format_timestamp(spec.timestamp);
    let mut common: Vec<(&str, &str)> = vec![
        ("Action", spec.action),
        ("Version", api_version),
        ("Format", "JSON"),
        ("AccessKeyId", credentials.access_key_id()),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("Timestamp", &timestamp),
        ("SignatureNonce", spec.nonce),
    ];
    if let Some(token) = credentials.security_token() {
        common.push(("SecurityToken", token));
    }
    let business = spec.params.iter().map(|(k, v)| (*k, v.as_str()));
    let signature = sign_rpc_v1(
        "POST",
        common.iter().copied().chain(business.clone()),
        credentials.access_key_secret(),
    );
    common.push(("Signature", &signature.signature));

    let body = encode_pairs(business).into_bytes();
    let mut headers = Vec::new();
    if !body.is_empty() {
        headers.push(("content-type", FORM_CONTENT_TYPE.to_owned()));
    }
    SignedRequest {
        query: encode_pairs(common),
        headers,
        body,
    }
}

fn sign_v3_call(
    api_version: &str,
    credentials: &Credentials,
    spec: &CallSpec<'_>,
) -> SignedRequest {
    let mut headers: Vec<(&'static str, String)> = vec![
        ("host", spec.host.to_owned()),
        (headers::ACTION, spec.action.to_owned()),
        (headers::VERSION, api_version.to_owned()),
        (headers::DATE, format_timestamp(spec.timestamp)),
        (headers::SIGNATURE_NONCE, spec.nonce.to_owned()),
        (headers::CONTENT_SHA256, EMPTY_PAYLOAD_SHA256.to_owned()),
    ];
    if let Some(token) = credentials.security_token() {
        headers.push((headers::SECURITY_TOKEN, token.to_owned()));
    }
    let query: Vec<(&str, &str)> = spec.params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let signed: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let signature = sign_v3(
        &V3Request {
            method: "POST",
            path: "/",
            query: &query,
            headers: &signed,
            hashed_payload: &hash_payload(b""),
        },
        credentials.access_key_id(),
        credentials.access_key_secret(),
    );
    headers.push((headers::AUTHORIZATION, signature.authorization));
    headers.push(("accept", "application/json".to_owned()));
    SignedRequest {
        query: encode_pairs(query),
        headers,
        body: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    fn spec() -> CallSpec<'static> {
        CallSpec {
            action: "ListTickets",
            params: &[],
            host: "workorder.aliyuncs.com",
            timestamp: OffsetDateTime::UNIX_EPOCH,
            nonce: "nonce-1",
        }
    }

    fn sts() -> Credentials {
        Credentials::new("STS.key-id", SecretString::from("key-secret"))
            .with_security_token(SecretString::from("sts-token-7f3a"))
    }

    #[test]
    fn wiping_clears_the_query_and_every_header_value_but_not_the_body() {
        let mut v1 = sign_call(SignatureVersion::V1, &sts(), &spec());
        let mut v3 = sign_call(SignatureVersion::V3, &sts(), &spec());
        v1.body = b"Content=hi".to_vec();

        v1.wipe();
        v3.wipe();

        assert_eq!(v1.query, "");
        assert_eq!(v1.body, b"Content=hi");
        assert!(v3.headers.iter().all(|(_, value)| value.is_empty()));
        assert_eq!(v3.headers.len(), 9);
    }
}
