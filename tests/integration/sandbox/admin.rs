//! The sandbox's own routes: health, and reading and setting faults at run time.

use serde_json::json;

use super::helpers::*;

#[tokio::test]
async fn health_reports_the_accounts() {
    let sandbox = start().await;
    let health = sandbox.admin_get("/_sandbox/health").await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["accounts"], 3);
    sandbox.stop().await;
}

#[tokio::test]
async fn faults_can_be_read_set_and_cleared_at_run_time() {
    let sandbox = start().await;
    assert_eq!(
        sandbox.admin_get("/_sandbox/faults").await["error_rate"],
        json!(0.0)
    );
    let (status, echoed) = sandbox
        .admin_put("/_sandbox/faults", json!({"unavailable_rate": 1.0}))
        .await;
    assert_eq!((status, &echoed["unavailable_rate"]), (200, &json!(1.0)));
    sandbox
        .demo("ListProducts", &[])
        .await
        .assert_error(503, "ServiceUnavailable");
    // The admin routes themselves are never faulted.
    assert_eq!(
        sandbox.admin_get("/_sandbox/faults").await["unavailable_rate"],
        json!(1.0)
    );

    sandbox.admin_put("/_sandbox/faults", json!({})).await;
    sandbox.demo("ListProducts", &[]).await.assert_ok();
    sandbox.stop().await;
}

#[tokio::test]
async fn the_fault_settings_read_back_field_by_field() {
    let sandbox = start().await;
    assert_eq!(
        sandbox.admin_get("/_sandbox/faults").await,
        json!({
            "latency_ms": 0,
            "latency_jitter_ms": 0,
            "error_rate": 0.0,
            "unavailable_rate": 0.0,
            "unreadable_rate": 0.0,
            "drop_rate": 0.0,
            "lost_drop_rate": 0.0,
            "lost_timeout_rate": 0.0,
            "lost_timeout_ms": 0,
            "lost_error_rate": 0.0,
            "throttle_per_second": 0,
            "list_lag_ms": 0,
            "actions": [],
        })
    );
    let lost = json!({
        "lost_drop_rate": 0.25,
        "lost_timeout_rate": 0.25,
        "lost_timeout_ms": 1500,
        "lost_error_rate": 0.5,
        "list_lag_ms": 300,
    });
    let (status, echoed) = sandbox.admin_put("/_sandbox/faults", lost.clone()).await;
    assert_eq!(status, 200);
    let read = sandbox.admin_get("/_sandbox/faults").await;
    assert_eq!(echoed, read);
    for (field, value) in lost.as_object().unwrap() {
        assert_eq!(&read[field], value, "{field}");
    }
    assert_eq!(read["error_rate"], json!(0.0));
    sandbox.stop().await;
}

#[tokio::test]
async fn invalid_fault_settings_are_refused() {
    let sandbox = start().await;
    for body in [
        json!({"error_rate": 2.0}),
        json!({"error_rate": 0.7, "drop_rate": 0.7}),
        json!({"lost_error_rate": 0.5, "lost_drop_rate": 0.3, "unreadable_rate": 0.3}),
        json!({"lost_timeout_rate": -0.1}),
        json!({"colour": "red"}),
        json!({"actions": ["DeleteEverything"]}),
    ] {
        let (status, answer) = sandbox.admin_put("/_sandbox/faults", body.clone()).await;
        assert_eq!(status, 400, "{body}");
        assert!(answer["error"].is_string());
    }
    sandbox.demo("ListProducts", &[]).await.assert_ok();
    sandbox.stop().await;
}

#[tokio::test]
async fn setting_faults_with_a_seed_replays_the_same_sequence() {
    let sandbox = start().await;
    let faults = json!({"error_rate": 0.5});
    let mut runs = Vec::new();
    for _ in 0..2 {
        let (status, _) = sandbox
            .admin_put("/_sandbox/faults?seed=9", faults.clone())
            .await;
        assert_eq!(status, 200);
        let mut seen = Vec::new();
        for _ in 0..20 {
            seen.push(sandbox.demo("ListProducts", &[]).await.status);
        }
        runs.push(seen);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(
        runs[0].contains(&500) && runs[0].contains(&200),
        "{:?}",
        runs[0]
    );
    assert_eq!(sandbox.admin_get("/_sandbox/health").await["seed"], 9);
    sandbox.stop().await;
}

#[actix_web::test]
async fn the_sandbox_also_runs_inside_an_actix_system() {
    let sandbox = start().await;
    sandbox.demo("ListProducts", &[]).await.assert_ok();
    sandbox.stop().await;
}

#[tokio::test]
async fn other_paths_and_methods_are_invalid_api_not_found() {
    let sandbox = start().await;
    let url = sandbox.handle.url();
    for response in [
        sandbox
            .http
            .post(format!("{url}/v1/tickets"))
            .send()
            .await
            .unwrap(),
        sandbox.http.delete(format!("{url}/")).send().await.unwrap(),
    ] {
        assert_eq!(response.status().as_u16(), 404);
        assert!(response.headers().contains_key("x-acs-request-id"));
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["Code"], "InvalidApi.NotFound");
    }
    sandbox.stop().await;
}
