//! Metrics of the live event streams: open streams, pollers, the polls the sharing saves
//! (watchers minus pollers), polls, events sent and why streams ended, as families of the
//! application's registry (recorded through [`super::metrics::Metrics::events`]). Labels come
//! from closed sets (feed kind, event name, outcome, end reason).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// The feed kinds: one ticket's stream, a tenant's list stream.
pub const FEED_KINDS: [&str; 2] = ["ticket", "tenant"];
/// The frames a stream sends.
pub const EVENT_NAMES: [&str; 6] = [
    "note",
    "status",
    "ticket",
    "heartbeat",
    "expired",
    "shutdown",
];
/// How a poll went: `ok`, `failed` (the upstream), `limited` (the tenant's request budget).
pub const POLL_OUTCOMES: [&str; 3] = ["ok", "failed", "limited"];
/// How a stream ended.
pub const END_REASONS: [&str; 4] = ["client_left", "token_expired", "drained", "slow_reader"];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SentLabels {
    kind: &'static str,
    event: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PollLabels {
    kind: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EndLabels {
    kind: &'static str,
    reason: &'static str,
}

/// The event families of one application's registry.
#[derive(Clone, Default)]
pub struct EventMetrics {
    streams: Family<KindLabels, Gauge>,
    pollers: Family<KindLabels, Gauge>,
    saved: Family<KindLabels, Gauge>,
    polls: Family<PollLabels, Counter>,
    sent: Family<SentLabels, Counter>,
    ended: Family<EndLabels, Counter>,
}

impl std::fmt::Debug for EventMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventMetrics").finish_non_exhaustive()
    }
}

/// `kind` mapped onto [`FEED_KINDS`] (it always is one).
fn kind_label(kind: &str) -> &'static str {
    FEED_KINDS
        .iter()
        .find(|k| **k == kind)
        .copied()
        .unwrap_or("ticket")
}

impl EventMetrics {
    /// Every series of the closed label sets at 0.
    pub(super) fn new() -> Self {
        let metrics = Self::default();
        for kind in FEED_KINDS {
            let labels = KindLabels { kind };
            metrics.streams.get_or_create(&labels).set(0);
            metrics.pollers.get_or_create(&labels).set(0);
            metrics.saved.get_or_create(&labels).set(0);
            for outcome in POLL_OUTCOMES {
                metrics
                    .polls
                    .get_or_create(&PollLabels { kind, outcome })
                    .inc_by(0);
            }
            for event in EVENT_NAMES {
                metrics
                    .sent
                    .get_or_create(&SentLabels { kind, event })
                    .inc_by(0);
            }
            for reason in END_REASONS {
                metrics
                    .ended
                    .get_or_create(&EndLabels { kind, reason })
                    .inc_by(0);
            }
        }
        metrics
    }

    pub(super) fn register(&self, registry: &mut Registry) {
        registry.register(
            "event_streams_open",
            "Open event streams on this replica by kind (ticket, tenant)",
            self.streams.clone(),
        );
        registry.register(
            "event_pollers",
            "Upstream pollers running on this replica by kind: one per watched ticket or tenant list",
            self.pollers.clone(),
        );
        registry.register(
            "event_polls_saved",
            "Streams served by another stream's poller (open streams minus pollers) by kind",
            self.saved.clone(),
        );
        registry.register(
            "event_polls",
            "Polls of the upstream by the event pollers, by kind and outcome (ok, failed, limited: refused by the tenant's request budget)",
            self.polls.clone(),
        );
        registry.register(
            "events_sent",
            "Frames written to event streams by kind and event (note, status, ticket, heartbeat, expired, shutdown)",
            self.sent.clone(),
        );
        registry.register(
            "event_streams_ended",
            "Event streams ended by kind and reason (client_left, token_expired, drained, slow_reader)",
            self.ended.clone(),
        );
    }

    /// Sets the gauges of `kind`: `watchers` open streams served by `pollers` pollers.
    pub fn set_feed(&self, kind: &str, watchers: usize, pollers: usize) {
        let labels = KindLabels {
            kind: kind_label(kind),
        };
        let as_gauge = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        self.streams.get_or_create(&labels).set(as_gauge(watchers));
        self.pollers.get_or_create(&labels).set(as_gauge(pollers));
        self.saved
            .get_or_create(&labels)
            .set(as_gauge(watchers.saturating_sub(pollers)));
    }

    /// Counts one poll of `kind` with `outcome` (one of [`POLL_OUTCOMES`]).
    pub fn record_poll(&self, kind: &str, outcome: &'static str) {
        self.polls
            .get_or_create(&PollLabels {
                kind: kind_label(kind),
                outcome,
            })
            .inc();
    }

    /// Counts one frame `event` (one of [`EVENT_NAMES`]) sent on a stream of `kind`.
    pub fn record_sent(&self, kind: &str, event: &'static str) {
        self.sent
            .get_or_create(&SentLabels {
                kind: kind_label(kind),
                event,
            })
            .inc();
    }

    /// Counts one stream of `kind` ended for `reason` (one of [`END_REASONS`]).
    pub fn record_end(&self, kind: &str, reason: &'static str) {
        self.ended
            .get_or_create(&EndLabels {
                kind: kind_label(kind),
                reason,
            })
            .inc();
    }
}
