//! Every error class, mapped from what a real upstream (or the network) does, with the
//! upstream's status, Code and RequestId kept.

use std::time::{Duration, Instant};

use wiremock::ResponseTemplate;
use workorder_api::SignatureVersion;
use workorder_api::actions::ListTickets;
use workorder_api::retry::AttemptOutcome;
use workorder_gateway::upstream::UpstreamError;

use super::sockets::chunked_server;
use crate::support::fake_upstream::{
    Kind, client, error_answer, refusing_address, settings, target, upstream_answering,
};

async fn list_tickets_against(response: ResponseTemplate) -> UpstreamError {
    let server = upstream_answering(response).await;
    client(settings(1))
        .call(
            &target(&server.uri(), SignatureVersion::V1, Kind::AccessKey),
            &ListTickets::default(),
        )
        .await
        .expect_err("the mock answers an error")
}

#[tokio::test]
async fn upstream_error_codes_map_to_their_class() {
    let cases: [(u16, &str, &str); 14] = [
        (404, "InvalidAccessKeyId.NotFound", "credentials_rejected"),
        (400, "SignatureDoesNotMatch", "credentials_rejected"),
        (403, "Forbidden.RAM", "credentials_rejected"),
        (400, "InvalidSecurityToken.Expired", "credentials_rejected"),
        (
            400,
            "InvalidSecurityToken.Malformed",
            "credentials_rejected",
        ),
        (400, "param.illegal", "invalid_parameter"),
        (400, "illegalParam.emailOrPhone", "invalid_parameter"),
        (400, "MissingParameter", "invalid_parameter"),
        (400, "InvalidParameter", "invalid_parameter"),
        (400, "Throttling.User", "throttled"),
        (500, "System.error", "unavailable"),
        (503, "ServiceUnavailable", "unavailable"),
        (500, "InternalError", "unavailable"),
        (404, "InvalidApi.NotFound", "refused"),
    ];
    for (status, code, outcome) in cases {
        let err = list_tickets_against(error_answer(status, code, "upstream words")).await;
        assert_eq!(err.outcome(), outcome, "{status} {code}");
        let fault = err.fault().expect("the upstream's answer is kept");
        assert_eq!(
            (fault.status, fault.code.as_str(), fault.message.as_str()),
            (status, code, "upstream words")
        );
        assert_eq!(err.request_id(), Some(format!("REQ-{code}").as_str()));
        let variant_matches = match outcome {
            "credentials_rejected" => matches!(err, UpstreamError::CredentialsRejected(_)),
            "invalid_parameter" => matches!(err, UpstreamError::InvalidParameter(_)),
            "throttled" => matches!(err, UpstreamError::Throttled { .. }),
            "unavailable" => matches!(err, UpstreamError::Unavailable(_)),
            _ => matches!(err, UpstreamError::Refused(_)),
        };
        assert!(variant_matches, "{status} {code}: {err:?}");
    }
}

#[tokio::test]
async fn throttling_keeps_the_retry_after_the_upstream_asked_for() {
    let without = list_tickets_against(error_answer(400, "Throttling.User", "flow control")).await;
    assert!(
        matches!(
            without,
            UpstreamError::Throttled {
                retry_after: None,
                ..
            }
        ),
        "{without:?}"
    );
    let with = list_tickets_against(
        error_answer(429, "Throttling.User", "flow control")
            .insert_header("x-acs-retry-after", "150"),
    )
    .await;
    assert!(
        matches!(with, UpstreamError::Throttled { retry_after: Some(d), .. } if d == Duration::from_millis(150)),
        "{with:?}"
    );
}

#[tokio::test]
async fn a_5xx_with_a_garbage_body_is_unavailable_and_keeps_the_header_request_id() {
    let err = list_tickets_against(
        ResponseTemplate::new(502)
            .set_body_raw("<html><body>Bad Gateway</body></html>", "text/html")
            .insert_header("x-acs-request-id", "REQ-HEADER"),
    )
    .await;
    assert!(
        matches!(&err, UpstreamError::Unavailable(f) if f.status == 502),
        "{err:?}"
    );
    assert_eq!(err.request_id(), Some("REQ-HEADER"));
}

#[tokio::test]
async fn a_429_from_a_rate_limiter_in_front_is_throttling_whatever_its_body() {
    for body in ["<html>Too Many Requests</html>", "{}"] {
        let err = list_tickets_against(
            ResponseTemplate::new(429)
                .set_body_raw(body, "text/html")
                .insert_header("x-acs-request-id", "REQ-429"),
        )
        .await;
        assert!(
            matches!(&err, UpstreamError::Throttled { fault, retry_after: None } if fault.status == 429),
            "{body}: {err:?}"
        );
        assert_eq!(err.request_id(), Some("REQ-429"));
    }
}

#[tokio::test]
async fn an_oversized_answer_is_refused_unread() {
    let huge = vec![b' '; workorder_gateway::upstream::answer::MAX_ANSWER_BYTES + 1];
    let err =
        list_tickets_against(ResponseTemplate::new(200).set_body_raw(huge, "application/json"))
            .await;
    assert!(
        matches!(&err, UpstreamError::Unreadable { reason, .. } if reason.contains("larger than")),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_oversized_answer_without_a_length_is_cut_off() {
    let limit = workorder_gateway::upstream::answer::MAX_ANSWER_BYTES;
    for (size, too_large) in [(limit + 1, true), (limit - 64, false)] {
        let uri = chunked_server(size).await;
        let err = client(settings(1))
            .call(
                &target(&uri, SignatureVersion::V1, Kind::AccessKey),
                &ListTickets::default(),
            )
            .await
            .expect_err("spaces are not an answer");
        let reason = match &err {
            UpstreamError::Unreadable { reason, .. } => reason.clone(),
            other => panic!("{size}: {other:?}"),
        };
        assert_eq!(
            reason.contains("larger than"),
            too_large,
            "{size}: {reason}"
        );
    }
}

#[tokio::test]
async fn html_on_200_is_an_unreadable_answer() {
    let err = list_tickets_against(
        ResponseTemplate::new(200)
            .set_body_raw("<html>captive portal</html>", "text/html")
            .insert_header("x-acs-request-id", "REQ-HTML"),
    )
    .await;
    assert!(
        matches!(&err, UpstreamError::Unreadable { status: 200, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("not valid JSON"), "{err}");
    assert_eq!(err.request_id(), Some("REQ-HTML"));
}

#[tokio::test]
async fn the_body_request_id_wins_over_the_header_and_the_header_fills_in() {
    let both = list_tickets_against(
        error_answer(400, "param.illegal", "bad").insert_header("x-acs-request-id", "REQ-HEADER"),
    )
    .await;
    assert_eq!(both.request_id(), Some("REQ-param.illegal"));

    let header_only = list_tickets_against(
        ResponseTemplate::new(400)
            .set_body_json(serde_json::json!({"Code": "param.illegal", "Message": "bad"}))
            .insert_header("x-acs-request-id", "REQ-HEADER"),
    )
    .await;
    assert_eq!(header_only.request_id(), Some("REQ-HEADER"));
}

#[tokio::test]
async fn a_slow_upstream_times_out_within_the_request_timeout() {
    let server = upstream_answering(
        ResponseTemplate::new(200)
            .set_body_json(crate::support::fake_upstream::ok_body("ListTickets"))
            .set_delay(Duration::from_secs(5)),
    )
    .await;
    let mut settings = settings(1);
    settings.request_timeout = Duration::from_millis(300);
    let started = Instant::now();
    let err = client(settings)
        .call(
            &target(&server.uri(), SignatureVersion::V3, Kind::AccessKey),
            &ListTickets::default(),
        )
        .await
        .expect_err("too slow");
    let elapsed = started.elapsed();
    assert!(
        matches!(err, UpstreamError::Timeout { sent: true }),
        "{err:?}"
    );
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_millis(2500),
        "gave up after {elapsed:?}"
    );
}

#[tokio::test]
async fn a_refused_connection_is_a_connect_error_that_never_reached_the_upstream() {
    let address = refusing_address();
    let err = client(settings(1))
        .call(
            &target(
                &format!("http://{address}"),
                SignatureVersion::V1,
                Kind::AccessKey,
            ),
            &ListTickets::default(),
        )
        .await
        .expect_err("nothing listens");
    assert!(matches!(err, UpstreamError::Connect(_)), "{err:?}");
    assert_eq!(err.attempt_outcome(), Some(AttemptOutcome::NeverSent));
    assert_eq!(err.request_id(), None);
}
