//! The audit trail: one event with target `audit` per CreateTicket, ReplyTicket and
//! CloseTicket — time, tenant, user, action, ticket id, outcome, request id, upstream
//! RequestId — and never the contents.

use serde_json::{Value, json};

use crate::fixture;
use crate::logs::{self, fresh_request_id};

/// The audit events logged for one request id.
fn audit_events(request_id: &str) -> Vec<Value> {
    logs::lines()
        .into_iter()
        .filter(|l| l["target"] == "audit" && l["request_id"] == request_id)
        .collect()
}

fn only_audit_event(request_id: &str) -> Value {
    let events = audit_events(request_id);
    assert_eq!(events.len(), 1, "one audit event per write: {events:?}");
    events.into_iter().next().unwrap()
}

#[tokio::test]
async fn every_ticket_write_leaves_one_audit_event_with_its_context_and_no_content() {
    let ops = fixture::start().await;
    let token = ops.token("acme", "dave-audit");
    let (create, reply, close) = (
        fresh_request_id("audit-create"),
        fresh_request_id("audit-reply"),
        fresh_request_id("audit-close"),
    );

    let ticket = ops
        .create(&token, &create, "audit content", "audit secret")
        .await;
    let replied = ops
        .post(
            &format!("/tickets/{ticket}/notes"),
            &token,
            &reply,
            &json!({ "content": "audit reply" }),
        )
        .await;
    let closed = ops
        .post(
            &format!("/tickets/{ticket}/close"),
            &token,
            &close,
            &json!({}),
        )
        .await;

    for (request_id, action, response) in [
        (&create, "CreateTicket", None),
        (&reply, "ReplyTicket", Some(replied)),
        (&close, "CloseTicket", Some(closed)),
    ] {
        let upstream_header = response.map(|r| {
            assert!(r.status().is_success(), "{action}: {}", r.status());
            r.headers()["x-upstream-request-id"]
                .to_str()
                .unwrap()
                .to_owned()
        });
        let event = only_audit_event(request_id);
        assert_eq!(event["level"], "INFO");
        assert!(event["timestamp"].is_string(), "{event}");
        assert_eq!(event["tenant"], "acme");
        assert_eq!(event["user"], "dave-audit");
        assert_eq!(event["action"], action);
        assert_eq!(event["ticket_id"], ticket.as_str());
        assert_eq!(event["outcome"], "ok");
        let upstream = event["upstream_request_id"].as_str().unwrap();
        assert!(!upstream.is_empty(), "{event}");
        if let Some(header) = upstream_header {
            assert_eq!(upstream, header);
        }
        let text = event.to_string();
        for content in ["audit content", "audit secret", "audit reply"] {
            assert!(!text.contains(content), "{event}");
        }
    }
}

#[tokio::test]
async fn failed_writes_are_audited_with_their_error_code() {
    let ops = fixture::start().await;
    let broken = ops.token("broken", "erin-audit");
    let acme = ops.token("acme", "erin-audit");
    let (upstream_failure, unknown_ticket) =
        (fresh_request_id("audit-500"), fresh_request_id("audit-404"));

    let failed = ops
        .post(
            "/tickets",
            &broken,
            &upstream_failure,
            &json!({ "productCode": "ecs", "categoryId": 793, "content": "x" }),
        )
        .await;
    let missing = ops
        .post(
            "/tickets/NOSUCHTICKET1/close",
            &acme,
            &unknown_ticket,
            &json!({}),
        )
        .await;

    let code = |body: Value| body["code"].as_str().unwrap().to_owned();
    let failed_code = code(failed.json().await.unwrap());
    let missing_code = code(missing.json().await.unwrap());
    let event = only_audit_event(&upstream_failure);
    assert_eq!(event["action"], "CreateTicket");
    assert_eq!(event["tenant"], "broken");
    assert_eq!(event["outcome"], failed_code.as_str());
    assert_eq!(event["ticket_id"], "");
    let event = only_audit_event(&unknown_ticket);
    assert_eq!(event["action"], "CloseTicket");
    assert_eq!(event["ticket_id"], "NOSUCHTICKET1");
    assert_eq!(event["outcome"], missing_code.as_str());
    assert_eq!(missing_code, "ticket_not_found");
}
