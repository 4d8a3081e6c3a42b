//! A circuit breaker per tenant: after `threshold` consecutive calls that found the upstream
//! unreachable or failing (5xx, timeouts, connection errors), calls fail fast for `open_for`
//! with [`UpstreamError::CircuitOpen`] (503 `upstream_unavailable`) instead of piling up behind
//! timeouts. After that one call is let through (half-open); its outcome closes or re-opens the
//! breaker. A probe whose caller vanished (its future dropped) is forgotten after `open_for`, so
//! the breaker can never stay open for good. Its periods are measured on the injected
//! [`Clock`].
//!
//! It lives in the client so that every call counts, catalog refreshes included, and so that a
//! configuration reload does not forget that an upstream is down.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::error::UpstreamError;
use crate::clock::Clock;
use crate::settings::BreakerSettings;

/// Breaker state for one tenant's upstream.
#[derive(Debug)]
pub struct Breaker {
    threshold: u32,
    open_for: Duration,
    clock: Clock,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    consecutive_failures: u32,
    open_until: Option<Instant>,
    /// When the half-open probe in flight (if any) stops blocking others.
    probe_expires: Option<Instant>,
}

impl Breaker {
    /// A breaker that opens after `threshold` consecutive failures (0 = never), timed by
    /// `clock`.
    pub fn new(settings: BreakerSettings, clock: Clock) -> Self {
        Self {
            threshold: settings.failure_threshold,
            open_for: settings.open_for,
            clock,
            state: Mutex::new(State::default()),
        }
    }

    /// `Err(retry_after)` while open; otherwise the call may go ahead.
    pub fn admit(&self) -> Result<(), Duration> {
        if self.threshold == 0 {
            return Ok(());
        }
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = self.clock.now();
        match state.open_until {
            Some(until) if now < until => Err(until - now),
            Some(_) if state.probe_expires.is_some_and(|at| now < at) => {
                Err(Duration::from_secs(1))
            }
            Some(_) => {
                state.probe_expires = Some(now + self.open_for);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Whether the breaker has tripped and no call has succeeded since: true while open, and
    /// while half-open until a probe succeeds (what `wog_upstream_breaker_open` shows).
    pub fn is_open(&self) -> bool {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .open_until
            .is_some()
    }

    /// Records a call's outcome.
    pub fn record(&self, result: Result<(), &UpstreamError>) {
        if self.threshold == 0 {
            return;
        }
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state.probe_expires = None;
        let upstream_down = matches!(
            result,
            Err(UpstreamError::Unavailable(_)
                | UpstreamError::Timeout { .. }
                | UpstreamError::Connect(_)
                | UpstreamError::Transport(_))
        );
        if upstream_down {
            state.consecutive_failures = state.consecutive_failures.saturating_add(1);
            if state.consecutive_failures >= self.threshold {
                state.open_until = Some(self.clock.now() + self.open_for);
            }
        } else {
            *state = State::default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_the_threshold_and_closes_after_a_good_probe() {
        let clock = Clock::manual();
        let breaker = Breaker::new(
            BreakerSettings {
                failure_threshold: 2,
                open_for: Duration::from_secs(30),
            },
            clock.clone(),
        );
        let down = UpstreamError::Timeout { sent: true };
        breaker.record(Err(&down));
        assert!(breaker.admit().is_ok(), "one failure keeps it closed");
        breaker.record(Err(&down));
        assert_eq!(
            breaker.admit(),
            Err(Duration::from_secs(30)),
            "two failures open it"
        );
        clock.advance(Duration::from_millis(29_999));
        assert_eq!(
            breaker.admit(),
            Err(Duration::from_millis(1)),
            "still open 1 ms before the end"
        );
        clock.advance(Duration::from_millis(1));
        assert!(breaker.admit().is_ok(), "half-open lets one probe through");
        assert!(breaker.admit().is_err(), "but only one");
        breaker.record(Ok(()));
        assert!(breaker.admit().is_ok(), "a good probe closes it");
    }

    #[test]
    fn client_errors_do_not_count_as_the_upstream_being_down() {
        let breaker = Breaker::new(
            BreakerSettings {
                failure_threshold: 1,
                open_for: Duration::from_secs(60),
            },
            Clock::manual(),
        );
        let refused = UpstreamError::Connect("refused".into());
        let invalid = UpstreamError::from_fault(
            workorder_api::UpstreamFault {
                status: 400,
                code: "param.illegal".into(),
                message: String::new(),
                request_id: None,
            },
            None,
        );
        breaker.record(Err(&invalid));
        assert!(breaker.admit().is_ok());
        breaker.record(Err(&refused));
        assert!(breaker.admit().is_err());
    }

    #[test]
    fn a_probe_whose_caller_vanished_is_forgotten_after_the_open_period() {
        let clock = Clock::manual();
        let breaker = Breaker::new(
            BreakerSettings {
                failure_threshold: 1,
                open_for: Duration::from_secs(20),
            },
            clock.clone(),
        );
        breaker.record(Err(&UpstreamError::Timeout { sent: true }));
        clock.advance(Duration::from_secs(20));
        assert!(breaker.admit().is_ok(), "the probe is admitted");
        clock.advance(Duration::from_millis(19_999));
        assert!(breaker.admit().is_err(), "others wait while it runs");
        clock.advance(Duration::from_millis(1));
        assert!(
            breaker.admit().is_ok(),
            "its result never came: a new probe is admitted"
        );
    }
}
