//! The JWKS an [`super::Authenticator`] owns: its first fetch, its periodic refresh, and what a
//! configuration reload does with the running key set.
//!
//! Invariants:
//! - At start-up a failed first fetch is logged, not fatal: the IdP may come up after the
//!   gateway, and the first token with an unknown `kid` retries.
//! - A reload never swaps in an empty key set when a good one is running: with the same
//!   `jwks_url` the new cache starts from the running key set (a failed fetch then changes
//!   nothing); with a new URL (or a JWKS newly configured) the fetch must succeed, or the
//!   reload is refused with [`AuthSetupError::JwksUnavailable`] and the old configuration keeps
//!   serving. A running set that is itself empty (the IdP down since start-up) has nothing to
//!   carry: the reload proceeds, no worse off than before.
//! - The refresh task holds only a weak reference: it ends when the authenticator is dropped
//!   (after a reload, once the last request using the old one finished).

use std::sync::{Arc, Weak};
use std::time::Duration;

use super::config::AuthConfig;
use super::error::AuthSetupError;
use super::jwks::{Jwks, JwksSettings, shown_url};
use crate::telemetry::Metrics;
use crate::validation::is_trustworthy_url;

/// Why a JWKS is being set up.
#[derive(Clone, Copy)]
pub(crate) enum Occasion<'a> {
    /// The gateway is starting: an unreachable IdP is tolerated.
    StartUp,
    /// A configuration reload; the running authenticator's JWKS, when it has one.
    Reload(Option<&'a Jwks>),
}

/// A JWKS cache and the task refreshing it.
pub(crate) struct JwksSource {
    pub(crate) jwks: Arc<Jwks>,
    _refresher: RefreshTask,
}

/// The periodic JWKS refresh; stops when dropped.
struct RefreshTask(tokio::task::JoinHandle<()>);

impl Drop for RefreshTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Sets up the JWKS at `url` for `config`, following the rules of the module docs.
pub(crate) async fn start(
    url: reqwest::Url,
    config: &AuthConfig,
    http: reqwest::Client,
    occasion: Occasion<'_>,
    metrics: &Metrics,
) -> Result<JwksSource, AuthSetupError> {
    if !is_trustworthy_url(&url) {
        return Err(AuthSetupError::InsecureJwksUrl(shown_url(&url)));
    }
    let carried = match occasion {
        Occasion::Reload(Some(running)) if *running.url() == url => Some(running.keys()),
        _ => None,
    };
    let must_fetch = matches!(occasion, Occasion::Reload(_)) && carried.is_none();
    let settings = JwksSettings {
        url,
        min_interval: config.jwks_refresh_min_interval,
        fetch_timeout: config.jwks_fetch_timeout,
    };
    let jwks = Arc::new(Jwks::new(
        settings,
        http,
        carried.unwrap_or_default(),
        metrics.clone(),
    ));
    let first = jwks.refresh().await;
    if let (true, Err(reason)) = (must_fetch, &first) {
        return Err(AuthSetupError::JwksUnavailable {
            url: jwks.shown_url().to_owned(),
            reason: reason.clone(),
        });
    }
    let refresher = spawn_refresher(
        Arc::downgrade(&jwks),
        first.is_ok(),
        config.jwks_max_age,
        config.jwks_refresh_min_interval,
    );
    Ok(JwksSource {
        jwks,
        _refresher: refresher,
    })
}

/// Refreshes the JWKS every `max_age`, or every `retry` while fetches fail, until the cache is
/// dropped.
fn spawn_refresher(
    jwks: Weak<Jwks>,
    first_ok: bool,
    max_age: Duration,
    retry: Duration,
) -> RefreshTask {
    RefreshTask(tokio::spawn(async move {
        let mut last_ok = first_ok;
        loop {
            tokio::time::sleep(if last_ok { max_age } else { retry }).await;
            let Some(jwks) = jwks.upgrade() else { break };
            last_ok = jwks.refresh().await.is_ok();
        }
    }))
}
