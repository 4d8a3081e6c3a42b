//! Who filed which ticket, for tenants with `ticket_visibility = "own"`: each ticket created
//! through the gateway is recorded as its creator's (`sub`), and each user has an index of
//! their most recent tickets, both in the shared state. Users of such a tenant then reach only
//! their own tickets (others' answer 404, exactly like a ticket that does not exist), unless
//! they hold `tickets:read:all` / `tickets:write:all`.
//!
//! Invariants: the check happens before any upstream call, so nothing about another user's
//! ticket reaches the caller; a ticket with no recorded owner (filed outside the gateway) is
//! nobody's own; ownership records live `OWNER_TTL`, the index holds `OWNED_INDEX_MAX` ids.

use std::time::Duration;

use actix_web::http::StatusCode;

use super::TicketWrites;
use crate::auth::Permission;
use crate::error::{ApiError, ErrorCode};
use crate::settings::TicketVisibility;
use crate::state::StateError;
use crate::tenants::Principal;

/// How long a ticket's creator is remembered: tickets stay readable upstream for years.
const OWNER_TTL: Duration = Duration::from_secs(3 * 365 * 86_400);
/// Most ticket ids in one user's index (the newest); `GET /tickets` of an own-view user lists
/// among these.
pub const OWNED_INDEX_MAX: usize = 100;
/// Compare-and-swap retries when two requests of one user update the index at once.
const INDEX_SWAP_TRIES: usize = 16;

/// What the caller wants to do with a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read it or its notes.
    Read,
    /// Reply to or close it.
    Write,
}

/// Whether `principal` is limited to their own tickets for `access`.
pub fn limited_to_own(principal: &Principal, access: Access) -> bool {
    let wide = match access {
        Access::Read => Permission::TicketsReadAll,
        Access::Write => Permission::TicketsWriteAll,
    };
    principal.tenant.visibility == TicketVisibility::Own && !principal.permissions.contains(wide)
}

fn state_unavailable(err: &StateError) -> ApiError {
    tracing::warn!(error = %err, "ticket ownership unavailable");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::StateUnavailable,
        "ticket ownership cannot be checked: the gateway cannot reach its shared state",
    )
    .with_retry_after(Duration::from_secs(2))
}

impl TicketWrites {
    fn index_key(&self, user: &str) -> String {
        format!(
            "owned:{}",
            self.fingerprinter
                .of("owner-index", &[user.as_bytes()])
                .to_hex()
        )
    }

    /// Whether creators are recorded: with the shared (Redis) store only, since own visibility
    /// is refused on the memory backend and records there would only take room.
    pub fn records_ownership(&self) -> bool {
        self.records.store().is_shared()
    }

    /// Records `user` as the creator of `ticket_id` and adds it to their index.
    pub async fn record_owner(
        &self,
        tenant: &str,
        user: &str,
        ticket_id: &str,
    ) -> Result<(), StateError> {
        let store = self.records.store();
        store
            .compare_and_swap(
                tenant,
                &format!("owner:ticket:{ticket_id}"),
                None,
                Some(user),
                OWNER_TTL,
            )
            .await?;
        let key = self.index_key(user);
        for _ in 0..INDEX_SWAP_TRIES {
            let current = store.get(tenant, &key).await?;
            let mut ids: Vec<String> = current
                .as_deref()
                .and_then(|c| serde_json::from_str(c).ok())
                .unwrap_or_default();
            if ids.iter().any(|id| id == ticket_id) {
                return Ok(());
            }
            ids.insert(0, ticket_id.to_owned());
            ids.truncate(OWNED_INDEX_MAX);
            let new = serde_json::to_string(&ids)
                .unwrap_or_else(|_| unreachable!("a list of strings serializes"));
            if store
                .compare_and_swap(tenant, &key, current.as_deref(), Some(&new), OWNER_TTL)
                .await?
            {
                return Ok(());
            }
        }
        Err(StateError("ticket index contended".into()))
    }

    /// The newest tickets `user` created through the gateway, newest first.
    pub async fn owned_ids(&self, tenant: &str, user: &str) -> Result<Vec<String>, ApiError> {
        let raw = self
            .records
            .store()
            .get(tenant, &self.index_key(user))
            .await
            .map_err(|e| state_unavailable(&e))?;
        Ok(raw
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok())
            .unwrap_or_default())
    }

    /// 404 `ticket_not_found` unless `principal` may reach `ticket_id` for `access`: always on
    /// tenant-wide visibility, else only their own tickets (or with the `:all` permission).
    pub async fn ensure_reachable(
        &self,
        principal: &Principal,
        ticket_id: &str,
        access: Access,
    ) -> Result<(), ApiError> {
        if !limited_to_own(principal, access) {
            return Ok(());
        }
        let owner = self
            .records
            .store()
            .get(&principal.tenant.id, &format!("owner:ticket:{ticket_id}"))
            .await
            .map_err(|e| state_unavailable(&e))?;
        if owner.as_deref() == Some(principal.user.as_str()) {
            Ok(())
        } else {
            Err(ApiError::ticket_not_found(ticket_id))
        }
    }
}
