//! Replay protection with bounded memory: a nonce is refused if seen within the last window
//! (15 minutes, the span the real gateway documents).
//!
//! Two buckets rotate every window, so a nonce is remembered for at least one window and at
//! most two. Only a keyed 64-bit hash of each nonce is kept (collisions are 2^-64 events), and
//! each bucket holds at most `cap` entries: past that the older bucket is forgotten early. So
//! memory per account is bounded by `2 × cap` hashes whatever the request rate; above
//! `cap / window` requests per second per account the replay horizon shrinks below the window.

use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};
use std::time::{Duration, Instant};

/// The window within which a nonce must not repeat.
pub(crate) const NONCE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Entries per bucket before an early rotation (about 16 MB per bucket at most).
pub(crate) const NONCE_BUCKET_CAP: usize = 1 << 20;

/// One account's recently seen nonces.
#[derive(Debug)]
pub(crate) struct NonceMemory {
    hasher: RandomState,
    current: HashSet<u64>,
    previous: HashSet<u64>,
    bucket_started: Instant,
    window: Duration,
    cap: usize,
}

impl NonceMemory {
    pub fn new(window: Duration, cap: usize) -> Self {
        Self {
            hasher: RandomState::new(),
            current: HashSet::new(),
            previous: HashSet::new(),
            bucket_started: Instant::now(),
            window,
            cap: cap.max(1),
        }
    }

    /// Records `nonce`; `false` when it was already seen within the window.
    pub fn remember(&mut self, nonce: &str, now: Instant) -> bool {
        let age = now.saturating_duration_since(self.bucket_started);
        if age >= self.window * 2 {
            self.current.clear();
            self.previous.clear();
            self.bucket_started = now;
        } else if age >= self.window {
            self.rotate(now);
        }
        let key = self.hasher.hash_one(nonce);
        if self.current.contains(&key) || self.previous.contains(&key) {
            return false;
        }
        if self.current.len() >= self.cap {
            self.rotate(now);
        }
        self.current.insert(key);
        true
    }

    fn rotate(&mut self, now: Instant) {
        self.previous = std::mem::take(&mut self.current);
        self.bucket_started = now;
    }

    /// Hashes held, for tests of the bound.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.current.len() + self.previous.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_refused_within_the_window_and_accepted_after_two() {
        let start = Instant::now();
        let mut memory = NonceMemory::new(Duration::from_secs(60), 100);
        assert!(memory.remember("n1", start));
        assert!(!memory.remember("n1", start + Duration::from_secs(59)));
        assert!(!memory.remember("n1", start + Duration::from_secs(61)));
        assert!(memory.remember("n1", start + Duration::from_secs(200)));
    }

    #[test]
    fn memory_stays_bounded_under_a_flood() {
        let now = Instant::now();
        let mut memory = NonceMemory::new(Duration::from_secs(900), 10);
        for i in 0..1000 {
            assert!(memory.remember(&format!("nonce-{i}"), now));
        }
        assert!(memory.len() <= 20, "{}", memory.len());
        assert!(!memory.remember("nonce-999", now));
    }
}
