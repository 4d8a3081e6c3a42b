//! Reload on change (`reload.watch_interval_secs`): rewriting a tenant's secret file is picked
//! up with no signal and no restart — the Kubernetes way of rotating a mounted Secret.

use std::time::{Duration, Instant};

use workorder_gateway::settings::Settings;

use crate::fixture::{ACCESS_KEY_ID, ACCESS_KEY_SECRET, EMAIL};
use crate::support::{READ_WRITE, SECRET, TestGateway, account, start_sandbox, token};

#[tokio::test]
async fn a_rewritten_secret_file_is_picked_up_without_a_signal() {
    crate::logs::capture();
    let sandbox = start_sandbox(vec![account(ACCESS_KEY_ID, ACCESS_KEY_SECRET, EMAIL)]).await;
    let dir = tempfile::tempdir().unwrap();
    let (config, secret) = (dir.path().join("gateway.toml"), dir.path().join("secret"));
    std::fs::write(&secret, "not-the-secret\n").unwrap();
    let toml = format!(
        r#"
[server]
listen = "127.0.0.1:0"
workers = 1
[auth]
hs256_secret = "{SECRET}"
[limits]
requests_per_second = 0
failed_auth_per_minute = 0
[reload]
watch_interval_secs = 1
[tenants.watched]
endpoint = "{}"
access_key_id = "{ACCESS_KEY_ID}"
access_key_secret_file = "{}"
default_email = "{EMAIL}"
"#,
        sandbox.url(),
        secret.display()
    );
    std::fs::write(&config, &toml).unwrap();
    let settings = Settings::from_toml_str(&toml).unwrap();
    let gateway = TestGateway::start_with(settings, Some(config)).await;
    let token = token("watched", "kim-watch", READ_WRITE);
    let refused = gateway.get("/tickets", &token).await;
    assert!(refused.status().is_server_error(), "{}", refused.status());

    std::fs::write(&secret, format!("{ACCESS_KEY_SECRET}\n")).unwrap();

    let started = Instant::now();
    loop {
        if gateway.get("/tickets", &token).await.status() == 200 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the rotated secret was not picked up"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let lines = crate::logs::lines();
    assert!(
        lines
            .iter()
            .any(|l| l["message"] == "configuration files changed; reloading")
    );
    assert!(
        lines
            .iter()
            .any(|l| l["message"] == "configuration reloaded" && l["tenants"] == "watched")
    );
}
