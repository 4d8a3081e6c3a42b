//! [`RefreshingCredentials`]: one set of temporary credentials (a tenant's role session, or
//! the gateway's own RRSA / ECS session) kept fresh.
//!
//! Rules, all timed by the injected [`Clock`] (its wall reading; a session's lifetime is
//! `Expiration` less the system's wall time when it arrived):
//! - Refresh before expiry at a share of the lifetime ([`REFRESH_AT_SHARE`]) minus a random
//!   jitter of up to [`JITTER_SHARE`] of it, so a 900 s session is not re-fetched on every call
//!   (the official libraries' fixed 15-minute margin does that) and many tenants issued
//!   together do not all renew in the same second (AssumeRole allows 100 calls/s for the whole
//!   calling account).
//! - Single flight: one fetch at a time however many callers wait; a caller that waited on a
//!   fetch uses its result instead of fetching again.
//! - A failed refresh keeps the still-valid credentials and retries with exponential backoff
//!   (with jitter); only once they have expired do callers get [`Unavailable`], and while the
//!   backoff runs they get it at once rather than each calling STS.
//! - A background task wakes at most every [`POLL`] (it re-reads the clock, so a manual clock
//!   is honoured) and stops when the last handle is dropped; callers also trigger a due
//!   refresh, without waiting for it while their credentials are still valid.
//! - The label (a tenant id or `[identity]`) is the only thing logged with an error; secrets
//!   never leave [`Credentials`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use rand::Rng as _;
use workorder_api::Credentials;
use workorder_api::sts::IssuedCredentials;

use super::CredentialsError;
use crate::clock::Clock;
use crate::telemetry::CredentialMetrics;

/// Refresh once this share of the lifetime has passed (before jitter).
pub const REFRESH_AT_SHARE: f64 = 0.75;
/// Up to this share of the lifetime earlier, at random.
pub const JITTER_SHARE: f64 = 0.10;
/// First retry delay after a failed refresh; doubled per failure up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// Longest pause between retries.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// Longest sleep of the background task between looks at the clock.
pub const POLL: Duration = Duration::from_secs(5);

/// The credentials have expired and could not be renewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("temporary credentials expired and could not be renewed")]
pub struct Unavailable;

/// What fetches a new set of credentials.
pub type Fetch = Box<
    dyn Fn() -> Pin<Box<dyn Future<Output = Result<IssuedCredentials, CredentialsError>> + Send>>
        + Send
        + Sync,
>;

/// Temporary credentials kept fresh; cheap to clone (clones share the cache).
#[derive(Clone)]
pub struct RefreshingCredentials {
    inner: Arc<Inner>,
}

impl fmt::Debug for RefreshingCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshingCredentials")
            .field("label", &self.inner.label)
            .finish_non_exhaustive()
    }
}

struct Inner {
    label: String,
    fetch: Fetch,
    clock: Clock,
    state: Mutex<State>,
    flight: tokio::sync::Mutex<()>,
    metrics: Option<CredentialMetrics>,
}

#[derive(Default)]
struct State {
    current: Option<IssuedCredentials>,
    /// Wall ms of `current`'s expiry.
    expires_ms: i64,
    /// Wall ms after which a refresh is due.
    refresh_at_ms: i64,
    /// Consecutive failed refreshes.
    failures: u32,
    /// Wall ms before which no retry is made.
    retry_at_ms: i64,
    /// Bumped by every successful fetch (callers that waited compare it).
    generation: u64,
}

impl State {
    fn valid(&self, now_ms: i64) -> Option<&IssuedCredentials> {
        self.current.as_ref().filter(|_| now_ms < self.expires_ms)
    }

    fn due(&self, now_ms: i64) -> bool {
        now_ms >= self.refresh_at_ms && now_ms >= self.retry_at_ms
    }
}

impl RefreshingCredentials {
    /// Nothing is fetched yet: call [`RefreshingCredentials::refresh`] (start-up verifies each
    /// role once this way) and then [`RefreshingCredentials::start`].
    pub fn new(
        label: impl Into<String>,
        fetch: Fetch,
        clock: Clock,
        metrics: Option<CredentialMetrics>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                label: label.into(),
                fetch,
                clock,
                state: Mutex::new(State::default()),
                flight: tokio::sync::Mutex::new(()),
                metrics,
            }),
        }
    }

    /// The label given (a tenant id, or `[identity]`).
    pub fn label(&self) -> &str {
        &self.inner.label
    }

    /// Starts the background refresher; it ends when the last clone is dropped.
    pub fn start(&self) {
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(background(weak));
    }

    /// Valid credentials: the cached ones (triggering a due refresh in the background), or,
    /// once they have expired, the result of a refresh (unless the backoff after a failure
    /// still runs).
    pub async fn current(&self) -> Result<Credentials, Unavailable> {
        let now = self.inner.clock.now_ms();
        let (cached, due, generation) = {
            let state = self.inner.lock();
            (
                state.valid(now).map(|c| c.credentials.clone()),
                state.due(now),
                state.generation,
            )
        };
        self.inner.record_expiry(now);
        if let Some(credentials) = cached {
            // Only when no fetch runs: a spawned task per call would pile up behind it.
            if due && self.inner.flight.try_lock().is_ok() {
                let inner = Arc::clone(&self.inner);
                tokio::spawn(async move {
                    let _ = inner.refresh(None).await;
                });
            }
            return Ok(credentials);
        }
        if !due {
            return Err(Unavailable);
        }
        let _ = self.inner.refresh(Some(generation)).await;
        let now = self.inner.clock.now_ms();
        self.inner
            .lock()
            .valid(now)
            .map(|c| c.credentials.clone())
            .ok_or(Unavailable)
    }

    /// Fetches now (single flight), returning the fetch's error, if any.
    pub async fn refresh(&self) -> Result<(), CredentialsError> {
        self.inner.refresh(None).await
    }

    /// Seconds until the cached credentials expire (negative once expired; `None` before the
    /// first fetch).
    pub fn seconds_left(&self) -> Option<i64> {
        let state = self.inner.lock();
        state
            .current
            .as_ref()
            .map(|_| (state.expires_ms - self.inner.clock.now_ms()) / 1000)
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record_expiry(&self, now_ms: i64) {
        if let Some(metrics) = &self.metrics {
            let state = self.lock();
            if state.current.is_some() {
                metrics.set_seconds_left(&self.label, (state.expires_ms - now_ms) / 1000);
            }
        }
    }

    /// One fetch at a time. `seen` is the generation the caller saw: if a fetch finished
    /// while it waited for the flight, its result is used and no second fetch is made.
    async fn refresh(&self, seen: Option<u64>) -> Result<(), CredentialsError> {
        let _flight = self.flight.lock().await;
        let now = self.clock.now_ms();
        {
            let state = self.lock();
            // A caller that waited (`seen`) skips the fetch when one succeeded meanwhile, or
            // failed meanwhile (its backoff now runs): either way one STS call served them all.
            let skip = match seen {
                Some(generation) => generation != state.generation || !state.due(now),
                None => state.valid(now).is_some() && !state.due(now),
            };
            if skip {
                return Ok(());
            }
        }
        let result = (self.fetch)().await;
        let now = self.clock.now_ms();
        let outcome = match result {
            Ok(issued) => {
                // The lifetime is `Expiration` less the system's wall time now, placed on the
                // injected clock's timeline: the same instant with the system clock, and on a
                // manual clock a session that lasts as long as STS granted from when it came.
                let system_now_ms = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
                let lifetime = (issued.expires_at.unix_timestamp().saturating_mul(1000)
                    - system_now_ms)
                    .max(0);
                let expires_ms = now + lifetime;
                let jitter = rand::rng().random_range(0.0..=JITTER_SHARE);
                let refresh_after = (lifetime as f64 * (REFRESH_AT_SHARE - jitter)) as i64;
                let mut state = self.lock();
                state.current = Some(issued);
                state.expires_ms = expires_ms;
                state.refresh_at_ms = now + refresh_after;
                state.failures = 0;
                state.retry_at_ms = 0;
                state.generation += 1;
                tracing::info!(
                    credentials = %self.label,
                    expires_in_secs = lifetime / 1000,
                    refresh_in_secs = refresh_after / 1000,
                    "temporary credentials renewed"
                );
                Ok(())
            }
            Err(error) => {
                let mut state = self.lock();
                state.failures = state.failures.saturating_add(1);
                let backoff = backoff(state.failures);
                state.retry_at_ms = now + i64::try_from(backoff.as_millis()).unwrap_or(i64::MAX);
                let still_valid = state.valid(now).is_some();
                tracing::warn!(
                    credentials = %self.label,
                    error = %error,
                    failures = state.failures,
                    retry_in_ms = backoff.as_millis() as u64,
                    still_valid,
                    "temporary credentials not renewed"
                );
                Err(error)
            }
        };
        if let Some(metrics) = &self.metrics {
            metrics.refreshed(&self.label, outcome.is_ok());
        }
        self.record_expiry(now);
        outcome
    }
}

/// `FIRST_BACKOFF × 2^(failures-1)`, capped, with "equal jitter" (half fixed, half random).
fn backoff(failures: u32) -> Duration {
    let exp = FIRST_BACKOFF.saturating_mul(1 << failures.saturating_sub(1).min(16));
    let capped = exp.min(MAX_BACKOFF);
    let half = capped / 2;
    half + half.mul_f64(rand::rng().random_range(0.0..=1.0))
}

async fn background(weak: Weak<Inner>) {
    loop {
        let wait = {
            let Some(inner) = weak.upgrade() else { return };
            let now = inner.clock.now_ms();
            let state = inner.lock();
            let next = state.refresh_at_ms.max(state.retry_at_ms);
            Duration::from_millis(u64::try_from(next - now).unwrap_or(0)).min(POLL)
        };
        tokio::time::sleep(wait.max(Duration::from_millis(50))).await;
        let Some(inner) = weak.upgrade() else { return };
        let now = inner.clock.now_ms();
        let due = inner.lock().due(now);
        if due {
            let _ = inner.refresh(None).await;
        }
        inner.record_expiry(inner.clock.now_ms());
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

    use secrecy::SecretString;

    use super::*;

    /// A fetch that counts its calls, fails while `failing` is set, and issues 3600 s
    /// credentials (by the system's wall clock, as STS would) after a short pause.
    fn counting(calls: Arc<AtomicU32>, failing: Arc<AtomicBool>) -> Fetch {
        Box::new(move || {
            let calls = Arc::clone(&calls);
            let failing = Arc::clone(&failing);
            Box::pin(async move {
                let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
                if failing.load(Ordering::SeqCst) {
                    return Err(CredentialsError::Refused {
                        service: "STS",
                        status: 403,
                        code: "NoPermission".to_owned(),
                    });
                }
                Ok(IssuedCredentials {
                    credentials: Credentials::new(format!("STS.{n}"), SecretString::from("s"))
                        .with_security_token(SecretString::from("t")),
                    expires_at: time::OffsetDateTime::now_utc() + time::Duration::seconds(3600),
                })
            })
        })
    }

    #[tokio::test]
    async fn waiting_callers_share_one_fetch_and_a_failed_renewal_keeps_valid_credentials() {
        let clock = Clock::manual();
        let calls = Arc::new(AtomicU32::new(0));
        let failing = Arc::new(AtomicBool::new(false));
        let session = RefreshingCredentials::new(
            "t",
            counting(Arc::clone(&calls), Arc::clone(&failing)),
            clock.clone(),
            None,
        );
        // Twenty callers before anything was fetched: one fetch.
        let all = futures_util::future::join_all((0..20).map(|_| session.current())).await;
        assert!(
            all.iter()
                .all(|c| c.as_ref().is_ok_and(|c| c.access_key_id() == "STS.1"))
        );
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let left = session.seconds_left().unwrap();
        assert!((3598..=3600).contains(&left), "{left}");

        // Before 65 % of the lifetime nothing is due; past 75 % a renewal is.
        clock.advance(Duration::from_secs(2330));
        assert_eq!(session.current().await.unwrap().access_key_id(), "STS.1");
        tokio::task::yield_now().await;
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        failing.store(true, Ordering::SeqCst);
        clock.advance(Duration::from_secs(400));
        // Due: the caller is served the valid credentials while the renewal (started behind
        // it) fails; they keep serving after the failure.
        assert_eq!(session.current().await.unwrap().access_key_id(), "STS.1");
        for _ in 0..200 {
            if calls.load(Ordering::SeqCst) == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert_eq!(session.current().await.unwrap().access_key_id(), "STS.1");
        assert_eq!(
            calls.load(Ordering::SeqCst),
            2,
            "no new call within the backoff"
        );

        // Expired while failing: many waiting callers cause one (failed) call and are all
        // unavailable; within the backoff, STS is not called again.
        clock.advance(Duration::from_secs(900));
        let all = futures_util::future::join_all((0..10).map(|_| session.current())).await;
        assert!(all.iter().all(|c| c.as_ref().unwrap_err() == &Unavailable));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert_eq!(session.current().await.unwrap_err(), Unavailable);
        let tried = calls.load(Ordering::SeqCst);
        assert_eq!(session.current().await.unwrap_err(), Unavailable);
        assert_eq!(calls.load(Ordering::SeqCst), tried);

        // STS back, backoff over: one renewal serves everyone again.
        failing.store(false, Ordering::SeqCst);
        clock.advance(MAX_BACKOFF);
        let all = futures_util::future::join_all((0..10).map(|_| session.current())).await;
        assert!(all.iter().all(Result::is_ok));
        assert_eq!(calls.load(Ordering::SeqCst), tried + 1);
    }

    #[test]
    fn backoff_doubles_up_to_a_minute_with_half_of_it_random() {
        for (failures, full) in [(1, 1), (2, 2), (3, 4), (7, 60), (40, 60)] {
            let delay = backoff(failures);
            let full = Duration::from_secs(full);
            assert!(delay >= full / 2 && delay <= full, "{failures}: {delay:?}");
        }
    }
}
