//! `POST /tickets/{id}/reopen` and `POST /tickets/{id}/rating`: what Workorder 2021-06-10 adds
//! to a done ticket. A `2020-03-26` tenant's API cannot do either: 422
//! `api_version_unsupported`, before any upstream call. The upstream refuses both unless the
//! ticket is completed, and a second rating: 409 `ticket_state_conflict`.
//!
//! Neither is repeated after it may have reached the upstream (the client's retry rule for
//! writes): a repeat would post the reopen message twice or be refused as a second rating.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::language;
use super::params::{LangQuery, TicketPath, json_integer};
use super::responses::{AuthFailures, UpstreamFailures};
use super::support::audited_no_content;
use crate::auth::Permission;
use crate::error::{ApiError, ErrorCode, FieldError};
use crate::http::{AppState, Principal};
use crate::settings::ApiVersion;
use crate::tickets::{Access, ensure_ticket};
use crate::upstream::UpstreamError;
use workorder_api::v2021::{EvaluateTicket, ReopenTicket};

/// Longest accepted reopen message or rating comment (characters).
pub const MAX_TEXT_CHARS: usize = 10_000;

/// `POST /tickets/{id}/reopen` body.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Reopen)]
pub struct ReopenBody {
    /// Why the ticket is reopened: not blank, at most 10 000 characters.
    #[schema(
        min_length = 1,
        max_length = 10000,
        pattern = "[^\\t\\n\\u000b\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]",
        example = "The instance still refuses SSH"
    )]
    content: String,
}

/// `POST /tickets/{id}/rating` body.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Rating)]
pub struct RatingBody {
    /// Stars, 1 to 5 (`5.0` counts as an integer, as in JSON Schema).
    #[schema(value_type = i64, minimum = 1, maximum = 5, example = 5)]
    score: serde_json::Number,
    /// Whether support solved the problem.
    #[schema(example = true)]
    solved: bool,
    /// A comment, at most 10 000 characters.
    #[schema(nullable, max_length = 10000, example = "Fixed within the hour")]
    comment: Option<String>,
}

/// 422 for a `2020-03-26` tenant, before anything else is looked at.
fn require_2021(principal: &Principal, what: &str) -> Result<(), ApiError> {
    if principal.tenant.api_version == ApiVersion::V2021 {
        Ok(())
    } else {
        Err(ApiError::api_version_unsupported(what))
    }
}

/// The upstream's refusal of a reopen or rating of a ticket in the wrong state.
fn state_conflict(err: UpstreamError, what: &str) -> ApiError {
    match err {
        UpstreamError::InvalidParameter(fault) => {
            ApiError::ticket_state_conflict(what).with_upstream_request_id(fault.request_id)
        }
        other => ApiError::from(other),
    }
}

/// Reopen a completed ticket (Workorder 2021-06-10 tenants).
///
/// Needs `tickets:write` (and, with `ticket_visibility = "own"`, the caller's own ticket or
/// `tickets:write:all`). The message becomes a note and the ticket goes back to support
/// (`status` `in_progress`, `detailedStatus` `assigned`).
#[utoipa::path(
    post, path = "/tickets/{id}/reopen", tag = "tickets", operation_id = "reopen_ticket",
    params(TicketPath, LangQuery),
    request_body(content = ReopenBody, content_type = "application/json"),
    responses(
        (status = 204, description = "Reopened",
         links(("GetTicket" = (operation_id = "get_ticket", parameters(("id" = "$request.path.id")), description = "The reopened ticket")))),
        (status = 400, description = "Malformed JSON or bad lang", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = ErrorCode::TicketNotFound.as_str(), body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = format!("{}: the ticket is not completed", ErrorCode::TicketStateConflict), body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = format!("{} (a 2020-03-26 tenant) or {} (content)", ErrorCode::ApiVersionUnsupported, ErrorCode::ValidationFailed), body = crate::error::Problem, content_type = "application/problem+json"),
        AuthFailures, UpstreamFailures,
    ),
    security(("bearer" = []))
)]
pub async fn reopen_ticket(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::TicketsWrite)?;
    let reopen: ReopenBody = super::json_body(&req, &body)?;
    let language = language::resolve(&req, principal.tenant.language)?;
    require_2021(&principal, "reopening a ticket")?;
    let content = reopen.content;
    if content.trim().is_empty() {
        return Err(ApiError::validation(vec![FieldError::new(
            "content",
            "must not be blank",
        )]));
    }
    if content.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::validation(vec![FieldError::new(
            "content",
            "must be at most 10000 characters",
        )]));
    }
    let result = async {
        state
            .writes
            .ensure_reachable(&principal, &id, Access::Write)
            .await?;
        ensure_ticket(&state.client, &principal, &id, language).await?;
        let answer = state
            .client
            .call(
                &principal.tenant.target,
                &ReopenTicket {
                    ticket_id: id.to_string(),
                    content,
                    uid: None,
                },
            )
            .await
            .map_err(|e| state_conflict(e, "only a completed ticket can be reopened"))?;
        Ok::<_, ApiError>(answer.request_id)
    }
    .await;
    audited_no_content(&principal, "ReopenTicket", &id, result)
}

/// Rate a completed ticket, once (Workorder 2021-06-10 tenants).
///
/// Needs `tickets:write` (and, with `ticket_visibility = "own"`, the caller's own ticket or
/// `tickets:write:all`). A ticket takes one rating in its life, even across a reopen.
#[utoipa::path(
    post, path = "/tickets/{id}/rating", tag = "tickets", operation_id = "rate_ticket",
    params(TicketPath, LangQuery),
    request_body(content = RatingBody, content_type = "application/json"),
    responses(
        (status = 204, description = "Rated"),
        (status = 400, description = "Malformed JSON or bad lang", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = ErrorCode::TicketNotFound.as_str(), body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = format!("{}: the ticket is not completed, or already rated", ErrorCode::TicketStateConflict), body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = format!("{} (a 2020-03-26 tenant) or {} (score, comment)", ErrorCode::ApiVersionUnsupported, ErrorCode::ValidationFailed), body = crate::error::Problem, content_type = "application/problem+json"),
        AuthFailures, UpstreamFailures,
    ),
    security(("bearer" = []))
)]
pub async fn rate_ticket(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::TicketsWrite)?;
    let rating: RatingBody = super::json_body(&req, &body)?;
    let language = language::resolve(&req, principal.tenant.language)?;
    require_2021(&principal, "rating a ticket")?;
    let mut errors = Vec::new();
    let score = json_integer(&rating.score, 1..=5).and_then(|s| u8::try_from(s).ok());
    if score.is_none() {
        errors.push(FieldError::new("score", "must be an integer from 1 to 5"));
    }
    if rating
        .comment
        .as_ref()
        .is_some_and(|c| c.chars().count() > MAX_TEXT_CHARS)
    {
        errors.push(FieldError::new(
            "comment",
            "must be at most 10000 characters",
        ));
    }
    let Some(score) = score.filter(|_| errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    let result = async {
        state
            .writes
            .ensure_reachable(&principal, &id, Access::Write)
            .await?;
        ensure_ticket(&state.client, &principal, &id, language).await?;
        let answer = state
            .client
            .call(
                &principal.tenant.target,
                &EvaluateTicket {
                    ticket_id: id.to_string(),
                    score,
                    solved: rating.solved,
                    content: rating.comment.filter(|c| !c.trim().is_empty()),
                    uid: None,
                },
            )
            .await
            .map_err(|e| {
                state_conflict(e, "only a completed ticket can be rated, and only once")
            })?;
        Ok::<_, ApiError>(answer.request_id)
    }
    .await;
    audited_no_content(&principal, "EvaluateTicket", &id, result)
}
