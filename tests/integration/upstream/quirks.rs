//! Decoding quirks, where the service, its SDK and its documents disagree: `Code` as string
//! or integer, `Success: false` on HTTP 200, `NoteId`/`NotId`, missing `Data` and lists,
//! unknown statuses, epochs in seconds or milliseconds, products with `ProductCode` or `Id`.

use serde_json::json;
use time::OffsetDateTime;
use time::macros::datetime;
use workorder_api::actions::{ListTickets, ProductCatalog};
use workorder_gateway::upstream::UpstreamError;

use super::decoding::{categories, codes, create, decode, decode_json, notes, products};

#[tokio::test]
async fn products_carry_their_product_code_or_else_their_id() {
    let catalog = decode_json(
        &products(),
        json!({"Code": 200, "Success": true, "Data": {"HotTech": [
            {"ProductCode": "ecs", "Name": "云服务器 ECS"},
            {"Id": 22, "Name": "对象存储 OSS"},
            {"Id": "1209", "Name": "天池"},
            {"ProductCode": "oss", "Id": 22, "Name": "both"},
        ]}}),
    )
    .await
    .expect("decodes");
    assert_eq!(codes(&catalog.hot_tech), ["ecs", "22", "1209", "oss"]);
    let nameless = decode_json(
        &products(),
        json!({"Success": true, "Data": {"HotTech": [{"Name": "no code"}]}}),
    )
    .await;
    assert!(
        matches!(&nameless, Err(UpstreamError::Unreadable { reason, .. }) if reason.contains("neither ProductCode nor Id")),
        "{nameless:?}"
    );
}

#[tokio::test]
async fn code_may_be_a_string_or_an_integer() {
    for code in [json!(200), json!("200")] {
        let created = decode_json(
            &create(),
            json!({"Code": code, "Success": true, "Data": "ACB8WY2"}),
        )
        .await;
        assert_eq!(created.expect("decodes").id, "ACB8WY2", "Code {code}");
        let without_success =
            decode_json(&create(), json!({"Code": code, "Data": "ACB8WY2"})).await;
        assert!(without_success.is_ok(), "Code {code} alone is a success");
    }
}

#[tokio::test]
async fn success_false_on_http_200_is_an_error_with_the_upstream_fault() {
    let cases = [
        (json!("param.illegal"), "invalid_parameter"),
        (json!(500), "unavailable"),
        (json!("SomethingNew"), "refused"),
    ];
    for (code, outcome) in cases {
        let err = decode_json(
            &ListTickets::default(),
            json!({"RequestId": "R-200", "Code": code, "Success": false, "Message": "no", "Data": {}}),
        )
        .await
        .expect_err("Success:false is a failure");
        assert_eq!(err.outcome(), outcome, "Code {code}");
        let fault = err.fault().expect("the upstream's own words");
        assert_eq!(fault.status, 200);
        assert_eq!(fault.request_id.as_deref(), Some("R-200"));
    }
}

#[tokio::test]
async fn note_ids_are_read_under_both_spellings() {
    let list = decode_json(
        &notes(),
        json!({"Success": true, "Data": {"List": [
            {"NoteId": "SDK-SPELLING", "Content": "a", "FromOfficial": true, "GmtCreated": 1},
            {"NotId": "DOC-SPELLING", "Content": "b"},
        ]}}),
    )
    .await
    .expect("decodes")
    .list;
    let ids: Vec<Option<&str>> = list.iter().map(|n| n.note_id.as_deref()).collect();
    assert_eq!(ids, [Some("SDK-SPELLING"), Some("DOC-SPELLING")]);
    assert!(list[0].from_official);
}

#[tokio::test]
async fn missing_or_null_data_and_lists_decode_as_empty() {
    let bodies = [
        json!({"Success": true}),
        json!({"Success": true, "Data": null}),
        json!({"Success": true, "Data": {}}),
        json!({"Success": true, "Data": {"List": null, "HotTech": null, "TechMore": null}}),
    ];
    for body in bodies {
        let page = decode_json(&ListTickets::default(), body.clone()).await;
        assert!(page.expect("decodes").list.is_empty(), "{body}");
        let notes = decode_json(&notes(), body.clone()).await;
        assert!(notes.expect("decodes").list.is_empty(), "{body}");
        let categories = decode_json(&categories(), body.clone()).await;
        assert!(categories.expect("decodes").list.is_empty(), "{body}");
        let catalog = decode_json(&products(), body.clone())
            .await
            .expect("decodes");
        assert_eq!(catalog, ProductCatalog::default(), "{body}");
    }
}

#[tokio::test]
async fn unknown_ticket_statuses_are_kept_as_sent() {
    let page = decode_json(
        &ListTickets::default(),
        json!({"Success": true, "Data": {"List": [
            {"Id": "A", "TicketStatus": "dealing"},
            {"Id": "B", "TicketStatus": "some_future_state"},
            {"Id": "C", "TicketStatus": "completed"},
        ]}}),
    )
    .await
    .expect("decodes");
    let statuses: Vec<&str> = page.list.iter().map(|t| t.ticket_status.as_str()).collect();
    assert_eq!(statuses, ["dealing", "some_future_state", "completed"]);
}

#[tokio::test]
async fn epochs_are_read_in_seconds_or_milliseconds() {
    let expected: OffsetDateTime = datetime!(2020-04-02 09:04:00 UTC);
    let page = decode_json(
        &ListTickets::default(),
        json!({"Success": true, "Data": {"List": [
            {"Id": "S", "AddTime": 1_585_818_240_i64},
            {"Id": "MS", "AddTime": 1_585_818_240_000_i64},
            {"Id": "STR", "AddTime": "1585818240"},
            {"Id": "NONE", "AddTime": null},
        ]}}),
    )
    .await
    .expect("decodes");
    let times: Vec<Option<OffsetDateTime>> = page.list.iter().map(|t| t.add_time).collect();
    assert_eq!(
        times,
        [Some(expected), Some(expected), Some(expected), None]
    );

    let notes = decode_json(
        &notes(),
        json!({"Success": true, "Data": {"List": [{"NoteId": "N", "GmtCreated": 1_586_920_240_000_i64}]}}),
    )
    .await
    .expect("decodes");
    assert_eq!(
        notes.list[0].gmt_created,
        Some(datetime!(2020-04-15 03:10:40 UTC))
    );
}

#[tokio::test]
async fn answers_that_are_json_but_not_workorder_answers_are_unreadable() {
    for body in ["[1,2]", "\"ok\"", "null"] {
        let err = decode(&ListTickets::default(), body)
            .await
            .expect_err("not an object");
        assert_eq!(err.outcome(), "unreadable", "{body}");
    }
    let err = decode_json(&create(), json!({"Success": true, "Data": ""}))
        .await
        .expect_err("no ticket id");
    assert!(err.to_string().contains("without a ticket id"), "{err}");
}
