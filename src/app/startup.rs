//! Builds and runs the gateway: the embedded sandbox (when enabled), the shared upstream
//! client, tenants and JWT keys, the actix-web server, and its lifecycle.
//!
//! Lifecycle: SIGTERM (or Ctrl-C) → `/readyz` turns 503 at once, the listener keeps serving for
//! `shutdown.drain_delay_secs` (so the ingress stops routing here), then in-flight requests get
//! `shutdown.timeout_secs` to finish. SIGHUP → the configuration file is read again and tenants
//! and JWT keys are swapped atomically; an invalid file is refused with a log line and the old
//! configuration keeps serving. With `reload.watch_interval_secs` set, a change of the file or
//! of a secret file it names triggers the same reload (`watch`).

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpServer, web};
use arc_swap::ArcSwap;

use super::state::{AppState, LiveConfig};
use crate::auth::{AuthConfig, Authenticator, PublicKeySource};
use crate::catalog::{Catalog, CatalogSettings as CacheSettings};
use crate::http::context::request_context;
use crate::http::rate_limit::RateLimiter;
use crate::routes::idempotency::IdempotencyStore;
use crate::sandbox::{SandboxConfig, SandboxHandle};
use crate::settings::{
    AuthSettings, DEFAULT_CONFIG_FILE, DEMO_JWT_SECRET, Settings, SettingsError,
};
use crate::telemetry::metrics::UpstreamMetrics;
use crate::tenants::TenantRegistry;
use crate::upstream::{Endpoint, UpstreamClient};

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A configuration value is wrong (the key is named).
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// The listener or the sandbox could not bind.
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
    /// The HTTP client could not start (TLS backend).
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    /// JWT keys could not be loaded.
    #[error("auth configuration: {0}")]
    Auth(String),
    /// The embedded sandbox could not start.
    #[error("sandbox: {0}")]
    Sandbox(String),
}

/// A built, bound, not yet running gateway.
pub struct Application {
    server: Server,
    addr: SocketAddr,
    state: web::Data<AppState>,
    sandbox: Option<SandboxHandle>,
    reloader: Reloader,
    drain_delay: Duration,
    watch_interval: Duration,
}

/// Rebuilds the reloadable configuration from the configuration file.
#[derive(Clone)]
struct Reloader {
    config_path: PathBuf,
    sandbox_endpoint: Option<Endpoint>,
    http: reqwest::Client,
    state: web::Data<AppState>,
    /// The files the current configuration is made of (for `watch`).
    watched: Arc<Mutex<Vec<PathBuf>>>,
}

impl Application {
    /// Starts the sandbox (if enabled), loads tenants and keys, and binds the listener.
    /// `config_path` is re-read on SIGHUP (`None`: the default file).
    pub async fn build(
        settings: Settings,
        config_path: Option<PathBuf>,
    ) -> Result<Self, StartupError> {
        let sandbox = if settings.sandbox.enabled {
            Some(start_sandbox(&settings).await?)
        } else {
            None
        };
        let sandbox_endpoint = sandbox
            .as_ref()
            .map(|s| Endpoint::parse(&s.url()))
            .transpose()
            .map_err(StartupError::Sandbox)?;
        let client = UpstreamClient::new(settings.upstream.client_settings())?
            .with_observer(Arc::new(UpstreamMetrics));
        let live = build_live(&settings, sandbox_endpoint.as_ref(), client.http().clone()).await?;
        let catalog = Catalog::new(
            client.clone(),
            CacheSettings {
                ttl: Duration::from_secs(settings.catalog.ttl_secs),
                stale: Duration::from_secs(settings.catalog.stale_secs),
                max_entries: settings.catalog.max_entries,
            },
        );
        let state = web::Data::new(AppState {
            http: client.http().clone(),
            client,
            catalog,
            live: ArcSwap::from_pointee(live),
            limiter: RateLimiter::new(settings.limits.requests_per_second, settings.limits.burst),
            idempotency: IdempotencyStore::default(),
            base_path: settings.server.base_path.clone(),
            draining: AtomicBool::new(false),
        });

        let listener = TcpListener::bind(settings.server.listen)?;
        let addr = listener.local_addr()?;
        let server = http_server(&settings, state.clone(), listener)?;
        let config_path = config_path.unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_FILE));
        let reloader = Reloader {
            watched: Arc::new(Mutex::new(super::watch::watched_files(
                &settings,
                &config_path,
            ))),
            config_path,
            sandbox_endpoint,
            http: state.http.clone(),
            state: state.clone(),
        };
        Ok(Self {
            server,
            addr,
            state,
            sandbox,
            reloader,
            drain_delay: Duration::from_secs(settings.shutdown.drain_delay_secs),
            watch_interval: Duration::from_secs(settings.reload.watch_interval_secs),
        })
    }

    /// The bound address (useful with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The embedded sandbox's base URL, when it runs.
    pub fn sandbox_url(&self) -> Option<String> {
        self.sandbox.as_ref().map(SandboxHandle::url)
    }

    /// A handle to drive shutdown and reload without signals (tests, embedding).
    pub fn handle(&self) -> AppHandle {
        AppHandle {
            server: self.server.handle(),
            reloader: self.reloader.clone(),
            drain_delay: self.drain_delay,
        }
    }

    /// Serves until stopped by SIGTERM / Ctrl-C (graceful, see the module docs) or a handle;
    /// SIGHUP reloads the configuration.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let signals = tokio::spawn(handle_signals(self.handle()));
        let result = self.run().await;
        signals.abort();
        result
    }

    /// Serves until stopped through an [`AppHandle`], without touching process signals (for
    /// tests and embedding). Watches the configuration files when configured to.
    pub async fn run(self) -> std::io::Result<()> {
        let watcher = (!self.watch_interval.is_zero())
            .then(|| tokio::spawn(super::watch::watch(self.handle(), self.watch_interval)));
        let result = self.server.await;
        if let Some(watcher) = watcher {
            watcher.abort();
        }
        if let Some(sandbox) = self.sandbox {
            sandbox.stop().await;
        }
        drop(self.state);
        tracing::info!("gateway stopped");
        result
    }
}

/// Controls a running [`Application`].
#[derive(Clone)]
pub struct AppHandle {
    server: ServerHandle,
    reloader: Reloader,
    drain_delay: Duration,
}

impl AppHandle {
    /// Graceful shutdown: readiness off now, listener open for the drain delay, then in-flight
    /// requests finish within the shutdown timeout.
    pub async fn shutdown(&self) {
        self.reloader.state.draining.store(true, Ordering::SeqCst);
        tracing::info!(
            drain_delay_secs = self.drain_delay.as_secs(),
            "draining: readiness is now 503"
        );
        tokio::time::sleep(self.drain_delay).await;
        tracing::info!("closing the listener; waiting for in-flight requests");
        self.server.stop(true).await;
    }

    /// Re-reads the configuration file and swaps tenants and keys; on error the old
    /// configuration stays and the error is returned (and logged).
    pub async fn reload(&self) -> Result<(), StartupError> {
        self.reloader.reload().await
    }

    /// The configuration file and the secret files the current configuration names.
    pub(crate) fn watched_files(&self) -> Vec<PathBuf> {
        self.reloader
            .watched
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Reloader {
    async fn reload(&self) -> Result<(), StartupError> {
        let result = async {
            let settings = Settings::load(Some(&self.config_path))?;
            let live =
                build_live(&settings, self.sandbox_endpoint.as_ref(), self.http.clone()).await?;
            Ok::<_, StartupError>((
                live,
                super::watch::watched_files(&settings, &self.config_path),
            ))
        }
        .await;
        match result {
            Ok((live, watched)) => {
                *self.watched.lock().unwrap_or_else(PoisonError::into_inner) = watched;
                let tenants = live.tenants.ids().join(",");
                let previous = self.state.live.swap(Arc::new(live));
                // Credentials or endpoints may have changed: drop what was fetched with the old ones.
                for tenant in previous.tenants.ids() {
                    self.state.catalog.invalidate_tenant(tenant);
                }
                tracing::info!(%tenants, "configuration reloaded");
                Ok(())
            }
            Err(err) => {
                tracing::error!(error = %err, "configuration reload refused; the previous configuration keeps serving");
                Err(err)
            }
        }
    }
}

async fn handle_signals(handle: AppHandle) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            tracing::error!("cannot install signal handlers");
            return;
        };
        loop {
            tokio::select! {
                _ = term.recv() => break,
                _ = tokio::signal::ctrl_c() => break,
                _ = hup.recv() => { let _ = handle.reload().await; }
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    handle.shutdown().await;
}

fn http_server(
    settings: &Settings,
    state: web::Data<AppState>,
    listener: TcpListener,
) -> Result<Server, StartupError> {
    let base_path = settings.server.base_path.clone();
    let origins = settings.server.cors_allowed_origins.clone();
    let max_body = settings.server.max_body_bytes;
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(max_body))
            // CORS inside the request context, so that its refusals (a preflight from an
            // unlisted origin or for a method not allowed) still get a request id and a
            // problem+json body, and error responses keep their CORS headers.
            .wrap(Condition::new(!origins.is_empty(), cors(&origins)))
            .wrap(from_fn(request_context))
            .configure(crate::routes::configure(&base_path))
            .default_service(web::to(crate::routes::not_found))
    })
    .listen(listener)?
    .disable_signals()
    .shutdown_timeout(settings.shutdown.timeout_secs);
    if settings.server.workers > 0 {
        server = server.workers(settings.server.workers);
    }
    Ok(server.run())
}

fn cors(origins: &[String]) -> actix_cors::Cors {
    let mut cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST", "OPTIONS"])
        .allowed_headers([
            "authorization",
            "content-type",
            "accept",
            "accept-language",
            "if-none-match",
            "x-request-id",
            "idempotency-key",
            "traceparent",
        ])
        .expose_headers([
            "x-request-id",
            "x-upstream-request-id",
            "etag",
            "x-cache",
            "location",
            "retry-after",
            "idempotent-replayed",
        ])
        .max_age(3600);
    for origin in origins {
        cors = if origin == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(origin)
        };
    }
    cors
}

async fn start_sandbox(settings: &Settings) -> Result<SandboxHandle, StartupError> {
    let mut config = SandboxConfig {
        engineer_delay: Duration::from_secs(settings.sandbox.engineer_delay_secs),
        seed: settings.sandbox.seed,
        ..SandboxConfig::default()
    };
    if let Some(path) = &settings.sandbox.accounts_file {
        let accounts = crate::sandbox::load_accounts_file(path).map_err(|e| {
            StartupError::Settings(SettingsError::invalid(
                "sandbox.accounts_file",
                e.to_string(),
            ))
        })?;
        config.accounts.extend(accounts);
    }
    let handle = crate::sandbox::spawn(SocketAddr::from(([127, 0, 0, 1], 0)), config).await?;
    tracing::info!(url = %handle.url(), "embedded sandbox started");
    Ok(handle)
}

/// Builds tenants and the authenticator from settings (start-up and every reload).
async fn build_live(
    settings: &Settings,
    sandbox_endpoint: Option<&Endpoint>,
    http: reqwest::Client,
) -> Result<LiveConfig, StartupError> {
    let tenants = TenantRegistry::from_settings(settings, sandbox_endpoint)?;
    let config = auth_config(&settings.auth, settings)?;
    let authenticator = Authenticator::new(config, http)
        .await
        .map_err(|e| StartupError::Auth(e.to_string()))?;
    Ok(LiveConfig {
        tenants,
        authenticator,
    })
}

fn auth_config(auth: &AuthSettings, settings: &Settings) -> Result<AuthConfig, StartupError> {
    let mut hs256_secrets = Vec::new();
    if let Some((secret, _)) = auth.hs256_source().resolve()? {
        let real_tenant = settings
            .tenants
            .iter()
            .find(|(_, t)| t.enabled && !t.is_sandbox_endpoint());
        if let Some((id, _)) = real_tenant
            && secrecy::ExposeSecret::expose_secret(&secret) == DEMO_JWT_SECRET
        {
            return Err(SettingsError::invalid(
                "auth.hs256_secret",
                format!("the demo JWT secret is refused while tenant {id} uses a real endpoint"),
            )
            .into());
        }
        hs256_secrets.push(secret);
    }
    let mut public_keys = Vec::new();
    for entry in &auth.public_key_files {
        let path = entry.file();
        let pem = std::fs::read_to_string(path).map_err(|e| {
            SettingsError::invalid(
                "auth.public_key_files",
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        public_keys.push(PublicKeySource {
            label: path.display().to_string(),
            kid: entry.kid().map(str::to_owned),
            pem,
        });
    }
    let jwks_url = auth
        .jwks_url
        .as_deref()
        .map(reqwest::Url::parse)
        .transpose()
        .map_err(|e| SettingsError::invalid("auth.jwks_url", e.to_string()))?;
    Ok(AuthConfig {
        issuer: auth.issuer.clone(),
        audience: auth.audience.clone(),
        tenant_claim: auth.tenant_claim.clone(),
        roles_claim: auth.roles_claim.clone(),
        leeway: Duration::from_secs(auth.leeway_secs),
        hs256_secrets,
        public_keys,
        jwks_url,
        jwks_refresh_min_interval: Duration::from_secs(auth.jwks_refresh_min_interval_secs),
        jwks_max_age: Duration::from_secs(auth.jwks_max_age_secs),
        ..AuthConfig::default()
    })
}
