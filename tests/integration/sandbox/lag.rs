//! The list index's lag (`list_lag_ms`): a new ticket or note reaches ListTickets and
//! ListTicketNotes only that long after it was made, while the actions by id see it at once.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use workorder_sandbox::FaultConfig;

use super::helpers::*;

/// Small, but far above the few milliseconds a create-then-list takes on loopback.
const LAG: Duration = Duration::from_millis(500);
/// How long to wait for something lagging to show.
const DEADLINE: Duration = Duration::from_secs(10);

async fn start_lagging(lag: Duration) -> Sandbox {
    start_faulty(
        FaultConfig {
            list_lag_ms: u64::try_from(lag.as_millis()).unwrap(),
            ..FaultConfig::default()
        },
        0,
    )
    .await
}

fn note_contents(data: &Value) -> Vec<String> {
    data["List"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["Content"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_new_ticket_is_listed_only_after_the_lag() {
    let sandbox = start_lagging(LAG).await;
    let created = Instant::now();
    let id = sandbox.create_demo_ticket("lagging").await;
    let right_after = sandbox.demo("ListTickets", &[]).await;
    assert_eq!(right_after.assert_ok()["Total"], 0, "listed at once");
    // Asking for it by id does not get round the list index.
    let by_id = sandbox.demo("ListTickets", &params(&[("Ids", &id)])).await;
    assert_eq!(by_id.assert_ok()["Total"], 0);

    let (data, after) = sandbox
        .demo_until("ListTickets", &[], created, DEADLINE, |d| d["Total"] != 0)
        .await;
    assert!(after >= LAG, "listed {after:?} after it was made");
    assert_eq!(data["Total"], 1);
    assert_eq!(data["List"][0]["Id"], id.as_str());
    sandbox.stop().await;
}

#[tokio::test]
async fn new_notes_are_listed_only_after_the_lag() {
    let sandbox = start_lagging(LAG).await;
    let id = sandbox.create_demo_ticket("first").await;
    // A ticket not listed yet still takes a reply: ReplyTicket goes by id.
    let replied = Instant::now();
    sandbox
        .demo(
            "ReplyTicket",
            &params(&[("TicketId", &id), ("Content", "second")]),
        )
        .await
        .assert_ok();
    let notes = params(&[("TicketId", &id)]);
    let right_after = sandbox.demo("ListTicketNotes", &notes).await;
    assert_eq!(note_contents(right_after.assert_ok()), Vec::<String>::new());

    let (data, after) = sandbox
        .demo_until("ListTicketNotes", &notes, replied, DEADLINE, |d| {
            note_contents(d).len() == 2
        })
        .await;
    assert!(
        after >= LAG,
        "the reply was listed {after:?} after it was made"
    );
    assert_eq!(note_contents(&data), ["first", "second"]);
    sandbox.stop().await;
}

#[tokio::test]
async fn actions_by_id_do_not_wait_and_a_new_lag_applies_at_once() {
    // A lag no test outlives: nothing made here is listed until the lag changes.
    let sandbox = start_lagging(Duration::from_secs(600)).await;
    let id = sandbox.create_demo_ticket("first").await;
    let listed = sandbox.demo("ListTickets", &[]).await;
    assert_eq!(listed.assert_ok()["Total"], 0);
    sandbox
        .demo(
            "ReplyTicket",
            &params(&[("TicketId", &id), ("Content", "second")]),
        )
        .await
        .assert_ok();
    sandbox
        .demo("CloseTicket", &params(&[("TicketId", &id)]))
        .await
        .assert_ok();
    let notes = params(&[("TicketId", &id)]);
    let hidden = sandbox.demo("ListTicketNotes", &notes).await;
    assert_eq!(note_contents(hidden.assert_ok()), Vec::<String>::new());

    sandbox.set_faults(json!({})).await;
    let listed = sandbox.demo("ListTickets", &[]).await;
    let data = listed.assert_ok();
    assert_eq!(data["Total"], 1);
    assert_eq!(data["List"][0]["Id"], id.as_str());
    assert_eq!(data["List"][0]["TicketStatus"], "completed");
    let shown = sandbox.demo("ListTicketNotes", &notes).await;
    assert_eq!(note_contents(shown.assert_ok()), ["first", "second"]);

    // And back: a lag set later hides what is younger than it again.
    sandbox.set_faults(json!({"list_lag_ms": 600_000})).await;
    let listed = sandbox.demo("ListTickets", &[]).await;
    assert_eq!(listed.assert_ok()["Total"], 0);
    sandbox.stop().await;
}
