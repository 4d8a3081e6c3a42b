//! No error text (Display or Debug) carries the AccessKey secret, the STS token, a signature,
//! `SecretContent` or `Content`, even when the upstream echoes the request back; nor does the
//! `Debug` of a target or a request.

use std::time::Duration;

use wiremock::{Request, Respond, ResponseTemplate};
use workorder_api::SignatureVersion;
use workorder_api::encode::percent_encode;
use workorder_api::signer::sign_rpc_v1;
use workorder_gateway::upstream::UpstreamError;

use crate::support::actions::{CONTENT, SECRET_CONTENT, documented};
use crate::support::fake_upstream::{
    AK_SECRET, Kind, STS_SECRET, STS_TOKEN, client, error_answer, form_pairs, query_pairs,
    received, refusing_address, settings, target, upstream_answering,
};

/// Answers `SignatureDoesNotMatch` echoing the server's string-to-sign, as the POP gateway does.
struct EchoStringToSign;

impl Respond for EchoStringToSign {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query = query_pairs(request);
        let body = form_pairs(&request.body);
        let echoed = if query.iter().any(|(k, _)| k == "Signature") {
            sign_rpc_v1(
                "POST",
                query
                    .iter()
                    .chain(&body)
                    .map(|(k, v)| (k.as_str(), v.as_str())),
                "server-side secret",
            )
            .string_to_sign
        } else {
            // V3: some gateways echo the canonical request, which holds the query.
            format!("POST\n/\n{}\n", request.url.query().unwrap_or_default())
        };
        error_answer(
            400,
            "SignatureDoesNotMatch",
            &format!(
                "Specified signature is not matched with our calculation. server string to sign is:{echoed}"
            ),
        )
    }
}

/// Every form a leaked value could take in a message: raw, percent-encoded once and twice.
fn forbidden(extra: &[String]) -> Vec<String> {
    let mut values = vec![AK_SECRET.to_owned(), STS_SECRET.to_owned()];
    for value in [STS_TOKEN, SECRET_CONTENT, CONTENT] {
        values.push(value.to_owned());
        values.push(percent_encode(value));
        values.push(percent_encode(&percent_encode(value)));
        values.push(form_urlencoded::byte_serialize(value.as_bytes()).collect());
    }
    values.extend(extra.iter().cloned());
    values
}

fn assert_clean_text(scenario: &str, text: &str, extra: &[String]) {
    for value in forbidden(extra) {
        assert!(
            !text.contains(&value),
            "{scenario}: text leaks {value:?}: {text}"
        );
    }
}

fn assert_clean(scenario: &str, err: &UpstreamError, extra: &[String]) {
    assert_clean_text(scenario, &err.to_string(), extra);
    assert_clean_text(scenario, &format!("{err:?}"), extra);
}

/// The signature the mock received (v1 `Signature`, V3 `Signature=` of `Authorization`).
fn signatures(requests: &[Request]) -> Vec<String> {
    requests
        .iter()
        .filter_map(|r| {
            query_pairs(r)
                .into_iter()
                .find(|(k, _)| k == "Signature")
                .map(|(_, v)| v)
                .or_else(|| {
                    crate::support::fake_upstream::header(r, "authorization")
                        .and_then(|a| a.split("Signature=").nth(1))
                        .map(str::to_owned)
                })
        })
        .collect()
}

async fn call_each_action(
    scenario: &str,
    response: impl Respond + 'static,
    version: SignatureVersion,
    only_confidential: bool,
) {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(response)
        .mount(&server)
        .await;
    for (action, params) in documented() {
        if only_confidential && !params.iter().any(|(name, _)| *name == "SecretContent") {
            continue; // the upstream cannot echo a value it was never sent
        }
        let err = action
            .call(
                &client(settings(2)),
                &target(&server.uri(), version, Kind::Sts),
            )
            .await
            .expect_err("the mock answers an error");
        let mut extra = signatures(&received(&server).await);
        assert!(!extra.is_empty());
        for (name, value) in params {
            if matches!(name, "SecretContent" | "Content") {
                extra.push(value.to_owned());
                extra.push(percent_encode(value));
            }
        }
        assert_clean(
            &format!("{scenario} {version} {}", action.name()),
            &err,
            &extra,
        );
    }
}

#[tokio::test]
async fn an_echoed_string_to_sign_never_reaches_the_error() {
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        call_each_action("SignatureDoesNotMatch", EchoStringToSign, version, false).await;
    }
}

/// Answers an error whose message quotes the confidential values the request carried, raw
/// and encoded, plus the STS token: the worst an upstream or a proxy could do.
struct EchoParameters {
    status: u16,
    code: &'static str,
}

impl Respond for EchoParameters {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut message = String::from("The specified parameter is not valid:");
        let sent = query_pairs(request)
            .into_iter()
            .chain(form_pairs(&request.body));
        for (name, value) in sent {
            if matches!(name.as_str(), "SecretContent" | "Content" | "SecurityToken") {
                message.push_str(&format!(" {name} \"{value}\" ({})", percent_encode(&value)));
            }
        }
        if let Some(token) = crate::support::fake_upstream::header(request, "x-acs-security-token")
        {
            message.push_str(&format!(" token {token}"));
        }
        error_answer(self.status, self.code, &message)
    }
}

#[tokio::test]
async fn parameter_values_echoed_in_any_message_are_withheld() {
    for (status, code) in [
        (400, "InvalidParameter"),
        (503, "ServiceUnavailable"),
        (400, "Throttling.User"),
    ] {
        for version in [SignatureVersion::V1, SignatureVersion::V3] {
            call_each_action(code, EchoParameters { status, code }, version, true).await;
        }
    }
}

#[tokio::test]
async fn a_garbage_body_echoing_the_request_is_not_quoted() {
    let body = format!("<html>You sent SecretContent={SECRET_CONTENT}</html>");
    for status in [200, 502] {
        call_each_action(
            "garbage",
            ResponseTemplate::new(status).set_body_raw(body.clone(), "text/html"),
            SignatureVersion::V1,
            false,
        )
        .await;
    }
}

#[tokio::test]
async fn transport_failures_do_not_quote_the_signed_url() {
    let address = refusing_address();
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        for (action, _) in documented() {
            let err = action
                .call(
                    &client(settings(1)),
                    &target(&format!("http://{address}"), version, Kind::Sts),
                )
                .await
                .expect_err("refused");
            assert_clean(&format!("refused {version}"), &err, &[]);
            assert!(!err.to_string().contains("Signature"), "{err}");
        }
    }

    let slow =
        upstream_answering(ResponseTemplate::new(200).set_delay(Duration::from_secs(3))).await;
    let mut settings = settings(1);
    settings.request_timeout = Duration::from_millis(100);
    for (action, _) in documented() {
        let err = action
            .call(
                &client(settings.clone()),
                &target(&slow.uri(), SignatureVersion::V1, Kind::Sts),
            )
            .await
            .expect_err("timed out");
        assert_clean("timeout", &err, &[]);
    }
}

#[test]
fn targets_and_requests_print_no_secret_or_confidential_text() {
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let printed = format!("{:?}", target("http://127.0.0.1:1", version, Kind::Sts));
        assert!(printed.contains(Kind::Sts.id()), "{printed}");
        assert_clean_text("target", &printed, &[]);
    }
    for (action, params) in documented() {
        let printed = format!("{action:?}");
        let confidential: Vec<String> = params
            .iter()
            .filter(|(name, _)| matches!(*name, "SecretContent" | "Content"))
            .map(|(_, value)| (*value).to_owned())
            .collect();
        assert_clean_text(action.name(), &printed, &confidential);
    }
}
