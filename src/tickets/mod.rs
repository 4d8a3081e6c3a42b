//! The ticket write service: filing tickets and replying to them exactly once. Handlers parse
//! and render; everything between — the `Idempotency-Key` records, the upstream call, what to do
//! when its outcome is unknown (reconcile, then maybe re-send), claims on what was made, audit
//! — happens here, for `POST /tickets` and `POST /tickets/{id}/notes` alike.
//!
//! Invariant: a create or reply is sent again only after the upstream's own lists showed that
//! no earlier attempt of it took effect (or the failure proved nothing happened). So neither a
//! client's retry nor the gateway's own re-send can file a second ticket or post a second note.

mod create;
mod exactly_once;
mod ownership;
mod reply;

use std::time::Duration;

pub use create::create_ticket;
pub use exactly_once::{Written, WrittenHow};
pub use ownership::{Access, OWNED_INDEX_MAX, limited_to_own};
pub use reply::{NewReply, reply_to_ticket};

use crate::clock::Clock;
use crate::settings::IdempotencySettings;
use crate::state::writes::WriteRecords;
use crate::state::{Fingerprinter, StateStore};
use crate::telemetry::Metrics;

/// Timings of the exactly-once rules (from `[idempotency]`).
#[derive(Debug, Clone, Copy)]
pub struct WritePolicy {
    /// How long a request waits for a key in flight elsewhere.
    pub in_flight_wait: Duration,
    /// How long the upstream's lists get to show an ambiguous attempt's result.
    pub reconcile_grace: Duration,
    /// Tolerated difference between the gateway's and the upstream's clocks.
    pub clock_skew: Duration,
    /// Most sends of one write by one request.
    pub max_sends: u32,
}

/// The write service: shared by all workers.
#[derive(Debug, Clone)]
pub struct TicketWrites {
    records: WriteRecords,
    fingerprinter: Fingerprinter,
    policy: WritePolicy,
    clock: Clock,
    /// The application's metrics: keyed writes and reconciliations.
    metrics: Metrics,
}

impl TicketWrites {
    /// The service over `store`, configured by `[idempotency]`, its leases and windows timed
    /// by `clock`, counted in `metrics`.
    pub fn new(
        store: StateStore,
        fingerprinter: Fingerprinter,
        settings: &IdempotencySettings,
        clock: Clock,
        metrics: &Metrics,
    ) -> Self {
        Self {
            records: WriteRecords::new(
                store,
                Duration::from_secs(settings.ttl_secs),
                Duration::from_secs(settings.lease_secs),
            ),
            fingerprinter,
            policy: WritePolicy {
                in_flight_wait: Duration::from_millis(settings.in_flight_wait_ms),
                reconcile_grace: Duration::from_millis(settings.reconcile_grace_ms),
                clock_skew: Duration::from_secs(settings.clock_skew_secs),
                max_sends: settings.max_sends,
            },
            clock,
            metrics: metrics.clone(),
        }
    }

    /// The keyed hashes used for bodies and contents.
    pub fn fingerprinter(&self) -> &Fingerprinter {
        &self.fingerprinter
    }

    /// The time the records' rules are decided by: wall time, because the records are shared
    /// with other replicas and compared with the upstream's timestamps. The rules themselves
    /// take the time as an argument (`state::writes`).
    fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}
