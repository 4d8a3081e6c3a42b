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
mod known;
mod lookup;
mod ownership;
mod reply;

pub use create::create_ticket;
pub use exactly_once::{Written, WrittenHow};
pub use known::KnownTickets;
pub use lookup::{audit, ensure_ticket, find_ticket, get_ticket_2021};
pub use ownership::{Access, OWNED_INDEX_MAX, limited_to_own};
pub use reply::{NewReply, reply_to_ticket};

use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::settings::IdempotencySettings;
use crate::state::writes::WriteRecords;
use crate::state::{Fingerprinter, StateStore};
use crate::telemetry::Metrics;
use crate::upstream::UpstreamClient;

/// What a ticket write reaches besides its request: the upstream, the catalog (a new ticket's
/// product and category are checked against it) and the write records.
#[derive(Debug, Clone, Copy)]
pub struct Backends<'a> {
    /// The upstream client; calls carry the principal's tenant target.
    pub client: &'a UpstreamClient,
    /// Cached catalogs.
    pub catalog: &'a Catalog,
    /// The exactly-once records.
    pub writes: &'a TicketWrites,
}

/// The write service: shared by all workers.
#[derive(Debug, Clone)]
pub struct TicketWrites {
    records: WriteRecords,
    fingerprinter: Fingerprinter,
    /// The exactly-once rules' timings and limits.
    policy: IdempotencySettings,
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
            records: WriteRecords::new(store, settings.ttl, settings.lease),
            fingerprinter,
            policy: *settings,
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
