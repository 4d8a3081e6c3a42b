//! What the gateway adds to an uncached proxied call: `GET /tickets?pageSize=20` and
//! `GET /tickets/{id}` through the gateway, each against the same signed Workorder call made
//! straight to the sandbox behind it (`ListTickets` with `PageSize=20`, and with `Ids=id`: for
//! a 2020-03-26 tenant the gateway's read of one ticket is exactly that call). Issue 12's goal:
//! the gateway adds at most 0.1 ms at p50 and 0.5 ms at p99.
//!
//! With a bare proxy's URL (`examples/bare_proxy.rs` in front of the same sandbox), the same
//! direct calls are also sent through it: the floor any proxy pays here, which the gateway's
//! figure includes, and the gateway's time over that floor, its own work.
//!
//! One sequential client on keep-alive connections (one per server), the calls alternating
//! gateway, direct and (if any) bare proxy call by call (which goes first rotates every round),
//! so all see the same moment of a noisy machine. Each direct call is signed with a fresh nonce and timestamp
//! before its clock starts, as the gateway signs each of its calls. Each round also times one
//! `GET /_sandbox/health` (a trivial handler on the same loopback, in the same process): the
//! cost of a bare extra hop, which any proxy adds before doing any work. A warm-up round set opens
//! the connections and fills the gateway's token cache first. Any answer but 200 ends the run
//! with an error. Afterwards the sandbox's call counter must show one upstream call per gateway
//! request, or the comparison would not be like for like.
//!
//! `benches/http_proxied.sh` starts the gateway (demo configuration, embedded sandbox) and runs
//! this; by hand:
//!
//! `WOG_BENCH_TOKEN=$(workorder-gateway token --tenant demo --sub bench --roles tickets:read)
//! cargo run --release --example proxied_overhead -- GATEWAY_URL SANDBOX_URL [CALLS [BARE_PROXY_URL]]`
//!
//! The token must be the `demo` tenant's (AccessKey `LTAIsandboxDEMO`, v1 signatures, `zh`),
//! whose account the direct calls use. Tickets are seeded (straight to the sandbox) until its
//! list shows 20. Prints a table on stdout.

#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

use std::process::ExitCode;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use serde_json::Value;
use time::OffsetDateTime;
use workorder_api::actions::{Action, CreateTicket, ListTickets};
use workorder_api::request::{CallSpec, sign_call};
use workorder_api::{Credentials, Language, SignatureVersion};

/// The demo tenant's account, language and signature (config/default.toml).
const ACCESS_KEY_ID: &str = "LTAIsandboxDEMO";
const ACCESS_KEY_SECRET: &str = "sandbox-demo-secret";
const LANGUAGE: Language = Language::Zh;
const SIGNATURE: SignatureVersion = SignatureVersion::V1;
/// The page both list calls ask for.
const PAGE_SIZE: u32 = 20;
/// Untimed rounds before the measured ones.
const WARM_UP: usize = 50;
/// Issue 12's goals for what the gateway adds, p50 and p99.
const GOAL_P50: Duration = Duration::from_micros(100);
const GOAL_P99: Duration = Duration::from_micros(500);

type Failure = String;

/// Both sides of the comparison and the one keep-alive client they share (a connection per
/// server).
struct Bench {
    http: reqwest::Client,
    gateway: String,
    sandbox: String,
    /// The bare pass-through proxy in front of the sandbox (`examples/bare_proxy.rs`), if any.
    bare_proxy: Option<String>,
    sandbox_host: String,
    token: String,
    credentials: Credentials,
}

impl Bench {
    /// `GET {gateway}{path}` with the token; the time from send to the last body byte.
    async fn via_gateway(&self, path: &str) -> Result<(Duration, Vec<u8>), Failure> {
        let request = self
            .http
            .get(format!("{}{path}", self.gateway))
            .bearer_auth(&self.token);
        timed(request, &format!("gateway GET {path}")).await
    }

    /// `action` signed now with a fresh nonce, then sent straight to the sandbox; the time from
    /// send to the last body byte (signing excluded).
    async fn direct<A: Action>(&self, action: &A) -> Result<(Duration, Vec<u8>), Failure> {
        self.signed_to(&self.sandbox, action).await
    }

    /// `action` signed now with a fresh nonce (for the sandbox's host), sent to `base`: the
    /// sandbox, or the bare proxy in front of it.
    async fn signed_to<A: Action>(
        &self,
        base: &str,
        action: &A,
    ) -> Result<(Duration, Vec<u8>), Failure> {
        let params = action.params();
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        let signed = sign_call(
            SIGNATURE,
            &self.credentials,
            &CallSpec {
                action: A::NAME,
                params: &params,
                host: &self.sandbox_host,
                timestamp: OffsetDateTime::now_utc(),
                nonce: &nonce,
            },
        );
        let mut request = self
            .http
            .post(format!("{base}/?{}", signed.query))
            .body(signed.body);
        for (name, value) in &signed.headers {
            if *name != "host" {
                request = request.header(*name, value);
            }
        }
        timed(request, &format!("{base} {}", A::NAME)).await
    }

    /// Authenticated calls the sandbox has answered, by action.
    async fn sandbox_calls(&self, action: &str) -> Result<u64, Failure> {
        let url = format!("{}/_sandbox/calls", self.sandbox);
        let calls: Value = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| format!("GET {url}: {e}"))?
            .json()
            .await
            .map_err(|e| format!("GET {url}: {e}"))?;
        Ok(calls[action].as_u64().unwrap_or(0))
    }
}

/// Sends `request` and reads the whole answer, which must be a 200.
async fn timed(
    request: reqwest::RequestBuilder,
    what: &str,
) -> Result<(Duration, Vec<u8>), Failure> {
    let started = Instant::now();
    let response = request.send().await.map_err(|e| format!("{what}: {e}"))?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| format!("{what}: {e}"))?;
    let elapsed = started.elapsed();
    if status != reqwest::StatusCode::OK {
        return Err(format!(
            "{what}: HTTP {status}: {}",
            String::from_utf8_lossy(&body)
        ));
    }
    Ok((elapsed, body.to_vec()))
}

fn json(body: &[u8], what: &str) -> Result<Value, Failure> {
    serde_json::from_slice(body).map_err(|e| format!("{what}: not JSON: {e}"))
}

fn list_page() -> ListTickets {
    ListTickets {
        page_start: Some(1),
        page_size: Some(PAGE_SIZE),
        language: Some(LANGUAGE),
        ..ListTickets::default()
    }
}

/// The gateway's read of one ticket for a 2020-03-26 tenant, as `tickets::find_ticket` sends it.
fn read_one(id: &str) -> ListTickets {
    ListTickets {
        ids: vec![id.to_owned()],
        page_start: Some(1),
        page_size: Some(1),
        language: Some(LANGUAGE),
        ..ListTickets::default()
    }
}

/// Creates tickets straight in the sandbox until its list shows at least [`PAGE_SIZE`].
async fn seed(bench: &Bench) -> Result<(), Failure> {
    let total = |body: &[u8]| -> Result<u64, Failure> {
        Ok(json(body, "ListTickets")?["Data"]["Total"]
            .as_u64()
            .unwrap_or(0))
    };
    let (_, body) = bench.direct(&list_page()).await?;
    for _ in total(&body)?..u64::from(PAGE_SIZE) + 5 {
        bench
            .direct(&CreateTicket {
                product_code: "ecs".to_owned(),
                category_id: 793,
                content: "proxied overhead benchmark".to_owned(),
                email: "demo@example.com".to_owned(),
                title: None,
                phone: None,
                secret_content: None,
                notify_time_range: None,
                language: Some(LANGUAGE),
            })
            .await?;
    }
    // The sandbox's list index may lag its creates (`list_lag_ms`).
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, body) = bench.direct(&list_page()).await?;
        if total(&body)? >= u64::from(PAGE_SIZE) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err("the seeded tickets never showed in the sandbox's list".to_owned());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A call's time and body, or why it failed.
type Timed<'a> = std::pin::Pin<Box<dyn Future<Output = Result<(Duration, Vec<u8>), Failure>> + 'a>>;

/// Runs the gateway call, the direct call and (when there is one) the same direct call through
/// the bare proxy, one after the other, the order rotating with `round` (a future does nothing
/// until awaited); their times in that order.
async fn trio<'a>(
    round: usize,
    gateway: Timed<'a>,
    direct: Timed<'a>,
    proxied: Option<Timed<'a>>,
) -> Result<(Duration, Duration, Option<Duration>), Failure> {
    let has_proxy = proxied.is_some();
    let mut calls: Vec<(usize, Timed<'a>)> = vec![(0, gateway), (1, direct)];
    calls.extend(proxied.map(|p| (2, p)));
    let len = calls.len();
    calls.rotate_left(round % len);
    let mut times = [Duration::ZERO; 3];
    for (slot, call) in calls {
        times[slot] = call.await?.0;
    }
    Ok((times[0], times[1], has_proxy.then_some(times[2])))
}

/// Nearest-rank percentile of sorted samples.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The times of one kind of call.
#[derive(Default)]
struct Samples(Vec<Duration>);

impl Samples {
    fn p50_p99(&self) -> (Duration, Duration) {
        let mut sorted = self.0.clone();
        sorted.sort();
        (percentile(&sorted, 0.50), percentile(&sorted, 0.99))
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn signed_ms(gateway: Duration, direct: Duration) -> f64 {
    ms(gateway) - ms(direct)
}

/// Prints one pair's rows and whether the goals are met; true when both are.
fn report(label: &str, direct_label: &str, gateway: &Samples, direct: &Samples) -> bool {
    let (g50, g99) = gateway.p50_p99();
    let (d50, d99) = direct.p50_p99();
    let met = |added: f64, goal: Duration| {
        if added <= ms(goal) { "met" } else { "MISSED" }
    };
    let (a50, a99) = (signed_ms(g50, d50), signed_ms(g99, d99));
    println!("{label:<44} {:>9.3} {:>9.3}", ms(g50), ms(g99));
    println!("{direct_label:<44} {:>9.3} {:>9.3}", ms(d50), ms(d99));
    println!(
        "{:<44} {a50:>+9.3} {a99:>+9.3}   goal <= {:.1} / {:.1}: p50 {}, p99 {}",
        "  gateway adds",
        ms(GOAL_P50),
        ms(GOAL_P99),
        met(a50, GOAL_P50),
        met(a99, GOAL_P99)
    );
    a50 <= ms(GOAL_P50) && a99 <= ms(GOAL_P99)
}

/// Prints what the bare proxy adds to the same direct call (nothing when it was not measured):
/// the floor any proxy pays here, which the gateway's figure includes; and the gateway's time
/// over that floor, which is its own work.
fn floor(call: &str, proxied: &Samples, direct: &Samples, gateway: &Samples) {
    if proxied.0.is_empty() {
        return;
    }
    let (p50, p99) = proxied.p50_p99();
    let (d50, d99) = direct.p50_p99();
    println!(
        "{:<44} {:>9.3} {:>9.3}",
        format!("bare proxy {call}"),
        ms(p50),
        ms(p99)
    );
    println!(
        "{:<44} {:>+9.3} {:>+9.3}   (the floor: any proxy's hop, no work)",
        "  bare proxy adds",
        signed_ms(p50, d50),
        signed_ms(p99, d99)
    );
    let (g50, g99) = gateway.p50_p99();
    println!(
        "{:<44} {:>+9.3} {:>+9.3}   (the gateway's own work)",
        "  gateway adds over the bare proxy",
        signed_ms(g50, p50),
        signed_ms(g99, p99)
    );
}

async fn run(
    gateway: String,
    sandbox: String,
    bare_proxy: Option<String>,
    calls: usize,
    token: String,
) -> Result<(), Failure> {
    let sandbox_host = reqwest::Url::parse(&sandbox)
        .ok()
        .and_then(|url| {
            Some(format!(
                "{}:{}",
                url.host_str()?,
                url.port_or_known_default()?
            ))
        })
        .ok_or_else(|| format!("{sandbox} is not an http://host:port URL"))?;
    let bench = Bench {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()
            .map_err(|e| e.to_string())?,
        gateway,
        sandbox,
        bare_proxy,
        sandbox_host,
        token,
        credentials: Credentials::new(ACCESS_KEY_ID, SecretString::from(ACCESS_KEY_SECRET)),
    };
    eprintln!("seeding tickets straight to the sandbox ...");
    seed(&bench).await?;
    let list_path = format!("/tickets?pageSize={PAGE_SIZE}");
    let (_, page) = bench.via_gateway(&list_path).await?;
    let page = json(&page, "gateway list")?;
    let items = page["items"].as_array().map_or(0, Vec::len);
    if items != PAGE_SIZE as usize {
        return Err(format!(
            "the gateway's page has {items} tickets, not {PAGE_SIZE}: {page}"
        ));
    }
    let id = page["items"][0]["id"]
        .as_str()
        .ok_or("the gateway's page has no ticket id")?
        .to_owned();
    let read_path = format!("/tickets/{id}");
    let (_, direct_page) = bench.direct(&list_page()).await?;
    let direct_items = json(&direct_page, "direct list")?["Data"]["List"]
        .as_array()
        .map_or(0, Vec::len);
    if direct_items != PAGE_SIZE as usize {
        return Err(format!(
            "the direct page has {direct_items} tickets, not {PAGE_SIZE}"
        ));
    }

    let (mut list_gateway, mut list_direct) = (Samples::default(), Samples::default());
    let (mut read_gateway, mut read_direct) = (Samples::default(), Samples::default());
    let (mut list_proxied, mut read_proxied) = (Samples::default(), Samples::default());
    let read = read_one(&id);
    let list = list_page();
    let health = format!("{}/_sandbox/health", bench.sandbox);
    let mut hop = Samples::default();
    eprintln!("{WARM_UP} warm-up rounds, then {calls} measured rounds ...");
    let mut before = 0;
    for round in 0..WARM_UP + calls {
        if round == WARM_UP {
            before = bench.sandbox_calls("ListTickets").await?;
        }
        // Which call goes first rotates every round.
        let proxy = bench.bare_proxy.as_deref();
        let (g, d, p) = trio(
            round,
            Box::pin(bench.via_gateway(&list_path)),
            Box::pin(bench.direct(&list)),
            proxy.map(|proxy| Box::pin(bench.signed_to(proxy, &list)) as Timed<'_>),
        )
        .await?;
        let (rg, rd, rp) = trio(
            round,
            Box::pin(bench.via_gateway(&read_path)),
            Box::pin(bench.direct(&read)),
            proxy.map(|proxy| Box::pin(bench.signed_to(proxy, &read)) as Timed<'_>),
        )
        .await?;
        // A bare hop for scale: the sandbox's health route, a trivial handler on the same
        // loopback and in the same process, costs what any extra hop in front of it costs.
        let (h, _) = timed(bench.http.get(&health), "GET /_sandbox/health").await?;
        if round >= WARM_UP {
            hop.0.push(h);
            list_gateway.0.push(g);
            list_direct.0.push(d);
            read_gateway.0.push(rg);
            read_direct.0.push(rd);
            list_proxied.0.extend(p);
            read_proxied.0.extend(rp);
        }
    }
    let upstream = bench.sandbox_calls("ListTickets").await? - before;
    let per_round = if bench.bare_proxy.is_some() { 6 } else { 4 };
    let expected = per_round * calls as u64;
    if upstream != expected {
        return Err(format!(
            "the sandbox answered {upstream} ListTickets calls during the run, not {expected}: \
             a gateway request made more than its one upstream call"
        ));
    }

    println!(
        "proxied overhead, {calls} sequential keep-alive calls each, alternating gateway/direct \
         (demo tenant, v1 signatures, ticket {id})"
    );
    println!("{:<44} {:>9} {:>9}", "call", "p50 ms", "p99 ms");
    let list_met = report(
        &format!("gateway GET {list_path}"),
        &format!("direct  ListTickets PageSize={PAGE_SIZE}"),
        &list_gateway,
        &list_direct,
    );
    floor(
        "ListTickets PageSize=20",
        &list_proxied,
        &list_direct,
        &list_gateway,
    );
    let read_met = report(
        "gateway GET /tickets/{id}",
        "direct  ListTickets Ids={id}",
        &read_gateway,
        &read_direct,
    );
    floor(
        "ListTickets Ids={id}",
        &read_proxied,
        &read_direct,
        &read_gateway,
    );
    let (h50, h99) = hop.p50_p99();
    println!(
        "{:<44} {:>9.3} {:>9.3}   (one bare loopback hop, for scale)",
        "direct  GET /_sandbox/health",
        ms(h50),
        ms(h99)
    );
    println!(
        "goals: {}",
        if list_met && read_met {
            "met"
        } else {
            "MISSED"
        }
    );
    Ok(())
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(gateway), Some(sandbox)) = (args.next(), args.next()) else {
        eprintln!(
            "usage: WOG_BENCH_TOKEN=JWT proxied_overhead GATEWAY_URL SANDBOX_URL [CALLS [BARE_PROXY_URL]]"
        );
        return ExitCode::from(2);
    };
    let calls = match args.next().map(|n| n.parse::<usize>()) {
        None => 600,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("CALLS must be a positive number");
            return ExitCode::from(2);
        }
    };
    let bare_proxy = args.next();
    let Ok(token) = std::env::var("WOG_BENCH_TOKEN") else {
        eprintln!("WOG_BENCH_TOKEN must hold a JWT of the demo tenant with tickets:read");
        return ExitCode::from(2);
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    match runtime.block_on(run(gateway, sandbox, bare_proxy, calls, token)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("proxied_overhead: {failure}");
            ExitCode::FAILURE
        }
    }
}
