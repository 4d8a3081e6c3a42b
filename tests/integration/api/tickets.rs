//! `GET /tickets` and `GET /tickets/{id}` over real HTTP: every list filter, paging, bad
//! parameters, reading one ticket, malformed and unknown ids. Each test gets its own gateway
//! and embedded sandbox, so ticket counts start at zero. Creation is in `ticket_creation.rs`.

use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::support::{
    FAST_UPSTREAM, READ_WRITE, TestGateway, demo_account_tenant, demo_config, problem, set_faults,
    start_sandbox,
};

async fn create(gateway: &TestGateway, token: &str, body: serde_json::Value) -> String {
    let response = gateway.post_json("/tickets", token, &body).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    let body: serde_json::Value = response.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[tokio::test]
async fn listing_filters_by_status() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let open = gateway.create_ticket(&token, "still open").await;
    let closed = gateway.create_ticket(&token, "to be closed").await;
    let close = gateway
        .post_empty(&format!("/tickets/{closed}/close"), &token)
        .await;
    assert_eq!(close.status(), 204);

    let cases = [
        ("status=completed", vec![closed.clone()]),
        ("status=in_progress", vec![open.clone()]),
        (
            "status=in_progress,completed",
            sorted(vec![open.clone(), closed.clone()]),
        ),
        ("status=wait_feedback,wait_confirm", vec![]),
    ];
    for (query, expected) in cases {
        let ids = sorted(gateway.ticket_ids(query, &token).await);
        assert_eq!(ids, expected, "{query}");
    }
}

#[tokio::test]
async fn listing_filters_by_product_code() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let ecs = gateway.create_ticket(&token, "an ECS question").await;
    let rds = create(
        &gateway,
        &token,
        json!({ "productCode": "rds", "categoryId": 801, "content": "an RDS question" }),
    )
    .await;

    assert_eq!(gateway.ticket_ids("productCode=rds", &token).await, [rds]);
    assert_eq!(gateway.ticket_ids("productCode=ecs", &token).await, [ecs]);
    assert!(
        gateway
            .ticket_ids("productCode=oss", &token)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn listing_filters_by_ids() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let first = gateway.create_ticket(&token, "one").await;
    let _second = gateway.create_ticket(&token, "two").await;
    let third = gateway.create_ticket(&token, "three").await;

    let ids = gateway
        .ticket_ids(&format!("ids={first},{third}"), &token)
        .await;
    assert_eq!(sorted(ids), sorted(vec![first, third]));
    assert!(gateway.ticket_ids("ids=NOSUCH1", &token).await.is_empty());
}

#[tokio::test]
async fn listing_filters_by_sub_user_id() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let id = gateway.create_ticket(&token, "mine").await;
    let ticket = gateway.get_json(&format!("/tickets/{id}"), &token).await;
    let creator = ticket["creatorId"].as_str().unwrap();

    let query = format!("subUserId={creator}");
    assert_eq!(gateway.ticket_ids(&query, &token).await, [id.as_str()]);
    assert!(gateway.ticket_ids("subUserId=42", &token).await.is_empty());
}

#[tokio::test]
async fn listing_filters_by_creation_time_in_rfc3339_and_epoch_seconds() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let id = gateway.create_ticket(&token, "created just now").await;
    let now = OffsetDateTime::now_utc();
    let hour = time::Duration::hours(1);
    let rfc = |at: OffsetDateTime| at.format(&Rfc3339).unwrap();
    let epoch = |at: OffsetDateTime| at.unix_timestamp().to_string();

    let cases = [
        (format!("createdAfter={}", rfc(now - hour)), true),
        (format!("createdAfter={}", rfc(now + hour)), false),
        (format!("createdBefore={}", rfc(now + hour)), true),
        (format!("createdBefore={}", rfc(now - hour)), false),
        (format!("createdAfter={}", epoch(now - hour)), true),
        (format!("createdAfter={}", epoch(now + hour)), false),
        (format!("createdBefore={}", epoch(now + hour)), true),
        (format!("createdBefore={}", epoch(now - hour)), false),
        (
            format!(
                "createdAfter={}",
                rfc((now - hour).to_offset(time::macros::offset!(+8)))
            ),
            true,
        ),
        (
            format!(
                "createdBefore={}",
                rfc((now - hour).to_offset(time::macros::offset!(+8)))
            ),
            false,
        ),
        (
            format!(
                "createdAfter={}&createdBefore={}",
                epoch(now - hour),
                rfc(now + hour)
            ),
            true,
        ),
    ];
    for (query, listed) in cases {
        // `+` in an RFC 3339 offset would read as a space in a query.
        let query = query.replace('+', "%2B");
        let ids = gateway.ticket_ids(&query, &token).await;
        assert_eq!(ids.contains(&id), listed, "{query}: {ids:?}");
    }
}

#[tokio::test]
async fn listing_pages_with_page_size_and_reports_the_total() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let mut created = Vec::new();
    for n in 0..3 {
        created.push(gateway.create_ticket(&token, &format!("ticket {n}")).await);
    }

    let first = gateway.get_json("/tickets?pageSize=2", &token).await;
    assert_eq!(
        (&first["page"], &first["pageSize"], &first["total"]),
        (&json!(1), &json!(2), &json!(3))
    );
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let second = gateway.get_json("/tickets?pageSize=2&page=2", &token).await;
    assert_eq!((&second["page"], &second["total"]), (&json!(2), &json!(3)));
    assert_eq!(second["items"].as_array().unwrap().len(), 1);

    let mut seen: Vec<String> = [first, second]
        .iter()
        .flat_map(|page| page["items"].as_array().unwrap().clone())
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    seen.sort();
    created.sort();
    assert_eq!(seen, created, "the two pages hold every ticket once");

    let beyond = gateway.get_json("/tickets?pageSize=2&page=3", &token).await;
    assert_eq!(beyond["total"], 3);
    assert!(beyond["items"].as_array().unwrap().is_empty(), "{beyond}");
    let default = gateway.get_json("/tickets", &token).await;
    assert_eq!(
        (&default["page"], &default["pageSize"]),
        (&json!(1), &json!(20))
    );
}

#[tokio::test]
async fn bad_list_parameters_are_400_naming_the_parameter() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let too_many_ids = (0..101)
        .map(|i| format!("T{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let cases = [
        ("status=open".to_owned(), "status"),
        ("status=".to_owned(), "status"),
        ("productCode=a%20b".to_owned(), "productCode"),
        ("ids=a-b".to_owned(), "ids"),
        (format!("ids={too_many_ids}"), "ids"),
        ("createdAfter=yesterday".to_owned(), "createdAfter"),
        (
            "createdBefore=2020-13-01T00:00:00Z".to_owned(),
            "createdBefore",
        ),
        ("page=0".to_owned(), "page"),
        ("page=x".to_owned(), "page"),
        ("pageSize=0".to_owned(), "pageSize"),
        ("pageSize=101".to_owned(), "pageSize"),
        ("subUserId=a-b".to_owned(), "subUserId"),
        ("page=10001".to_owned(), "page"),
        ("pageSize=+5".to_owned(), "pageSize"),
        ("status=in_progress,,completed".to_owned(), "status"),
        ("ids=%20A1".to_owned(), "ids"),
        ("page=1&page=2".to_owned(), "query"),
        ("lang=ZH".to_owned(), "lang"),
    ];
    for (query, parameter) in cases {
        let response = gateway.get(&format!("/tickets?{query}"), &token).await;
        let body = problem(response, 400, "invalid_request").await;
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.starts_with(parameter), "{query}: {detail}");
    }
}

/// An inverted creation range is no error (the document cannot state "after ≤ before"): no
/// ticket lies in it, so the answer is an empty page, without an upstream call.
#[tokio::test]
async fn an_inverted_creation_range_is_an_empty_page() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    gateway.create_ticket(&token, "in range of nothing").await;
    let response = gateway
        .get("/tickets?createdAfter=2030-01-01T00:00:00Z&createdBefore=2020-01-01T00:00:00Z&pageSize=5", &token)
        .await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("x-upstream-request-id").is_none());
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({"items": [], "page": 1, "pageSize": 5, "total": 0})
    );
}

#[tokio::test]
async fn a_ticket_is_read_by_id() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let id = create(
        &gateway,
        &token,
        json!({ "productCode": "ecs", "categoryId": 793, "content": "SSH hangs", "title": "SSH" }),
    )
    .await;

    let response = gateway.get(&format!("/tickets/{id}"), &token).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-upstream-request-id"));
    let ticket: serde_json::Value = response.json().await.unwrap();
    assert_eq!(ticket["id"], id.as_str());
    assert_eq!(ticket["title"], "SSH");
    assert_eq!(ticket["status"], "in_progress");
    let created_at = ticket["createdAt"].as_str().unwrap();
    let created_at = OffsetDateTime::parse(created_at, &Rfc3339).unwrap();
    assert!((OffsetDateTime::now_utc() - created_at).abs() < time::Duration::minutes(5));
    assert!(ticket["creatorId"].is_string());
}

#[tokio::test]
async fn a_malformed_ticket_id_is_404_without_an_upstream_call() {
    // Every upstream call fails on this sandbox: a 404 proves none was made.
    let sandbox = start_sandbox(Vec::new()).await;
    let extra = format!(
        "{FAST_UPSTREAM}{}",
        demo_account_tenant("failing", &sandbox.url())
    );
    let gateway = TestGateway::start(&demo_config(&extra)).await;
    let token = gateway.token("failing", "alice", READ_WRITE);
    set_faults(&sandbox.url(), json!({ "error_rate": 1.0 })).await;

    let well_formed = gateway.get("/tickets/ABC123", &token).await;
    problem(well_formed, 502, "upstream_error").await;
    let long = "A".repeat(33);
    for id in ["a-b", "%C3%84BC", "a.b", long.as_str()] {
        for path in [format!("/tickets/{id}"), format!("/tickets/{id}/notes")] {
            let response = gateway.get(&path, &token).await;
            assert!(!response.headers().contains_key("x-upstream-request-id"));
            problem(response, 404, "ticket_not_found").await;
        }
        let reply = gateway
            .post_json(
                &format!("/tickets/{id}/notes"),
                &token,
                &json!({ "content": "x" }),
            )
            .await;
        problem(reply, 404, "ticket_not_found").await;
        let close = gateway
            .post_empty(&format!("/tickets/{id}/close"), &token)
            .await;
        problem(close, 404, "ticket_not_found").await;
    }
}

#[tokio::test]
async fn an_unknown_ticket_id_is_404_ticket_not_found_with_the_upstream_request_id() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let response = gateway.get("/tickets/NOSUCH42", &token).await;
    let body = problem(response, 404, "ticket_not_found").await;
    assert!(body["upstreamRequestId"].is_string(), "{body}");
}

/// Calls the embedded sandbox answered, by action (`GET /_sandbox/calls`).
async fn sandbox_calls(gateway: &TestGateway) -> serde_json::Value {
    let url = format!("{}/_sandbox/calls", gateway.sandbox_url.as_ref().unwrap());
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

fn count(calls: &serde_json::Value, action: &str) -> u64 {
    calls[action].as_u64().unwrap_or(0)
}

/// Issue 12: once the tenant's account has shown a ticket (here: its create), its notes and
/// its close make one upstream call each, with no `ListTickets` lookup first. A ticket the
/// tenant has not been shown is still looked up (and another tenant's stays 404: see
/// isolation.rs).
#[tokio::test]
async fn sub_routes_of_a_known_ticket_make_one_upstream_call() {
    let gateway = TestGateway::start(&demo_config("")).await;
    let token = gateway.token("demo", "alice", READ_WRITE);
    let id = gateway.create_ticket(&token, "one call each").await;
    let before = sandbox_calls(&gateway).await;

    let notes = gateway.get(&format!("/tickets/{id}/notes"), &token).await;
    assert_eq!(notes.status(), 200);
    let close = gateway
        .post_empty(&format!("/tickets/{id}/close"), &token)
        .await;
    assert_eq!(close.status(), 204);

    let after = sandbox_calls(&gateway).await;
    assert_eq!(count(&after, "ListTickets"), count(&before, "ListTickets"));
    assert_eq!(
        count(&after, "ListTicketNotes") - count(&before, "ListTicketNotes"),
        1
    );
    assert_eq!(
        count(&after, "CloseTicket") - count(&before, "CloseTicket"),
        1
    );

    // Unknown to this tenant: looked up first, and 404 without the action.
    let unknown = gateway.get("/tickets/NOSUCH1/notes", &token).await;
    problem(unknown, 404, "ticket_not_found").await;
    let last = sandbox_calls(&gateway).await;
    assert_eq!(
        count(&last, "ListTickets") - count(&after, "ListTickets"),
        1
    );
    assert_eq!(
        count(&last, "ListTicketNotes"),
        count(&after, "ListTicketNotes")
    );
}
