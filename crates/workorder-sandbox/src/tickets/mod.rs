//! One account's tickets and the business rules on them (pure: no HTTP, no clock; the caller
//! passes the time in epoch milliseconds).
//!
//! One store serves both API versions: a ticket holds the finer 2021-06-10 status, which
//! 2020-03-26 reads through `as_2020`.
//!
//! Rules: a new ticket is `assigned` (2020: `in_progress`) and its content is its first note
//! (2021's `Description`); a user reply adds a note and makes it `feedback` (2020:
//! `in_progress`); replying to a `confirmed` (`completed`) ticket is `param.illegal`; closing
//! makes it `confirmed`; only a `confirmed` ticket can be reopened (back to `assigned`) or rated,
//! and a ticket is rated once in its life; the simulated engineer answers an open ticket whose
//! last note is the user's with an official note and `wait_feedback`. Unknown ids are
//! `param.illegal` (another account's tickets are simply not in this book).
//! `SecretContent` is kept in `secrets` and never leaves this module.
//!
//! Every ticket and note remembers the millisecond it was made, so the lists can leave out
//! what the (eventually consistent) list index does not show yet; see [`Visibility`]. The wire
//! keeps epoch seconds (`AddTime`, `GmtCreated`).

mod texts;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use rand::Rng as _;

use super::reply::ErrorReply;
use texts::{confidential_placeholder, default_title, engineer_text};
use workorder_api::Language;

pub(crate) use workorder_api::v2021::Severity;
/// Ticket states: the finer 2021-06-10 vocabulary, which 2020-03-26 sees through
/// [`TicketStatus::as_2020`] (one store serves both versions).
pub(crate) use workorder_api::v2021::TicketStatus as Status;

/// The customer's rating of a done ticket (EvaluateTicket); stored, shown nowhere upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rating {
    pub score: u8,
    pub solved: bool,
    pub comment: Option<String>,
}

/// An attachment of a note: the object key and the file name it was issued for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attached {
    pub object_key: String,
    pub file_name: String,
}

/// One note of a ticket's conversation.
#[derive(Debug, Clone)]
pub(crate) struct Note {
    pub id: String,
    pub content: String,
    pub from_official: bool,
    /// Epoch seconds, as `GmtCreated` shows it.
    pub gmt_created: i64,
    /// Epoch milliseconds, for the list lag and 2021's `CreateTime`.
    pub created_ms: i64,
    /// Object keys attached (2021 `FileNameList`).
    pub attachments: Vec<Attached>,
}

/// One ticket.
#[derive(Debug, Clone)]
pub(crate) struct Ticket {
    pub id: String,
    pub title: String,
    pub product_code: String,
    /// The 2020 category id; 2021 actions translate it (`SimulatedCatalog::category_to_2021`).
    pub category_id: i64,
    pub severity: Severity,
    pub status: Status,
    /// Epoch seconds, as `AddTime` shows it.
    pub add_time: i64,
    /// Epoch milliseconds, for the list lag and 2021's `CreateTime`.
    pub created_ms: i64,
    pub creator_id: String,
    pub language: Language,
    pub notes: Vec<Note>,
    /// Set once by EvaluateTicket; never cleared, not even by a reopen.
    pub rating: Option<Rating>,
    /// Every `SecretContent` received; stored, never returned.
    secrets: Vec<String>,
}

impl Ticket {
    /// The notes the list index shows yet, oldest first.
    pub fn listed_notes(&self, visibility: Visibility) -> impl Iterator<Item = &Note> {
        self.notes
            .iter()
            .filter(move |n| visibility.shows(n.created_ms))
    }

    /// The problem as first described (2021 `Description`): the first note's text.
    pub fn description(&self) -> &str {
        self.notes.first().map_or("", |n| n.content.as_str())
    }

    /// How many confidential notes the ticket holds (their text never leaves the store).
    #[cfg(test)]
    pub fn secret_count(&self) -> usize {
        self.secrets.len()
    }
}

/// A validated CreateTicket request.
#[derive(Debug)]
pub(crate) struct TicketDraft {
    pub product_code: String,
    pub category_id: i64,
    pub severity: Severity,
    pub title: Option<String>,
    pub content: String,
    pub secret_content: Option<String>,
    pub attachments: Vec<Attached>,
    pub creator_id: String,
    pub language: Language,
}

/// A validated user reply: at least one of `content` and `secret` is present.
#[derive(Debug, Default)]
pub(crate) struct ReplyDraft {
    pub content: Option<String>,
    pub secret: Option<String>,
    pub attachments: Vec<Attached>,
}

/// What the list index shows at one moment: what was made at least `lag` earlier. The
/// default (no lag) shows everything.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Visibility {
    /// Now, in epoch milliseconds.
    pub now_ms: i64,
    /// How long a new ticket or note stays out of the lists.
    pub lag: Duration,
}

impl Visibility {
    /// Whether something made at `created_ms` is listed. Without a lag, always (even if the
    /// wall clock stepped back since); with one, only once `lag` has passed.
    fn shows(self, created_ms: i64) -> bool {
        self.lag.is_zero()
            || u128::try_from(self.now_ms.saturating_sub(created_ms))
                .is_ok_and(|age| age >= self.lag.as_millis())
    }
}

/// Epoch seconds of an epoch-milliseconds instant (what the wire shows).
fn seconds(epoch_ms: i64) -> i64 {
    epoch_ms.div_euclid(1000)
}

/// ListTickets filters; empty sets and `None`s filter nothing.
#[derive(Debug, Default)]
pub(crate) struct Filter {
    pub ids: HashSet<String>,
    /// 2020 names (`in_progress`…), matched against the mapped status.
    pub statuses: HashSet<String>,
    /// 2021 states, matched exactly.
    pub fine_statuses: HashSet<Status>,
    /// 2021 `Keyword`: a case-insensitive match in the description.
    pub keyword: Option<String>,
    pub product_code: Option<String>,
    pub created_after: Option<i64>,
    pub created_before: Option<i64>,
    pub sub_user_id: Option<String>,
}

impl Filter {
    fn matches(&self, t: &Ticket) -> bool {
        (self.ids.is_empty() || self.ids.contains(&t.id))
            && (self.statuses.is_empty() || self.statuses.contains(t.status.as_2020()))
            && (self.fine_statuses.is_empty() || self.fine_statuses.contains(&t.status))
            && self.keyword.as_ref().is_none_or(|k| {
                t.description()
                    .to_lowercase()
                    .contains(&k.trim().to_lowercase())
            })
            && self
                .product_code
                .as_ref()
                .is_none_or(|p| *p == t.product_code)
            && self.created_after.is_none_or(|after| t.add_time >= after)
            && self
                .created_before
                .is_none_or(|before| t.add_time <= before)
            && self.sub_user_id.as_ref().is_none_or(|u| *u == t.creator_id)
    }
}

/// One account's tickets, in creation order.
#[derive(Debug, Default)]
pub(crate) struct TicketBook {
    tickets: HashMap<String, Ticket>,
    order: Vec<String>,
}

const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

fn random_id(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(ID_ALPHABET[rng.random_range(0..ID_ALPHABET.len())]))
        .collect()
}

/// A note id: eight digits, the first not zero, so 2021 can show it as its int64 `DialogId`.
fn note_id() -> String {
    let mut rng = rand::rng();
    rng.random_range(10_000_000_u32..100_000_000).to_string()
}

impl TicketBook {
    /// Files a new ticket at `now_ms` and returns its 7-character id.
    pub fn create(&mut self, new: TicketDraft, now_ms: i64) -> String {
        let id = loop {
            let candidate = random_id(7);
            if !self.tickets.contains_key(&candidate) {
                break candidate;
            }
        };
        let title = new
            .title
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| default_title(&new.content));
        let ticket = Ticket {
            id: id.clone(),
            title,
            product_code: new.product_code,
            category_id: new.category_id,
            severity: new.severity,
            status: Status::Assigned,
            add_time: seconds(now_ms),
            created_ms: now_ms,
            creator_id: new.creator_id,
            language: new.language,
            notes: vec![Note {
                id: note_id(),
                content: new.content,
                from_official: false,
                gmt_created: seconds(now_ms),
                created_ms: now_ms,
                attachments: new.attachments,
            }],
            rating: None,
            secrets: new.secret_content.into_iter().collect(),
        };
        self.tickets.insert(id.clone(), ticket);
        self.order.push(id.clone());
        id
    }

    fn ticket_mut(&mut self, id: &str) -> Result<&mut Ticket, ErrorReply> {
        self.tickets
            .get_mut(id)
            .ok_or_else(|| ErrorReply::param_illegal("TicketId does not exist"))
    }

    /// A ticket by id, or `param.illegal`.
    pub fn get(&self, id: &str) -> Result<&Ticket, ErrorReply> {
        self.tickets
            .get(id)
            .ok_or_else(|| ErrorReply::param_illegal("TicketId does not exist"))
    }

    /// Adds the user's reply at `now_ms` and returns the new note's id. The ball goes back to
    /// support: `feedback` (2020 sees `in_progress`).
    pub fn reply(
        &mut self,
        id: &str,
        reply: ReplyDraft,
        now_ms: i64,
    ) -> Result<String, ErrorReply> {
        let ticket = self.ticket_mut(id)?;
        if ticket.status == Status::Confirmed {
            return Err(ErrorReply::param_illegal("the ticket is completed"));
        }
        let content = reply
            .content
            .unwrap_or_else(|| confidential_placeholder(ticket.language).to_owned());
        let note = note_id();
        ticket.notes.push(Note {
            id: note.clone(),
            content,
            from_official: false,
            gmt_created: seconds(now_ms),
            created_ms: now_ms,
            attachments: reply.attachments,
        });
        ticket.secrets.extend(reply.secret);
        ticket.status = Status::Feedback;
        Ok(note)
    }

    /// Closes the ticket (closing a closed ticket is accepted and changes nothing).
    pub fn close(&mut self, id: &str) -> Result<(), ErrorReply> {
        self.ticket_mut(id)?.status = Status::Confirmed;
        Ok(())
    }

    /// Reopens a done ticket with the customer's message as a new note; back to `assigned`.
    /// Only a `confirmed` ticket can be reopened.
    pub fn reopen(&mut self, id: &str, content: String, now_ms: i64) -> Result<(), ErrorReply> {
        let ticket = self.ticket_mut(id)?;
        if ticket.status != Status::Confirmed {
            return Err(ErrorReply::param_illegal(
                "only a completed ticket can be reopened",
            ));
        }
        ticket.notes.push(Note {
            id: note_id(),
            content,
            from_official: false,
            gmt_created: seconds(now_ms),
            created_ms: now_ms,
            attachments: Vec::new(),
        });
        ticket.status = Status::Assigned;
        Ok(())
    }

    /// Rates a done ticket; a ticket takes one rating in its life.
    pub fn evaluate(&mut self, id: &str, rating: Rating) -> Result<(), ErrorReply> {
        let ticket = self.ticket_mut(id)?;
        if ticket.status != Status::Confirmed {
            return Err(ErrorReply::param_illegal(
                "only a completed ticket can be rated",
            ));
        }
        if ticket.rating.is_some() {
            return Err(ErrorReply::param_illegal("the ticket is already rated"));
        }
        ticket.rating = Some(rating);
        Ok(())
    }

    /// The simulated engineer's answer: only to an open ticket whose last note is the user's
    /// (so queued answers for several quick replies produce one answer). True if it answered.
    pub fn engineer_answers(&mut self, id: &str, now_ms: i64) -> bool {
        let Some(ticket) = self.tickets.get_mut(id) else {
            return false;
        };
        let awaiting = ticket.status != Status::Confirmed
            && ticket.notes.last().is_some_and(|n| !n.from_official);
        if awaiting {
            ticket.notes.push(Note {
                id: note_id(),
                content: engineer_text(ticket.language).to_owned(),
                from_official: true,
                gmt_created: seconds(now_ms),
                created_ms: now_ms,
                attachments: Vec::new(),
            });
            ticket.status = Status::WaitFeedback;
        }
        awaiting
    }

    /// One page (1-based) of the listed tickets matching `filter`, newest first, and the
    /// total count.
    pub fn list(
        &self,
        filter: &Filter,
        visibility: Visibility,
        page_start: usize,
        page_size: usize,
    ) -> (usize, Vec<&Ticket>) {
        let matching = self
            .order
            .iter()
            .rev()
            .filter_map(|id| self.tickets.get(id))
            .filter(|t| visibility.shows(t.created_ms) && filter.matches(t));
        let mut total = 0;
        let skip = (page_start - 1).saturating_mul(page_size);
        let mut page = Vec::with_capacity(page_size.min(100));
        for ticket in matching {
            if total >= skip && page.len() < page_size {
                page.push(ticket);
            }
            total += 1;
        }
        (total, page)
    }
}

#[cfg(test)]
mod tests;
