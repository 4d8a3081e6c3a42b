//! One rate check (`StateStore::rate_check`, what every authenticated request pays per limit)
//! in process, memory backend vs Redis backend on a `redis-server` on loopback, measured in
//! the same run: the time of one check at a time (a Redis round trip each) and the rate of 16
//! concurrent checkers sharing the connection. Isolates the store from HTTP, which
//! `benches/http_rate_limit.sh` measures end to end.
//!
//! Run: `cargo bench --bench state_rate_check` (criterion, release profile). Needs
//! `redis-server`: the benchmark starts its own on a free loopback port (never 6379) and kills
//! it at the end; without the binary, only the memory backend is measured, after a note.
//! Everything runs on one Tokio thread, as one actix-web worker would; a sample runs its checks
//! inside one `block_on`, timed around the loop (`iter_custom`), since a memory check is about
//! a microsecond and entering the runtime per check would be measured with it.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

#[path = "../tests/integration/state/redis_server.rs"]
mod redis_server;

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use secrecy::SecretString;
use tokio::runtime::Runtime;
use workorder_gateway::state::{RedisOptions, StateStore};

const CONCURRENCY: u64 = 16;

fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

/// One check of a limit far above the load, so it is counted and never refuses.
async fn check(store: &StateStore, bucket: &str) {
    let decision = store
        .rate_check("bench", bucket, 1_000_000, 1_000_000, now_ms())
        .await
        .unwrap();
    std::hint::black_box(decision);
}

/// `iters` checks one after the other, on 1 000 distinct users.
fn sequential(runtime: &Runtime, store: &StateStore, iters: u64) -> Duration {
    let buckets: Vec<String> = (0..1_000).map(|i| format!("rl:user:{i}")).collect();
    runtime.block_on(async {
        let started = Instant::now();
        for i in 0..iters {
            check(store, &buckets[(i % 1_000) as usize]).await;
        }
        started.elapsed()
    })
}

/// `iters` checks from each of [`CONCURRENCY`] tasks at once.
fn concurrent(runtime: &Runtime, store: &StateStore, iters: u64) -> Duration {
    runtime.block_on(async {
        let started = Instant::now();
        let tasks: Vec<_> = (0..CONCURRENCY)
            .map(|t| {
                let store = store.clone();
                tokio::spawn(async move {
                    let buckets: Vec<String> =
                        (0..100).map(|i| format!("rl:user:{t}-{i}")).collect();
                    for i in 0..iters {
                        check(&store, &buckets[(i % 100) as usize]).await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        started.elapsed()
    })
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let metrics = workorder_gateway::telemetry::Metrics::new();
    let memory = StateStore::memory(100_000, workorder_gateway::clock::Clock::system(), &metrics);
    let redis = redis_server::RedisServer::start();
    let shared = redis.as_ref().map(|redis| {
        // The connection manager is spawned on the runtime it is made in.
        let _entered = runtime.enter();
        let store = StateStore::redis(
            RedisOptions {
                url: SecretString::from(redis.url()),
                key_prefix: "bench:".into(),
                connect_timeout: Duration::from_secs(1),
                command_timeout: Duration::from_secs(1),
            },
            &metrics,
        )
        .unwrap();
        runtime.block_on(store.ping()).unwrap();
        store
    });
    let stores: Vec<(&str, &StateStore)> = [("memory", Some(&memory)), ("redis", shared.as_ref())]
        .into_iter()
        .filter_map(|(name, store)| store.map(|s| (name, s)))
        .collect();

    let mut group = c.benchmark_group("rate_check one at a time");
    group.throughput(Throughput::Elements(1));
    for (name, store) in &stores {
        group.bench_function(*name, |b| {
            b.iter_custom(|iters| sequential(&runtime, store, iters))
        });
    }
    group.finish();

    let mut group = c.benchmark_group(format!("rate_check from {CONCURRENCY} tasks at once"));
    group.throughput(Throughput::Elements(CONCURRENCY));
    for (name, store) in &stores {
        group.bench_function(*name, |b| {
            b.iter_custom(|iters| concurrent(&runtime, store, iters))
        });
    }
    group.finish();
    // Dropped last: the store's connection goes before the server it talks to.
    drop(shared);
    drop(redis);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
