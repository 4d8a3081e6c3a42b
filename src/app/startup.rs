//! Builds and runs the gateway: the embedded sandbox (when enabled), the shared upstream
//! client, tenants and JWT keys, and the actix-web server. `lifecycle` runs it (drain, reload).
//!
//! Lifecycle: SIGTERM (or Ctrl-C) → `/readyz` turns 503 at once, the listener keeps serving for
//! `shutdown.drain_delay_secs` (so the ingress stops routing here), then in-flight requests get
//! `shutdown.timeout_secs` to finish. SIGHUP → the configuration file is read again and tenants
//! and JWT keys are swapped atomically; an invalid file is refused with a log line and the old
//! configuration keeps serving. With `reload.watch_interval_secs` set, a change of the file or
//! of a secret file it names triggers the same reload (`watch`).

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpServer, web};
use arc_swap::ArcSwap;

use super::lifecycle::{AppHandle, Reloader, handle_signals};
use super::live::{EmbeddedSandbox, build_live, start_sandbox};
use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::http::AppState;
use crate::http::context::request_context;
use crate::http::rate_limit::RateLimits;
use crate::settings::{DEFAULT_CONFIG_FILE, Endpoint, Settings, SettingsError};
use crate::telemetry::Metrics;
use crate::tickets::TicketWrites;
use crate::upstream::UpstreamClient;

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
    /// `[identity]` or a tenant's role could not give credentials (STS's code is named).
    #[error(transparent)]
    Identity(#[from] crate::identity::IdentityError),
}

/// A built, bound, not yet running gateway.
pub struct Application {
    server: Server,
    addr: SocketAddr,
    /// The admin listener's server and address, when `server.admin_listen` is set.
    admin: Option<(Server, SocketAddr)>,
    state: web::Data<AppState>,
    sandbox: Option<EmbeddedSandbox>,
    reloader: Reloader,
    drain_delay: Duration,
    watch_interval: Duration,
}

impl Application {
    /// Starts the sandbox (if enabled), loads tenants and keys, and binds the listener.
    /// `config_path` is re-read on SIGHUP (`None`: the default file). Time is the system's.
    pub async fn build(
        settings: Settings,
        config_path: Option<PathBuf>,
    ) -> Result<Self, StartupError> {
        Self::build_with_clock(settings, config_path, Clock::system()).await
    }

    /// [`Application::build`] on `clock`: the seam for tests and simulations. Every rule that
    /// depends on time — the circuit breakers, the rate limits and failed-auth budgets, the
    /// idempotency leases and windows, the memory state store's lifetimes, the catalog's TTLs —
    /// reads it, so a caller holding a [`Clock::manual`] moves time for the whole gateway with
    /// [`Clock::advance`] instead of waiting. (Redis expires its own keys on its own time; the
    /// embedded sandbox, JWKS refresh, drain and config watching keep real time.)
    pub async fn build_with_clock(
        settings: Settings,
        config_path: Option<PathBuf>,
        clock: Clock,
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
        // The application's one metrics handle: everything below records into it, and both
        // listeners serve it at `/metrics`.
        let metrics = Metrics::new();
        let client = UpstreamClient::new(settings.upstream.clone())?
            .with_observer(Arc::new(metrics.clone()))
            .with_clock(clock.clone());
        let live = build_live(
            &settings,
            sandbox_endpoint.as_ref(),
            client.http().clone(),
            &metrics,
            &clock,
            None,
        )
        .await?;
        let reload_clock = clock.clone();
        let catalog = Catalog::new(client.clone(), settings.catalog, clock.clone(), &metrics);
        let (state_store, fingerprinter) =
            crate::state::from_settings(&settings.state, &clock, &metrics)?;
        let writes = TicketWrites::new(
            state_store.clone(),
            fingerprinter.clone(),
            &settings.idempotency,
            clock.clone(),
            &metrics,
        );
        let limits = Arc::new(RateLimits::new(
            &settings.limits,
            state_store.clone(),
            fingerprinter,
            clock.clone(),
            &metrics,
        ));
        let events = crate::events::EventHub::new(
            client.clone(),
            settings.events,
            clock.clone(),
            &metrics,
            state_store.clone(),
            Arc::clone(&limits) as Arc<dyn crate::events::PollBudget>,
        );
        let state = web::Data::new(AppState {
            client,
            catalog,
            live: ArcSwap::from_pointee(live),
            limits: Arc::clone(&limits),
            failed_auth: crate::http::failed_auth::FailedAuthLimiter::new(
                settings.limits.failed_auth_per_minute,
                settings.limits.failed_auth_burst,
                clock,
            ),
            trusted_proxies: settings.server.trusted_proxy_nets()?,
            state_store,
            writes,
            events,
            base_path: settings.server.base_path.clone(),
            draining: AtomicBool::new(false),
        });

        let listener = TcpListener::bind(settings.server.listen)?;
        let addr = listener.local_addr()?;
        let metrics_data = web::Data::new(metrics.clone());
        let server = http_server(&settings, state.clone(), metrics_data.clone(), listener)?;
        let admin = match settings.server.admin_listen {
            Some(admin_listen) => {
                let listener = TcpListener::bind(admin_listen)?;
                let admin_addr = listener.local_addr()?;
                let admin = super::admin::admin_server(
                    state.clone(),
                    metrics_data,
                    listener,
                    settings.shutdown.timeout_secs,
                )?;
                Some((admin, admin_addr))
            }
            None => None,
        };
        let config_path = config_path.unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_FILE));
        let reloader = Reloader {
            watched: Arc::new(Mutex::new(super::watch::watched_files(
                &settings,
                &config_path,
            ))),
            config_path,
            sandbox_endpoint,
            http: state.client.http().clone(),
            state: state.clone(),
            metrics,
            clock: reload_clock,
        };
        Ok(Self {
            server,
            addr,
            admin,
            state,
            sandbox,
            reloader,
            drain_delay: settings.shutdown.drain_delay,
            watch_interval: settings.reload.watch_interval,
        })
    }

    /// The bound address (useful with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The admin listener's bound address, when `server.admin_listen` is set.
    pub fn admin_addr(&self) -> Option<SocketAddr> {
        self.admin.as_ref().map(|(_, addr)| *addr)
    }

    /// The embedded sandbox's base URL, when it runs.
    pub fn sandbox_url(&self) -> Option<String> {
        self.sandbox.as_ref().map(EmbeddedSandbox::url)
    }

    /// A handle to drive shutdown and reload without signals (tests, embedding).
    pub fn handle(&self) -> AppHandle {
        AppHandle {
            servers: std::iter::once(&self.server)
                .chain(self.admin.as_ref().map(|(admin, _)| admin))
                .map(Server::handle)
                .collect(),
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
        // An actix server runs only while polled: both are polled together. The admin listener
        // is tied to the main server: once that has stopped, so does it (a no-op after
        // `AppHandle::shutdown`, which stops both).
        let result = match self.admin {
            Some((admin, _)) => {
                let admin_handle = admin.handle();
                let main = async {
                    let result = self.server.await;
                    admin_handle.stop(true).await;
                    result
                };
                let (main, admin) = futures_util::future::join(main, admin).await;
                main.and(admin)
            }
            None => self.server.await,
        };
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

fn http_server(
    settings: &Settings,
    state: web::Data<AppState>,
    metrics: web::Data<Metrics>,
    listener: TcpListener,
) -> Result<Server, StartupError> {
    let origins = settings.server.cors_allowed_origins.clone();
    let max_body = settings.server.max_body_bytes;
    let server_settings = settings.server.clone();
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(metrics.clone())
            .app_data(web::PayloadConfig::new(max_body))
            // CORS inside the request context, so that its refusals (a preflight from an
            // unlisted origin or for a method not allowed) still get a request id and a
            // problem+json body, and error responses keep their CORS headers.
            .wrap(Condition::new(!origins.is_empty(), cors(&origins)))
            .wrap(from_fn(request_context))
            .configure(crate::routes::configure(&server_settings))
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
            // The event streams' resume point (`GET /tickets/{id}/events`).
            "last-event-id",
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
