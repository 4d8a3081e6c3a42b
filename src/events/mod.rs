//! Live ticket updates: the shared pollers behind `GET /tickets/{id}/events` and `GET /events`,
//! and the bounds on the streams that watch them.
//!
//! The upstream can only be polled, so the gateway polls once per (tenant, ticket) — and once
//! per tenant for the ticket list — whoever watches: the first watcher on this replica starts
//! a [`feed`] poller, every watcher reads its latest snapshot through a `tokio::sync::watch`
//! channel, and the poller stops when the last watcher leaves. Watchers never share a queue:
//! each stream keeps only a cursor into the snapshot (how many notes it sent, the last status)
//! and computes what to send from it ([`cursor`]), so a slow reader delays only itself and a
//! reconnect with `Last-Event-ID` resumes exactly where it left off, on any replica.
//!
//! Invariants: the maps of feeds and stream counts hold at most `events.max_streams` entries
//! (a feed exists only while a stream watches it); each stream's queue holds at most
//! [`STREAM_QUEUE`] frames and a reader that leaves it full for `events.slow_reader_timeout_ms`
//! is dropped; pollers call the upstream through the shared client, so the tenant's breaker
//! and bulkhead apply, and back off on errors without ending any stream.

pub mod cursor;
pub mod feed;
pub mod stream;
mod wire;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::watch;

use crate::clock::Clock;
use crate::settings::EventSettings;
use crate::state::StateStore;
use crate::telemetry::Metrics;
use crate::tenants::Tenant;
use crate::upstream::UpstreamClient;
pub use cursor::{Cursor, EventId, TicketSnapshot};
pub use feed::{ListSnapshot, Snapshot};
pub use stream::{Frame, StreamEnd};

/// Frames one stream may have queued and not yet written; with notes of at most 10 000
/// characters this bounds a stream's memory to about a megabyte in the worst case.
pub const STREAM_QUEUE: usize = 32;

/// The answer of a [`PollBudget`]: go, or wait this long.
pub type Admission<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), Duration>> + Send + 'a>>;

/// The tenant's request budget (`limits.tenant_requests_per_second`), which every poll spends
/// like a request: watchers cannot make the gateway exceed what the tenant may ask upstream.
pub trait PollBudget: Send + Sync {
    /// Charges one poll of `tenant`, or says how long to wait.
    fn admit<'a>(&'a self, tenant: &'a str) -> Admission<'a>;
}

/// Why a stream could not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// The caller already holds `events.max_streams_per_user` streams on this replica.
    #[error("too many open event streams for this user")]
    UserLimit,
    /// This replica already serves `events.max_streams` streams.
    #[error("too many open event streams on this replica")]
    ReplicaLimit,
    /// The gateway is shutting down.
    #[error("the gateway is draining")]
    Draining,
}

/// What a feed watches: one ticket of a tenant, or a tenant's ticket list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FeedKey {
    /// `GET /tickets/{id}/events`.
    Ticket {
        /// The tenant id.
        tenant: String,
        /// The ticket id.
        ticket: String,
    },
    /// `GET /events`.
    Tenant {
        /// The tenant id.
        tenant: String,
    },
}

impl FeedKey {
    /// The metric label of its kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Ticket { .. } => "ticket",
            Self::Tenant { .. } => "tenant",
        }
    }
}

/// A running poller and how many streams watch it.
struct FeedEntry {
    /// Also fed by other replicas' pollers (through the shared state's pub/sub).
    sender: Arc<watch::Sender<Option<Arc<Snapshot>>>>,
    snapshot: watch::Receiver<Option<Arc<Snapshot>>>,
    nudge: Arc<tokio::sync::Notify>,
    watchers: usize,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Default)]
struct Registry {
    feeds: HashMap<FeedKey, FeedEntry>,
    /// Open streams per (tenant, user); entries leave at zero.
    per_user: HashMap<(String, String), usize>,
    streams: usize,
}

struct Inner {
    client: UpstreamClient,
    settings: EventSettings,
    metrics: Metrics,
    clock: Clock,
    registry: Mutex<Registry>,
    /// The tenants' request budgets, spent by polls.
    budget: Arc<dyn PollBudget>,
    /// Shared with other replicas (Redis): leases on pollers and pub/sub of snapshots.
    store: StateStore,
    /// This replica's name on the leases it holds.
    replica: String,
    /// Set once at SIGTERM: every stream ends with a `retry:` hint.
    draining: watch::Sender<bool>,
}

/// The event service, shared by all workers. Cheap to clone.
#[derive(Clone)]
pub struct EventHub(Arc<Inner>);

impl std::fmt::Debug for EventHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventHub")
            .field("settings", &self.0.settings)
            .finish_non_exhaustive()
    }
}

/// One open stream: holds its place in the limits and in its feed's watcher count, and gives
/// both back when dropped (the client left, the token expired, the reader was too slow).
pub struct Watch {
    hub: EventHub,
    key: FeedKey,
    user: (String, String),
    /// The feed's snapshots.
    pub snapshot: watch::Receiver<Option<Arc<Snapshot>>>,
    /// Turns true when the gateway drains.
    pub draining: watch::Receiver<bool>,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl EventHub {
    /// The hub, polling through `client` as `[events]` says, counting in `metrics`. With a
    /// shared `store` (Redis) one replica at a time polls each feed (a lease) and the others
    /// hear its snapshots through pub/sub.
    pub fn new(
        client: UpstreamClient,
        settings: EventSettings,
        clock: Clock,
        metrics: &Metrics,
        store: StateStore,
        budget: Arc<dyn PollBudget>,
    ) -> Self {
        let hub = Self(Arc::new(Inner {
            client,
            settings,
            metrics: metrics.clone(),
            clock,
            registry: Mutex::default(),
            budget,
            store: store.clone(),
            replica: uuid::Uuid::new_v4().simple().to_string(),
            draining: watch::Sender::new(false),
        }));
        let (sink, mut messages) = tokio::sync::mpsc::channel::<(String, String)>(256);
        if store.subscribe(&format!("{}*", feed::CHANNEL_PREFIX), sink) {
            let weak = Arc::downgrade(&hub.0);
            tokio::spawn(async move {
                while let Some((channel, payload)) = messages.recv().await {
                    let Some(inner) = weak.upgrade() else { return };
                    EventHub(inner).heard(&channel, &payload);
                }
            });
        }
        hub
    }

    /// A snapshot another replica's poller published on `channel` (`tenant:events:…`): handed
    /// to this replica's watchers of that feed, if any.
    fn heard(&self, channel: &str, payload: &str) {
        let Some(key) = feed::key_of_channel(channel) else {
            return;
        };
        let sender = {
            let registry = self
                .0
                .registry
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            match registry.feeds.get(&key) {
                Some(entry) => Arc::clone(&entry.sender),
                None => return,
            }
        };
        if let Some(snapshot) = wire::decode(payload) {
            feed::publish_locally(&sender, snapshot);
        }
    }

    /// The `[events]` settings.
    pub fn settings(&self) -> &EventSettings {
        &self.0.settings
    }

    /// The clock token expiry is read on.
    pub fn clock(&self) -> &Clock {
        &self.0.clock
    }

    /// The metrics streams record into.
    pub fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }

    /// Opens a stream of `user` of `tenant` on `key`: checks the limits, then joins the feed's
    /// poller or starts it.
    pub fn open(&self, tenant: &Arc<Tenant>, user: &str, key: FeedKey) -> Result<Watch, OpenError> {
        if *self.0.draining.borrow() {
            return Err(OpenError::Draining);
        }
        let settings = &self.0.settings;
        let user_key = (tenant.id.clone(), user.to_owned());
        let mut registry = self
            .0
            .registry
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if registry.streams >= settings.max_streams {
            return Err(OpenError::ReplicaLimit);
        }
        let held = registry.per_user.get(&user_key).copied().unwrap_or(0);
        if held >= settings.max_streams_per_user {
            return Err(OpenError::UserLimit);
        }
        registry.streams += 1;
        *registry.per_user.entry(user_key.clone()).or_default() += 1;
        let snapshot = match registry.feeds.get_mut(&key) {
            Some(entry) => {
                entry.watchers += 1;
                entry.snapshot.clone()
            }
            None => {
                let (sender, receiver) = watch::channel(None);
                let sender = Arc::new(sender);
                let nudge = Arc::new(tokio::sync::Notify::new());
                let lease = self.0.store.is_shared().then(|| feed::Lease {
                    store: self.0.store.clone(),
                    tenant: tenant.id.clone(),
                    key: feed::lease_key(&key),
                    replica: self.0.replica.clone(),
                    ttl: settings.max_interval.saturating_mul(2) + Duration::from_secs(1),
                    held: false,
                });
                let task = tokio::spawn(feed::run(
                    feed::Poller {
                        client: self.0.client.clone(),
                        tenant: Arc::clone(tenant),
                        key: key.clone(),
                        settings: *settings,
                        metrics: self.0.metrics.clone(),
                        budget: Arc::clone(&self.0.budget),
                    },
                    Arc::clone(&sender),
                    Arc::clone(&nudge),
                    lease,
                ));
                registry.feeds.insert(
                    key.clone(),
                    FeedEntry {
                        sender,
                        snapshot: receiver.clone(),
                        nudge,
                        watchers: 1,
                        task,
                    },
                );
                receiver
            }
        };
        self.record_gauges(&registry);
        drop(registry);
        Ok(Watch {
            hub: self.clone(),
            key,
            user: user_key,
            snapshot,
            draining: self.0.draining.subscribe(),
        })
    }

    /// Asks the pollers of `tenant`'s ticket `ticket_id` and of its list to poll now, at their
    /// fastest interval: a write through this gateway changed it.
    pub fn nudge(&self, tenant: &str, ticket_id: &str) {
        let registry = self
            .0
            .registry
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for key in [
            FeedKey::Ticket {
                tenant: tenant.to_owned(),
                ticket: ticket_id.to_owned(),
            },
            FeedKey::Tenant {
                tenant: tenant.to_owned(),
            },
        ] {
            if let Some(entry) = registry.feeds.get(&key) {
                entry.nudge.notify_one();
            }
        }
    }

    /// Ends every stream (each sends its `retry:` hint) and refuses new ones: the first step
    /// of a drain, before the listener closes.
    pub fn drain(&self) {
        self.0.draining.send_replace(true);
    }

    /// Open streams on this replica.
    pub fn open_streams(&self) -> usize {
        self.0
            .registry
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .streams
    }

    fn leave(&self, key: &FeedKey, user: &(String, String)) {
        let mut registry = self
            .0
            .registry
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        registry.streams = registry.streams.saturating_sub(1);
        if let Some(held) = registry.per_user.get_mut(user) {
            *held = held.saturating_sub(1);
            if *held == 0 {
                registry.per_user.remove(user);
            }
        }
        if let Some(entry) = registry.feeds.get_mut(key) {
            entry.watchers = entry.watchers.saturating_sub(1);
            if entry.watchers == 0
                && let Some(entry) = registry.feeds.remove(key)
            {
                entry.task.abort();
            }
        }
        self.record_gauges(&registry);
    }

    fn record_gauges(&self, registry: &Registry) {
        let metrics = self.0.metrics.events();
        for kind in ["ticket", "tenant"] {
            let (mut pollers, mut watchers) = (0, 0);
            for (key, entry) in &registry.feeds {
                if key.kind() == kind {
                    pollers += 1;
                    watchers += entry.watchers;
                }
            }
            metrics.set_feed(kind, watchers, pollers);
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.hub.leave(&self.key, &self.user);
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        let registry = self
            .registry
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        for entry in registry.feeds.values() {
            entry.task.abort();
        }
    }
}

/// The pause after `current` when a poll found nothing new (or failed): doubled, at most `max`.
pub(crate) fn slower(current: Duration, max: Duration) -> Duration {
    current.saturating_mul(2).min(max)
}
