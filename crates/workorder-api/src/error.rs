//! The upstream's account of a failure and its class, decided from the status and the `Code`
//! alone, so that the client can tell a refusal from a transient failure without parsing
//! strings (and the simulator's error catalogue can be checked against the same rules).
//!
//! Invariant: a fault's message never carries request data. The one known echo
//! (`SignatureDoesNotMatch`, whose message carries the server's string-to-sign and thus
//! parameter values) is cut off by [`scrub_message`] when the envelope is decoded.

use std::fmt;

/// Upstream `Code`s that someone reacts to by name: the classification below, the gateway's
/// mapping of a refused contact to a field error, the simulator's answers.
pub mod codes {
    /// The contact email or phone is not one of the account's registered message recipients.
    pub const ILLEGAL_EMAIL_OR_PHONE: &str = "illegalParam.emailOrPhone";
    /// The Workorder API's own refusal of the caller's authorisation (not a signature error).
    pub const ILLEGAL_AUTH: &str = "illegal.auth";
    /// A parameter failed the Workorder API's own validation.
    pub const PARAM_ILLEGAL: &str = "param.illegal";
    /// The same refusal as 2021-06-10's GetTicket and ListTickets spell it.
    pub const ILLEGAL_PARAM: &str = "illegal.param";
}

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

impl fmt::Display for UpstreamFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {} {}: {}", self.status, self.code, self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (RequestId {id})")?;
        }
        Ok(())
    }
}

/// What kind of refusal or failure an upstream error answer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultClass {
    /// The AccessKey, signature or STS token was refused (`InvalidAccessKeyId.*`,
    /// `SignatureDoesNotMatch`, `Forbidden*`, `InvalidSecurityToken*`, …).
    CredentialsRejected,
    /// A parameter was refused (`param.illegal`, `illegal.param`, `illegalParam.emailOrPhone`,
    /// `MissingParameter`, `InvalidParameter`).
    InvalidParameter,
    /// Flow control (`Throttling*`, HTTP 429, or any answer with `x-acs-retry-after`).
    Throttled,
    /// The upstream failed on its side (5xx, `System.error`, `ServiceUnavailable`).
    Unavailable,
    /// Any other refusal (`InvalidApi.NotFound`, unknown codes on 4xx or `Success: false`).
    Refused,
}

impl FaultClass {
    /// Classifies an error answer; `has_retry_after` says whether it carried
    /// `x-acs-retry-after`.
    pub fn of(fault: &UpstreamFault, has_retry_after: bool) -> Self {
        let code = fault.code.as_str();
        let starts = |prefix: &str| code.starts_with(prefix);
        // 429 is what rate limiters in front of the upstream answer, whatever their body.
        if has_retry_after || starts("Throttling") || fault.status == 429 {
            Self::Throttled
        } else if starts("InvalidAccessKeyId")
            || starts("InvalidAccessKeySecret")
            || starts("SignatureDoesNotMatch")
            || starts("IncompleteSignature")
            || starts("Forbidden")
            || starts("InvalidSecurityToken")
            || code == codes::ILLEGAL_AUTH
        {
            Self::CredentialsRejected
        } else if matches!(
            code,
            codes::PARAM_ILLEGAL
                | codes::ILLEGAL_PARAM
                | codes::ILLEGAL_EMAIL_OR_PHONE
                | "MissingParameter"
                | "InvalidParameter"
        ) || starts("Missing")
            || starts("InvalidParameter")
        {
            Self::InvalidParameter
        } else if fault.status >= 500
            // `Code` is an integer in most Workorder answers (200 on success); a 5xx number
            // there is the upstream's own failure even when the HTTP status says 200.
            || code.parse::<u16>().is_ok_and(|n| (500..600).contains(&n))
            || matches!(
                code,
                "System.error" | "ServiceUnavailable" | "InternalError" | "UnknownError"
            )
        {
            Self::Unavailable
        } else {
            Self::Refused
        }
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
        use FaultClass::*;
        let cases: [(u16, &str, FaultClass); 20] = [
            (404, "InvalidAccessKeyId.NotFound", CredentialsRejected),
            (400, "SignatureDoesNotMatch", CredentialsRejected),
            (403, "Forbidden.RAM", CredentialsRejected),
            (400, "InvalidSecurityToken.Expired", CredentialsRejected),
            (400, "param.illegal", InvalidParameter),
            (400, "illegal.param", InvalidParameter),
            (400, "illegalParam.emailOrPhone", InvalidParameter),
            (400, "MissingParameter", InvalidParameter),
            (400, "MissingTicketId", InvalidParameter),
            (400, "InvalidParameter", InvalidParameter),
            (400, "Throttling.User", Throttled),
            (400, "Throttling", Throttled),
            (500, "System.error", Unavailable),
            (503, "ServiceUnavailable", Unavailable),
            (200, "System.error", Unavailable),
            (200, "503", Unavailable),
            (200, "404", Refused),
            (404, "InvalidApi.NotFound", Refused),
            (400, "SignatureNonceUsed", Refused),
            (429, "", Throttled),
        ];
        for (status, code, expected) in cases {
            assert_eq!(
                FaultClass::of(&fault(status, code), false),
                expected,
                "{status} {code}"
            );
        }
    }

    #[test]
    fn a_retry_after_header_means_throttled_whatever_the_code() {
        assert_eq!(
            FaultClass::of(&fault(400, "param.illegal"), true),
            FaultClass::Throttled
        );
    }

    #[test]
    fn the_echoed_string_to_sign_is_withheld() {
        let message = "Specified signature is not matched with our calculation. server string to sign is:POST&%2F&SecretContent%3Dpwd";
        let scrubbed = scrub_message(message);
        assert!(!scrubbed.contains("SecretContent"), "{scrubbed}");
        assert!(scrubbed.starts_with("Specified signature is not matched"));
    }
}
