//! `server.admin_listen` over real HTTP: `/metrics` only on the admin listener (at the root,
//! whatever `server.base_path` says) and 404 on the main one; probes on both; both listeners
//! drain and stop together, in process and in the real binary under SIGTERM.

use std::net::SocketAddr;
use std::time::Duration;

use workorder_gateway::app::{AppHandle, Application};
use workorder_gateway::settings::Settings;

use super::{EMAIL, Gateway, config, free_port};
use crate::support::{account, demo_config, problem, start_sandbox};

/// A gateway with the admin listener on a free port, its API under `/support-api`.
async fn start(
    drain_delay_secs: u64,
) -> (
    String,
    String,
    AppHandle,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let toml = demo_config("").replace(
        "[server]\n",
        "[server]\nbase_path = \"/support-api\"\nadmin_listen = \"127.0.0.1:0\"\n",
    );
    let toml = toml.replace(
        "drain_delay_secs = 0",
        &format!("drain_delay_secs = {drain_delay_secs}"),
    );
    let settings = Settings::from_toml_str(&toml).unwrap();
    let app = Application::build(settings, None).await.unwrap();
    let admin: SocketAddr = app.admin_addr().expect("an admin listener");
    assert_ne!(admin, app.addr());
    let main = format!("http://{}", app.addr());
    let handle = app.handle();
    let task = tokio::spawn(app.run());
    (main, format!("http://{admin}"), handle, task)
}

async fn get(url: String) -> reqwest::Response {
    reqwest::Client::new().get(url).send().await.unwrap()
}

#[tokio::test]
async fn metrics_are_served_only_on_the_admin_listener_at_the_root_and_probes_on_both() {
    let (main, admin, handle, task) = start(0).await;

    let metrics = get(format!("{admin}/metrics")).await;
    assert_eq!(metrics.status(), 200);
    assert!(
        metrics.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    assert!(metrics.text().await.unwrap().contains("wog_build_info"));

    // The main listener, where an ingress may route the whole prefix: no metrics, anywhere.
    problem(
        get(format!("{main}/support-api/metrics")).await,
        404,
        "not_found",
    )
    .await;
    problem(get(format!("{main}/metrics")).await, 404, "not_found").await;

    for path in ["/healthz", "/readyz"] {
        assert_eq!(
            get(format!("{admin}{path}")).await.status(),
            200,
            "admin {path}"
        );
        assert_eq!(
            get(format!("{main}/support-api{path}")).await.status(),
            200,
            "main {path}"
        );
    }
    let readiness: serde_json::Value = get(format!("{admin}/readyz")).await.json().await.unwrap();
    assert_eq!(
        readiness,
        serde_json::json!({ "status": "ready", "state": { "backend": "memory", "status": "up" } })
    );

    // The base path is the public API's; the admin listener has the three routes at its root
    // and nothing else.
    for path in [
        "/support-api/metrics",
        "/support-api/healthz",
        "/products",
        "/openapi.json",
    ] {
        problem(get(format!("{admin}{path}")).await, 404, "not_found").await;
    }

    handle.shutdown().await;
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn both_listeners_turn_unready_at_once_when_draining_and_close_together() {
    let (main, admin, handle, task) = start(2).await;
    let shutdown = tokio::spawn({
        let handle = handle.clone();
        async move { handle.shutdown().await }
    });
    // Wait (polling, within the 2 s drain) for the admin listener to report the drain.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while get(format!("{admin}/readyz")).await.status() != 503
        && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Draining: readiness off on both listeners, liveness and metrics still answered.
    problem(get(format!("{admin}/readyz")).await, 503, "draining").await;
    problem(
        get(format!("{main}/support-api/readyz")).await,
        503,
        "draining",
    )
    .await;
    assert_eq!(get(format!("{admin}/healthz")).await.status(), 200);
    assert_eq!(get(format!("{admin}/metrics")).await.status(), 200);

    shutdown.await.unwrap();
    task.await.unwrap().unwrap();
    let client = reqwest::Client::new();
    assert!(
        client.get(format!("{admin}/healthz")).send().await.is_err(),
        "admin closed"
    );
    assert!(
        client
            .get(format!("{main}/support-api/healthz"))
            .send()
            .await
            .is_err(),
        "main closed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_metrics_on_the_admin_port_and_sigterm_stops_both_listeners() {
    let sandbox = start_sandbox(vec![account("LTAIopsADMIN", "admin-secret", EMAIL)]).await;
    let (port, admin_port) = (free_port(), free_port());
    let toml = config(port, &sandbox.url(), "LTAIopsADMIN", "admin-secret", 0).replace(
        "[server]\n",
        &format!("[server]\nadmin_listen = \"127.0.0.1:{admin_port}\"\n"),
    );
    let mut gateway = Gateway::start(port, &toml).await;
    let admin = format!("http://127.0.0.1:{admin_port}");
    let line = gateway
        .wait_for_log("admin listener: /metrics, /healthz, /readyz")
        .await;
    assert_eq!(line["url"], admin.as_str());
    assert_eq!(get(format!("{admin}/metrics")).await.status(), 200);
    assert_eq!(get(format!("{admin}/readyz")).await.status(), 200);
    assert_eq!(gateway.status("/metrics").await, Some(404));

    gateway.signal("TERM");
    let status = gateway.exit(Duration::from_secs(15)).await;
    assert!(status.success(), "{status:?}");
    assert!(
        reqwest::Client::new()
            .get(format!("{admin}/healthz"))
            .send()
            .await
            .is_err(),
        "the admin listener is closed"
    );
}
