//! One rate check (`StateStore::rate_check`, what every authenticated request pays per limit)
//! in process, memory backend vs Redis backend on a `redis-server` on loopback, measured in
//! the same run: the latency of one check at a time (a Redis round trip each) and the rate of
//! 16 concurrent checkers sharing the connection. Isolates the store from HTTP, which
//! `benches/http_rate_limit.sh` measures end to end.
//!
//! `cargo bench --bench state_rate_check` (release; `BENCH_CALLS`, default 20 000 per round,
//! median of 5 rounds). Run any other way (`cargo test --all-targets`), it does a tiny smoke
//! run. Needs `redis-server` (skipped with a note without it).

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

#[path = "../tests/integration/state/redis_server.rs"]
mod redis_server;

use std::time::{Duration, Instant};

use secrecy::SecretString;
use workorder_gateway::state::{RedisOptions, StateStore};

const CONCURRENCY: usize = 16;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

/// `calls` checks one after the other on distinct users (so none is limited): sorted latencies.
async fn sequential(store: &StateStore, calls: usize) -> Vec<Duration> {
    let mut latencies = Vec::with_capacity(calls);
    for i in 0..calls {
        let bucket = format!("rl:user:{}", i % 1_000);
        let started = Instant::now();
        store
            .rate_check("bench", &bucket, 1_000_000, 1_000_000, now_ms())
            .await
            .unwrap();
        latencies.push(started.elapsed());
    }
    latencies.sort();
    latencies
}

/// `calls` checks from [`CONCURRENCY`] tasks: checks per second.
async fn concurrent(store: &StateStore, calls: usize) -> f64 {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..CONCURRENCY {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..calls / CONCURRENCY {
                let bucket = format!("rl:user:{t}-{}", i % 100);
                store
                    .rate_check("bench", &bucket, 1_000_000, 1_000_000, now_ms())
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    calls as f64 / started.elapsed().as_secs_f64()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p) as usize]
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let smoke = !std::env::args().any(|arg| arg == "--bench");
    let (calls, rounds) = if smoke {
        (200, 1)
    } else {
        (env_or("BENCH_CALLS", 20_000), 5)
    };
    let Some(redis) = redis_server::RedisServer::start() else {
        return;
    };
    let metrics = workorder_gateway::telemetry::Metrics::new();
    let memory = StateStore::memory(100_000, workorder_gateway::clock::Clock::system(), &metrics);
    let shared = StateStore::redis(
        RedisOptions {
            url: SecretString::from(redis.url()),
            key_prefix: "bench:".into(),
            connect_timeout: Duration::from_secs(1),
            command_timeout: Duration::from_secs(1),
        },
        &metrics,
    )
    .unwrap();
    shared.ping().await.unwrap();

    println!(
        "rate_check, {calls} calls per round, median of {rounds} interleaved rounds, {} cores",
        std::thread::available_parallelism().map_or(1, usize::from)
    );
    let mut rows = Vec::new();
    for (name, store) in [("memory", &memory), ("redis", &shared)] {
        rows.push((name, store, Vec::new(), Vec::new(), Vec::new()));
    }
    for _ in 0..rounds {
        for (_, store, p50, p99, rate) in &mut rows {
            let sorted = sequential(store, calls).await;
            p50.push(percentile(&sorted, 0.50).as_secs_f64() * 1e6);
            p99.push(percentile(&sorted, 0.99).as_secs_f64() * 1e6);
            rate.push(concurrent(store, calls).await);
        }
    }
    let mut medians = Vec::new();
    for (name, _, p50, p99, rate) in rows {
        let (p50, p99, rate) = (median(p50), median(p99), median(rate));
        println!(
            "{name:<8} one at a time: p50 {p50:8.1} us  p99 {p99:8.1} us   {CONCURRENCY} concurrent: {rate:10.0} checks/s"
        );
        medians.push((p50, p99, rate));
    }
    let ((m50, m99, mrate), (r50, r99, rrate)) = (medians[0], medians[1]);
    println!(
        "redis adds p50 {:+.1} us, p99 {:+.1} us per check; concurrent rate redis / memory {:.3}",
        r50 - m50,
        r99 - m99,
        rrate / mrate
    );
}
