//! The Workorder API 2021-06-10: its twelve actions as typed requests and answers, its status
//! and severity vocabularies, and their mapping to the 2020-03-26 words.
//!
//! Signing, the request layout, the error classes and the retry rules are the 2020 ones (the
//! protocol is product-agnostic); only [`Action::VERSION`] differs. The client sends every
//! business parameter where [`crate::request`] puts it (the v1 body, the V3 query): the service
//! reads an RPC parameter from either place, as the SDK's own query/body split shows.
//!
//! Wire facts (from the API metadata and the official SDK 1.0.2, run):
//! - lists of object keys (`FileNameList`, `TicketIdList`) are one comma-joined value;
//!   `StatusList` is flattened 1-based (`StatusList.1=…`); `SecretInfo` is compact JSON.
//! - times are epoch milliseconds; `Status` and `Severity` come back as `{Label, Value}` with a
//!   string `Value`; `CategoryId` is a string on GetTicket, a number in ListCategories.
//! - booleans are sent `true`/`false` (the Python SDK sends `True`/`False`; the sandbox reads
//!   any case).

use std::fmt;

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use time::OffsetDateTime;

use crate::actions::{Action, CreatedTicket, push_opt};
use crate::decode::{Envelope, decode_data, null_as_default, optional_epoch, string_or_number};

/// The API version of this module's actions.
pub const API_VERSION: &str = "2021-06-10";

/// The name of every 2021-06-10 action, in the documentation's order.
pub const ACTIONS: [&str; 12] = [
    GetTicket::NAME,
    CreateTicket::NAME,
    ReplyTicket::NAME,
    CloseTicket::NAME,
    EvaluateTicket::NAME,
    ListTickets::NAME,
    ListTicketNotes::NAME,
    ListProducts::NAME,
    ListCategories::NAME,
    GetMqConsumerTag::NAME,
    ReopenTicket::NAME,
    GetAttachmentUploadUrl::NAME,
];

/// `PageSize` bounds of 2021 `ListTickets` (the API refuses fewer than 10).
pub const MIN_PAGE_SIZE: u32 = 10;
/// See [`MIN_PAGE_SIZE`].
pub const MAX_PAGE_SIZE: u32 = 100;

/// The 2021 ticket states (`Status.Value` "1"–"6").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TicketStatus {
    /// "1" 待响应, waiting for an engineer.
    Assigned,
    /// "2" 处理中, an engineer is on it.
    Dealing,
    /// "3" 待反馈, the engineer waits for the customer.
    WaitFeedback,
    /// "4" 已反馈, the customer has answered.
    Feedback,
    /// "5" 待确认, the engineer asks the customer to confirm the fix.
    WaitConfirm,
    /// "6" 已完成, done (also what CloseTicket leads to).
    Confirmed,
}

impl TicketStatus {
    /// Every state, in value order.
    pub const ALL: [Self; 6] = [
        Self::Assigned,
        Self::Dealing,
        Self::WaitFeedback,
        Self::Feedback,
        Self::WaitConfirm,
        Self::Confirmed,
    ];

    /// The wire value, "1"–"6".
    pub fn value(self) -> &'static str {
        match self {
            Self::Assigned => "1",
            Self::Dealing => "2",
            Self::WaitFeedback => "3",
            Self::Feedback => "4",
            Self::WaitConfirm => "5",
            Self::Confirmed => "6",
        }
    }

    /// The documented name (`assigned` … `confirmed`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Assigned => "assigned",
            Self::Dealing => "dealing",
            Self::WaitFeedback => "wait_feedback",
            Self::Feedback => "feedback",
            Self::WaitConfirm => "wait_confirm",
            Self::Confirmed => "confirmed",
        }
    }

    /// The Chinese label the service shows.
    pub fn label(self) -> &'static str {
        match self {
            Self::Assigned => "待响应",
            Self::Dealing => "处理中",
            Self::WaitFeedback => "待反馈",
            Self::Feedback => "已反馈",
            Self::WaitConfirm => "待确认",
            Self::Confirmed => "已完成",
        }
    }

    /// Reads a value ("6") or a name (`confirmed`, any case, `-` for `_`), as `StatusList`
    /// items and `Status.Value` may carry either.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim().to_ascii_lowercase().replace('-', "_");
        Self::ALL
            .into_iter()
            .find(|s| s.value() == raw || s.name() == raw)
    }

    /// The 2020-03-26 word for this state: 1, 2 and 4 are `in_progress` (the ball is with
    /// support), 3 `wait_feedback`, 5 `wait_confirm`, 6 `completed`.
    pub fn as_2020(self) -> &'static str {
        match self {
            Self::Assigned | Self::Dealing | Self::Feedback => "in_progress",
            Self::WaitFeedback => "wait_feedback",
            Self::WaitConfirm => "wait_confirm",
            Self::Confirmed => "completed",
        }
    }
}

impl fmt::Display for TicketStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `Severity`: 1 normal, 2 urgent (the schema's 0–1000 range names no other value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Severity {
    /// 1, 普通 / 一般问题.
    #[default]
    Normal,
    /// 2, 紧急.
    Urgent,
}

impl Severity {
    /// The wire value.
    pub fn value(self) -> u8 {
        match self {
            Self::Normal => 1,
            Self::Urgent => 2,
        }
    }

    /// `normal` or `urgent`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Urgent => "urgent",
        }
    }

    /// The Chinese label the service shows.
    pub fn label(self) -> &'static str {
        match self {
            Self::Normal => "一般问题",
            Self::Urgent => "紧急问题",
        }
    }

    /// Reads the wire value ("1", "2").
    pub fn from_value(raw: &str) -> Option<Self> {
        match raw.trim() {
            "1" => Some(Self::Normal),
            "2" => Some(Self::Urgent),
            _ => None,
        }
    }
}

/// A `{Label, Value}` enum as the service sends it. A bare string or number is read as the
/// value (tolerance for answers that flatten it).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Labeled {
    /// `Value`, kept as sent ("6").
    pub value: String,
    /// `Label`, display text.
    pub label: Option<String>,
}

impl<'de> Deserialize<'de> for Labeled {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Object {
            #[serde(default, alias = "value", deserialize_with = "string_or_number")]
            value: Option<String>,
            #[serde(default, alias = "label")]
            label: Option<String>,
        }
        match Value::deserialize(deserializer)? {
            Value::String(value) => Ok(Self { value, label: None }),
            Value::Number(n) => Ok(Self {
                value: n.to_string(),
                label: None,
            }),
            object @ Value::Object(_) => {
                let o: Object = serde_json::from_value(object).map_err(serde::de::Error::custom)?;
                Ok(Self {
                    value: o.value.unwrap_or_default(),
                    label: o.label,
                })
            }
            other => Err(serde::de::Error::custom(format!(
                "expected {{Label, Value}}, got {other}"
            ))),
        }
    }
}

impl Labeled {
    /// The status this value names, if it is one of the six.
    pub fn status(&self) -> Option<TicketStatus> {
        TicketStatus::parse(&self.value)
    }

    /// The severity this value names, if known.
    pub fn severity(&self) -> Option<Severity> {
        Severity::from_value(&self.value)
    }
}

fn push_uid(params: &mut Vec<(&'static str, String)>, uid: Option<&String>) {
    push_opt(params, "Uid", uid);
}

/// Joins object keys as the `simple` style does: one comma-joined value.
fn simple_list(items: &[String]) -> String {
    items.join(",")
}

// --- GetTicket -------------------------------------------------------------------------------

/// `GetTicket`: one ticket with its description, category, status and severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetTicket {
    /// `TicketId`.
    pub ticket_id: String,
    /// `Uid`.
    pub uid: Option<String>,
}

/// `Data` of GetTicket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TicketDetail {
    /// `TicketId`.
    #[serde(default, deserialize_with = "string_or_number")]
    pub ticket_id: Option<String>,
    /// `Title`.
    #[serde(default)]
    pub title: Option<String>,
    /// `Description`, plain text.
    #[serde(default)]
    pub description: Option<String>,
    /// `CreateTime`, milliseconds (seconds tolerated).
    #[serde(default, deserialize_with = "optional_epoch")]
    pub create_time: Option<OffsetDateTime>,
    /// `CreatorId`.
    #[serde(default, deserialize_with = "string_or_number")]
    pub creator_id: Option<String>,
    /// `CreatorName` (SDK 1.0.2 only).
    #[serde(default)]
    pub creator_name: Option<String>,
    /// `CategoryId`: a string here, a number elsewhere; kept as a string.
    #[serde(default, deserialize_with = "string_or_number")]
    pub category_id: Option<String>,
    /// `Status`.
    #[serde(default)]
    pub status: Option<Labeled>,
    /// `Severity`.
    #[serde(default)]
    pub severity: Option<Labeled>,
}

impl Action for GetTicket {
    const NAME: &'static str = "GetTicket";
    const VERSION: &'static str = API_VERSION;
    const IDEMPOTENT: bool = true;
    type Output = TicketDetail;

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = vec![("TicketId", self.ticket_id.clone())];
        push_uid(&mut params, self.uid.as_ref());
        params
    }

    fn decode(data: Option<Value>) -> Result<TicketDetail, String> {
        match data {
            None | Some(Value::Null) => Err("GetTicket answered without Data".to_owned()),
            Some(value) => decode_data(Some(value)),
        }
    }
}

// --- CreateTicket ----------------------------------------------------------------------------

/// `SecretInfo`: confidential text and attachments, sent as one compact JSON query value.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SecretInfo {
    /// `Content`.
    pub content: Option<String>,
    /// `FileNameList`: object keys.
    pub file_names: Vec<String>,
}

impl fmt::Debug for SecretInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretInfo")
            .field("content", &self.content.as_ref().map(|_| "[REDACTED]"))
            .field("file_names", &self.file_names.len())
            .finish()
    }
}

impl SecretInfo {
    /// The SDK's rendering: compact, `Content` then `FileNameList`, absent members left out.
    pub fn to_json(&self) -> String {
        let mut object = serde_json::Map::new();
        if let Some(content) = &self.content {
            object.insert("Content".to_owned(), Value::String(content.clone()));
        }
        if !self.file_names.is_empty() {
            object.insert(
                "FileNameList".to_owned(),
                Value::Array(self.file_names.iter().cloned().map(Value::String).collect()),
            );
        }
        Value::Object(object).to_string()
    }
}

/// `CreateTicket` (2021). Not idempotent: a repeat after the upstream saw it files a second
/// ticket.
#[derive(Clone, PartialEq, Eq)]
pub struct CreateTicket {
    /// `CategoryId`, a 2021 category id (sent as a string).
    pub category_id: String,
    /// `Description`: the problem, plain text.
    pub description: String,
    /// `Severity`.
    pub severity: Severity,
    /// `Title`.
    pub title: Option<String>,
    /// `CreatorId`.
    pub creator_id: Option<String>,
    /// `Email`.
    pub email: Option<String>,
    /// `FileNameList`: object keys from [`GetAttachmentUploadUrl`].
    pub file_names: Vec<String>,
    /// `SecretInfo`; never logged.
    pub secret: Option<SecretInfo>,
}

impl fmt::Debug for CreateTicket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateTicket")
            .field("category_id", &self.category_id)
            .field("description", &"[REDACTED]")
            .field("severity", &self.severity)
            .field("file_names", &self.file_names.len())
            .field("secret", &self.secret.as_ref().map(|_| "[REDACTED]"))
            .finish_non_exhaustive()
    }
}

impl Action for CreateTicket {
    const NAME: &'static str = "CreateTicket";
    const VERSION: &'static str = API_VERSION;
    const IDEMPOTENT: bool = false;
    type Output = CreatedTicket;

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = vec![
            ("CategoryId", self.category_id.clone()),
            ("Description", self.description.clone()),
            ("Severity", self.severity.value().to_string()),
        ];
        push_opt(&mut params, "Title", self.title.as_ref());
        push_opt(&mut params, "CreatorId", self.creator_id.as_ref());
        push_opt(&mut params, "Email", self.email.as_ref());
        if !self.file_names.is_empty() {
            params.push(("FileNameList", simple_list(&self.file_names)));
        }
        if let Some(secret) = &self.secret {
            params.push(("SecretInfo", secret.to_json()));
        }
        params
    }

    fn decode(data: Option<Value>) -> Result<CreatedTicket, String> {
        <crate::actions::CreateTicket as Action>::decode(data)
    }
}

// --- ReplyTicket -----------------------------------------------------------------------------

/// `ReplyTicket` (2021). Not idempotent: a repeat after the upstream saw it posts twice.
#[derive(Clone, PartialEq, Eq)]
pub struct ReplyTicket {
    /// `TicketId`.
    pub ticket_id: String,
    /// `Content`.
    pub content: String,
    /// `Encrypt`: whether the reply is confidential.
    pub encrypt: bool,
    /// `FileNameList`: object keys.
    pub file_names: Vec<String>,
    /// `Uid`.
    pub uid: Option<String>,
}

impl fmt::Debug for ReplyTicket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplyTicket")
            .field("ticket_id", &self.ticket_id)
            .field("content", &"[REDACTED]")
            .field("encrypt", &self.encrypt)
            .field("file_names", &self.file_names.len())
            .finish_non_exhaustive()
    }
}

impl Action for ReplyTicket {
    const NAME: &'static str = "ReplyTicket";
    const VERSION: &'static str = API_VERSION;
    const IDEMPOTENT: bool = false;
    /// The new reply's dialog id, when the service names it.
    type Output = Option<String>;

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = vec![
            ("TicketId", self.ticket_id.clone()),
            ("Content", self.content.clone()),
            ("Encrypt", self.encrypt.to_string()),
        ];
        if !self.file_names.is_empty() {
            params.push(("FileNameList", simple_list(&self.file_names)));
        }
        push_uid(&mut params, self.uid.as_ref());
        params
    }

    fn decode(data: Option<Value>) -> Result<Option<String>, String> {
        scalar_data(data)
    }
}

/// A string or number `Data` as a string; absent, `null` or empty is `None`.
fn scalar_data(data: Option<Value>) -> Result<Option<String>, String> {
    match data {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(format!("expected a string Data, got {other}")),
    }
}

// --- CloseTicket, EvaluateTicket, ReopenTicket ----------------------------------------------

/// `CloseTicket` (2021). Idempotent: closing a closed ticket leaves it closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseTicket {
    /// `TicketId`.
    pub ticket_id: String,
    /// `Uid`.
    pub uid: Option<String>,
}

impl Action for CloseTicket {
    const NAME: &'static str = "CloseTicket";
    const VERSION: &'static str = API_VERSION;
    const IDEMPOTENT: bool = true;
    type Output = ();

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = vec![("TicketId", self.ticket_id.clone())];
        push_uid(&mut params, self.uid.as_ref());
        params
    }

    fn decode(_data: Option<Value>) -> Result<(), String> {
        Ok(())
    }
}

/// `EvaluateTicket`: the customer's rating of a done ticket. Not repeated after it may have
/// reached the upstream: a ticket takes one rating, so a repeat would be refused and hide the
/// first call's success.
#[derive(Clone, PartialEq, Eq)]
pub struct EvaluateTicket {
    /// `TicketId`.
    pub ticket_id: String,
    /// `Score`, 1–5 stars (sent as a string).
    pub score: u8,
    /// `Solved`.
    pub solved: bool,
    /// `Content`: a comment.
    pub content: Option<String>,
    /// `Uid`.
    pub uid: Option<String>,
}

impl fmt::Debug for EvaluateTicket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EvaluateTicket")
            .field("ticket_id", &self.ticket_id)
            .field("score", &self.score)
            .field("solved", &self.solved)
            .finish_non_exhaustive()
    }
}

impl Action for EvaluateTicket {
    const NAME: &'static str = "EvaluateTicket";
    const VERSION: &'static str = API_VERSION;
    const IDEMPOTENT: bool = false;
    type Output = ();

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = vec![
            ("TicketId", self.ticket_id.clone()),
            ("Score", self.score.to_string()),
            ("Solved", self.solved.to_string()),
        ];
        push_opt(&mut params, "Content", self.content.as_ref());
        push_uid(&mut params, self.uid.as_ref());
        params
    }

    fn decode(_data: Option<Value>) -> Result<(), String> {
        Ok(())
    }
}

/// `ReopenTicket`: puts a done ticket back in support's hands. Not repeated after it may have
/// reached the upstream (its message would be posted twice).
#[derive(Clone, PartialEq, Eq)]
pub struct ReopenTicket {
    /// `TicketId`.
    pub ticket_id: String,
    /// `Content`: why it is reopened.
    pub content: String,
    /// `Uid`.
    pub uid: Option<String>,
}

impl fmt::Debug for ReopenTicket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReopenTicket")
            .field("ticket_id", &self.ticket_id)
            .field("content", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

impl Action for ReopenTicket {
    const NAME: &'static str = "ReopenTicket";
    const VERSION: &'static str = API_VERSION;
    const IDEMPOTENT: bool = false;
    /// `Data`, the ticket id in the documentation's example.
    type Output = Option<String>;

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = vec![
            ("TicketId", self.ticket_id.clone()),
            ("Content", self.content.clone()),
        ];
        push_uid(&mut params, self.uid.as_ref());
        params
    }

    fn decode(data: Option<Value>) -> Result<Option<String>, String> {
        scalar_data(data)
    }
}

// --- ListTickets -----------------------------------------------------------------------------

/// `ListTickets` (2021): paged by number, 10–100 a page, times in milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListTickets {
    /// `PageNumber`, 1-based (required).
    pub page_number: u32,
    /// `PageSize`, [`MIN_PAGE_SIZE`]–[`MAX_PAGE_SIZE`] (required).
    pub page_size: u32,
    /// `StartDate`, epoch milliseconds.
    pub start_date: Option<i64>,
    /// `EndDate`, epoch milliseconds.
    pub end_date: Option<i64>,
    /// `TicketId`.
    pub ticket_id: Option<String>,
    /// `TicketIdList`, comma-joined.
    pub ticket_ids: Vec<String>,
    /// `StatusList`, flattened `StatusList.1…`.
    pub statuses: Vec<TicketStatus>,
    /// `Keyword`: a match in the description.
    pub keyword: Option<String>,
    /// `Uid`.
    pub uid: Option<String>,
}

impl Default for ListTickets {
    fn default() -> Self {
        Self {
            page_number: 1,
            page_size: MIN_PAGE_SIZE,
            start_date: None,
            end_date: None,
            ticket_id: None,
            ticket_ids: Vec::new(),
            statuses: Vec::new(),
            keyword: None,
            uid: None,
        }
    }
}

/// A ticket as 2021 `ListTickets` lists it (no times, creator or description).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TicketRow {
    /// `TicketId`.
    #[serde(deserialize_with = "required_id")]
    pub ticket_id: String,
    /// `Title`.
    #[serde(default)]
    pub title: Option<String>,
    /// `Status`.
    #[serde(default)]
    pub status: Option<Labeled>,
}

fn required_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    string_or_number(deserializer)?.ok_or_else(|| serde::de::Error::custom("missing TicketId"))
}

/// One page of 2021 `ListTickets`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketPage {
    /// `PageNumber`.
    pub page_number: Option<u64>,
    /// `PageSize`.
    pub page_size: Option<u64>,
    /// `TotalCount` across all pages.
    pub total_count: Option<u64>,
    /// `Data`.
    pub tickets: Vec<TicketRow>,
}

impl Action for ListTickets {
    const NAME: &'static str = "ListTickets";
    const VERSION: &'static str = API_VERSION;
    const IDEMPOTENT: bool = true;
    type Output = TicketPage;

    fn params(&self) -> Vec<(&'static str, String)> {
        // StatusList.N names are made at run time; the trait wants static names, and 11 is
        // the API's maxItems.
        const STATUS_NAMES: [&str; 11] = [
            "StatusList.1",
            "StatusList.2",
            "StatusList.3",
            "StatusList.4",
            "StatusList.5",
            "StatusList.6",
            "StatusList.7",
            "StatusList.8",
            "StatusList.9",
            "StatusList.10",
            "StatusList.11",
        ];
        let mut params = vec![
            ("PageNumber", self.page_number.to_string()),
            ("PageSize", self.page_size.to_string()),
        ];
        push_opt(&mut params, "StartDate", self.start_date);
        push_opt(&mut params, "EndDate", self.end_date);
        push_opt(&mut params, "TicketId", self.ticket_id.as_ref());
        if !self.ticket_ids.is_empty() {
            params.push(("TicketIdList", simple_list(&self.ticket_ids)));
        }
        for (name, status) in STATUS_NAMES.iter().zip(&self.statuses) {
            params.push((*name, status.name().to_owned()));
        }
        push_opt(&mut params, "Keyword", self.keyword.as_ref());
        push_uid(&mut params, self.uid.as_ref());
        params
    }

    fn decode(data: Option<Value>) -> Result<TicketPage, String> {
        Ok(TicketPage {
            tickets: decode_data(data)?,
            ..TicketPage::default()
        })
    }

    fn decode_envelope(envelope: Envelope) -> Result<TicketPage, String> {
        Ok(TicketPage {
            page_number: envelope.page_number,
            page_size: envelope.page_size,
            total_count: envelope.total_count,
            tickets: decode_data(envelope.data)?,
        })
    }
}

// --- ListTicketNotes -------------------------------------------------------------------------

/// `ListTicketNotes` (2021): the whole conversation, unpaged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListTicketNotes {
    /// `TicketId`.
    pub ticket_id: String,
    /// `Uid`.
    pub uid: Option<String>,
}

/// `Dialog` of a note.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Dialog {
    /// `Content`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub content: String,
    /// `Schema`: a reserved system card.
    #[serde(default)]
    pub schema: Option<String>,
}

/// `User` of a note.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NoteUser {
    /// `Role`: 2 support agent, 3 customer.
    #[serde(default, deserialize_with = "crate::decode::lenient_u64")]
    pub role: Option<u64>,
    /// `Name`.
    #[serde(default)]
    pub name: Option<String>,
}

/// The `Role` of a support agent.
pub const ROLE_AGENT: u64 = 2;
/// The `Role` of the customer.
pub const ROLE_CUSTOMER: u64 = 3;

/// An attachment of a note, with a temporary URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NoteAttachment {
    /// `Name`.
    #[serde(default)]
    pub name: Option<String>,
    /// `Url`.
    #[serde(default)]
    pub url: Option<String>,
}

/// One message of the conversation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Note {
    /// `DialogId`.
    #[serde(default, deserialize_with = "string_or_number")]
    pub dialog_id: Option<String>,
    /// `CreateTime`.
    #[serde(default, deserialize_with = "optional_epoch")]
    pub create_time: Option<OffsetDateTime>,
    /// `Dialog`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub dialog: Dialog,
    /// `User`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub user: NoteUser,
    /// `Attachments`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub attachments: Vec<NoteAttachment>,
}

impl Note {
    /// Whether support wrote it.
    pub fn from_official(&self) -> bool {
        self.user.role == Some(ROLE_AGENT)
    }
}

impl Action for ListTicketNotes {
    const NAME: &'static str = "ListTicketNotes";
    const VERSION: &'static str = API_VERSION;
    const IDEMPOTENT: bool = true;
    type Output = Vec<Note>;

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = vec![("TicketId", self.ticket_id.clone())];
        push_uid(&mut params, self.uid.as_ref());
        params
    }

    fn decode(data: Option<Value>) -> Result<Vec<Note>, String> {
        decode_data(data)
    }
}

// --- catalogue -------------------------------------------------------------------------------

/// `ListProducts` (2021): products by directory, with numeric ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListProducts {
    /// `Name`: a fuzzy match.
    pub name: Option<String>,
    /// `Language`: `zh`, `en` or `jp`.
    pub language: Option<crate::Language>,
}

/// A product of a directory.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Product {
    /// `ProductId`.
    #[serde(default, deserialize_with = "string_or_number")]
    pub product_id: Option<String>,
    /// `ProductName`.
    #[serde(default)]
    pub product_name: Option<String>,
}

/// A product directory.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Directory {
    /// `DirectoryId`.
    #[serde(default, deserialize_with = "string_or_number")]
    pub directory_id: Option<String>,
    /// `DirectoryName`.
    #[serde(default)]
    pub directory_name: Option<String>,
    /// `ProductList`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub product_list: Vec<Product>,
}

impl Action for ListProducts {
    const NAME: &'static str = "ListProducts";
    const VERSION: &'static str = API_VERSION;
    const IDEMPOTENT: bool = true;
    type Output = Vec<Directory>;

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = Vec::new();
        push_opt(&mut params, "Name", self.name.as_ref());
        push_opt(&mut params, "Language", self.language);
        params
    }

    fn decode(data: Option<Value>) -> Result<Vec<Directory>, String> {
        decode_data(data)
    }
}

/// `ListCategories` (2021): the categories of one numeric product id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListCategories {
    /// `ProductId`.
    pub product_id: i64,
    /// `Name`: a fuzzy match.
    pub name: Option<String>,
    /// `Language`: `zh` or `en`.
    pub language: Option<crate::Language>,
}

/// A category.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Category {
    /// `CategoryId`, a number here and a string on GetTicket; kept as a string.
    #[serde(default, deserialize_with = "string_or_number")]
    pub category_id: Option<String>,
    /// `CategoryName`.
    #[serde(default)]
    pub category_name: Option<String>,
}

impl Action for ListCategories {
    const NAME: &'static str = "ListCategories";
    const VERSION: &'static str = API_VERSION;
    const IDEMPOTENT: bool = true;
    type Output = Vec<Category>;

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = vec![("ProductId", self.product_id.to_string())];
        push_opt(&mut params, "Name", self.name.as_ref());
        push_opt(&mut params, "Language", self.language);
        params
    }

    fn decode(data: Option<Value>) -> Result<Vec<Category>, String> {
        decode_data(data)
    }
}

// --- GetMqConsumerTag, GetAttachmentUploadUrl ------------------------------------------------

/// `GetMqConsumerTag`: the account's RocketMQ tag for ticket events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetMqConsumerTag;

impl Action for GetMqConsumerTag {
    const NAME: &'static str = "GetMqConsumerTag";
    const VERSION: &'static str = API_VERSION;
    const IDEMPOTENT: bool = true;
    type Output = Option<String>;

    fn params(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    fn decode(data: Option<Value>) -> Result<Option<String>, String> {
        scalar_data(data)
    }
}

/// `GetAttachmentUploadUrl`: a pre-signed PUT URL for one file. Idempotent in effect: a
/// repeat issues another unused key, which costs nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetAttachmentUploadUrl {
    /// `FileName`: the file's name; its extension is kept in the object key.
    pub file_name: String,
}

/// `Data` of GetAttachmentUploadUrl.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UploadUrl {
    /// `ObjectKey`: what CreateTicket and ReplyTicket take in `FileNameList`.
    #[serde(default)]
    pub object_key: String,
    /// `PutSignedUrl`: where the bytes go, by HTTP PUT.
    #[serde(default)]
    pub put_signed_url: String,
    /// `GetSignedUrl`: where they can be read back.
    #[serde(default)]
    pub get_signed_url: Option<String>,
}

impl fmt::Debug for UploadUrl {
    // The URLs carry signatures: only the key is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadUrl")
            .field("object_key", &self.object_key)
            .finish_non_exhaustive()
    }
}

impl Action for GetAttachmentUploadUrl {
    const NAME: &'static str = "GetAttachmentUploadUrl";
    const VERSION: &'static str = API_VERSION;
    const IDEMPOTENT: bool = true;
    type Output = UploadUrl;

    fn params(&self) -> Vec<(&'static str, String)> {
        vec![("FileName", self.file_name.clone())]
    }

    fn decode(data: Option<Value>) -> Result<UploadUrl, String> {
        let url: UploadUrl = decode_data(data)?;
        if url.object_key.is_empty() || url.put_signed_url.is_empty() {
            return Err("GetAttachmentUploadUrl answered without ObjectKey or PutSignedUrl".into());
        }
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::decode::parse_envelope;

    #[test]
    fn get_ticket_reads_the_documented_example_with_string_category_and_labeled_enums() {
        let detail = GetTicket::decode(Some(json!({
            "TicketId": "001571BTXC", "Title": "t", "Description": "d",
            "CreateTime": 1_623_396_736_000_i64, "CreatorId": 1_604_499_804_113_750_i64,
            "CategoryId": "7161",
            "Status": {"Label": "已完成", "Value": "6"},
            "Severity": {"Label": "一般问题", "Value": 1}
        })))
        .unwrap();
        assert_eq!(detail.category_id.as_deref(), Some("7161"));
        assert_eq!(detail.creator_id.as_deref(), Some("1604499804113750"));
        assert_eq!(
            detail.create_time.map(|t| t.unix_timestamp()),
            Some(1_623_396_736)
        );
        let status = detail.status.unwrap().status().unwrap();
        assert_eq!(status, TicketStatus::Confirmed);
        assert_eq!(status.as_2020(), "completed");
        assert_eq!(detail.severity.unwrap().severity(), Some(Severity::Normal));
        assert!(GetTicket::decode(None).is_err());
    }

    #[test]
    fn category_ids_decode_from_strings_and_numbers_alike() {
        let categories =
            ListCategories::decode(Some(json!([{"CategoryId": 7161}, {"CategoryId": "7162"}])))
                .unwrap();
        let ids: Vec<_> = categories
            .iter()
            .map(|c| c.category_id.as_deref())
            .collect();
        assert_eq!(ids, [Some("7161"), Some("7162")]);
    }

    #[test]
    fn list_tickets_reads_its_paging_from_the_top_level() {
        let envelope = parse_envelope(
            br#"{"RequestId":"R","Success":true,"Code":0,"PageNumber":2,"PageSize":"10",
                "TotalCount":11,"Data":[{"TicketId":"A1","Title":"x","Status":{"Label":"","Value":"1"}}]}"#,
            None,
        )
        .unwrap();
        let page = ListTickets::decode_envelope(envelope).unwrap();
        assert_eq!(
            (page.page_number, page.page_size, page.total_count),
            (Some(2), Some(10), Some(11))
        );
        assert_eq!(page.tickets[0].ticket_id, "A1");
        assert_eq!(
            page.tickets[0].status.as_ref().and_then(Labeled::status),
            Some(TicketStatus::Assigned)
        );
    }

    #[test]
    fn statuses_parse_from_values_and_names_in_any_spelling() {
        assert_eq!(TicketStatus::parse("6"), Some(TicketStatus::Confirmed));
        assert_eq!(
            TicketStatus::parse("Wait-Feedback"),
            Some(TicketStatus::WaitFeedback)
        );
        assert_eq!(TicketStatus::parse("closed"), None);
        let mapped: Vec<_> = TicketStatus::ALL.iter().map(|s| s.as_2020()).collect();
        assert_eq!(
            mapped,
            [
                "in_progress",
                "in_progress",
                "wait_feedback",
                "in_progress",
                "wait_confirm",
                "completed"
            ]
        );
    }

    #[test]
    fn create_renders_severity_lists_and_secret_info_as_the_sdk_does() {
        let create = CreateTicket {
            category_id: "53812".into(),
            description: "disk full".into(),
            severity: Severity::Urgent,
            title: None,
            creator_id: None,
            email: None,
            file_names: vec!["a.png".into(), "b.png".into()],
            secret: Some(SecretInfo {
                content: Some("ID: 3310".into()),
                file_names: vec!["s.png".into()],
            }),
        };
        let params = create.params();
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("Severity"), Some("2"));
        assert_eq!(get("FileNameList"), Some("a.png,b.png"));
        assert_eq!(
            get("SecretInfo"),
            Some(r#"{"Content":"ID: 3310","FileNameList":["s.png"]}"#)
        );
        let debug = format!("{create:?}");
        assert!(
            !debug.contains("disk full") && !debug.contains("3310"),
            "{debug}"
        );
    }

    #[test]
    fn list_tickets_flattens_statuses_one_based_and_always_sends_paging() {
        let list = ListTickets {
            statuses: vec![TicketStatus::Assigned, TicketStatus::Confirmed],
            ..ListTickets::default()
        };
        assert_eq!(
            list.params(),
            [
                ("PageNumber", "1".to_owned()),
                ("PageSize", "10".to_owned()),
                ("StatusList.1", "assigned".to_owned()),
                ("StatusList.2", "confirmed".to_owned()),
            ]
        );
    }

    #[test]
    fn notes_read_roles_attachments_and_millisecond_times() {
        let notes = ListTicketNotes::decode(Some(json!([{
            "DialogId": 9999, "CreateTime": "1623396736000", "Type": 2, "Status": 6, "Tip": "null",
            "Dialog": {"Content": "hi", "Schema": "null"},
            "User": {"Role": "2", "Name": "小二"},
            "Attachments": [{"Name": "a.png", "Url": "https://x/a.png"}]
        }])))
        .unwrap();
        assert_eq!(notes[0].dialog_id.as_deref(), Some("9999"));
        assert!(notes[0].from_official());
        assert_eq!(notes[0].dialog.content, "hi");
        assert_eq!(notes[0].attachments[0].name.as_deref(), Some("a.png"));
        assert_eq!(
            notes[0].create_time.map(|t| t.unix_timestamp()),
            Some(1_623_396_736)
        );
    }

    #[test]
    fn writes_are_never_repeated_and_every_action_says_its_version() {
        const { assert!(!CreateTicket::IDEMPOTENT && !ReplyTicket::IDEMPOTENT) };
        const { assert!(!EvaluateTicket::IDEMPOTENT && !ReopenTicket::IDEMPOTENT) };
        const { assert!(GetTicket::IDEMPOTENT && CloseTicket::IDEMPOTENT) };
        assert_eq!(<GetTicket as Action>::VERSION, "2021-06-10");
        assert_eq!(
            <crate::actions::ListTickets as Action>::VERSION,
            "2020-03-26"
        );
        assert_eq!(ACTIONS.len(), 12);
    }

    #[test]
    fn upload_urls_need_a_key_and_a_put_url_and_never_print_them() {
        let url = GetAttachmentUploadUrl::decode(Some(json!({
            "ObjectKey": "k.png", "PutSignedUrl": "https://h/k.png?Signature=s", "GetSignedUrl": "g"
        })))
        .unwrap();
        assert_eq!(url.object_key, "k.png");
        assert!(!format!("{url:?}").contains("Signature"));
        assert!(GetAttachmentUploadUrl::decode(Some(json!({"ObjectKey": "k"}))).is_err());
    }
}
