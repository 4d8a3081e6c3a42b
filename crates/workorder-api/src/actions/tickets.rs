//! CreateTicket, ListTickets and CloseTicket.

use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;

use super::{Action, Language, push_opt};
use crate::decode::{decode_data, null_as_default, optional_epoch, string_or_number};

/// When the upstream may notify the contact about ticket progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NotifyTimeRange {
    /// 9:00 to 18:00 daily.
    Normal,
    /// Any time (the upstream default).
    All,
    /// Never.
    Never,
}

impl NotifyTimeRange {
    /// The upstream spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::All => "all",
            Self::Never => "never",
        }
    }
}

/// `CreateTicket`. Not idempotent: a repeat after the upstream saw it files a second ticket.
#[derive(Clone, PartialEq, Eq)]
pub struct CreateTicket {
    /// `ProductCode`.
    pub product_code: String,
    /// `Category`: a category id of that product.
    pub category_id: i64,
    /// `Content`: the problem description.
    pub content: String,
    /// `Email`: the contact for progress messages.
    pub email: String,
    /// `Title`.
    pub title: Option<String>,
    /// `Phone`.
    pub phone: Option<String>,
    /// `SecretContent`: confidential; never logged (see the manual `Debug`).
    pub secret_content: Option<String>,
    /// `NotifyTimeRange`.
    pub notify_time_range: Option<NotifyTimeRange>,
    /// `Language`.
    pub language: Option<Language>,
}

impl std::fmt::Debug for CreateTicket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateTicket")
            .field("product_code", &self.product_code)
            .field("category_id", &self.category_id)
            .field("content", &"[REDACTED]")
            .field(
                "secret_content",
                &self.secret_content.as_ref().map(|_| "[REDACTED]"),
            )
            .finish_non_exhaustive()
    }
}

/// The id of the new ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedTicket {
    /// The ticket id (`Data`).
    pub id: String,
}

impl Action for CreateTicket {
    const NAME: &'static str = "CreateTicket";
    const IDEMPOTENT: bool = false;
    type Output = CreatedTicket;

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = vec![
            ("ProductCode", self.product_code.clone()),
            ("Category", self.category_id.to_string()),
            ("Content", self.content.clone()),
            ("Email", self.email.clone()),
        ];
        push_opt(&mut params, "Title", self.title.as_ref());
        push_opt(&mut params, "Phone", self.phone.as_ref());
        push_opt(&mut params, "SecretContent", self.secret_content.as_ref());
        push_opt(
            &mut params,
            "NotifyTimeRange",
            self.notify_time_range.map(NotifyTimeRange::as_str),
        );
        push_opt(&mut params, "Language", self.language);
        params
    }

    fn decode(data: Option<Value>) -> Result<CreatedTicket, String> {
        match data {
            Some(Value::String(id)) if !id.is_empty() => Ok(CreatedTicket { id }),
            Some(Value::Number(n)) => Ok(CreatedTicket { id: n.to_string() }),
            other => Err(format!(
                "CreateTicket answered without a ticket id in Data ({other:?})"
            )),
        }
    }
}

/// `ListTickets`: the account's tickets, filtered and paged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListTickets {
    /// `Ids`, sent as one comma-joined string.
    pub ids: Vec<String>,
    /// `TicketStatus`, sent as one comma-joined string.
    pub statuses: Vec<String>,
    /// `CreatedAfterTime`, epoch seconds.
    pub created_after: Option<i64>,
    /// `CreatedBeforeTime`, epoch seconds.
    pub created_before: Option<i64>,
    /// `PageStart`, 1-based.
    pub page_start: Option<u32>,
    /// `PageSize`, at most 100.
    pub page_size: Option<u32>,
    /// `ProductCode`.
    pub product_code: Option<String>,
    /// `SubUserId`.
    pub sub_user_id: Option<String>,
    /// `Language`.
    pub language: Option<Language>,
}

/// A ticket as `ListTickets` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TicketSummary {
    /// `Id`.
    #[serde(deserialize_with = "required_string")]
    pub id: String,
    /// `Title`.
    #[serde(default)]
    pub title: Option<String>,
    /// `TicketStatus`, kept as sent (unknown values included).
    #[serde(default, deserialize_with = "null_as_default")]
    pub ticket_status: String,
    /// `AddTime`, seconds or milliseconds.
    #[serde(default, deserialize_with = "optional_epoch")]
    pub add_time: Option<OffsetDateTime>,
    /// `CreatorId`.
    #[serde(default, deserialize_with = "string_or_number")]
    pub creator_id: Option<String>,
}

/// One page of `ListTickets`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TicketList {
    /// `CurrentPage`.
    #[serde(default)]
    pub current_page: Option<u32>,
    /// `PageSize`.
    #[serde(default)]
    pub page_size: Option<u32>,
    /// `Total` across all pages.
    #[serde(default)]
    pub total: Option<u64>,
    /// `List`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub list: Vec<TicketSummary>,
}

fn required_string<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    string_or_number(deserializer)?.ok_or_else(|| serde::de::Error::custom("missing ticket Id"))
}

impl Action for ListTickets {
    const NAME: &'static str = "ListTickets";
    const IDEMPOTENT: bool = true;
    type Output = TicketList;

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = Vec::new();
        if !self.ids.is_empty() {
            params.push(("Ids", self.ids.join(",")));
        }
        if !self.statuses.is_empty() {
            params.push(("TicketStatus", self.statuses.join(",")));
        }
        push_opt(&mut params, "CreatedAfterTime", self.created_after);
        push_opt(&mut params, "CreatedBeforeTime", self.created_before);
        push_opt(&mut params, "PageStart", self.page_start);
        push_opt(&mut params, "PageSize", self.page_size);
        push_opt(&mut params, "ProductCode", self.product_code.as_ref());
        push_opt(&mut params, "SubUserId", self.sub_user_id.as_ref());
        push_opt(&mut params, "Language", self.language);
        params
    }

    fn decode(data: Option<Value>) -> Result<TicketList, String> {
        decode_data(data)
    }
}

/// `CloseTicket`. Idempotent: closing a closed ticket leaves it closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseTicket {
    /// `TicketId`.
    pub ticket_id: String,
    /// `Language`.
    pub language: Option<Language>,
}

impl Action for CloseTicket {
    const NAME: &'static str = "CloseTicket";
    const IDEMPOTENT: bool = true;
    type Output = ();

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = vec![("TicketId", self.ticket_id.clone())];
        push_opt(&mut params, "Language", self.language);
        params
    }

    fn decode(_data: Option<Value>) -> Result<(), String> {
        Ok(())
    }
}
