//! Which failed attempt may be repeated: the rule, as a pure classification. The loop, the
//! backoff and the attempt limit belong to the caller.
//!
//! - Idempotent actions (the `List*` reads and CloseTicket, [`crate::Action::IDEMPOTENT`]) are
//!   repeated on connection errors, timeouts, 5xx / `System.error` / `ServiceUnavailable` and
//!   throttling.
//! - CreateTicket and ReplyTicket are repeated only when the request provably never reached the
//!   upstream (connection refused, DNS or TLS failure, connect timeout): after a 5xx, a timeout
//!   or a connection lost mid-call the upstream may have acted, and a duplicate ticket is worse
//!   than an error.
//! - Refusals (credentials, parameters, unknown codes) and unreadable answers are never
//!   repeated.

use crate::error::FaultClass;

/// How a failed attempt ended, as far as repeating it is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The upstream answered with an error of this class.
    Answered(FaultClass),
    /// The request provably never left: connection refused, DNS or TLS failure, connect
    /// timeout.
    NeverSent,
    /// The request may have reached the upstream and no answer came (a timeout after sending,
    /// a connection lost mid-call).
    NoAnswer,
    /// An answer came but could not be read as a Workorder answer.
    Unreadable,
}

impl AttemptOutcome {
    /// Whether repeating the attempt could succeed (transient transport or upstream trouble).
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            Self::Answered(FaultClass::Throttled | FaultClass::Unavailable)
                | Self::NeverSent
                | Self::NoAnswer
        )
    }

    /// Whether an action with this idempotency may be sent again after this outcome.
    pub fn may_repeat(self, idempotent: bool) -> bool {
        if idempotent {
            self.is_transient()
        } else {
            self == Self::NeverSent
        }
    }

    /// True when the outcome proves the upstream did not carry out a write: it refused the
    /// call (credentials, parameters, throttling, any business error), or the request never
    /// left. False when the effect is unknown (no answer, an unreadable one, a 5xx): a create
    /// or reply must then be reconciled before it is sent again.
    pub fn proves_nothing_happened(self) -> bool {
        match self {
            Self::Answered(class) => class != FaultClass::Unavailable,
            Self::NeverSent => true,
            Self::NoAnswer | Self::Unreadable => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_repeat_transient_failures_and_writes_only_what_never_left() {
        let unavailable = AttemptOutcome::Answered(FaultClass::Unavailable);
        assert!(unavailable.may_repeat(true));
        assert!(AttemptOutcome::NoAnswer.may_repeat(true));
        assert!(!AttemptOutcome::Unreadable.may_repeat(true));
        assert!(!AttemptOutcome::Answered(FaultClass::Refused).may_repeat(true));
        assert!(!unavailable.may_repeat(false));
        assert!(!AttemptOutcome::NoAnswer.may_repeat(false));
        assert!(AttemptOutcome::NeverSent.may_repeat(false));
    }

    #[test]
    fn only_refusals_and_requests_that_never_left_prove_a_write_did_not_happen() {
        assert!(AttemptOutcome::Answered(FaultClass::Throttled).proves_nothing_happened());
        assert!(AttemptOutcome::NeverSent.proves_nothing_happened());
        assert!(!AttemptOutcome::Answered(FaultClass::Unavailable).proves_nothing_happened());
        assert!(!AttemptOutcome::NoAnswer.proves_nothing_happened());
        assert!(!AttemptOutcome::Unreadable.proves_nothing_happened());
    }
}
