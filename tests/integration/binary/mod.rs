//! The gateway binary as a child process (its own process, so its logs and metrics are its
//! own): lifecycle under signals, the container image's needs, the admin listener and the
//! label cardinality of its `/metrics`. Here, the harness: a configuration file in a temp
//! directory, a free loopback port, signals sent with `kill`, and its stdout (JSON log lines,
//! the default when stdout is not a terminal) collected for assertions.

mod admin_listener;
mod cardinality;
mod image;
mod lifecycle;

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::SECRET;

/// The contact email of the sandbox accounts.
pub const EMAIL: &str = "ops@acme.example";

/// A free loopback port: bound, read and released (the child binds it right after).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A configuration for the binary: tenant `acme` on `sandbox_url` with the given key.
pub fn config(
    port: u16,
    sandbox_url: &str,
    key_id: &str,
    secret: &str,
    drain_delay: u64,
) -> String {
    format!(
        r#"
[server]
listen = "127.0.0.1:{port}"
workers = 2
[auth]
hs256_secret = "{SECRET}"
[limits]
requests_per_second = 0
failed_auth_per_minute = 0
[shutdown]
drain_delay_secs = {drain_delay}
timeout_secs = 10
[log]
level = "info"
[tenants.acme]
endpoint = "{sandbox_url}"
simulator = true
access_key_id = "{key_id}"
access_key_secret = "{secret}"
default_email = "{EMAIL}"
"#
    )
}

/// The gateway binary running on a configuration file, its stdout (JSON lines) collected.
pub struct Gateway {
    child: Child,
    pub url: String,
    pub config: PathBuf,
    _dir: tempfile::TempDir,
    stdout: Arc<Mutex<Vec<String>>>,
    pub http: reqwest::Client,
}

impl Gateway {
    pub async fn start(port: u16, toml: &str) -> Self {
        Self::start_env(port, toml, &[]).await
    }

    /// [`Gateway::start`] with extra environment variables for the child.
    pub async fn start_env(port: u16, toml: &str, env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("gateway.toml");
        std::fs::write(&config, toml).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_workorder-gateway"))
            .arg("--config")
            .arg(&config)
            .env_remove("RUST_LOG")
            .envs(env.iter().copied())
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
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// The status of `GET path` without a token; `None` when nothing answers.
    pub async fn status(&self, path: &str) -> Option<u16> {
        let response = self.http.get(format!("{}{path}", self.url)).send().await;
        response.ok().map(|r| r.status().as_u16())
    }

    /// The JSON log lines written so far.
    pub fn logs(&self) -> Vec<Value> {
        self.stdout
            .lock()
            .unwrap()
            .iter()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }

    /// Waits for a log line whose message is `message`, returning it.
    pub async fn wait_for_log(&self, message: &str) -> Value {
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
    pub async fn exit(&mut self, limit: Duration) -> ExitStatus {
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
pub async fn get(gateway: &Gateway, path: &str, token: &str) -> (u16, String) {
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
pub async fn create(gateway: &Gateway, token: &str) -> String {
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
