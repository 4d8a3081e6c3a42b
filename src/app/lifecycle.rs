//! The running gateway's lifecycle: graceful shutdown (readiness off, drain delay, in-flight
//! requests finish) and configuration reload (SIGHUP, file watch, or [`AppHandle::reload`]),
//! which swaps tenants and JWT keys atomically or keeps the old ones when the new file is bad
//! (or names a new JWKS URL that cannot be fetched: a reload never swaps in an empty key set).

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::web;

use super::live::build_live;
use super::startup::StartupError;
use crate::http::AppState;
use crate::settings::Endpoint;
use crate::settings::Settings;
use crate::telemetry::Metrics;

/// Rebuilds the reloadable configuration from the configuration file.
#[derive(Clone)]
pub(super) struct Reloader {
    pub(super) config_path: PathBuf,
    pub(super) sandbox_endpoint: Option<Endpoint>,
    pub(super) http: reqwest::Client,
    pub(super) state: web::Data<AppState>,
    /// Where a reloaded authenticator counts its JWKS fetches: the same application's metrics.
    pub(super) metrics: Metrics,
    /// The files the current configuration is made of (for `watch`).
    pub(super) watched: Arc<Mutex<Vec<PathBuf>>>,
    /// What reloaded role sessions are timed by: the application's clock.
    pub(super) clock: crate::clock::Clock,
}

/// Controls a running [`Application`](super::Application).
#[derive(Clone)]
pub struct AppHandle {
    /// The main server first, then the admin listener's when there is one.
    pub(super) servers: Vec<ServerHandle>,
    pub(super) reloader: Reloader,
    pub(super) drain_delay: Duration,
}

impl AppHandle {
    /// Graceful shutdown: readiness off now, listener open for the drain delay, then in-flight
    /// requests finish within the shutdown timeout.
    pub async fn shutdown(&self) {
        self.reloader.state.draining.store(true, Ordering::SeqCst);
        // Event streams never finish on their own: end them now, each with a `retry:` hint,
        // so their browsers reconnect elsewhere while this listener still serves.
        self.reloader.state.events.drain();
        tracing::info!(
            drain_delay_secs = self.drain_delay.as_secs(),
            "draining: readiness is now 503"
        );
        tokio::time::sleep(self.drain_delay).await;
        tracing::info!("closing the listener; waiting for in-flight requests");
        futures_util::future::join_all(self.servers.iter().map(|server| server.stop(true))).await;
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
    pub(super) async fn reload(&self) -> Result<(), StartupError> {
        let result = async {
            let settings = Settings::load(Some(&self.config_path))?;
            let running = self.state.live();
            let live = build_live(
                &settings,
                self.sandbox_endpoint.as_ref(),
                self.http.clone(),
                &self.metrics,
                &self.clock,
                Some(&running),
            )
            .await?;
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

/// Completes on Ctrl-C or SIGTERM: the one place the process waits for a stop signal, for the
/// gateway and for the standalone sandbox alike. When SIGTERM cannot be listened for, Ctrl-C
/// alone stops the process (and a warning says so).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for SIGTERM; Ctrl-C only");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Reloads on SIGHUP and shuts down gracefully on [`shutdown_signal`].
pub(super) async fn handle_signals(handle: AppHandle) {
    let stop = shutdown_signal();
    tokio::pin!(stop);
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::hangup()) {
            Ok(mut hup) => loop {
                tokio::select! {
                    () = &mut stop => break,
                    _ = hup.recv() => { let _ = handle.reload().await; }
                }
            },
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGHUP; reload by file watch only");
                stop.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        stop.await;
    }
    handle.shutdown().await;
}
