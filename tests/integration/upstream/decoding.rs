//! Decoding, through the whole client, of every JSON example of the Chinese document
//! (`tests/fixtures/doc-examples/`, verbatim, broken ones included) and of hand-repaired versions
//! of the broken ones. The quirks are in `quirks.rs`, which shares the helpers here.

use std::path::PathBuf;

use serde_json::Value;
use time::macros::datetime;
use wiremock::ResponseTemplate;
use workorder_api::actions::{
    CloseTicket, CreateTicket, ListCategories, ListProducts, ListTicketNotes, ListTickets,
    ProductCatalog, ReplyTicket,
};
use workorder_api::{Action, Answer, SignatureVersion};
use workorder_gateway::upstream::UpstreamError;

use crate::support::fake_upstream::{Kind, client, settings, target, upstream_answering};

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/doc-examples")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The two fences of a split example, joined as a reader would paste them.
fn joined(stem: &str) -> String {
    format!(
        "{}{}",
        fixture(&format!("{stem}.part1.json")),
        fixture(&format!("{stem}.part2.json"))
    )
}

/// Serves `body` as a 200 JSON answer and calls `action` once.
pub async fn decode<A: Action>(action: &A, body: &str) -> Result<Answer<A::Output>, UpstreamError> {
    let server = upstream_answering(
        ResponseTemplate::new(200).set_body_raw(body.to_owned(), "application/json;charset=utf-8"),
    )
    .await;
    client(settings(1))
        .call(
            &target(&server.uri(), SignatureVersion::V1, Kind::AccessKey),
            action,
        )
        .await
}

pub async fn decode_json<A: Action>(action: &A, body: Value) -> Result<A::Output, UpstreamError> {
    decode(action, &body.to_string()).await.map(|a| a.data)
}

fn assert_not_json<T: std::fmt::Debug>(example: &str, result: Result<T, UpstreamError>) {
    match result {
        Err(err @ UpstreamError::Unreadable { status: 200, .. }) => {
            let text = err.to_string();
            assert!(
                text.contains("the body is not valid JSON"),
                "{example}: the error says the body is not JSON: {text}"
            );
        }
        other => panic!("{example}: expected an unreadable answer, got {other:?}"),
    }
}

pub fn products() -> ListProducts {
    ListProducts { language: None }
}
pub fn categories() -> ListCategories {
    ListCategories {
        product_code: "ecs".into(),
        language: None,
    }
}
pub fn notes() -> ListTicketNotes {
    ListTicketNotes {
        ticket_id: "G2BKRWG".into(),
        language: None,
    }
}
pub fn create() -> CreateTicket {
    CreateTicket {
        product_code: "ecs".into(),
        category_id: 157,
        content: "c".into(),
        email: "support@aliyun.com".into(),
        title: None,
        phone: None,
        secret_content: None,
        notify_time_range: None,
        language: None,
    }
}

const DOC_REQUEST_ID: &str = "CA6204AC-6AA9-4CFA-9310-7DFD20C19EBC";

#[test]
fn every_fixture_file_is_covered_by_a_test_below() {
    let covered = [
        "README.md",
        "create-ticket.json",
        "reply-ticket.json",
        "close-ticket.json",
        "list-products.part1.json",
        "list-products.part2.json",
        "list-ticket-notes.part1.json",
        "list-ticket-notes.part2.json",
        "list-tickets.part1.json",
        "list-tickets.part2.json",
        "list-categories.json",
        "repaired",
    ];
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/doc-examples");
    for entry in std::fs::read_dir(dir).expect("fixture directory") {
        let name = entry
            .expect("entry")
            .file_name()
            .into_string()
            .expect("UTF-8");
        assert!(covered.contains(&name.as_str()), "{name} is not tested");
    }
}

#[tokio::test]
async fn the_create_ticket_example_yields_the_ticket_id_despite_an_integer_code() {
    let answer = decode(&create(), &fixture("create-ticket.json")).await;
    let answer = answer.expect("the example decodes");
    assert_eq!(answer.data.id, "ETARNPP");
    assert_eq!(answer.request_id, None, "the example has no RequestId");
}

#[tokio::test]
async fn a_success_without_a_body_request_id_takes_the_header_one() {
    let server = upstream_answering(
        ResponseTemplate::new(200)
            .set_body_raw(fixture("create-ticket.json"), "application/json")
            .insert_header("x-acs-request-id", "REQ-FROM-HEADER"),
    )
    .await;
    let answer = client(settings(1))
        .call(
            &target(&server.uri(), SignatureVersion::V3, Kind::AccessKey),
            &create(),
        )
        .await
        .expect("decodes");
    assert_eq!(answer.request_id.as_deref(), Some("REQ-FROM-HEADER"));

    let reply = ReplyTicket {
        ticket_id: "3EBYRY7".into(),
        content: None,
        secret_content: None,
        language: None,
    };
    let server = upstream_answering(
        ResponseTemplate::new(200)
            .set_body_raw(fixture("reply-ticket.json"), "application/json")
            .insert_header("x-acs-request-id", "REQ-FROM-HEADER"),
    )
    .await;
    let answer = client(settings(1))
        .call(
            &target(&server.uri(), SignatureVersion::V1, Kind::AccessKey),
            &reply,
        )
        .await
        .expect("decodes");
    assert_eq!(
        answer.request_id.as_deref(),
        Some(DOC_REQUEST_ID),
        "the body's RequestId wins"
    );
}

#[tokio::test]
async fn the_reply_and_close_examples_succeed_with_their_request_id() {
    let reply = ReplyTicket {
        ticket_id: "3EBYRY7".into(),
        content: Some("x".into()),
        secret_content: None,
        language: None,
    };
    let answer = decode(&reply, &fixture("reply-ticket.json")).await;
    assert_eq!(
        answer.expect("decodes").request_id.as_deref(),
        Some(DOC_REQUEST_ID)
    );

    let close = CloseTicket {
        ticket_id: "3EBYRY7".into(),
        language: None,
    };
    let answer = decode(&close, &fixture("close-ticket.json")).await;
    assert_eq!(
        answer.expect("decodes").request_id.as_deref(),
        Some(DOC_REQUEST_ID)
    );
}

#[tokio::test]
async fn the_broken_list_products_example_is_reported_as_not_json() {
    for (name, body) in [
        ("part 1", fixture("list-products.part1.json")),
        ("part 2", fixture("list-products.part2.json")),
        ("joined", joined("list-products")),
    ] {
        assert_not_json(name, decode(&products(), &body).await);
    }
}

#[tokio::test]
async fn the_broken_list_tickets_example_is_reported_as_not_json() {
    let action = ListTickets::default();
    for (name, body) in [
        ("part 1", fixture("list-tickets.part1.json")),
        ("part 2", fixture("list-tickets.part2.json")),
        ("joined", joined("list-tickets")),
    ] {
        assert_not_json(name, decode(&action, &body).await);
    }
}

#[tokio::test]
async fn the_broken_list_ticket_notes_example_is_reported_as_not_json() {
    for (name, body) in [
        ("part 2", fixture("list-ticket-notes.part2.json")),
        ("joined", joined("list-ticket-notes")),
    ] {
        assert_not_json(name, decode(&notes(), &body).await);
    }
}

#[tokio::test]
async fn the_broken_list_categories_example_is_reported_as_not_json() {
    assert_not_json(
        "list-categories",
        decode(&categories(), &fixture("list-categories.json")).await,
    );
}

fn assert_doc_note(list: &[workorder_api::actions::Note]) {
    assert_eq!(list.len(), 1);
    let note = &list[0];
    assert_eq!(note.note_id.as_deref(), Some("CT24GHXT"), "NotId is read");
    assert!(!note.from_official);
    assert_eq!(note.content, "有个问题请教下");
    assert_eq!(note.gmt_created, Some(datetime!(2020-04-15 03:10:40 UTC)));
}

#[tokio::test]
async fn the_first_fence_of_the_notes_example_is_complete_json_and_decodes() {
    let answer = decode(&notes(), &fixture("list-ticket-notes.part1.json")).await;
    assert_doc_note(
        &answer
            .expect("no Code nor Success: not a failure")
            .data
            .list,
    );
}

#[tokio::test]
async fn the_repaired_notes_example_decodes_to_the_documented_note() {
    let answer = decode(&notes(), &fixture("repaired/list-ticket-notes.json")).await;
    assert_doc_note(&answer.expect("decodes").data.list);
}

#[tokio::test]
async fn the_repaired_tickets_example_decodes_to_the_documented_page() {
    let page = decode(
        &ListTickets::default(),
        &fixture("repaired/list-tickets.json"),
    )
    .await
    .expect("decodes")
    .data;
    assert_eq!(
        (page.current_page, page.page_size, page.total),
        (Some(1), Some(20), Some(9))
    );
    let ids: Vec<&str> = page.list.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["CAB327A", "2HB89DX"]);
    for ticket in &page.list {
        assert_eq!(ticket.title.as_deref(), Some("pop测试"));
        assert_eq!(
            ticket.ticket_status, "assigned",
            "an undocumented status is kept"
        );
        assert_eq!(ticket.add_time, Some(datetime!(2020-04-02 09:04:00 UTC)));
        assert_eq!(ticket.creator_id, None);
    }
}

#[tokio::test]
async fn the_repaired_categories_example_decodes_to_the_documented_list() {
    let list = decode(&categories(), &fixture("repaired/list-categories.json"))
        .await
        .expect("decodes")
        .data
        .list;
    let got: Vec<(i64, &str)> = list.iter().map(|c| (c.id, c.name.as_str())).collect();
    assert_eq!(got, [(793, "ECS无法远程"), (794, "服务器打不开")]);
}

pub fn codes(products: &[workorder_api::actions::Product]) -> Vec<&str> {
    products.iter().map(|p| p.code.as_str()).collect()
}

#[tokio::test]
async fn the_repaired_products_example_decodes_items_that_only_have_an_id() {
    let catalog: ProductCatalog = decode(&products(), &fixture("repaired/list-products.json"))
        .await
        .expect("decodes")
        .data;
    assert!(catalog.hot_tech.is_empty());
    assert_eq!(codes(&catalog.consultation_more), ["76"]);
    assert_eq!(catalog.consultation_more[0].name, "备案");
    assert_eq!(
        catalog.consultation_more[0].description,
        "备案咨询、补偿、退款、等相关问题"
    );
    assert_eq!(codes(&catalog.hot_consultation), ["1193", "1194", "88"]);
    let groups: Vec<(&str, Vec<&str>)> = catalog
        .tech_more
        .iter()
        .map(|g| (g.name.as_str(), codes(&g.products)))
        .collect();
    assert_eq!(
        groups,
        [
            ("弹性计算", vec!["86", "22", "101", "1205", "1215"]),
            ("更多", vec!["1209"]),
        ]
    );
    assert_eq!(catalog.tech_more[1].products[0].name, "天池");
}
