//! Snapshots as they travel between replicas (Redis pub/sub, never stored): a compact JSON
//! of their own, so the protocol crate's upstream types need not be serializable. Times go as
//! Unix milliseconds.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::cursor::TicketSnapshot;
use super::feed::{ListSnapshot, Snapshot};
use workorder_api::actions::{Note, TicketSummary};

#[derive(Serialize, Deserialize)]
struct WireTicket {
    id: String,
    title: Option<String>,
    status: String,
    added_ms: Option<i64>,
    creator: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct WireNote {
    id: Option<String>,
    content: String,
    official: bool,
    created_ms: Option<i64>,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum Wire {
    Ticket {
        ticket: WireTicket,
        notes: Vec<WireNote>,
    },
    List {
        tickets: Vec<WireTicket>,
    },
}

fn to_ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn from_ms(ms: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
}

fn ticket_out(t: &TicketSummary) -> WireTicket {
    WireTicket {
        id: t.id.clone(),
        title: t.title.clone(),
        status: t.ticket_status.clone(),
        added_ms: t.add_time.map(to_ms),
        creator: t.creator_id.clone(),
    }
}

fn ticket_in(t: WireTicket) -> TicketSummary {
    TicketSummary {
        id: t.id,
        title: t.title,
        ticket_status: t.status,
        add_time: t.added_ms.and_then(from_ms),
        creator_id: t.creator,
    }
}

/// The message for `snapshot`.
pub fn encode(snapshot: &Snapshot) -> String {
    let wire = match snapshot {
        Snapshot::Ticket(t) => Wire::Ticket {
            ticket: ticket_out(&t.ticket),
            notes: t
                .notes
                .iter()
                .map(|n| WireNote {
                    id: n.note_id.clone(),
                    content: n.content.clone(),
                    official: n.from_official,
                    created_ms: n.gmt_created.map(to_ms),
                })
                .collect(),
        },
        Snapshot::List(l) => Wire::List {
            tickets: l.tickets.iter().map(ticket_out).collect(),
        },
    };
    // Strings, numbers and booleans only: serializing cannot fail.
    serde_json::to_string(&wire).unwrap_or_default()
}

/// The snapshot of a message; `None` for anything malformed (a message is dropped, never a
/// stream).
pub fn decode(message: &str) -> Option<Snapshot> {
    Some(match serde_json::from_str::<Wire>(message).ok()? {
        Wire::Ticket { ticket, notes } => Snapshot::Ticket(TicketSnapshot::new(
            ticket_in(ticket),
            notes
                .into_iter()
                .map(|n| Note {
                    note_id: n.id,
                    content: n.content,
                    from_official: n.official,
                    gmt_created: n.created_ms.and_then(from_ms),
                })
                .collect(),
        )),
        Wire::List { tickets } => Snapshot::List(ListSnapshot {
            tickets: tickets.into_iter().map(ticket_in).collect(),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_survives_the_trip_between_replicas() {
        let at =
            OffsetDateTime::from_unix_timestamp(1_585_818_240).unwrap_or_else(|_| unreachable!());
        let snapshot = Snapshot::Ticket(TicketSnapshot::new(
            TicketSummary {
                id: "CAB327A".into(),
                title: Some("SSH".into()),
                ticket_status: "in_progress".into(),
                add_time: Some(at),
                creator_id: None,
            },
            vec![Note {
                note_id: Some("N1".into()),
                content: "line\nbreak".into(),
                from_official: true,
                gmt_created: Some(at),
            }],
        ));
        assert_eq!(decode(&encode(&snapshot)), Some(snapshot));
        assert_eq!(decode("{\"kind\":\"nope\"}"), None);
    }
}
