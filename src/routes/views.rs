//! JSON shapes of ticket resources (API.md "Tickets"), converted from upstream answers.
//! Timestamps are RFC 3339 in UTC; statuses are passed through unchanged when unknown.

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;

use workorder_api::actions::{Note as UpstreamNote, TicketSummary};
use workorder_api::v2021::{Labeled, Severity as V2021Severity, TicketDetail};

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
    /// The problem as first described. Null for a `2020-03-26` tenant (its API has no
    /// one-call read) and in lists.
    pub description: Option<String>,
    /// The ticket's category id: a 2021-06-10 category id, as in the tenant's
    /// `GET /products/{code}/categories` (a string: 2021-06-10 sends it so), whichever version
    /// filed the ticket. Null for a `2020-03-26` tenant and in lists.
    #[schema(example = "7161")]
    pub category_id: Option<String>,
    /// `normal` or `urgent`. Null for a `2020-03-26` tenant and in lists.
    #[schema(value_type = Option<Severity>)]
    pub severity: Option<&'static str>,
    /// The upstream's finer status (`assigned`, `dealing`, `wait_feedback`, `feedback`,
    /// `wait_confirm`, `confirmed`; an unknown value passed through) behind `status`. Null for
    /// a `2020-03-26` tenant and in lists.
    #[schema(example = "assigned")]
    pub detailed_status: Option<String>,
}

impl From<TicketSummary> for Ticket {
    fn from(t: TicketSummary) -> Self {
        Self {
            id: t.id,
            title: t.title,
            status: t.ticket_status,
            created_at: t.add_time.map(rfc3339),
            creator_id: t.creator_id,
            description: None,
            category_id: None,
            severity: None,
            detailed_status: None,
        }
    }
}

impl Ticket {
    /// A 2021-06-10 `GetTicket` answer; `status` is the 2020 word for its finer status (so a
    /// client's `status` logic works for both versions), the finer one is `detailedStatus`.
    pub fn from_detail(id: String, t: TicketDetail) -> Self {
        let fine = t.status.as_ref().and_then(Labeled::status);
        let raw_status = t.status.map(|s| s.value).unwrap_or_default();
        Self {
            id: t.ticket_id.filter(|i| !i.is_empty()).unwrap_or(id),
            title: t.title,
            status: fine.map_or_else(|| raw_status.clone(), |s| s.as_2020().to_owned()),
            created_at: t.create_time.map(rfc3339),
            creator_id: t.creator_id,
            description: t.description,
            category_id: t.category_id,
            severity: t
                .severity
                .as_ref()
                .and_then(Labeled::severity)
                .map(V2021Severity::name),
            detailed_status: Some(fine.map_or(raw_status, |s| s.name().to_owned())),
        }
    }
}

/// How urgent a ticket is (Workorder 2021-06-10 `Severity` 1 and 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// An ordinary problem (the default).
    #[default]
    Normal,
    /// Production is down or at risk.
    Urgent,
}

impl From<Severity> for V2021Severity {
    fn from(s: Severity) -> Self {
        match s {
            Severity::Normal => Self::Normal,
            Severity::Urgent => Self::Urgent,
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
