//! HTTP handlers, one file per resource, and the route table. Handlers get identity only from
//! the [`crate::http::Principal`] extractor, call a service (the catalog, the ticket service)
//! or the upstream client with the tenant's target, and never sign or build upstream
//! parameters themselves.

pub mod attachments;
pub mod docs;
pub mod events;
pub mod health;
pub mod language;
pub mod new_ticket;
pub mod notes;
pub mod params;
pub mod products;
pub mod response_headers;
pub mod responses;
pub mod support;
pub mod ticket_actions;
pub mod ticket_query;
pub mod tickets;
pub mod views;

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, Resource, Route, web};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ErrorCode};
use crate::settings::ServerSettings;

/// Registers every route under `server.base_path` (API.md), plus the OpenAPI document and,
/// when `server.docs_enabled`, the Swagger UI. `/metrics` is left out when
/// `server.admin_listen` is set: it is then served by [`configure_admin`] only, so an ingress
/// routing this listener (or a prefix of it) cannot publish it. Every path answers a method it
/// does not serve with 405 and `Allow` (see [`resource`]).
pub fn configure(server: &ServerSettings) -> impl FnOnce(&mut web::ServiceConfig) + use<> {
    let base = server.base_path.clone();
    let docs_enabled = server.docs_enabled;
    let metrics_here = server.admin_listen.is_none();
    move |cfg: &mut web::ServiceConfig| {
        docs::configure(cfg, &base, docs_enabled);
        let mut scope = web::scope(&base)
            .service(resource(
                "/healthz",
                [("GET", web::get().to(health::healthz))],
            ))
            .service(resource(
                "/readyz",
                [("GET", web::get().to(health::readyz))],
            ));
        if metrics_here {
            scope = scope.service(resource(
                "/metrics",
                [("GET", web::get().to(health::metrics))],
            ));
        }
        cfg.service(
            scope
                .service(resource(
                    "/products",
                    [("GET", web::get().to(products::list_products))],
                ))
                .service(resource(
                    "/products/{code}",
                    [("GET", web::get().to(products::get_product))],
                ))
                .service(resource(
                    "/products/{code}/categories",
                    [("GET", web::get().to(products::list_categories))],
                ))
                .service(resource(
                    "/tickets",
                    [
                        ("GET", web::get().to(tickets::list_tickets)),
                        ("POST", web::post().to(tickets::create_ticket)),
                    ],
                ))
                .service(resource(
                    "/tickets/{id}",
                    [("GET", web::get().to(tickets::get_ticket))],
                ))
                .service(resource(
                    "/tickets/{id}/notes",
                    [
                        ("GET", web::get().to(notes::list_notes)),
                        ("POST", web::post().to(notes::reply)),
                    ],
                ))
                .service(resource(
                    "/tickets/{id}/close",
                    [("POST", web::post().to(tickets::close_ticket))],
                ))
                // Workorder 2021-06-10 tenants (422 `api_version_unsupported` for others).
                .service(resource(
                    "/tickets/{id}/reopen",
                    [("POST", web::post().to(ticket_actions::reopen_ticket))],
                ))
                .service(resource(
                    "/tickets/{id}/rating",
                    [("POST", web::post().to(ticket_actions::rate_ticket))],
                ))
                .service(resource(
                    "/attachments",
                    [("POST", web::post().to(attachments::create_attachment))],
                ))
                // Live updates (Server-Sent Events).
                .service(resource(
                    "/tickets/{id}/events",
                    [("GET", web::get().to(events::ticket_events))],
                ))
                .service(resource(
                    "/events",
                    [("GET", web::get().to(events::tenant_events))],
                )),
        );
    }
}

/// The admin listener's routes (`server.admin_listen`): metrics and both probes, at the root
/// whatever `server.base_path` says (Prometheus and the kubelet reach the pod directly, never
/// through the ingress that the prefix exists for).
pub fn configure_admin(cfg: &mut web::ServiceConfig) {
    cfg.service(resource(
        "/healthz",
        [("GET", web::get().to(health::healthz))],
    ))
    .service(resource(
        "/readyz",
        [("GET", web::get().to(health::readyz))],
    ))
    .service(resource(
        "/metrics",
        [("GET", web::get().to(health::metrics))],
    ));
}

/// A path with its routes, one per method, that answers every other method (`TRACE`, `HEAD`,
/// `OPTIONS` outside a CORS preflight, …) with 405 `method_not_allowed` and an `Allow` header
/// listing the methods it serves, as RFC 9110 asks and the OpenAPI document promises.
pub fn resource<const N: usize>(path: &str, routes: [(&'static str, Route); N]) -> Resource {
    let allow = routes
        .iter()
        .map(|(method, _)| *method)
        .collect::<Vec<_>>()
        .join(", ");
    let mut resource = web::resource(path);
    for (_, route) in routes {
        resource = resource.route(route);
    }
    resource.default_service(web::to(move || {
        let allow = allow.clone();
        async move { Err::<HttpResponse, _>(ApiError::method_not_allowed(allow)) }
    }))
}

/// The answer for unknown routes: 404 `not_found`.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found())
}

/// Parses a JSON request body: 415 unless the content type is JSON, 400 (naming only the
/// position, never echoing the body, which may hold `secretContent`) when it does not parse.
pub fn json_body<T: DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> Result<T, ApiError> {
    let is_json = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| mime.trim().to_ascii_lowercase())
        .is_some_and(|mime| mime == "application/json" || mime.ends_with("+json"));
    if !is_json {
        return Err(ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "the request body must be application/json",
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Data => "has a field of the wrong type",
            serde_json::error::Category::Eof => "ends too early",
            serde_json::error::Category::Syntax | serde_json::error::Category::Io => {
                "is not valid JSON"
            }
        };
        ApiError::invalid_request(format!(
            "the body {what} (line {}, column {})",
            e.line(),
            e.column()
        ))
    })
}
