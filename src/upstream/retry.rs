//! When a failed call is repeated, and after how long. Whether an outcome may be repeated for
//! an action is the protocol's rule (`workorder_api::retry`: reads and CloseTicket repeat
//! transient failures; CreateTicket and ReplyTicket only a request that provably never left,
//! since a duplicate ticket is worse than an error); this module adds the attempt limit and
//! the waits ([`RetryPolicy`] itself is the `[upstream]` settings' type).
//! - Delays are "full jitter" exponential backoff: uniform in `[0, min(max, base·2^(n-1))]`.
//!   An upstream `x-acs-retry-after` wins when present; if it asks for longer than `max_delay`,
//!   the error is returned instead of stalling the caller.
//!
//! Each attempt is signed afresh (new timestamp, new nonce): a nonce is never reused.

use std::time::Duration;

use rand::Rng as _;

use super::error::UpstreamError;
use crate::settings::RetryPolicy;

impl RetryPolicy {
    /// Whether to try again after `attempt` (1-based) failed with `error`, and if so how long
    /// to wait first. `idempotent` is [`workorder_api::Action::IDEMPOTENT`].
    pub fn next_delay(
        &self,
        attempt: u32,
        error: &UpstreamError,
        idempotent: bool,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let allowed = error
            .attempt_outcome()
            .is_some_and(|outcome| outcome.may_repeat(idempotent));
        if !allowed {
            return None;
        }
        if let UpstreamError::Throttled {
            retry_after: Some(wait),
            ..
        } = error
        {
            return (*wait <= self.max_delay).then_some(*wait);
        }
        Some(self.jittered(attempt))
    }

    fn jittered(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(16);
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::rng().random_range(0..=millis))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use workorder_api::UpstreamFault;

    fn unavailable() -> UpstreamError {
        UpstreamError::Unavailable(UpstreamFault {
            status: 503,
            code: "ServiceUnavailable".into(),
            message: String::new(),
            request_id: None,
        })
    }

    #[test]
    fn reads_retry_transient_errors_until_the_attempt_limit() {
        let policy = RetryPolicy::default();
        assert!(policy.next_delay(1, &unavailable(), true).is_some());
        assert!(
            policy
                .next_delay(2, &UpstreamError::Timeout { sent: true }, true)
                .is_some()
        );
        assert!(policy.next_delay(3, &unavailable(), true).is_none());
    }

    #[test]
    fn writes_retry_only_when_the_request_never_left() {
        let policy = RetryPolicy::default();
        assert!(policy.next_delay(1, &unavailable(), false).is_none());
        assert!(
            policy
                .next_delay(1, &UpstreamError::Timeout { sent: true }, false)
                .is_none()
        );
        assert!(
            policy
                .next_delay(1, &UpstreamError::Transport("reset".into()), false)
                .is_none()
        );
        assert!(
            policy
                .next_delay(1, &UpstreamError::Connect("refused".into()), false)
                .is_some()
        );
        assert!(
            policy
                .next_delay(1, &UpstreamError::Timeout { sent: false }, false)
                .is_some()
        );
    }

    #[test]
    fn backoff_stays_within_the_exponential_ceiling() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
        };
        for attempt in 1..10 {
            let ceiling = Duration::from_millis(100 * (1 << (attempt - 1))).min(policy.max_delay);
            for _ in 0..50 {
                let delay = policy
                    .next_delay(attempt, &unavailable(), true)
                    .unwrap_or_default();
                assert!(
                    delay <= ceiling,
                    "attempt {attempt}: {delay:?} > {ceiling:?}"
                );
            }
        }
    }

    #[test]
    fn retry_after_is_honoured_unless_it_is_too_long() {
        let policy = RetryPolicy::default();
        let throttled = |ms| UpstreamError::Throttled {
            fault: UpstreamFault {
                status: 400,
                code: "Throttling.User".into(),
                message: String::new(),
                request_id: None,
            },
            retry_after: Some(Duration::from_millis(ms)),
        };
        assert_eq!(
            policy.next_delay(1, &throttled(250), true),
            Some(Duration::from_millis(250))
        );
        assert_eq!(policy.next_delay(1, &throttled(60_000), true), None);
    }
}
