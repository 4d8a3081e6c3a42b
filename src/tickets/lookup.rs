//! Reads the ticket services share: finding one ticket within the caller's tenant, and the
//! audit event of a ticket write.

use crate::error::ApiError;
use crate::tenants::Principal;
use crate::upstream::UpstreamClient;
use crate::upstream::UpstreamError;
use crate::validation::is_ticket_id;
use workorder_api::Language;
use workorder_api::actions::{ListTickets, TicketSummary};
use workorder_api::v2021::{GetTicket, TicketDetail};

/// Looks a ticket up in the caller's tenant. 404 `ticket_not_found` for malformed ids (without
/// an upstream call) and for ids the tenant's account does not have — another tenant's ticket
/// is indistinguishable from a missing one.
pub async fn find_ticket(
    client: &UpstreamClient,
    principal: &Principal,
    id: &str,
    language: Language,
) -> Result<(TicketSummary, Option<String>), ApiError> {
    if !is_ticket_id(id) {
        return Err(ApiError::ticket_not_found(id));
    }
    let answer = client
        .call(
            &principal.tenant.target,
            &ListTickets {
                ids: vec![id.to_owned()],
                page_start: Some(1),
                page_size: Some(1),
                language: Some(language),
                ..ListTickets::default()
            },
        )
        .await?;
    let request_id = answer.request_id;
    let found = answer
        .data
        .list
        .into_iter()
        .find(|t| t.id == id)
        .map(|t| (t, request_id.clone()))
        .ok_or_else(|| ApiError::ticket_not_found(id).with_upstream_request_id(request_id))?;
    principal.tenant.known_tickets.remember([id]);
    Ok(found)
}

/// Makes sure the ticket is the tenant's, without an upstream call when its account has shown
/// the ticket lately ([`super::KnownTickets`]); otherwise as [`find_ticket`]. For the
/// sub-routes whose own upstream call then answers for the ticket (notes, close, reopen,
/// rating, events).
pub async fn ensure_ticket(
    client: &UpstreamClient,
    principal: &Principal,
    id: &str,
    language: Language,
) -> Result<(), ApiError> {
    if is_ticket_id(id) && principal.tenant.known_tickets.contains(id) {
        return Ok(());
    }
    find_ticket(client, principal, id, language).await.map(drop)
}

/// Reads one ticket in one call (Workorder 2021-06-10 `GetTicket`), for a `2021-06-10`
/// tenant. 404 `ticket_not_found` for malformed ids (no call) and for ids the account does not
/// have (the upstream's `illegal.param`).
pub async fn get_ticket_2021(
    client: &UpstreamClient,
    principal: &Principal,
    id: &str,
) -> Result<(TicketDetail, Option<String>), ApiError> {
    if !is_ticket_id(id) {
        return Err(ApiError::ticket_not_found(id));
    }
    let answer = client
        .call(
            &principal.tenant.target,
            &GetTicket {
                ticket_id: id.to_owned(),
                uid: None,
            },
        )
        .await
        .map_err(|err| match err {
            UpstreamError::InvalidParameter(fault) => {
                ApiError::ticket_not_found(id).with_upstream_request_id(fault.request_id)
            }
            other => ApiError::from(other),
        })?;
    principal.tenant.known_tickets.remember([id]);
    Ok((answer.data, answer.request_id))
}

/// Writes one audit event (log target `audit`) for a ticket write. Never contents.
pub fn audit(
    principal: &Principal,
    action: &'static str,
    ticket_id: Option<&str>,
    outcome: &str,
    upstream_request_id: Option<&str>,
) {
    tracing::info!(
        target: "audit",
        tenant = %principal.tenant.id,
        user = %principal.user,
        action,
        ticket_id = ticket_id.unwrap_or(""),
        outcome,
        request_id = crate::telemetry::request_id::current().unwrap_or_default(),
        upstream_request_id = upstream_request_id.unwrap_or(""),
        "ticket write"
    );
}
