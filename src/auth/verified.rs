//! [`VerifiedTokens`]: tokens this authenticator has verified already, so a frontend's many
//! calls with one token skip the signature and claim checks (two base64 decodes, JSON parsing,
//! and an HMAC, RSA or ECDSA verification) after the first.
//!
//! - Keyed by a 128-bit SipHash-2-4 of the exact token under a random key of this cache: the
//!   token (a secret) is never stored, and without the key nobody can make another token land
//!   on a cached token's entry.
//! - Only successes are cached. An entry holds the caller's [`Claims`] and the last second the
//!   library would still accept its `exp` (with the leeway); a lookup after that is a miss, so
//!   the token goes through the full checks again and is refused as expired.
//! - Bounded: at most [`MAX_ENTRIES`] tokens, each kept at most [`MAX_AGE`], which also bounds
//!   how long a key withdrawn from the JWKS keeps honouring tokens it signed before.
//! - Each [`super::Authenticator`] has its own: a configuration reload starts empty.

use std::hash::Hasher as _;
use std::time::Duration;

use siphasher::sip128::{Hasher128 as _, SipHasher24};

use super::claims::Claims;

/// Most tokens remembered (one entry is a few hundred bytes: about 2 MB in all).
pub const MAX_ENTRIES: u64 = 10_000;
/// Longest time a token is served from the cache without its checks running again.
pub const MAX_AGE: Duration = Duration::from_secs(60);

/// What a verified token said, and until when it holds.
#[derive(Clone)]
struct Verified {
    claims: Claims,
    /// Epoch second up to which the token's `exp` (plus the leeway) is still accepted.
    accepted_until: u64,
}

/// The cache; see the module documentation.
pub struct VerifiedTokens {
    key: [u8; 16],
    entries: moka::sync::Cache<u128, Verified>,
}

impl Default for VerifiedTokens {
    fn default() -> Self {
        Self {
            key: rand::random(),
            entries: moka::sync::Cache::builder()
                .max_capacity(MAX_ENTRIES)
                .time_to_live(MAX_AGE)
                .build(),
        }
    }
}

impl VerifiedTokens {
    /// The claims of `token` when it was verified before and its `exp` still holds at `now`.
    pub fn get(&self, token: &str, now: u64) -> Option<Claims> {
        self.entries
            .get(&self.fingerprint(token))
            .filter(|hit| now <= hit.accepted_until)
            .map(|hit| hit.claims)
    }

    /// Remembers a token that passed every check, accepted until `accepted_until`.
    pub fn insert(&self, token: &str, claims: Claims, accepted_until: u64) {
        self.entries.insert(
            self.fingerprint(token),
            Verified {
                claims,
                accepted_until,
            },
        );
    }

    fn fingerprint(&self, token: &str) -> u128 {
        let mut hasher = SipHasher24::new_with_key(&self.key);
        hasher.write(token.as_bytes());
        hasher.finish128().as_u128()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Permissions;

    fn claims(subject: &str) -> Claims {
        Claims {
            subject: subject.into(),
            tenant: "demo".into(),
            permissions: Permissions::empty(),
            expires_at: 1_000,
        }
    }

    #[test]
    fn a_hit_holds_until_exp_and_the_leeway_have_passed() {
        let cache = VerifiedTokens::default();
        cache.insert("a.b.c", claims("alice"), 1_000);
        assert_eq!(
            cache.get("a.b.c", 999).map(|c| c.subject),
            Some("alice".into())
        );
        assert_eq!(
            cache.get("a.b.c", 1_000).map(|c| c.subject),
            Some("alice".into())
        );
        assert!(
            cache.get("a.b.c", 1_001).is_none(),
            "past exp: verify again"
        );
    }

    #[test]
    fn only_the_exact_token_hits() {
        let cache = VerifiedTokens::default();
        cache.insert("a.b.c", claims("alice"), u64::MAX);
        for other in ["a.b.d", "a.b.c ", "A.b.c", "a.b", ""] {
            assert!(cache.get(other, 0).is_none(), "{other:?}");
        }
    }

    #[test]
    fn two_caches_key_the_same_token_differently() {
        let (one, two) = (VerifiedTokens::default(), VerifiedTokens::default());
        assert_ne!(one.fingerprint("a.b.c"), two.fingerprint("a.b.c"));
    }
}
