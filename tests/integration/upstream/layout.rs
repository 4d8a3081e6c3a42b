//! What each action puts on the wire, for both signature versions, and that the signature the
//! mock received verifies when recomputed from what it received (with `workorder_api::signer`).

use std::collections::BTreeSet;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use wiremock::{Request, ResponseTemplate};
use workorder_api::SignatureVersion;
use workorder_api::signer::{
    EMPTY_PAYLOAD_SHA256, V3Request, hash_payload, sign_rpc_v1, sign_v3, signatures_match,
};

use crate::support::actions::{AnyAction, documented};
use crate::support::fake_upstream::{
    Kind, client, form_pairs, header, ok_body, query_pairs, received, settings, single, target,
    upstream_answering,
};

/// Sends `action` once to a mock answering success and returns what the mock received.
async fn capture(action: &AnyAction, version: SignatureVersion, kind: Kind) -> Request {
    let server =
        upstream_answering(ResponseTemplate::new(200).set_body_json(ok_body(action.name()))).await;
    let outcome = action
        .call(&client(settings(1)), &target(&server.uri(), version, kind))
        .await;
    assert!(outcome.is_ok(), "{} failed: {outcome:?}", action.name());
    let mut requests = received(&server).await;
    assert_eq!(requests.len(), 1, "{} sent once", action.name());
    requests.remove(0)
}

fn sorted(pairs: &[(String, String)]) -> Vec<(String, String)> {
    let mut pairs = pairs.to_vec();
    pairs.sort();
    pairs
}

fn owned(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    sorted(
        &expected
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<Vec<_>>(),
    )
}

/// A `yyyy-MM-ddTHH:mm:ssZ` time within a minute of now.
fn assert_fresh_utc_second(value: &str) {
    assert_eq!(value.len(), 20, "{value}: no fraction, no offset");
    assert!(value.ends_with('Z'), "{value} is UTC");
    let at = OffsetDateTime::parse(value, &Rfc3339).expect("an RFC 3339 time");
    let skew = (OffsetDateTime::now_utc() - at).abs();
    assert!(skew < time::Duration::minutes(1), "{value} is {skew} away");
}

/// Recomputes the v1 signature over query ∪ body (minus `Signature`) and compares.
pub fn v1_signature_verifies(request: &Request, secret: &str) -> bool {
    let query = query_pairs(request);
    let body = form_pairs(&request.body);
    let Some(sent) = single(&query, "Signature") else {
        return false;
    };
    let expected = sign_rpc_v1(
        request.method.as_str(),
        query
            .iter()
            .chain(&body)
            .map(|(k, v)| (k.as_str(), v.as_str())),
        secret,
    );
    signatures_match(&expected.signature, sent)
}

/// Recomputes the V3 signature from the headers it names, the query and the body received.
pub fn v3_signature_verifies(request: &Request, id: &str, secret: &str) -> bool {
    let authorization = header(request, "authorization").expect("Authorization sent");
    let rest = authorization
        .strip_prefix("ACS3-HMAC-SHA256 ")
        .expect("ACS3 algorithm");
    let mut parts = rest.split(',');
    let (credential, signed, signature) = (
        parts.next().and_then(|p| p.strip_prefix("Credential=")),
        parts.next().and_then(|p| p.strip_prefix("SignedHeaders=")),
        parts.next().and_then(|p| p.strip_prefix("Signature=")),
    );
    let (Some(credential), Some(signed), Some(signature)) = (credential, signed, signature) else {
        panic!("malformed Authorization: {authorization}");
    };
    assert_eq!(credential, id, "Credential is the AccessKey id");
    let headers: Vec<(&str, &str)> = signed
        .split(';')
        .map(|name| (name, header(request, name).unwrap_or_default()))
        .collect();
    let query = query_pairs(request);
    let query: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let expected = sign_v3(
        &V3Request {
            method: request.method.as_str(),
            path: request.url.path(),
            query: &query,
            headers: &headers,
            hashed_payload: &hash_payload(&request.body),
        },
        id,
        secret,
    );
    signatures_match(&expected.signature, signature)
}

/// The wire form is the canonical one (`%20`, `%2B`, `%2A`), so any decoder reads back exactly
/// what was signed.
fn assert_canonical_encoding(request: &Request, action: &str) {
    let query = request.url.query().unwrap_or_default();
    let body = String::from_utf8(request.body.clone()).expect("UTF-8 body");
    for raw in [query, body.as_str()] {
        assert!(
            !raw.contains(['+', ' ', '*']),
            "{action}: {raw} is not in canonical form"
        );
    }
}

fn assert_v1_layout(request: &Request, action: &str, business: &[(&str, &str)], kind: Kind) {
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), "/");
    assert_canonical_encoding(request, action);
    let query = query_pairs(request);
    let mut names: Vec<&str> = vec![
        "AccessKeyId",
        "Action",
        "Format",
        "Signature",
        "SignatureMethod",
        "SignatureNonce",
        "SignatureVersion",
        "Timestamp",
        "Version",
    ];
    if kind == Kind::Sts {
        names.push("SecurityToken");
    }
    names.sort_unstable();
    let sorted_query = sorted(&query);
    let sent: Vec<&str> = sorted_query.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        sent, names,
        "{action}: the query holds exactly the common parameters"
    );
    assert_eq!(single(&query, "Action"), Some(action));
    assert_eq!(single(&query, "Version"), Some("2020-03-26"));
    assert_eq!(single(&query, "Format"), Some("JSON"));
    assert_eq!(single(&query, "AccessKeyId"), Some(kind.id()));
    assert_eq!(single(&query, "SignatureMethod"), Some("HMAC-SHA1"));
    assert_eq!(single(&query, "SignatureVersion"), Some("1.0"));
    assert_eq!(single(&query, "SecurityToken"), kind.token());
    assert_fresh_utc_second(single(&query, "Timestamp").unwrap_or_default());
    assert!(
        single(&query, "SignatureNonce").is_some_and(|n| n.len() >= 16),
        "{action}: a nonce of some entropy"
    );

    let body = form_pairs(&request.body);
    assert_eq!(sorted(&body), owned(business), "{action}: the form body");
    if business.is_empty() {
        assert!(request.body.is_empty(), "{action}: no body");
    } else {
        assert_eq!(
            header(request, "content-type"),
            Some("application/x-www-form-urlencoded"),
            "{action}: form content type, no charset"
        );
    }
    assert!(
        v1_signature_verifies(request, kind.secret()),
        "{action}: the v1 signature verifies"
    );
}

fn assert_v3_layout(request: &Request, action: &str, business: &[(&str, &str)], kind: Kind) {
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), "/");
    assert_canonical_encoding(request, action);
    let query = query_pairs(request);
    assert_eq!(sorted(&query), owned(business), "{action}: the query");
    assert!(request.body.is_empty(), "{action}: no body");
    assert_eq!(header(request, "x-acs-action"), Some(action));
    assert_eq!(header(request, "x-acs-version"), Some("2020-03-26"));
    assert_fresh_utc_second(header(request, "x-acs-date").unwrap_or_default());
    assert!(
        header(request, "x-acs-signature-nonce").is_some_and(|n| n.len() >= 16),
        "{action}: a nonce of some entropy"
    );
    assert_eq!(
        header(request, "x-acs-content-sha256"),
        Some(EMPTY_PAYLOAD_SHA256)
    );
    assert_eq!(header(request, "x-acs-security-token"), kind.token());

    let authorization = header(request, "authorization").unwrap_or_default();
    let signed: BTreeSet<&str> = authorization
        .split("SignedHeaders=")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .unwrap_or_default()
        .split(';')
        .collect();
    assert!(signed.contains("host"), "{action}: host is signed");
    for name in request.headers.keys() {
        if name.as_str().starts_with("x-acs-") {
            assert!(signed.contains(name.as_str()), "{action}: {name} is signed");
        }
    }
    assert!(
        v3_signature_verifies(request, kind.id(), kind.secret()),
        "{action}: the V3 signature verifies"
    );
}

#[tokio::test]
async fn every_action_sends_the_v1_layout_with_a_signature_that_verifies() {
    for kind in Kind::ALL {
        for (action, business) in documented() {
            let request = capture(&action, SignatureVersion::V1, kind).await;
            assert_v1_layout(&request, action.name(), &business, kind);
        }
    }
}

#[tokio::test]
async fn every_action_sends_the_v3_layout_with_a_signature_that_verifies() {
    for kind in Kind::ALL {
        for (action, business) in documented() {
            let request = capture(&action, SignatureVersion::V3, kind).await;
            assert_v3_layout(&request, action.name(), &business, kind);
        }
    }
}

#[tokio::test]
async fn the_verifiers_reject_a_tampered_parameter_or_a_wrong_secret() {
    let (action, _) = documented().remove(0);
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let request = capture(&action, version, Kind::AccessKey).await;
        let verifies = |request: &Request, secret: &str| match version {
            SignatureVersion::V1 => v1_signature_verifies(request, secret),
            SignatureVersion::V3 => v3_signature_verifies(request, Kind::AccessKey.id(), secret),
        };
        assert!(verifies(&request, Kind::AccessKey.secret()), "{version}");
        assert!(
            !verifies(&request, "another-secret"),
            "{version}: wrong key"
        );

        let mut tampered = request.clone();
        match version {
            SignatureVersion::V1 => {
                tampered.body = String::from_utf8(request.body.clone())
                    .expect("UTF-8 body")
                    .replace("Category=157", "Category=158")
                    .into_bytes();
            }
            SignatureVersion::V3 => {
                let query = request.url.query().unwrap_or_default();
                tampered
                    .url
                    .set_query(Some(&query.replace("Category=157", "Category=158")));
            }
        }
        assert!(
            tampered.body != request.body || tampered.url != request.url,
            "{version}: the tampering changed something"
        );
        assert!(
            !verifies(&tampered, Kind::AccessKey.secret()),
            "{version}: a changed parameter breaks the signature"
        );
    }
}
