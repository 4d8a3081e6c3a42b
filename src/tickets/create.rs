//! Filing a ticket exactly once (`POST /tickets`).
//!
//! Reconciliation: the tickets of the tenant's account created since the attempt began (less
//! the clock-skew margin), of the same product, with the same title when one was given, whose
//! first note — the ticket's content — has the same keyed hash as the request's content, and
//! that no other write has claimed. `ListTickets` in API 2020-03-26 does not report a ticket's
//! category, so the category cannot take part in the match.
//!
//! The create-time check runs against the tenant's own version's catalog: a `2021-06-10`
//! tenant's `productCode` is a 2021 `ProductId` and its `categoryId` a 2021 `CategoryId` (sent
//! as CreateTicket's `CategoryId`); a 2020 id there is a field error before any upstream write.

use super::Backends;
use super::exactly_once::{Claims, Write, Written, WrittenHow, audit_written, run};
use crate::catalog::CategoryCheck;
use crate::error::{ApiError, ErrorCode, FieldError};
use crate::settings::ApiVersion;
use crate::state::Fingerprint;
use crate::state::writes::{Outcome, WriteKey};
use crate::tenants::Principal;
use crate::upstream::UpstreamError;
use workorder_api::Language;
use workorder_api::actions::{CreateTicket, ListTicketNotes, ListTickets, Note};
use workorder_api::v2021::CreateTicket as V2021Create;

/// Pages of `ListTickets` read while looking for a lost create (100 tickets each).
const MAX_PAGES: u32 = 5;
/// Candidates whose notes are read while looking for a lost create.
const MAX_CANDIDATES: usize = 25;

/// Files `request` for the principal's tenant, exactly once per `key` (or per request).
pub async fn create_ticket(
    backends: Backends<'_>,
    principal: &Principal,
    request: &CreateTicket,
    v2021: Option<&V2021Create>,
    language: Language,
    key: Option<&str>,
    body: &[u8],
) -> Result<Written, ApiError> {
    let writes = backends.writes;
    let fingerprinter = writes.fingerprinter();
    let tenant = principal.tenant.id.as_str();
    let key =
        key.map(|k| WriteKey::new(fingerprinter, tenant, &principal.user, "create_ticket", k));
    let write = CreateWrite {
        backends,
        principal,
        request,
        v2021,
        language,
        content: content_fingerprint(fingerprinter, &request.content),
    };
    let body = fingerprinter.of("body", &[body]);
    let result = run(writes, &write, tenant, key, body).await;
    // Ownership matters only to `ticket_visibility = "own"`, which needs the shared store.
    if let Ok(written) = &result
        && written.how != WrittenHow::Replayed
        && writes.records_ownership()
        && let Err(err) = writes
            .record_owner(tenant, &principal.user, &written.outcome.id)
            .await
    {
        // The ticket exists; only an own-visibility tenant's user would miss it in lists.
        tracing::warn!(error = %err, ticket_id = %written.outcome.id, "ticket owner not recorded");
    }
    audit_written(principal, "CreateTicket", None, &result);
    result
}

/// The keyed hash a content is compared by (trimmed: surrounding blanks are not content).
pub(super) fn content_fingerprint(
    fingerprinter: &crate::state::Fingerprinter,
    content: &str,
) -> Fingerprint {
    fingerprinter.of("content", &[content.trim().as_bytes()])
}

struct CreateWrite<'a> {
    backends: Backends<'a>,
    principal: &'a Principal,
    request: &'a CreateTicket,
    /// What a `2021-06-10` tenant sends instead of `request` (same category and content,
    /// plus severity and attachments); `request` still drives the checks and reconciliation.
    v2021: Option<&'a V2021Create>,
    language: Language,
    content: Fingerprint,
}

impl Write for CreateWrite<'_> {
    const OPERATION: &'static str = "create_ticket";

    async fn prepare(&self) -> Result<(), ApiError> {
        let request = self.request;
        let verdict = self
            .backends
            .catalog
            .check_category(
                &self.principal.tenant.target,
                self.principal.tenant.api_version,
                self.language,
                &request.product_code,
                request.category_id,
            )
            .await
            .map_err(ApiError::from)?;
        // Which namespace the tenant's ids are in, for a caller who mixed the two up.
        let namespace = match self.principal.tenant.api_version {
            ApiVersion::V2020 => "",
            ApiVersion::V2021 => {
                " (this tenant uses Workorder API 2021-06-10: product codes and category ids \
                 are 2021's, from GET /products and GET /products/{code}/categories)"
            }
        };
        let field_error = match verdict.check {
            CategoryCheck::Valid => return Ok(()),
            CategoryCheck::UnknownProduct => FieldError::new(
                "productCode",
                format!(
                    "product {} is not in the catalog{namespace}",
                    request.product_code
                ),
            ),
            CategoryCheck::CategoryNotInProduct => FieldError::new(
                "categoryId",
                format!(
                    "categoryId {} does not belong to product {}{namespace}",
                    request.category_id, request.product_code
                ),
            ),
        };
        Err(ApiError::validation(vec![field_error])
            .with_upstream_request_id(verdict.upstream_request_id.map(|id| id.to_string())))
    }

    async fn send(&self) -> Result<Outcome, UpstreamError> {
        let target = &self.principal.tenant.target;
        let answer = match self.v2021 {
            Some(v2021) => self.backends.client.call(target, v2021).await?,
            None => self.backends.client.call(target, self.request).await?,
        };
        Ok(Outcome {
            id: answer.data.id,
            note_id: None,
            upstream_request_id: answer.request_id,
        })
    }

    async fn find(
        &self,
        since_ms: i64,
        claims: &Claims<'_>,
    ) -> Result<(Option<Outcome>, Option<String>), ApiError> {
        let tenant = &self.principal.tenant;
        let client = self.backends.client;
        let wanted_title = self.request.title.as_deref().map(str::trim);
        let mut list_id = None;
        let mut looked_at = 0;
        for page in 1..=MAX_PAGES {
            let answer = client
                .call(
                    &tenant.target,
                    &ListTickets {
                        created_after: Some(since_ms.div_euclid(1000)),
                        // A 2021 create names only its category: whether the 2020 list files it
                        // under the same product code is not documented, so no filter then.
                        product_code: self
                            .v2021
                            .is_none()
                            .then(|| self.request.product_code.clone()),
                        page_start: Some(page),
                        page_size: Some(100),
                        language: Some(self.language),
                        ..ListTickets::default()
                    },
                )
                .await?;
            list_id = answer.request_id.or(list_id);
            let listed = answer.data.list.len();
            for ticket in answer.data.list {
                if wanted_title.is_some_and(|t| ticket.title.as_deref().map(str::trim) != Some(t)) {
                    continue;
                }
                let resource = format!("ticket:{}", ticket.id);
                if claims.held_by_another(&resource).await {
                    continue;
                }
                if looked_at == MAX_CANDIDATES {
                    // Not every candidate was examined: "not found" would be a guess.
                    return Err(ApiError::new(
                        actix_web::http::StatusCode::BAD_GATEWAY,
                        ErrorCode::UpstreamError,
                        "the Workorder API's answer was lost and too many similar new tickets \
                         exist to tell whether this one was made; retry with the same \
                         Idempotency-Key",
                    )
                    .with_upstream_request_id(list_id));
                }
                looked_at += 1;
                let notes = client
                    .call(
                        &tenant.target,
                        &ListTicketNotes {
                            ticket_id: ticket.id.clone(),
                            language: Some(self.language),
                        },
                    )
                    .await?;
                let matches = first_user_note(&notes.data.list).is_some_and(|note| {
                    content_fingerprint(self.backends.writes.fingerprinter(), &note.content)
                        == self.content
                });
                if matches && claims.take(&resource).await {
                    return Ok((
                        Some(Outcome {
                            id: ticket.id,
                            note_id: None,
                            upstream_request_id: None,
                        }),
                        list_id,
                    ));
                }
            }
            if listed < 100 {
                return Ok((None, list_id));
            }
        }
        // More pages than were read: as above, "not found" would be a guess.
        Err(ApiError::new(
            actix_web::http::StatusCode::BAD_GATEWAY,
            ErrorCode::UpstreamError,
            "the Workorder API's answer was lost and too many new tickets exist to tell whether \
             this one was made; retry with the same Idempotency-Key",
        )
        .with_upstream_request_id(list_id))
    }

    fn made(&self, outcome: &Outcome) -> Option<String> {
        Some(format!("ticket:{}", outcome.id))
    }
}

/// The ticket's opening note: the earliest that is not the support engineer's.
fn first_user_note(notes: &[Note]) -> Option<&Note> {
    notes
        .iter()
        .enumerate()
        .filter(|(_, n)| !n.from_official)
        .min_by_key(|(index, n)| (n.gmt_created, *index))
        .map(|(_, n)| n)
}
