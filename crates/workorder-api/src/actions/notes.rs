//! ListTicketNotes and ReplyTicket: the conversation on a ticket.

use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;

use super::{Action, Language, push_opt};
use crate::decode::{decode_data, null_as_default, optional_epoch, string_or_number};

/// `ListTicketNotes`: the conversation of one ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListTicketNotes {
    /// `TicketId`.
    pub ticket_id: String,
    /// `Language`.
    pub language: Option<Language>,
}

/// One message on a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Note {
    /// `NoteId`; the Chinese document spells it `NotId`.
    #[serde(default, alias = "NotId", deserialize_with = "string_or_number")]
    pub note_id: Option<String>,
    /// `Content`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub content: String,
    /// `FromOfficial`: true for the support engineer's messages.
    #[serde(default, deserialize_with = "null_as_default")]
    pub from_official: bool,
    /// `GmtCreated`, seconds or milliseconds.
    #[serde(default, deserialize_with = "optional_epoch")]
    pub gmt_created: Option<OffsetDateTime>,
}

/// The decoded `ListTicketNotes` data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NoteList {
    /// `List`, in upstream order.
    #[serde(default, deserialize_with = "null_as_default")]
    pub list: Vec<Note>,
}

impl Action for ListTicketNotes {
    const NAME: &'static str = "ListTicketNotes";
    const IDEMPOTENT: bool = true;
    type Output = NoteList;

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = vec![("TicketId", self.ticket_id.clone())];
        push_opt(&mut params, "Language", self.language);
        params
    }

    fn decode(data: Option<Value>) -> Result<NoteList, String> {
        decode_data(data)
    }
}

/// `ReplyTicket`. Not idempotent: a repeat after the upstream saw it posts the note twice.
#[derive(Clone, PartialEq, Eq)]
pub struct ReplyTicket {
    /// `TicketId`.
    pub ticket_id: String,
    /// `Content`.
    pub content: Option<String>,
    /// `SecretContent`: confidential; never logged (see the manual `Debug`).
    pub secret_content: Option<String>,
    /// `Language`.
    pub language: Option<Language>,
}

impl std::fmt::Debug for ReplyTicket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplyTicket")
            .field("ticket_id", &self.ticket_id)
            .field("content", &self.content.as_ref().map(|_| "[REDACTED]"))
            .field(
                "secret_content",
                &self.secret_content.as_ref().map(|_| "[REDACTED]"),
            )
            .finish_non_exhaustive()
    }
}

impl Action for ReplyTicket {
    const NAME: &'static str = "ReplyTicket";
    const IDEMPOTENT: bool = false;
    type Output = ();

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = vec![("TicketId", self.ticket_id.clone())];
        push_opt(&mut params, "Content", self.content.as_ref());
        push_opt(&mut params, "SecretContent", self.secret_content.as_ref());
        push_opt(&mut params, "Language", self.language);
        params
    }

    fn decode(_data: Option<Value>) -> Result<(), String> {
        Ok(())
    }
}
