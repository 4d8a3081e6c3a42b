//! `/healthz`, `/readyz` and `/metrics` need no token; readiness turns 503 when draining.

use std::time::Duration;

use super::{get_public, get_with, header};
use crate::support::{TestGateway, demo_config};

#[tokio::test]
async fn operational_routes_are_public() {
    let gateway = TestGateway::start(&demo_config("")).await;
    get_with(&gateway, "/products", &[]).await;

    let healthz = get_public(&gateway, &format!("{}/healthz", gateway.url)).await;
    let readyz = get_public(&gateway, &format!("{}/readyz", gateway.url)).await;
    let metrics = get_public(&gateway, &format!("{}/metrics", gateway.url)).await;
    let openapi = get_public(&gateway, &format!("{}/openapi.json", gateway.url)).await;

    assert_eq!(healthz.status(), 200);
    assert_eq!(readyz.status(), 200);
    assert_eq!(openapi.status(), 200);
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.unwrap();
    assert!(text.contains("wog_http_requests_total"), "{text}");
    assert!(text.contains("route=\"/products\""), "{text}");
}

#[tokio::test]
async fn readyz_turns_503_once_shutdown_begins_while_healthz_stays_200() {
    let config = demo_config("").replace("drain_delay_secs = 0", "drain_delay_secs = 2");
    let gateway = TestGateway::start(&config).await;
    let readyz = format!("{}/readyz", gateway.url);
    assert_eq!(get_public(&gateway, &readyz).await.status(), 200);

    let handle = gateway.handle.clone();
    let shutdown = tokio::spawn(async move { handle.shutdown().await });
    let mut status = 200;
    for _ in 0..50 {
        status = get_public(&gateway, &readyz).await.status().as_u16();
        if status == 503 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    assert_eq!(status, 503, "readiness off during the drain");
    let draining = get_public(&gateway, &readyz).await;
    assert_eq!(
        header(&draining, "content-type").as_deref(),
        Some("application/problem+json")
    );
    let healthz = get_public(&gateway, &format!("{}/healthz", gateway.url)).await;
    assert_eq!(healthz.status(), 200, "still alive while draining");
    shutdown.await.unwrap();
}
