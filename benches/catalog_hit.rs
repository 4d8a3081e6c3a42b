//! Catalog hit latency and throughput.
//!
//! Run: `cargo bench --bench catalog_hit` (release profile), or `cargo bench --profile dev
//! --bench catalog_hit` for a quick unoptimized run. Prints nanoseconds per hit and hits per
//! second for `products`, `product` and `check_category`, next to a reference measured in the
//! same run: re-serializing and hashing the same products body per request (what serving from a
//! cache of parsed values would cost on every hit). Machines here are noisy: compare the ratio.
#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

use std::future::Future;
use std::hint::black_box;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wiremock::matchers::query_param;
use wiremock::{Mock, MockServer, ResponseTemplate};
use workorder_api::{Credentials, Language, SignatureVersion};
use workorder_gateway::catalog::{Catalog, CatalogSettings, CategoryCheck};
use workorder_gateway::settings::ApiVersion::V2020;
use workorder_gateway::upstream::{ClientSettings, Endpoint, Target, UpstreamClient};

const ROUNDS: usize = 7;
const HITS_PER_ROUND: u32 = 20_000;
/// The reference is ~1000x slower; fewer calls keep the run short.
const REFERENCE_PER_ROUND: u32 = 200;
const TASKS: u32 = 2;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(TASKS as usize)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

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

async fn run() {
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
    let warm = catalog
        .products(&target, V2020, Language::Zh)
        .await
        .unwrap();
    catalog
        .check_category(&target, V2020, Language::Zh, "product42", 710)
        .await
        .unwrap();
    println!(
        "products body: {} bytes; median of {ROUNDS} rounds of {HITS_PER_ROUND} hits",
        warm.body.len()
    );

    let c = &catalog;
    let t = &target;
    let products = per_op(HITS_PER_ROUND, || async {
        c.products(t, V2020, Language::Zh).await.unwrap()
    })
    .await;
    let product = per_op(HITS_PER_ROUND, || async {
        c.product(t, V2020, Language::Zh, "product42")
            .await
            .unwrap()
            .unwrap()
    })
    .await;
    let check = per_op(HITS_PER_ROUND, || async {
        let check = c
            .check_category(t, V2020, Language::Zh, "product42", 710)
            .await
            .unwrap()
            .check;
        assert_eq!(check, CategoryCheck::Valid);
    })
    .await;
    let parsed: Value = serde_json::from_slice(&warm.body).unwrap();
    let reference = per_op(REFERENCE_PER_ROUND, || async {
        let body = serde_json::to_vec(&parsed).unwrap();
        hex::encode(&Sha256::digest(&body)[..16])
    })
    .await;
    let parallel = parallel_hits_per_second(&catalog, &target).await;

    report("products() hit", products);
    report("product(code) hit", product);
    report("check_category() hit", check);
    report("reference: serialize + hash per request", reference);
    println!(
        "products() hit is {:.0}x faster than the reference",
        reference.as_secs_f64() / products.as_secs_f64()
    );
    println!("products() hits on {TASKS} tasks in parallel: {parallel:.0} per second");
}

/// Median time per call of `op` over [`ROUNDS`] rounds of `calls` calls.
async fn per_op<F, Fut>(calls: u32, mut op: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future,
{
    let mut rounds = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let started = Instant::now();
        for _ in 0..calls {
            black_box(op().await);
        }
        rounds.push(started.elapsed() / calls);
    }
    rounds.sort();
    rounds[ROUNDS / 2]
}

async fn parallel_hits_per_second(catalog: &Catalog, target: &Target) -> f64 {
    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (catalog, target) = (catalog.clone(), target.clone());
            tokio::spawn(async move {
                for _ in 0..HITS_PER_ROUND * ROUNDS as u32 {
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
    f64::from(TASKS * HITS_PER_ROUND * ROUNDS as u32) / started.elapsed().as_secs_f64()
}

fn report(name: &str, per_op: Duration) {
    println!(
        "{name:<42} {:>9} ns/op  {:>12.0} ops/s",
        per_op.as_nanos(),
        1.0 / per_op.as_secs_f64()
    );
}
