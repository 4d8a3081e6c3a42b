//! `/tickets/{id}/notes`: a ticket's conversation, and replies to it.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{AllOfBuilder, AnyOfBuilder, ObjectBuilder, SchemaType, Type};
use utoipa::openapi::{RefOr, Schema};

use super::language;
use super::params::{IdempotencyKeyHeader, LangQuery, NOT_BLANK_PATTERN, TicketPath};
use super::responses::{AuthFailures, UpstreamFailures};
use super::support::upstream_id_header;
use super::views::NoteList;
use crate::auth::Permission;
use crate::error::{ApiError, ErrorCode, FieldError};
use crate::http::idempotency::{self, REPLAYED_HEADER};
use crate::http::{AppState, Principal};
use crate::settings::ApiVersion;
use crate::tickets::ensure_ticket;
use crate::tickets::{Access, NewReply, WrittenHow};
use workorder_api::actions::ListTicketNotes;

/// Longest accepted reply (characters).
const MAX_REPLY_CHARS: usize = 10_000;

/// A ticket's notes, oldest first.
///
/// Needs `tickets:read`. Every `tickets:read` user of the tenant sees every ticket of it, unless
/// the tenant has `ticket_visibility = "own"`: then only the caller's own tickets (others are
/// 404), unless the caller holds `tickets:read:all`.
#[utoipa::path(
    get, path = "/tickets/{id}/notes", tag = "tickets",
    params(TicketPath, LangQuery),
    responses(
        (status = 200, description = "The conversation, oldest first", body = NoteList,
         example = json!({"items": [{"id": "CT24GHXT", "content": "Cannot SSH into i-bp1abc", "fromOfficial": false, "createdAt": "2020-04-02T09:04:00Z"}, {"id": "CT24GHXU", "content": "Please check the security group rules", "fromOfficial": true, "createdAt": "2020-04-02T09:20:00Z"}]})),
        (status = 400, description = "Bad lang", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = ErrorCode::TicketNotFound.as_str(), body = crate::error::Problem, content_type = "application/problem+json"),
        AuthFailures, UpstreamFailures,
    ),
    security(("bearer" = []))
)]
pub async fn list_notes(
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
    ensure_ticket(&state.client, &principal, &id, language).await?;
    let answer = state
        .client
        .call(
            &principal.tenant.target,
            &ListTicketNotes {
                ticket_id: id.to_string(),
                language: Some(language),
            },
        )
        .await?;
    let mut response = HttpResponse::Ok();
    upstream_id_header(&mut response, answer.request_id.as_deref());
    Ok(response.json(NoteList::from_upstream(answer.data.list)))
}

/// `POST /tickets/{id}/notes` body: at least one of the two not blank (its schema is written
/// by hand, below).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewNote {
    /// The reply.
    content: Option<String>,
    /// Confidential details: sent upstream only, never logged, cached or echoed.
    secret_content: Option<String>,
    /// Object keys from `POST /attachments`: 2021-06-10 tenants only.
    attachments: Option<Vec<String>>,
}

impl utoipa::PartialSchema for NewNote {
    /// Written by hand: "at least one of the two, not blank" is an `anyOf` over the object,
    /// which the derive cannot say. Blank means Unicode `White_Space` only, as `str::trim`
    /// has it ([`NOT_BLANK_PATTERN`]).
    fn schema() -> RefOr<Schema> {
        let text = |description: &str| {
            ObjectBuilder::new()
                .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                .max_length(Some(MAX_REPLY_CHARS))
                .description(Some(description))
        };
        let not_blank = |field: &str| {
            ObjectBuilder::new()
                .property(
                    field,
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .min_length(Some(1))
                        .pattern(Some(NOT_BLANK_PATTERN)),
                )
                .required(field)
        };
        AllOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .property("content", text("The reply."))
                    .property(
                        "secretContent",
                        text("Confidential details: sent upstream only, never logged, cached or echoed."),
                    )
                    .property(
                        "attachments",
                        utoipa::openapi::schema::ArrayBuilder::new()
                            .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
                            .items(
                                ObjectBuilder::new()
                                    .schema_type(Type::String)
                                    .pattern(Some(super::params::OBJECT_KEY_PATTERN)),
                            )
                            .max_items(Some(super::params::MAX_ATTACHMENTS))
                            .description(Some(
                                "Object keys of files uploaded through POST /attachments (Workorder 2021-06-10 tenants only; a 2020-03-26 tenant answers 422 api_version_unsupported when it is not empty).",
                            )),
                    )
                    .examples([serde_json::json!({ "content": "Still failing after a reboot" })]),
            )
            .item(AnyOfBuilder::new().item(not_blank("content")).item(not_blank("secretContent")))
            .description(Some(
                "A reply: `content`, `secretContent` or both, at least one of them not blank, each at most 10 000 characters.",
            ))
            .into()
    }
}

impl ToSchema for NewNote {}

/// Reply to a ticket, exactly once. Send an `Idempotency-Key` header to make retries safe.
///
/// Needs `tickets:write` (with `ticket_visibility = "own"`: on one's own tickets, unless
/// `tickets:write:all`). When the upstream's answer is lost the gateway looks for the note
/// before sending again. With a key: a repeat replays the first answer, a repeat while the first
/// is running waits, then 409; 503 `state_unavailable` when the shared state is unreachable.
#[utoipa::path(
    post, path = "/tickets/{id}/notes", tag = "tickets",
    params(TicketPath, LangQuery, IdempotencyKeyHeader),
    request_body(content = NewNote, content_type = "application/json"),
    responses(
        (status = 201, description = "Reply added; Location names the notes"),
        (status = 400, description = "Malformed JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = ErrorCode::TicketNotFound.as_str(), body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = format!("{}: a request with this Idempotency-Key is still running; see Retry-After", ErrorCode::IdempotencyInProgress), body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "validation_failed: neither content nor secretContent, or the ticket is completed; api_version_unsupported: attachments for a 2020-03-26 tenant", body = crate::error::Problem, content_type = "application/problem+json"),
        AuthFailures, UpstreamFailures,
    ),
    security(("bearer" = []))
)]
pub async fn reply(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::TicketsWrite)?;
    let note: NewNote = super::json_body(&req, &body)?;
    let language = language::resolve(&req, principal.tenant.language)?;
    let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
    let mut errors = Vec::new();
    if blank(&note.content) && blank(&note.secret_content) {
        errors.push(FieldError::new(
            "content",
            "give content, secretContent or both",
        ));
    }
    for (field, value) in [
        ("content", &note.content),
        ("secretContent", &note.secret_content),
    ] {
        if value
            .as_ref()
            .is_some_and(|v| v.chars().count() > MAX_REPLY_CHARS)
        {
            errors.push(FieldError::new(
                field,
                format!("at most {MAX_REPLY_CHARS} characters"),
            ));
        }
    }
    let attachments = note.attachments.unwrap_or_default();
    super::params::check_attachments(&attachments, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    if !attachments.is_empty() && principal.tenant.api_version == ApiVersion::V2020 {
        return Err(ApiError::api_version_unsupported("a reply's attachments"));
    }
    let key = idempotency::key_of(&req)?;
    let ticket_id = id.into_inner();
    let reply = NewReply {
        content: note.content.filter(|c| !c.trim().is_empty()),
        secret_content: note.secret_content.filter(|c| !c.trim().is_empty()),
        attachments,
    };
    let written = crate::tickets::reply_to_ticket(
        state.ticket_backends(),
        &principal,
        &ticket_id,
        &reply,
        language,
        key.as_deref(),
        &body,
    )
    .await?;
    // Watchers of this ticket see the reply at the next poll, which starts now.
    state.events.nudge(&principal.tenant.id, &ticket_id);
    let mut response = HttpResponse::build(StatusCode::CREATED);
    response.insert_header((
        LOCATION,
        format!("{}/tickets/{}/notes", state.base_path, ticket_id),
    ));
    if written.how == WrittenHow::Replayed {
        response.insert_header((REPLAYED_HEADER, "true"));
    }
    upstream_id_header(
        &mut response,
        written.outcome.upstream_request_id.as_deref(),
    );
    Ok(response.finish())
}
