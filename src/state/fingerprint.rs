//! Keyed hashes of what a write carried: the request body (to refuse a key reused with another
//! body) and the ticket or note content (to recognise, during reconciliation, a ticket the
//! upstream made from a lost attempt). Keyed (HMAC-SHA256) so that a hash in the state store
//! reveals nothing about a short or guessable content; replicas sharing a store must share the
//! key (`state.fingerprint_secret_*`), otherwise each process draws its own.

use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;

/// A keyed hash, rendered as lowercase hex where it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// Lowercase hex, as stored.
    pub fn to_hex(self) -> String {
        hex::encode(self.0)
    }
}

/// Computes fingerprints under one secret key.
#[derive(Clone)]
pub struct Fingerprinter {
    key: secrecy::SecretSlice<u8>,
}

impl std::fmt::Debug for Fingerprinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fingerprinter([REDACTED])")
    }
}

impl Fingerprinter {
    /// Fingerprints under `secret` (shared by every replica of one deployment).
    pub fn new(secret: &[u8]) -> Self {
        Self {
            key: secret.to_vec().into(),
        }
    }

    /// Fingerprints under a key drawn for this process only (one replica).
    pub fn random() -> Self {
        let mut key = [0u8; 32];
        rand::Rng::fill(&mut rand::rng(), &mut key);
        Self::new(&key)
    }

    /// The fingerprint of `parts`, each length-prefixed so that no two lists collide.
    pub fn of(&self, domain: &str, parts: &[&[u8]]) -> Fingerprint {
        let key = secrecy::ExposeSecret::expose_secret(&self.key);
        let mut mac = Hmac::<Sha256>::new_from_slice(key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        mac.update(domain.as_bytes());
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        Fingerprint(mac.finalize().into_bytes().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_inputs_under_one_key_agree_and_keys_or_parts_change_the_hash() {
        let a = Fingerprinter::new(b"k1");
        let b = Fingerprinter::new(b"k1");
        let c = Fingerprinter::new(b"k2");
        assert_eq!(a.of("body", &[b"x"]), b.of("body", &[b"x"]));
        assert_ne!(a.of("body", &[b"x"]), c.of("body", &[b"x"]));
        assert_ne!(a.of("body", &[b"ab", b"c"]), a.of("body", &[b"a", b"bc"]));
        assert_ne!(a.of("body", &[b"x"]), a.of("note", &[b"x"]));
    }
}
