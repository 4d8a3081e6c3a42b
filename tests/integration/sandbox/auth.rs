//! Authentication: both signature schemes, and every error the real gateway answers before an
//! action runs (codes, statuses, body fields, headers).

use time::OffsetDateTime;
use workorder_api::SignatureVersion;
use workorder_api::encode::encode_pairs;
use workorder_api::request::{SignedRequest, format_timestamp};
use workorder_api::signer::{V3Request, hash_payload, sign_rpc_v1, sign_v3};

use super::helpers::*;

const BOTH: [SignatureVersion; 2] = [SignatureVersion::V1, SignatureVersion::V3];

#[tokio::test]
async fn both_signature_schemes_are_accepted() {
    let sandbox = start().await;
    for version in BOTH {
        let reply = sandbox
            .call(version, &demo_credentials(), "ListProducts", &[])
            .await;
        reply.assert_ok();
        assert_eq!(reply.body["Code"], 200, "{version}");
    }
    sandbox.stop().await;
}

#[tokio::test]
async fn error_bodies_carry_the_real_fields_and_headers() {
    let sandbox = start().await;
    let reply = sandbox
        .call(
            SignatureVersion::V1,
            &credentials("LTAInobody", "x"),
            "ListProducts",
            &[],
        )
        .await;
    reply.assert_error(404, "InvalidAccessKeyId.NotFound");
    for field in ["RequestId", "HostId", "Code", "Message", "Recommend"] {
        assert!(reply.body[field].is_string(), "{field} in {}", reply.body);
    }
    assert_eq!(
        reply.headers["x-acs-request-id"].to_str().unwrap(),
        reply.body["RequestId"].as_str().unwrap()
    );
    assert_eq!(
        reply.headers["content-type"].to_str().unwrap(),
        "application/json;charset=utf-8"
    );
    sandbox.stop().await;
}

#[tokio::test]
async fn unknown_access_keys_are_404_in_both_schemes() {
    let sandbox = start().await;
    for version in BOTH {
        sandbox
            .call(
                version,
                &credentials("LTAInobody", "x"),
                "ListProducts",
                &[],
            )
            .await
            .assert_error(404, "InvalidAccessKeyId.NotFound");
    }
    sandbox.stop().await;
}

#[tokio::test]
async fn a_wrong_secret_is_signature_does_not_match_echoing_the_string_to_sign() {
    let sandbox = start().await;
    let wrong = credentials(DEMO_ID, "not-the-secret");
    let nonce = fresh_nonce();
    let at = OffsetDateTime::now_utc();
    let business = params(&[("Language", "en")]);

    let signed = sandbox.sign(
        SignatureVersion::V1,
        &wrong,
        "ListProducts",
        &business,
        at,
        &nonce,
    );
    let message = sandbox
        .send(&signed)
        .await
        .assert_error(400, "SignatureDoesNotMatch");
    // The string-to-sign does not depend on the secret: the server's must equal the client's.
    let sent: Vec<(String, String)> = form_urlencoded::parse(signed.query.as_bytes())
        .into_owned()
        .chain(form_urlencoded::parse(&signed.body).into_owned())
        .collect();
    let client_side = sign_rpc_v1(
        "POST",
        sent.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        "",
    );
    assert!(
        message.ends_with(&format!(
            "server string to sign is:{}",
            client_side.string_to_sign
        )),
        "{message}"
    );

    let signed = sandbox.sign(
        SignatureVersion::V3,
        &wrong,
        "ListProducts",
        &business,
        at,
        &fresh_nonce(),
    );
    let message = sandbox
        .send(&signed)
        .await
        .assert_error(400, "SignatureDoesNotMatch");
    assert!(
        message.contains("server string to sign is:ACS3-HMAC-SHA256\n"),
        "{message}"
    );
    sandbox.stop().await;
}

#[tokio::test]
async fn a_tampered_v1_body_parameter_breaks_the_signature() {
    let sandbox = start().await;
    let mut signed = sandbox.sign(
        SignatureVersion::V1,
        &demo_credentials(),
        "ListCategories",
        &params(&[("ProductCode", "ecs")]),
        OffsetDateTime::now_utc(),
        &fresh_nonce(),
    );
    signed.body = b"ProductCode=oss".to_vec();
    sandbox
        .send(&signed)
        .await
        .assert_error(400, "SignatureDoesNotMatch");
    sandbox.stop().await;
}

#[tokio::test]
async fn plus_signs_decode_as_spaces_in_query_and_body() {
    let sandbox = start().await;
    let mut signed = sandbox.sign(
        SignatureVersion::V1,
        &demo_credentials(),
        "CreateTicket",
        &params(&[
            ("ProductCode", "ecs"),
            ("Category", "793"),
            ("Content", "my server is down"),
            ("Email", DEMO_EMAIL),
        ]),
        OffsetDateTime::now_utc(),
        &fresh_nonce(),
    );
    // The Python SDKs put `+` for spaces on the wire. Body first:
    signed.body = String::from_utf8(signed.body)
        .unwrap()
        .replace("%20", "+")
        .into_bytes();
    sandbox.send(&signed).await.assert_ok();

    // Query: a v1 call whose business parameters sit in the query, spaces sent as `+`.
    let mut pairs = sandbox.v1_common("ListTickets");
    pairs.push(("ProductCode", "e c s".to_owned()));
    let signature = sign_rpc_v1(
        "POST",
        pairs.iter().map(|(k, v)| (*k, v.as_str())),
        DEMO_SECRET,
    );
    pairs.push(("Signature", signature.signature));
    let query = encode_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str()))).replace("%20", "+");
    assert!(query.contains("e+c+s"));
    let reply = sandbox
        .send(&SignedRequest {
            query,
            headers: Vec::new(),
            body: Vec::new(),
        })
        .await;
    assert_eq!(reply.assert_ok()["Total"], 0);
    sandbox.stop().await;
}

#[tokio::test]
async fn timestamps_beyond_fifteen_minutes_are_expired_in_both_schemes() {
    let sandbox = start().await;
    let now = OffsetDateTime::now_utc();
    for version in BOTH {
        for skew in [time::Duration::minutes(-16), time::Duration::minutes(16)] {
            let signed = sandbox.sign(
                version,
                &demo_credentials(),
                "ListProducts",
                &[],
                now + skew,
                &fresh_nonce(),
            );
            sandbox
                .send(&signed)
                .await
                .assert_error(400, "InvalidTimeStamp.Expired");
        }
        let signed = sandbox.sign(
            version,
            &demo_credentials(),
            "ListProducts",
            &[],
            now - time::Duration::minutes(14),
            &fresh_nonce(),
        );
        sandbox.send(&signed).await.assert_ok();
    }
    sandbox.stop().await;
}

#[tokio::test]
async fn a_reused_nonce_is_refused_per_account() {
    let sandbox = start().await;
    let alpha = alpha();
    let alpha_credentials = credentials(&alpha.access_key_id, "alpha-secret");
    for version in BOTH {
        let nonce = fresh_nonce();
        let at = OffsetDateTime::now_utc();
        let first = sandbox.sign(
            version,
            &demo_credentials(),
            "ListProducts",
            &[],
            at,
            &nonce,
        );
        sandbox.send(&first).await.assert_ok();
        sandbox
            .send(&first)
            .await
            .assert_error(400, "SignatureNonceUsed");
        // Same nonce, other parameters: still a replay.
        let other = sandbox.sign(
            version,
            &demo_credentials(),
            "ListProducts",
            &params(&[("Language", "en")]),
            at,
            &nonce,
        );
        sandbox
            .send(&other)
            .await
            .assert_error(400, "SignatureNonceUsed");
        // Another account has its own nonce space.
        let theirs = sandbox.sign(version, &alpha_credentials, "ListProducts", &[], at, &nonce);
        sandbox.send(&theirs).await.assert_ok();
    }
    sandbox.stop().await;
}

#[tokio::test]
async fn a_forged_request_does_not_burn_the_nonce() {
    let sandbox = start().await;
    let nonce = fresh_nonce();
    let at = OffsetDateTime::now_utc();
    let forged = sandbox.sign(
        SignatureVersion::V1,
        &credentials(DEMO_ID, "guess"),
        "ListProducts",
        &[],
        at,
        &nonce,
    );
    sandbox
        .send(&forged)
        .await
        .assert_error(400, "SignatureDoesNotMatch");
    let genuine = sandbox.sign(
        SignatureVersion::V1,
        &demo_credentials(),
        "ListProducts",
        &[],
        at,
        &nonce,
    );
    sandbox.send(&genuine).await.assert_ok();
    sandbox.stop().await;
}

#[tokio::test]
async fn unknown_actions_and_versions_are_invalid_api_not_found() {
    let sandbox = start().await;
    for version in BOTH {
        sandbox
            .call(version, &demo_credentials(), "DeleteTicket", &[])
            .await
            .assert_error(404, "InvalidApi.NotFound");
    }
    let mut pairs = sandbox.v1_common("ListProducts");
    pairs.retain(|(k, _)| *k != "Version");
    pairs.push(("Version", "2019-01-01".to_owned()));
    sandbox
        .send_v1_pairs(&pairs, DEMO_SECRET)
        .await
        .assert_error(404, "InvalidApi.NotFound");
    sandbox.stop().await;
}

#[tokio::test]
async fn v1_common_parameters_are_checked() {
    let sandbox = start().await;
    let cases: [(&str, Option<&str>, &str, &str); 6] = [
        ("SignatureNonce", None, "MissingParameter", "SignatureNonce"),
        ("Timestamp", None, "MissingParameter", "Timestamp"),
        ("AccessKeyId", None, "MissingParameter", "AccessKeyId"),
        ("Format", Some("XML"), "InvalidParameter", "Format"),
        (
            "SignatureMethod",
            Some("HMAC-SHA256"),
            "InvalidParameter",
            "SignatureMethod",
        ),
        (
            "SignatureVersion",
            Some("2.0"),
            "InvalidParameter",
            "SignatureVersion",
        ),
    ];
    for (name, value, code, named) in cases {
        let mut pairs = sandbox.v1_common("ListProducts");
        pairs.retain(|(k, _)| *k != name);
        if let Some(value) = value {
            pairs.push((name, value.to_owned()));
        }
        let message = sandbox
            .send_v1_pairs(&pairs, DEMO_SECRET)
            .await
            .assert_error(400, code);
        assert!(message.contains(&format!("\"{named}\"")), "{message}");
    }
    // Format is optional and case-insensitive (tea-openapi sends `json`).
    let mut pairs = sandbox.v1_common("ListProducts");
    pairs.retain(|(k, _)| *k != "Format");
    sandbox.send_v1_pairs(&pairs, DEMO_SECRET).await.assert_ok();
    pairs = sandbox.v1_common("ListProducts");
    pairs.retain(|(k, _)| *k != "Format");
    pairs.push(("Format", "json".to_owned()));
    sandbox.send_v1_pairs(&pairs, DEMO_SECRET).await.assert_ok();
    sandbox.stop().await;
}

/// A V3 request laid out by hand: `headers` are sent and signed (plus `host`), `extra` sent
/// unsigned, `body` sent with `x-acs-content-sha256` = `claimed_hash` or its real hash.
struct V3Case<'a> {
    query: &'a [(&'a str, &'a str)],
    headers: Vec<(&'static str, String)>,
    extra: Vec<(&'static str, String)>,
    body: &'a [u8],
    claimed_hash: Option<String>,
    sign_host: bool,
}

fn v3_request(sandbox: &Sandbox, case: V3Case<'_>) -> SignedRequest {
    let mut headers = case.headers;
    headers.extend([
        ("x-acs-action", "CreateTicket".to_owned()),
        ("x-acs-version", "2020-03-26".to_owned()),
        ("x-acs-date", format_timestamp(OffsetDateTime::now_utc())),
        ("x-acs-signature-nonce", fresh_nonce()),
        (
            "x-acs-content-sha256",
            case.claimed_hash.unwrap_or_else(|| hash_payload(case.body)),
        ),
    ]);
    let host = sandbox.host();
    let mut signed: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    if case.sign_host {
        signed.push(("host", &host));
    }
    let signature = sign_v3(
        &V3Request {
            method: "POST",
            path: "/",
            query: case.query,
            headers: &signed,
            hashed_payload: &headers
                .iter()
                .find(|(k, _)| *k == "x-acs-content-sha256")
                .unwrap()
                .1,
        },
        DEMO_ID,
        DEMO_SECRET,
    );
    headers.push(("authorization", signature.authorization));
    headers.extend(case.extra);
    SignedRequest {
        query: encode_pairs(case.query.iter().copied()),
        headers,
        body: case.body.to_vec(),
    }
}

const FORM: &str = "application/x-www-form-urlencoded";

fn create_form_body() -> Vec<u8> {
    encode_pairs([
        ("ProductCode", "ecs"),
        ("Category", "794"),
        ("Content", "form body via V3"),
        ("Email", DEMO_EMAIL),
    ])
    .into_bytes()
}

#[tokio::test]
async fn v3_reads_business_parameters_from_a_signed_form_body() {
    let sandbox = start().await;
    let body = create_form_body();
    let request = v3_request(
        &sandbox,
        V3Case {
            query: &[("Title", "v3 form")],
            headers: vec![("content-type", FORM.to_owned())],
            extra: Vec::new(),
            body: &body,
            claimed_hash: None,
            sign_host: true,
        },
    );
    let reply = sandbox.send(&request).await;
    assert_eq!(reply.assert_ok().as_str().unwrap().len(), 7);
    sandbox.stop().await;
}

#[tokio::test]
async fn v3_rejects_a_body_that_does_not_match_its_hash() {
    let sandbox = start().await;
    let body = create_form_body();
    let request = v3_request(
        &sandbox,
        V3Case {
            query: &[],
            headers: vec![("content-type", FORM.to_owned())],
            extra: Vec::new(),
            body: &body,
            claimed_hash: Some(hash_payload(b"something else")),
            sign_host: true,
        },
    );
    sandbox
        .send(&request)
        .await
        .assert_error(400, "SignatureDoesNotMatch");
    sandbox.stop().await;
}

#[tokio::test]
async fn v3_requires_host_content_type_and_every_x_acs_header_signed() {
    let sandbox = start().await;
    let body = create_form_body();
    let cases = [
        (
            "host unsigned",
            Vec::new(),
            vec![("content-type", FORM.to_owned())],
            false,
        ),
        (
            "content-type unsigned",
            Vec::new(),
            vec![("content-type", FORM.to_owned())],
            true,
        ),
        (
            "x-acs header unsigned",
            vec![("content-type", FORM.to_owned())],
            vec![("x-acs-extra", "1".to_owned())],
            true,
        ),
    ];
    for (label, signed_headers, unsigned, sign_host) in cases {
        let request = v3_request(
            &sandbox,
            V3Case {
                query: &[],
                headers: signed_headers,
                extra: unsigned,
                body: &body,
                claimed_hash: None,
                sign_host,
            },
        );
        let message = sandbox
            .send(&request)
            .await
            .assert_error(400, "IncompleteSignature");
        assert!(message.contains("must be signed"), "{label}: {message}");
    }
    sandbox.stop().await;
}

#[tokio::test]
async fn sts_tokens_must_match_the_account() {
    let sandbox = start().await;
    let sts = sts();
    let with = |token: &str| {
        credentials(&sts.access_key_id, "beta-secret")
            .with_security_token(secrecy::SecretString::from(token.to_owned()))
    };
    for version in BOTH {
        sandbox
            .call(version, &with("beta+token/="), "ListProducts", &[])
            .await
            .assert_ok();
        sandbox
            .call(version, &with("stolen"), "ListProducts", &[])
            .await
            .assert_error(400, "InvalidSecurityToken.MismatchWithAccessKey");
        sandbox
            .call(
                version,
                &credentials(&sts.access_key_id, "beta-secret"),
                "ListProducts",
                &[],
            )
            .await
            .assert_error(400, "MissingSecurityToken");
        // A token sent for an account that has none is refused too.
        let demo_with_token =
            demo_credentials().with_security_token(secrecy::SecretString::from("any"));
        sandbox
            .call(version, &demo_with_token, "ListProducts", &[])
            .await
            .assert_error(400, "InvalidSecurityToken.MismatchWithAccessKey");
    }
    sandbox.stop().await;
}

#[tokio::test]
async fn v1_get_requests_sign_the_get_method() {
    let sandbox = start().await;
    let mut pairs = sandbox.v1_common("ListCategories");
    pairs.push(("ProductCode", "oss".to_owned()));
    let signature = sign_rpc_v1(
        "GET",
        pairs.iter().map(|(k, v)| (*k, v.as_str())),
        DEMO_SECRET,
    );
    pairs.push(("Signature", signature.signature));
    let query = encode_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())));
    let url = format!("{}/?{query}", sandbox.handle.url());
    let response = sandbox.http.get(&url).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    // The same query POSTed no longer matches: the method is signed.
    let response = sandbox.http.post(&url).send().await.unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["Code"], "SignatureDoesNotMatch");
    sandbox.stop().await;
}
