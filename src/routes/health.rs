//! Operational routes: liveness, readiness and Prometheus metrics. Public (no token).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorCode};
use crate::http::AppState;
use crate::state::StateStatus;
use crate::telemetry::Metrics;

/// Health answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `ready`.
    pub status: &'static str,
}

/// Readiness answer: ready, with the shared state's reachability as detail.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// Always `ready` (a draining gateway answers 503 instead).
    #[schema(example = "ready")]
    pub status: &'static str,
    /// The state store as this replica last saw it.
    pub state: StateHealth,
}

/// Which state backend serves this replica and whether it answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct StateHealth {
    /// `memory` or `redis`.
    #[schema(example = "redis")]
    pub backend: &'static str,
    /// `up` or `down` (memory is always `up`). Down does not make the replica unready: reads
    /// keep working, rate limits fall back to this replica, keyed writes answer 503.
    pub status: StateStatus,
}

/// Liveness: the process is up and serving.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "Alive", body = Health, example = json!({"status": "ok"}))))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// Readiness: configuration loaded and not draining. Turns 503 at SIGTERM so the ingress stops
/// routing here before the listener closes. The shared state being down does not make a replica
/// unready (it would take every replica out at once while reads still work); it is reported in
/// `state.status`.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses(
    (status = 200, description = "Ready; `state` tells whether the shared state answers", body = Readiness,
     example = json!({"status": "ready", "state": {"backend": "redis", "status": "up"}})),
    (status = 503, description = "Draining", body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if state.is_draining() {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Draining,
            "shutting down",
        ));
    }
    Ok(HttpResponse::Ok().json(Readiness {
        status: "ready",
        state: StateHealth {
            backend: state.state_store.backend_name(),
            status: state.state_store.status(),
        },
    }))
}

/// Prometheus metrics (OpenMetrics text).
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Metrics", content_type = "application/openmetrics-text",
    example = "# TYPE workorder_gateway_build_info gauge\nworkorder_gateway_build_info{version=\"0.1.0\"} 1\n# EOF\n")))]
pub async fn metrics(metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(metrics.render())
}
