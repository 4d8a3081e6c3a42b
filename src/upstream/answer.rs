//! One upstream answer, read and classified: the body (capped at [`MAX_ANSWER_BYTES`]), its
//! envelope, the decoded `Data` or the [`UpstreamError`] it amounts to, and transport failures.
//!
//! Invariant: no text built here quotes the request; `reqwest` errors are rendered from their
//! sources, never from their `Display`, which carries the signed URL.

use std::time::Duration;

use workorder_api::decode::parse_envelope;
use workorder_api::{Action, Answer, UpstreamFault};

use super::error::UpstreamError;

/// The largest answer read. Real answers are a few KiB (a 100-ticket page, the catalog);
/// endpoints are configurable per tenant, so a wrong one must not exhaust memory.
pub const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024;

/// Reads the body, refusing answers over [`MAX_ANSWER_BYTES`].
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    status: u16,
    request_id: Option<String>,
) -> Result<Vec<u8>, UpstreamError> {
    let too_large = || UpstreamError::Unreadable {
        status,
        reason: format!("the answer is larger than {MAX_ANSWER_BYTES} bytes"),
        request_id: request_id.clone(),
    };
    if response
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(classify_body_error)? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Turns a status and body into an answer or a classified error.
pub(crate) fn interpret<A: Action>(
    status: u16,
    body: &[u8],
    request_id_header: Option<String>,
    retry_after: Option<Duration>,
) -> Result<Answer<A::Output>, UpstreamError> {
    let envelope = match parse_envelope(body, request_id_header.clone()) {
        Ok(envelope) => envelope,
        // A 5xx (or a 429 from a proxy's rate limiter) with an unreadable body still says
        // what happened: the status classifies it.
        Err(not_an_answer) if status >= 500 || status == 429 => {
            let fault = UpstreamFault {
                status,
                code: String::new(),
                message: not_an_answer.0,
                request_id: request_id_header,
            };
            return Err(UpstreamError::from_fault(fault, retry_after));
        }
        Err(not_an_answer) => {
            return Err(UpstreamError::Unreadable {
                status,
                reason: not_an_answer.0,
                request_id: request_id_header,
            });
        }
    };
    if !(200..300).contains(&status) || envelope.is_failure() {
        return Err(UpstreamError::from_fault(
            envelope.into_fault(status),
            retry_after,
        ));
    }
    let request_id = envelope.request_id.clone();
    let data = A::decode_envelope(envelope).map_err(|reason| UpstreamError::Unreadable {
        status,
        reason,
        request_id: request_id.clone(),
    })?;
    Ok(Answer { request_id, data })
}

pub(crate) fn classify_send_error(err: reqwest::Error) -> UpstreamError {
    if err.is_connect() {
        if err.is_timeout() {
            UpstreamError::Timeout { sent: false }
        } else {
            UpstreamError::Connect(error_chain(&err))
        }
    } else if err.is_timeout() {
        UpstreamError::Timeout { sent: true }
    } else {
        UpstreamError::Transport(error_chain(&err))
    }
}

fn classify_body_error(err: reqwest::Error) -> UpstreamError {
    if err.is_timeout() {
        UpstreamError::Timeout { sent: true }
    } else {
        UpstreamError::Transport(error_chain(&err))
    }
}

/// The error and its sources, without the URL (which carries the signed query).
fn error_chain(err: &reqwest::Error) -> String {
    let mut text = if err.is_connect() {
        "connection failed".to_owned()
    } else if err.is_body() || err.is_decode() {
        "reading the answer failed".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
