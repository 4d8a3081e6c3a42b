//! Entry points for the fuzz targets in `fuzz/`, and for the regression tests of what they
//! found: the few crate-private parsers a stranger or the upstream feeds, reachable without
//! widening the real API. Hidden from the documentation; not a stable interface.
//!
//! Everything else the targets drive is public already: [`crate::auth::Authenticator`],
//! [`crate::routes::ticket_query::parse`], [`crate::routes::new_ticket::NewTicketBody`],
//! [`crate::routes::json_body`] and `workorder_sandbox::Account`.

use std::time::Duration;

use crate::upstream::UpstreamError;
use workorder_api::{Action, Answer};
#[cfg(feature = "sandbox")]
pub use workorder_sandbox::probe::{SandboxProbe, SandboxRefusal};

/// Reads one upstream answer for action `A` exactly as the client does after the transport:
/// envelope, classification, then the action's `Data` decoder.
pub fn interpret<A: Action>(
    status: u16,
    body: &[u8],
    request_id_header: Option<String>,
    retry_after: Option<Duration>,
) -> Result<Answer<A::Output>, UpstreamError> {
    crate::upstream::answer::interpret::<A>(status, body, request_id_header, retry_after)
}
