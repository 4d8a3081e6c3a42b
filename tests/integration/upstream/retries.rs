//! Retry counts per action and cause, counted on the mock, on a raw socket (`sockets.rs`) or,
//! when nothing can receive, through the client's `CallObserver`: reads and CloseTicket repeat
//! transient failures up to the attempt limit; CreateTicket and ReplyTicket repeat only a
//! request that provably never left.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use wiremock::ResponseTemplate;
use workorder_api::SignatureVersion;
use workorder_api::actions::{CreateTicket, ListTickets};
use workorder_api::retry::AttemptOutcome;
use workorder_gateway::upstream::UpstreamError;

use super::sockets::{hang_up_server, saturated_listener};
use crate::support::actions::{AnyAction, seven};
use crate::support::fake_upstream::{
    Kind, Observed, Recorder, Script, client, error_answer, ok_body, received, refusing_address,
    settings, target, upstream_answering,
};

const ATTEMPTS: u32 = 3;

/// A transient failure the mock can produce.
#[derive(Debug, Clone, Copy)]
enum Cause {
    ServerError,
    Unavailable,
    Throttled,
    SlowAnswer,
}

impl Cause {
    const ALL: [Cause; 4] = [
        Cause::ServerError,
        Cause::Unavailable,
        Cause::Throttled,
        Cause::SlowAnswer,
    ];

    fn response(self, action: &str) -> ResponseTemplate {
        match self {
            Cause::ServerError => error_answer(500, "System.error", "try again"),
            Cause::Unavailable => error_answer(503, "ServiceUnavailable", "try again"),
            Cause::Throttled => error_answer(400, "Throttling.User", "flow control"),
            Cause::SlowAnswer => ResponseTemplate::new(200)
                .set_body_json(ok_body(action))
                .set_delay(Duration::from_secs(2)),
        }
    }

    fn outcome(self) -> &'static str {
        match self {
            Cause::ServerError | Cause::Unavailable => "unavailable",
            Cause::Throttled => "throttled",
            Cause::SlowAnswer => "timeout",
        }
    }
}

fn quick_settings() -> workorder_gateway::upstream::ClientSettings {
    let mut settings = settings(ATTEMPTS);
    settings.request_timeout = Duration::from_millis(250);
    settings
}

#[tokio::test]
async fn transient_failures_are_retried_for_reads_and_close_but_never_for_writes() {
    for action in seven() {
        for cause in Cause::ALL {
            let server = upstream_answering(cause.response(action.name())).await;
            let recorder = Arc::new(Recorder::default());
            let client = client(quick_settings()).with_observer(recorder.clone());
            let err = action
                .call(
                    &client,
                    &target(&server.uri(), SignatureVersion::V1, Kind::AccessKey),
                )
                .await
                .expect_err("every attempt fails");
            let expected = if action.repeatable() { ATTEMPTS } else { 1 };
            let case = format!("{} after {cause:?}", action.name());
            assert_eq!(received(&server).await.len() as u32, expected, "{case}");
            assert_eq!(err.outcome(), cause.outcome(), "{case}");
            assert_eq!(
                recorder.calls(),
                [Observed {
                    action: action.name(),
                    outcome: cause.outcome(),
                    attempts: expected,
                }],
                "{case}"
            );
        }
    }
}

#[tokio::test]
async fn refusals_and_unreadable_answers_are_not_retried() {
    let answers = [
        error_answer(400, "param.illegal", "bad"),
        error_answer(404, "InvalidAccessKeyId.NotFound", "who"),
        error_answer(400, "SignatureDoesNotMatch", "no"),
        error_answer(404, "InvalidApi.NotFound", "no"),
        ResponseTemplate::new(200).set_body_raw("<html>", "text/html"),
    ];
    for action in seven() {
        for answer in &answers {
            let server = upstream_answering(answer.clone()).await;
            let result = action
                .call(
                    &client(quick_settings()),
                    &target(&server.uri(), SignatureVersion::V3, Kind::AccessKey),
                )
                .await;
            assert!(result.is_err());
            assert_eq!(received(&server).await.len(), 1, "{}", action.name());
        }
    }
}

#[tokio::test]
async fn a_transient_failure_then_success_returns_the_answer() {
    for action in seven().into_iter().filter(AnyAction::repeatable) {
        let script = Script::new(vec![
            error_answer(503, "ServiceUnavailable", "busy"),
            ResponseTemplate::new(200).set_body_json(ok_body(action.name())),
        ]);
        let server = script.mount().await;
        let result = action
            .call(
                &client(quick_settings()),
                &target(&server.uri(), SignatureVersion::V3, Kind::Sts),
            )
            .await;
        assert!(result.is_ok(), "{}: {result:?}", action.name());
        assert_eq!(received(&server).await.len(), 2);
    }
}

#[tokio::test]
async fn every_action_is_retried_when_the_connection_is_refused() {
    let address = refusing_address();
    for action in seven() {
        let recorder = Arc::new(Recorder::default());
        let started = Instant::now();
        let err = action
            .call(
                &client(quick_settings()).with_observer(recorder.clone()),
                &target(
                    &format!("http://{address}"),
                    SignatureVersion::V1,
                    Kind::AccessKey,
                ),
            )
            .await
            .expect_err("nothing listens");
        assert!(matches!(err, UpstreamError::Connect(_)), "{err:?}");
        assert_eq!(
            recorder.calls(),
            [Observed {
                action: action.name(),
                outcome: "connect_error",
                attempts: ATTEMPTS,
            }],
            "{}: the request never left, so even a write is repeated",
            action.name()
        );
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}

#[tokio::test]
async fn a_connection_lost_after_sending_is_retried_only_for_repeatable_actions() {
    for action in seven() {
        let (uri, connections) = hang_up_server().await;
        let err = action
            .call(
                &client(quick_settings()),
                &target(&uri, SignatureVersion::V1, Kind::AccessKey),
            )
            .await
            .expect_err("no answer");
        assert!(
            matches!(err, UpstreamError::Transport(_)),
            "{}: {err:?}",
            action.name()
        );
        assert_eq!(err.attempt_outcome(), Some(AttemptOutcome::NoAnswer));
        let expected = if action.repeatable() { ATTEMPTS } else { 1 };
        assert_eq!(
            connections.load(Ordering::SeqCst),
            expected,
            "{}: {err:?}",
            action.name()
        );
    }
}

#[tokio::test]
async fn a_create_ticket_that_timed_out_after_sending_is_not_repeated() {
    let server = upstream_answering(
        ResponseTemplate::new(200)
            .set_body_json(ok_body("CreateTicket"))
            .set_delay(Duration::from_secs(3)),
    )
    .await;
    let create = CreateTicket {
        product_code: "ecs".into(),
        category_id: 157,
        content: "help".into(),
        email: "support@aliyun.com".into(),
        title: None,
        phone: None,
        secret_content: None,
        notify_time_range: None,
        language: None,
    };
    let started = Instant::now();
    let err = client(quick_settings())
        .call(
            &target(&server.uri(), SignatureVersion::V3, Kind::AccessKey),
            &create,
        )
        .await
        .expect_err("timed out");
    assert!(
        matches!(err, UpstreamError::Timeout { sent: true }),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2), "bounded wait");
    assert_eq!(received(&server).await.len(), 1, "exactly one CreateTicket");
}

#[tokio::test]
async fn the_upstream_retry_after_is_waited_out_before_the_next_attempt() {
    let script = Script::new(vec![
        error_answer(400, "Throttling.User", "flow control")
            .insert_header("x-acs-retry-after", "200"),
        ResponseTemplate::new(200).set_body_json(ok_body("ListTickets")),
    ]);
    let server = script.mount().await;
    let result = client(quick_settings())
        .call(
            &target(&server.uri(), SignatureVersion::V1, Kind::AccessKey),
            &ListTickets::default(),
        )
        .await;
    assert!(result.is_ok(), "{result:?}");
    let gaps = script.gaps();
    assert_eq!(gaps.len(), 1);
    assert!(
        gaps[0] >= Duration::from_millis(200),
        "waited {:?}",
        gaps[0]
    );
}

#[tokio::test]
async fn a_retry_after_beyond_the_longest_wait_returns_the_throttling_at_once() {
    let server = upstream_answering(
        error_answer(400, "Throttling.User", "flow control")
            .insert_header("x-acs-retry-after", "60000"),
    )
    .await;
    let started = Instant::now();
    let err = client(quick_settings())
        .call(
            &target(&server.uri(), SignatureVersion::V1, Kind::AccessKey),
            &ListTickets::default(),
        )
        .await
        .expect_err("throttled");
    assert!(matches!(err, UpstreamError::Throttled { .. }), "{err:?}");
    assert_eq!(received(&server).await.len(), 1);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_connect_timeout_never_reached_the_upstream_so_even_writes_are_repeated() {
    let (uri, _fillers, _listener) = saturated_listener();
    let mut settings = quick_settings();
    settings.connect_timeout = Duration::from_millis(100);
    for action in seven() {
        let recorder = Arc::new(Recorder::default());
        let err = action
            .call(
                &client(settings.clone()).with_observer(recorder.clone()),
                &target(&uri, SignatureVersion::V1, Kind::AccessKey),
            )
            .await
            .expect_err("the handshake never completes");
        assert!(
            matches!(err, UpstreamError::Timeout { sent: false }),
            "{}: {err:?}",
            action.name()
        );
        assert_eq!(recorder.calls()[0].attempts, ATTEMPTS, "{}", action.name());
    }
}

#[tokio::test]
async fn writes_are_not_repeated_even_when_the_upstream_names_a_retry_after() {
    for action in seven().into_iter().filter(|a| !a.repeatable()) {
        let script = Script::new(vec![
            error_answer(400, "Throttling.User", "flow control")
                .insert_header("x-acs-retry-after", "50"),
            ResponseTemplate::new(200).set_body_json(ok_body(action.name())),
        ]);
        let server = script.mount().await;
        let err = action
            .call(
                &client(quick_settings()),
                &target(&server.uri(), SignatureVersion::V3, Kind::AccessKey),
            )
            .await
            .expect_err("the throttling is returned");
        assert!(
            matches!(
                err,
                UpstreamError::Throttled {
                    retry_after: Some(_),
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(received(&server).await.len(), 1, "{}", action.name());
    }
}
