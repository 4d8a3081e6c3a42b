//! Whether Redis is reachable, as the gateway last saw it, and the probe that keeps that view
//! current: a `PING` every second while up (so an idle replica notices an outage too) and
//! every [`PROBE_DOWN`] while down (so it notices the recovery quickly).
//!
//! Invariants: a transition is logged once (warn when down, info when up) and sets the
//! `wog_state_up` gauge; the state starts down until the first answer, so nothing waits on a
//! connection that has never worked; the probe ends when the backend is dropped.

use std::sync::Weak;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use super::redis::Inner;
use crate::telemetry::Metrics;

/// Probe interval while Redis answers.
pub(super) const PROBE_UP: Duration = Duration::from_secs(1);
/// Probe interval while it does not: how soon a recovery is seen.
pub(super) const PROBE_DOWN: Duration = Duration::from_millis(250);
/// Failed probes in a row after which the connection is replaced rather than waited for.
const RENEW_AFTER_FAILURES: u32 = 3;

const UNKNOWN: u8 = 0;
const UP: u8 = 1;
const DOWN: u8 = 2;

/// Up or down, with the (redacted) address it is about.
#[derive(Debug)]
pub(super) struct Health {
    state: AtomicU8,
    target: String,
    /// The application's metrics, whose `wog_state_up` follows every transition.
    metrics: Metrics,
}

impl Health {
    /// Not up until the first answer.
    pub(super) fn new(target: String, metrics: Metrics) -> Self {
        metrics.set_state_up(false);
        Self {
            state: AtomicU8::new(UNKNOWN),
            target,
            metrics,
        }
    }

    pub(super) fn is_up(&self) -> bool {
        self.state.load(Ordering::SeqCst) == UP
    }

    /// The redacted URL.
    pub(super) fn target(&self) -> &str {
        &self.target
    }

    pub(super) fn mark_down(&self, reason: &str) {
        if self.state.swap(DOWN, Ordering::SeqCst) != DOWN {
            self.metrics.set_state_up(false);
            tracing::warn!(
                redis = %self.target,
                reason,
                "shared state unreachable: rate limits fall back to this replica, keyed writes \
                 answer 503 until it is back"
            );
        }
    }

    pub(super) fn mark_up(&self) {
        if self.state.swap(UP, Ordering::SeqCst) != UP {
            self.metrics.set_state_up(true);
            tracing::info!(redis = %self.target, "shared state reachable");
        }
    }
}

/// Pings until the backend is dropped, counting failed pings in `metrics`.
pub(super) async fn probe(inner: Weak<Inner>, metrics: Metrics) {
    let mut failures = 0u32;
    loop {
        let Some(backend) = inner.upgrade() else {
            return;
        };
        let wait = match backend.ping().await {
            Ok(()) => {
                failures = 0;
                PROBE_UP
            }
            Err(error) => {
                metrics.record_state_error("ping");
                failures += 1;
                tracing::debug!(%error, failures, "Redis probe failed");
                if failures.is_multiple_of(RENEW_AFTER_FAILURES) {
                    backend.renew_connection();
                }
                PROBE_DOWN
            }
        };
        drop(backend);
        tokio::time::sleep(wait).await;
    }
}
