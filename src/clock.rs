//! The one clock every time-dependent rule of the gateway reads: the circuit breaker's open
//! period, the rate limiters' refills, the idempotency leases and windows, the memory state
//! store's lifetimes and the catalog's freshness. It is passed in at construction
//! ([`crate::app::Application::build_with_clock`] hands it to everything), never read from a
//! global, so a test or a simulation holding a [`Clock::manual`] decides when time passes.
//!
//! Two readings: [`Clock::now`] is monotonic (an [`Instant`]) and is what durations are measured
//! with; [`Clock::now_ms`] is wall time (milliseconds since the Unix epoch) and is used only
//! where a rule needs wall time — values shared with other replicas through the state store
//! (lease expiries, attempt times) and times compared with the upstream's own timestamps.
//!
//! A manual clock starts at the moment it is made and moves only when advanced; both readings
//! move together. Waiting itself (pauses between polls, the backoff of retries) still uses
//! Tokio's timer: a pause is not a rule, and a rule checks the clock when the pause ends.
//!
//! Invariant: what a rule needs to expire is stored with its expiry instant from this clock and
//! checked on read. Caches (moka) only bound memory; their own timers are not the rule, because
//! they cannot be driven by a manual clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What [`Clock::cache_lifetime`] answers on a manual clock (moka refuses more than 1000 years).
const MANUAL_CACHE_LIFETIME: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// A source of time: the system's, or a manual one tests advance. Cheap to clone; clones of a
/// manual clock share its time.
#[derive(Debug, Clone)]
pub struct Clock {
    manual: Option<Arc<Manual>>,
}

/// The state of a manual clock: where it started and how far it was advanced.
#[derive(Debug)]
struct Manual {
    started: Instant,
    started_ms: i64,
    advanced_ns: AtomicU64,
}

impl Clock {
    /// The system's clocks (monotonic and wall).
    pub fn system() -> Self {
        Self { manual: None }
    }

    /// A clock that stands still until [`Clock::advance`] moves it. It starts at the system's
    /// current time, so wall readings stay plausible (the upstream compares them with its own).
    pub fn manual() -> Self {
        Self {
            manual: Some(Arc::new(Manual {
                started: Instant::now(),
                started_ms: system_ms(),
                advanced_ns: AtomicU64::new(0),
            })),
        }
    }

    /// Moves a manual clock (and every clone of it) forward by `by`.
    ///
    /// # Panics
    /// On the system clock, which cannot be moved: advancing it is a bug in the caller.
    pub fn advance(&self, by: Duration) {
        let manual = self
            .manual
            .as_ref()
            .unwrap_or_else(|| panic!("only a manual clock can be advanced"));
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        manual.advanced_ns.fetch_add(by, Ordering::SeqCst);
    }

    /// Monotonic now, for durations.
    pub fn now(&self) -> Instant {
        match &self.manual {
            None => Instant::now(),
            Some(manual) => manual.started + manual.advanced(),
        }
    }

    /// Wall time: milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        match &self.manual {
            None => system_ms(),
            Some(manual) => {
                let advanced = i64::try_from(manual.advanced().as_millis()).unwrap_or(i64::MAX);
                manual.started_ms.saturating_add(advanced)
            }
        }
    }

    /// How long a cache whose own timer runs on system time (moka) should keep a value that
    /// lives `ttl` by this clock: `ttl` on the system clock; on a manual clock, which system
    /// time does not move, a century — the value then leaves the cache only for space, and the
    /// rule (checked on read) decides when it has expired.
    pub fn cache_lifetime(&self, ttl: Duration) -> Duration {
        match self.manual {
            None => ttl,
            Some(_) => MANUAL_CACHE_LIFETIME,
        }
    }

    /// How long ago `earlier` (a reading of [`Clock::now`]) was; zero if it is in the future.
    pub fn elapsed(&self, earlier: Instant) -> Duration {
        self.now().saturating_duration_since(earlier)
    }
}

impl Manual {
    fn advanced(&self) -> Duration {
        Duration::from_nanos(self.advanced_ns.load(Ordering::SeqCst))
    }
}

/// Milliseconds since the Unix epoch, from the system clock.
fn system_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_advanced_and_its_clones_move_with_it() {
        let clock = Clock::manual();
        let clone = clock.clone();
        let (at, at_ms) = (clock.now(), clock.now_ms());
        std::thread::yield_now();
        assert_eq!(clock.now(), at);
        clone.advance(Duration::from_millis(1_500));
        assert_eq!(clock.now() - at, Duration::from_millis(1_500));
        assert_eq!(clock.now_ms() - at_ms, 1_500);
        assert_eq!(clock.elapsed(at), Duration::from_millis(1_500));
        assert!(clock.cache_lifetime(Duration::from_secs(1)) > Duration::from_secs(86_400 * 365));
        assert_eq!(
            Clock::system().cache_lifetime(Duration::from_secs(1)),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn the_system_clock_reads_the_time_of_day() {
        let clock = Clock::system();
        assert!(clock.now_ms() > 1_700_000_000_000);
        assert!(clock.now() <= Instant::now());
    }

    #[test]
    #[should_panic(expected = "only a manual clock")]
    fn the_system_clock_cannot_be_advanced() {
        Clock::system().advance(Duration::from_secs(1));
    }
}
