//! Where a ticket stream is in the conversation, and the `id:` of each event it sends.
//!
//! An event id is the state the client has after that event: `<notes seen>.<status seen>`
//! (`3.in_progress`). Notes are append-only and ordered oldest first, so "the first n notes"
//! names the same notes on every replica and after any restart of a poller: a reconnect whose
//! `Last-Event-ID` says `3.in_progress` gets note 4 onwards and a `status` event only if the
//! status is no longer `in_progress` — no gap, no repeat, and no per-stream history kept
//! anywhere. A status the upstream sends outside `[A-Za-z0-9_]{1,32}` is named by a hash.

use sha2::{Digest, Sha256};

use workorder_api::actions::{Note as UpstreamNote, TicketSummary};

/// A ticket and its notes, oldest first (the order of `GET /tickets/{id}/notes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketSnapshot {
    /// The ticket as listed.
    pub ticket: TicketSummary,
    /// Its conversation, oldest first.
    pub notes: Vec<UpstreamNote>,
}

impl TicketSnapshot {
    /// Orders `notes` as `GET /tickets/{id}/notes` does: by creation time, stable, notes
    /// without a time last.
    pub fn new(ticket: TicketSummary, mut notes: Vec<UpstreamNote>) -> Self {
        notes.sort_by_key(|n| (n.gmt_created.is_none(), n.gmt_created));
        Self { ticket, notes }
    }
}

/// The token of a status inside an event id.
fn status_token(status: &str) -> String {
    let plain = !status.is_empty()
        && status.len() <= 32
        && status
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if plain {
        status.to_owned()
    } else {
        let digest = Sha256::digest(status.as_bytes());
        format!("h{}", hex::encode(&digest[..8]))
    }
}

/// A parsed `Last-Event-ID` (or the id of an event sent); the default is "nothing seen".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventId {
    /// Notes the client has.
    pub notes: usize,
    /// The status token it has, if it has seen one.
    pub status: Option<String>,
}

impl EventId {
    /// Parses `<notes>.<status token>` or `<notes>.` (no status seen); `None` for anything
    /// else, which the stream treats as no id at all (it starts from the beginning).
    pub fn parse(raw: &str) -> Option<Self> {
        let (notes, status) = raw.split_once('.')?;
        if notes.is_empty() || notes.len() > 6 || !notes.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let notes = notes.parse().ok()?;
        let status = match status {
            "" => None,
            s if s.len() <= 33 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
                Some(s.to_owned())
            }
            _ => return None,
        };
        Some(Self { notes, status })
    }

    fn render(&self) -> String {
        format!("{}.{}", self.notes, self.status.as_deref().unwrap_or(""))
    }
}

/// What one ticket stream has sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor {
    at: EventId,
}

/// One event of a ticket stream, before rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketEvent {
    /// A note the client has not seen.
    Note {
        /// The event id.
        id: String,
        /// The note.
        note: UpstreamNote,
    },
    /// The ticket, whose status the client has not seen.
    Status {
        /// The event id.
        id: String,
        /// The ticket.
        ticket: TicketSummary,
    },
}

impl Cursor {
    /// Starts after `last` (a `Last-Event-ID`), or at the beginning.
    pub fn after(last: Option<EventId>) -> Self {
        Self {
            at: last.unwrap_or_default(),
        }
    }

    /// The next event `snapshot` holds for this stream, advancing past it; `None` when the
    /// stream is up to date. Notes come first, then the status.
    pub fn next(&mut self, snapshot: &TicketSnapshot) -> Option<TicketEvent> {
        if let Some(note) = snapshot.notes.get(self.at.notes) {
            self.at.notes += 1;
            return Some(TicketEvent::Note {
                id: self.at.render(),
                note: note.clone(),
            });
        }
        let status = status_token(&snapshot.ticket.ticket_status);
        if self.at.status.as_deref() != Some(status.as_str()) {
            // Fewer notes upstream than the client claims (a forged id): start counting there.
            self.at.notes = self.at.notes.min(snapshot.notes.len());
            self.at.status = Some(status);
            return Some(TicketEvent::Status {
                id: self.at.render(),
                ticket: snapshot.ticket.clone(),
            });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(id: &str) -> UpstreamNote {
        UpstreamNote {
            note_id: Some(id.to_owned()),
            content: format!("note {id}"),
            from_official: false,
            gmt_created: None,
        }
    }

    fn snapshot(status: &str, notes: &[&str]) -> TicketSnapshot {
        TicketSnapshot::new(
            TicketSummary {
                id: "T1".to_owned(),
                title: None,
                ticket_status: status.to_owned(),
                add_time: None,
                creator_id: None,
            },
            notes.iter().map(|n| note(n)).collect(),
        )
    }

    fn drain(cursor: &mut Cursor, snap: &TicketSnapshot) -> Vec<String> {
        std::iter::from_fn(|| cursor.next(snap))
            .map(|e| match e {
                TicketEvent::Note { id, note } => {
                    format!("{id} note {}", note.note_id.unwrap_or_default())
                }
                TicketEvent::Status { id, ticket } => {
                    format!("{id} status {}", ticket.ticket_status)
                }
            })
            .collect()
    }

    #[test]
    fn a_fresh_stream_gets_the_conversation_then_the_status_and_then_only_what_changed() {
        let mut cursor = Cursor::after(None);
        let first = snapshot("in_progress", &["a", "b"]);
        assert_eq!(
            drain(&mut cursor, &first),
            ["1. note a", "2. note b", "2.in_progress status in_progress"]
        );
        assert!(drain(&mut cursor, &first).is_empty());
        let later = snapshot("wait_feedback", &["a", "b", "c"]);
        assert_eq!(
            drain(&mut cursor, &later),
            [
                "3.in_progress note c",
                "3.wait_feedback status wait_feedback"
            ]
        );
    }

    #[test]
    fn a_resumed_stream_sends_exactly_what_came_after_its_last_event_id() {
        let later = snapshot("wait_feedback", &["a", "b", "c"]);
        let mut cursor = Cursor::after(EventId::parse("2.in_progress"));
        assert_eq!(
            drain(&mut cursor, &later),
            [
                "3.in_progress note c",
                "3.wait_feedback status wait_feedback"
            ]
        );
        let mut up_to_date = Cursor::after(EventId::parse("3.wait_feedback"));
        assert!(drain(&mut up_to_date, &later).is_empty());
    }

    #[test]
    fn malformed_or_forged_ids_do_not_break_the_stream() {
        for bad in [
            "",
            "x.y",
            "1",
            "-1.a",
            "1.a b",
            "99999999.a",
            "1.in\nprogress",
        ] {
            assert_eq!(EventId::parse(bad), None, "{bad:?}");
        }
        let mut forged = Cursor::after(EventId::parse("40.in_progress"));
        let snap = snapshot("completed", &["a"]);
        assert_eq!(drain(&mut forged, &snap), ["1.completed status completed"]);
        let odd = snapshot("odd status\n", &[]);
        let events = drain(&mut Cursor::after(None), &odd);
        assert_eq!(events.len(), 1);
        assert!(events[0].starts_with("0.h"), "{events:?}");
    }
}
