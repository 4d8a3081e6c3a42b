//! What can go wrong calling the Workorder API, classified so callers decide without parsing
//! strings: retry or not, and which HTTP answer to give (the mapping lives in `crate::error`).
//!
//! Invariant: no variant carries request parameters, credentials or signatures. Upstream
//! messages are kept because they are the upstream's own words about our request; the one that
//! can echo request data (`SignatureDoesNotMatch`, whose message carries the server's
//! string-to-sign and thus parameter values) is cut before the echo.

use std::time::Duration;

use super::encode::percent_encode;

/// The upstream's own account of a failure: HTTP status and the `Code`, `Message` and
/// `RequestId` of its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamFault {
    /// HTTP status of the answer (200 for a `Success: false` body).
    pub status: u16,
    /// The upstream `Code`, e.g. `param.illegal`.
    pub code: String,
    /// The upstream `Message`, trimmed of any echoed request data.
    pub message: String,
    /// The upstream `RequestId`, for support cases.
    pub request_id: Option<String>,
}

impl std::fmt::Display for UpstreamFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {} {}: {}", self.status, self.code, self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (RequestId {id})")?;
        }
        Ok(())
    }
}

/// Every way a Workorder call can fail.
#[derive(Debug, thiserror::Error)]
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
        let code = fault.code.as_str();
        let starts = |prefix: &str| code.starts_with(prefix);
        // 429 is what rate limiters in front of the upstream answer, whatever their body.
        if retry_after.is_some() || starts("Throttling") || fault.status == 429 {
            Self::Throttled { fault, retry_after }
        } else if starts("InvalidAccessKeyId")
            || starts("InvalidAccessKeySecret")
            || starts("SignatureDoesNotMatch")
            || starts("IncompleteSignature")
            || starts("Forbidden")
            || starts("InvalidSecurityToken")
            || code == "illegal.auth"
        {
            Self::CredentialsRejected(fault)
        } else if matches!(
            code,
            "param.illegal" | "illegalParam.emailOrPhone" | "MissingParameter" | "InvalidParameter"
        ) || starts("Missing")
            || starts("InvalidParameter")
        {
            Self::InvalidParameter(fault)
        } else if fault.status >= 500
            // `Code` is an integer in most Workorder answers (200 on success); a 5xx number
            // there is the upstream's own failure even when the HTTP status says 200.
            || code.parse::<u16>().is_ok_and(|n| (500..600).contains(&n))
            || matches!(
                code,
                "System.error" | "ServiceUnavailable" | "InternalError" | "UnknownError"
            )
        {
            Self::Unavailable(fault)
        } else {
            Self::Refused(fault)
        }
    }

    /// Whether repeating the call could succeed (transient transport or upstream trouble).
    /// Whether it *may* be repeated also depends on the action: see `upstream::retry`.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Throttled { .. }
                | Self::Unavailable(_)
                | Self::Timeout { .. }
                | Self::Connect(_)
                | Self::Transport(_)
        )
    }

    /// True when the upstream provably never received the request, so even a non-idempotent
    /// action (CreateTicket, ReplyTicket) can be sent again without risk of a duplicate.
    pub fn request_never_sent(&self) -> bool {
        matches!(self, Self::Connect(_) | Self::Timeout { sent: false })
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
        }
    }
}

/// Values shorter than this are not withheld: replacing every `ok` or `1` in a message would
/// garble it, and such short values carry little.
const MIN_WITHHELD_LEN: usize = 4;

/// What replaces a withheld value.
const WITHHELD: &str = "[withheld]";

impl UpstreamError {
    /// Replaces every occurrence of each of `values` in the error's text (upstream message,
    /// unreadable reason, transport text) with `[withheld]`: raw, percent-encoded once (as in
    /// a query) or twice (as in an echoed string-to-sign), and form-encoded (`+` for spaces).
    ///
    /// The client calls it with the call's `SecretContent` and `Content` values and the
    /// tenant's secret and STS token, because an upstream or a proxy may echo any of them in
    /// a message we would otherwise log and show.
    #[must_use]
    pub fn withhold(mut self, values: &[&str]) -> Self {
        let mut forms: Vec<String> = values
            .iter()
            .filter(|v| v.chars().count() >= MIN_WITHHELD_LEN)
            .flat_map(|v| {
                let once = percent_encode(v);
                let twice = percent_encode(&once);
                // Form encoders differ on `*` (Python `%2A`, WHATWG literal): both forms.
                let python_form = once.replace("%20", "+");
                let whatwg_form: String = form_urlencoded::byte_serialize(v.as_bytes()).collect();
                [(*v).to_owned(), once, twice, python_form, whatwg_form]
            })
            .collect();
        // Longest first, so a shorter form never splits a longer one before it is replaced.
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        forms.dedup();
        let scrub = |text: &mut String| {
            for form in &forms {
                if text.contains(form.as_str()) {
                    *text = text.replace(form.as_str(), WITHHELD);
                }
            }
        };
        match &mut self {
            Self::CredentialsRejected(f)
            | Self::InvalidParameter(f)
            | Self::Unavailable(f)
            | Self::Refused(f)
            | Self::Throttled { fault: f, .. } => scrub(&mut f.message),
            Self::Unreadable { reason, .. } => scrub(reason),
            Self::Connect(text) | Self::Transport(text) => scrub(text),
            Self::Timeout { .. } => {}
        }
        self
    }
}

/// Removes whatever the upstream echoed of our request from a message. The only known echo is
/// `SignatureDoesNotMatch`'s "server string to sign is:…", which contains parameter values
/// (possibly `SecretContent`); we keep the sentence and drop the echo.
pub fn scrub_message(message: &str) -> String {
    const ECHO_MARKERS: [&str; 2] = ["server string to sign is:", "string to sign is:"];
    let lower = message.to_ascii_lowercase();
    for marker in ECHO_MARKERS {
        if let Some(at) = lower.find(marker) {
            return format!("{} [string-to-sign withheld]", message[..at].trim_end());
        }
    }
    message.to_owned()
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
    fn codes_are_classified_as_documented() {
        let cases: [(u16, &str, &str); 19] = [
            (404, "InvalidAccessKeyId.NotFound", "credentials_rejected"),
            (400, "SignatureDoesNotMatch", "credentials_rejected"),
            (403, "Forbidden.RAM", "credentials_rejected"),
            (400, "InvalidSecurityToken.Expired", "credentials_rejected"),
            (400, "param.illegal", "invalid_parameter"),
            (400, "illegalParam.emailOrPhone", "invalid_parameter"),
            (400, "MissingParameter", "invalid_parameter"),
            (400, "MissingTicketId", "invalid_parameter"),
            (400, "InvalidParameter", "invalid_parameter"),
            (400, "Throttling.User", "throttled"),
            (400, "Throttling", "throttled"),
            (500, "System.error", "unavailable"),
            (503, "ServiceUnavailable", "unavailable"),
            (200, "System.error", "unavailable"),
            (200, "503", "unavailable"),
            (200, "404", "refused"),
            (404, "InvalidApi.NotFound", "refused"),
            (400, "SignatureNonceUsed", "refused"),
            (429, "", "throttled"),
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
    fn a_retry_after_header_means_throttled_whatever_the_code() {
        let err = UpstreamError::from_fault(fault(429, "Whatever"), Some(Duration::from_millis(5)));
        assert!(
            matches!(err, UpstreamError::Throttled { retry_after: Some(d), .. } if d == Duration::from_millis(5))
        );
    }

    #[test]
    fn withheld_values_are_replaced_in_every_encoding() {
        let value = "pass word*";
        let message = format!(
            "raw {value} once {} twice {} forms pass+word%2A pass+word* short ab",
            percent_encode(value),
            percent_encode(&percent_encode(value)),
        );
        let err = UpstreamError::Refused(UpstreamFault {
            message,
            ..fault(400, "X")
        })
        .withhold(&[value, "ab"]);
        let text = err.to_string();
        assert!(!text.contains("pass"), "{text}");
        assert_eq!(text.matches(WITHHELD).count(), 5, "{text}");
        assert!(text.ends_with("short ab"), "short values are kept: {text}");
    }

    #[test]
    fn the_echoed_string_to_sign_is_withheld() {
        let message = "Specified signature is not matched with our calculation. server string to sign is:POST&%2F&SecretContent%3Dpwd";
        let scrubbed = scrub_message(message);
        assert!(!scrubbed.contains("SecretContent"), "{scrubbed}");
        assert!(scrubbed.starts_with("Specified signature is not matched"));
    }
}
