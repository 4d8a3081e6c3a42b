//! The permissions the gateway knows (`tickets:read`, `tickets:write`, and their tenant-wide
//! forms `tickets:read:all`, `tickets:write:all`) and a small set of them, filled from a token's
//! roles claim and OAuth `scope`. A tenant-wide form implies the plain one; it matters only for
//! tenants with `ticket_visibility = "own"`, whose users otherwise reach only their own tickets.
//!
//! Invariant: unknown permission strings are ignored, never an error: IdPs put many unrelated
//! roles and scopes (`openid`, `profile`, …) in the same claims.

use std::fmt;

/// One thing a caller may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// `tickets:read`: GET on tickets and notes.
    TicketsRead,
    /// `tickets:write`: POST on tickets, notes and close.
    TicketsWrite,
    /// `tickets:read:all`: read every ticket of the tenant, not only one's own.
    TicketsReadAll,
    /// `tickets:write:all`: reply to and close every ticket of the tenant.
    TicketsWriteAll,
}

impl Permission {
    /// Every permission, in a stable order.
    pub const ALL: [Permission; 4] = [
        Permission::TicketsRead,
        Permission::TicketsWrite,
        Permission::TicketsReadAll,
        Permission::TicketsWriteAll,
    ];

    /// The string form used in tokens (`tickets:read`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Permission::TicketsRead => "tickets:read",
            Permission::TicketsWrite => "tickets:write",
            Permission::TicketsReadAll => "tickets:read:all",
            Permission::TicketsWriteAll => "tickets:write:all",
        }
    }

    /// The plain permission a tenant-wide one implies.
    const fn implied(self) -> Option<Permission> {
        match self {
            Permission::TicketsReadAll => Some(Permission::TicketsRead),
            Permission::TicketsWriteAll => Some(Permission::TicketsWrite),
            _ => None,
        }
    }

    /// Parses the token string form; `None` for anything else (which callers ignore).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    const fn bit(self) -> u8 {
        match self {
            Permission::TicketsRead => 1,
            Permission::TicketsWrite => 2,
            Permission::TicketsReadAll => 4,
            Permission::TicketsWriteAll => 8,
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of [`Permission`]s (a bit set: copying it costs nothing).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Permissions(u8);

impl Permissions {
    /// The empty set.
    pub const fn empty() -> Self {
        Permissions(0)
    }

    /// Whether `permission` is in the set.
    pub const fn contains(self, permission: Permission) -> bool {
        self.0 & permission.bit() != 0
    }

    /// Adds `permission` to the set.
    pub fn insert(&mut self, permission: Permission) {
        self.0 |= permission.bit();
        if let Some(implied) = permission.implied() {
            self.0 |= implied.bit();
        }
    }

    /// Whether the set holds no permission.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The union of both sets.
    #[must_use]
    pub const fn union(self, other: Permissions) -> Self {
        Permissions(self.0 | other.0)
    }

    /// The permissions in the set, in [`Permission::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL
            .into_iter()
            .filter(move |p| self.contains(*p))
    }

    /// Adds the permission named by `s`, ignoring unknown names.
    pub(crate) fn insert_str(&mut self, s: &str) {
        if let Some(p) = Permission::parse(s) {
            self.insert(p);
        }
    }

    /// The permissions named in a space-separated list (the OAuth `scope` format).
    pub(crate) fn from_space_separated(s: &str) -> Self {
        let mut set = Permissions::empty();
        s.split_ascii_whitespace().for_each(|p| set.insert_str(p));
        set
    }
}

impl FromIterator<Permission> for Permissions {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        let mut set = Permissions::empty();
        iter.into_iter().for_each(|p| set.insert(p));
        set
    }
}

impl fmt::Debug for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.iter().map(Permission::as_str))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_permission_strings_parse_and_unknown_ones_do_not() {
        let cases = [
            ("tickets:read", Some(Permission::TicketsRead)),
            ("tickets:write", Some(Permission::TicketsWrite)),
            ("tickets:read:all", Some(Permission::TicketsReadAll)),
            ("tickets:write:all", Some(Permission::TicketsWriteAll)),
            ("tickets:admin", None),
            ("Tickets:Read", None),
            ("", None),
        ];
        for (input, expected) in cases {
            assert_eq!(Permission::parse(input), expected, "{input:?}");
        }
    }

    #[test]
    fn scope_string_yields_only_known_permissions() {
        let set = Permissions::from_space_separated("openid  tickets:write profile\ttickets:read");

        assert!(set.contains(Permission::TicketsRead));
        assert!(set.contains(Permission::TicketsWrite));
        assert_eq!(set.iter().count(), 2);
    }

    #[test]
    fn a_tenant_wide_permission_implies_the_plain_one() {
        let set = Permissions::from_space_separated("tickets:read:all");
        assert!(set.contains(Permission::TicketsRead));
        assert!(set.contains(Permission::TicketsReadAll));
        assert!(!set.contains(Permission::TicketsWrite));
        assert_eq!(set.iter().count(), 2);
    }

    #[test]
    fn union_holds_permissions_of_both_sets() {
        let read: Permissions = [Permission::TicketsRead].into_iter().collect();
        let write: Permissions = [Permission::TicketsWrite].into_iter().collect();

        let both = read.union(write);

        assert!(both.contains(Permission::TicketsRead) && both.contains(Permission::TicketsWrite));
        assert!(!read.contains(Permission::TicketsWrite));
        assert!(Permissions::empty().is_empty());
    }
}
