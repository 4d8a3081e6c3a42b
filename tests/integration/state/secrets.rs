//! A Redis password comes from a secret file (`state.redis_url_file`; the environment variable
//! is resolved by the same code, tested with the settings), reaches Redis, and never shows:
//! not in the store's debug form, not in its errors. Files, not environment variables:
//! the integration tests share one process.

use workorder_gateway::clock::Clock;
use workorder_gateway::settings::Settings;
use workorder_gateway::state::{StateStatus, from_settings};
use workorder_gateway::telemetry::Metrics;

use super::redis_server::RedisServer;
use super::{FINGERPRINT_SECRET, serial};

const PASSWORD: &str = "pw-in-file-3f9a1c";

/// A configuration whose Redis URL is read from a file holding `url`, in `dir`.
fn config(dir: &std::path::Path, url: &str) -> String {
    std::fs::write(
        dir.join("fingerprint.key"),
        format!("{FINGERPRINT_SECRET}\n"),
    )
    .unwrap();
    std::fs::write(dir.join("redis-url"), format!("{url}\n")).unwrap();
    format!(
        "[auth]\nhs256_secret_env = \"JWT\"\n[state]\nbackend = \"redis\"\nredis_url_file = \"{}\"\nfingerprint_secret_file = \"{}\"\n",
        dir.join("redis-url").display(),
        dir.join("fingerprint.key").display()
    )
}

#[tokio::test]
async fn a_password_in_redis_url_file_reaches_redis_and_never_shows() {
    let _serial = serial().await;
    let Some(redis) = RedisServer::start_with_password(PASSWORD) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings::from_toml_str(&config(dir.path(), &redis.url())).expect("parses");
    let (store, _fingerprinter) =
        from_settings(&settings.state, &Clock::system(), &Metrics::new()).expect("builds");
    store.ping().await.expect("authenticated with the password");
    assert!(
        store
            .compare_and_swap(
                "t",
                "k",
                None,
                Some("v"),
                std::time::Duration::from_secs(60)
            )
            .await
            .unwrap()
    );
    let shown = format!("{store:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert!(
        shown.contains(&format!("redis://:***@127.0.0.1:{}", redis.port())),
        "{shown}"
    );

    let wrong = redis.url().replace(PASSWORD, "wrong-pw-77d2e0");
    let settings = Settings::from_toml_str(&config(dir.path(), &wrong)).expect("parses");
    let (store, _fingerprinter) =
        from_settings(&settings.state, &Clock::system(), &Metrics::new()).expect("builds anyway");
    let error = store.ping().await.expect_err("refused by Redis");
    assert!(!error.to_string().contains("wrong-pw-77d2e0"), "{error}");
    assert!(!format!("{store:?}").contains("wrong-pw-77d2e0"));
    assert_eq!(store.status(), StateStatus::Down);
    let error = store.get("t", "k").await.expect_err("down");
    assert!(!error.to_string().contains("wrong-pw-77d2e0"), "{error}");
}
