//! `[events]`: the live ticket streams (`GET /tickets/{id}/events`, `GET /events`): how often
//! the shared pollers ask the upstream, the heartbeat, and the bounds on streams.

use std::time::Duration;

use serde::Deserialize;
use serde_with::{As, DurationMilliSeconds};

use super::SettingsError;

/// `[events]`, as the event hub (`events::EventHub`) takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventSettings {
    /// Shortest pause between two polls of one ticket (or one tenant's list), used right after
    /// something changed (`min_interval_ms`).
    #[serde(rename = "min_interval_ms", with = "As::<DurationMilliSeconds<u64>>")]
    pub min_interval: Duration,
    /// Longest pause: the interval doubles while nothing changes (and on upstream errors) up
    /// to this (`max_interval_ms`).
    #[serde(rename = "max_interval_ms", with = "As::<DurationMilliSeconds<u64>>")]
    pub max_interval: Duration,
    /// A comment line is sent this often on an idle stream, below the usual ingress idle
    /// timeouts (60 s) so that proxies keep the connection (`heartbeat_ms`).
    #[serde(rename = "heartbeat_ms", with = "As::<DurationMilliSeconds<u64>>")]
    pub heartbeat: Duration,
    /// Most open streams per user (per replica); one more is 429.
    pub max_streams_per_user: usize,
    /// Most open streams on this replica; one more is 429.
    pub max_streams: usize,
    /// A stream whose reader has not taken its queued events for this long is ended rather
    /// than buffered further (`slow_reader_timeout_ms`).
    #[serde(
        rename = "slow_reader_timeout_ms",
        with = "As::<DurationMilliSeconds<u64>>"
    )]
    pub slow_reader_timeout: Duration,
    /// The `retry:` hint sent when a stream is ended by a drain: how long the browser waits
    /// before reconnecting (to another replica) (`retry_ms`).
    #[serde(rename = "retry_ms", with = "As::<DurationMilliSeconds<u64>>")]
    pub retry: Duration,
}

impl Default for EventSettings {
    fn default() -> Self {
        Self {
            min_interval: Duration::from_secs(2),
            max_interval: Duration::from_secs(30),
            heartbeat: Duration::from_secs(15),
            max_streams_per_user: 5,
            max_streams: 1_000,
            slow_reader_timeout: Duration::from_secs(10),
            retry: Duration::from_secs(3),
        }
    }
}

impl EventSettings {
    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        let ms = |d: Duration| d.as_millis();
        let checks: [(&str, bool, &str); 7] = [
            (
                "events.min_interval_ms",
                (50..=60_000).contains(&ms(self.min_interval)),
                "must be 50 to 60000",
            ),
            (
                "events.max_interval_ms",
                self.max_interval >= self.min_interval && ms(self.max_interval) <= 600_000,
                "must be at least events.min_interval_ms and at most 600000",
            ),
            (
                "events.heartbeat_ms",
                (50..=55_000).contains(&ms(self.heartbeat)),
                "must be 50 to 55000 (below the usual 60 s ingress idle timeout)",
            ),
            (
                "events.max_streams_per_user",
                (1..=100).contains(&self.max_streams_per_user),
                "must be 1 to 100",
            ),
            (
                "events.max_streams",
                (1..=100_000).contains(&self.max_streams),
                "must be 1 to 100000",
            ),
            (
                "events.slow_reader_timeout_ms",
                (100..=120_000).contains(&ms(self.slow_reader_timeout)),
                "must be 100 to 120000",
            ),
            (
                "events.retry_ms",
                (100..=60_000).contains(&ms(self.retry)),
                "must be 100 to 60000",
            ),
        ];
        for (key, ok, reason) in checks {
            if !ok {
                return Err(SettingsError::invalid(key, reason.to_owned()));
            }
        }
        Ok(())
    }
}
