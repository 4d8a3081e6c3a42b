//! Workorder 2021-06-10 against the sandbox through the gateway's typed client, in both
//! signature schemes: every action, one store shared with 2020-03-26, the business rules and
//! the attachment upload through the pre-signed URL.

use workorder_api::actions as v2020;
use workorder_api::v2021::{
    CloseTicket, CreateTicket, EvaluateTicket, GetAttachmentUploadUrl, GetMqConsumerTag, GetTicket,
    ListCategories, ListProducts, ListTicketNotes, ListTickets, ReopenTicket, ReplyTicket,
    SecretInfo, Severity, TicketStatus,
};
use workorder_api::{Action, SignatureVersion};
use workorder_gateway::upstream::{
    ClientSettings, Endpoint, Target, UpstreamClient, UpstreamError,
};

use super::helpers::*;
use workorder_sandbox::SandboxConfig;

fn target(sandbox: &Sandbox, signature: SignatureVersion) -> Target {
    Target {
        tenant: "demo".to_owned(),
        endpoint: Endpoint::parse(&sandbox.handle.url()).unwrap(),
        credentials: demo_credentials().into(),
        signature,
    }
}

async fn call<A: Action>(client: &UpstreamClient, target: &Target, action: &A) -> A::Output {
    client.call(target, action).await.unwrap().data
}

fn refusal_code(error: UpstreamError) -> String {
    match error {
        UpstreamError::InvalidParameter(fault) | UpstreamError::Refused(fault) => fault.code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Uploads `bytes` through a fresh key and returns the key.
async fn upload(
    client: &UpstreamClient,
    target: &Target,
    http: &reqwest::Client,
    name: &str,
) -> String {
    let url = call(
        client,
        target,
        &GetAttachmentUploadUrl {
            file_name: name.to_owned(),
        },
    )
    .await;
    let put = http
        .put(&url.put_signed_url)
        .header("content-type", "application/octet-stream")
        .body(b"\x89PNG fake".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    url.object_key
}

#[tokio::test]
async fn every_2021_action_runs_in_both_schemes_on_the_store_2020_sees() {
    let sandbox = start().await;
    let client = UpstreamClient::new(ClientSettings::default()).unwrap();
    let http = reqwest::Client::new();
    for signature in [SignatureVersion::V1, SignatureVersion::V3] {
        let target = target(&sandbox, signature);
        let directories = call(&client, &target, &ListProducts::default()).await;
        let ecs = directories
            .iter()
            .flat_map(|d| &d.product_list)
            .find(|p| p.product_name.as_deref() == Some("云服务器 ECS"))
            .or_else(|| directories[0].product_list.first())
            .and_then(|p| p.product_id.clone())
            .unwrap();
        let categories = call(
            &client,
            &target,
            &ListCategories {
                product_id: ecs.parse().unwrap(),
                name: None,
                language: None,
            },
        )
        .await;
        let category = categories[0].category_id.clone().unwrap();
        // 2021's own namespace: not ecs's 2020 `Id` 11 nor its category 793.
        assert_eq!((ecs.as_str(), category.as_str()), ("7100011", "7200793"));

        let key = upload(&client, &target, &http, "screen.png").await;
        let id = call(
            &client,
            &target,
            &CreateTicket {
                category_id: category.clone(),
                description: "disk full, 100% & more".to_owned(),
                severity: Severity::Urgent,
                title: None,
                creator_id: None,
                email: None,
                file_names: vec![key.clone()],
                secret: Some(SecretInfo {
                    content: Some("root password".to_owned()),
                    file_names: Vec::new(),
                }),
            },
        )
        .await
        .id;

        let detail = call(
            &client,
            &target,
            &GetTicket {
                ticket_id: id.clone(),
                uid: None,
            },
        )
        .await;
        assert_eq!(
            detail.description.as_deref(),
            Some("disk full, 100% & more")
        );
        assert_eq!(detail.category_id.as_deref(), Some(category.as_str()));
        assert_eq!(detail.severity.unwrap().severity(), Some(Severity::Urgent));
        assert_eq!(
            detail.status.unwrap().status(),
            Some(TicketStatus::Assigned)
        );

        let dialog = call(
            &client,
            &target,
            &ReplyTicket {
                ticket_id: id.clone(),
                content: "more logs".to_owned(),
                encrypt: false,
                file_names: Vec::new(),
                uid: None,
            },
        )
        .await;
        assert!(dialog.is_some_and(|d| d.parse::<i64>().is_ok()));
        let notes = call(
            &client,
            &target,
            &ListTicketNotes {
                ticket_id: id.clone(),
                uid: None,
            },
        )
        .await;
        assert_eq!(notes.len(), 2);
        assert_eq!(notes[0].attachments[0].name.as_deref(), Some("screen.png"));
        let file = http
            .get(notes[0].attachments[0].url.as_deref().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(file.bytes().await.unwrap().as_ref(), b"\x89PNG fake");

        // The same ticket through 2020-03-26: in progress until closed through 2021.
        let listed = call(
            &client,
            &target,
            &v2020::ListTickets {
                ids: vec![id.clone()],
                ..v2020::ListTickets::default()
            },
        )
        .await;
        assert_eq!(listed.list[0].ticket_status, "in_progress");

        let early = client
            .call(
                &target,
                &EvaluateTicket {
                    ticket_id: id.clone(),
                    score: 5,
                    solved: true,
                    content: None,
                    uid: None,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(refusal_code(early), "param.illegal");
        call(
            &client,
            &target,
            &CloseTicket {
                ticket_id: id.clone(),
                uid: None,
            },
        )
        .await;
        let listed = call(
            &client,
            &target,
            &v2020::ListTickets {
                ids: vec![id.clone()],
                ..v2020::ListTickets::default()
            },
        )
        .await;
        assert_eq!(listed.list[0].ticket_status, "completed");

        call(
            &client,
            &target,
            &EvaluateTicket {
                ticket_id: id.clone(),
                score: 4,
                solved: true,
                content: Some("quick".to_owned()),
                uid: None,
            },
        )
        .await;
        let twice = client
            .call(
                &target,
                &EvaluateTicket {
                    ticket_id: id.clone(),
                    score: 4,
                    solved: true,
                    content: None,
                    uid: None,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(refusal_code(twice), "param.illegal");

        let reopened = call(
            &client,
            &target,
            &ReopenTicket {
                ticket_id: id.clone(),
                content: "back again".to_owned(),
                uid: None,
            },
        )
        .await;
        assert_eq!(reopened.as_deref(), Some(id.as_str()));
        let page = call(
            &client,
            &target,
            &ListTickets {
                statuses: vec![TicketStatus::Assigned],
                ticket_ids: vec![id.clone()],
                ..ListTickets::default()
            },
        )
        .await;
        assert_eq!((page.total_count, page.page_size), (Some(1), Some(10)));
        assert_eq!(page.tickets[0].ticket_id, id);
        let again = client
            .call(
                &target,
                &ReopenTicket {
                    ticket_id: id.clone(),
                    content: "x".to_owned(),
                    uid: None,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(refusal_code(again), "param.illegal");

        let tag = call(&client, &target, &GetMqConsumerTag).await;
        assert_eq!(tag.map(|t| t.len()), Some(8));
    }
    sandbox.stop().await;
}

#[tokio::test]
async fn a_2020_ticket_reads_through_get_ticket_with_its_description_and_2021_category() {
    let sandbox = start().await;
    let client = UpstreamClient::new(ClientSettings::default()).unwrap();
    let target = target(&sandbox, SignatureVersion::V3);
    let id = sandbox.create_demo_ticket("filed through 2020").await;
    let detail = call(
        &client,
        &target,
        &GetTicket {
            ticket_id: id,
            uid: None,
        },
    )
    .await;
    assert_eq!(detail.description.as_deref(), Some("filed through 2020"));
    // Filed through 2020 in category 793 (ecs); 2021 reports that category's own id.
    assert_eq!(detail.category_id.as_deref(), Some("7200793"));
    assert_eq!(detail.severity.unwrap().severity(), Some(Severity::Normal));
    sandbox.stop().await;
}

#[tokio::test]
async fn attachment_keys_are_good_only_uploaded_and_only_for_their_account() {
    let sandbox = start_with(SandboxConfig {
        accounts: vec![alpha()],
        ..config()
    })
    .await;
    let client = UpstreamClient::new(ClientSettings::default()).unwrap();
    let http = reqwest::Client::new();
    let demo = target(&sandbox, SignatureVersion::V3);
    let alpha_target = Target {
        credentials: credentials("LTAIalpha", "alpha-secret").into(),
        ..target(&sandbox, SignatureVersion::V1)
    };
    let create = |file: String| CreateTicket {
        category_id: "7200793".to_owned(),
        description: "d".to_owned(),
        severity: Severity::Normal,
        title: None,
        creator_id: None,
        email: None,
        file_names: vec![file],
        secret: None,
    };
    let pending = call(
        &client,
        &demo,
        &GetAttachmentUploadUrl {
            file_name: "a.txt".to_owned(),
        },
    )
    .await;
    let not_uploaded = client
        .call(&demo, &create(pending.object_key.clone()))
        .await
        .unwrap_err();
    assert_eq!(refusal_code(not_uploaded), "param.illegal");

    let key = upload(&client, &demo, &http, "b.png").await;
    let foreign = client
        .call(&alpha_target, &create(key.clone()))
        .await
        .unwrap_err();
    assert_eq!(refusal_code(foreign), "param.illegal");
    call(&client, &demo, &create(key)).await;

    // The URL is bound to its key, its method and its signature; types and sizes are checked.
    let tampered = pending.put_signed_url.replace("Signature=", "Signature=x");
    let put = |url: String, content_type: &'static str, body: Vec<u8>| {
        http.put(url)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    assert_eq!(
        put(tampered, "text/plain", b"x".to_vec())
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        put(pending.put_signed_url.clone(), "text/html", b"x".to_vec())
            .await
            .unwrap()
            .status(),
        400
    );
    let too_big = put(
        pending.put_signed_url.clone(),
        "text/plain",
        vec![b'x'; (5 << 20) + 1],
    )
    .await
    .unwrap();
    assert_eq!(too_big.status(), 413);
    assert_eq!(
        put(pending.put_signed_url.clone(), "text/plain", b"ok".to_vec())
            .await
            .unwrap()
            .status(),
        200
    );
    let bad_name = client
        .call(
            &demo,
            &GetAttachmentUploadUrl {
                file_name: "../x.exe".to_owned(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(refusal_code(bad_name), "param.illegal");
    sandbox.stop().await;
}

#[tokio::test]
async fn the_2021_api_is_as_strict_as_2020_on_required_fields_enums_and_ranges() {
    let sandbox = start().await;
    let client = UpstreamClient::new(ClientSettings::default()).unwrap();
    let target = target(&sandbox, SignatureVersion::V1);
    let small_page = client
        .call(
            &target,
            &ListTickets {
                page_size: 9,
                ..ListTickets::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(refusal_code(small_page), "illegal.param");
    let unknown = client
        .call(
            &target,
            &GetTicket {
                ticket_id: "NOPE123".to_owned(),
                uid: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(refusal_code(unknown), "illegal.param");
    let bad_score = client
        .call(
            &target,
            &EvaluateTicket {
                ticket_id: "X".to_owned(),
                score: 6,
                solved: true,
                content: None,
                uid: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(refusal_code(bad_score), "param.illegal");

    // Raw calls: the Python SDK's `True`, a severity outside 1–2, a missing Encrypt.
    let v2021 = |action: &str, pairs: &[(&'static str, &str)]| {
        let mut all = sandbox.v1_common(action);
        for (k, v) in all.iter_mut() {
            if *k == "Version" {
                *v = "2021-06-10".to_owned();
            }
        }
        all.extend(params(pairs));
        all
    };
    let id = sandbox.create_demo_ticket("raw").await;
    sandbox
        .send_v1_pairs(
            &v2021(
                "ReplyTicket",
                &[("TicketId", &id), ("Content", "c"), ("Encrypt", "True")],
            ),
            DEMO_SECRET,
        )
        .await
        .assert_ok();
    sandbox
        .send_v1_pairs(
            &v2021("ReplyTicket", &[("TicketId", &id), ("Content", "c")]),
            DEMO_SECRET,
        )
        .await
        .assert_error(400, "MissingParameter");
    sandbox
        .send_v1_pairs(
            &v2021(
                "CreateTicket",
                &[
                    ("Description", "d"),
                    ("Severity", "3"),
                    ("CategoryId", "7200793"),
                ],
            ),
            DEMO_SECRET,
        )
        .await
        .assert_error(400, "param.illegal");
    // 793 is ecs's 2020 category id: another namespace, unknown to 2021.
    for category in ["793", "7100011", "99999999999"] {
        sandbox
            .send_v1_pairs(
                &v2021(
                    "CreateTicket",
                    &[
                        ("Description", "d"),
                        ("Severity", "1"),
                        ("CategoryId", category),
                    ],
                ),
                DEMO_SECRET,
            )
            .await
            .assert_error(400, "param.illegal");
    }
    sandbox
        .send_v1_pairs(
            &v2021(
                "CreateTicket",
                &[
                    ("Description", "d"),
                    ("Severity", "1"),
                    ("CategoryId", "7200793"),
                ],
            ),
            DEMO_SECRET,
        )
        .await
        .assert_ok();
    sandbox
        .send_v1_pairs(
            &v2021(
                "ListTickets",
                &[
                    ("PageNumber", "1"),
                    ("PageSize", "10"),
                    ("StatusList.1", "closed"),
                ],
            ),
            DEMO_SECRET,
        )
        .await
        .assert_error(400, "illegal.param");
    sandbox.stop().await;
}
