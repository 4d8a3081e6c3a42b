//! One stream's task: turns its feed's snapshots into frames for one client, adds heartbeats,
//! and ends the stream when the token expires, when the gateway drains, when the client
//! leaves, or when the client reads too slowly. Frames go through a queue of
//! [`super::STREAM_QUEUE`] that the response body drains; a frame that cannot be queued within
//! `events.slow_reader_timeout_ms` ends the stream (the reader reconnects with its
//! `Last-Event-ID` and loses nothing).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::cursor::{Cursor, TicketEvent};
use super::feed::Snapshot;
use super::{EventHub, STREAM_QUEUE, Watch};
use crate::tickets::TicketWrites;
use workorder_api::actions::TicketSummary;

/// What the response body writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A ticket stream's `note` or `status` event.
    Ticket(TicketEvent),
    /// A list stream's event: `ticket` (a new ticket) or `status` (a ticket's status changed).
    List {
        /// `ticket` or `status`.
        event: &'static str,
        /// The ticket.
        ticket: TicketSummary,
    },
    /// A comment line that keeps proxies from closing an idle stream.
    Heartbeat,
    /// The token expired: the last frame; the client signs in again and reconnects.
    Expired,
    /// The gateway is draining: the last frame, with the `retry:` delay (milliseconds) before
    /// the client reconnects, to another replica.
    Shutdown(u64),
}

impl Frame {
    /// The `event:` name, as counted in `wog_events_sent_total`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Ticket(TicketEvent::Note { .. }) => "note",
            Self::Ticket(TicketEvent::Status { .. })
            | Self::List {
                event: "status", ..
            } => "status",
            Self::List { .. } => "ticket",
            Self::Heartbeat => "heartbeat",
            Self::Expired => "expired",
            Self::Shutdown(_) => "shutdown",
        }
    }
}

/// Why a stream ended (`wog_event_streams_ended_total{reason}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamEnd {
    /// The client closed the connection.
    ClientLeft,
    /// The token expired.
    TokenExpired,
    /// The gateway drained.
    Drained,
    /// The client did not read its queued frames in time.
    SlowReader,
}

impl StreamEnd {
    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            Self::ClientLeft => "client_left",
            Self::TokenExpired => "token_expired",
            Self::Drained => "drained",
            Self::SlowReader => "slow_reader",
        }
    }
}

/// The labels of [`StreamEnd::label`].
pub const STREAM_ENDS: [&str; 4] = ["client_left", "token_expired", "drained", "slow_reader"];

/// Own-visibility filtering of a list stream: only tickets `user` created are shown.
#[derive(Debug, Clone)]
pub struct OwnTickets {
    /// Where ownership is recorded.
    pub writes: TicketWrites,
    /// The tenant.
    pub tenant: String,
    /// The user.
    pub user: String,
}

/// What a stream shows.
#[derive(Debug)]
pub enum Shows {
    /// One ticket, from a cursor.
    Ticket(Cursor),
    /// The tenant's list, optionally only the user's own tickets.
    List(Option<Box<OwnTickets>>),
}

/// Starts the task of one stream and hands back its queue.
pub fn spawn(hub: &EventHub, watch: Watch, shows: Shows, expires_at: u64) -> mpsc::Receiver<Frame> {
    let (tx, rx) = mpsc::channel(STREAM_QUEUE);
    let hub = hub.clone();
    tokio::spawn(async move {
        let kind = watch.key.kind();
        let end = run(&hub, watch, shows, expires_at, &tx).await;
        hub.metrics().events().record_end(kind, end.label());
    });
    rx
}

struct Sender<'a> {
    tx: &'a mpsc::Sender<Frame>,
    hub: &'a EventHub,
    kind: &'static str,
}

impl Sender<'_> {
    /// Queues `frame`; the end of the stream if the client left or reads too slowly.
    async fn send(&self, frame: Frame) -> Result<(), StreamEnd> {
        let name = frame.name();
        let queued = queue(self.tx, frame, self.hub.settings().slow_reader_timeout).await;
        match queued {
            Ok(()) => self.hub.metrics().events().record_sent(self.kind, name),
            Err(StreamEnd::SlowReader) => {
                tracing::info!(
                    stream = self.kind,
                    "event stream reader too slow; stream ended"
                );
            }
            Err(_) => {}
        }
        queued
    }
}

/// Puts `frame` in the stream's bounded queue, waiting at most `patience` for room.
async fn queue(
    tx: &mpsc::Sender<Frame>,
    frame: Frame,
    patience: Duration,
) -> Result<(), StreamEnd> {
    match tokio::time::timeout(patience, tx.send(frame)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(StreamEnd::ClientLeft),
        Err(_) => Err(StreamEnd::SlowReader),
    }
}

async fn run(
    hub: &EventHub,
    mut watch: Watch,
    mut shows: Shows,
    expires_at: u64,
    tx: &mpsc::Sender<Frame>,
) -> StreamEnd {
    let sender = Sender {
        tx,
        hub,
        kind: watch.key.kind(),
    };
    let clock = hub.clock().clone();
    let expired = || u64::try_from(clock.now_ms() / 1000).unwrap_or(0) >= expires_at;
    let beat = hub.settings().heartbeat;
    let mut heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + beat, beat);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let left_ms = i64::try_from(expires_at)
        .unwrap_or(i64::MAX)
        .saturating_mul(1000)
        .saturating_sub(clock.now_ms());
    let expiry = tokio::time::sleep(Duration::from_millis(u64::try_from(left_ms).unwrap_or(0)));
    tokio::pin!(expiry);
    // A list stream's view of the list: id → status, rebuilt from each snapshot (so at most a
    // page); `None` until the first snapshot, which only sets the baseline.
    let mut seen: Option<HashMap<String, String>> = None;
    loop {
        if expired() {
            return end_with(&sender, Frame::Expired, StreamEnd::TokenExpired).await;
        }
        let snapshot = watch.snapshot.borrow_and_update().clone();
        if let Some(snapshot) = snapshot
            && let Err(end) = deliver(&sender, &mut shows, &mut seen, &snapshot).await
        {
            return end;
        }
        tokio::select! {
            biased;
            // The guard `wait_for` returns must not live across the send below.
            () = async { drop(watch.draining.wait_for(|d| *d).await); } => {
                let retry = u64::try_from(hub.settings().retry.as_millis()).unwrap_or(u64::MAX);
                return end_with(&sender, Frame::Shutdown(retry), StreamEnd::Drained).await;
            }
            () = tx.closed() => return StreamEnd::ClientLeft,
            () = &mut expiry => {
                return end_with(&sender, Frame::Expired, StreamEnd::TokenExpired).await;
            }
            changed = watch.snapshot.changed() => {
                if changed.is_err() {
                    // The feed is gone only when the hub is: the gateway is stopping.
                    return StreamEnd::Drained;
                }
            }
            _ = heartbeat.tick() => {
                if !expired() && let Err(end) = sender.send(Frame::Heartbeat).await {
                    return end;
                }
            }
        }
    }
}

async fn end_with(sender: &Sender<'_>, frame: Frame, end: StreamEnd) -> StreamEnd {
    match sender.send(frame).await {
        Ok(()) => end,
        Err(other) => other,
    }
}

async fn deliver(
    sender: &Sender<'_>,
    shows: &mut Shows,
    seen: &mut Option<HashMap<String, String>>,
    snapshot: &Arc<Snapshot>,
) -> Result<(), StreamEnd> {
    match (shows, snapshot.as_ref()) {
        (Shows::Ticket(cursor), Snapshot::Ticket(ticket)) => {
            while let Some(event) = cursor.next(ticket) {
                sender.send(Frame::Ticket(event)).await?;
            }
        }
        (Shows::List(own), Snapshot::List(list)) => {
            let now: HashMap<String, String> = list
                .tickets
                .iter()
                .map(|t| (t.id.clone(), t.ticket_status.clone()))
                .collect();
            let Some(before) = seen.replace(now) else {
                return Ok(());
            };
            let mut changes: Vec<(&'static str, &TicketSummary)> = Vec::new();
            // Oldest first, as they happened.
            for ticket in list.tickets.iter().rev() {
                match before.get(&ticket.id) {
                    None => changes.push(("ticket", ticket)),
                    Some(status) if *status != ticket.ticket_status => {
                        changes.push(("status", ticket));
                    }
                    Some(_) => {}
                }
            }
            if changes.is_empty() {
                return Ok(());
            }
            let owned = match own {
                None => None,
                Some(own) => Some(
                    own.writes
                        .owned_ids(&own.tenant, &own.user)
                        .await
                        .unwrap_or_default(),
                ),
            };
            for (event, ticket) in changes {
                if owned.as_ref().is_none_or(|ids| ids.contains(&ticket.id)) {
                    sender
                        .send(Frame::List {
                            event,
                            ticket: ticket.clone(),
                        })
                        .await?;
                }
            }
        }
        // A feed publishes one kind of snapshot only: its key decides.
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_reader_that_leaves_its_queue_full_is_dropped_and_one_that_left_is_noticed() {
        let patience = Duration::from_millis(50);
        let (tx, mut rx) = mpsc::channel(STREAM_QUEUE);
        for _ in 0..STREAM_QUEUE {
            assert_eq!(queue(&tx, Frame::Heartbeat, patience).await, Ok(()));
        }
        assert_eq!(
            queue(&tx, Frame::Heartbeat, patience).await,
            Err(StreamEnd::SlowReader)
        );
        // A reader that takes one frame makes room for one more.
        assert_eq!(rx.recv().await, Some(Frame::Heartbeat));
        assert_eq!(queue(&tx, Frame::Expired, patience).await, Ok(()));
        drop(rx);
        assert_eq!(
            queue(&tx, Frame::Heartbeat, patience).await,
            Err(StreamEnd::ClientLeft)
        );
    }
}
