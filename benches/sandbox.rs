//! Throughput of the sandbox over loopback, against a reference measured in the same run: a
//! bare actix-web route answering a static body of the same size (so the ratio says what the
//! sandbox's own work costs, whatever the machine's noise).
//!
//! Run: `cargo bench --bench sandbox` (criterion, release profile). `BENCH_CONCURRENCY`
//! (default 16) and `BENCH_WORKERS` (default 2) tune it. Each criterion iteration is one
//! request among `BENCH_CONCURRENCY` in flight, so its time is the inverse of the throughput
//! (criterion prints both); a sample sends its requests from that many tasks and is timed from
//! the first send to the last answer (`iter_custom`): a throughput over HTTP has no honest
//! per-call timing. Requests are signed before the clock starts (fresh nonces, v1 and V3
//! mixed), so the client side costs only what any HTTP client pays. After each target, one
//! line gives the server's CPU time per request over every request criterion sent it (warm-up
//! included; read from `/proc`, so Linux only): when the client saturates first, that is the
//! number to compare.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use secrecy::SecretString;
use time::OffsetDateTime;
use workorder_api::request::{CallSpec, SignedRequest, sign_call};
use workorder_api::{Credentials, SignatureVersion};
use workorder_sandbox::{self as sandbox, SandboxConfig};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Sends every request in `requests` to `url` from `concurrency` tasks; returns how many were
/// answered with another status than 200.
async fn blast(
    client: &reqwest::Client,
    url: &str,
    requests: Arc<Vec<SignedRequest>>,
    concurrency: usize,
) -> usize {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url, requests, next) = (
            client.clone(),
            url.to_owned(),
            requests.clone(),
            next.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut failed = 0;
            while let Some(signed) = requests.get(next.fetch_add(1, Ordering::Relaxed)) {
                let mut request = client
                    .post(format!("{url}/?{}", signed.query))
                    .body(signed.body.clone());
                for (name, value) in &signed.headers {
                    if *name != "host" {
                        request = request.header(*name, value);
                    }
                }
                let response = request.send().await.expect("answer");
                if response.status().as_u16() != 200 {
                    failed += 1;
                }
                response.bytes().await.expect("body");
            }
            failed
        }));
    }
    let mut failed = 0;
    for task in tasks {
        failed += task.await.unwrap();
    }
    failed
}

/// CPU time used so far by every actix-web worker thread of this process (Linux; `None`
/// elsewhere). Read from `/proc/self/task/*/stat` in clock ticks, assumed 100 per second. Only
/// one server is under load at a time, so the difference is that server's.
fn server_cpu() -> Option<Duration> {
    let mut ticks = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let path = task.ok()?.path();
        let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        if !comm.starts_with("actix-server wo") {
            continue;
        }
        let stat = std::fs::read_to_string(path.join("stat")).unwrap_or_default();
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        // After the command name: state is field 3, utime 14 and stime 15 (1-based).
        let utime: u64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0);
        let stime: u64 = fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
        ticks += utime + stime;
    }
    Some(Duration::from_millis(ticks * 10))
}

/// One workload: an action signed one way, sent to one server.
struct Workload {
    label: &'static str,
    action: &'static str,
    params: Vec<(&'static str, String)>,
    version: SignatureVersion,
    url: String,
}

fn bench(c: &mut Criterion) {
    let concurrency = env_or("BENCH_CONCURRENCY", 16);
    let workers = env_or("BENCH_WORKERS", 2);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let handle = runtime
        .block_on(sandbox::spawn(
            "127.0.0.1:0".parse().unwrap(),
            SandboxConfig {
                engineer_delay: Duration::ZERO,
                workers,
                ..SandboxConfig::default()
            },
        ))
        .expect("sandbox starts");
    let url = handle.url();
    let host = handle.addr().to_string();
    let credentials =
        Credentials::new("LTAIsandboxDEMO", SecretString::from("sandbox-demo-secret"));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    let sign = |action: &str, params: &[(&'static str, String)], version| {
        sign_call(
            version,
            &credentials,
            &CallSpec {
                action,
                params,
                host: &host,
                timestamp: OffsetDateTime::now_utc(),
                nonce: &uuid::Uuid::new_v4().simple().to_string(),
            },
        )
    };

    // A realistic account: 50 tickets to list.
    let create: Vec<(&'static str, String)> = vec![
        ("ProductCode", "ecs".to_owned()),
        ("Category", "793".to_owned()),
        ("Content", "benchmark ticket".to_owned()),
        ("Email", "demo@example.com".to_owned()),
    ];
    let seed = (0..50)
        .map(|_| sign("CreateTicket", &create, SignatureVersion::V1))
        .collect();
    let failed = runtime.block_on(blast(&client, &url, Arc::new(seed), 4));
    assert_eq!(failed, 0, "seeding tickets");

    // The reference: bare actix-web, same workers, a static body of ListProducts' size.
    let body = web::Bytes::from(vec![b'x'; 3400]);
    let reference = runtime.block_on(async {
        let server = HttpServer::new(move || {
            let body = body.clone();
            App::new().route(
                "/",
                web::post().to(move || {
                    let body = body.clone();
                    async move {
                        HttpResponse::Ok()
                            .content_type("application/json")
                            .body(body)
                    }
                }),
            )
        })
        .workers(workers)
        .disable_signals()
        .bind("127.0.0.1:0")
        .unwrap();
        let url = format!("http://{}", server.addrs()[0]);
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        (url, handle)
    });

    let workloads = [
        Workload {
            label: "bare actix-web (reference)",
            action: "ListProducts",
            params: Vec::new(),
            version: SignatureVersion::V1,
            url: reference.0.clone(),
        },
        Workload {
            label: "ListProducts v1",
            action: "ListProducts",
            params: Vec::new(),
            version: SignatureVersion::V1,
            url: url.clone(),
        },
        Workload {
            label: "ListTickets v1 (20 of 50)",
            action: "ListTickets",
            params: vec![("PageSize", "20".to_owned())],
            version: SignatureVersion::V1,
            url: url.clone(),
        },
        Workload {
            label: "ListCategories V3",
            action: "ListCategories",
            params: vec![("ProductCode", "ecs".to_owned())],
            version: SignatureVersion::V3,
            url: url.clone(),
        },
    ];

    let mut group = c.benchmark_group(format!(
        "sandbox over loopback, {concurrency} in flight, {workers} server workers"
    ));
    group
        .throughput(Throughput::Elements(1))
        .sampling_mode(SamplingMode::Flat)
        .sample_size(20);
    for workload in &workloads {
        let (mut requests, mut cpu) = (0u64, Duration::ZERO);
        group.bench_function(workload.label, |b| {
            b.iter_custom(|iters| {
                let signed: Vec<SignedRequest> = (0..iters)
                    .map(|_| sign(workload.action, &workload.params, workload.version))
                    .collect();
                let signed = Arc::new(signed);
                let before = server_cpu();
                let started = Instant::now();
                let failed = runtime.block_on(blast(&client, &workload.url, signed, concurrency));
                let elapsed = started.elapsed();
                assert_eq!(failed, 0, "{}: every call answered 200", workload.label);
                if let (Some(before), Some(after)) = (before, server_cpu()) {
                    cpu += after - before;
                }
                requests += iters;
                elapsed
            })
        });
        // A few requests (a `cargo test` run sends one) are below the clock tick's resolution.
        if requests >= 1_000 {
            println!(
                "{:<28} server CPU/request {:>5.1} µs over {requests} requests",
                workload.label,
                cpu.as_secs_f64() * 1e6 / requests as f64
            );
        }
    }
    group.finish();
    runtime.block_on(async {
        reference.1.stop(true).await;
        handle.stop().await;
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
