//! Throughput of the sandbox over loopback, against a reference measured in the same run: a
//! bare actix-web route answering a static body of the same size (so the ratio says what the
//! sandbox's own work costs, whatever the machine's noise).
//!
//! Requests are signed before the clock starts (fresh nonces, v1 and V3 mixed), so the client
//! side costs only what any HTTP client pays. Run with
//! `cargo bench --bench sandbox` (release) or `cargo bench --profile dev --bench sandbox`;
//! `BENCH_SECS` (default 5), `BENCH_CONCURRENCY` (default 16) and `BENCH_WORKERS` (default 2)
//! tune it. Run any other way (`cargo test --all-targets`), it does a 0.2 s smoke run.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use secrecy::SecretString;
use time::OffsetDateTime;
use workorder_api::request::{CallSpec, SignedRequest, sign_call};
use workorder_api::{Credentials, SignatureVersion};
use workorder_sandbox::{self as sandbox, SandboxConfig};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Prepared {
    url: String,
    requests: Vec<SignedRequest>,
}

/// Sends `prepared` requests from `concurrency` tasks until `duration` passes; returns
/// (completed requests, non-200 answers, sorted latencies).
async fn blast(
    client: &reqwest::Client,
    prepared: Arc<Prepared>,
    concurrency: usize,
    duration: Duration,
) -> (usize, usize, Vec<Duration>) {
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + duration;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, prepared, next) = (client.clone(), prepared.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let (mut done, mut failed, mut latencies) = (0, 0, Vec::new());
            while Instant::now() < deadline {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(signed) = prepared.requests.get(i) else {
                    break;
                };
                let mut request = client
                    .post(format!("{}/?{}", prepared.url, signed.query))
                    .body(signed.body.clone());
                for (name, value) in &signed.headers {
                    if *name != "host" {
                        request = request.header(*name, value);
                    }
                }
                let started = Instant::now();
                let response = request.send().await.expect("answer");
                let ok = response.status().as_u16() == 200;
                response.bytes().await.expect("body");
                latencies.push(started.elapsed());
                done += 1;
                if !ok {
                    failed += 1;
                }
            }
            (done, failed, latencies)
        }));
    }
    let (mut done, mut failed, mut latencies) = (0, 0, Vec::new());
    for task in tasks {
        let (d, f, l) = task.await.unwrap();
        done += d;
        failed += f;
        latencies.extend(l);
    }
    latencies.sort();
    (done, failed, latencies)
}

/// CPU time used so far by every actix-web worker thread of this process (Linux; `None`
/// elsewhere). Read from `/proc/self/task/*/stat` in clock ticks, assumed 100 per second.
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

/// Runs `blast` and adds the server-side CPU time per request to its result.
async fn measured(
    client: &reqwest::Client,
    prepared: Arc<Prepared>,
    concurrency: usize,
    duration: Duration,
) -> ((usize, usize, Vec<Duration>), Option<Duration>) {
    let before = server_cpu();
    let run = blast(client, prepared, concurrency, duration).await;
    let per_request = match (before, server_cpu()) {
        (Some(before), Some(after)) if run.0 > 0 => Some((after - before) / run.0 as u32),
        _ => None,
    };
    (run, per_request)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p) as usize]
}

fn report(
    label: &str,
    secs: f64,
    ((done, failed, latencies), cpu): &((usize, usize, Vec<Duration>), Option<Duration>),
) -> f64 {
    let rate = *done as f64 / secs;
    let cpu = cpu.map_or_else(
        || "n/a".to_owned(),
        |cpu| format!("{:.0} µs", cpu.as_secs_f64() * 1e6),
    );
    println!(
        "{label:<28} {rate:>7.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  server CPU/request {cpu:>7}  ({done} requests, {failed} non-200)",
        percentile(latencies, 0.50).as_secs_f64() * 1e3,
        percentile(latencies, 0.99).as_secs_f64() * 1e3,
    );
    rate
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; anything else (`cargo test --all-targets`) gets a short
    // smoke run that only proves the benchmark still works.
    let smoke = !std::env::args().any(|arg| arg == "--bench");
    let millis = if smoke {
        200
    } else {
        env_or("BENCH_SECS", 5) * 1000
    };
    let secs = millis as f64 / 1000.0;
    let concurrency = env_or("BENCH_CONCURRENCY", 16) as usize;
    let duration = Duration::from_millis(millis);
    let workers = env_or("BENCH_WORKERS", 2) as usize;

    let handle = sandbox::spawn(
        "127.0.0.1:0".parse().unwrap(),
        SandboxConfig {
            engineer_delay: Duration::ZERO,
            workers,
            ..SandboxConfig::default()
        },
    )
    .await
    .expect("sandbox starts");
    let url = handle.url();
    let host = handle.addr().to_string();
    let credentials =
        Credentials::new("LTAIsandboxDEMO", SecretString::from("sandbox-demo-secret"));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();

    // A realistic account: 50 tickets to list.
    let sign = |action: &str, params: &[(&'static str, String)], version, n: usize| {
        sign_call(
            version,
            &credentials,
            &CallSpec {
                action,
                params,
                host: &host,
                timestamp: OffsetDateTime::now_utc(),
                nonce: &format!("bench-{action}-{n}-{}", uuid::Uuid::new_v4().simple()),
            },
        )
    };
    let create: Vec<(&'static str, String)> = vec![
        ("ProductCode", "ecs".to_owned()),
        ("Category", "793".to_owned()),
        ("Content", "benchmark ticket".to_owned()),
        ("Email", "demo@example.com".to_owned()),
    ];
    let seed = Arc::new(Prepared {
        url: url.clone(),
        requests: (0..50)
            .map(|n| sign("CreateTicket", &create, SignatureVersion::V1, n))
            .collect(),
    });
    let (created, failed, _) = blast(&client, seed, 4, Duration::from_secs(30)).await;
    assert_eq!((created, failed), (50, 0), "seeding tickets");

    // Enough pre-signed calls for each run at a generous rate (debug builds are far slower).
    let per_second = if cfg!(debug_assertions) {
        4_000
    } else {
        40_000
    };
    let count = (secs * per_second as f64) as usize;
    let list_tickets: Vec<(&'static str, String)> = vec![("PageSize", "20".to_owned())];
    let categories: Vec<(&'static str, String)> = vec![("ProductCode", "ecs".to_owned())];
    let workloads: Vec<(&str, Arc<Prepared>)> = [
        (
            "ListProducts v1",
            "ListProducts",
            &[][..],
            SignatureVersion::V1,
        ),
        (
            "ListTickets v1 (20 of 50)",
            "ListTickets",
            &list_tickets[..],
            SignatureVersion::V1,
        ),
        (
            "ListCategories V3",
            "ListCategories",
            &categories[..],
            SignatureVersion::V3,
        ),
    ]
    .into_iter()
    .map(|(label, action, params, version)| {
        let requests = (0..count)
            .map(|n| sign(action, params, version, n))
            .collect();
        (
            label,
            Arc::new(Prepared {
                url: url.clone(),
                requests,
            }),
        )
    })
    .collect();

    // The reference: bare actix-web, same workers, a static body of ListProducts' size.
    let body = web::Bytes::from(vec![b'x'; 3400]);
    let reference = HttpServer::new(move || {
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
    let reference_url = format!("http://{}", reference.addrs()[0]);
    let reference = reference.run();
    let reference_handle = reference.handle();
    tokio::spawn(reference);
    let reference_prepared = Arc::new(Prepared {
        url: reference_url,
        requests: workloads[0].1.requests.clone(),
    });

    println!(
        "sandbox benchmark: {secs} s per run, {concurrency} concurrent requests, {workers} server workers"
    );
    // Warm up, then measure the reference and each workload.
    blast(
        &client,
        reference_prepared.clone(),
        concurrency,
        Duration::from_millis(500),
    )
    .await;
    let reference_run = measured(&client, reference_prepared, concurrency, duration).await;
    let reference_rate = report("bare actix-web (reference)", secs, &reference_run);
    for (label, prepared) in workloads {
        let run = measured(&client, prepared, concurrency, duration).await;
        let rate = report(label, secs, &run);
        assert_eq!(run.0.1, 0, "every sandbox call succeeded");
        println!(
            "{:<28} {:>9.2} x reference",
            "",
            rate / reference_rate.max(1.0)
        );
    }
    reference_handle.stop(true).await;
    handle.stop().await;
}
