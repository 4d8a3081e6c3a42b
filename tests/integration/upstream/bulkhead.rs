//! The per-tenant bulkhead: at most `max_concurrent_per_tenant` calls of one tenant in flight;
//! the next waits up to `bulkhead_wait`, then fails `Saturated` without being sent, while
//! another tenant's calls go through.

use std::time::Duration;

use wiremock::ResponseTemplate;
use workorder_api::SignatureVersion;
use workorder_api::actions::ListTickets;
use workorder_gateway::upstream::{ClientSettings, Target, UpstreamError};

use crate::support::fake_upstream::{
    Kind, client, ok_body, received, settings, target, upstream_answering,
};

fn tenant(uri: &str, id: &str) -> Target {
    Target {
        tenant: id.to_owned(),
        ..target(uri, SignatureVersion::V1, Kind::AccessKey)
    }
}

#[tokio::test]
async fn a_tenant_over_its_slots_fails_saturated_unsent_while_another_tenant_is_served() {
    let slow = ResponseTemplate::new(200)
        .set_body_json(ok_body("ListTickets"))
        .set_delay(Duration::from_millis(600));
    let server = upstream_answering(slow).await;
    let client = client(ClientSettings {
        max_concurrent_per_tenant: 2,
        bulkhead_wait: Duration::from_millis(100),
        ..settings(1)
    });
    let (busy, calm) = (tenant(&server.uri(), "busy"), tenant(&server.uri(), "calm"));
    let list = ListTickets::default();
    let (a, b, c, other) = tokio::join!(
        client.call(&busy, &list),
        client.call(&busy, &list),
        async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            client.call(&busy, &list).await
        },
        async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            client.call(&calm, &list).await
        },
    );
    assert!(a.is_ok() && b.is_ok(), "the first two hold the slots");
    let err = c.expect_err("the third finds no slot within the wait");
    assert!(matches!(err, UpstreamError::Saturated { .. }), "{err:?}");
    assert!(err.proves_nothing_happened());
    assert!(other.is_ok(), "another tenant has its own slots");
    assert_eq!(
        received(&server).await.len(),
        3,
        "the saturated call was never sent"
    );
    // Slots come back when calls finish.
    assert!(client.call(&busy, &list).await.is_ok());
}
