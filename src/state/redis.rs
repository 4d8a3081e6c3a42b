//! The Redis backend: the three primitives as one command or one server-side script each
//! (`GET`; [`scripts::COMPARE_AND_SWAP`] and [`scripts::GCRA`] via `EVALSHA`), on redis-rs'
//! async `ConnectionManager` (one multiplexed connection that reconnects by itself).
//!
//! Invariants:
//! - Keys are `{key_prefix}{tenant}:{key}`; tenant ids cannot contain `:`, so tenants never
//!   share a key.
//! - Nothing waits on Redis longer than the command timeout. Start-up never waits for it at all:
//!   the connection is made lazily, and while Redis is known to be down ([`Health`]) every
//!   primitive fails at once, without a round trip; the background probe (`health`) finds it
//!   up again.
//! - The URL's password never leaves this module: the URL is shown redacted, and error texts
//!   are scrubbed of it.

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use secrecy::{ExposeSecret as _, SecretString};

use super::gcra::{self, RateDecision};
use super::health::Health;
use super::{StateError, scripts};
use crate::telemetry::Metrics;

/// How to reach Redis.
#[derive(Debug, Clone)]
pub struct RedisOptions {
    /// `redis://…` or `rediss://…`, possibly with a password.
    pub url: SecretString,
    /// Prefix of every key.
    pub key_prefix: String,
    /// TCP (+ TLS) connect timeout.
    pub connect_timeout: Duration,
    /// Longest wait for one command (connection included).
    pub command_timeout: Duration,
}

/// The Redis backend; cheap to clone.
#[derive(Clone)]
pub struct RedisBackend {
    inner: Arc<Inner>,
}

pub(super) struct Inner {
    client: redis::Client,
    config: ConnectionManagerConfig,
    /// Replaced when the connection looks wedged (see `health`); commands clone it (an `Arc`).
    manager: ArcSwap<ConnectionManager>,
    prefix: String,
    command_timeout: Duration,
    health: Health,
    cas: redis::Script,
    gcra: redis::Script,
    /// For scrubbing error texts; never printed.
    password: Option<SecretString>,
}

impl RedisBackend {
    /// A backend for `options`, connecting lazily, with its health probe running. Fails only
    /// on an unusable URL or outside a Tokio runtime, never because Redis is down. Its health
    /// and failed probes are counted in `metrics`.
    pub fn connect(options: RedisOptions, metrics: Metrics) -> Result<Self, StateError> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| StateError("the Redis backend needs a Tokio runtime".into()))?;
        let url = options.url.expose_secret().trim();
        let redacted = crate::settings::redacted_url(url);
        let password = reqwest::Url::parse(url)
            .ok()
            .and_then(|u| u.password().map(|p| SecretString::from(p.to_owned())));
        let client = redis::Client::open(url)
            .map_err(|e| StateError(format!("unusable Redis URL {redacted}: {:?}", e.kind())))?;
        // No retries inside the manager: a reconnection is one attempt, bounded by the connect
        // timeout, and the probe (or the next command after Redis is up) makes the next one.
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(0)
            .set_connection_timeout(Some(options.connect_timeout))
            .set_response_timeout(Some(options.command_timeout));
        let manager = ConnectionManager::new_lazy_with_config(client.clone(), config.clone())
            .map_err(|e| StateError(format!("cannot set up Redis {redacted}: {:?}", e.kind())))?;
        let inner = Arc::new(Inner {
            client,
            config,
            manager: ArcSwap::from_pointee(manager),
            prefix: options.key_prefix,
            command_timeout: options.command_timeout,
            health: Health::new(redacted, metrics.clone()),
            cas: redis::Script::new(scripts::COMPARE_AND_SWAP),
            gcra: redis::Script::new(scripts::GCRA),
            password,
        });
        runtime.spawn(super::health::probe(Arc::downgrade(&inner), metrics));
        Ok(Self { inner })
    }

    /// Whether the last probe or command reached Redis.
    pub fn is_up(&self) -> bool {
        self.inner.health.is_up()
    }

    /// The URL with its password replaced, for logs.
    pub fn redacted_url(&self) -> &str {
        self.inner.health.target()
    }

    fn key(&self, tenant: &str, key: &str) -> String {
        format!("{}{tenant}:{key}", self.inner.prefix)
    }

    pub(super) async fn get(&self, tenant: &str, key: &str) -> Result<Option<String>, StateError> {
        let key = self.key(tenant, key);
        self.inner
            .run("get", |mut conn| async move {
                redis::cmd("GET")
                    .arg(key)
                    .query_async::<Option<String>>(&mut conn)
                    .await
            })
            .await
    }

    pub(super) async fn compare_and_swap(
        &self,
        tenant: &str,
        key: &str,
        expected: Option<&str>,
        new: Option<&str>,
        ttl: Duration,
    ) -> Result<bool, StateError> {
        let key = self.key(tenant, key);
        let flag = |v: Option<&str>| if v.is_some() { "1" } else { "0" };
        let (expected_flag, new_flag) = (flag(expected), flag(new));
        let (expected, new) = (
            expected.unwrap_or("").to_owned(),
            new.unwrap_or("").to_owned(),
        );
        // PX 0 is an error in Redis; the memory backend's shortest life is a moment, too.
        let ttl_ms = ttl.as_millis().clamp(1, u128::from(u64::MAX)).to_string();
        let inner = self.inner.clone();
        let swapped: i64 = self
            .inner
            .run("compare_and_swap", |mut conn| async move {
                inner
                    .cas
                    .key(key)
                    .arg(expected_flag)
                    .arg(expected)
                    .arg(new_flag)
                    .arg(new)
                    .arg(ttl_ms)
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        Ok(swapped == 1)
    }

    pub(super) async fn rate_check(
        &self,
        tenant: &str,
        bucket: &str,
        per_second: u32,
        burst: u32,
        now_ms: i64,
    ) -> Result<RateDecision, StateError> {
        let key = self.key(tenant, bucket);
        // The parameters are computed here, by the same functions as in memory.
        let interval = gcra::emission_interval_us(per_second);
        let burst = i64::from(burst.max(1));
        let now_us = now_ms.saturating_mul(1000);
        let inner = self.inner.clone();
        let (allowed, wait_us): (i64, i64) = self
            .inner
            .run("rate_check", |mut conn| async move {
                inner
                    .gcra
                    .key(key)
                    .arg(now_us)
                    .arg(interval)
                    .arg(burst)
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        Ok(if allowed == 1 {
            RateDecision::Allowed
        } else {
            RateDecision::Limited(Duration::from_micros(u64::try_from(wait_us).unwrap_or(0)))
        })
    }

    /// `PUBLISH {key_prefix}{tenant}:{channel} payload`.
    pub(super) async fn publish(
        &self,
        tenant: &str,
        channel: &str,
        payload: String,
    ) -> Result<(), StateError> {
        let channel = self.key(tenant, channel);
        self.inner
            .run("publish", |mut conn| async move {
                redis::cmd("PUBLISH")
                    .arg(channel)
                    .arg(payload)
                    .query_async::<i64>(&mut conn)
                    .await
                    .map(|_| ())
            })
            .await
    }

    /// Forwards every message published on `{key_prefix}*:{suffix_pattern}` to `sink` as
    /// (`tenant:channel`, payload) until `sink` closes, on a connection of its own (a
    /// subscribed connection can do nothing else), reconnecting after a pause when it drops.
    /// Messages published while it is disconnected are lost: subscribers must resynchronise
    /// on their own (the event feeds re-publish on every poll).
    pub(super) fn subscribe(
        &self,
        suffix_pattern: &str,
        sink: tokio::sync::mpsc::Sender<(String, String)>,
    ) {
        use futures_util::StreamExt as _;
        let inner = Arc::clone(&self.inner);
        let pattern = format!("{}*:{suffix_pattern}", inner.prefix);
        tokio::spawn(async move {
            while !sink.is_closed() {
                let connected = tokio::time::timeout(
                    inner.command_timeout.max(Duration::from_secs(1)),
                    inner.client.get_async_pubsub(),
                )
                .await;
                let mut pubsub = match connected {
                    Ok(Ok(pubsub)) => pubsub,
                    _ => {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                };
                if pubsub.psubscribe(&pattern).await.is_err() {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
                let mut messages = pubsub.on_message();
                loop {
                    tokio::select! {
                        () = sink.closed() => return,
                        message = messages.next() => {
                            let Some(message) = message else { break };
                            let Some(channel) = message.get_channel_name().strip_prefix(&inner.prefix) else {
                                continue;
                            };
                            let Ok(payload) = message.get_payload::<String>() else { continue };
                            if sink.send((channel.to_owned(), payload)).await.is_err() {
                                return;
                            }
                        }
                    }
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }

    pub(super) async fn ping(&self) -> Result<(), StateError> {
        self.inner.ping().await
    }
}

impl Inner {
    /// Runs one command on the current connection, failing at once while Redis is known down
    /// and after the command timeout otherwise; a connection-level failure marks it down.
    async fn run<T, F, Fut>(&self, operation: &'static str, command: F) -> Result<T, StateError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        if !self.health.is_up() {
            return Err(StateError(format!(
                "Redis {} is unreachable; {operation} not attempted",
                self.health.target()
            )));
        }
        self.attempt(operation, command).await
    }

    /// One command with the timeout, whatever the health.
    async fn attempt<T, F, Fut>(&self, operation: &'static str, command: F) -> Result<T, StateError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let conn = ConnectionManager::clone(&self.manager.load());
        let no_answer = || format!("no answer within {} ms", self.command_timeout.as_millis());
        match tokio::time::timeout(self.command_timeout, command(conn)).await {
            Ok(Ok(value)) => Ok(value),
            // The connection's own response timeout (the same length) may fire first.
            Ok(Err(error)) if error.is_timeout() => {
                self.health.mark_down(&no_answer());
                Err(StateError(format!("Redis {operation}: {}", no_answer())))
            }
            Ok(Err(error)) => {
                let text = self.scrub(&error.to_string());
                // A reply that is an error (a script error, OOM) says Redis is there; a
                // transport failure says it is not.
                if error.is_io_error()
                    || error.is_connection_dropped()
                    || error.is_connection_refusal()
                    || error.is_unrecoverable_error()
                {
                    self.health.mark_down(&text);
                }
                Err(StateError(format!("Redis {operation} failed: {text}")))
            }
            Err(_) => {
                self.health.mark_down(&no_answer());
                Err(StateError(format!("Redis {operation}: {}", no_answer())))
            }
        }
    }

    /// A real `PING`, attempted even while Redis is known down; its answer (or the lack of
    /// one) sets the health.
    pub(super) async fn ping(&self) -> Result<(), StateError> {
        let result = self
            .attempt("ping", |mut conn| async move {
                redis::cmd("PING").query_async::<String>(&mut conn).await
            })
            .await
            .and_then(|pong| match pong.as_str() {
                "PONG" => Ok(()),
                other => Err(StateError(format!("unexpected PING answer {other:?}"))),
            });
        match &result {
            Ok(()) => self.health.mark_up(),
            Err(error) => self.health.mark_down(&error.0),
        }
        result
    }

    /// Replaces the connection with a fresh lazy one (a half-open TCP connection, after a
    /// failover behind the same address, would otherwise time out forever without the manager
    /// ever noticing a disconnect).
    pub(super) fn renew_connection(&self) {
        match ConnectionManager::new_lazy_with_config(self.client.clone(), self.config.clone()) {
            Ok(manager) => self.manager.store(Arc::new(manager)),
            Err(e) => tracing::warn!(kind = ?e.kind(), "cannot renew the Redis connection"),
        }
    }

    fn scrub(&self, text: &str) -> String {
        match &self.password {
            Some(password) if !password.expose_secret().is_empty() => {
                text.replace(password.expose_secret(), "***")
            }
            _ => text.to_owned(),
        }
    }
}
