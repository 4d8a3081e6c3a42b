//! The business rules of the ticket actions over HTTP: validation, the conversation and its
//! statuses, the engineer, listing filters and paging, and account isolation.

use std::time::Duration;

use serde_json::Value;
use workorder_api::SignatureVersion;

use super::helpers::*;

fn create_params(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut all = params(&[
        ("ProductCode", "ecs"),
        ("Category", "793"),
        ("Content", "cannot log in"),
        ("Email", DEMO_EMAIL),
    ]);
    for (name, value) in pairs {
        all.retain(|(k, _)| k != name);
        if !value.is_empty() {
            all.push((*name, (*value).to_owned()));
        }
    }
    all
}

async fn notes(sandbox: &Sandbox, id: &str) -> Vec<Value> {
    sandbox
        .demo("ListTicketNotes", &params(&[("TicketId", id)]))
        .await
        .assert_ok()["List"]
        .as_array()
        .unwrap()
        .clone()
}

async fn status(sandbox: &Sandbox, id: &str) -> String {
    let reply = sandbox.demo("ListTickets", &params(&[("Ids", id)])).await;
    reply.assert_ok()["List"][0]["TicketStatus"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn create_ticket_answers_a_seven_character_id_with_a_string_code() {
    let sandbox = start().await;
    let reply = sandbox
        .demo("CreateTicket", &create_params(&[("Title", "ECS down")]))
        .await;
    let id = reply.assert_ok().as_str().unwrap().to_owned();
    assert_eq!(reply.body["Code"], Value::from("200"));
    assert_eq!(reply.body["Message"], Value::from("success"));
    assert_eq!(id.len(), 7);
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()),
        "{id}"
    );

    let listed = sandbox.demo("ListTickets", &[]).await;
    let data = listed.assert_ok();
    assert_eq!(listed.body["Code"], Value::from(200));
    let ticket = &data["List"][0];
    assert_eq!(ticket["Id"], Value::from(id.as_str()));
    assert_eq!(ticket["Title"], Value::from("ECS down"));
    assert_eq!(ticket["TicketStatus"], Value::from("in_progress"));
    assert_eq!(ticket["CreatorId"], Value::from("1000000000000001"));
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!(
        (now - ticket["AddTime"].as_i64().unwrap()).abs() < 60,
        "epoch seconds"
    );

    let first = &notes(&sandbox, &id).await[0];
    assert_eq!(first["Content"], Value::from("cannot log in"));
    assert_eq!(first["FromOfficial"], Value::from(false));
    assert_eq!(first["NoteId"].as_str().unwrap().len(), 8);
    assert!((now - first["GmtCreated"].as_i64().unwrap()).abs() < 60);
    sandbox.stop().await;
}

#[tokio::test]
async fn create_ticket_names_each_missing_parameter() {
    let sandbox = start().await;
    for name in ["ProductCode", "Category", "Content", "Email"] {
        let message = sandbox
            .demo("CreateTicket", &create_params(&[(name, "")]))
            .await
            .assert_error(400, "MissingParameter");
        assert!(message.contains(&format!("\"{name}\"")), "{message}");
    }
    sandbox.stop().await;
}

#[tokio::test]
async fn create_ticket_refuses_unknown_products_and_foreign_categories() {
    let sandbox = start().await;
    let cases = [
        create_params(&[("ProductCode", "nosuch")]),
        create_params(&[("Category", "871")]), // an oss category
        create_params(&[("Category", "abc")]),
        create_params(&[("Language", "fr")]),
        create_params(&[("NotifyTimeRange", "weekends")]),
    ];
    for case in cases {
        sandbox
            .demo("CreateTicket", &case)
            .await
            .assert_error(400, "param.illegal");
    }
    sandbox
        .demo(
            "CreateTicket",
            &create_params(&[("ProductCode", "oss"), ("Category", "871")]),
        )
        .await
        .assert_ok();
    sandbox.stop().await;
}

#[tokio::test]
async fn contacts_must_be_among_the_accounts() {
    let sandbox = start().await;
    for case in [
        create_params(&[("Email", "stranger@example.com")]),
        create_params(&[("Phone", "13999999999")]),
        create_params(&[("Email", "ops@alpha.example")]), // another account's contact
    ] {
        sandbox
            .demo("CreateTicket", &case)
            .await
            .assert_error(400, "illegalParam.emailOrPhone");
    }
    sandbox
        .demo(
            "CreateTicket",
            &create_params(&[("Email", "DEMO@example.com"), ("Phone", "13800000000")]),
        )
        .await
        .assert_ok();
    sandbox.stop().await;
}

#[tokio::test]
async fn the_conversation_follows_the_documented_statuses() {
    let sandbox = start().await;
    let id = sandbox.create_demo_ticket("first").await;
    sandbox
        .demo(
            "ReplyTicket",
            &params(&[("TicketId", &id), ("Content", "second")]),
        )
        .await
        .assert_ok();
    assert_eq!(status(&sandbox, &id).await, "in_progress");
    let contents: Vec<Value> = notes(&sandbox, &id)
        .await
        .iter()
        .map(|n| n["Content"].clone())
        .collect();
    assert_eq!(
        contents,
        [Value::from("first"), Value::from("second")],
        "oldest first"
    );

    sandbox
        .demo("CloseTicket", &params(&[("TicketId", &id)]))
        .await
        .assert_ok();
    assert_eq!(status(&sandbox, &id).await, "completed");
    sandbox
        .demo(
            "ReplyTicket",
            &params(&[("TicketId", &id), ("Content", "late")]),
        )
        .await
        .assert_error(400, "param.illegal");
    sandbox.stop().await;
}

#[tokio::test]
async fn reply_ticket_needs_a_ticket_and_some_content() {
    let sandbox = start().await;
    let id = sandbox.create_demo_ticket("x").await;
    let message = sandbox
        .demo("ReplyTicket", &params(&[("TicketId", &id)]))
        .await
        .assert_error(400, "MissingParameter");
    assert!(message.contains("\"Content\""), "{message}");
    let message = sandbox
        .demo("ReplyTicket", &params(&[("Content", "x")]))
        .await
        .assert_error(400, "MissingParameter");
    assert!(message.contains("\"TicketId\""), "{message}");
    sandbox.stop().await;
}

#[tokio::test]
async fn secret_content_is_stored_but_never_returned() {
    let sandbox = start().await;
    let reply = sandbox
        .demo(
            "CreateTicket",
            &create_params(&[("SecretContent", "root password hunter2")]),
        )
        .await;
    let id = reply.assert_ok().as_str().unwrap().to_owned();
    sandbox
        .demo(
            "ReplyTicket",
            &params(&[("TicketId", &id), ("SecretContent", "instance i-secret")]),
        )
        .await
        .assert_ok();
    let notes = notes(&sandbox, &id).await;
    assert_eq!(notes.len(), 2, "a secret-only reply is still a note");
    let everything = format!("{notes:?}{}", sandbox.demo("ListTickets", &[]).await.body);
    assert!(!everything.contains("hunter2") && !everything.contains("i-secret"));
    sandbox.stop().await;
}

#[tokio::test]
async fn unknown_ticket_ids_are_param_illegal() {
    let sandbox = start().await;
    for (action, extra) in [
        ("ListTicketNotes", None),
        ("CloseTicket", None),
        ("ReplyTicket", Some(("Content", "x"))),
    ] {
        let mut p = params(&[("TicketId", "NOSUCH1")]);
        p.extend(extra.map(|(k, v)| (k, v.to_owned())));
        sandbox
            .demo(action, &p)
            .await
            .assert_error(400, "param.illegal");
    }
    sandbox.stop().await;
}

#[tokio::test]
async fn accounts_see_only_their_own_tickets() {
    let sandbox = start().await;
    let id = sandbox.create_demo_ticket("mine").await;
    let alpha = credentials("LTAIalpha", "alpha-secret");
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let listed = sandbox.call(version, &alpha, "ListTickets", &[]).await;
        assert_eq!(listed.assert_ok()["Total"], 0);
        for action in ["ListTicketNotes", "CloseTicket"] {
            sandbox
                .call(version, &alpha, action, &params(&[("TicketId", &id)]))
                .await
                .assert_error(400, "param.illegal");
        }
        sandbox
            .call(
                version,
                &alpha,
                "ReplyTicket",
                &params(&[("TicketId", &id), ("Content", "intruder")]),
            )
            .await
            .assert_error(400, "param.illegal");
    }
    assert_eq!(status(&sandbox, &id).await, "in_progress");
    assert_eq!(notes(&sandbox, &id).await.len(), 1);
    sandbox.stop().await;
}

#[tokio::test]
async fn the_engineer_answers_after_the_configured_delay() {
    let sandbox = start_with(workorder_sandbox::SandboxConfig {
        engineer_delay: Duration::from_millis(150),
        ..config()
    })
    .await;
    let id = sandbox.create_demo_ticket("please help").await;
    assert_eq!(status(&sandbox, &id).await, "in_progress");

    let mut answered = Vec::new();
    for _ in 0..50 {
        answered = notes(&sandbox, &id).await;
        if answered.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(answered.len(), 2, "the engineer answered: {answered:?}");
    assert_eq!(answered[1]["FromOfficial"], Value::from(true));
    assert_eq!(status(&sandbox, &id).await, "wait_feedback");

    sandbox
        .demo(
            "ReplyTicket",
            &params(&[("TicketId", &id), ("Content", "still broken")]),
        )
        .await
        .assert_ok();
    assert_eq!(status(&sandbox, &id).await, "in_progress");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(notes(&sandbox, &id).await.len(), 4, "one answer per reply");
    assert_eq!(status(&sandbox, &id).await, "wait_feedback");
    sandbox.stop().await;
}

#[tokio::test]
async fn a_zero_delay_disables_the_engineer() {
    let sandbox = start().await;
    let id = sandbox.create_demo_ticket("anyone?").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(notes(&sandbox, &id).await.len(), 1);
    assert_eq!(status(&sandbox, &id).await, "in_progress");
    sandbox.stop().await;
}

async fn listed_ids(sandbox: &Sandbox, filters: &[(&'static str, &str)]) -> (u64, Vec<String>) {
    let reply = sandbox.demo("ListTickets", &params(filters)).await;
    let data = reply.assert_ok();
    let ids = data["List"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["Id"].as_str().unwrap().to_owned())
        .collect();
    (data["Total"].as_u64().unwrap(), ids)
}

#[tokio::test]
async fn list_tickets_honours_every_filter() {
    let sandbox = start().await;
    let ecs_open = sandbox.create_demo_ticket("one").await;
    let ecs_closed = sandbox.create_demo_ticket("two").await;
    let oss = sandbox
        .demo(
            "CreateTicket",
            &create_params(&[("ProductCode", "oss"), ("Category", "872")]),
        )
        .await
        .assert_ok()
        .as_str()
        .unwrap()
        .to_owned();
    sandbox
        .demo("CloseTicket", &params(&[("TicketId", &ecs_closed)]))
        .await
        .assert_ok();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let (past, future) = ((now - 600).to_string(), (now + 600).to_string());
    let ids_filter = format!("{ecs_open}, {oss}");

    type Filters<'a> = Vec<(&'static str, &'a str)>;
    let cases: Vec<(Filters<'_>, Vec<&String>)> = vec![
        (vec![], vec![&oss, &ecs_closed, &ecs_open]),
        (vec![("Ids", &ids_filter)], vec![&oss, &ecs_open]),
        (vec![("TicketStatus", "completed")], vec![&ecs_closed]),
        (
            vec![("TicketStatus", "in_progress,wait_feedback")],
            vec![&oss, &ecs_open],
        ),
        (vec![("TicketStatus", "dealing")], vec![]),
        (vec![("ProductCode", "oss")], vec![&oss]),
        (
            vec![("CreatedAfterTime", &past)],
            vec![&oss, &ecs_closed, &ecs_open],
        ),
        (vec![("CreatedAfterTime", &future)], vec![]),
        (vec![("CreatedBeforeTime", &past)], vec![]),
        (
            vec![("CreatedAfterTime", &past), ("CreatedBeforeTime", &future)],
            vec![&oss, &ecs_closed, &ecs_open],
        ),
        (
            vec![("SubUserId", "1000000000000001")],
            vec![&oss, &ecs_closed, &ecs_open],
        ),
        (vec![("SubUserId", "999")], vec![]),
        (
            vec![("ProductCode", "ecs"), ("TicketStatus", "in_progress")],
            vec![&ecs_open],
        ),
    ];
    for (filters, expected) in cases {
        let (total, ids) = listed_ids(&sandbox, &filters).await;
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(ids, expected, "filters {filters:?}");
        assert_eq!(total, expected.len() as u64, "filters {filters:?}");
    }
    sandbox.stop().await;
}

#[tokio::test]
async fn list_tickets_pages_from_one_with_sizes_up_to_a_hundred() {
    let sandbox = start().await;
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(sandbox.create_demo_ticket(&format!("t{i}")).await);
    }
    created.reverse(); // newest first
    let (total, page1) = listed_ids(&sandbox, &[("PageSize", "2")]).await;
    let (_, page2) = listed_ids(&sandbox, &[("PageSize", "2"), ("PageStart", "2")]).await;
    let (_, page3) = listed_ids(&sandbox, &[("PageSize", "2"), ("PageStart", "3")]).await;
    let (_, page4) = listed_ids(&sandbox, &[("PageSize", "2"), ("PageStart", "4")]).await;
    assert_eq!(total, 5);
    assert_eq!([page1, page2, page3].concat(), created);
    assert!(page4.is_empty());

    let reply = sandbox
        .demo(
            "ListTickets",
            &params(&[("PageSize", "100"), ("PageStart", "1")]),
        )
        .await;
    let data = reply.assert_ok();
    assert_eq!(
        (data["CurrentPage"].as_u64(), data["PageSize"].as_u64()),
        (Some(1), Some(100))
    );
    let defaults = sandbox.demo("ListTickets", &[]).await;
    assert_eq!(defaults.assert_ok()["PageSize"], 20);

    for (name, value) in [
        ("PageSize", "0"),
        ("PageSize", "101"),
        ("PageSize", "many"),
        ("PageStart", "0"),
        ("PageStart", "-1"),
        ("CreatedAfterTime", "yesterday"),
    ] {
        sandbox
            .demo("ListTickets", &params(&[(name, value)]))
            .await
            .assert_error(400, "param.illegal");
    }
    sandbox.stop().await;
}
