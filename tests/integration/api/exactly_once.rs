//! Exactly-once writes (API.md "Exactly-once writes") through every upstream fault the sandbox
//! injects: each way of losing a create's or a reply's answer after the upstream acted, list
//! lag against the reconciliation grace, sends that did not happen, keys in flight, and a load
//! of retrying clients under mixed faults. Counts are read back from the upstream itself.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Value, json};
use workorder_sandbox::SandboxHandle;

use crate::support::writes::{all_ticket_ids, forty_retrying_clients, new_ticket, post_with_key};
use crate::support::{
    READ_WRITE, TestGateway, demo_account_tenant, demo_config, set_faults, start_sandbox,
};

/// One attempt per call, a short timeout (below the sandbox's withheld answers), breaker off.
const UPSTREAM: &str = r#"
[upstream]
max_attempts = 3
retry_base_delay_ms = 1
retry_max_delay_ms = 20
request_timeout_ms = 1000
breaker_failure_threshold = 0
"#;

/// A standalone sandbox and a gateway whose tenant `faulty` calls it; `idempotency` is the
/// `[idempotency]` table.
async fn setup(idempotency: &str) -> (SandboxHandle, TestGateway, String) {
    let sandbox = start_sandbox(Vec::new()).await;
    let extra = format!(
        "{UPSTREAM}\n[idempotency]\n{idempotency}\n{}",
        demo_account_tenant("faulty", &sandbox.url())
    );
    let gateway = TestGateway::start(&demo_config(&extra)).await;
    let token = gateway.token("faulty", "alice", READ_WRITE);
    // Warm the catalog so that faults aimed at writes meet only the write and the lists.
    gateway.create_ticket(&token, "warm-up").await;
    (sandbox, gateway, token)
}

/// The four ways the sandbox acts and then loses the answer, aimed at `action`.
fn lost_answers(action: &str) -> [(&'static str, Value); 4] {
    [
        (
            "dropped connection",
            json!({ "lost_drop_rate": 1.0, "actions": [action] }),
        ),
        (
            "timeout",
            json!({ "lost_timeout_rate": 1.0, "lost_timeout_ms": 2500, "actions": [action] }),
        ),
        (
            "5xx",
            json!({ "lost_error_rate": 1.0, "actions": [action] }),
        ),
        (
            "garbage",
            json!({ "unreadable_rate": 1.0, "actions": [action] }),
        ),
    ]
}

#[tokio::test]
async fn a_create_whose_answer_is_lost_is_201_with_the_one_ticket_it_made_without_a_client_retry() {
    let (sandbox, gateway, token) = setup("reconcile_grace_ms = 200").await;
    for (way, faults) in lost_answers("CreateTicket") {
        let before = all_ticket_ids(&sandbox, &gateway, &token).await;
        set_faults(&sandbox.url(), faults).await;
        let response = gateway
            .post_json("/tickets", &token, &new_ticket(&format!("lost by {way}")))
            .await;
        assert_eq!(
            response.status(),
            201,
            "{way}: {}",
            response.text().await.unwrap()
        );
        let id = response.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let after = all_ticket_ids(&sandbox, &gateway, &token).await;
        assert_eq!(
            after.len(),
            before.len() + 1,
            "{way}: exactly one new ticket"
        );
        assert!(
            after.contains(&id) && !before.contains(&id),
            "{way}: {id} is the new one"
        );
    }
}

#[tokio::test]
async fn a_reply_whose_answer_is_lost_is_201_and_posted_once() {
    let (sandbox, gateway, token) = setup("reconcile_grace_ms = 200").await;
    let ticket = gateway.create_ticket(&token, "conversation").await;
    let path = format!("/tickets/{ticket}/notes");
    for (way, faults) in lost_answers("ReplyTicket") {
        set_faults(&sandbox.url(), json!({})).await;
        let before = gateway.get_json(&path, &token).await["items"]
            .as_array()
            .unwrap()
            .len();
        set_faults(&sandbox.url(), faults).await;
        let response = gateway
            .post_json(
                &path,
                &token,
                &json!({ "content": format!("reply lost by {way}") }),
            )
            .await;
        assert_eq!(
            response.status(),
            201,
            "{way}: {}",
            response.text().await.unwrap()
        );
        set_faults(&sandbox.url(), json!({})).await;
        let notes = gateway.get_json(&path, &token).await;
        let items = notes["items"].as_array().unwrap();
        assert_eq!(
            items.len(),
            before + 1,
            "{way}: exactly one new note: {notes}"
        );
        assert_eq!(
            items.last().unwrap()["content"],
            format!("reply lost by {way}")
        );
    }
}

#[tokio::test]
async fn a_lost_answer_is_found_when_the_list_catches_up_within_the_grace() {
    let (sandbox, gateway, token) = setup("reconcile_grace_ms = 1500").await;
    let before = all_ticket_ids(&sandbox, &gateway, &token).await.len();
    set_faults(
        &sandbox.url(),
        json!({ "lost_error_rate": 1.0, "actions": ["CreateTicket"], "list_lag_ms": 600 }),
    )
    .await;
    let response = gateway
        .post_json("/tickets", &token, &new_ticket("lagging list"))
        .await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    assert_eq!(
        all_ticket_ids(&sandbox, &gateway, &token).await.len(),
        before + 1
    );
}

#[tokio::test]
async fn a_list_lagging_beyond_the_grace_is_what_the_grace_is_for() {
    // The grace is shorter than the upstream's list lag: "not found" is believed too early and
    // the write is sent again. This is the failure the setting exists to prevent (docs).
    let (sandbox, gateway, token) = setup("reconcile_grace_ms = 0\nmax_sends = 2").await;
    let before = all_ticket_ids(&sandbox, &gateway, &token).await.len();
    set_faults(
        &sandbox.url(),
        json!({ "lost_error_rate": 1.0, "actions": ["CreateTicket"], "list_lag_ms": 5000 }),
    )
    .await;
    let response = gateway
        .post_json("/tickets", &token, &new_ticket("lag beyond grace"))
        .await;
    assert_eq!(response.status(), 502);
    // The sandbox applies the lag when a list is read, under the faults then set: counting
    // clears them, so both tickets show at once (nothing to wait for).
    assert_eq!(
        all_ticket_ids(&sandbox, &gateway, &token).await.len(),
        before + 2,
        "the write was sent twice"
    );
}

#[tokio::test]
async fn a_send_that_did_not_happen_is_sent_again_and_every_201_is_one_ticket() {
    // 500s before any processing: nothing happened, but the gateway cannot know; it must find
    // nothing and send again. Seeded, so the sequence of fates is the same every run.
    let (sandbox, gateway, token) = setup("reconcile_grace_ms = 50\nmax_sends = 4").await;
    let before = all_ticket_ids(&sandbox, &gateway, &token).await;
    let response = reqwest::Client::new()
        .put(format!("{}/_sandbox/faults?seed=11", sandbox.url()))
        .json(&json!({ "error_rate": 0.5, "actions": ["CreateTicket"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut created = Vec::new();
    for n in 0..10 {
        let response = gateway
            .post_json("/tickets", &token, &new_ticket(&format!("resend {n}")))
            .await;
        if response.status() == 201 {
            created.push(
                response.json::<Value>().await.unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        } else {
            assert_eq!(response.status(), 502, "nothing else is expected");
        }
    }
    assert!(
        created.len() >= 8,
        "re-sends turn most 500s into 201s: {created:?}"
    );
    let after: BTreeSet<String> = all_ticket_ids(&sandbox, &gateway, &token)
        .await
        .into_iter()
        .collect();
    let new: BTreeSet<String> = after
        .difference(&before.into_iter().collect())
        .cloned()
        .collect();
    assert_eq!(
        new,
        created.into_iter().collect::<BTreeSet<_>>(),
        "one ticket per 201, none lost"
    );
}

#[tokio::test]
async fn a_keyed_retry_after_an_unknown_outcome_answers_the_ticket_the_first_attempt_made() {
    let (sandbox, gateway, token) = setup("reconcile_grace_ms = 100").await;
    let before = all_ticket_ids(&sandbox, &gateway, &token).await.len();
    // The create acts and its answer is lost, and the lists fail too: the outcome is unknown.
    set_faults(
        &sandbox.url(),
        json!({ "lost_error_rate": 1.0, "actions": ["CreateTicket", "ListTickets"] }),
    )
    .await;
    let body = new_ticket("unknown outcome");
    let first = post_with_key(&gateway, "/tickets", &token, "retry-me", &body).await;
    assert_eq!(first.status(), 502);
    set_faults(&sandbox.url(), json!({})).await;
    let retry = post_with_key(&gateway, "/tickets", &token, "retry-me", &body).await;
    assert_eq!(retry.status(), 201);
    let id = retry.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let again = post_with_key(&gateway, "/tickets", &token, "retry-me", &body).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap()["id"], id.as_str());
    let after = all_ticket_ids(&sandbox, &gateway, &token).await;
    assert_eq!(after.len(), before + 1);
    assert!(after.contains(&id));
}

#[tokio::test]
async fn a_key_in_flight_makes_a_second_request_wait_then_409_with_retry_after() {
    let (sandbox, gateway, token) = setup("in_flight_wait_ms = 300").await;
    set_faults(
        &sandbox.url(),
        json!({ "latency_ms": 2000, "actions": ["CreateTicket"] }),
    )
    .await;
    let body = new_ticket("slow create");
    let first = post_with_key(&gateway, "/tickets", &token, "slow", &body);
    let second = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        post_with_key(&gateway, "/tickets", &token, "slow", &body).await
    };
    let (first, second) = tokio::join!(first, second);
    assert_eq!(first.status(), 201);
    assert_eq!(second.status(), 409);
    let retry_after: u64 = second.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=5).contains(&retry_after), "{retry_after}");
    let problem: Value = second.json().await.unwrap();
    assert_eq!(problem["code"], "idempotency_in_progress");
    let third = post_with_key(&gateway, "/tickets", &token, "slow", &body).await;
    assert_eq!(third.status(), 201);
    assert_eq!(third.headers()["idempotent-replayed"], "true");
}

#[tokio::test]
async fn forty_clients_retrying_through_mixed_faults_file_exactly_forty_tickets() {
    let (sandbox, gateway, token) = setup("reconcile_grace_ms = 300").await;
    let (got, upstream) = forty_retrying_clients(&[&gateway], &sandbox, &token).await;
    let got: BTreeSet<String> = got.into_iter().collect();
    assert_eq!(got.len(), 40, "every client has its own ticket");
    assert_eq!(upstream.len(), 40, "no duplicate upstream: {upstream:?}");
    assert_eq!(
        got,
        upstream.into_iter().collect::<BTreeSet<_>>(),
        "none lost"
    );
}
