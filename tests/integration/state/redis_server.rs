//! A real `redis-server` for a test: its own process on a free loopback port (never 6379, so
//! a system instance is never what a test talks to), no persistence, killed on drop. It can be
//! stopped and started again on the same port, or paused (SIGSTOP) to play a Redis that
//! accepts connections and never answers.
//!
//! When `redis-server` is not installed, [`RedisServer::start`] prints one line and returns
//! `None` (the test returns early), unless `WOG_TEST_REQUIRE_REDIS=1` (CI), where a missing
//! binary fails the test. The state tests own it; the state benchmark includes it by path.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Set to `1` to make a missing `redis-server` a test failure instead of a skip.
pub const REQUIRE_ENV: &str = "WOG_TEST_REQUIRE_REDIS";

/// How long a started server gets to answer `PING`.
const READY_WITHIN: Duration = Duration::from_secs(10);

/// One `redis-server` process.
pub struct RedisServer {
    binary: PathBuf,
    port: u16,
    extra_args: Vec<String>,
    dir: tempfile::TempDir,
    child: Option<Child>,
    password: Option<String>,
}

fn find_binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join("redis-server"))
        .find(|candidate| candidate.is_file())
}

fn free_port() -> u16 {
    loop {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        if port != 6379 {
            return port;
        }
    }
}

impl RedisServer {
    /// A fresh server, or `None` (after one line on stderr) when `redis-server` is missing.
    pub fn start() -> Option<Self> {
        Self::start_with(&[])
    }

    /// A fresh server requiring `password` (`--requirepass`).
    pub fn start_with_password(password: &str) -> Option<Self> {
        let mut server = Self::start_with(&["--requirepass", password])?;
        server.password = Some(password.to_owned());
        Some(server)
    }

    /// A fresh server with extra `redis-server` arguments.
    pub fn start_with(extra_args: &[&str]) -> Option<Self> {
        let Some(binary) = find_binary() else {
            let required = std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1");
            assert!(
                !required,
                "redis-server is not installed and {REQUIRE_ENV}=1 (apt-get install redis-server)"
            );
            eprintln!("skipped: redis-server is not installed (apt-get install redis-server)");
            return None;
        };
        let mut server = Self {
            binary,
            port: free_port(),
            extra_args: extra_args.iter().map(|a| (*a).to_owned()).collect(),
            dir: tempfile::tempdir().unwrap(),
            child: None,
            password: None,
        };
        server.password = extra_args
            .windows(2)
            .find(|pair| pair[0] == "--requirepass")
            .map(|pair| pair[1].to_owned());
        server.launch();
        Some(server)
    }

    /// `redis://127.0.0.1:PORT` (with the password, when one is required).
    pub fn url(&self) -> String {
        match &self.password {
            Some(password) => format!("redis://:{password}@127.0.0.1:{}", self.port),
            None => format!("redis://127.0.0.1:{}", self.port),
        }
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The process id, while running.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    fn launch(&mut self) {
        let child = Command::new(&self.binary)
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(["--daemonize", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .args(&self.extra_args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        self.wait_until_ready();
    }

    fn wait_until_ready(&self) {
        let client = redis::Client::open(self.url()).unwrap();
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            let pong = client
                .get_connection_with_timeout(Duration::from_millis(200))
                .and_then(|mut conn| redis::cmd("PING").query::<String>(&mut conn));
            if pong.as_deref() == Ok("PONG") {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "redis-server on port {} did not answer PING: {pong:?}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server (SIGKILL, as a crash would) and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // A paused process is killed all the same.
            drop(child.kill());
            drop(child.wait());
        }
    }

    /// Starts it again on the same port (empty: nothing was persisted).
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    /// Freezes it (SIGSTOP): connections stay open and nothing answers.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Thaws a paused server (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self.pid().expect("running").to_string();
        let status = Command::new("kill").args([signal, &pid]).status().unwrap();
        assert!(status.success(), "kill {signal} {pid}");
    }

    /// A connection for inspecting what the gateway stored.
    pub async fn connection(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
