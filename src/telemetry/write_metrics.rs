//! Metrics of exactly-once writes: how often an attempt's outcome was unknown and what
//! reconciling it found, as families of the application's registry (recorded through
//! [`super::metrics::Metrics`]). Labels come from closed sets (operation, result).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

/// The write operations reconciled.
pub const OPERATIONS: [&str; 2] = ["create_ticket", "reply_ticket"];

/// What a reconciliation found: `found` (the earlier attempt took effect), `not_found` (it did
/// not, after the grace), `failed` (the lists could not be read; the outcome stays unknown).
pub const RESULTS: [&str; 3] = ["found", "not_found", "failed"];

/// How a keyed write ended: `sent`, `replayed`, `reconciled`, `in_progress` (409),
/// `state_unavailable` (503), `unknown` (ambiguous, left for a retry), `failed` (nothing
/// happened).
pub const KEYED_RESULTS: [&str; 7] = [
    "sent",
    "replayed",
    "reconciled",
    "in_progress",
    "state_unavailable",
    "unknown",
    "failed",
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReconcileLabels {
    operation: &'static str,
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WriteLabels {
    operation: &'static str,
    result: &'static str,
}

/// The write families of one application's registry (see [`super::metrics::Metrics`]).
#[derive(Clone)]
pub(super) struct WriteMetrics {
    reconciliations: Family<ReconcileLabels, Counter>,
    writes: Family<WriteLabels, Counter>,
}

impl WriteMetrics {
    /// Every series of the closed label sets at 0, so `increase()` sees their first event.
    pub(super) fn new() -> Self {
        let reconciliations = Family::<ReconcileLabels, Counter>::default();
        let writes = Family::<WriteLabels, Counter>::default();
        for operation in OPERATIONS {
            for result in RESULTS {
                reconciliations
                    .get_or_create(&ReconcileLabels { operation, result })
                    .inc_by(0);
            }
            for result in KEYED_RESULTS {
                writes
                    .get_or_create(&WriteLabels { operation, result })
                    .inc_by(0);
            }
        }
        Self {
            reconciliations,
            writes,
        }
    }

    /// Adds the write metrics to the application's registry.
    pub(super) fn register(&self, registry: &mut Registry) {
        registry.register(
            "write_reconciliations",
            "Reconciliations of writes whose outcome was unknown, by operation and result",
            self.reconciliations.clone(),
        );
        registry.register(
            "writes",
            "Ticket writes by operation and how they ended",
            self.writes.clone(),
        );
    }

    pub(super) fn record_reconciliation(&self, operation: &'static str, result: &'static str) {
        self.reconciliations
            .get_or_create(&ReconcileLabels { operation, result })
            .inc();
    }

    pub(super) fn record_write(&self, operation: &'static str, result: &'static str) {
        self.writes
            .get_or_create(&WriteLabels { operation, result })
            .inc();
    }
}
