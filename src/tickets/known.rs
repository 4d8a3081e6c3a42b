//! [`KnownTickets`]: ticket ids the tenant's upstream account has shown to be its own (in a
//! list, a read or a create), so the ticket sub-routes (notes, close, reopen, rating, events)
//! make one upstream call instead of first looking the ticket up with `ListTickets`.
//!
//! Tenant isolation stays exact: one cache per tenant, built with the tenant and so emptied by
//! every configuration reload (which may point the tenant at another account); an id it does
//! not hold is looked up as before. Only ownership is remembered, never a status (a reply to a
//! completed ticket is refused by the upstream itself, and only then is the status read).

use std::time::Duration;

/// Most ids remembered per tenant.
pub const MAX_PER_TENANT: u64 = 10_000;
/// How long an id is remembered (ownership never changes; this only bounds staleness after
/// an upstream-side change no one told the gateway about).
pub const REMEMBERED_FOR: Duration = Duration::from_secs(600);

/// See the module documentation.
#[derive(Debug, Clone)]
pub struct KnownTickets(moka::sync::Cache<String, ()>);

impl Default for KnownTickets {
    fn default() -> Self {
        Self(
            moka::sync::Cache::builder()
                .max_capacity(MAX_PER_TENANT)
                .time_to_live(REMEMBERED_FOR)
                .build(),
        )
    }
}

impl KnownTickets {
    /// Whether the tenant's account has shown this ticket lately.
    pub fn contains(&self, id: &str) -> bool {
        self.0.contains_key(id)
    }

    /// Remembers ids the tenant's account has just shown. An id already held is left as it
    /// is (its `REMEMBERED_FOR` keeps counting from when it was first shown): a list page
    /// shows mostly known ids, and a read costs a fraction of moka's insert (issue 12).
    pub fn remember<'a>(&self, ids: impl IntoIterator<Item = &'a str>) {
        for id in ids {
            if !self.0.contains_key(id) {
                self.0.insert(id.to_owned(), ());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_what_it_was_shown_and_nothing_else() {
        let known = KnownTickets::default();
        known.remember(["A1", "B2"]);
        assert!(known.contains("A1") && known.contains("B2"));
        assert!(!known.contains("C3"));
        assert!(
            !KnownTickets::default().contains("A1"),
            "one cache per tenant"
        );
    }
}
