//! A Redis password comes from `state.redis_url_env` (or a file), reaches Redis, and never
//! shows: not in the store's debug form, not in its errors.

// `figment::Jail` closures return `figment::Error`, which is large; that is its API, not ours.
#![allow(clippy::result_large_err)]

use figment::Jail;
use workorder_gateway::clock::Clock;
use workorder_gateway::settings::Settings;
use workorder_gateway::state::{StateStatus, from_settings};

use crate::redis_server::RedisServer;
use crate::{FINGERPRINT_SECRET, SERIAL};

const PASSWORD: &str = "pw-in-env-3f9a1c";

fn config(jail: &Jail) -> String {
    format!(
        "[auth]\nhs256_secret_env = \"JWT\"\n[state]\nbackend = \"redis\"\nredis_url_env = \"TEST_REDIS_URL\"\nfingerprint_secret_file = \"{}\"\n",
        jail.directory().join("fingerprint.key").display()
    )
}

#[test]
fn a_password_in_redis_url_env_reaches_redis_and_never_shows() {
    let _serial = SERIAL.blocking_lock();
    let Some(redis) = RedisServer::start_with_password(PASSWORD) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    Jail::expect_with(|jail| {
        jail.create_file("fingerprint.key", &format!("{FINGERPRINT_SECRET}\n"))?;
        jail.set_env("TEST_REDIS_URL", redis.url());
        let settings = Settings::from_toml_str(&config(jail)).expect("parses");
        runtime.block_on(async {
            let (store, _fingerprinter) =
                from_settings(&settings.state, &Clock::system()).expect("builds");
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
        });

        jail.set_env(
            "TEST_REDIS_URL",
            redis.url().replace(PASSWORD, "wrong-pw-77d2e0"),
        );
        let settings = Settings::from_toml_str(&config(jail)).expect("parses");
        runtime.block_on(async {
            let (store, _fingerprinter) =
                from_settings(&settings.state, &Clock::system()).expect("builds anyway");
            let error = store.ping().await.expect_err("refused by Redis");
            assert!(!error.to_string().contains("wrong-pw-77d2e0"), "{error}");
            assert!(!format!("{store:?}").contains("wrong-pw-77d2e0"));
            assert_eq!(store.status(), StateStatus::Down);
            let error = store.get("t", "k").await.expect_err("down");
            assert!(!error.to_string().contains("wrong-pw-77d2e0"), "{error}");
        });
        Ok(())
    });
}
