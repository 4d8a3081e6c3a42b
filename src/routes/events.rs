//! `GET /tickets/{id}/events` and `GET /events`: live updates as Server-Sent Events, fed by
//! the shared pollers of [`crate::events`]. Authentication is the `Authorization` header as on
//! every route (a fetch-based reader sends it; tokens never go in query strings, which end up
//! in access logs).

use std::convert::Infallible;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::CACHE_CONTROL;
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use tokio::sync::mpsc;

use super::params::{LastEventIdHeader, TicketPath};
use super::responses::{AuthFailures, UpstreamFailures};
use super::views::{Note, Ticket};
use crate::auth::Permission;
use crate::error::{ApiError, ErrorCode};
use crate::events::cursor::TicketEvent;
use crate::events::stream::{self, OwnTickets, Shows};
use crate::events::{Cursor, EventId, FeedKey, Frame, OpenError};
use crate::http::{AppState, Principal};
use crate::tickets::{Access, ensure_ticket, limited_to_own};

/// The header that tells nginx (and the ingress-nginx controller) not to buffer the stream.
pub const NO_BUFFERING_HEADER: &str = "X-Accel-Buffering";

/// How a refusal to open a stream is answered.
fn refused(err: OpenError) -> ApiError {
    match err {
        OpenError::UserLimit | OpenError::ReplicaLimit => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            err.to_string(),
        )
        .with_retry_after(Duration::from_secs(5)),
        OpenError::Draining => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Draining,
            "the gateway is shutting down; reconnect",
        )
        .with_retry_after(Duration::from_secs(1)),
    }
}

/// Live updates of one ticket (Server-Sent Events).
///
/// Needs `tickets:read` (with `ticket_visibility = "own"`: one's own tickets, unless
/// `tickets:read:all`). The stream first sends the conversation (`note` events, oldest first)
/// and the ticket (`status`), then each new note and each status change as the gateway's
/// shared poller sees them (every watcher of a ticket shares one upstream poll). Every `note`
/// and `status` event has an `id:`; reconnecting with `Last-Event-ID` resumes right after it.
/// A comment line (`: heartbeat`) comes every `events.heartbeat_ms` (15 s). The stream ends
/// with `event: expired` when the token expires (sign in again and reconnect), or with
/// `retry:` and `event: shutdown` when the gateway drains (reconnect after the delay).
/// 429 `rate_limited` beyond `events.max_streams_per_user` or `events.max_streams`; 503
/// `draining` while shutting down.
#[utoipa::path(
    get, path = "/tickets/{id}/events", tag = "events",
    params(TicketPath, LastEventIdHeader),
    responses(
        (status = 200, description = "An endless `text/event-stream`. Events: `note` (data: a Note as in GET /tickets/{id}/notes; `id:` set), `status` (data: the Ticket; `id:` set), `expired` (data: `{\"reason\":\"token_expired\"}`; last), `shutdown` (after a `retry:` line; data: `{\"reason\":\"draining\"}`; last); comment lines are heartbeats. Headers: `Cache-Control: no-store`, `X-Accel-Buffering: no`.",
         content_type = "text/event-stream", body = String,
         example = json!("id: 1.\nevent: note\ndata: {\"id\":\"CT24GHXT\",\"content\":\"Cannot SSH into i-bp1abc\",\"fromOfficial\":false,\"createdAt\":\"2020-04-02T09:04:00Z\"}\n\nid: 1.in_progress\nevent: status\ndata: {\"id\":\"CAB327A\",\"title\":\"SSH refused\",\"status\":\"in_progress\",\"createdAt\":\"2020-04-02T09:04:00Z\",\"creatorId\":\"1234567890\"}\n\n: heartbeat\n\n")),
        (status = 404, description = format!("{} (also for other tenants' tickets)", ErrorCode::TicketNotFound), body = crate::error::Problem, content_type = "application/problem+json"),
        AuthFailures, UpstreamFailures,
    ),
    security(("bearer" = []))
)]
pub async fn ticket_events(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::TicketsRead)?;
    state
        .writes
        .ensure_reachable(&principal, &id, Access::Read)
        .await?;
    ensure_ticket(&state.client, &principal, &id, principal.tenant.language).await?;
    let last = req
        .headers()
        .get("Last-Event-ID")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| EventId::parse(v.trim()));
    let watch = state
        .events
        .open(
            &principal.tenant,
            &principal.user,
            FeedKey::Ticket {
                tenant: principal.tenant.id.clone(),
                ticket: id.into_inner(),
            },
        )
        .map_err(refused)?;
    let frames = stream::spawn(
        &state.events,
        watch,
        Shows::Ticket(Cursor::after(last)),
        principal.expires_at,
    );
    Ok(event_stream(frames))
}

/// Live updates of the tenant's tickets (Server-Sent Events), for list views.
///
/// Needs `tickets:read` (with `ticket_visibility = "own"`: one's own tickets only, unless
/// `tickets:read:all`). Sends `ticket` for each new ticket and `status` for each status change
/// among the tenant's newest 50 tickets, as the tenant's one shared poller sees them; nothing
/// about what was there before the stream opened (load the list with `GET /tickets`, then
/// listen). These events carry no `id:`: on reconnect, reload the list. Heartbeats, token
/// expiry, drain and limits as on `GET /tickets/{id}/events`.
#[utoipa::path(
    get, path = "/events", tag = "events",
    responses(
        (status = 200, description = "An endless `text/event-stream`. Events: `ticket` (data: a new Ticket), `status` (data: the Ticket whose status changed), `expired` and `shutdown` as on GET /tickets/{id}/events; comment lines are heartbeats. Headers: `Cache-Control: no-store`, `X-Accel-Buffering: no`.",
         content_type = "text/event-stream", body = String,
         example = json!("event: ticket\ndata: {\"id\":\"ETARNPP\",\"title\":\"Disk full\",\"status\":\"in_progress\",\"createdAt\":\"2020-04-02T10:00:00Z\",\"creatorId\":\"1234567890\"}\n\nevent: status\ndata: {\"id\":\"CAB327A\",\"title\":\"SSH refused\",\"status\":\"wait_feedback\",\"createdAt\":\"2020-04-02T09:04:00Z\",\"creatorId\":\"1234567890\"}\n\n: heartbeat\n\n")),
        AuthFailures, UpstreamFailures,
    ),
    security(("bearer" = []))
)]
pub async fn tenant_events(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<HttpResponse, ApiError> {
    principal.require(Permission::TicketsRead)?;
    let own = limited_to_own(&principal, Access::Read).then(|| {
        Box::new(OwnTickets {
            writes: state.writes.clone(),
            tenant: principal.tenant.id.clone(),
            user: principal.user.clone(),
        })
    });
    let watch = state
        .events
        .open(
            &principal.tenant,
            &principal.user,
            FeedKey::Tenant {
                tenant: principal.tenant.id.clone(),
            },
        )
        .map_err(refused)?;
    let frames = stream::spawn(&state.events, watch, Shows::List(own), principal.expires_at);
    Ok(event_stream(frames))
}

/// The response: the frames as `text/event-stream`, never cached or buffered by a proxy. An
/// opening comment sends the headers at once.
fn event_stream(frames: mpsc::Receiver<Frame>) -> HttpResponse {
    let opening = futures_util::stream::once(async {
        Ok::<_, Infallible>(Bytes::from_static(b": open\n\n"))
    });
    let body = futures_util::stream::unfold(frames, |mut frames| async move {
        frames
            .recv()
            .await
            .map(|frame| (Ok::<_, Infallible>(render(&frame)), frames))
    });
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header((NO_BUFFERING_HEADER, "no"))
        .streaming(futures_util::StreamExt::chain(opening, body))
}

/// One frame in the `text/event-stream` syntax. JSON data is one line (serde_json escapes the
/// newlines of a note), so no field can end an event early.
fn render(frame: &Frame) -> Bytes {
    let text = match frame {
        Frame::Ticket(TicketEvent::Note { id, note }) => {
            format!(
                "id: {id}\nevent: note\ndata: {}\n\n",
                json(&Note::from(note.clone()))
            )
        }
        Frame::Ticket(TicketEvent::Status { id, ticket }) => {
            format!(
                "id: {id}\nevent: status\ndata: {}\n\n",
                json(&Ticket::from(ticket.clone()))
            )
        }
        Frame::List { event, ticket } => {
            format!(
                "event: {event}\ndata: {}\n\n",
                json(&Ticket::from(ticket.clone()))
            )
        }
        Frame::Heartbeat => ": heartbeat\n\n".to_owned(),
        Frame::Expired => "event: expired\ndata: {\"reason\":\"token_expired\"}\n\n".to_owned(),
        Frame::Shutdown(retry_ms) => {
            format!("retry: {retry_ms}\nevent: shutdown\ndata: {{\"reason\":\"draining\"}}\n\n")
        }
    };
    Bytes::from(text)
}

/// A view as one JSON line. The views are plain structs of strings and booleans:
/// serializing them cannot fail.
fn json<T: serde::Serialize>(view: &T) -> String {
    serde_json::to_string(view).unwrap_or_else(|_| "null".to_owned())
}
