//! Error responses shared by many operations in the OpenAPI document, so each handler's
//! annotation lists only what is particular to it. Every one is a `Problem` document.

use std::collections::BTreeMap;

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::{Ref, RefOr, Response, ResponseBuilder};

use crate::error::PROBLEM_JSON;

fn problems(entries: &[(&str, &str)]) -> BTreeMap<String, RefOr<Response>> {
    entries
        .iter()
        .map(|(status, description)| {
            let content = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build();
            let response = ResponseBuilder::new()
                .description(*description)
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
                "unauthenticated: missing, malformed, expired or otherwise invalid bearer token",
            ),
            (
                "403",
                "forbidden (permission missing) or tenant_not_configured",
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
                "rate_limited (this user) or upstream_throttled (this tenant); see Retry-After",
            ),
            (
                "502",
                "upstream_error, or upstream_credentials_rejected (the tenant's keys were refused)",
            ),
            (
                "503",
                "upstream_unavailable: the upstream failed repeatedly just now; tenant_busy: too many of this tenant's upstream calls are in flight (nothing was sent); or state_unavailable: the shared state is unreachable (writes with Idempotency-Key, own-visibility checks); see Retry-After",
            ),
            ("504", "upstream_timeout"),
        ])
    }
}
