//! The faults that act, then lose the answer (`lost_drop_rate`, `lost_timeout_rate`,
//! `lost_error_rate`, `unreadable_rate`): what the client sees of a CreateTicket or ReplyTicket,
//! and, once the faults are cleared, that the lists show the call took effect exactly once.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::helpers::*;

/// How long to wait for an effect to show in a list (none of these tests sets a list lag, so
/// it shows at once; the deadline only guards against a request still in flight).
const SETTLE: Duration = Duration::from_secs(5);
/// The timeout of the client that should not time out.
const PATIENT: Duration = Duration::from_secs(10);

/// What a client saw of a call whose answer was lost.
#[derive(Debug, PartialEq, Eq)]
enum Seen {
    /// The connection closed without an answer.
    Dropped,
    /// The client's own timeout struck first.
    TimedOut,
    /// A `500 System.error` with the real error body.
    ServerError,
    /// A `200` whose body is not JSON.
    Unreadable,
}

fn seen(result: reqwest::Result<Reply>) -> Seen {
    match result {
        Err(err) if err.is_timeout() => Seen::TimedOut,
        Err(err) if err.status().is_none() => Seen::Dropped,
        Err(err) => panic!("unexpected error {err:?}"),
        Ok(reply) if reply.status == 500 => {
            reply.assert_error(500, "System.error");
            for field in ["RequestId", "HostId", "Message", "Recommend"] {
                assert!(reply.body[field].is_string(), "{field} in {}", reply.body);
            }
            Seen::ServerError
        }
        Ok(reply) if reply.status == 200 && reply.body.is_string() => Seen::Unreadable,
        Ok(reply) => panic!("the answer was not lost: {reply:?}"),
    }
}

/// Each lost-answer fault at rate 1, the client timeout to use, and what the client sees.
fn cases() -> [(Value, Duration, Seen); 4] {
    [
        (json!({"lost_drop_rate": 1.0}), PATIENT, Seen::Dropped),
        (
            // Withheld far longer than the client waits.
            json!({"lost_timeout_rate": 1.0, "lost_timeout_ms": 5000}),
            Duration::from_millis(1000),
            Seen::TimedOut,
        ),
        (json!({"lost_error_rate": 1.0}), PATIENT, Seen::ServerError),
        (json!({"unreadable_rate": 1.0}), PATIENT, Seen::Unreadable),
    ]
}

fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder().timeout(timeout).build().unwrap()
}

fn create_params(content: &str) -> Vec<(&'static str, String)> {
    params(&[
        ("ProductCode", "ecs"),
        ("Category", "793"),
        ("Content", content),
        ("Email", DEMO_EMAIL),
    ])
}

/// The demo account's tickets once at least one is listed.
async fn listed_tickets(sandbox: &Sandbox) -> Value {
    let since = Instant::now();
    let (data, _) = sandbox
        .demo_until("ListTickets", &[], since, SETTLE, |d| d["Total"] != 0)
        .await;
    data
}

#[tokio::test]
async fn a_create_whose_answer_is_lost_still_creates_exactly_one_ticket() {
    for (i, (faults, timeout, expected)) in cases().into_iter().enumerate() {
        let sandbox = start().await;
        sandbox.set_faults(faults.clone()).await;
        let content = format!("lost create {i}");
        let signed = sandbox.sign_demo("CreateTicket", &create_params(&content));
        let result = sandbox.try_send_via(&client(timeout), &signed).await;
        assert_eq!(seen(result), expected, "{faults}");

        sandbox.set_faults(json!({})).await;
        let data = listed_tickets(&sandbox).await;
        assert_eq!(data["Total"], 1, "{faults}: {data}");
        assert_eq!(data["List"][0]["Title"], content.as_str(), "{faults}");
        assert_eq!(data["List"][0]["TicketStatus"], "in_progress", "{faults}");
        sandbox.stop().await;
    }
}

#[tokio::test]
async fn a_reply_whose_answer_is_lost_still_adds_exactly_one_note() {
    for (i, (faults, timeout, expected)) in cases().into_iter().enumerate() {
        let sandbox = start().await;
        let id = sandbox.create_demo_ticket("first").await;
        sandbox.set_faults(faults.clone()).await;
        let content = format!("lost reply {i}");
        let signed = sandbox.sign_demo(
            "ReplyTicket",
            &params(&[("TicketId", &id), ("Content", &content)]),
        );
        let result = sandbox.try_send_via(&client(timeout), &signed).await;
        assert_eq!(seen(result), expected, "{faults}");

        sandbox.set_faults(json!({})).await;
        let since = Instant::now();
        let (data, _) = sandbox
            .demo_until(
                "ListTicketNotes",
                &params(&[("TicketId", &id)]),
                since,
                SETTLE,
                |d| d["List"].as_array().is_some_and(|l| l.len() > 1),
            )
            .await;
        let notes: Vec<(&str, bool)> = data["List"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                let content = n["Content"].as_str().unwrap();
                (content, n["FromOfficial"].as_bool().unwrap())
            })
            .collect();
        assert_eq!(
            notes,
            [("first", false), (content.as_str(), false)],
            "{faults}"
        );
        sandbox.stop().await;
    }
}

#[tokio::test]
async fn a_withheld_answer_ends_in_a_dropped_connection() {
    let sandbox = start().await;
    sandbox
        .set_faults(json!({"lost_timeout_rate": 1.0, "lost_timeout_ms": 300}))
        .await;
    let signed = sandbox.sign_demo("CreateTicket", &create_params("withheld"));
    let started = Instant::now();
    let result = sandbox.try_send_via(&client(PATIENT), &signed).await;
    let waited = started.elapsed();
    assert_eq!(seen(result), Seen::Dropped);
    assert!(waited >= Duration::from_millis(300), "{waited:?}");
    assert!(waited < PATIENT, "{waited:?}");

    sandbox.set_faults(json!({})).await;
    assert_eq!(listed_tickets(&sandbox).await["Total"], 1);
    sandbox.stop().await;
}

#[tokio::test]
async fn a_lost_answer_can_hide_a_failure_too() {
    let sandbox = start().await;
    sandbox.set_faults(json!({"lost_error_rate": 1.0})).await;
    let signed = sandbox.sign_demo(
        "ReplyTicket",
        &params(&[("TicketId", "NOSUCH1"), ("Content", "x")]),
    );
    // Unprocessed, this is `param.illegal`: the fate replaces whatever the call got.
    assert_eq!(seen(sandbox.try_send(&signed).await), Seen::ServerError);
    // A failed CreateTicket (unknown contact) creates nothing, lost answer or not.
    let mut bad = create_params("nobody");
    bad[3].1 = "nobody@example.com".to_owned();
    let signed = sandbox.sign_demo("CreateTicket", &bad);
    assert_eq!(seen(sandbox.try_send(&signed).await), Seen::ServerError);

    sandbox.set_faults(json!({})).await;
    let data = sandbox.demo("ListTickets", &[]).await;
    assert_eq!(data.assert_ok()["Total"], 0);
    sandbox.stop().await;
}

#[tokio::test]
async fn faults_aimed_at_one_action_leave_the_others_alone() {
    let sandbox = start_faulty(Default::default(), 0).await;
    sandbox
        .set_faults(json!({ "error_rate": 1.0, "latency_ms": 400, "actions": ["CreateTicket"] }))
        .await;
    let started = Instant::now();
    sandbox.demo("ListTickets", &[]).await.assert_ok();
    assert!(
        started.elapsed() < Duration::from_millis(400),
        "no latency for other actions"
    );
    let created = sandbox
        .demo(
            "CreateTicket",
            &[
                ("ProductCode", "ecs".to_owned()),
                ("Category", "793".to_owned()),
                ("Content", "aimed".to_owned()),
                ("Email", "demo@example.com".to_owned()),
            ],
        )
        .await;
    created.assert_error(500, "System.error");
    sandbox.stop().await;
}
