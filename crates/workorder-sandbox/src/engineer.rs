//! The simulated support engineer: some time after a user note (a new ticket or a reply), an
//! official note arrives and the ticket waits for the user's feedback. Runs as a detached
//! task on the serving runtime; a delay of zero disables it.

use std::sync::Arc;
use std::time::Duration;

use super::state::AccountSlot;

/// Schedules the engineer's answer to `ticket_id` after `delay`.
pub(crate) fn schedule(slot: Arc<AccountSlot>, ticket_id: String, delay: Duration) {
    if delay.is_zero() {
        return;
    }
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let answered = slot.tickets().engineer_answers(&ticket_id, now_epoch_ms());
        tracing::debug!(ticket = %ticket_id, answered, "sandbox engineer looked at a ticket");
    });
}

/// Current time in epoch milliseconds: the wire shows seconds, the list lag needs finer.
pub(crate) fn now_epoch_ms() -> i64 {
    let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    // Beyond i64 milliseconds lies the year 292 million: saturate rather than fail.
    i64::try_from(nanos).unwrap_or(i64::MAX)
}
