//! `workorder-gateway healthcheck`: one GET, success on a 2xx answer. The runtime image has no
//! shell and no HTTP client, so Docker / Compose health checks run the gateway binary itself.
//!
//! Invariants: the probe never goes through a proxy (an `HTTP_PROXY` in the container must not
//! turn a loopback probe into a request elsewhere), never follows a redirect (a 3xx is not
//! healthy), and is bounded by its timeout, connection included.

use std::time::Duration;

/// Why a probe failed; each renders as one line.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The URL is not an absolute `http://` or `https://` URL.
    #[error("{0:?} is not an http:// or https:// URL")]
    InvalidUrl(String),
    /// Nothing answered in time (refused, unreachable, timed out).
    #[error("{url}: no answer ({reason})")]
    Unreachable {
        /// The probed URL.
        url: String,
        /// The transport error and its causes, on one line.
        reason: String,
    },
    /// An answer that is not 2xx.
    #[error("{url}: answered {status}")]
    Status {
        /// The probed URL.
        url: String,
        /// The status code answered.
        status: u16,
    },
}

/// GETs `url` within `timeout`; `Ok` with the status line when the answer is 2xx.
pub async fn probe(url: &str, timeout: Duration) -> Result<String, ProbeError> {
    let parsed = reqwest::Url::parse(url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| ProbeError::InvalidUrl(url.to_owned()))?;
    let unreachable = |err: reqwest::Error| ProbeError::Unreachable {
        url: url.to_owned(),
        reason: one_line(&err),
    };
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(timeout)
        .timeout(timeout)
        .build()
        .map_err(unreachable)?;
    let response = client.get(parsed).send().await.map_err(unreachable)?;
    let status = response.status();
    if status.is_success() {
        Ok(format!("{url}: answered {}", status.as_u16()))
    } else {
        Err(ProbeError::Status {
            url: url.to_owned(),
            status: status.as_u16(),
        })
    }
}

/// An error and its sources joined with `: ` (reqwest puts the useful part, such as
/// "Connection refused", in the sources).
fn one_line(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text.replace('\n', " ")
}
