//! The shared state on a real `redis-server` (started per test, see `redis_server.rs`): the
//! three primitives, the idempotency records on both backends, secrets in the Redis URL, and
//! two gateways sharing one Redis over real HTTP — rate limits across replicas, Redis stopped
//! and restarted mid-run.
//!
//! Every gateway and store counts in metrics of its own, so nothing here is process-global;
//! still, every test takes [`serial`] first: their timings (a burst refilled within 100 ms,
//! command timeouts of 250 ms, Redis stopped and restarted) hold on a loaded machine only
//! while these tests, each with its own `redis-server`, do not compete with each other.

mod redis_server;

mod events;
mod exactly_once;
mod outage;
mod primitives;
mod replicas;
mod secrets;
mod visibility;
mod writes;

use std::time::{Duration, Instant};

use secrecy::SecretString;
use workorder_gateway::state::{RedisOptions, StateStatus, StateStore};
use workorder_gateway::telemetry::Metrics;

use redis_server::RedisServer;

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Holds the state tests' one lock for the rest of the test.
async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    SERIAL.lock().await
}

/// A 40-byte fingerprint key, as every replica of a test deployment shares it.
const FINGERPRINT_SECRET: &str = "state-tests-fingerprint-key-0123456789ab";

/// Options for the server's URL with `prefix` and a short command timeout.
fn options(url: &str, prefix: &str, command_timeout: Duration) -> RedisOptions {
    RedisOptions {
        url: SecretString::from(url.to_owned()),
        key_prefix: prefix.to_owned(),
        connect_timeout: Duration::from_millis(500),
        command_timeout,
    }
}

/// A Redis store on `redis`, up (its first `PING` answered) before it is returned.
async fn redis_store(redis: &RedisServer, prefix: &str) -> StateStore {
    let store = StateStore::redis(
        options(&redis.url(), prefix, Duration::from_millis(250)),
        &Metrics::new(),
    )
    .unwrap();
    store.ping().await.expect("the test server answers");
    assert_eq!(store.status(), StateStatus::Up);
    store
}

/// Polls `condition` every 20 ms for at most `within`; whether it became true.
async fn eventually<F, Fut>(within: Duration, mut condition: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    loop {
        if condition().await {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
