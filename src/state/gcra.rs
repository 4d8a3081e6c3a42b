//! The generic cell rate algorithm (GCRA): a rate limit kept as one number per bucket, the
//! "theoretical arrival time" (TAT) of the next request. One read and one write per check, so a
//! shared backend can do it atomically in a single round trip (the Redis backend runs the same
//! arithmetic as a server-side script).
//!
//! With an emission interval `T = 1 s / per_second` and a burst `B`: a request at `now` is
//! allowed when `max(tat, now) + T - B·T <= now`; then `tat` becomes `max(tat, now) + T`.
//! So `B` requests pass at once, then one every `T`.

use std::time::Duration;

/// The answer of one rate check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDecision {
    /// Allowed; the bucket was charged.
    Allowed,
    /// Refused; a request would be allowed after this long.
    Limited(Duration),
}

/// Microseconds between two requests at `per_second` (at least 1 µs).
pub(crate) fn emission_interval_us(per_second: u32) -> i64 {
    (1_000_000 / i64::from(per_second.max(1))).max(1)
}

/// One GCRA step: from the stored TAT (microseconds; `None` = fresh bucket) to the decision and
/// the TAT to store when allowed.
pub(crate) fn step(
    stored_tat_us: Option<i64>,
    now_us: i64,
    per_second: u32,
    burst: u32,
) -> (RateDecision, Option<i64>) {
    let interval = emission_interval_us(per_second);
    let tat = stored_tat_us.unwrap_or(now_us).max(now_us);
    let new_tat = tat + interval;
    let allow_at = new_tat - interval * i64::from(burst.max(1));
    if now_us < allow_at {
        let wait = u64::try_from(allow_at - now_us).unwrap_or(0);
        (RateDecision::Limited(Duration::from_micros(wait)), None)
    } else {
        (RateDecision::Allowed, Some(new_tat))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_at_once_then_one_request_per_interval() {
        let (per_second, burst) = (10, 3);
        let mut tat = None;
        let now = 1_000_000_000;
        for _ in 0..3 {
            let (decision, next) = step(tat, now, per_second, burst);
            assert_eq!(decision, RateDecision::Allowed);
            tat = next;
        }
        let (decision, next) = step(tat, now, per_second, burst);
        assert_eq!(decision, RateDecision::Limited(Duration::from_millis(100)));
        assert_eq!(next, None, "a refusal charges nothing");
        let (decision, _) = step(tat, now + 100_000, per_second, burst);
        assert_eq!(decision, RateDecision::Allowed);
    }

    #[test]
    fn an_idle_bucket_refills_to_the_burst_and_no_further() {
        let mut tat = None;
        let now = 5_000_000;
        for _ in 0..2 {
            tat = step(tat, now, 1, 2).1;
        }
        let later = now + 60_000_000;
        let mut allowed = 0;
        for _ in 0..5 {
            let (decision, next) = step(tat, later, 1, 2);
            if decision == RateDecision::Allowed {
                allowed += 1;
                tat = next;
            }
        }
        assert_eq!(allowed, 2);
    }
}
