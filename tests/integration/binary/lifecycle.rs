//! Lifecycle of the real binary under signals: SIGTERM drains (readiness 503 at once, the
//! listener serving through `shutdown.drain_delay_secs`, in-flight requests finishing, exit
//! 0); SIGHUP reloads the configuration file atomically (an AccessKey rotated with no failed
//! request; an invalid file refused with a clear log line while the old one keeps serving).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use super::{EMAIL, Gateway, config, create, free_port, get};
use crate::support::{READ_WRITE, account, set_faults, start_sandbox, token};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_turns_readiness_off_at_once_keeps_serving_then_drains_in_flight_requests() {
    let sandbox = start_sandbox(vec![account("LTAIopsTERM", "term-secret", EMAIL)]).await;
    let port = free_port();
    let mut gateway = Gateway::start(
        port,
        &config(port, &sandbox.url(), "LTAIopsTERM", "term-secret", 3),
    )
    .await;
    let token = Arc::new(token("acme", "ivan-term", READ_WRITE));
    assert_eq!(gateway.status("/readyz").await, Some(200));
    // Every upstream call now takes 5 s: longer than the drain delay (3 s).
    set_faults(&sandbox.url(), json!({ "latency_ms": 5000 })).await;
    let gateway_url = gateway.url.clone();
    let slow = |token: Arc<String>| {
        let url = gateway_url.clone();
        tokio::spawn(async move {
            let response = reqwest::Client::new()
                .get(format!("{url}/tickets"))
                .bearer_auth(token.as_str())
                .send()
                .await;
            response.map(|r| r.status().as_u16()).ok()
        })
    };
    let before: Vec<_> = (0..3).map(|_| slow(Arc::clone(&token))).collect();
    tokio::time::sleep(Duration::from_millis(300)).await;

    gateway.signal("TERM");
    let signalled = Instant::now();

    // Readiness turns 503 at once, while the listener keeps answering.
    let mut readiness = None;
    while signalled.elapsed() < Duration::from_secs(2) {
        readiness = gateway.status("/readyz").await;
        if readiness == Some(503) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(readiness, Some(503), "readiness during the drain");
    assert_eq!(gateway.status("/healthz").await, Some(200));
    let during = slow(Arc::clone(&token));
    gateway.wait_for_log("draining: readiness is now 503").await;
    for task in before {
        assert_eq!(task.await.unwrap(), Some(200), "an in-flight request");
    }
    assert_eq!(
        during.await.unwrap(),
        Some(200),
        "a request of the drain delay"
    );
    let status = gateway.exit(Duration::from_secs(15)).await;
    assert!(status.success(), "{status:?}");
    gateway.wait_for_log("gateway stopped").await;
    assert!(
        signalled.elapsed() >= Duration::from_secs(4),
        "exited before the slow requests finished"
    );
    assert_eq!(
        gateway.status("/healthz").await,
        None,
        "the listener is closed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_rotates_an_access_key_with_no_failed_request_and_refuses_an_invalid_file() {
    let sandbox = start_sandbox(vec![
        account("LTAIopsOLD", "old-secret", EMAIL),
        account("LTAIopsNEW", "new-secret", EMAIL),
    ])
    .await;
    let port = free_port();
    let mut gateway = Gateway::start(
        port,
        &config(port, &sandbox.url(), "LTAIopsOLD", "old-secret", 0),
    )
    .await;
    let token = token("acme", "judy-hup", READ_WRITE);
    let before = create(&gateway, &token).await;

    // Requests run back to back across the reload.
    let stop = Arc::new(AtomicBool::new(false));
    let traffic = {
        let (stop, url, token) = (Arc::clone(&stop), gateway.url.clone(), token.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut statuses = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                let response = client
                    .get(format!("{url}/tickets"))
                    .bearer_auth(&token)
                    .send()
                    .await;
                statuses.push(response.map(|r| r.status().as_u16()).ok());
            }
            statuses
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    std::fs::write(
        &gateway.config,
        config(port, &sandbox.url(), "LTAIopsNEW", "new-secret", 0),
    )
    .unwrap();
    gateway.signal("HUP");
    let reloaded = gateway.wait_for_log("configuration reloaded").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::SeqCst);
    let statuses = traffic.await.unwrap();

    assert_eq!(reloaded["tenants"], "acme");
    assert!(statuses.len() >= 5, "too little traffic: {statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == Some(200)),
        "failures during the reload: {statuses:?}"
    );
    // The new key is in use: tickets now live in the new account, the old one's are not seen.
    let after = create(&gateway, &token).await;
    assert_eq!(
        get(&gateway, &format!("/tickets/{after}"), &token).await.0,
        200
    );
    assert_eq!(
        get(&gateway, &format!("/tickets/{before}"), &token).await.0,
        404
    );

    // An invalid file is refused with a log line naming the key; the running one stays.
    std::fs::write(
        &gateway.config,
        config(port, &sandbox.url(), "LTAIopsNEW", "new-secret", 0)
            .replace("endpoint = \"http", "endpoint = \"ftp"),
    )
    .unwrap();
    gateway.signal("HUP");
    let refused = gateway
        .wait_for_log("configuration reload refused; the previous configuration keeps serving")
        .await;
    assert_eq!(refused["level"], "ERROR");
    let error = refused["error"].as_str().unwrap();
    assert!(error.contains("tenants.acme.endpoint"), "{error}");
    assert_eq!(
        get(&gateway, &format!("/tickets/{after}"), &token).await.0,
        200
    );
    assert_eq!(gateway.status("/readyz").await, Some(200));

    gateway.signal("TERM");
    assert!(gateway.exit(Duration::from_secs(15)).await.success());
}
