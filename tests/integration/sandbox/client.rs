//! The crate's own typed client against the sandbox, in both signature schemes: every action
//! decodes, end to end.

use workorder_api::actions::{
    CloseTicket, CreateTicket, ListCategories, ListProducts, ListTicketNotes, ListTickets,
    ReplyTicket,
};
use workorder_api::{Language, SignatureVersion};
use workorder_gateway::upstream::{ClientSettings, Endpoint, Target, UpstreamClient};

use super::helpers::*;

#[tokio::test]
async fn the_typed_client_drives_every_action_in_both_schemes() {
    let sandbox = start().await;
    let client = UpstreamClient::new(ClientSettings::default()).unwrap();
    for signature in [SignatureVersion::V1, SignatureVersion::V3] {
        let target = Target {
            tenant: "demo".to_owned(),
            endpoint: Endpoint::parse(&sandbox.handle.url()).unwrap(),
            credentials: demo_credentials().into(),
            signature,
        };
        let catalog = client
            .call(
                &target,
                &ListProducts {
                    language: Some(Language::En),
                },
            )
            .await
            .unwrap()
            .data;
        assert!(
            catalog.hot_tech.iter().any(|p| p.code == "ecs"),
            "{signature}"
        );
        let categories = client
            .call(
                &target,
                &ListCategories {
                    product_code: "ecs".to_owned(),
                    language: None,
                },
            )
            .await
            .unwrap()
            .data;
        assert_eq!(categories.list[0].id, 793);

        let created = client
            .call(
                &target,
                &CreateTicket {
                    product_code: "ecs".to_owned(),
                    category_id: 794,
                    content: "the server will not start, 100% sure: a&b=c".to_owned(),
                    email: DEMO_EMAIL.to_owned(),
                    title: Some("won't start".to_owned()),
                    phone: Some("13800000000".to_owned()),
                    secret_content: Some("i-123".to_owned()),
                    notify_time_range: None,
                    language: Some(Language::En),
                },
            )
            .await
            .unwrap()
            .data;
        client
            .call(
                &target,
                &ReplyTicket {
                    ticket_id: created.id.clone(),
                    content: Some("more details ✓".to_owned()),
                    secret_content: None,
                    language: None,
                },
            )
            .await
            .unwrap();
        let notes = client
            .call(
                &target,
                &ListTicketNotes {
                    ticket_id: created.id.clone(),
                    language: None,
                },
            )
            .await
            .unwrap()
            .data;
        assert_eq!(notes.list.len(), 2);
        assert_eq!(
            notes.list[0].content,
            "the server will not start, 100% sure: a&b=c"
        );
        assert_eq!(notes.list[1].content, "more details ✓");
        client
            .call(
                &target,
                &CloseTicket {
                    ticket_id: created.id.clone(),
                    language: None,
                },
            )
            .await
            .unwrap();
        let page = client
            .call(
                &target,
                &ListTickets {
                    ids: vec![created.id.clone()],
                    statuses: vec!["completed".to_owned()],
                    ..ListTickets::default()
                },
            )
            .await
            .unwrap()
            .data;
        assert_eq!(page.total, Some(1));
        assert_eq!(page.list[0].title.as_deref(), Some("won't start"));
        assert!(page.list[0].add_time.is_some());
    }
    sandbox.stop().await;
}
