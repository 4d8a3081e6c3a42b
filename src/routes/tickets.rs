//! `/tickets` and `/tickets/{id}` (+ `/close`): list, read, create and close tickets.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};

use super::new_ticket::NewTicketBody;
use super::responses::{AuthFailures, UpstreamFailures};
use super::support::upstream_id_header;
use super::views::{CreatedTicket, Ticket, TicketPageView};
use super::{language, ticket_query};
use crate::auth::Permission;
use crate::error::{ApiError, ErrorCode};
use crate::http::idempotency::{self, REPLAYED_HEADER};
use crate::http::{AppState, Principal};
use crate::tickets::{Access, WrittenHow, limited_to_own};
use crate::tickets::{audit, find_ticket};
use workorder_api::actions::CloseTicket;

/// List the tenant's tickets.
///
/// Needs `tickets:read`. Every `tickets:read` user of the tenant sees every ticket of it, unless
/// the tenant has `ticket_visibility = "own"`: then only the caller's own tickets (others are
/// 404), unless the caller holds `tickets:read:all`.
#[utoipa::path(
    get, path = "/tickets", tag = "tickets",
    params(
        ("status" = Option<String>, Query, description = "Comma list of in_progress, wait_feedback, wait_confirm, completed"),
        ("productCode" = Option<String>, Query, description = "Only tickets for this product"),
        ("ids" = Option<String>, Query, description = "Comma list of at most 100 ticket ids"),
        ("createdAfter" = Option<String>, Query, description = "RFC 3339 time or epoch seconds"),
        ("createdBefore" = Option<String>, Query, description = "RFC 3339 time or epoch seconds"),
        ("page" = Option<u32>, Query, description = "1-based page, default 1"),
        ("pageSize" = Option<u32>, Query, description = "1 to 100, default 20"),
        ("subUserId" = Option<String>, Query, description = "Only tickets of this RAM sub-user"),
        ("lang" = Option<String>, Query, description = "zh, en or jp (ja accepted)"),
    ),
    responses(
        (status = 200, description = "A page of tickets", body = TicketPageView),
        (status = 400, description = "A bad query parameter (named in detail)", body = crate::error::Problem, content_type = "application/problem+json"),
        AuthFailures, UpstreamFailures,
    ),
    security(("bearer" = []))
)]
pub async fn list_tickets(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::TicketsRead)?;
    let language = language::resolve(&req, principal.tenant.language)?;
    let mut request = ticket_query::parse(req.query_string(), language)?;
    if limited_to_own(&principal, Access::Read) {
        let owned = state
            .writes
            .owned_ids(&principal.tenant.id, &principal.user)
            .await?;
        request.ids = if request.ids.is_empty() {
            owned
        } else {
            request.ids.retain(|id| owned.contains(id));
            request.ids
        };
        if request.ids.is_empty() {
            return Ok(HttpResponse::Ok().json(TicketPageView {
                total: 0,
                page: request.page_start.unwrap_or(1),
                page_size: request.page_size.unwrap_or(ticket_query::DEFAULT_PAGE_SIZE),
                items: Vec::new(),
            }));
        }
    }
    let (page, page_size) = (
        request.page_start.unwrap_or(1),
        request.page_size.unwrap_or(ticket_query::DEFAULT_PAGE_SIZE),
    );
    let answer = state
        .client
        .call(&principal.tenant.target, &request)
        .await?;
    let data = answer.data;
    let body = TicketPageView {
        total: data.total.unwrap_or(data.list.len() as u64),
        page: data.current_page.filter(|p| *p > 0).unwrap_or(page),
        page_size: data.page_size.filter(|s| *s > 0).unwrap_or(page_size),
        items: data.list.into_iter().map(Ticket::from).collect(),
    };
    let mut response = HttpResponse::Ok();
    upstream_id_header(&mut response, answer.request_id.as_deref());
    Ok(response.json(body))
}

/// Read one ticket.
///
/// Needs `tickets:read`. Every `tickets:read` user of the tenant sees every ticket of it, unless
/// the tenant has `ticket_visibility = "own"`: then only the caller's own tickets (others are
/// 404), unless the caller holds `tickets:read:all`.
#[utoipa::path(
    get, path = "/tickets/{id}", tag = "tickets",
    params(("id" = String, Path, description = "Ticket id: 1 to 32 of [A-Za-z0-9]"), ("lang" = Option<String>, Query, description = "zh, en or jp")),
    responses(
        (status = 200, description = "The ticket", body = Ticket),
        (status = 400, description = "Bad lang", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = format!("{} (also for other tenants' tickets)", ErrorCode::TicketNotFound), body = crate::error::Problem, content_type = "application/problem+json"),
        AuthFailures, UpstreamFailures,
    ),
    security(("bearer" = []))
)]
pub async fn get_ticket(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::TicketsRead)?;
    let language = language::resolve(&req, principal.tenant.language)?;
    state
        .writes
        .ensure_reachable(&principal, &id, Access::Read)
        .await?;
    let (ticket, request_id) = find_ticket(&state.client, &principal, &id, language).await?;
    let mut response = HttpResponse::Ok();
    upstream_id_header(&mut response, request_id.as_deref());
    Ok(response.json(Ticket::from(ticket)))
}

/// File a ticket, exactly once. Send an `Idempotency-Key` header to make retries safe.
///
/// Needs `tickets:write`; the ticket is recorded as the caller's (see `ticket_visibility`).
/// When the upstream's answer is lost the gateway looks for the ticket
/// before sending again, so a 201 may come from a reconciled attempt. With a key: a repeat
/// replays the first answer (`Idempotent-Replayed: true`), a repeat while the first is running
/// waits, then 409; 503 `state_unavailable` when the shared state is unreachable. On 409, 429,
/// 5xx or a network error, retry with the same key and body.
#[utoipa::path(
    post, path = "/tickets", tag = "tickets",
    request_body(content = NewTicketBody, content_type = "application/json"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key (1 to 255 visible ASCII): a retry with the same key and body returns the first answer and never files a second ticket")),
    responses(
        (status = 201, description = "Created; Location names the ticket", body = CreatedTicket),
        (status = 400, description = "Malformed JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = format!("{}: a request with this Idempotency-Key is still running; see Retry-After", ErrorCode::IdempotencyInProgress), body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors (product, category, contact…)", body = crate::error::Problem, content_type = "application/problem+json"),
        AuthFailures, UpstreamFailures,
    ),
    security(("bearer" = []))
)]
pub async fn create_ticket(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::TicketsWrite)?;
    let new_ticket: NewTicketBody = super::json_body(&req, &body)?;
    let request_language = language::resolve(&req, principal.tenant.language)?;
    let request =
        new_ticket.validate(principal.tenant.default_email.as_deref(), request_language)?;
    let key = idempotency::key_of(&req)?;
    let written = crate::tickets::create_ticket(
        state.ticket_backends(),
        &principal,
        &request,
        request_language,
        key.as_deref(),
        &body,
    )
    .await
    .map_err(|err| {
        if err.code() == ErrorCode::ValidationFailed && request.phone.is_some() {
            err.with_field_hint("phone")
        } else {
            err
        }
    })?;
    let outcome = written.outcome;
    let mut response = HttpResponse::build(StatusCode::CREATED);
    response.insert_header((
        LOCATION,
        format!("{}/tickets/{}", state.base_path, outcome.id),
    ));
    if written.how == WrittenHow::Replayed {
        response.insert_header((REPLAYED_HEADER, "true"));
    }
    upstream_id_header(&mut response, outcome.upstream_request_id.as_deref());
    Ok(response.json(CreatedTicket { id: outcome.id }))
}

/// Close a ticket (idempotent: closing a closed ticket succeeds).
///
/// Needs `tickets:write`. Every `tickets:write` user of the tenant may act on every ticket of
/// it, unless the tenant has `ticket_visibility = "own"`: then only on the caller's own tickets
/// (others are 404), unless the caller holds `tickets:write:all`.
#[utoipa::path(
    post, path = "/tickets/{id}/close", tag = "tickets",
    params(("id" = String, Path, description = "Ticket id")),
    responses(
        (status = 204, description = "Closed"),
        (status = 404, description = ErrorCode::TicketNotFound.as_str(), body = crate::error::Problem, content_type = "application/problem+json"),
        AuthFailures, UpstreamFailures,
    ),
    security(("bearer" = []))
)]
pub async fn close_ticket(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::TicketsWrite)?;
    let language = language::resolve(&req, principal.tenant.language)?;
    let result = async {
        state
            .writes
            .ensure_reachable(&principal, &id, Access::Write)
            .await?;
        find_ticket(&state.client, &principal, &id, language).await?;
        let answer = state
            .client
            .call(
                &principal.tenant.target,
                &CloseTicket {
                    ticket_id: id.to_string(),
                    language: Some(language),
                },
            )
            .await?;
        Ok::<_, ApiError>(answer.request_id)
    }
    .await;
    match result {
        Ok(request_id) => {
            audit(
                &principal,
                "CloseTicket",
                Some(&id),
                "ok",
                request_id.as_deref(),
            );
            let mut response = HttpResponse::NoContent();
            upstream_id_header(&mut response, request_id.as_deref());
            Ok(response.finish())
        }
        Err(err) => {
            audit(
                &principal,
                "CloseTicket",
                Some(&id),
                err.code().as_str(),
                err.upstream_request_id(),
            );
            Err(err)
        }
    }
}
