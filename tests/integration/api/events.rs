//! `GET /tickets/{id}/events` and `GET /events` over real HTTP: the conversation and its
//! changes as Server-Sent Events, one shared upstream poll for every watcher (counted at the
//! sandbox), resume with `Last-Event-ID`, token expiry, tenant isolation, limits and drain.

use std::time::Duration;

use serde_json::json;

use crate::support::{
    READ_WRITE, TestGateway, account, demo_account_tenant, demo_config, metric, problem,
    sandbox_tenant, start_sandbox, start_tweaked,
};

/// Fast pollers and heartbeats, so a test waits tenths of seconds, not the 2 s / 15 s defaults.
const FAST_EVENTS: &str = r#"
[events]
min_interval_ms = 100
max_interval_ms = 400
heartbeat_ms = 200
retry_ms = 700
max_streams_per_user = 100
"#;

/// One parsed event (comments are kept as `event = ":"`).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: Option<String>,
    pub event: String,
    pub data: String,
    pub retry: Option<String>,
}

impl Event {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.data).unwrap()
    }
}

/// Reads a `text/event-stream` response event by event.
pub struct Sse {
    response: reqwest::Response,
    buffer: String,
}

impl Sse {
    pub async fn open(gateway: &TestGateway, path: &str, token: &str, last: Option<&str>) -> Self {
        let mut request = gateway
            .http
            .get(format!("{}{path}", gateway.url))
            .bearer_auth(token);
        if let Some(last) = last {
            request = request.header("Last-Event-ID", last);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        assert_eq!(response.headers()["cache-control"], "no-store");
        assert_eq!(response.headers()["x-accel-buffering"], "no");
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The next frame (comments included), or `None` when the stream ended; panics after 10 s.
    pub async fn next_frame(&mut self) -> Option<Event> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = Event {
                    id: None,
                    event: "message".to_owned(),
                    data: String::new(),
                    retry: None,
                };
                for line in block.lines() {
                    if line.starts_with(':') {
                        event.event = ":".to_owned();
                        event.data = line.to_owned();
                    } else if let Some((field, value)) = line.split_once(": ") {
                        match field {
                            "id" => event.id = Some(value.to_owned()),
                            "event" => event.event = value.to_owned(),
                            "data" => event.data = value.to_owned(),
                            "retry" => event.retry = Some(value.to_owned()),
                            other => panic!("unexpected field {other}"),
                        }
                    }
                }
                return Some(event);
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.response.chunk())
                .await
                .expect("the stream said something within 10 s")
                .expect("the stream reads");
            match chunk {
                Some(bytes) => self.buffer.push_str(std::str::from_utf8(&bytes).unwrap()),
                None => return None,
            }
        }
    }

    /// The next event that is not a comment.
    pub async fn next(&mut self) -> Option<Event> {
        loop {
            let frame = self.next_frame().await?;
            if frame.event != ":" {
                return Some(frame);
            }
        }
    }
}

async fn sandbox_calls(gateway: &TestGateway, action: &str) -> u64 {
    let url = format!("{}/_sandbox/calls", gateway.sandbox_url.as_ref().unwrap());
    let calls: serde_json::Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    calls[action].as_u64().unwrap_or(0)
}

#[tokio::test]
async fn a_watcher_gets_the_conversation_then_a_reply_and_the_engineers_answer() {
    let gateway = start_tweaked(&demo_config(FAST_EVENTS), |settings| {
        settings.sandbox.engineer_delay_secs = 1;
    })
    .await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let id = gateway.create_ticket(&token, "Cannot SSH").await;
    let mut events = Sse::open(&gateway, &format!("/tickets/{id}/events"), &token, None).await;

    let first = events.next().await.unwrap();
    assert_eq!(
        (first.event.as_str(), first.id.as_deref()),
        ("note", Some("1."))
    );
    assert_eq!(first.json()["content"], "Cannot SSH");
    assert_eq!(first.json()["fromOfficial"], false);
    let status = events.next().await.unwrap();
    assert_eq!(status.event, "status");
    assert_eq!(status.json()["id"], id.as_str());
    let opened = status.json()["status"].as_str().unwrap().to_owned();
    assert_eq!(status.id.as_deref(), Some(format!("1.{opened}").as_str()));

    let replied = gateway
        .post_json(
            &format!("/tickets/{id}/notes"),
            &token,
            &json!({ "content": "Still failing" }),
        )
        .await;
    assert_eq!(replied.status(), 201);
    // The reply nudges the poller: it arrives within one interval, not at the idle maximum.
    let started = std::time::Instant::now();
    let reply = events.next().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(reply.event, "note");
    assert_eq!(reply.json()["content"], "Still failing");
    // The engineer answers one second after the last user note (the first one answered too).
    let mut official = None;
    while official.is_none() {
        let event = events.next().await.unwrap();
        if event.event == "note" && event.json()["fromOfficial"] == true {
            official = Some(event);
        }
    }
    assert!(
        official
            .unwrap()
            .id
            .unwrap()
            .starts_with(|c: char| c.is_ascii_digit())
    );
    assert!(
        metric(
            &gateway,
            "wog_events_sent_total{kind=\"ticket\",event=\"note\"}"
        )
        .await
            >= 3.0
    );
}

#[tokio::test]
async fn a_hundred_watchers_of_one_ticket_make_one_upstream_poll_per_interval() {
    let gateway = TestGateway::start(&demo_config(
        &FAST_EVENTS.replace("max_interval_ms = 400", "max_interval_ms = 100"),
    ))
    .await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let id = gateway.create_ticket(&token, "Watched by many").await;
    let mut watchers = Vec::new();
    for _ in 0..100 {
        let mut events = Sse::open(&gateway, &format!("/tickets/{id}/events"), &token, None).await;
        assert_eq!(events.next().await.unwrap().event, "note");
        watchers.push(events);
    }
    assert_eq!(
        metric(&gateway, "wog_event_streams_open{kind=\"ticket\"}").await,
        100.0
    );
    assert_eq!(
        metric(&gateway, "wog_event_pollers{kind=\"ticket\"}").await,
        1.0
    );
    assert_eq!(
        metric(&gateway, "wog_event_polls_saved{kind=\"ticket\"}").await,
        99.0
    );

    let before = sandbox_calls(&gateway, "ListTicketNotes").await;
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let polls = sandbox_calls(&gateway, "ListTicketNotes").await - before;
    // 1 s at 100 ms (plus the calls' own time): about ten polls for all hundred watchers,
    // where a hundred polling browsers would have made a thousand.
    assert!((4..=11).contains(&polls), "{polls} polls in one second");

    drop(watchers);
    // A closed connection is noticed at the next write (a heartbeat at the latest).
    let mut waited = 0;
    while metric(&gateway, "wog_event_pollers{kind=\"ticket\"}").await != 0.0 {
        assert!(waited < 50, "the poller outlived its last watcher");
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    assert_eq!(
        metric(&gateway, "wog_event_streams_open{kind=\"ticket\"}").await,
        0.0
    );
    let after_leaving = sandbox_calls(&gateway, "ListTicketNotes").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        sandbox_calls(&gateway, "ListTicketNotes").await,
        after_leaving,
        "the poller stopped"
    );
}

#[tokio::test]
async fn a_reconnect_with_last_event_id_resumes_without_gap_or_repeat() {
    let gateway = TestGateway::start(&demo_config(FAST_EVENTS)).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let id = gateway.create_ticket(&token, "first").await;
    let path = format!("/tickets/{id}/events");
    let mut events = Sse::open(&gateway, &path, &token, None).await;
    events.next().await.unwrap();
    let last = events.next().await.unwrap().id.unwrap();
    drop(events);

    for content in ["second", "third"] {
        let replied = gateway
            .post_json(
                &format!("/tickets/{id}/notes"),
                &token,
                &json!({ "content": content }),
            )
            .await;
        assert_eq!(replied.status(), 201);
    }
    let mut resumed = Sse::open(&gateway, &path, &token, Some(&last)).await;
    let second = resumed.next().await.unwrap();
    let third = resumed.next().await.unwrap();
    assert_eq!(
        (
            second.json()["content"].clone(),
            third.json()["content"].clone()
        ),
        (json!("second"), json!("third"))
    );
    assert_eq!(
        second.id.as_deref().map(|i| i.split('.').next().unwrap()),
        Some("2")
    );
    assert_eq!(
        third.id.as_deref().map(|i| i.split('.').next().unwrap()),
        Some("3")
    );
    // Up to date: only heartbeats follow.
    assert_eq!(resumed.next_frame().await.unwrap().data, ": heartbeat");

    // A garbled Last-Event-ID starts from the beginning rather than failing.
    let mut fresh = Sse::open(&gateway, &path, &token, Some("garbage")).await;
    assert_eq!(fresh.next().await.unwrap().json()["content"], "first");
}

#[tokio::test]
async fn the_stream_ends_with_an_expired_event_when_the_token_expires() {
    let gateway = TestGateway::start_on_manual_clock(&demo_config(FAST_EVENTS)).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let id = gateway.create_ticket(&token, "soon expired").await;
    let mut events = Sse::open(&gateway, &format!("/tickets/{id}/events"), &token, None).await;
    assert_eq!(events.next().await.unwrap().event, "note");
    // Past the dev token's lifetime (one hour) on the gateway's clock: the next heartbeat sees it.
    gateway.clock.advance(Duration::from_secs(2 * 3600));
    let mut last = None;
    while let Some(event) = events.next().await {
        last = Some(event);
    }
    let last = last.unwrap();
    assert_eq!(last.event, "expired");
    assert_eq!(last.json(), json!({ "reason": "token_expired" }));
}

#[tokio::test]
async fn another_tenants_ticket_is_404_and_a_stream_needs_a_token_and_tickets_read() {
    let sandbox = start_sandbox(vec![account("LTAIbeta", "beta-secret", "ops@beta.example")]).await;
    let url = sandbox.url();
    let extra = format!(
        "{FAST_EVENTS}{}{}",
        demo_account_tenant("alpha", &url),
        sandbox_tenant(
            "beta",
            &url,
            "LTAIbeta",
            "beta-secret",
            "v3",
            "ops@beta.example"
        ),
    );
    let gateway = TestGateway::start(&demo_config(&extra)).await;
    let alpha = gateway.token("alpha", "alice", READ_WRITE);
    let beta = gateway.token("beta", "alice", READ_WRITE);
    let id = gateway.create_ticket(&alpha, "alpha's own").await;
    let path = format!("/tickets/{id}/events");

    problem(gateway.get(&path, &beta).await, 404, "ticket_not_found").await;
    let no_token = gateway
        .http
        .get(format!("{}{path}", gateway.url))
        .send()
        .await
        .unwrap();
    problem(no_token, 401, "unauthenticated").await;
    let writer_only = gateway.token("alpha", "bob", &["tickets:write"]);
    problem(gateway.get(&path, &writer_only).await, 403, "forbidden").await;
    problem(gateway.get("/events", &writer_only).await, 403, "forbidden").await;

    // beta's list stream never hears of alpha's new ticket; alpha's does.
    let mut alpha_list = Sse::open(&gateway, "/events", &alpha, None).await;
    let mut beta_list = Sse::open(&gateway, "/events", &beta, None).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let new_id = gateway.create_ticket(&alpha, "another one").await;
    let event = alpha_list.next().await.unwrap();
    assert_eq!(
        (event.event.as_str(), event.json()["id"].as_str()),
        ("ticket", Some(new_id.as_str()))
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(beta_list.next_frame().await.unwrap().data, ": open");
    for _ in 0..2 {
        assert_eq!(beta_list.next_frame().await.unwrap().data, ": heartbeat");
    }
    drop(sandbox);
}

#[tokio::test]
async fn the_list_stream_announces_new_tickets_and_status_changes() {
    let gateway = TestGateway::start(&demo_config(FAST_EVENTS)).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let old = gateway.create_ticket(&token, "already there").await;
    let mut list = Sse::open(&gateway, "/events", &token, None).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let new = gateway.create_ticket(&token, "brand new").await;
    let event = list.next().await.unwrap();
    assert_eq!(
        (event.event.as_str(), event.json()["id"].as_str()),
        ("ticket", Some(new.as_str()))
    );
    let closed = gateway
        .post_json(&format!("/tickets/{old}/close"), &token, &json!({}))
        .await;
    assert!(closed.status().is_success(), "{}", closed.status());
    let event = list.next().await.unwrap();
    assert_eq!(event.event, "status");
    assert_eq!(event.json()["id"], old.as_str());
    assert_eq!(event.json()["status"], "completed");
}

#[tokio::test]
async fn streams_beyond_the_per_user_limit_are_429() {
    let gateway = TestGateway::start(&demo_config(
        &FAST_EVENTS.replace("max_streams_per_user = 100", "max_streams_per_user = 2"),
    ))
    .await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let _one = Sse::open(&gateway, "/events", &token, None).await;
    let _two = Sse::open(&gateway, "/events", &token, None).await;
    problem(gateway.get("/events", &token).await, 429, "rate_limited").await;
    // Another user has a budget of their own.
    let bob = gateway.token("demo", "bob", READ_WRITE);
    let _three = Sse::open(&gateway, "/events", &bob, None).await;
}

#[tokio::test]
async fn a_drain_ends_streams_with_a_retry_hint_before_the_listener_closes() {
    let gateway = TestGateway::start(&demo_config(FAST_EVENTS)).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let id = gateway.create_ticket(&token, "draining").await;
    let mut events = Sse::open(&gateway, &format!("/tickets/{id}/events"), &token, None).await;
    assert_eq!(events.next().await.unwrap().event, "note");
    let handle = gateway.handle.clone();
    let shutdown = tokio::spawn(async move { handle.shutdown().await });
    let mut last = None;
    while let Some(event) = events.next().await {
        last = Some(event);
    }
    let last = last.unwrap();
    assert_eq!(last.event, "shutdown");
    assert_eq!(last.retry.as_deref(), Some("700"));
    tokio::time::timeout(Duration::from_secs(5), shutdown)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn pollers_spend_the_tenants_request_budget() {
    let gateway = start_tweaked(
        &demo_config(&FAST_EVENTS.replace("max_interval_ms = 400", "max_interval_ms = 100")),
        |settings| {
            settings.limits.tenant_requests_per_second = 2;
            settings.limits.tenant_burst = 4;
        },
    )
    .await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let id = gateway.create_ticket(&token, "on a budget").await;
    let mut events = Sse::open(&gateway, &format!("/tickets/{id}/events"), &token, None).await;
    assert_eq!(events.next().await.unwrap().event, "note");

    let before = sandbox_calls(&gateway, "ListTicketNotes").await;
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    let polls = sandbox_calls(&gateway, "ListTicketNotes").await - before;
    // 2 s at 100 ms would be about twenty polls; the tenant's two requests a second allow
    // about four (plus what was left of the burst), and each refused poll waits its turn.
    assert!((1..=8).contains(&polls), "{polls} polls in two seconds");
    assert!(
        metric(
            &gateway,
            "wog_event_polls_total{kind=\"ticket\",outcome=\"limited\"}"
        )
        .await
            >= 1.0
    );
    // The stream stayed open meanwhile.
    assert_eq!(events.next().await.unwrap().event, "status");
    assert_eq!(events.next_frame().await.unwrap().data, ": heartbeat");
}
