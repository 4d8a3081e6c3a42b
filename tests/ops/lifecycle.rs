//! Lifecycle of the real binary under signals: SIGTERM drains (readiness 503 at once, the
//! listener serving through `shutdown.drain_delay_secs`, in-flight requests finishing, exit
//! 0); SIGHUP reloads the configuration file atomically (an AccessKey rotated with no failed
//! request; an invalid file refused with a clear log line while the old one keeps serving).

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{READ_WRITE, SECRET, account, start_sandbox, token};

const EMAIL: &str = "ops@acme.example";

/// A free loopback port: bound, read and released (the child binds it right after).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A configuration for the binary: tenant `acme` on `sandbox_url` with the given key.
fn config(port: u16, sandbox_url: &str, key_id: &str, secret: &str, drain_delay: u64) -> String {
    format!(
        r#"
[server]
listen = "127.0.0.1:{port}"
workers = 2
[auth]
hs256_secret = "{SECRET}"
[limits]
requests_per_second = 0
[shutdown]
drain_delay_secs = {drain_delay}
timeout_secs = 10
[log]
level = "info"
[tenants.acme]
endpoint = "{sandbox_url}"
access_key_id = "{key_id}"
access_key_secret = "{secret}"
default_email = "{EMAIL}"
"#
    )
}

/// The gateway binary running on a configuration file, its stdout (JSON lines) collected.
struct Gateway {
    child: Child,
    url: String,
    config: PathBuf,
    _dir: tempfile::TempDir,
    stdout: Arc<Mutex<Vec<String>>>,
    http: reqwest::Client,
}

impl Gateway {
    async fn start(port: u16, toml: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("gateway.toml");
        std::fs::write(&config, toml).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_workorder-gateway"))
            .arg("--config")
            .arg(&config)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let pipe = child.stdout.take().unwrap();
        let sink = Arc::clone(&stdout);
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let gateway = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            config,
            _dir: dir,
            stdout,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
        };
        let started = Instant::now();
        while gateway.status("/healthz").await != Some(200) {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the gateway did not come up: {:?}",
                gateway.stdout.lock().unwrap()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        gateway
    }

    /// `kill -SIG pid` (no libc binding in the dependencies).
    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// The status of `GET path` without a token; `None` when nothing answers.
    async fn status(&self, path: &str) -> Option<u16> {
        let response = self.http.get(format!("{}{path}", self.url)).send().await;
        response.ok().map(|r| r.status().as_u16())
    }

    /// The JSON log lines written so far.
    fn logs(&self) -> Vec<Value> {
        self.stdout
            .lock()
            .unwrap()
            .iter()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }

    /// Waits for a log line whose message is `message`, returning it.
    async fn wait_for_log(&self, message: &str) -> Value {
        let started = Instant::now();
        loop {
            if let Some(line) = self.logs().into_iter().find(|l| l["message"] == message) {
                return line;
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "no log line {message:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits up to `limit` for the process to exit.
    async fn exit(&mut self, limit: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(started.elapsed() < limit, "the gateway did not exit");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        // Only when a test failed half-way: the child is ours, stopped by its own id.
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `GET path` with a token, returning status and body.
async fn get(gateway: &Gateway, path: &str, token: &str) -> (u16, String) {
    let response = gateway
        .http
        .get(format!("{}{path}", gateway.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Creates a ticket and returns its id.
async fn create(gateway: &Gateway, token: &str) -> String {
    let response = gateway
        .http
        .post(format!("{}/tickets", gateway.url))
        .bearer_auth(token)
        .json(&json!({ "productCode": "ecs", "categoryId": 793, "content": "lifecycle" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_turns_readiness_off_at_once_keeps_serving_then_drains_in_flight_requests() {
    let sandbox = start_sandbox(vec![account("LTAIopsTERM", "term-secret", EMAIL)]).await;
    let port = free_port();
    let mut gateway = Gateway::start(
        port,
        &config(port, &sandbox.url(), "LTAIopsTERM", "term-secret", 3),
    )
    .await;
    let token = Arc::new(token("acme", "ivan-term", READ_WRITE));
    assert_eq!(gateway.status("/readyz").await, Some(200));
    // Every upstream call now takes 5 s: longer than the drain delay (3 s).
    gateway
        .http
        .put(format!("{}/_sandbox/faults", sandbox.url()))
        .json(&json!({ "latency_ms": 5000 }))
        .send()
        .await
        .unwrap();
    let gateway_url = gateway.url.clone();
    let slow = |token: Arc<String>| {
        let url = gateway_url.clone();
        tokio::spawn(async move {
            let response = reqwest::Client::new()
                .get(format!("{url}/tickets"))
                .bearer_auth(token.as_str())
                .send()
                .await;
            response.map(|r| r.status().as_u16()).ok()
        })
    };
    let before: Vec<_> = (0..3).map(|_| slow(Arc::clone(&token))).collect();
    tokio::time::sleep(Duration::from_millis(300)).await;

    gateway.signal("TERM");
    let signalled = Instant::now();

    // Readiness turns 503 at once, while the listener keeps answering.
    let mut readiness = None;
    while signalled.elapsed() < Duration::from_secs(2) {
        readiness = gateway.status("/readyz").await;
        if readiness == Some(503) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(readiness, Some(503), "readiness during the drain");
    assert_eq!(gateway.status("/healthz").await, Some(200));
    let during = slow(Arc::clone(&token));
    gateway.wait_for_log("draining: readiness is now 503").await;
    for task in before {
        assert_eq!(task.await.unwrap(), Some(200), "an in-flight request");
    }
    assert_eq!(
        during.await.unwrap(),
        Some(200),
        "a request of the drain delay"
    );
    let status = gateway.exit(Duration::from_secs(15)).await;
    assert!(status.success(), "{status:?}");
    gateway.wait_for_log("gateway stopped").await;
    assert!(
        signalled.elapsed() >= Duration::from_secs(4),
        "exited before the slow requests finished"
    );
    assert_eq!(
        gateway.status("/healthz").await,
        None,
        "the listener is closed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_rotates_an_access_key_with_no_failed_request_and_refuses_an_invalid_file() {
    let sandbox = start_sandbox(vec![
        account("LTAIopsOLD", "old-secret", EMAIL),
        account("LTAIopsNEW", "new-secret", EMAIL),
    ])
    .await;
    let port = free_port();
    let mut gateway = Gateway::start(
        port,
        &config(port, &sandbox.url(), "LTAIopsOLD", "old-secret", 0),
    )
    .await;
    let token = token("acme", "judy-hup", READ_WRITE);
    let before = create(&gateway, &token).await;

    // Requests run back to back across the reload.
    let stop = Arc::new(AtomicBool::new(false));
    let traffic = {
        let (stop, url, token) = (Arc::clone(&stop), gateway.url.clone(), token.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut statuses = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                let response = client
                    .get(format!("{url}/tickets"))
                    .bearer_auth(&token)
                    .send()
                    .await;
                statuses.push(response.map(|r| r.status().as_u16()).ok());
            }
            statuses
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    std::fs::write(
        &gateway.config,
        config(port, &sandbox.url(), "LTAIopsNEW", "new-secret", 0),
    )
    .unwrap();
    gateway.signal("HUP");
    let reloaded = gateway.wait_for_log("configuration reloaded").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::SeqCst);
    let statuses = traffic.await.unwrap();

    assert_eq!(reloaded["tenants"], "acme");
    assert!(statuses.len() >= 5, "too little traffic: {statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == Some(200)),
        "failures during the reload: {statuses:?}"
    );
    // The new key is in use: tickets now live in the new account, the old one's are not seen.
    let after = create(&gateway, &token).await;
    assert_eq!(
        get(&gateway, &format!("/tickets/{after}"), &token).await.0,
        200
    );
    assert_eq!(
        get(&gateway, &format!("/tickets/{before}"), &token).await.0,
        404
    );

    // An invalid file is refused with a log line naming the key; the running one stays.
    std::fs::write(
        &gateway.config,
        config(port, &sandbox.url(), "LTAIopsNEW", "new-secret", 0)
            .replace("endpoint = \"http", "endpoint = \"ftp"),
    )
    .unwrap();
    gateway.signal("HUP");
    let refused = gateway
        .wait_for_log("configuration reload refused; the previous configuration keeps serving")
        .await;
    assert_eq!(refused["level"], "ERROR");
    let error = refused["error"].as_str().unwrap();
    assert!(error.contains("tenants.acme.endpoint"), "{error}");
    assert_eq!(
        get(&gateway, &format!("/tickets/{after}"), &token).await.0,
        200
    );
    assert_eq!(gateway.status("/readyz").await, Some(200));

    gateway.signal("TERM");
    assert!(gateway.exit(Duration::from_secs(15)).await.success());
}
