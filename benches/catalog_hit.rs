//! Catalog hit latency and throughput, in process.
//!
//! Run: `cargo bench --bench catalog_hit` (criterion, release profile; prints the time per hit
//! with its spread, and hits per second). `products()`, `product(code)` and `check_category()`
//! hits are measured beside a reference in the same run: re-serializing and hashing the same
//! products body per request (what serving from a cache of parsed values would cost on every
//! hit). Machines here are noisy: compare the ratio. The last line is `products()` hits from
//! two tasks at once on a two-thread runtime (two hits an iteration), to show they do not
//! serialize on a lock.
//!
//! Each sample runs its hits inside one `block_on`, timed around the loop (`iter_custom`): a
//! hit is well under a microsecond, and entering the runtime once per hit would be measured
//! with it.
#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

use std::future::Future;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use secrecy::SecretString;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::runtime::Runtime;
use wiremock::matchers::query_param;
use wiremock::{Mock, MockServer, ResponseTemplate};
use workorder_api::{Credentials, Language, SignatureVersion};
use workorder_gateway::catalog::{Catalog, CatalogSettings, CategoryCheck};
use workorder_gateway::settings::ApiVersion::V2020;
use workorder_gateway::upstream::{ClientSettings, Endpoint, Target, UpstreamClient};

/// Tasks (and runtime threads) of the parallel measurement.
const TASKS: u64 = 2;

/// A catalog of 100 products in 10 groups, 10 of them hot, like the real one's size.
fn products_data() -> Value {
    let product = |i: usize| {
        json!({ "ProductCode": format!("product{i}"), "Name": format!("产品 {i}"),
                "Description": "服务器无法远程、网站无法访问、安全等服务器咨询或技术问题" })
    };
    let groups: Vec<Value> = (0..10)
        .map(|g| {
            json!({ "GroupName": format!("产品组 {g}"),
                         "ProductList": (0..10).map(|i| product(g * 10 + i)).collect::<Vec<_>>() })
        })
        .collect();
    json!({ "HotTech": (0..10).map(product).collect::<Vec<_>>(), "TechMore": groups,
            "HotConsultation": [], "ConsultationMore": [] })
}

/// A mock upstream answering the two catalog actions, and a warm catalog in front of it.
async fn warm_catalog() -> (MockServer, Catalog, Target) {
    let mock = MockServer::start().await;
    let answer = |data: Value| {
        ResponseTemplate::new(200).set_body_json(
            json!({ "RequestId": "RID", "Success": true, "Code": 200, "Data": data }),
        )
    };
    Mock::given(query_param("Action", "ListProducts"))
        .respond_with(answer(products_data()))
        .mount(&mock)
        .await;
    Mock::given(query_param("Action", "ListCategories"))
        .respond_with(answer(json!({ "List": (0..20).map(|i| json!({ "Id": 700 + i, "Name": format!("类别 {i}") })).collect::<Vec<_>>() })))
        .mount(&mock)
        .await;
    let target = Target {
        tenant: "bench-tenant".to_owned(),
        endpoint: Endpoint::parse(&mock.uri()).unwrap(),
        credentials: Credentials::new("id", SecretString::from("secret")).into(),
        signature: SignatureVersion::V1,
    };
    let catalog = Catalog::new(
        UpstreamClient::new(ClientSettings::default()).unwrap(),
        CatalogSettings::default(),
        workorder_gateway::clock::Clock::system(),
        &workorder_gateway::telemetry::Metrics::new(),
    );
    catalog
        .products(&target, V2020, Language::Zh)
        .await
        .unwrap();
    catalog
        .check_category(&target, V2020, Language::Zh, "product42", 710)
        .await
        .unwrap();
    (mock, catalog, target)
}

/// The time `iters` calls of `op`, one after the other, take on `runtime`.
fn timed<F, Fut>(runtime: &Runtime, iters: u64, mut op: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future,
{
    runtime.block_on(async {
        let started = Instant::now();
        for _ in 0..iters {
            black_box(op().await);
        }
        started.elapsed()
    })
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(TASKS as usize)
        .enable_all()
        .build()
        .unwrap();
    let (_mock, catalog, target) = runtime.block_on(warm_catalog());
    let body = runtime
        .block_on(catalog.products(&target, V2020, Language::Zh))
        .unwrap()
        .body;
    let parsed: Value = serde_json::from_slice(&body).unwrap();
    let (cat, t) = (&catalog, &target);

    let mut group = c.benchmark_group(format!("catalog hit ({} byte products body)", body.len()));
    group.throughput(Throughput::Elements(1));
    group.bench_function("products()", |b| {
        b.iter_custom(|iters| {
            timed(&runtime, iters, || async {
                cat.products(t, V2020, Language::Zh).await.unwrap()
            })
        })
    });
    group.bench_function("product(code)", |b| {
        b.iter_custom(|iters| {
            timed(&runtime, iters, || async {
                cat.product(t, V2020, Language::Zh, "product42")
                    .await
                    .unwrap()
                    .unwrap()
            })
        })
    });
    group.bench_function("check_category()", |b| {
        b.iter_custom(|iters| {
            timed(&runtime, iters, || async {
                let check = cat
                    .check_category(t, V2020, Language::Zh, "product42", 710)
                    .await
                    .unwrap()
                    .check;
                assert_eq!(check, CategoryCheck::Valid);
            })
        })
    });
    group.bench_function("reference: serialize + hash per request", |b| {
        b.iter(|| {
            let body = serde_json::to_vec(black_box(&parsed)).unwrap();
            hex::encode(&Sha256::digest(&body)[..16])
        })
    });
    group.throughput(Throughput::Elements(TASKS));
    group.bench_function(format!("products() on {TASKS} tasks at once"), |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let started = Instant::now();
                let tasks: Vec<_> = (0..TASKS)
                    .map(|_| {
                        let (catalog, target) = (catalog.clone(), target.clone());
                        tokio::spawn(async move {
                            for _ in 0..iters {
                                black_box(
                                    catalog
                                        .products(&target, V2020, Language::Zh)
                                        .await
                                        .unwrap(),
                                );
                            }
                        })
                    })
                    .collect();
                for task in tasks {
                    task.await.unwrap();
                }
                started.elapsed()
            })
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
