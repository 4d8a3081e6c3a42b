//! Fault injection, deterministic under a seed: added latency (fixed plus seeded jitter),
//! answers lost before any processing (`500 System.error`, `503 ServiceUnavailable`, a dropped
//! connection), answers lost after the call acted (dropped, withheld then dropped, replaced by
//! a `500`, or truncated), throttling above a per-account rate (`400 Throttling.User`), and the
//! lag of the list index (`list_lag_ms`, applied by the list actions).
//!
//! Determinism: one random draw decides the fate of each request (and one more its jitter),
//! from a `StdRng` seeded with the configured seed and reseeded whenever the faults are set
//! through the admin route. So the n-th request after a (re)seed always gets the same fault.
//! When every rate and the jitter are zero, no lock is taken and no number is drawn: the
//! sandbox without faults stays lock-free on this path.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use arc_swap::ArcSwap;
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use serde::{Deserialize, Serialize};

use super::SandboxError;

/// How long a `lost_timeout` answer is withheld when `lost_timeout_ms` is 0: longer than any
/// sensible client timeout, so the client gives up first.
pub const DEFAULT_LOST_TIMEOUT_MS: u64 = 30_000;

/// What to inject. Rates are shares of requests in `[0, 1]`; together at most 1. Serialized
/// as the JSON of `GET/PUT /_sandbox/faults` (missing fields are zero).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultConfig {
    /// Added to every API answer, in milliseconds.
    pub latency_ms: u64,
    /// Extra latency drawn uniformly from `0..=latency_jitter_ms` (seeded).
    pub latency_jitter_ms: u64,
    /// Share answered `500 System.error` (before any processing).
    pub error_rate: f64,
    /// Share answered `503 ServiceUnavailable` (before any processing).
    pub unavailable_rate: f64,
    /// Share processed normally but answered with a truncated, unparsable body (so a
    /// CreateTicket still creates its ticket: the client cannot know).
    pub unreadable_rate: f64,
    /// Share whose connection is closed without any answer (before any processing).
    pub drop_rate: f64,
    /// Share processed normally, then whose connection is closed without any answer.
    pub lost_drop_rate: f64,
    /// Share processed normally, then whose answer is withheld for `lost_timeout_ms` before
    /// the connection is closed without any answer.
    pub lost_timeout_rate: f64,
    /// How long a `lost_timeout_rate` answer is withheld, in milliseconds; 0 stands for
    /// [`DEFAULT_LOST_TIMEOUT_MS`] (see [`FaultConfig::lost_timeout`]).
    pub lost_timeout_ms: u64,
    /// Share processed normally, then answered `500 System.error` all the same.
    pub lost_error_rate: f64,
    /// Requests per second allowed per account; above it `400 Throttling.User`. 0 = no limit.
    pub throttle_per_second: u32,
    /// Milliseconds after it was made before a new ticket or note shows in ListTickets and
    /// ListTicketNotes (the upstream's list index is eventually consistent). 0 = at once.
    pub list_lag_ms: u64,
    /// Only calls of these actions (`CreateTicket`, …) get latency and fates; empty = every
    /// call. Calls of other actions draw nothing, so the fates of the chosen actions follow
    /// the seed whatever else is called in between (tests aim a fault at one write).
    pub actions: Vec<String>,
}

impl FaultConfig {
    /// Every rate with its name and the fate it draws, in the order the draw walks them.
    /// New rates go last, so a seed keeps giving the same fates to configurations without them.
    fn rates(&self) -> [(&'static str, f64, Injected); 7] {
        [
            ("drop_rate", self.drop_rate, Injected::Drop),
            ("error_rate", self.error_rate, Injected::ServerError),
            (
                "unavailable_rate",
                self.unavailable_rate,
                Injected::Unavailable,
            ),
            (
                "unreadable_rate",
                self.unreadable_rate,
                Injected::Unreadable,
            ),
            ("lost_drop_rate", self.lost_drop_rate, Injected::LostDrop),
            (
                "lost_timeout_rate",
                self.lost_timeout_rate,
                Injected::LostTimeout(self.lost_timeout()),
            ),
            ("lost_error_rate", self.lost_error_rate, Injected::LostError),
        ]
    }

    /// How long a `lost_timeout` answer is withheld: `lost_timeout_ms`, or
    /// [`DEFAULT_LOST_TIMEOUT_MS`] when it is 0 (so "missing fields are zero" still holds).
    pub fn lost_timeout(&self) -> Duration {
        Duration::from_millis(match self.lost_timeout_ms {
            0 => DEFAULT_LOST_TIMEOUT_MS,
            ms => ms,
        })
    }

    /// Checks that every rate is in `[0, 1]`, that they sum to at most 1, and that `actions`
    /// names Workorder actions of either version or STS actions (STS ones let tests make role
    /// renewals fail). A name both Workorder versions have aims at both.
    pub fn validate(&self) -> Result<(), SandboxError> {
        if let Some(unknown) = self.actions.iter().find(|a| {
            !workorder_api::ACTIONS.contains(&a.as_str())
                && !workorder_api::v2021::ACTIONS.contains(&a.as_str())
                && !workorder_api::sts::STS_ACTIONS.contains(&a.as_str())
        }) {
            return Err(SandboxError::InvalidFaults(format!(
                "actions: {unknown:?} is not a Workorder or STS action"
            )));
        }
        let rates = self.rates();
        for (name, rate, _) in rates {
            if !(0.0..=1.0).contains(&rate) {
                return Err(SandboxError::InvalidFaults(format!(
                    "{name} = {rate} is not between 0 and 1"
                )));
            }
        }
        let total: f64 = rates.iter().map(|(_, r, _)| r).sum();
        if total > 1.0 + 1e-9 {
            return Err(SandboxError::InvalidFaults(format!(
                "the rates sum to {total}, more than 1"
            )));
        }
        Ok(())
    }

    /// No random draw is needed: no rate and no jitter.
    fn is_deterministic_without_draws(&self) -> bool {
        self.latency_jitter_ms == 0 && self.rates().iter().all(|(_, rate, _)| *rate == 0.0)
    }
}

/// The fate of one request. The first three act before any processing (nothing happened);
/// the `Lost*` ones and `Unreadable` after it (the call acted, then its answer is lost).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Injected {
    /// Served normally.
    Nothing,
    /// Connection closed without an answer.
    Drop,
    /// `500 System.error`.
    ServerError,
    /// `503 ServiceUnavailable`.
    Unavailable,
    /// Served, then the body truncated.
    Unreadable,
    /// Served, then the connection closed without an answer.
    LostDrop,
    /// Served, then the answer withheld this long, then the connection closed.
    LostTimeout(Duration),
    /// Served, then answered `500 System.error`.
    LostError,
}

/// Latency and fate of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decision {
    pub latency: Duration,
    pub injected: Injected,
}

/// The live fault settings and their seeded generator.
#[derive(Debug)]
pub(crate) struct Faults {
    config: ArcSwap<FaultConfig>,
    seed: Mutex<u64>,
    rng: Mutex<StdRng>,
}

impl Faults {
    pub fn new(config: FaultConfig, seed: u64) -> Self {
        Self {
            config: ArcSwap::from_pointee(config),
            seed: Mutex::new(seed),
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
        }
    }

    /// The current settings.
    pub fn config(&self) -> Arc<FaultConfig> {
        self.config.load_full()
    }

    /// How long new tickets and notes stay out of the list answers (no lock: one atomic load).
    pub fn list_lag(&self) -> Duration {
        Duration::from_millis(self.config.load().list_lag_ms)
    }

    /// The current seed.
    pub fn seed(&self) -> u64 {
        *self.seed.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Replaces the settings and restarts the generator from `seed` (or the current seed).
    pub fn set(&self, config: FaultConfig, seed: Option<u64>) -> Result<(), SandboxError> {
        config.validate()?;
        let mut current_seed = self.seed.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(seed) = seed {
            *current_seed = seed;
        }
        let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
        *rng = StdRng::seed_from_u64(*current_seed);
        self.config.store(Arc::new(config));
        Ok(())
    }

    /// Whether fates are aimed at some actions only (then the caller names the action).
    pub fn aims_at_actions(&self) -> bool {
        !self.config.load().actions.is_empty()
    }

    /// Decides what happens to the next call of `action` (`None`: not known yet, e.g. a call
    /// too malformed to name one): nothing at all when `actions` leaves it out.
    pub fn decide_for(&self, action: Option<&str>) -> Decision {
        let config = self.config.load();
        if !config.actions.is_empty()
            && !action.is_some_and(|a| config.actions.iter().any(|c| c == a))
        {
            return Decision {
                latency: Duration::ZERO,
                injected: Injected::Nothing,
            };
        }
        self.decide()
    }

    /// Decides what happens to the next request.
    pub fn decide(&self) -> Decision {
        let config = self.config.load();
        let base = Duration::from_millis(config.latency_ms);
        if config.is_deterministic_without_draws() {
            return Decision {
                latency: base,
                injected: Injected::Nothing,
            };
        }
        let (draw, jitter) = {
            let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
            let draw: f64 = rng.random();
            let jitter = if config.latency_jitter_ms > 0 {
                rng.random_range(0..=config.latency_jitter_ms)
            } else {
                0
            };
            (draw, jitter)
        };
        let mut threshold = 0.0;
        let mut injected = Injected::Nothing;
        for (_, rate, fault) in config.rates() {
            threshold += rate;
            if draw < threshold {
                injected = fault;
                break;
            }
        }
        Decision {
            latency: base + Duration::from_millis(jitter),
            injected,
        }
    }
}

#[cfg(test)]
mod tests;
