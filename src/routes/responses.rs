//! Error responses shared by many operations in the OpenAPI document, so each handler's
//! annotation lists only what is particular to it. Every one is a `Problem` document.

use std::collections::BTreeMap;

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::{Ref, RefOr, Response, ResponseBuilder};

use crate::error::{ErrorCode, PROBLEM_JSON};

fn problems(entries: &[(&str, String)]) -> BTreeMap<String, RefOr<Response>> {
    entries
        .iter()
        .map(|(status, description)| {
            let content = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build();
            let response = ResponseBuilder::new()
                .description(description.as_str())
                .content(PROBLEM_JSON, content)
                .build();
            ((*status).to_owned(), RefOr::T(response))
        })
        .collect()
}

/// 401 and 403 of every route that needs a token.
pub struct AuthFailures;

impl utoipa::IntoResponses for AuthFailures {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(&[
            (
                "401",
                format!(
                    "{}: missing, malformed, expired or otherwise invalid bearer token",
                    ErrorCode::Unauthenticated
                ),
            ),
            (
                "403",
                format!(
                    "{} (permission missing) or {}",
                    ErrorCode::Forbidden,
                    ErrorCode::TenantNotConfigured
                ),
            ),
        ])
    }
}

/// 429, 502, 503 and 504 of every route that may call the Workorder API.
pub struct UpstreamFailures;

impl utoipa::IntoResponses for UpstreamFailures {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(&[
            (
                "429",
                format!(
                    "{} (this user) or {} (this tenant); see Retry-After",
                    ErrorCode::RateLimited,
                    ErrorCode::UpstreamThrottled
                ),
            ),
            (
                "502",
                format!(
                    "{}; {} (the tenant's keys were refused); or {} (a role-based tenant's \
                     temporary credentials expired and could not be renewed; nothing was sent)",
                    ErrorCode::UpstreamError,
                    ErrorCode::UpstreamCredentialsRejected,
                    ErrorCode::UpstreamCredentialsUnavailable
                ),
            ),
            (
                "503",
                format!(
                    "{}: the upstream failed repeatedly just now; {}: too many of this tenant's \
                     upstream calls are in flight (nothing was sent); or {}: the shared state is \
                     unreachable (writes with Idempotency-Key, own-visibility checks); see \
                     Retry-After",
                    ErrorCode::UpstreamUnavailable,
                    ErrorCode::TenantBusy,
                    ErrorCode::StateUnavailable
                ),
            ),
            ("504", ErrorCode::UpstreamTimeout.to_string()),
        ])
    }
}
