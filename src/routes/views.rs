//! JSON shapes of ticket resources (API.md "Tickets"), converted from upstream answers.
//! Timestamps are RFC 3339 in UTC; statuses are passed through unchanged when unknown.

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;

use workorder_api::actions::{Note as UpstreamNote, TicketSummary};

/// A support ticket.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Ticket {
    /// Ticket id, e.g. `CAB327A`.
    #[schema(example = "CAB327A")]
    pub id: String,
    /// Title (may be absent upstream).
    pub title: Option<String>,
    /// One of `in_progress`, `wait_feedback`, `wait_confirm`, `completed`; any other value the
    /// upstream sends is passed through unchanged.
    #[schema(example = "in_progress")]
    pub status: String,
    /// Creation time, RFC 3339 UTC.
    #[schema(example = "2020-04-02T09:04:00Z")]
    pub created_at: Option<String>,
    /// The upstream uid of the creator.
    pub creator_id: Option<String>,
}

impl From<TicketSummary> for Ticket {
    fn from(t: TicketSummary) -> Self {
        Self {
            id: t.id,
            title: t.title,
            status: t.ticket_status,
            created_at: t.add_time.map(rfc3339),
            creator_id: t.creator_id,
        }
    }
}

/// A page of tickets.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = TicketPage)]
pub struct TicketPageView {
    /// The tickets on this page.
    pub items: Vec<Ticket>,
    /// 1-based page number.
    pub page: u32,
    /// Page size.
    pub page_size: u32,
    /// Matching tickets across all pages.
    pub total: u64,
}

/// One message on a ticket.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    /// Note id (upstream `NoteId`).
    #[schema(example = "CT24GHXT")]
    pub id: Option<String>,
    /// The message.
    pub content: String,
    /// True when written by Alibaba Cloud support.
    pub from_official: bool,
    /// Time written, RFC 3339 UTC.
    pub created_at: Option<String>,
}

impl From<UpstreamNote> for Note {
    fn from(n: UpstreamNote) -> Self {
        Self {
            id: n.note_id,
            content: n.content,
            from_official: n.from_official,
            created_at: n.gmt_created.map(rfc3339),
        }
    }
}

/// A ticket's conversation, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoteList {
    /// The notes, oldest first.
    pub items: Vec<Note>,
}

impl NoteList {
    /// Converts and orders upstream notes oldest first (stable: equal or missing times keep
    /// the upstream order; notes without a time go last).
    pub fn from_upstream(mut notes: Vec<UpstreamNote>) -> Self {
        notes.sort_by_key(|n| (n.gmt_created.is_none(), n.gmt_created));
        Self {
            items: notes.into_iter().map(Note::from).collect(),
        }
    }
}

/// The id of a created ticket.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct CreatedTicket {
    /// The new ticket's id.
    #[schema(example = "ETARNPP")]
    pub id: String,
}

/// Formats an instant as RFC 3339 UTC, to the second.
fn rfc3339(at: OffsetDateTime) -> String {
    let utc = at
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(at);
    utc.format(&Rfc3339).unwrap_or_default()
}
