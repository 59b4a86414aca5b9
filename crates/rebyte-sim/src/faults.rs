//! Fault injection: seeded draws and counters of what was injected.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::config::FaultConfig;

/// How many faults of each kind were injected since the simulator started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultCounters {
    /// `500 internal_error` answers.
    pub error_500: u64,
    /// `502` gateway answers.
    pub error_502: u64,
    /// `503` gateway answers.
    pub error_503: u64,
    /// `429` answers with `Retry-After`.
    pub rate_limited: u64,
    /// Requests held for the stall duration.
    pub stalled: u64,
    /// Requests carried out whose connection was then dropped without an answer.
    pub dropped_after_commit: u64,
    /// Requests delayed by the added latency.
    pub delayed: u64,
}

impl FaultCounters {
    /// Every injected fault, latency included.
    pub fn total(&self) -> u64 {
        self.error_500
            + self.error_502
            + self.error_503
            + self.rate_limited
            + self.stalled
            + self.dropped_after_commit
            + self.delayed
    }
}

/// The fault chosen for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    Error500,
    Error502,
    Error503,
    RateLimited,
    Stall,
    DropAfterCommit,
}

/// What to do to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Decision {
    pub latency: Option<Duration>,
    pub fault: Option<Fault>,
}

/// The fault generator of one simulator.
#[derive(Debug)]
pub(crate) struct FaultInjector {
    pub config: FaultConfig,
    active: bool,
    state: AtomicU64,
    counts: [AtomicU64; 7],
}

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

impl FaultInjector {
    pub fn new(config: FaultConfig) -> Self {
        Self {
            active: config.is_active(),
            state: AtomicU64::new(config.seed),
            config,
            counts: Default::default(),
        }
    }

    /// A uniform draw in `[0, 1)`, SplitMix64 over an atomic counter.
    fn draw(&self) -> f64 {
        let mut z = self
            .state
            .fetch_add(GOLDEN_GAMMA, Ordering::Relaxed)
            .wrapping_add(GOLDEN_GAMMA);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Decides the fate of one request and counts it.
    pub fn decide(&self) -> Decision {
        if !self.active {
            return Decision::default();
        }
        let mut decision = Decision::default();
        if self.config.latency_rate > 0.0
            && !self.config.latency.is_zero()
            && self.draw() < self.config.latency_rate
        {
            decision.latency = Some(self.config.latency);
            self.counts[6].fetch_add(1, Ordering::Relaxed);
        }
        let u = self.draw();
        let kinds = [
            Fault::Error500,
            Fault::Error502,
            Fault::Error503,
            Fault::RateLimited,
            Fault::Stall,
            Fault::DropAfterCommit,
        ];
        let mut edge = 0.0;
        for (i, (rate, kind)) in self.config.exclusive_rates().iter().zip(kinds).enumerate() {
            edge += rate;
            if *rate > 0.0 && u < edge {
                decision.fault = Some(kind);
                self.counts[i].fetch_add(1, Ordering::Relaxed);
                break;
            }
        }
        decision
    }

    pub fn counters(&self) -> FaultCounters {
        let c = |i: usize| self.counts[i].load(Ordering::Relaxed);
        FaultCounters {
            error_500: c(0),
            error_502: c(1),
            error_503: c(2),
            rate_limited: c(3),
            stalled: c(4),
            dropped_after_commit: c(5),
            delayed: c(6),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_follow_the_rates_and_the_seed() {
        let config = FaultConfig {
            seed: 7,
            error_503_rate: 0.25,
            drop_after_commit_rate: 0.25,
            ..FaultConfig::default()
        };
        let a = FaultInjector::new(config.clone());
        let b = FaultInjector::new(config);
        let run_a: Vec<_> = (0..4000).map(|_| a.decide()).collect();
        let run_b: Vec<_> = (0..4000).map(|_| b.decide()).collect();
        assert_eq!(run_a, run_b, "the same seed gives the same faults");
        let counts = a.counters();
        assert!((800..1200).contains(&counts.error_503), "{counts:?}");
        assert!(
            (800..1200).contains(&counts.dropped_after_commit),
            "{counts:?}"
        );
        assert_eq!(counts.error_500 + counts.rate_limited + counts.stalled, 0);
    }

    #[test]
    fn no_faults_by_default() {
        let f = FaultInjector::new(FaultConfig::default());
        assert_eq!(f.decide(), Decision::default());
        assert_eq!(f.counters().total(), 0);
    }
}
