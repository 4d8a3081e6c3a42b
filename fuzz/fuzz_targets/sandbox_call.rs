//! The sandbox's request path without its HTTP server (`fuzzing::SandboxProbe`): parameter
//! decoding (query and form body), authentication (RPC v1 or a fuzzed
//! `Authorization: ACS3-HMAC-SHA256 …` header), the STS token, the timestamp window, the nonce
//! and then the action, on arbitrary requests.
//!
//! Input: a request as text, HTTP/1.1-like:
//! ```text
//! POST /?Action=ListTickets&Version=2020-03-26&…
//! content-type: application/x-www-form-urlencoded
//! x-acs-date: @NOW@
//!
//! BODY
//! ```
//! Before the call, placeholders are filled so that fuzzed requests get past the checks a
//! fuzzer cannot satisfy by mutation: `@NOW@` (the current timestamp), `@NONCE@` (a fresh
//! nonce), `@BODYHASH@` (the body's SHA-256) and `@SIGN@` (the correct signature: in the
//! `Authorization` header for V3, else as the v1 `Signature` parameter). The signature is
//! computed with the public signer from what the request says it signed, so the fuzzer
//! controls every signed value. Unparseable header lines are skipped.
//!
//! Properties: no panic; only a request this target signed is accepted; an STS account's call
//! is accepted only with its token; every refusal is a 4xx/5xx with a JSON error body naming its
//! code.

#![no_main]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex, PoisonError};

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;
use secrecy::SecretString;
use serde_json::Value;
use time::OffsetDateTime;
use workorder_api::request::format_timestamp;
use workorder_api::signer::{V3Request, hash_payload, sign_rpc_v1, sign_v3};
use workorder_gateway::fuzzing::SandboxProbe;
use workorder_sandbox::{Account, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET};

const STS_ID: &str = "STS.fuzzTemporaryKey";
const STS_SECRET: &str = "fuzz-sts-secret";
const STS_TOKEN: &str = "fuzz-sts-security-token";
/// A fresh sandbox every this many calls, so that tickets created by earlier inputs neither
/// slow later ones down nor make an input's outcome depend on history for long.
const CALLS_PER_SANDBOX: u64 = 2_000;

struct Probe {
    sandbox: SandboxProbe,
    calls: u64,
}

fn new_sandbox() -> SandboxProbe {
    let sts = Account {
        access_key_id: STS_ID.to_owned(),
        access_key_secret: SecretString::from(STS_SECRET),
        security_token: Some(SecretString::from(STS_TOKEN)),
        uid: "1000000000000002".to_owned(),
        emails: vec!["sts@example.com".to_owned()],
        phones: Vec::new(),
    };
    SandboxProbe::new(&[sts]).expect("a sandbox")
}

static PROBE: LazyLock<Mutex<Probe>> = LazyLock::new(|| {
    Mutex::new(Probe {
        sandbox: new_sandbox(),
        calls: 0,
    })
});
static NONCES: AtomicU64 = AtomicU64::new(0);

fuzz_target!(|data: &[u8]| {
    let request = Request::read(data);
    let mut probe = PROBE.lock().unwrap_or_else(PoisonError::into_inner);
    probe.calls += 1;
    if probe.calls.is_multiple_of(CALLS_PER_SANDBOX) {
        probe.sandbox = new_sandbox();
    }
    let result = probe.sandbox.call(
        &request.method,
        &request.path,
        &request.query,
        &request.headers,
        &request.body,
    );
    match result {
        Ok(body) => {
            assert!(
                request.signed_here,
                "accepted a request this target did not sign"
            );
            if request.account == STS_ID {
                assert!(request.sent_token, "accepted an STS call without its token");
            }
            let body: Value = serde_json::from_str(&body).expect("a JSON answer");
            assert_eq!(body["Success"], Value::Bool(true), "{body}");
        }
        Err(refusal) => {
            assert!(
                (400..600).contains(&refusal.status),
                "status {}",
                refusal.status
            );
            let body: Value = serde_json::from_str(&refusal.body).expect("a JSON error");
            assert_eq!(body["Code"].as_str(), Some(refusal.code), "{body}");
        }
    }
});

/// A request read from the input, placeholders filled.
struct Request {
    method: String,
    path: String,
    query: String,
    headers: HeaderMap,
    body: Vec<u8>,
    /// Whether `@SIGN@` was filled with a correct signature.
    signed_here: bool,
    /// The AccessKey id the signature was made for.
    account: String,
    /// Whether the STS account's token was among the values sent for it.
    sent_token: bool,
}

impl Request {
    fn read(data: &[u8]) -> Self {
        let now = format_timestamp(OffsetDateTime::now_utc());
        let nonce = format!("fuzz-nonce-{}", NONCES.fetch_add(1, Ordering::Relaxed));
        let (head, body) = split_head(data);
        let head = String::from_utf8_lossy(head);
        let mut lines = head.lines();
        let request_line = lines.next().unwrap_or_default();
        let (method, target) = request_line
            .split_once(' ')
            .unwrap_or(("POST", request_line));
        let (path, query) = target.trim().split_once('?').unwrap_or((target.trim(), ""));
        let fill = |s: &str| s.replace("@NOW@", &now).replace("@NONCE@", &nonce);
        let mut body = replace_bytes(body, b"@NOW@", now.as_bytes());
        body = replace_bytes(&body, b"@NONCE@", nonce.as_bytes());
        let body_hash = hash_payload(&body);
        let mut request = Request {
            method: method.trim().to_owned(),
            path: if path.is_empty() {
                "/".to_owned()
            } else {
                path.to_owned()
            },
            query: fill(query),
            headers: HeaderMap::new(),
            body,
            signed_here: false,
            account: String::new(),
            sent_token: false,
        };
        let mut raw_headers = Vec::new();
        for line in lines {
            if let Some((name, value)) = line.split_once(':') {
                let value = fill(value.trim()).replace("@BODYHASH@", &body_hash);
                raw_headers.push((name.trim().to_owned(), value));
            }
        }
        let v3_sign = raw_headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case("authorization") && v.contains("@SIGN@"));
        for (name, value) in &raw_headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                request.headers.append(name, value);
            }
        }
        if v3_sign {
            request.sign_v3();
        } else if request.query.contains("@SIGN@") || contains(&request.body, b"@SIGN@") {
            request.sign_v1();
        }
        request
    }

    /// Fills `@SIGN@` in the `Authorization` header: the Credential and SignedHeaders it names,
    /// the query, the signed headers' values and the body hash, as the verifier gathers them.
    fn sign_v3(&mut self) {
        let Some(authorization) = self
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
        else {
            return;
        };
        let field = |name: &str| {
            authorization.split(',').find_map(|part| {
                let part = part.trim();
                let part = part.rsplit(' ').next().unwrap_or(part);
                part.split_once('=')
                    .filter(|(n, _)| n.trim() == name)
                    .map(|(_, v)| v.trim().to_owned())
            })
        };
        let credential = field("Credential").unwrap_or_default();
        let signed: Vec<String> = field("SignedHeaders")
            .unwrap_or_default()
            .split(';')
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        let mut values: Vec<(String, String)> = Vec::new();
        for name in &signed {
            for value in self.headers.get_all(name.as_str()) {
                if let Ok(value) = value.to_str() {
                    values.push((name.clone(), value.to_owned()));
                }
            }
        }
        let values: Vec<(&str, &str)> = values
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let query: Vec<(String, String)> = form_urlencoded::parse(self.query.as_bytes())
            .into_owned()
            .collect();
        let query: Vec<(&str, &str)> = query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let signature = sign_v3(
            &V3Request {
                method: &self.method,
                path: &self.path,
                query: &query,
                headers: &values,
                hashed_payload: &hash_payload(&self.body),
            },
            &credential,
            secret_of(&credential),
        )
        .signature;
        if let Ok(value) = HeaderValue::from_str(&authorization.replace("@SIGN@", &signature)) {
            self.headers
                .insert(HeaderName::from_static("authorization"), value);
            self.signed_here = true;
            self.sent_token = self
                .headers
                .get_all("x-acs-security-token")
                .any(|v| v.to_str().is_ok_and(|v| v.trim() == STS_TOKEN));
            self.account = credential;
        }
    }

    /// Fills `@SIGN@` (query or form body) with the v1 signature over query ∪ body.
    fn sign_v1(&mut self) {
        let is_form = self
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .and_then(|ct| ct.split(';').next())
            .is_some_and(|mime| {
                mime.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        let mut params: Vec<(String, String)> = form_urlencoded::parse(self.query.as_bytes())
            .into_owned()
            .collect();
        if is_form {
            params.extend(form_urlencoded::parse(&self.body).into_owned());
        }
        let access_key_id = params
            .iter()
            .rev()
            .find(|(k, _)| k == "AccessKeyId")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let signature = sign_rpc_v1(
            &self.method,
            params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            secret_of(&access_key_id),
        )
        .signature;
        let encoded: String = form_urlencoded::byte_serialize(signature.as_bytes()).collect();
        self.query = self.query.replace("@SIGN@", &encoded);
        self.body = replace_bytes(&self.body, b"@SIGN@", encoded.as_bytes());
        self.signed_here = true;
        self.sent_token = params
            .iter()
            .any(|(k, v)| k == "SecurityToken" && v.trim() == STS_TOKEN);
        self.account = access_key_id;
    }
}

fn secret_of(access_key_id: &str) -> &'static str {
    match access_key_id {
        DEMO_ACCESS_KEY_ID => DEMO_ACCESS_KEY_SECRET,
        STS_ID => STS_SECRET,
        _ => "not-an-account-secret",
    }
}

/// Head (request line and headers) and body, split at the first empty line.
fn split_head(data: &[u8]) -> (&[u8], &[u8]) {
    for separator in [&b"\r\n\r\n"[..], b"\n\n"] {
        if let Some(at) = find(data, separator) {
            return (&data[..at], &data[at + separator.len()..]);
        }
    }
    (data, &[])
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

fn replace_bytes(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while let Some(at) = find(rest, needle) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(with);
        rest = &rest[at + needle.len()..];
    }
    out.extend_from_slice(rest);
    out
}
