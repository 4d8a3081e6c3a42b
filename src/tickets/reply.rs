//! Replying to a ticket exactly once (`POST /tickets/{id}/notes`). A `2021-06-10` tenant's
//! reply goes out as 2021's ReplyTicket (with its attachments); it is reconciled the same way,
//! through the 2020 notes of the same account.
//!
//! A reply to a ticket the tenant's account has shown is one upstream call: the ticket is not
//! looked up first, and a completed ticket's refusal comes from the upstream (its status is
//! read only then, to name the refusal).
//!
//! Reconciliation: the ticket's notes not from the support engineer, created since the attempt
//! began (less the clock-skew margin), whose content has the same keyed hash as the reply's,
//! and that no other write has claimed. A reply with only `secretContent` shows the upstream's
//! placeholder text instead of its content, so any such unclaimed user note in the window
//! matches it: two secret-only replies to one ticket within the margin cannot be told apart.
//! `ReplyTicket` answers no note id, so a reply that succeeded outright claims no note: a
//! later reply with the same text whose answer is lost, within the margin, could be taken for
//! it. Both windows are the clock-skew margin (`idempotency.clock_skew_secs`) wide.

use super::Access;
use super::Backends;
use super::create::content_fingerprint;
use super::exactly_once::{Claims, Write, Written, audit_written, run};
use super::lookup::{ensure_ticket, find_ticket};
use crate::error::{ApiError, ErrorCode, FieldError};
use crate::settings::ApiVersion;
use crate::state::Fingerprint;
use crate::state::writes::{Outcome, WriteKey};
use crate::tenants::Principal;
use crate::upstream::UpstreamError;
use workorder_api::Language;
use workorder_api::actions::{ListTicketNotes, ReplyTicket};
use workorder_api::v2021::ReplyTicket as V2021Reply;

/// The 2020-03-26 status of a ticket that takes no more replies (2021-06-10's `confirmed`,
/// as the 2020 list shows it).
const COMPLETED: &str = "completed";

/// 422 on `content`: the ticket is completed and takes no more replies.
fn completed(ticket_id: &str) -> ApiError {
    ApiError::validation(vec![FieldError::new(
        "content",
        format!("ticket {ticket_id} is completed and takes no more replies"),
    )])
}

/// A validated reply: at least one of the two is present and not blank.
#[derive(Clone)]
pub struct NewReply {
    /// The reply's public text.
    pub content: Option<String>,
    /// Confidential text: sent upstream only.
    pub secret_content: Option<String>,
    /// Object keys of uploaded files (`POST /attachments`); 2021-06-10 tenants only.
    pub attachments: Vec<String>,
}

impl NewReply {
    /// The reply as Workorder 2021-06-10 takes it: one `Content` and an `Encrypt` flag. A
    /// reply with any `secretContent` is sent whole as one encrypted reply (its public part
    /// with it), so nothing confidential is ever sent in clear.
    fn as_2021(&self, ticket_id: &str) -> V2021Reply {
        let (content, encrypt) = match (&self.content, &self.secret_content) {
            (Some(content), None) => (content.clone(), false),
            (None, Some(secret)) => (secret.clone(), true),
            (Some(content), Some(secret)) => (format!("{content}\n\n{secret}"), true),
            (None, None) => (String::new(), false),
        };
        V2021Reply {
            ticket_id: ticket_id.to_owned(),
            content,
            encrypt,
            file_names: self.attachments.clone(),
            uid: None,
        }
    }

    /// Whether the upstream will show this reply's text as sent (not a confidential
    /// placeholder), so reconciliation can match it by content.
    fn shows_content(&self, api_version: ApiVersion) -> bool {
        match api_version {
            ApiVersion::V2020 => self.content.is_some(),
            ApiVersion::V2021 => self.content.is_some() && self.secret_content.is_none(),
        }
    }
}

impl std::fmt::Debug for NewReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewReply([REDACTED])")
    }
}

/// Posts `reply` on `ticket_id`, exactly once per `key` (or per request).
pub async fn reply_to_ticket(
    backends: Backends<'_>,
    principal: &Principal,
    ticket_id: &str,
    reply: &NewReply,
    language: Language,
    key: Option<&str>,
    body: &[u8],
) -> Result<Written, ApiError> {
    let writes = backends.writes;
    let fingerprinter = writes.fingerprinter();
    let tenant = principal.tenant.id.as_str();
    let operation = format!("reply:{ticket_id}");
    let key = key.map(|k| WriteKey::new(fingerprinter, tenant, &principal.user, &operation, k));
    let write = ReplyWrite {
        backends,
        principal,
        ticket_id,
        reply,
        language,
        content: reply
            .content
            .as_deref()
            .filter(|_| reply.shows_content(principal.tenant.api_version))
            .map(|c| content_fingerprint(fingerprinter, c)),
    };
    let body = fingerprinter.of("body", &[body]);
    let result = run(writes, &write, tenant, key, body).await;
    audit_written(principal, "ReplyTicket", Some(ticket_id), &result);
    result
}

struct ReplyWrite<'a> {
    backends: Backends<'a>,
    principal: &'a Principal,
    ticket_id: &'a str,
    reply: &'a NewReply,
    language: Language,
    /// `None` for a secret-only reply.
    content: Option<Fingerprint>,
}

impl Write for ReplyWrite<'_> {
    const OPERATION: &'static str = "reply_ticket";

    async fn prepare(&self) -> Result<(), ApiError> {
        self.backends
            .writes
            .ensure_reachable(self.principal, self.ticket_id, Access::Write)
            .await?;
        // The ticket's status is not read here: the upstream refuses a reply to a completed
        // ticket itself (see `refused`), so a reply to a known ticket is one upstream call.
        ensure_ticket(
            self.backends.client,
            self.principal,
            self.ticket_id,
            self.language,
        )
        .await
    }

    async fn send(&self) -> Result<Outcome, UpstreamError> {
        let target = &self.principal.tenant.target;
        if self.principal.tenant.api_version == ApiVersion::V2021 {
            let answer = self
                .backends
                .client
                .call(target, &self.reply.as_2021(self.ticket_id))
                .await?;
            return Ok(Outcome {
                id: self.ticket_id.to_owned(),
                note_id: answer.data,
                upstream_request_id: answer.request_id,
            });
        }
        let answer = self
            .backends
            .client
            .call(
                target,
                &ReplyTicket {
                    ticket_id: self.ticket_id.to_owned(),
                    content: self.reply.content.clone(),
                    secret_content: self.reply.secret_content.clone(),
                    language: Some(self.language),
                },
            )
            .await?;
        Ok(Outcome {
            id: self.ticket_id.to_owned(),
            note_id: None,
            upstream_request_id: answer.request_id,
        })
    }

    async fn find(
        &self,
        since_ms: i64,
        claims: &Claims<'_>,
    ) -> Result<(Option<Outcome>, Option<String>), ApiError> {
        let answer = self
            .backends
            .client
            .call(
                &self.principal.tenant.target,
                &ListTicketNotes {
                    ticket_id: self.ticket_id.to_owned(),
                    language: Some(self.language),
                },
            )
            .await?;
        let since =
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(since_ms) * 1_000_000).ok();
        for note in answer.data.list {
            let recent = match (note.gmt_created, since) {
                (Some(created), Some(since)) => created >= since,
                _ => true,
            };
            let same = match self.content {
                Some(content) => {
                    content_fingerprint(self.backends.writes.fingerprinter(), &note.content)
                        == content
                }
                None => true,
            };
            if note.from_official || !recent || !same {
                continue;
            }
            let resource = match &note.note_id {
                Some(id) => format!("note:{}:{id}", self.ticket_id),
                None => continue,
            };
            if claims.take(&resource).await {
                return Ok((
                    Some(Outcome {
                        id: self.ticket_id.to_owned(),
                        note_id: note.note_id,
                        upstream_request_id: None,
                    }),
                    answer.request_id,
                ));
            }
        }
        Ok((None, answer.request_id))
    }

    /// Both API versions refuse a reply to a completed ticket with their generic
    /// `param.illegal` ("Params illegal." is all the documentation promises), which a reply
    /// refused for any other parameter shares. So only on that refusal is the ticket read, to
    /// tell a completed ticket (422 on `content`, as the contract has it) from the rest (the
    /// upstream's refusal as it came). Either way nothing was posted: a definite failure.
    async fn refused(&self, err: UpstreamError) -> ApiError {
        let UpstreamError::InvalidParameter(fault) = &err else {
            return ApiError::from(err);
        };
        let refusal_id = fault.request_id.clone();
        match find_ticket(
            self.backends.client,
            self.principal,
            self.ticket_id,
            self.language,
        )
        .await
        {
            Ok((ticket, _)) if ticket.ticket_status == COMPLETED => {
                completed(self.ticket_id).with_upstream_request_id(refusal_id)
            }
            Err(lookup) if lookup.code() == ErrorCode::TicketNotFound => lookup,
            // Open, or its status could not be read: the refusal speaks for itself.
            Ok(_) | Err(_) => ApiError::from(err),
        }
    }

    fn made(&self, _outcome: &Outcome) -> Option<String> {
        // ReplyTicket answers no note id; the note is claimed if a later reconciliation finds it.
        None
    }
}
