//! Helpers shared by the handlers' rendering: attaching the upstream request id to answers.

use actix_web::HttpResponseBuilder;

/// Sets `X-Upstream-Request-Id` when the upstream gave one.
pub fn upstream_id_header(builder: &mut HttpResponseBuilder, request_id: Option<&str>) {
    if let Some(id) = request_id
        && let Ok(value) = actix_web::http::header::HeaderValue::from_str(id)
    {
        builder.insert_header((crate::http::UPSTREAM_REQUEST_ID, value));
    }
}
