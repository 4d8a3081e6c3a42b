//! Metrics of exactly-once writes: how often an attempt's outcome was unknown and what
//! reconciling it found. Labels come from closed sets (operation, result).

use std::sync::LazyLock;

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

static RECONCILIATIONS: LazyLock<Family<ReconcileLabels, Counter>> = LazyLock::new(|| {
    let family = Family::<ReconcileLabels, Counter>::default();
    for operation in OPERATIONS {
        for result in RESULTS {
            family
                .get_or_create(&ReconcileLabels { operation, result })
                .inc_by(0);
        }
    }
    family
});

static WRITES: LazyLock<Family<WriteLabels, Counter>> = LazyLock::new(|| {
    let family = Family::<WriteLabels, Counter>::default();
    for operation in OPERATIONS {
        for result in KEYED_RESULTS {
            family
                .get_or_create(&WriteLabels { operation, result })
                .inc_by(0);
        }
    }
    family
});

/// Adds the write metrics to the gateway's registry.
pub(super) fn register(registry: &mut Registry) {
    registry.register(
        "write_reconciliations",
        "Reconciliations of writes whose outcome was unknown, by operation and result",
        RECONCILIATIONS.clone(),
    );
    registry.register(
        "writes",
        "Ticket writes by operation and how they ended",
        WRITES.clone(),
    );
}

/// Counts one reconciliation; both labels must come from [`OPERATIONS`] and [`RESULTS`].
pub fn record_reconciliation(operation: &'static str, result: &'static str) {
    RECONCILIATIONS
        .get_or_create(&ReconcileLabels { operation, result })
        .inc();
}

/// Counts one finished write; labels from [`OPERATIONS`] and [`KEYED_RESULTS`].
pub fn record_write(operation: &'static str, result: &'static str) {
    WRITES
        .get_or_create(&WriteLabels { operation, result })
        .inc();
}
