//! The outermost middleware: gives every request its id (header and task-local), a tracing
//! span (`http_request`: request id, method, route template, status, latency, trace id; the
//! principal extractor adds tenant and user), an access log line, metrics, and makes sure any
//! error response — including the framework's own (unknown route, wrong method, extractor
//! failures) — is an `application/problem+json` document.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError as _};
use tracing::{Instrument as _, field};

use super::{REQUEST_ID, request_id, trace_context};
use crate::error::{ApiError, PROBLEM_JSON};

/// The middleware function; install with `actix_web::middleware::from_fn(request_context)`.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let id = request_id::accept_or_generate(header(REQUEST_ID));
    let trace_id = trace_context::trace_id(header("traceparent"));
    let span = tracing::info_span!(
        "http_request",
        request_id = %id,
        method = %req.method(),
        route = field::Empty,
        status = field::Empty,
        latency_ms = field::Empty,
        tenant = field::Empty,
        user = field::Empty,
        trace_id = field::Empty,
    );
    if let Some(trace_id) = &trace_id {
        span.record("trace_id", trace_id.as_str());
    }
    let http_request = req.request().clone();
    let started = Instant::now();
    let method = req.method().clone();

    request_id::scope(
        id.clone(),
        async move {
            let response = match next.call(req).await {
                Ok(response) => response.map_into_boxed_body(),
                Err(err) => ServiceResponse::new(http_request, err.error_response()),
            };
            let mut response = ensure_problem_body(response);
            if let Ok(value) = HeaderValue::from_str(&id) {
                response.headers_mut().insert(
                    actix_web::http::header::HeaderName::from_static(REQUEST_ID),
                    value,
                );
            }
            let status = response.status().as_u16();
            let route = response
                .request()
                .match_pattern()
                .unwrap_or_else(|| "unmatched".to_owned());
            let latency = started.elapsed();
            let span = tracing::Span::current();
            span.record("route", route.as_str());
            span.record("status", status);
            span.record("latency_ms", latency.as_millis() as u64);
            crate::telemetry::metrics::record_http(method.as_str(), &route, status, latency);
            if status >= 500 {
                tracing::error!("request failed");
            } else {
                tracing::info!("request finished");
            }
            Ok(response)
        }
        .instrument(span),
    )
    .await
}

/// Replaces a non-problem error body (actix's default 404/405/413, plain-text extractor
/// errors) with the problem document for its status.
fn ensure_problem_body(response: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if status.as_u16() < 400 || is_problem {
        return response;
    }
    let problem = problem_for_status(status);
    let (request, old) = response.into_parts();
    let mut fresh = problem.error_response();
    // Keep headers the framework set on purpose (e.g. `Allow` on 405), minus the body's.
    for (name, value) in old.headers() {
        if name != CONTENT_TYPE
            && name != actix_web::http::header::CONTENT_LENGTH
            && !fresh.headers().contains_key(name)
        {
            fresh.headers_mut().insert(name.clone(), value.clone());
        }
    }
    ServiceResponse::new(request, fresh)
}

/// The problem a bare status stands for.
pub fn problem_for_status(status: StatusCode) -> ApiError {
    let (code, detail) = match status.as_u16() {
        400 => ("invalid_request", "the request is malformed"),
        401 => ("unauthenticated", "a valid bearer token is required"),
        403 => ("forbidden", "not allowed"),
        404 => ("not_found", "no such resource"),
        405 => (
            "method_not_allowed",
            "this method is not allowed on this resource",
        ),
        406 => (
            "not_acceptable",
            "the requested media type is not available",
        ),
        413 => ("payload_too_large", "the request body is too large"),
        415 => (
            "unsupported_media_type",
            "the request body must be application/json",
        ),
        429 => ("rate_limited", "too many requests"),
        503 => ("service_unavailable", "the service is not available"),
        s if s >= 500 => ("internal_error", "an internal error occurred"),
        _ => ("invalid_request", "the request cannot be served"),
    };
    ApiError::new(status, code, detail)
}
