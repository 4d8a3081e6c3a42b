//! HTTP plumbing shared by every route: request ids, trace context, the request span and
//! access log, and turning the framework's own error responses into problem documents.

pub mod context;
pub mod failed_auth;
pub mod rate_limit;
pub mod request_id;
pub mod trace_context;

/// Response header carrying the upstream `RequestId`.
pub const UPSTREAM_REQUEST_ID: &str = "x-upstream-request-id";
/// Request and response header carrying the request id.
pub const REQUEST_ID: &str = "x-request-id";
