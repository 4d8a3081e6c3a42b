//! The smaller configuration sections (`[server]`, `[catalog]`, `[sandbox]`, `[limits]`,
//! `[shutdown]`, `[reload]`, `[log]`), each with its defaults and its own checks. `[auth]`,
//! `[state]`, `[upstream]` and `[tenants.<id>]` have files of their own.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use serde_with::{As, DurationSeconds};

use super::SettingsError;

/// `[server]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Listen address (`WOG_SERVER__LISTEN`).
    pub listen: SocketAddr,
    /// A second listener for `/metrics`, `/healthz` and `/readyz` only, at the root whatever
    /// `base_path` says; when set, the main listener answers `/metrics` with 404.
    pub admin_listen: Option<SocketAddr>,
    /// Largest accepted request body, in bytes; larger is 413 `payload_too_large`.
    pub max_body_bytes: usize,
    /// Prefix every route is mounted under (`""` or `/something`, no trailing slash).
    pub base_path: String,
    /// Browser origins allowed by CORS (`https://support.example.com`); none by default.
    pub cors_allowed_origins: Vec<String>,
    /// Worker threads; 0 = one per core.
    pub workers: usize,
    /// Serve the Swagger UI at `/docs/`; `/openapi.json` (the contract) is served either way.
    pub docs_enabled: bool,
    /// Proxies (addresses or CIDR blocks) whose `X-Forwarded-For` names the client address;
    /// from any other peer the header is ignored. None by default.
    pub trusted_proxies: Vec<String>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            admin_listen: None,
            max_body_bytes: 65_536,
            base_path: String::new(),
            cors_allowed_origins: Vec::new(),
            workers: 0,
            docs_enabled: true,
            trusted_proxies: Vec::new(),
        }
    }
}

impl ServerSettings {
    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        if let Some(admin) = self.admin_listen
            && same_socket(admin, self.listen)
        {
            return Err(SettingsError::invalid(
                "server.admin_listen",
                format!(
                    "{admin} must differ from server.listen ({}): the admin listener keeps /metrics off the public port",
                    self.listen
                ),
            ));
        }
        if self.max_body_bytes < 1024 {
            return Err(SettingsError::invalid(
                "server.max_body_bytes",
                "must be at least 1024".into(),
            ));
        }
        let base = &self.base_path;
        if !base.is_empty()
            && (!base.starts_with('/')
                || base.ends_with('/')
                || !base[1..].split('/').all(|seg| {
                    !seg.is_empty()
                        && seg
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b))
                }))
        {
            return Err(SettingsError::invalid(
                "server.base_path",
                format!(
                    "{base:?} must be empty or like /api/support (leading slash, no trailing slash)"
                ),
            ));
        }
        self.trusted_proxy_nets()?;
        for origin in &self.cors_allowed_origins {
            let parsed = reqwest::Url::parse(origin).ok();
            let is_origin = parsed.as_ref().is_some_and(|u| {
                matches!(u.scheme(), "http" | "https")
                    && u.host().is_some()
                    && u.path() == "/"
                    && !origin.ends_with('/')
            });
            if !is_origin && origin != "*" {
                return Err(SettingsError::invalid(
                    "server.cors_allowed_origins",
                    format!("{origin:?} is not an origin like https://support.example.com"),
                ));
            }
        }
        Ok(())
    }
}

impl ServerSettings {
    /// `trusted_proxies` parsed: a bare address is a one-address block.
    pub fn trusted_proxy_nets(&self) -> Result<Vec<ipnet::IpNet>, SettingsError> {
        self.trusted_proxies
            .iter()
            .map(|entry| {
                entry
                    .parse::<ipnet::IpNet>()
                    .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| {
                        SettingsError::invalid(
                            "server.trusted_proxies",
                            format!("{entry:?} is not an address or CIDR block like 10.0.0.0/8"),
                        )
                    })
            })
            .collect()
    }
}

/// Whether two listen addresses would claim the same port. Port 0 never clashes (each bind
/// gets its own free port); an unspecified address (`0.0.0.0`, `::`) covers every address.
fn same_socket(a: SocketAddr, b: SocketAddr) -> bool {
    a.port() != 0
        && a.port() == b.port()
        && (a.ip() == b.ip() || a.ip().is_unspecified() || b.ip().is_unspecified())
}

/// `[catalog]`: the product and category cache, as [`crate::catalog::Catalog`] takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CatalogSettings {
    /// Fresh lifetime of a cached catalog (`ttl_secs`).
    #[serde(rename = "ttl_secs", with = "As::<DurationSeconds<u64>>")]
    pub ttl: Duration,
    /// How long past the TTL the last good value is served when refreshing fails
    /// (`stale_secs`).
    #[serde(rename = "stale_secs", with = "As::<DurationSeconds<u64>>")]
    pub stale: Duration,
    /// Most entries kept per cache (products lists and category lists are counted apart).
    pub max_entries: u64,
}

impl Default for CatalogSettings {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(600),
            stale: Duration::from_secs(86_400),
            max_entries: 10_000,
        }
    }
}

/// `[sandbox]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxSettings {
    /// Start the embedded simulator on a loopback port; tenants with `endpoint = "sandbox"`
    /// talk to it.
    pub enabled: bool,
    /// Extra sandbox accounts (same format as `workorder-gateway sandbox --accounts`).
    pub accounts_file: Option<PathBuf>,
    /// Seconds before the simulated engineer answers a new ticket; 0 disables.
    pub engineer_delay_secs: u64,
    /// Seed of the simulator's fault injection.
    pub seed: u64,
}

impl Default for SandboxSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            accounts_file: None,
            engineer_delay_secs: 30,
            seed: 0,
        }
    }
}

/// `[limits]`: a rate per user (tenant + `sub`) and, optionally, one per tenant. Both are kept
/// in the state store, so with Redis they hold across replicas.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitSettings {
    /// Sustained requests per second per user; 0 disables the limit.
    pub requests_per_second: u32,
    /// Burst size per user.
    pub burst: u32,
    /// Sustained requests per second per tenant (all its users together); 0 (the default)
    /// disables the limit.
    pub tenant_requests_per_second: u32,
    /// Burst size per tenant.
    pub tenant_burst: u32,
    /// Failed authentications a minute allowed per client address after the burst; over it,
    /// that address gets 429 before its token is verified. 0 disables the limit.
    pub failed_auth_per_minute: u32,
    /// Failed authentications a client address may make at once.
    pub failed_auth_burst: u32,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            requests_per_second: 20,
            burst: 40,
            tenant_requests_per_second: 0,
            tenant_burst: 0,
            failed_auth_per_minute: 30,
            failed_auth_burst: 20,
        }
    }
}

impl LimitSettings {
    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        if self.requests_per_second > 0 && self.burst == 0 {
            return Err(SettingsError::invalid(
                "limits.burst",
                "must be at least 1 when limits are on".into(),
            ));
        }
        if self.tenant_requests_per_second > 0 && self.tenant_burst == 0 {
            return Err(SettingsError::invalid(
                "limits.tenant_burst",
                "must be at least 1 when the tenant limit is on".into(),
            ));
        }
        if self.failed_auth_per_minute > 0 && self.failed_auth_burst == 0 {
            return Err(SettingsError::invalid(
                "limits.failed_auth_burst",
                "must be at least 1 when the failed-authentication limit is on".into(),
            ));
        }
        Ok(())
    }
}

/// `[shutdown]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShutdownSettings {
    /// After SIGTERM, `/readyz` is 503 and the listener keeps serving this long
    /// (`drain_delay_secs`).
    #[serde(rename = "drain_delay_secs", with = "As::<DurationSeconds<u64>>")]
    pub drain_delay: Duration,
    /// Then in-flight requests get this long to finish, seconds.
    pub timeout_secs: u64,
}

impl Default for ShutdownSettings {
    fn default() -> Self {
        Self {
            drain_delay: Duration::from_secs(5),
            timeout_secs: 25,
        }
    }
}

/// `[reload]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReloadSettings {
    /// Check the configuration file and the secret files it names this often and reload when
    /// one changed (`watch_interval_secs`); zero (the default) reloads on SIGHUP only.
    #[serde(rename = "watch_interval_secs", with = "As::<DurationSeconds<u64>>")]
    pub watch_interval: Duration,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// JSON lines unless stdout is a terminal.
    #[default]
    Auto,
    /// Always JSON lines.
    Json,
    /// Always human-readable text.
    Text,
}

/// `[log]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `tracing` filter directive; `RUST_LOG` wins when set.
    pub level: String,
    /// Output format.
    pub format: LogFormat,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: LogFormat::Auto,
        }
    }
}
