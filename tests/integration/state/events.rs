//! Live event streams on two replicas sharing one Redis and one upstream: one replica polls
//! each watched ticket (a lease in the shared state), the other hears its snapshots through
//! Redis pub/sub, and a reply through either reaches the watchers of both.

use std::time::Duration;

use serde_json::json;

use super::redis_server::RedisServer;
use super::replicas::fingerprint_file;
use super::serial;
use crate::api::events::Sse;
use crate::support::{
    READ_WRITE, TestGateway, demo_account_tenant, demo_config, start_sandbox, token,
};

async fn notes_polls(sandbox_url: &str) -> u64 {
    let calls: serde_json::Value = reqwest::get(format!("{sandbox_url}/_sandbox/calls"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    calls["ListTicketNotes"].as_u64().unwrap_or(0)
}

#[tokio::test]
async fn two_replicas_on_one_redis_poll_a_watched_ticket_once() {
    let _serial = serial().await;
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sandbox = start_sandbox(Vec::new()).await;
    let fingerprint = fingerprint_file();
    let toml = demo_config(&format!(
        "[state]\nbackend = \"redis\"\nredis_url = \"{}\"\nfingerprint_secret_file = \"{}\"\ncommand_timeout_ms = 250\n\
         [events]\nmin_interval_ms = 100\nmax_interval_ms = 100\nheartbeat_ms = 200\n{}",
        redis.url(),
        fingerprint.path().display(),
        demo_account_tenant("alpha", &sandbox.url()),
    ));
    let replicas = [
        TestGateway::start(&toml).await,
        TestGateway::start(&toml).await,
    ];
    let alice = token("alpha", "alice", READ_WRITE);
    let id = replicas[0]
        .create_ticket(&alice, "watched from two replicas")
        .await;
    let path = format!("/tickets/{id}/events");
    let mut streams = Vec::new();
    for gateway in &replicas {
        for _ in 0..2 {
            let mut events = Sse::open(gateway, &path, &alice, None).await;
            assert_eq!(
                events.next().await.unwrap().json()["content"],
                "watched from two replicas"
            );
            assert_eq!(events.next().await.unwrap().event, "status");
            streams.push(events);
        }
    }

    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = notes_polls(&sandbox.url()).await;
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let polls = notes_polls(&sandbox.url()).await - before;
    // One poller at 100 ms for both replicas: about ten polls in the second, where a poller
    // per replica would make about twenty.
    assert!((4..=12).contains(&polls), "{polls} polls in one second");

    // A reply through the replica that does not poll reaches every watcher on both.
    let replied = replicas[1]
        .post_json(
            &format!("/tickets/{id}/notes"),
            &alice,
            &json!({ "content": "seen everywhere" }),
        )
        .await;
    assert_eq!(replied.status(), 201);
    for events in &mut streams {
        let note = events.next().await.unwrap();
        assert_eq!(note.event, "note");
        assert_eq!(note.json()["content"], "seen everywhere");
        assert_eq!(
            note.id.as_deref().map(|i| i.split('.').next().unwrap()),
            Some("2")
        );
    }
    drop(streams);
    drop(sandbox);
}
