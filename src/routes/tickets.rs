//! `/tickets` and `/tickets/{id}` (+ `/close`): list, read, create and close tickets.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};

use super::new_ticket::NewTicketBody;
use super::new_ticket::TicketExtras;
use super::params::{IdempotencyKeyHeader, LangQuery, TicketPath};
use super::responses::{AuthFailures, UpstreamFailures};
use super::support::{audited_no_content, upstream_id_header};
use super::ticket_query::{TicketListQuery, TicketListing};
use super::views::{CreatedTicket, Ticket, TicketPageView};
use super::{language, ticket_query};
use crate::auth::Permission;
use crate::error::{ApiError, ErrorCode};
use crate::http::idempotency::{self, REPLAYED_HEADER};
use crate::http::{AppState, Principal};
use crate::settings::ApiVersion;
use crate::tickets::{Access, WrittenHow, limited_to_own};
use crate::tickets::{ensure_ticket, find_ticket, get_ticket_2021};
use workorder_api::actions::{CloseTicket, CreateTicket};
use workorder_api::v2021::{CreateTicket as V2021Create, SecretInfo};

/// List the tenant's tickets.
///
/// `productCode` is for `2020-03-26` tenants: a `2021-06-10` tenant's product codes are 2021
/// product ids, and tickets are listed through 2020-03-26, so it answers 422
/// `api_version_unsupported`.
///
/// Needs `tickets:read`. Every `tickets:read` user of the tenant sees every ticket of it, unless
/// the tenant has `ticket_visibility = "own"`: then only the caller's own tickets (others are
/// 404), unless the caller holds `tickets:read:all`.
#[utoipa::path(
    get, path = "/tickets", tag = "tickets",
    params(TicketListQuery, LangQuery),
    responses(
        (status = 200, description = "A page of tickets, newest first", body = TicketPageView,
         links(("GetTicket" = (operation_id = "get_ticket", parameters(("id" = "$response.body#/items/0/id")), description = "The first ticket of the page"))),
         example = json!({"items": [{"id": "CAB327A", "title": "SSH refused", "status": "in_progress", "createdAt": "2020-04-02T09:04:00Z", "creatorId": "1234567890", "description": null, "categoryId": null, "severity": null, "detailedStatus": null}], "page": 1, "pageSize": 20, "total": 1})),
        (status = 400, description = "A bad query parameter (named in detail)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "api_version_unsupported: productCode for a 2021-06-10 tenant (its product ids are not the 2020 product codes tickets are listed by)", body = crate::error::Problem, content_type = "application/problem+json"),
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
    let TicketListing {
        mut request,
        matches_nothing,
    } = ticket_query::parse(req.query_string(), language)?;
    if request.product_code.is_some() && principal.tenant.api_version == ApiVersion::V2021 {
        // Tickets are listed through 2020's ListTickets, whose ProductCode is a 2020 code; this
        // tenant's codes are 2021 ProductIds, which cannot be translated. Refused, not guessed.
        return Err(ApiError::unsupported_on_2021(
            "the productCode filter",
            "tickets are listed through Workorder API 2020-03-26, whose product codes are not \
             this tenant's 2021 product ids (and cannot be translated)",
        ));
    }
    let (page, page_size) = (
        request.page_start.unwrap_or(1),
        request.page_size.unwrap_or(ticket_query::DEFAULT_PAGE_SIZE),
    );
    let empty_page = || {
        HttpResponse::Ok().json(TicketPageView {
            total: 0,
            page,
            page_size,
            items: Vec::new(),
        })
    };
    if matches_nothing {
        return Ok(empty_page());
    }
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
            return Ok(empty_page());
        }
    }
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
    principal
        .tenant
        .known_tickets
        .remember(body.items.iter().map(|t| t.id.as_str()));
    let mut response = HttpResponse::Ok();
    upstream_id_header(&mut response, answer.request_id.as_deref());
    Ok(response.json(body))
}

/// Read one ticket.
///
/// For a `2021-06-10` tenant one upstream `GetTicket` call, with `description`, `categoryId`,
/// `severity` and `detailedStatus`; for a `2020-03-26` tenant those are null.
///
/// Needs `tickets:read`. Every `tickets:read` user of the tenant sees every ticket of it, unless
/// the tenant has `ticket_visibility = "own"`: then only the caller's own tickets (others are
/// 404), unless the caller holds `tickets:read:all`.
#[utoipa::path(
    get, path = "/tickets/{id}", tag = "tickets",
    params(TicketPath, LangQuery),
    responses(
        (status = 200, description = "The ticket", body = Ticket,
         links(
            ("ListNotes" = (operation_id = "list_notes", parameters(("id" = "$response.body#/id")))),
            ("Reply" = (operation_id = "reply", parameters(("id" = "$response.body#/id")))),
            ("Close" = (operation_id = "close_ticket", parameters(("id" = "$response.body#/id")))),
            ("Reopen" = (operation_id = "reopen_ticket", parameters(("id" = "$response.body#/id")))),
            ("Rate" = (operation_id = "rate_ticket", parameters(("id" = "$response.body#/id")))),
         ),
         example = json!({"id": "CAB327A", "title": "SSH refused", "status": "in_progress", "createdAt": "2020-04-02T09:04:00Z", "creatorId": "1234567890", "description": "Cannot SSH into i-bp1abc since 09:00", "categoryId": "7161", "severity": "urgent", "detailedStatus": "dealing"})),
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
    let (ticket, request_id) = if principal.tenant.api_version == ApiVersion::V2021 {
        let (detail, request_id) = get_ticket_2021(&state.client, &principal, &id).await?;
        (Ticket::from_detail(id.to_string(), detail), request_id)
    } else {
        let (summary, request_id) = find_ticket(&state.client, &principal, &id, language).await?;
        (Ticket::from(summary), request_id)
    };
    let mut response = HttpResponse::Ok();
    upstream_id_header(&mut response, request_id.as_deref());
    Ok(response.json(ticket))
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
    params(LangQuery, IdempotencyKeyHeader),
    responses(
        (status = 201, description = "Created; Location names the ticket", body = CreatedTicket,
         links(
            ("GetTicket" = (operation_id = "get_ticket", parameters(("id" = "$response.body#/id")), description = "The new ticket")),
            ("ListNotes" = (operation_id = "list_notes", parameters(("id" = "$response.body#/id")), description = "Its conversation")),
            ("Reply" = (operation_id = "reply", parameters(("id" = "$response.body#/id")), description = "Reply to it")),
            ("Close" = (operation_id = "close_ticket", parameters(("id" = "$response.body#/id")), description = "Close it")),
            ("Reopen" = (operation_id = "reopen_ticket", parameters(("id" = "$response.body#/id")), description = "Reopen it once done (2021-06-10 tenants)")),
            ("Rate" = (operation_id = "rate_ticket", parameters(("id" = "$response.body#/id")), description = "Rate it once done (2021-06-10 tenants)")),
         ),
         example = json!({"id": "ETARNPP"})),
        (status = 400, description = "Malformed JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = format!("{}: a request with this Idempotency-Key is still running; see Retry-After", ErrorCode::IdempotencyInProgress), body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed: field errors (product, category, contact…; a 2021-06-10 tenant's productCode and categoryId must be 2021 ids from its catalog); api_version_unsupported: severity or attachments for a 2020-03-26 tenant", body = crate::error::Problem, content_type = "application/problem+json"),
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
    let (request, extras) =
        new_ticket.validate(principal.tenant.default_email.as_deref(), request_language)?;
    let v2021 = match principal.tenant.api_version {
        ApiVersion::V2020 if extras.any() => {
            return Err(ApiError::api_version_unsupported(
                "a ticket's severity or attachments",
            ));
        }
        ApiVersion::V2020 => None,
        ApiVersion::V2021 => Some(as_2021(&request, extras)),
    };
    let key = idempotency::key_of(&req)?;
    let written = crate::tickets::create_ticket(
        state.ticket_backends(),
        &principal,
        &request,
        v2021.as_ref(),
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
    principal
        .tenant
        .known_tickets
        .remember([outcome.id.as_str()]);
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

/// The Workorder 2021-06-10 create of a validated ticket: the same category (a 2021
/// `CategoryId`: a 2021 tenant's catalog check is against 2021's catalogue), content, title,
/// contact and confidential text, plus severity (default normal) and attachments. Phone,
/// notification hours and language have no 2021 counterpart and are dropped.
fn as_2021(request: &CreateTicket, extras: TicketExtras) -> V2021Create {
    V2021Create {
        category_id: request.category_id.to_string(),
        description: request.content.clone(),
        severity: extras.severity.unwrap_or_default().into(),
        title: request.title.clone(),
        creator_id: None,
        email: Some(request.email.clone()).filter(|e| !e.is_empty()),
        file_names: extras.attachments,
        secret: request.secret_content.clone().map(|content| SecretInfo {
            content: Some(content),
            file_names: Vec::new(),
        }),
    }
}

/// Close a ticket (idempotent: closing a closed ticket succeeds).
///
/// Needs `tickets:write`. Every `tickets:write` user of the tenant may act on every ticket of
/// it, unless the tenant has `ticket_visibility = "own"`: then only on the caller's own tickets
/// (others are 404), unless the caller holds `tickets:write:all`.
#[utoipa::path(
    post, path = "/tickets/{id}/close", tag = "tickets",
    params(TicketPath, LangQuery),
    responses(
        (status = 204, description = "Closed"),
        (status = 400, description = "Bad lang", body = crate::error::Problem, content_type = "application/problem+json"),
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
        ensure_ticket(&state.client, &principal, &id, language).await?;
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
    audited_no_content(&principal, "CloseTicket", &id, result)
}
