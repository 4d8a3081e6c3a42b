//! Fault injection, deterministic under a seed: added latency (fixed plus seeded jitter), a
//! share of `500 System.error`, `503 ServiceUnavailable`, unreadable (truncated) answer bodies
//! and dropped connections, and throttling above a per-account rate (`400 Throttling.User`).
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
    /// Requests per second allowed per account; above it `400 Throttling.User`. 0 = no limit.
    pub throttle_per_second: u32,
}

impl FaultConfig {
    /// Checks that every rate is in `[0, 1]` and that they sum to at most 1.
    pub fn validate(&self) -> Result<(), SandboxError> {
        let rates = [
            ("error_rate", self.error_rate),
            ("unavailable_rate", self.unavailable_rate),
            ("unreadable_rate", self.unreadable_rate),
            ("drop_rate", self.drop_rate),
        ];
        for (name, rate) in rates {
            if !(0.0..=1.0).contains(&rate) {
                return Err(SandboxError::InvalidFaults(format!(
                    "{name} = {rate} is not between 0 and 1"
                )));
            }
        }
        let total: f64 = rates.iter().map(|(_, r)| r).sum();
        if total > 1.0 + 1e-9 {
            return Err(SandboxError::InvalidFaults(format!(
                "the rates sum to {total}, more than 1"
            )));
        }
        Ok(())
    }

    /// No random draw is needed: no rate and no jitter.
    fn is_deterministic_without_draws(&self) -> bool {
        self.latency_jitter_ms == 0
            && self.error_rate == 0.0
            && self.unavailable_rate == 0.0
            && self.unreadable_rate == 0.0
            && self.drop_rate == 0.0
    }
}

/// The fate of one request.
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
        for (rate, fault) in [
            (config.drop_rate, Injected::Drop),
            (config.error_rate, Injected::ServerError),
            (config.unavailable_rate, Injected::Unavailable),
            (config.unreadable_rate, Injected::Unreadable),
        ] {
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
mod tests {
    use super::*;

    fn sequence(faults: &Faults, n: usize) -> Vec<Decision> {
        (0..n).map(|_| faults.decide()).collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_faults() {
        let config = FaultConfig {
            error_rate: 0.2,
            unavailable_rate: 0.2,
            drop_rate: 0.1,
            unreadable_rate: 0.1,
            latency_jitter_ms: 5,
            ..FaultConfig::default()
        };
        let a = Faults::new(config.clone(), 7);
        let b = Faults::new(config.clone(), 7);
        let first = sequence(&a, 200);
        assert_eq!(first, sequence(&b, 200));
        let kinds: std::collections::HashSet<_> = first.iter().map(|d| d.injected).collect();
        assert_eq!(kinds.len(), 5, "every fate occurs in 200 draws: {kinds:?}");

        a.set(config, None).unwrap();
        assert_eq!(first, sequence(&a, 200), "reseeding restarts the sequence");
    }

    #[test]
    fn rates_out_of_range_are_refused() {
        for config in [
            FaultConfig {
                error_rate: 1.5,
                ..FaultConfig::default()
            },
            FaultConfig {
                error_rate: 0.6,
                drop_rate: 0.6,
                ..FaultConfig::default()
            },
        ] {
            assert!(config.validate().is_err(), "{config:?}");
        }
    }

    #[test]
    fn a_rate_of_one_always_injects() {
        let faults = Faults::new(
            FaultConfig {
                unavailable_rate: 1.0,
                latency_ms: 3,
                ..FaultConfig::default()
            },
            1,
        );
        for decision in sequence(&faults, 20) {
            assert_eq!(decision.injected, Injected::Unavailable);
            assert_eq!(decision.latency, Duration::from_millis(3));
        }
    }
}
