//! The outermost middleware: gives every request its id (header and task-local), a tracing
//! span (`http_request`: request id, method, route template, status, latency, trace id; the
//! principal extractor adds tenant and user), the incoming trace context (task-local, for
//! upstream calls), an access log line, metrics, `X-Content-Type-Options: nosniff` on every
//! response, and makes sure any error response — including the framework's own (unknown route,
//! wrong method, extractor failures) — is an `application/problem+json` document.

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use futures_util::FutureExt as _;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::http::header::{
    AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue, X_CONTENT_TYPE_OPTIONS,
};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, ResponseError as _, web};
use tracing::{Instrument as _, field};

use super::REQUEST_ID;
use crate::error::{ApiError, ErrorCode, PROBLEM_JSON};
use crate::telemetry::Metrics;
use crate::telemetry::{request_id, trace_context};

/// The middleware function; install with `actix_web::middleware::from_fn(request_context)`.
pub async fn request_context(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // The bearer token is only ever read in place (the principal extractor borrows it), never
    // copied. Marked sensitive, a `Debug` of the header map (ours, a library's) prints
    // `Sensitive` instead of it; actix's `Debug` of the whole request redacts it already.
    let headers = req.headers_mut();
    for mut token in headers.remove(AUTHORIZATION) {
        token.set_sensitive(true);
        headers.append(AUTHORIZATION, token);
    }
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let id = request_id::accept_or_generate(header(REQUEST_ID));
    let trace = trace_context::TraceParent::parse(header("traceparent"));
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
    if let Some(trace) = &trace {
        span.record("trace_id", trace.trace_id.as_str());
    }
    // Known before routing (the resource map matches the path, as it will for the routed
    // request), so every line logged while the handler runs carries the template. Matched
    // once: the metrics below use the same answer.
    let route = req.match_pattern();
    if let Some(route) = &route {
        span.record("route", route.as_str());
    }
    let started = Instant::now();
    let method = req.method().clone();
    // The application's metrics, app data of both listeners (main and admin); an app built
    // without them counts nothing rather than failing its requests.
    let metrics = req
        .app_data::<web::Data<Metrics>>()
        .map(|metrics| Metrics::clone(metrics));
    let _in_flight = metrics.as_ref().map(Metrics::in_flight);

    let work = request_id::scope(
        id.clone(),
        async move {
            // No clone of the request may live across `next.call` (routing needs it unshared), so
            // an error from an inner middleware is finished here and returned as a ready response.
            // A panic in a handler must not drop the connection: it becomes a 500 problem.
            let called = AssertUnwindSafe(next.call(req)).catch_unwind().await;
            let outcome = match called {
                Ok(Ok(response)) => {
                    let (request, response) = response.map_into_boxed_body().into_parts();
                    Ok((request, ensure_problem_body(response)))
                }
                Ok(Err(err)) => Err(ensure_problem_body(err.error_response())),
                Err(_) => Err(ApiError::internal(&"a handler panicked").error_response()),
            };
            let (status, code) = match &outcome {
                Ok((_, response)) | Err(response) => (
                    response.status().as_u16(),
                    response.extensions().get::<ErrorCode>().copied(),
                ),
            };
            let route = route.unwrap_or_else(|| "unmatched".to_owned());
            let latency = started.elapsed();
            let span = tracing::Span::current();
            span.record("route", route.as_str());
            span.record("status", status);
            span.record("latency_ms", latency.as_millis() as u64);
            if let Some(metrics) = &metrics {
                metrics.record_http(method.as_str(), &route, status, latency);
                // Every error answer is a problem document by now (`ensure_problem_body`), built
                // by `ApiError`, which tags the response with its code.
                if let Some(code) = code.filter(|_| status >= 400) {
                    metrics.record_http_error(&route, code.as_str());
                }
            }
            if status >= 500 {
                tracing::error!("request failed");
            } else if status < 400 && is_operational(&route) {
                // Probes and scrapes arrive every few seconds; at info they would drown the rest.
                tracing::debug!("request finished");
            } else {
                tracing::info!("request finished");
            }
            let with_id = |mut response: HttpResponse| {
                let headers = response.headers_mut();
                if let Ok(value) = HeaderValue::from_str(&id) {
                    headers.insert(HeaderName::from_static(REQUEST_ID), value);
                }
                // Every answer, error or not: a browser must never guess a type (a JSON error
                // echoing input sniffed as HTML would run as a page of this origin).
                headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
                response
            };
            match outcome {
                Ok((request, response)) => Ok(ServiceResponse::new(request, with_id(response))),
                Err(response) => Err(InternalError::from_response(
                    "request failed in a middleware",
                    with_id(response),
                )
                .into()),
            }
        }
        .instrument(span),
    );
    // The trace context rides along so upstream calls can pass it on (`traceparent`).
    trace_context::scope(trace, work).await
}

/// Probe and scrape routes (under any `server.base_path`), logged at debug level when they
/// succeed.
fn is_operational(route: &str) -> bool {
    ["/healthz", "/readyz", "/metrics"]
        .iter()
        .any(|suffix| route.ends_with(suffix))
}

/// Replaces a non-problem error body (actix's default 404/405/413, plain-text extractor
/// errors) with the problem document for its status.
fn ensure_problem_body(response: HttpResponse) -> HttpResponse {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if status.as_u16() < 400 || is_problem {
        return response;
    }
    let mut fresh = problem_for_status(status).error_response();
    // Keep headers the framework set on purpose (e.g. `Allow` on 405), minus the body's.
    for (name, value) in response.headers() {
        if name != CONTENT_TYPE && name != CONTENT_LENGTH && !fresh.headers().contains_key(name) {
            fresh.headers_mut().insert(name.clone(), value.clone());
        }
    }
    fresh
}

/// The problem a bare status stands for.
fn problem_for_status(status: StatusCode) -> ApiError {
    let (code, detail) = match status.as_u16() {
        400 => (ErrorCode::InvalidRequest, "the request is malformed"),
        401 => (
            ErrorCode::Unauthenticated,
            "a valid bearer token is required",
        ),
        403 => (ErrorCode::Forbidden, "not allowed"),
        404 => (ErrorCode::NotFound, "no such resource"),
        405 => (
            ErrorCode::MethodNotAllowed,
            "this method is not allowed on this resource",
        ),
        406 => (
            ErrorCode::NotAcceptable,
            "the requested media type is not available",
        ),
        413 => (ErrorCode::PayloadTooLarge, "the request body is too large"),
        415 => (
            ErrorCode::UnsupportedMediaType,
            "the request body must be application/json",
        ),
        429 => (ErrorCode::RateLimited, "too many requests"),
        503 => (
            ErrorCode::ServiceUnavailable,
            "the service is not available",
        ),
        s if s >= 500 => (ErrorCode::InternalError, "an internal error occurred"),
        _ => (ErrorCode::InvalidRequest, "the request cannot be served"),
    };
    ApiError::new(status, code, detail)
}

#[cfg(test)]
mod tests {
    use actix_web::{App, test, web};

    use super::*;

    #[actix_web::test]
    async fn a_panicking_handler_becomes_a_500_problem_not_a_dropped_connection() {
        let app = test::init_service(
            App::new()
                .wrap(actix_web::middleware::from_fn(request_context))
                .route(
                    "/boom",
                    web::get().to(|| async { panic!("handler bug") as &'static str }),
                ),
        )
        .await;
        let response =
            test::try_call_service(&app, test::TestRequest::get().uri("/boom").to_request()).await;
        let response = match response {
            Ok(response) => response.into_parts().1,
            Err(err) => err.error_response(),
        };
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(response.headers().contains_key(REQUEST_ID));
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .map(|v| v.to_str().unwrap_or_default().to_owned());
        assert_eq!(content_type.as_deref(), Some(PROBLEM_JSON));
    }

    #[actix_web::test]
    async fn the_incoming_bearer_token_never_shows_in_debug_output_yet_reads_as_sent() {
        let app = test::init_service(
            App::new()
                .wrap(actix_web::middleware::from_fn(request_context))
                .route(
                    "/echo",
                    web::get().to(|req: actix_web::HttpRequest| async move {
                        let read = req
                            .headers()
                            .get(AUTHORIZATION)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned();
                        format!("{read}\n{:?}", req.headers())
                    }),
                ),
        )
        .await;
        let request = test::TestRequest::get()
            .uri("/echo")
            .insert_header((AUTHORIZATION, "Bearer tok-5e1f.secret"))
            .to_request();

        let body = test::call_and_read_body(&app, request).await;

        let body = String::from_utf8(body.to_vec()).unwrap();
        let (read, debug) = body.split_once('\n').unwrap();
        assert_eq!(read, "Bearer tok-5e1f.secret");
        assert!(!debug.contains("tok-5e1f"), "{debug}");
        assert!(
            debug.contains(r#""authorization": Value { inner: [Sensitive] }"#),
            "{debug}"
        );
    }

    #[actix_web::test]
    async fn framework_errors_are_turned_into_problem_documents_with_the_request_id() {
        let app = test::init_service(
            App::new()
                .wrap(actix_web::middleware::from_fn(request_context))
                .service(web::resource("/only-get").route(web::get().to(|| async { "ok" }))),
        )
        .await;
        let request = test::TestRequest::post()
            .uri("/only-get")
            .insert_header((REQUEST_ID, "abc-123"))
            .to_request();
        let response = test::call_service(&app, request).await;
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(
            response
                .headers()
                .get(REQUEST_ID)
                .and_then(|v| v.to_str().ok()),
            Some("abc-123")
        );
        let body: serde_json::Value = test::read_body_json(response).await;
        assert_eq!(body["code"], "method_not_allowed");
        assert_eq!(body["requestId"], "abc-123");
    }
}
