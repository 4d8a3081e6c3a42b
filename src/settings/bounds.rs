//! The sane range of every numeric setting, in one table: zero where zero would spin a loop or
//! fail every call, and upper bounds where a typo (an extra digit, milliseconds for seconds)
//! would quietly disable a protection or hang shutdowns. Each refusal names its key and range.
//! Rules that relate two keys (a burst needed while a limit is on) stay with their section.

use std::ops::RangeInclusive;

use super::{Settings, SettingsError};

const DAY: u64 = 86_400;

/// One bound: the key, its value, and the accepted range.
struct Bound {
    key: &'static str,
    value: u64,
    range: RangeInclusive<u64>,
}

fn bound(key: &'static str, value: impl Into<u64>, range: RangeInclusive<u64>) -> Bound {
    Bound {
        key,
        value: value.into(),
        range,
    }
}

/// Refuses the first numeric setting outside its range.
pub(super) fn check(settings: &Settings) -> Result<(), SettingsError> {
    let s = settings;
    let usize_value = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
    // Exact for every value read from a `*_ms` key (whole milliseconds of a `u64`).
    let millis = |d: std::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    let mut bounds = vec![
        bound(
            "server.max_body_bytes",
            usize_value(s.server.max_body_bytes),
            1_024..=16 << 20,
        ),
        bound("server.workers", usize_value(s.server.workers), 0..=256),
        bound("catalog.ttl_secs", s.catalog.ttl.as_secs(), 1..=DAY),
        bound(
            "catalog.stale_secs",
            s.catalog.stale.as_secs(),
            0..=30 * DAY,
        ),
        bound("catalog.max_entries", s.catalog.max_entries, 1..=1_000_000),
        bound(
            "sandbox.engineer_delay_secs",
            s.sandbox.engineer_delay_secs,
            0..=DAY,
        ),
        bound(
            "upstream.connect_timeout_ms",
            millis(s.upstream.connect_timeout),
            1..=60_000,
        ),
        bound(
            "upstream.request_timeout_ms",
            millis(s.upstream.request_timeout),
            1..=300_000,
        ),
        bound(
            "upstream.max_attempts",
            s.upstream.retry.max_attempts,
            1..=10,
        ),
        bound(
            "upstream.retry_base_delay_ms",
            millis(s.upstream.retry.base_delay),
            1..=60_000,
        ),
        bound(
            "upstream.retry_max_delay_ms",
            millis(s.upstream.retry.max_delay),
            1..=60_000,
        ),
        bound(
            "upstream.breaker_failure_threshold",
            s.upstream.breaker.failure_threshold,
            0..=1_000,
        ),
        bound(
            "upstream.max_concurrent_per_tenant",
            usize_value(s.upstream.max_concurrent_per_tenant),
            0..=10_000,
        ),
        bound(
            "upstream.bulkhead_wait_ms",
            millis(s.upstream.bulkhead_wait),
            0..=60_000,
        ),
        bound(
            "limits.requests_per_second",
            s.limits.requests_per_second,
            0..=100_000,
        ),
        bound("limits.burst", s.limits.burst, 0..=1_000_000),
        bound(
            "limits.tenant_requests_per_second",
            s.limits.tenant_requests_per_second,
            0..=1_000_000,
        ),
        bound("limits.tenant_burst", s.limits.tenant_burst, 0..=10_000_000),
        bound(
            "limits.failed_auth_per_minute",
            s.limits.failed_auth_per_minute,
            0..=100_000,
        ),
        bound(
            "limits.failed_auth_burst",
            s.limits.failed_auth_burst,
            0..=100_000,
        ),
        bound(
            "shutdown.drain_delay_secs",
            s.shutdown.drain_delay.as_secs(),
            0..=600,
        ),
        bound("shutdown.timeout_secs", s.shutdown.timeout_secs, 1..=600),
        bound(
            "reload.watch_interval_secs",
            s.reload.watch_interval.as_secs(),
            0..=DAY,
        ),
    ];
    // An open breaker that reopens at once would probe on every call.
    if s.upstream.breaker.failure_threshold > 0 {
        bounds.push(bound(
            "upstream.breaker_open_secs",
            s.upstream.breaker.open_for.as_secs(),
            1..=3_600,
        ));
    }
    for b in bounds {
        if !b.range.contains(&b.value) {
            return Err(SettingsError::invalid(
                b.key,
                format!(
                    "{} is outside {}..={}",
                    b.value,
                    b.range.start(),
                    b.range.end()
                ),
            ));
        }
    }
    if s.upstream.retry.base_delay > s.upstream.retry.max_delay {
        return Err(SettingsError::invalid(
            "upstream.retry_base_delay_ms",
            "must not exceed upstream.retry_max_delay_ms".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(toml: &str) -> String {
        let err = Settings::from_toml_str(&format!("[auth]\nhs256_secret_env = \"J\"\n{toml}"))
            .expect_err(toml);
        match err {
            SettingsError::Invalid { key, .. } => key,
            other => panic!("{toml}: {other}"),
        }
    }

    #[test]
    fn zero_and_absurd_values_are_refused_with_their_key() {
        let cases = [
            ("[catalog]\nttl_secs = 0", "catalog.ttl_secs"),
            ("[catalog]\nstale_secs = 99999999", "catalog.stale_secs"),
            (
                "[upstream]\nconnect_timeout_ms = 0",
                "upstream.connect_timeout_ms",
            ),
            (
                "[upstream]\nrequest_timeout_ms = 0",
                "upstream.request_timeout_ms",
            ),
            (
                "[upstream]\nrequest_timeout_ms = 3600000",
                "upstream.request_timeout_ms",
            ),
            (
                "[upstream]\nretry_max_delay_ms = 0",
                "upstream.retry_max_delay_ms",
            ),
            (
                "[upstream]\nretry_base_delay_ms = 5000\nretry_max_delay_ms = 100",
                "upstream.retry_base_delay_ms",
            ),
            (
                "[upstream]\nbreaker_open_secs = 0",
                "upstream.breaker_open_secs",
            ),
            ("[shutdown]\ntimeout_secs = 0", "shutdown.timeout_secs"),
            (
                "[shutdown]\ndrain_delay_secs = 86400",
                "shutdown.drain_delay_secs",
            ),
            (
                "[reload]\nwatch_interval_secs = 9999999",
                "reload.watch_interval_secs",
            ),
            ("[server]\nworkers = 100000", "server.workers"),
            (
                "[server]\nmax_body_bytes = 1073741824",
                "server.max_body_bytes",
            ),
        ];
        for (toml, key) in cases {
            assert_eq!(refused(toml), key, "{toml}");
        }
    }

    #[test]
    fn a_breaker_that_is_off_may_have_a_zero_open_time() {
        let ok = Settings::from_toml_str(
            "[auth]\nhs256_secret_env = \"J\"\n[upstream]\nbreaker_failure_threshold = 0\nbreaker_open_secs = 0\n",
        );
        assert!(ok.is_ok(), "{ok:?}");
    }
}
