//! What can go wrong calling the Workorder API, classified so callers decide without parsing
//! strings: retry or not, and which HTTP answer to give (the mapping lives in `crate::error`).
//!
//! Invariant: no variant carries request parameters, credentials or signatures. Upstream
//! messages are kept because they are the upstream's own words about our request; the one that
//! can echo request data (`SignatureDoesNotMatch`, whose message carries the server's
//! string-to-sign and thus parameter values) is cut before the echo, and the client withholds
//! the call's confidential values from every error ([`crate::upstream::redact`]).
//!
//! The protocol's part (the fault, its class from the status and code, which outcome may be
//! repeated) is `workorder_api`'s; this enum adds what only a transport knows (timeouts,
//! connection failures, the breaker and the bulkhead).

use std::time::Duration;

pub use workorder_api::error::{FaultClass, UpstreamFault, scrub_message};
use workorder_api::retry::AttemptOutcome;

/// Every way a Workorder call can fail.
#[derive(Debug, Clone, thiserror::Error)]
pub enum UpstreamError {
    /// The tenant's AccessKey, signature or STS token was refused (`InvalidAccessKeyId.*`,
    /// `SignatureDoesNotMatch`, `Forbidden*`, `InvalidSecurityToken*`, …).
    #[error("upstream rejected the credentials: {0}")]
    CredentialsRejected(UpstreamFault),
    /// A parameter was refused (`param.illegal`, `illegalParam.emailOrPhone`,
    /// `MissingParameter`, `InvalidParameter`).
    #[error("upstream rejected a parameter: {0}")]
    InvalidParameter(UpstreamFault),
    /// Flow control (`Throttling*`); `retry_after` from `x-acs-retry-after` when sent.
    #[error("upstream throttled the call: {fault}")]
    Throttled {
        /// The upstream's answer.
        fault: UpstreamFault,
        /// How long the upstream asked us to wait.
        retry_after: Option<Duration>,
    },
    /// The upstream failed on its side (5xx, `System.error`, `ServiceUnavailable`).
    #[error("upstream unavailable: {0}")]
    Unavailable(UpstreamFault),
    /// Any other refusal (`InvalidApi.NotFound`, unknown codes on 4xx or `Success: false`).
    #[error("upstream refused the call: {0}")]
    Refused(UpstreamFault),
    /// This tenant's circuit breaker is open: the upstream failed repeatedly just now, so the
    /// call was not attempted.
    #[error("upstream known to be down; not called (retry in {retry_after:?})")]
    CircuitOpen {
        /// Time until the breaker lets a probe through.
        retry_after: Duration,
    },
    /// The tenant already has its maximum of calls in flight (the bulkhead) and none finished
    /// within the wait: the call was not attempted, so one tenant's burst cannot take every
    /// connection and worker from the others.
    #[error("too many of this tenant's upstream calls in flight; not called")]
    Saturated {
        /// A suggested pause before retrying.
        retry_after: Duration,
    },
    /// The tenant's temporary credentials (its RAM role) have expired and STS could not renew
    /// them: the call was not attempted. Names nothing secret.
    #[error("the tenant's temporary credentials have expired and could not be renewed; not called")]
    CredentialsUnavailable,
    /// No complete answer within the configured time.
    #[error("upstream call timed out (request {})", if *.sent { "may have been sent" } else { "not sent" })]
    Timeout {
        /// False only when the timeout hit while connecting, so the upstream never saw it.
        sent: bool,
    },
    /// The connection failed before the request was sent (refused, DNS, TLS).
    #[error("could not connect to the upstream: {0}")]
    Connect(String),
    /// The connection broke after the request may have been sent.
    #[error("connection to the upstream failed mid-call: {0}")]
    Transport(String),
    /// The answer could not be read as a Workorder response.
    #[error("unreadable upstream answer (HTTP {status}): {reason}")]
    Unreadable {
        /// HTTP status of the answer.
        status: u16,
        /// What was wrong with it.
        reason: String,
        /// `x-acs-request-id`, when the header was there.
        request_id: Option<String>,
    },
}

impl UpstreamError {
    /// Builds the right variant for an upstream error answer from its status and code.
    pub fn from_fault(fault: UpstreamFault, retry_after: Option<Duration>) -> Self {
        match FaultClass::of(&fault, retry_after.is_some()) {
            FaultClass::Throttled => Self::Throttled { fault, retry_after },
            FaultClass::CredentialsRejected => Self::CredentialsRejected(fault),
            FaultClass::InvalidParameter => Self::InvalidParameter(fault),
            FaultClass::Unavailable => Self::Unavailable(fault),
            FaultClass::Refused => Self::Refused(fault),
        }
    }

    /// How the attempt ended in the protocol's terms; `None` for the gateway's own refusals
    /// (breaker, bulkhead), where no attempt was made.
    pub fn attempt_outcome(&self) -> Option<AttemptOutcome> {
        Some(match self {
            Self::CredentialsRejected(_) => {
                AttemptOutcome::Answered(FaultClass::CredentialsRejected)
            }
            Self::InvalidParameter(_) => AttemptOutcome::Answered(FaultClass::InvalidParameter),
            Self::Throttled { .. } => AttemptOutcome::Answered(FaultClass::Throttled),
            Self::Unavailable(_) => AttemptOutcome::Answered(FaultClass::Unavailable),
            Self::Refused(_) => AttemptOutcome::Answered(FaultClass::Refused),
            Self::Connect(_) | Self::Timeout { sent: false } => AttemptOutcome::NeverSent,
            Self::Timeout { sent: true } | Self::Transport(_) => AttemptOutcome::NoAnswer,
            Self::Unreadable { .. } => AttemptOutcome::Unreadable,
            Self::CircuitOpen { .. } | Self::Saturated { .. } | Self::CredentialsUnavailable => {
                return None;
            }
        })
    }

    /// True when the failure proves the upstream did not carry out a write: it refused the
    /// call (credentials, parameters, throttling, any business error), or the request never
    /// left (including the breaker's and the bulkhead's refusals). False when the request may
    /// have reached the upstream and its effect is unknown (timeout after sending, connection
    /// lost mid-call, unreadable answer, a 5xx): those outcomes are *ambiguous* and a create or
    /// reply must be reconciled before it is re-sent.
    pub fn proves_nothing_happened(&self) -> bool {
        self.attempt_outcome()
            .is_none_or(AttemptOutcome::proves_nothing_happened)
    }

    /// The upstream's answer, when there was one.
    pub fn fault(&self) -> Option<&UpstreamFault> {
        match self {
            Self::CredentialsRejected(f)
            | Self::InvalidParameter(f)
            | Self::Unavailable(f)
            | Self::Refused(f)
            | Self::Throttled { fault: f, .. } => Some(f),
            _ => None,
        }
    }

    /// The upstream `RequestId`, when the upstream answered at all.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Unreadable { request_id, .. } => request_id.as_deref(),
            other => other.fault().and_then(|f| f.request_id.as_deref()),
        }
    }

    /// A short stable label for metrics and logs (`ok` is the success label).
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::CredentialsRejected(_) => "credentials_rejected",
            Self::InvalidParameter(_) => "invalid_parameter",
            Self::Throttled { .. } => "throttled",
            Self::Unavailable(_) => "unavailable",
            Self::Refused(_) => "refused",
            Self::Timeout { .. } => "timeout",
            Self::Connect(_) => "connect_error",
            Self::Transport(_) => "transport_error",
            Self::Unreadable { .. } => "unreadable",
            Self::CircuitOpen { .. } => "circuit_open",
            Self::Saturated { .. } => "saturated",
            Self::CredentialsUnavailable => "credentials_unavailable",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(status: u16, code: &str) -> UpstreamFault {
        UpstreamFault {
            status,
            code: code.to_owned(),
            message: String::new(),
            request_id: None,
        }
    }

    #[test]
    fn each_fault_class_becomes_its_variant() {
        let cases: [(u16, &str, &str); 5] = [
            (400, "SignatureDoesNotMatch", "credentials_rejected"),
            (400, "param.illegal", "invalid_parameter"),
            (400, "Throttling.User", "throttled"),
            (500, "System.error", "unavailable"),
            (404, "InvalidApi.NotFound", "refused"),
        ];
        for (status, code, expected) in cases {
            assert_eq!(
                UpstreamError::from_fault(fault(status, code), None).outcome(),
                expected,
                "{status} {code}"
            );
        }
    }

    #[test]
    fn only_answers_that_refuse_or_never_left_prove_a_write_did_not_happen() {
        let refused = UpstreamError::from_fault(fault(400, "param.illegal"), None);
        let throttled = UpstreamError::from_fault(fault(400, "Throttling.User"), None);
        let failed_after_sending = UpstreamError::from_fault(fault(500, "System.error"), None);
        assert!(refused.proves_nothing_happened());
        assert!(throttled.proves_nothing_happened());
        assert!(UpstreamError::Connect("refused".into()).proves_nothing_happened());
        assert!(UpstreamError::Timeout { sent: false }.proves_nothing_happened());
        assert!(!failed_after_sending.proves_nothing_happened());
        assert!(!UpstreamError::Timeout { sent: true }.proves_nothing_happened());
        assert!(!UpstreamError::Transport("reset".into()).proves_nothing_happened());
        assert!(
            !UpstreamError::Unreadable {
                status: 200,
                reason: "cut".into(),
                request_id: None
            }
            .proves_nothing_happened()
        );
    }

    #[test]
    fn a_retry_after_header_means_throttled_whatever_the_code() {
        let err = UpstreamError::from_fault(fault(429, "Whatever"), Some(Duration::from_millis(5)));
        assert!(
            matches!(err, UpstreamError::Throttled { retry_after: Some(d), .. } if d == Duration::from_millis(5))
        );
    }
}
