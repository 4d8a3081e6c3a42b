//! The shared limits over the memory store, on a fixed clock.

use std::time::Duration;

use super::RateLimits;
use crate::clock::Clock;
use crate::settings::LimitSettings;
use crate::state::{Fingerprinter, StateStore};
use crate::telemetry::Metrics;

fn limits_on(settings: LimitSettings, clock: &Clock) -> RateLimits {
    let metrics = Metrics::new();
    RateLimits::new(
        &settings,
        StateStore::memory(1_000, clock.clone(), &metrics),
        Fingerprinter::new(b"limits"),
        clock.clone(),
        &metrics,
    )
}

fn limits(settings: LimitSettings) -> RateLimits {
    limits_on(settings, &Clock::manual())
}

#[tokio::test]
async fn a_users_burst_passes_then_one_request_per_interval_and_users_are_apart() {
    let clock = Clock::manual();
    let limits = limits_on(
        LimitSettings {
            requests_per_second: 2,
            burst: 3,
            tenant_requests_per_second: 0,
            tenant_burst: 0,
            ..LimitSettings::default()
        },
        &clock,
    );
    for _ in 0..3 {
        assert_eq!(limits.check("t", "alice").await, Ok(()));
    }
    assert_eq!(
        limits.check("t", "alice").await,
        Err(Duration::from_millis(500))
    );
    clock.advance(Duration::from_millis(499));
    assert_eq!(
        limits.check("t", "alice").await,
        Err(Duration::from_millis(1))
    );
    clock.advance(Duration::from_millis(1));
    assert_eq!(limits.check("t", "alice").await, Ok(()), "one per interval");
    assert_eq!(
        limits.check("t", "alice").await,
        Err(Duration::from_millis(500))
    );
    assert_eq!(limits.check("t", "bob").await, Ok(()), "per user");
    assert_eq!(limits.check("u", "alice").await, Ok(()), "per tenant");
}

#[tokio::test]
async fn the_tenant_limit_counts_every_user_and_a_limited_user_does_not_spend_it() {
    let limits = limits(LimitSettings {
        requests_per_second: 1,
        burst: 1,
        tenant_requests_per_second: 1,
        tenant_burst: 2,
        ..LimitSettings::default()
    });
    assert_eq!(limits.check("acme", "alice").await, Ok(()));
    assert!(
        limits.check("acme", "alice").await.is_err(),
        "alice's own limit"
    );
    assert_eq!(
        limits.check("acme", "bob").await,
        Ok(()),
        "tenant budget left"
    );
    assert_eq!(
        limits.check("acme", "carol").await,
        Err(Duration::from_secs(1)),
        "the tenant's burst of 2 is spent"
    );
    assert_eq!(limits.check("globex", "dave").await, Ok(()), "per tenant");
}

#[tokio::test]
async fn zero_turns_both_limits_off() {
    let limits = limits(LimitSettings {
        requests_per_second: 0,
        burst: 0,
        tenant_requests_per_second: 0,
        tenant_burst: 0,
        ..LimitSettings::default()
    });
    for _ in 0..1_000 {
        assert_eq!(limits.check("t", "alice").await, Ok(()));
    }
}
