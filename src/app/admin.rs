//! The admin listener (`server.admin_listen`): `/metrics`, `/healthz` and `/readyz` at the root,
//! nothing else, on a port the ingress never routes. A second actix server sharing the
//! gateway's state and metrics, so readiness turns 503 on both listeners at once when draining; it is
//! stopped together with the main server (`lifecycle::AppHandle::shutdown`, `Application::run`).

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};

use crate::http::AppState;
use crate::http::context::request_context;
use crate::telemetry::Metrics;

/// Probes and scrapes are tiny and rare: one worker is plenty and leaves the cores to the API.
const ADMIN_WORKERS: usize = 1;

/// Binds nothing itself: serves `listener` until stopped through its handle.
pub(super) fn admin_server(
    state: web::Data<AppState>,
    metrics: web::Data<Metrics>,
    listener: TcpListener,
    shutdown_timeout_secs: u64,
) -> std::io::Result<Server> {
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(metrics.clone())
            // The same request context as the main listener: request ids, problem+json errors,
            // access lines (debug for successful probes) and the HTTP metrics.
            .wrap(from_fn(request_context))
            .configure(crate::routes::configure_admin)
            .default_service(web::to(crate::routes::not_found))
    })
    .listen(listener)?
    .disable_signals()
    .workers(ADMIN_WORKERS)
    .shutdown_timeout(shutdown_timeout_secs);
    Ok(server.run())
}
