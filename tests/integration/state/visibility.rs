//! `ticket_visibility = "own"` over real HTTP, on Redis: users reach only the tickets they
//! filed through the gateway (others' are 404, as if missing, and absent from lists), and
//! `tickets:read:all` / `tickets:write:all` restore the tenant-wide view.

use serde_json::json;

use super::redis_server::RedisServer;
use super::replicas::{fingerprint_file, state_becomes};
use super::serial;
use crate::support::{READ_WRITE, TestGateway, demo_config, problem};

async fn own_view_gateway(redis: &RedisServer, fingerprint: &std::path::Path) -> TestGateway {
    let toml = demo_config(&format!(
        "[state]\nbackend = \"redis\"\nredis_url = \"{}\"\nfingerprint_secret_file = \"{}\"\n",
        redis.url(),
        fingerprint.display()
    ))
    .replace(
        "default_email = \"demo@example.com\"",
        "default_email = \"demo@example.com\"\nticket_visibility = \"own\"",
    );
    let gateway = TestGateway::start(&toml).await;
    assert!(state_becomes(&gateway, "up").await);
    gateway
}

#[tokio::test]
async fn users_reach_only_their_own_tickets_unless_they_hold_the_tenant_wide_permission() {
    let _serial = serial().await;
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let fingerprint = fingerprint_file();
    let gateway = own_view_gateway(&redis, fingerprint.path()).await;
    let alice = gateway.token("demo", "alice", READ_WRITE);
    let bob = gateway.token("demo", "bob", READ_WRITE);
    let auditor = gateway.token("demo", "auditor", &["tickets:read:all"]);
    let agent = gateway.token("demo", "agent", &["tickets:read", "tickets:write:all"]);

    let alices = gateway.create_ticket(&alice, "alice's problem").await;
    let bobs = gateway.create_ticket(&bob, "bob's problem").await;

    assert_eq!(gateway.ticket_ids("", &alice).await, vec![alices.clone()]);
    assert_eq!(gateway.ticket_ids("", &bob).await, vec![bobs.clone()]);
    let all: std::collections::BTreeSet<String> =
        gateway.ticket_ids("", &auditor).await.into_iter().collect();
    assert_eq!(all, [alices.clone(), bobs.clone()].into_iter().collect());
    assert!(
        gateway
            .ticket_ids(&format!("ids={alices}"), &bob)
            .await
            .is_empty(),
        "asking by id does not widen the view"
    );

    for path in [
        format!("/tickets/{alices}"),
        format!("/tickets/{alices}/notes"),
    ] {
        problem(gateway.get(&path, &bob).await, 404, "ticket_not_found").await;
        assert_eq!(gateway.get(&path, &alice).await.status(), 200, "{path}");
        assert_eq!(gateway.get(&path, &auditor).await.status(), 200, "{path}");
    }
    let reply = json!({ "content": "me too" });
    let notes = format!("/tickets/{alices}/notes");
    problem(
        gateway.post_json(&notes, &bob, &reply).await,
        404,
        "ticket_not_found",
    )
    .await;
    problem(
        gateway
            .post_empty(&format!("/tickets/{alices}/close"), &bob)
            .await,
        404,
        "ticket_not_found",
    )
    .await;
    assert_eq!(
        gateway.post_json(&notes, &agent, &reply).await.status(),
        201
    );
    assert_eq!(
        gateway
            .post_empty(&format!("/tickets/{bobs}/close"), &bob)
            .await
            .status(),
        204
    );
}

#[tokio::test]
async fn with_own_visibility_streams_show_only_ones_own_tickets() {
    let _serial = serial().await;
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let fingerprint = fingerprint_file();
    let gateway = own_view_gateway(&redis, fingerprint.path()).await;
    let alice = gateway.token("demo", "alice", READ_WRITE);
    let bob = gateway.token("demo", "bob", READ_WRITE);
    let bobs = gateway.create_ticket(&bob, "bob's problem").await;

    problem(
        gateway
            .get(&format!("/tickets/{bobs}/events"), &alice)
            .await,
        404,
        "ticket_not_found",
    )
    .await;
    let mut own =
        crate::api::events::Sse::open(&gateway, &format!("/tickets/{bobs}/events"), &bob, None)
            .await;
    assert_eq!(own.next().await.unwrap().json()["content"], "bob's problem");

    // Alice's list stream hears of her new ticket, not of Bob's.
    let mut alices_list = crate::api::events::Sse::open(&gateway, "/events", &alice, None).await;
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    let _ = gateway.create_ticket(&bob, "bob's second problem").await;
    let alices = gateway.create_ticket(&alice, "alice's problem").await;
    let event = alices_list.next().await.unwrap();
    assert_eq!(
        (event.event.as_str(), event.json()["id"].as_str()),
        ("ticket", Some(alices.as_str()))
    );
}
