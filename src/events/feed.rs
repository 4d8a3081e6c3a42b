//! One poller: asks the upstream for a ticket (its status and notes) or a tenant's newest
//! tickets, publishes what it got as the feed's snapshot, and waits — `events.min_interval_ms`
//! after a change or a nudge, doubling up to `events.max_interval_ms` while nothing changes
//! and after upstream errors (the streams stay open; they just hear nothing new).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};

use super::cursor::TicketSnapshot;
use super::{FeedKey, slower};
use crate::settings::EventSettings;
use crate::state::StateStore;
use crate::telemetry::Metrics;
use crate::tenants::Tenant;
use crate::upstream::{UpstreamClient, UpstreamError};
use workorder_api::actions::{ListTicketNotes, ListTickets, TicketSummary};

/// Tickets of a tenant's list feed: its newest page. New tickets beyond this many in one
/// interval are not all announced (a list view reloads its list on reconnect anyway).
pub const LIST_PAGE_SIZE: u32 = 50;

/// A tenant's newest tickets, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListSnapshot {
    /// At most [`LIST_PAGE_SIZE`] tickets.
    pub tickets: Vec<TicketSummary>,
}

/// What a feed publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Snapshot {
    /// A ticket and its conversation.
    Ticket(TicketSnapshot),
    /// A tenant's newest tickets.
    List(ListSnapshot),
}

/// What a poller polls, and how.
pub(super) struct Poller {
    pub(super) client: UpstreamClient,
    pub(super) tenant: Arc<Tenant>,
    pub(super) key: FeedKey,
    pub(super) settings: EventSettings,
    pub(super) metrics: Metrics,
    pub(super) budget: Arc<dyn super::PollBudget>,
}

/// Channels of the feeds between replicas, under each tenant's namespace of the shared state:
/// `events:t:<ticket>` and `events:list`.
pub(super) const CHANNEL_PREFIX: &str = "events:";

/// The pub/sub channel (within the tenant) of `key`.
fn channel(key: &FeedKey) -> String {
    match key {
        FeedKey::Ticket { ticket, .. } => format!("{CHANNEL_PREFIX}t:{ticket}"),
        FeedKey::Tenant { .. } => format!("{CHANNEL_PREFIX}list"),
    }
}

/// The lease key (within the tenant) of `key`.
pub(super) fn lease_key(key: &FeedKey) -> String {
    format!("lease:{}", channel(key))
}

/// The feed a `tenant:events:…` channel (as the subscription reports it) belongs to.
pub(super) fn key_of_channel(channel: &str) -> Option<FeedKey> {
    let (tenant, rest) = channel.split_once(':')?;
    let rest = rest.strip_prefix(CHANNEL_PREFIX)?;
    let tenant = tenant.to_owned();
    if rest == "list" {
        return Some(FeedKey::Tenant { tenant });
    }
    let ticket = rest.strip_prefix("t:")?;
    crate::validation::is_ticket_id(ticket).then(|| FeedKey::Ticket {
        tenant,
        ticket: ticket.to_owned(),
    })
}

/// Hands `snapshot` to this replica's watchers; true when it differs from what they had.
pub(super) fn publish_locally(
    sender: &watch::Sender<Option<Arc<Snapshot>>>,
    snapshot: Snapshot,
) -> bool {
    sender.send_if_modified(|current| {
        if current.as_deref() == Some(&snapshot) {
            false
        } else {
            *current = Some(Arc::new(snapshot));
            true
        }
    })
}

/// The right to poll a feed for every replica (shared state backends only): a value in the
/// state store naming the replica, renewed at each poll, expiring `ttl` after the last renewal
/// (so a crashed holder is replaced), and given back when the poller stops.
pub(super) struct Lease {
    pub(super) store: StateStore,
    pub(super) tenant: String,
    pub(super) key: String,
    pub(super) replica: String,
    pub(super) ttl: Duration,
    pub(super) held: bool,
}

impl Lease {
    /// Whether this replica should poll now: it holds (or just took) the lease, or the shared
    /// state cannot be reached — then every replica polls for its own watchers rather than
    /// leave them without updates.
    async fn hold(&mut self) -> bool {
        let me = Some(self.replica.as_str());
        let result = if self.held {
            match self
                .store
                .compare_and_swap(&self.tenant, &self.key, me, me, self.ttl)
                .await
            {
                Ok(true) => Ok(true),
                Ok(false) => {
                    self.held = false;
                    self.store
                        .compare_and_swap(&self.tenant, &self.key, None, me, self.ttl)
                        .await
                }
                Err(err) => Err(err),
            }
        } else {
            self.store
                .compare_and_swap(&self.tenant, &self.key, None, me, self.ttl)
                .await
        };
        match result {
            Ok(held) => {
                self.held = held;
                held
            }
            Err(err) => {
                tracing::info!(error = %err, "event poller lease unavailable; polling locally");
                self.held = false;
                true
            }
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if !self.held {
            return;
        }
        let (store, tenant, key, replica) = (
            self.store.clone(),
            std::mem::take(&mut self.tenant),
            std::mem::take(&mut self.key),
            std::mem::take(&mut self.replica),
        );
        // The poller stopped (its last watcher left): let another replica take over now
        // rather than after the lease expires. Best effort; expiry is the fallback.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = store
                    .compare_and_swap(&tenant, &key, Some(&replica), None, Duration::from_secs(1))
                    .await;
            });
        }
    }
}

/// Polls until aborted (by the hub, when its last watcher leaves). With a `lease`, polls only
/// while holding it (and once at the start, so this replica's first watcher gets the
/// conversation at once), publishing every snapshot to the other replicas; otherwise it only
/// checks the lease, every `min_interval`, while the holder's snapshots arrive by pub/sub.
pub(super) async fn run(
    poller: Poller,
    sender: Arc<watch::Sender<Option<Arc<Snapshot>>>>,
    nudge: Arc<Notify>,
    mut lease: Option<Lease>,
) {
    let Poller {
        client,
        tenant,
        key,
        settings,
        metrics,
        budget,
    } = poller;
    let kind = key.kind();
    let channel = channel(&key);
    let mut interval = settings.min_interval;
    // The first poll, and one after a write through this replica (a nudge), happen here
    // whoever holds the lease: this replica's watchers (and, after a write, everyone's)
    // should not wait for the holder's next turn.
    let mut out_of_turn = true;
    loop {
        let polls = match lease.as_mut() {
            None => true,
            Some(lease) => lease.hold().await || out_of_turn,
        };
        let nudged = std::mem::replace(&mut out_of_turn, false);
        let admitted = if polls {
            budget.admit(&tenant.id).await
        } else {
            Ok(())
        };
        if let Err(wait) = admitted {
            metrics.events().record_poll(kind, "limited");
            interval = slower(interval.max(settings.min_interval), settings.max_interval).max(wait);
            // Still this replica's turn: it takes the poll it missed at the next pause.
            out_of_turn = nudged;
        } else if polls {
            match poll(&client, &tenant, &key).await {
                Ok(snapshot) => {
                    metrics.events().record_poll(kind, "ok");
                    if let Some(lease) = lease.as_ref().filter(|l| l.held || nudged) {
                        // Every poll, changed or not: a replica that missed a message (or
                        // just subscribed) is in step again at the next one.
                        let message = super::wire::encode(&snapshot);
                        if let Err(err) = lease.store.publish(&tenant.id, &channel, message).await {
                            tracing::info!(error = %err, "event snapshot not published to other replicas");
                        }
                    }
                    interval = if publish_locally(&sender, snapshot) {
                        settings.min_interval
                    } else {
                        slower(interval, settings.max_interval)
                    };
                }
                Err(err) => {
                    metrics.events().record_poll(kind, "failed");
                    tracing::info!(tenant = %tenant.id, feed = kind, error = %err, "event poll failed; backing off");
                    interval = slower(interval.max(settings.min_interval), settings.max_interval);
                }
            }
        } else {
            interval = settings.min_interval;
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = nudge.notified() => {
                interval = settings.min_interval;
                out_of_turn = true;
            }
        }
    }
}

async fn poll(
    client: &UpstreamClient,
    tenant: &Tenant,
    key: &FeedKey,
) -> Result<Snapshot, PollError> {
    let target = &tenant.target;
    let language = Some(tenant.language);
    match key {
        FeedKey::Ticket { ticket, .. } => {
            let listed = client
                .call(
                    target,
                    &ListTickets {
                        ids: vec![ticket.clone()],
                        page_start: Some(1),
                        page_size: Some(1),
                        language,
                        ..ListTickets::default()
                    },
                )
                .await?;
            let summary = listed
                .data
                .list
                .into_iter()
                .find(|t| t.id == *ticket)
                .ok_or(PollError::Gone)?;
            let notes = client
                .call(
                    target,
                    &ListTicketNotes {
                        ticket_id: ticket.clone(),
                        language,
                    },
                )
                .await?
                .data
                .list;
            Ok(Snapshot::Ticket(TicketSnapshot::new(summary, notes)))
        }
        FeedKey::Tenant { .. } => {
            let listed = client
                .call(
                    target,
                    &ListTickets {
                        page_start: Some(1),
                        page_size: Some(LIST_PAGE_SIZE),
                        language,
                        ..ListTickets::default()
                    },
                )
                .await?;
            Ok(Snapshot::List(ListSnapshot {
                tickets: listed.data.list,
            }))
        }
    }
}

/// Why a poll found nothing to publish.
#[derive(Debug, thiserror::Error)]
enum PollError {
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    /// The ticket was listed when the stream opened and is not now.
    #[error("the ticket is no longer listed")]
    Gone,
}
