//! The seven Workorder 2020-03-26 actions as typed requests and answers.
//!
//! Each request renders its own business parameters (names and formats as the API wants them:
//! comma lists for `Ids` and `TicketStatus`, epoch seconds for times, 1-based `PageStart`) and
//! decodes its own `Data`. [`Action::IDEMPOTENT`] tells the client whether a call that may have
//! reached the upstream can be repeated: never for CreateTicket and ReplyTicket, where a repeat
//! means a duplicate ticket or note.

mod catalog;
mod notes;
mod tickets;

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;
use serde_json::Value;

pub use catalog::{
    Category, CategoryList, ListCategories, ListProducts, Product, ProductCatalog, ProductGroup,
};
pub use notes::{ListTicketNotes, Note, NoteList, ReplyTicket};
pub use tickets::{
    CloseTicket, CreateTicket, CreatedTicket, ListTickets, NotifyTimeRange, TicketList,
    TicketSummary,
};

/// The name of every action of the API, in the documentation's order: what the simulator
/// answers and what fault injection may aim at.
pub const ACTIONS: [&str; 7] = [
    CreateTicket::NAME,
    ListProducts::NAME,
    ListCategories::NAME,
    ListTickets::NAME,
    ListTicketNotes::NAME,
    ReplyTicket::NAME,
    CloseTicket::NAME,
];

/// One Workorder action: its name, its parameters and how to read its `Data`.
pub trait Action: Send + Sync {
    /// The `Action` name sent upstream.
    const NAME: &'static str;
    /// Whether the call may be repeated after it possibly reached the upstream.
    const IDEMPOTENT: bool;
    /// The API version the action belongs to (`Version` / `x-acs-version`); the 2020-03-26
    /// actions keep the default.
    const VERSION: &'static str = crate::API_VERSION;
    /// The decoded `Data`.
    type Output: Send + fmt::Debug;

    /// Business parameters in upstream spelling, rendered as strings; `None`s are left out.
    fn params(&self) -> Vec<(&'static str, String)>;

    /// Decodes `Data` (absent or `null` when the upstream left it out).
    fn decode(data: Option<Value>) -> Result<Self::Output, String>;

    /// Decodes the answer from its whole envelope. The default reads `Data` only; 2021-06-10
    /// `ListTickets` overrides it because its paging sits beside `Data`, at the top level.
    fn decode_envelope(envelope: crate::decode::Envelope) -> Result<Self::Output, String> {
        Self::decode(envelope.data)
    }
}

/// A successful answer: the upstream `RequestId` and the decoded data.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer<T> {
    /// Upstream `RequestId` (body, else `x-acs-request-id` header).
    pub request_id: Option<String>,
    /// The decoded `Data`.
    pub data: T,
}

/// The upstream's `Language` values. `ja` is accepted as an alias of `jp`, the upstream's
/// spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Chinese, the upstream default.
    #[default]
    Zh,
    /// English.
    En,
    /// Japanese.
    #[serde(alias = "ja")]
    Jp,
}

impl Language {
    /// The upstream spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Zh => "zh",
            Self::En => "en",
            Self::Jp => "jp",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Language {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" => Ok(Self::Zh),
            "en" => Ok(Self::En),
            "jp" | "ja" => Ok(Self::Jp),
            other => Err(format!(
                "unsupported language {other:?} (expected zh, en or jp)"
            )),
        }
    }
}

/// Pushes `(name, value)` when the value is present.
pub(crate) fn push_opt(
    params: &mut Vec<(&'static str, String)>,
    name: &'static str,
    value: Option<impl ToString>,
) {
    if let Some(value) = value {
        params.push((name, value.to_string()));
    }
}
