//! One account's tickets and the business rules on them (pure: no HTTP, no clock; the caller
//! passes the time in epoch seconds).
//!
//! Rules: a new ticket is `in_progress` and its content is its first note; a user reply adds a
//! note and puts the ticket back to `in_progress`; replying to a `completed` ticket is
//! `param.illegal`; closing makes it `completed`; the simulated engineer answers a ticket whose
//! last note is the user's with an official note and `wait_feedback`. Unknown ids are
//! `param.illegal` (another account's tickets are simply not in this book).
//! `SecretContent` is kept in `secrets` and never leaves this module.

use std::collections::{HashMap, HashSet};

use rand::Rng as _;

use super::reply::ApiError;
use crate::upstream::Language;

/// Ticket states as the API spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    InProgress,
    WaitFeedback,
    Completed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "in_progress",
            Self::WaitFeedback => "wait_feedback",
            Self::Completed => "completed",
        }
    }
}

/// One note of a ticket's conversation.
#[derive(Debug, Clone)]
pub(crate) struct Note {
    pub id: String,
    pub content: String,
    pub from_official: bool,
    pub gmt_created: i64,
}

/// One ticket.
#[derive(Debug, Clone)]
pub(crate) struct Ticket {
    pub id: String,
    pub title: String,
    pub product_code: String,
    pub status: Status,
    pub add_time: i64,
    pub creator_id: String,
    pub language: Language,
    pub notes: Vec<Note>,
    /// Every `SecretContent` received; stored, never returned.
    secrets: Vec<String>,
}

impl Ticket {
    /// How many confidential notes the ticket holds (their text never leaves the store).
    #[cfg(test)]
    pub fn secret_count(&self) -> usize {
        self.secrets.len()
    }
}

/// A validated CreateTicket request.
#[derive(Debug)]
pub(crate) struct NewTicket {
    pub product_code: String,
    pub title: Option<String>,
    pub content: String,
    pub secret_content: Option<String>,
    pub creator_id: String,
    pub language: Language,
}

/// ListTickets filters; empty sets and `None`s filter nothing.
#[derive(Debug, Default)]
pub(crate) struct Filter {
    pub ids: HashSet<String>,
    pub statuses: HashSet<String>,
    pub product_code: Option<String>,
    pub created_after: Option<i64>,
    pub created_before: Option<i64>,
    pub sub_user_id: Option<String>,
}

impl Filter {
    fn matches(&self, t: &Ticket) -> bool {
        (self.ids.is_empty() || self.ids.contains(&t.id))
            && (self.statuses.is_empty() || self.statuses.contains(t.status.as_str()))
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

fn note_id() -> String {
    random_id(8)
}

/// The title a ticket gets when none is given: the first line of its content, shortened.
fn default_title(content: &str) -> String {
    let line = content.lines().next().unwrap_or_default().trim();
    line.chars().take(50).collect()
}

/// Shown as the content of a reply that carried only `SecretContent`.
fn confidential_placeholder(language: Language) -> &'static str {
    match language {
        Language::Zh => "（机密备注）",
        Language::En => "(confidential note)",
        Language::Jp => "（機密メモ）",
    }
}

fn engineer_text(language: Language) -> &'static str {
    match language {
        Language::Zh => {
            "您好，工程师已收到您的问题并开始排查。请确认问题是否仍然存在，并补充相关报错信息，以便我们进一步处理。"
        }
        Language::En => {
            "Hello, a support engineer has picked up your ticket and is looking into it. Could you confirm the problem still occurs and share any error messages you see?"
        }
        Language::Jp => {
            "お問い合わせありがとうございます。サポートエンジニアが調査を開始しました。問題が引き続き発生しているかご確認のうえ、エラーメッセージがあればお知らせください。"
        }
    }
}

impl TicketBook {
    /// Files a new ticket and returns its 7-character id.
    pub fn create(&mut self, new: NewTicket, now: i64) -> String {
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
            status: Status::InProgress,
            add_time: now,
            creator_id: new.creator_id,
            language: new.language,
            notes: vec![Note {
                id: note_id(),
                content: new.content,
                from_official: false,
                gmt_created: now,
            }],
            secrets: new.secret_content.into_iter().collect(),
        };
        self.tickets.insert(id.clone(), ticket);
        self.order.push(id.clone());
        id
    }

    fn ticket_mut(&mut self, id: &str) -> Result<&mut Ticket, ApiError> {
        self.tickets
            .get_mut(id)
            .ok_or_else(|| ApiError::param_illegal("TicketId does not exist"))
    }

    /// A ticket by id, or `param.illegal`.
    pub fn get(&self, id: &str) -> Result<&Ticket, ApiError> {
        self.tickets
            .get(id)
            .ok_or_else(|| ApiError::param_illegal("TicketId does not exist"))
    }

    /// Adds the user's reply; at least one of `content` and `secret` is present.
    pub fn reply(
        &mut self,
        id: &str,
        content: Option<String>,
        secret: Option<String>,
        now: i64,
    ) -> Result<(), ApiError> {
        let ticket = self.ticket_mut(id)?;
        if ticket.status == Status::Completed {
            return Err(ApiError::param_illegal("the ticket is completed"));
        }
        let content =
            content.unwrap_or_else(|| confidential_placeholder(ticket.language).to_owned());
        ticket.notes.push(Note {
            id: note_id(),
            content,
            from_official: false,
            gmt_created: now,
        });
        ticket.secrets.extend(secret);
        ticket.status = Status::InProgress;
        Ok(())
    }

    /// Closes the ticket (closing a closed ticket is accepted and changes nothing).
    pub fn close(&mut self, id: &str) -> Result<(), ApiError> {
        self.ticket_mut(id)?.status = Status::Completed;
        Ok(())
    }

    /// The simulated engineer's answer: only to an open ticket whose last note is the user's
    /// (so queued answers for several quick replies produce one answer). True if it answered.
    pub fn engineer_answers(&mut self, id: &str, now: i64) -> bool {
        let Some(ticket) = self.tickets.get_mut(id) else {
            return false;
        };
        let awaiting = ticket.status == Status::InProgress
            && ticket.notes.last().is_some_and(|n| !n.from_official);
        if awaiting {
            ticket.notes.push(Note {
                id: note_id(),
                content: engineer_text(ticket.language).to_owned(),
                from_official: true,
                gmt_created: now,
            });
            ticket.status = Status::WaitFeedback;
        }
        awaiting
    }

    /// One page (1-based) of the tickets matching `filter`, newest first, and the total count.
    pub fn list(
        &self,
        filter: &Filter,
        page_start: usize,
        page_size: usize,
    ) -> (usize, Vec<&Ticket>) {
        let matching = self
            .order
            .iter()
            .rev()
            .filter_map(|id| self.tickets.get(id))
            .filter(|t| filter.matches(t));
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
mod tests {
    use super::*;

    fn new_ticket(product: &str, content: &str) -> NewTicket {
        NewTicket {
            product_code: product.to_owned(),
            title: None,
            content: content.to_owned(),
            secret_content: Some("instance i-123".to_owned()),
            creator_id: "1".to_owned(),
            language: Language::En,
        }
    }

    #[test]
    fn a_new_ticket_is_in_progress_with_its_content_as_first_note() {
        let mut book = TicketBook::default();
        let id = book.create(new_ticket("ecs", "cannot ssh\nmore"), 100);
        assert_eq!(id.len(), 7);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        );
        let ticket = book.get(&id).unwrap();
        assert_eq!(ticket.status, Status::InProgress);
        assert_eq!(ticket.title, "cannot ssh");
        assert_eq!(ticket.notes[0].content, "cannot ssh\nmore");
        assert_eq!(ticket.secret_count(), 1);
    }

    #[test]
    fn the_conversation_moves_the_status_as_documented() {
        let mut book = TicketBook::default();
        let id = book.create(new_ticket("ecs", "help"), 100);
        assert!(book.engineer_answers(&id, 110));
        assert!(!book.engineer_answers(&id, 111), "one answer per user note");
        assert_eq!(book.get(&id).unwrap().status, Status::WaitFeedback);
        book.reply(&id, None, Some("secret".to_owned()), 120)
            .unwrap();
        let ticket = book.get(&id).unwrap();
        assert_eq!(ticket.status, Status::InProgress);
        assert_eq!(ticket.notes.last().unwrap().content, "(confidential note)");
        book.close(&id).unwrap();
        let err = book
            .reply(&id, Some("again".to_owned()), None, 130)
            .unwrap_err();
        assert_eq!(err.code, "param.illegal");
        assert!(!book.engineer_answers(&id, 140));
    }

    #[test]
    fn listing_filters_and_pages_newest_first() {
        let mut book = TicketBook::default();
        let ids: Vec<String> = (0..5)
            .map(|i| book.create(new_ticket(if i % 2 == 0 { "ecs" } else { "oss" }, "x"), i))
            .collect();
        let (total, page) = book.list(&Filter::default(), 1, 2);
        assert_eq!(total, 5);
        assert_eq!(
            page.iter().map(|t| &t.id).collect::<Vec<_>>(),
            [&ids[4], &ids[3]]
        );
        let (total, page) = book.list(&Filter::default(), 3, 2);
        assert_eq!((total, page.len()), (5, 1));
        let ecs_after_1 = Filter {
            product_code: Some("ecs".to_owned()),
            created_after: Some(1),
            ..Filter::default()
        };
        let (total, page) = book.list(&ecs_after_1, 1, 20);
        assert_eq!(total, 2);
        assert_eq!(
            page.iter().map(|t| &t.id).collect::<Vec<_>>(),
            [&ids[4], &ids[2]]
        );
    }
}
