//! The exactly-once driver shared by creates and replies.
//!
//! One request: claim its `Idempotency-Key` (replay a done outcome; wait a bounded time for a
//! key in flight elsewhere, then 409), run the write's read-only checks, reconcile first when
//! it took over a key an earlier request left ambiguous, then send. A send whose failure proves
//! nothing happened releases the key; a send whose outcome is unknown is reconciled at once —
//! the upstream's list is read, and read again once the grace has passed — and re-sent only if
//! its result is not there. Without a key the same happens within the request, with nothing
//! stored but the claims on what was made.

use std::time::Duration;

use actix_web::http::StatusCode;

use super::TicketWrites;
use crate::error::{ApiError, ErrorCode};
use crate::state::writes::{Claim, Lease, LeaseError, Outcome, Resume, WriteKey, WriteRecords};
use crate::state::{Fingerprint, StateError};
use crate::upstream::UpstreamError;

/// Longest pause between two looks at a key in flight elsewhere.
const IN_FLIGHT_POLL: Duration = Duration::from_millis(100);
/// Reads of one reconciliation look, first included. A look that fails leaves the outcome
/// unknown and costs the client a retry, so it gets more tries than an ordinary read (whose
/// own retries the client already made inside each try).
const FIND_TRIES: u32 = 3;
/// Pause between two tries of a look.
const FIND_RETRY_PAUSE: Duration = Duration::from_millis(100);

/// A write the driver can make exactly once.
pub(super) trait Write {
    /// The operation label (metrics, logs): one of `write_metrics::OPERATIONS`.
    const OPERATION: &'static str;

    /// Checks that read but change nothing (catalog, ticket status); an error ends the request.
    async fn prepare(&self) -> Result<(), ApiError>;

    /// Sends the write once.
    async fn send(&self) -> Result<Outcome, UpstreamError>;

    /// The answer to a send the upstream refused (a failure that proves nothing happened).
    /// A write whose refusal needs a closer look to name its cause (a reply to a completed
    /// ticket) says so here; the refusal stays a definite failure whatever it answers.
    async fn refused(&self, err: UpstreamError) -> ApiError {
        ApiError::from(err)
    }

    /// Looks for the result of an attempt that may have taken effect since `since_ms` (clock
    /// skew already subtracted), claiming it for this write. Returns it, if found, and the
    /// upstream `RequestId` of the list read.
    async fn find(
        &self,
        since_ms: i64,
        claims: &Claims<'_>,
    ) -> Result<(Option<Outcome>, Option<String>), ApiError>;

    /// The resource a fresh outcome makes (`ticket:ID`), claimed so that no other write's
    /// reconciliation takes it for its own.
    fn made(&self, outcome: &Outcome) -> Option<String>;
}

/// How a write came to its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrittenHow {
    /// Sent now, and the upstream said it was done.
    Sent,
    /// The key was done before: its first outcome, replayed.
    Replayed,
    /// An attempt's answer was lost, but the upstream's list shows it took effect.
    Reconciled,
}

/// A successful write.
#[derive(Debug, Clone)]
pub struct Written {
    /// What was made.
    pub outcome: Outcome,
    /// How it was established.
    pub how: WrittenHow,
}

/// Writes the audit event of a finished write (`outcome` `ok`, `replayed`, `reconciled`, or
/// the error code); `ticket_id` is the ticket acted on, when known before the write.
pub(super) fn audit_written(
    principal: &crate::tenants::Principal,
    action: &'static str,
    ticket_id: Option<&str>,
    result: &Result<Written, ApiError>,
) {
    use super::lookup::audit;
    match result {
        Ok(written) => audit(
            principal,
            action,
            Some(ticket_id.unwrap_or(&written.outcome.id)),
            match written.how {
                WrittenHow::Sent => "ok",
                WrittenHow::Replayed => "replayed",
                WrittenHow::Reconciled => "reconciled",
            },
            written.outcome.upstream_request_id.as_deref(),
        ),
        Err(err) => audit(
            principal,
            action,
            ticket_id,
            err.code().as_str(),
            err.upstream_request_id(),
        ),
    }
}

/// Claims on tickets and notes, for one write.
pub(super) struct Claims<'a> {
    records: &'a WriteRecords,
    tenant: &'a str,
    holder: &'a str,
}

impl Claims<'_> {
    /// Whether another write already holds `resource` (so it cannot be this write's result).
    /// Checked before reading a candidate's notes: tickets made through the gateway are claimed
    /// by their makers, so under load only the few unclaimed candidates cost a call.
    pub(super) async fn held_by_another(&self, resource: &str) -> bool {
        match self.records.resource_holder(self.tenant, resource).await {
            Ok(holder) => holder.is_some_and(|h| h != self.holder),
            Err(_) => false,
        }
    }

    /// Takes `resource` for this write: false when another write holds it. When the store
    /// cannot answer, the match is accepted (logged): the content already matched, and refusing
    /// it would re-send.
    pub(super) async fn take(&self, resource: &str) -> bool {
        match self
            .records
            .claim_resource(self.tenant, resource, self.holder)
            .await
        {
            Ok(taken) => taken,
            Err(err) => {
                tracing::warn!(error = %err, "could not claim a reconciled resource; accepting the match");
                true
            }
        }
    }
}

/// Why a write failed, and whether its effect is known.
enum Failure {
    /// Nothing happened upstream: the key may be tried afresh.
    Clean(ApiError),
    /// Something may have happened: the key stays ambiguous for the next request to reconcile.
    Unknown(ApiError),
    /// Another request took the key over: leave it alone.
    LeaseLost,
}

/// 409 `idempotency_in_progress`.
fn in_progress(retry_after: Duration) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::IdempotencyInProgress,
        "a request with this Idempotency-Key is still being processed; retry later",
    )
    .with_retry_after(retry_after.max(Duration::from_secs(1)))
}

/// 503 `state_unavailable`.
fn state_unavailable(err: &StateError) -> ApiError {
    tracing::warn!(error = %err, "idempotency state unavailable; write refused");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::StateUnavailable,
        "writes with an Idempotency-Key are paused: the gateway cannot reach its shared state",
    )
    .with_retry_after(Duration::from_secs(2))
}

/// Runs `write` exactly once for `tenant`, under `key` when the client sent one.
pub(super) async fn run<W: Write>(
    service: &TicketWrites,
    write: &W,
    tenant: &str,
    key: Option<WriteKey>,
    body: Fingerprint,
) -> Result<Written, ApiError> {
    let operation = W::OPERATION;
    let mut lease = match &key {
        None => None,
        Some(key) => match claim_or_wait(service, key, body).await {
            Ok(Claimed::Lease(lease)) => Some(lease),
            Ok(Claimed::Replay(outcome)) => {
                service.metrics.record_write(operation, "replayed");
                return Ok(Written {
                    outcome,
                    how: WrittenHow::Replayed,
                });
            }
            Err((err, label)) => {
                service.metrics.record_write(operation, label);
                return Err(err);
            }
        },
    };
    let request_holder = uuid::Uuid::new_v4().simple().to_string();
    let claims = Claims {
        records: &service.records,
        tenant,
        holder: key.as_ref().map_or(&request_holder, WriteKey::holder),
    };
    let result = drive(service, write, &mut lease, &claims).await;
    let records = &service.records;
    match (result, lease) {
        (Ok(written), lease) => {
            if let Some(lease) = lease
                && let Err(err) = records.done(lease, &written.outcome).await
            {
                // The write happened; only its record is missing. A retry with the key finds
                // the lease expired, reconciles, and finds this claimed ticket as its own.
                tracing::warn!(error = %err, "write done but its outcome could not be recorded");
            }
            let label = match written.how {
                WrittenHow::Sent => "sent",
                WrittenHow::Replayed => "replayed",
                WrittenHow::Reconciled => "reconciled",
            };
            if key.is_some() {
                service.metrics.record_write(operation, label);
            }
            Ok(written)
        }
        (Err(Failure::Clean(err)), lease) => {
            if let Some(lease) = lease
                && let Err(state) = records.release(lease).await
            {
                tracing::warn!(error = %state, "could not release an idempotency key");
            }
            if key.is_some() {
                service.metrics.record_write(operation, "failed");
            }
            Err(err)
        }
        (Err(Failure::Unknown(err)), lease) => {
            if let Some(mut lease) = lease
                && let Err(state) = records.ambiguous(&mut lease, service.now_ms()).await
            {
                tracing::warn!(error = %state, "could not mark an idempotency key ambiguous; its lease will expire");
            }
            if key.is_some() {
                service.metrics.record_write(operation, "unknown");
            }
            Err(err)
        }
        (Err(Failure::LeaseLost), _) => {
            service.metrics.record_write(operation, "in_progress");
            Err(in_progress(service.policy.in_flight_wait))
        }
    }
}

enum Claimed {
    Lease(Lease),
    Replay(Outcome),
}

/// Claims `key`, waiting up to the configured time while another request holds it.
async fn claim_or_wait(
    service: &TicketWrites,
    key: &WriteKey,
    body: Fingerprint,
) -> Result<Claimed, (ApiError, &'static str)> {
    let started = tokio::time::Instant::now();
    loop {
        let claim = service
            .records
            .claim(key, body, service.now_ms())
            .await
            .map_err(|err| (state_unavailable(&err), "state_unavailable"))?;
        match claim {
            Claim::Acquired(lease) => return Ok(Claimed::Lease(lease)),
            Claim::Done(outcome) => return Ok(Claimed::Replay(outcome)),
            Claim::BodyMismatch => {
                return Err((
                    ApiError::validation(vec![crate::error::FieldError::new(
                        "Idempotency-Key",
                        "this key was already used with a different request body",
                    )]),
                    "failed",
                ));
            }
            Claim::InProgress { lease_left } => {
                let waited = started.elapsed();
                if waited >= service.policy.in_flight_wait {
                    return Err((
                        in_progress(lease_left.min(Duration::from_secs(5))),
                        "in_progress",
                    ));
                }
                let pause = IN_FLIGHT_POLL
                    .min(lease_left)
                    .min(service.policy.in_flight_wait - waited)
                    .max(Duration::from_millis(5));
                tokio::time::sleep(pause).await;
            }
        }
    }
}

/// Maps a lease failure before a send: a lost lease stops the request; a store failure means
/// this attempt cannot be recorded, so it is not made.
fn lease_failure(err: LeaseError, earlier_unknown: bool) -> Failure {
    match err {
        LeaseError::Lost => Failure::LeaseLost,
        LeaseError::State(state) if earlier_unknown => Failure::Unknown(state_unavailable(&state)),
        LeaseError::State(state) => Failure::Clean(state_unavailable(&state)),
    }
}

async fn drive<W: Write>(
    service: &TicketWrites,
    write: &W,
    lease: &mut Option<Lease>,
    claims: &Claims<'_>,
) -> Result<Written, Failure> {
    let records = &service.records;
    let resume = lease.as_ref().and_then(Lease::resume);
    if let Err(err) = write.prepare().await {
        return Err(if resume.is_some() {
            Failure::Unknown(err)
        } else {
            Failure::Clean(err)
        });
    }
    // Whether an earlier attempt (of this request, or the one it took over) may have acted:
    // then a later refusal no longer proves that nothing happened.
    let mut earlier_unknown = resume.is_some();
    if let Some(resume) = resume
        && let Some(outcome) = reconcile(service, write, lease, resume, claims, None).await?
    {
        return Ok(Written {
            outcome,
            how: WrittenHow::Reconciled,
        });
    }
    let mut last_error = None;
    for _ in 0..service.policy.max_sends {
        if let Some(lease) = lease.as_mut() {
            records
                .sending(lease, service.now_ms())
                .await
                .map_err(|err| lease_failure(err, earlier_unknown))?;
        }
        let started = service.now_ms();
        match write.send().await {
            Ok(outcome) => {
                if let Some(resource) = write.made(&outcome) {
                    claims.take(&resource).await;
                }
                return Ok(Written {
                    outcome,
                    how: WrittenHow::Sent,
                });
            }
            Err(err) if err.proves_nothing_happened() => {
                let api = write.refused(err).await;
                return Err(if earlier_unknown {
                    Failure::Unknown(api)
                } else {
                    Failure::Clean(api)
                });
            }
            Err(err) => {
                earlier_unknown = true;
                let resume = Resume {
                    since_ms: started,
                    settled_ms: service.now_ms(),
                };
                let attempt_id = err.request_id().map(str::to_owned);
                if let Some(outcome) =
                    reconcile(service, write, lease, resume, claims, attempt_id).await?
                {
                    return Ok(Written {
                        outcome,
                        how: WrittenHow::Reconciled,
                    });
                }
                last_error = Some(err);
            }
        }
    }
    let err = last_error.map_or_else(|| ApiError::internal(&"no send was made"), ApiError::from);
    Err(Failure::Unknown(err))
}

/// Looks for the result of the attempt `resume` describes: at once, then (if absent) once
/// more when the grace after it has passed. `Ok(None)`: it took no effect.
async fn reconcile<W: Write>(
    service: &TicketWrites,
    write: &W,
    lease: &mut Option<Lease>,
    resume: Resume,
    claims: &Claims<'_>,
    attempt_upstream_id: Option<String>,
) -> Result<Option<Outcome>, Failure> {
    let policy = service.policy;
    let skew = i64::try_from(policy.clock_skew.as_millis()).unwrap_or(i64::MAX);
    let grace = i64::try_from(policy.reconcile_grace.as_millis()).unwrap_or(i64::MAX);
    let since = resume.since_ms.saturating_sub(skew);
    let believed_at = resume.settled_ms.saturating_add(grace);
    // Two looks at most: now, and once the grace has passed.
    for look in 0..2 {
        if let Some(lease) = lease.as_mut() {
            service
                .records
                .renew(lease, service.now_ms())
                .await
                .map_err(|err| lease_failure(err, true))?;
        }
        let mut looked = write.find(since, claims).await;
        for _ in 1..FIND_TRIES {
            if looked.is_ok() {
                break;
            }
            tokio::time::sleep(FIND_RETRY_PAUSE).await;
            looked = write.find(since, claims).await;
        }
        let (found, list_id) = match looked {
            Ok(found) => found,
            Err(err) => {
                service
                    .metrics
                    .record_reconciliation(W::OPERATION, "failed");
                tracing::warn!(
                    operation = W::OPERATION,
                    error = %err,
                    attempt_upstream_request_id = attempt_upstream_id.as_deref().unwrap_or(""),
                    "reconciliation could not read the upstream; the write's outcome stays unknown"
                );
                return Err(Failure::Unknown(err));
            }
        };
        if let Some(outcome) = found {
            service.metrics.record_reconciliation(W::OPERATION, "found");
            tracing::info!(
                operation = W::OPERATION,
                ticket_id = %outcome.id,
                attempt_upstream_request_id = attempt_upstream_id.as_deref().unwrap_or(""),
                list_upstream_request_id = list_id.as_deref().unwrap_or(""),
                "reconciled: the attempt whose answer was lost took effect"
            );
            return Ok(Some(Outcome {
                upstream_request_id: outcome.upstream_request_id.or(list_id),
                ..outcome
            }));
        }
        let now = service.now_ms();
        if now >= believed_at || look == 1 {
            service
                .metrics
                .record_reconciliation(W::OPERATION, "not_found");
            tracing::info!(
                operation = W::OPERATION,
                attempt_upstream_request_id = attempt_upstream_id.as_deref().unwrap_or(""),
                list_upstream_request_id = list_id.as_deref().unwrap_or(""),
                "reconciled: the attempt whose answer was lost took no effect; sending again"
            );
            return Ok(None);
        }
        let wait = u64::try_from(believed_at - now).unwrap_or(0);
        tokio::time::sleep(Duration::from_millis(wait)).await;
    }
    Ok(None)
}
