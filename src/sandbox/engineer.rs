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
        let answered = slot.tickets().engineer_answers(&ticket_id, now_epoch());
        tracing::debug!(ticket = %ticket_id, answered, "sandbox engineer looked at a ticket");
    });
}

/// Current time in epoch seconds.
pub(crate) fn now_epoch() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
