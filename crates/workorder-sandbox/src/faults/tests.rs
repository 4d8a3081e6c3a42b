//! Unit tests of the fault settings and of the seeded draw.

use std::collections::HashSet;

use super::*;

fn sequence(faults: &Faults, n: usize) -> Vec<Decision> {
    (0..n).map(|_| faults.decide()).collect()
}

/// Only the rates that existed before the lost-answer faults.
fn classic() -> FaultConfig {
    FaultConfig {
        error_rate: 0.2,
        unavailable_rate: 0.2,
        drop_rate: 0.1,
        unreadable_rate: 0.1,
        latency_jitter_ms: 5,
        ..FaultConfig::default()
    }
}

#[test]
fn the_same_seed_gives_the_same_faults() {
    let config = FaultConfig {
        error_rate: 0.1,
        unavailable_rate: 0.1,
        drop_rate: 0.1,
        unreadable_rate: 0.1,
        lost_drop_rate: 0.1,
        lost_timeout_rate: 0.1,
        lost_timeout_ms: 250,
        lost_error_rate: 0.1,
        latency_jitter_ms: 5,
        ..FaultConfig::default()
    };
    let a = Faults::new(config.clone(), 7);
    let b = Faults::new(config.clone(), 7);
    let first = sequence(&a, 400);
    assert_eq!(first, sequence(&b, 400));
    let kinds: HashSet<_> = first.iter().map(|d| d.injected).collect();
    let every_fate = HashSet::from([
        Injected::Nothing,
        Injected::Drop,
        Injected::ServerError,
        Injected::Unavailable,
        Injected::Unreadable,
        Injected::LostDrop,
        Injected::LostTimeout(Duration::from_millis(250)),
        Injected::LostError,
    ]);
    assert_eq!(kinds, every_fate, "every fate occurs in 400 draws");

    a.set(config, None).unwrap();
    assert_eq!(first, sequence(&a, 400), "reseeding restarts the sequence");
}

/// The sequence a seed gave before the lost-answer rates existed: they are drawn after the
/// older ones, so a configuration without them keeps its fates.
#[test]
fn new_rates_do_not_change_the_fates_of_older_configurations() {
    let faults = Faults::new(classic(), 7);
    let seen: Vec<(Injected, u128)> = sequence(&faults, 16)
        .into_iter()
        .map(|d| (d.injected, d.latency.as_millis()))
        .collect();
    use Injected::{Drop, Nothing, ServerError, Unavailable, Unreadable};
    assert_eq!(
        seen,
        [
            (Drop, 1),
            (ServerError, 3),
            (ServerError, 5),
            (ServerError, 1),
            (ServerError, 4),
            (Nothing, 0),
            (Drop, 2),
            (Nothing, 5),
            (Nothing, 3),
            (Unreadable, 3),
            (Unavailable, 2),
            (Unavailable, 4),
            (ServerError, 1),
            (Nothing, 5),
            (Drop, 5),
            (Unavailable, 2),
        ]
    );
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
        FaultConfig {
            lost_drop_rate: -0.1,
            ..FaultConfig::default()
        },
        FaultConfig {
            lost_error_rate: 1.01,
            ..FaultConfig::default()
        },
        FaultConfig {
            unreadable_rate: 0.3,
            lost_drop_rate: 0.3,
            lost_timeout_rate: 0.3,
            lost_error_rate: 0.3,
            ..FaultConfig::default()
        },
    ] {
        assert!(config.validate().is_err(), "{config:?}");
    }
    let all_lost = FaultConfig {
        unreadable_rate: 0.25,
        lost_drop_rate: 0.25,
        lost_timeout_rate: 0.25,
        lost_error_rate: 0.25,
        ..FaultConfig::default()
    };
    assert!(all_lost.validate().is_ok());
}

#[test]
fn a_rate_of_one_always_injects() {
    let cases = [
        (
            FaultConfig {
                unavailable_rate: 1.0,
                ..FaultConfig::default()
            },
            Injected::Unavailable,
        ),
        (
            FaultConfig {
                lost_drop_rate: 1.0,
                ..FaultConfig::default()
            },
            Injected::LostDrop,
        ),
        (
            FaultConfig {
                lost_timeout_rate: 1.0,
                ..FaultConfig::default()
            },
            Injected::LostTimeout(Duration::from_secs(30)),
        ),
        (
            FaultConfig {
                lost_timeout_rate: 1.0,
                lost_timeout_ms: 250,
                ..FaultConfig::default()
            },
            Injected::LostTimeout(Duration::from_millis(250)),
        ),
        (
            FaultConfig {
                lost_error_rate: 1.0,
                ..FaultConfig::default()
            },
            Injected::LostError,
        ),
    ];
    for (config, expected) in cases {
        let faults = Faults::new(
            FaultConfig {
                latency_ms: 3,
                ..config
            },
            1,
        );
        for decision in sequence(&faults, 20) {
            assert_eq!(decision.injected, expected);
            assert_eq!(decision.latency, Duration::from_millis(3));
        }
    }
}

#[test]
fn the_lost_timeout_defaults_to_thirty_seconds() {
    assert_eq!(DEFAULT_LOST_TIMEOUT_MS, 30_000);
    assert_eq!(
        FaultConfig::default().lost_timeout(),
        Duration::from_secs(30)
    );
    let short = FaultConfig {
        lost_timeout_ms: 1,
        ..FaultConfig::default()
    };
    assert_eq!(short.lost_timeout(), Duration::from_millis(1));
}

#[test]
fn durations_alone_need_no_draw_and_the_list_lag_follows_the_settings() {
    let config = FaultConfig {
        latency_ms: 5,
        lost_timeout_ms: 100,
        list_lag_ms: 300,
        throttle_per_second: 2,
        ..FaultConfig::default()
    };
    assert!(config.is_deterministic_without_draws());
    let faults = Faults::new(config, 1);
    assert_eq!(faults.list_lag(), Duration::from_millis(300));
    assert_eq!(faults.decide().injected, Injected::Nothing);
    faults.set(FaultConfig::default(), None).unwrap();
    assert_eq!(faults.list_lag(), Duration::ZERO);
}
