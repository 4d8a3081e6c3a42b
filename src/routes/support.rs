//! Helpers shared by the handlers' rendering: attaching the upstream request id to answers,
//! and the audited 204 of the ticket writes without a body (close, reopen, rating).

use actix_web::HttpResponseBuilder;

/// Sets `X-Upstream-Request-Id` when the upstream gave one.
pub fn upstream_id_header(builder: &mut HttpResponseBuilder, request_id: Option<&str>) {
    if let Some(id) = request_id
        && let Ok(value) = actix_web::http::header::HeaderValue::from_str(id)
    {
        builder.insert_header((crate::http::UPSTREAM_REQUEST_ID, value));
    }
}

/// Audits a ticket write (log target `audit`) and renders 204, with the upstream request id,
/// or the error.
pub fn audited_no_content(
    principal: &crate::tenants::Principal,
    action: &'static str,
    id: &str,
    result: Result<Option<String>, crate::error::ApiError>,
) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
    use crate::tickets::audit;
    match result {
        Ok(request_id) => {
            audit(principal, action, Some(id), "ok", request_id.as_deref());
            let mut response = actix_web::HttpResponse::NoContent();
            upstream_id_header(&mut response, request_id.as_deref());
            Ok(response.finish())
        }
        Err(err) => {
            audit(
                principal,
                action,
                Some(id),
                err.code().as_str(),
                err.upstream_request_id(),
            );
            Err(err)
        }
    }
}
