//! Keeping request data and credentials out of error text: the upstream (or a proxy in front)
//! may echo what we sent, and error text is logged and shown to API callers.
//!
//! Two layers: `workorder_api::error::scrub_message` cuts the known echo (`SignatureDoesNotMatch`'s string-to-sign)
//! out of every upstream message at decoding time, and [`UpstreamError::withhold`] replaces the
//! call's own confidential values, in every encoding, wherever they appear.

use workorder_api::encode::percent_encode;

use super::error::UpstreamError;

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
            Self::Timeout { .. }
            | Self::CircuitOpen { .. }
            | Self::Saturated { .. }
            | Self::CredentialsUnavailable => {}
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use workorder_api::UpstreamFault;

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
            status: 400,
            code: "X".to_owned(),
            request_id: None,
        })
        .withhold(&[value, "ab"]);
        let text = err.to_string();
        assert!(!text.contains("pass"), "{text}");
        assert_eq!(text.matches(WITHHELD).count(), 5, "{text}");
        assert!(text.ends_with("short ab"), "short values are kept: {text}");
    }
}
