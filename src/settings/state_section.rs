//! `[state]`: where the state replicas share lives (memory for one replica, Redis for many),
//! how to reach Redis, and the fingerprint key replicas must agree on.
//!
//! Invariants: with `backend = "redis"` exactly one Redis URL source and one fingerprint secret
//! source are set (replicas computing different fingerprints would not recognise each other's
//! idempotency keys); an inline URL carries no password (a password comes from `redis_url_env`
//! or `redis_url_file`); a URL is only ever shown with its password replaced ([`redacted_url`]).

use std::path::PathBuf;
use std::time::Duration;

use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;
use serde_with::{As, DurationMilliSeconds};

use super::SettingsError;

/// Shortest accepted fingerprint secret, in bytes (the HMAC-SHA256 key; 256 bits).
pub const MIN_FINGERPRINT_SECRET_BYTES: usize = 32;

/// Which backend holds the shared state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StateBackendKind {
    /// In this process: one replica.
    #[default]
    Memory,
    /// A Redis server shared by every replica.
    Redis,
}

/// `[state]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StateSettings {
    /// `memory` or `redis`.
    pub backend: StateBackendKind,
    /// Inline Redis URL (`redis://host:6379/0`, `rediss://…`); refused with a password in it.
    pub redis_url: Option<String>,
    /// Environment variable holding the Redis URL (may carry a password).
    pub redis_url_env: Option<String>,
    /// File holding the Redis URL (may carry a password).
    pub redis_url_file: Option<PathBuf>,
    /// Prefix of every Redis key (`{key_prefix}{tenant}:{key}`).
    pub key_prefix: String,
    /// TCP (+ TLS) connect timeout towards Redis (`connect_timeout_ms`).
    #[serde(
        rename = "connect_timeout_ms",
        with = "As::<DurationMilliSeconds<u64>>"
    )]
    pub connect_timeout: Duration,
    /// Longest wait for one Redis command (`command_timeout_ms`).
    #[serde(
        rename = "command_timeout_ms",
        with = "As::<DurationMilliSeconds<u64>>"
    )]
    pub command_timeout: Duration,
    /// Environment variable holding the fingerprint key (required with Redis).
    pub fingerprint_secret_env: Option<String>,
    /// File holding the fingerprint key (required with Redis).
    pub fingerprint_secret_file: Option<PathBuf>,
    /// Most keys the memory backend keeps per tenant, and as many rate buckets.
    pub memory_capacity_per_tenant: u64,
}

impl Default for StateSettings {
    fn default() -> Self {
        Self {
            backend: StateBackendKind::Memory,
            redis_url: None,
            redis_url_env: None,
            redis_url_file: None,
            key_prefix: "wog:".into(),
            connect_timeout: Duration::from_secs(1),
            command_timeout: Duration::from_millis(250),
            fingerprint_secret_env: None,
            fingerprint_secret_file: None,
            memory_capacity_per_tenant: 100_000,
        }
    }
}

impl StateSettings {
    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        for (key, zero) in [
            ("state.connect_timeout_ms", self.connect_timeout.is_zero()),
            ("state.command_timeout_ms", self.command_timeout.is_zero()),
            (
                "state.memory_capacity_per_tenant",
                self.memory_capacity_per_tenant == 0,
            ),
        ] {
            if zero {
                return Err(SettingsError::invalid(key, "must be at least 1".into()));
            }
        }
        if self.key_prefix.len() > 64
            || self
                .key_prefix
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(SettingsError::invalid(
                "state.key_prefix",
                "at most 64 characters, no spaces or control characters".into(),
            ));
        }
        let url_sources = [
            self.redis_url.is_some(),
            self.redis_url_env.is_some(),
            self.redis_url_file.is_some(),
        ];
        let secret_sources = [
            self.fingerprint_secret_env.is_some(),
            self.fingerprint_secret_file.is_some(),
        ];
        if url_sources.iter().filter(|set| **set).count() > 1 {
            return Err(SettingsError::invalid(
                "state.redis_url",
                "set only one of state.redis_url, state.redis_url_env and state.redis_url_file"
                    .into(),
            ));
        }
        if secret_sources.iter().all(|set| *set) {
            return Err(SettingsError::invalid(
                "state.fingerprint_secret_env",
                "set only one of state.fingerprint_secret_env and state.fingerprint_secret_file"
                    .into(),
            ));
        }
        if let Some(inline) = &self.redis_url {
            let url = parse_url("state.redis_url", inline)?;
            if url.password().is_some() {
                return Err(SettingsError::invalid(
                    "state.redis_url",
                    "a Redis password is never written inline; put the URL in \
                     state.redis_url_env or state.redis_url_file"
                        .into(),
                ));
            }
        }
        if self.backend == StateBackendKind::Redis {
            if !url_sources.contains(&true) {
                return Err(SettingsError::invalid(
                    "state.redis_url",
                    "backend \"redis\" needs one of state.redis_url, state.redis_url_env or \
                     state.redis_url_file"
                        .into(),
                ));
            }
            if !secret_sources.contains(&true) {
                return Err(SettingsError::invalid(
                    "state.fingerprint_secret_env",
                    "backend \"redis\" needs a fingerprint key shared by every replica: set \
                     state.fingerprint_secret_env or state.fingerprint_secret_file"
                        .into(),
                ));
            }
        }
        Ok(())
    }

    /// The Redis URL, read from its source and checked (`None` when no source is set). Errors
    /// name the key and never contain the URL's password.
    pub fn resolve_redis_url(&self) -> Result<Option<SecretString>, SettingsError> {
        let inline = self.redis_url.clone().map(SecretString::from);
        let source = super::SecretSource {
            key: "state.redis_url".into(),
            inline: inline.as_ref(),
            env: self.redis_url_env.as_deref(),
            file: self.redis_url_file.as_ref(),
        };
        let Some((url, origin)) = source.resolve()? else {
            return Ok(None);
        };
        let key = match origin {
            super::SecretOrigin::Inline => "state.redis_url",
            super::SecretOrigin::Env => "state.redis_url_env",
            super::SecretOrigin::File => "state.redis_url_file",
        };
        parse_url(key, url.expose_secret())?;
        Ok(Some(url))
    }

    /// The fingerprint key, read from its source (`None` when none is set), at least
    /// [`MIN_FINGERPRINT_SECRET_BYTES`] long.
    pub fn resolve_fingerprint_secret(&self) -> Result<Option<SecretString>, SettingsError> {
        let source = super::SecretSource {
            key: "state.fingerprint_secret".into(),
            inline: None,
            env: self.fingerprint_secret_env.as_deref(),
            file: self.fingerprint_secret_file.as_ref(),
        };
        let Some((secret, origin)) = source.resolve()? else {
            return Ok(None);
        };
        if secret.expose_secret().len() < MIN_FINGERPRINT_SECRET_BYTES {
            let key = match origin {
                super::SecretOrigin::File => "state.fingerprint_secret_file",
                _ => "state.fingerprint_secret_env",
            };
            return Err(SettingsError::invalid(
                key,
                format!(
                    "the fingerprint key must be at least {MIN_FINGERPRINT_SECRET_BYTES} bytes"
                ),
            ));
        }
        Ok(Some(secret))
    }
}

/// A `redis://` or `rediss://` URL with a host; the error names `key` and never echoes the
/// value (it may hold a password).
fn parse_url(key: &str, value: &str) -> Result<reqwest::Url, SettingsError> {
    let url = reqwest::Url::parse(value.trim()).map_err(|e| {
        SettingsError::invalid(key, format!("not a URL ({e}); expected redis://host:port"))
    })?;
    if !matches!(url.scheme(), "redis" | "rediss") || url.host_str().is_none_or(str::is_empty) {
        return Err(SettingsError::invalid(
            key,
            "expected redis://host:port[/db] or rediss://host:port[/db]".into(),
        ));
    }
    Ok(url)
}

/// `url` with its password (if any) replaced by `***`: the only form a Redis URL is logged or
/// shown in.
pub fn redacted_url(url: &str) -> String {
    match reqwest::Url::parse(url.trim()) {
        Ok(mut parsed) => {
            if parsed.password().is_some() && parsed.set_password(Some("***")).is_err() {
                return "[unprintable Redis URL]".into();
            }
            parsed.to_string()
        }
        Err(_) => "[unparsable Redis URL]".into(),
    }
}
