//! One poller: asks the upstream for a ticket (its status and notes) or a tenant's newest
//! tickets, publishes what it got as the feed's snapshot, and waits — `events.min_interval_ms`
//! after a change or a nudge, doubling up to `events.max_interval_ms` while nothing changes
//! and after upstream errors (the streams stay open; they just hear nothing new).

use std::sync::Arc;

use tokio::sync::{Notify, watch};

use super::cursor::TicketSnapshot;
use super::{FeedKey, slower};
use crate::settings::EventSettings;
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

/// Polls `key` for `tenant` until aborted (by the hub, when its last watcher leaves).
pub(super) async fn run(
    client: UpstreamClient,
    tenant: Arc<Tenant>,
    key: FeedKey,
    settings: EventSettings,
    sender: watch::Sender<Option<Arc<Snapshot>>>,
    nudge: Arc<Notify>,
    metrics: Metrics,
) {
    let mut interval = settings.min_interval;
    loop {
        let kind = key.kind();
        match poll(&client, &tenant, &key).await {
            Ok(snapshot) => {
                metrics.events().record_poll(kind, "ok");
                let changed = sender.send_if_modified(|current| {
                    if current.as_deref() == Some(&snapshot) {
                        false
                    } else {
                        *current = Some(Arc::new(snapshot));
                        true
                    }
                });
                interval = if changed {
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
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = nudge.notified() => { interval = settings.min_interval; }
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
