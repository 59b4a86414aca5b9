//! How a simulator behaves: accepted keys, timings, faults and clock.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::{Clock, SystemClock};

/// The API key a default simulator accepts. It has the documented `rbk_` prefix and is not a
/// secret: the simulator holds no data worth protecting.
pub const DEFAULT_API_KEY: &str = "rbk_sim_local";

/// A prompt containing this marker ends `failed` instead of `succeeded`.
pub const FAIL_MARKER: &str = "[sim:fail]";

/// A prompt containing this marker never ends by itself (until it is canceled): for tests of
/// wait timeouts.
pub const HANG_MARKER: &str = "[sim:hang]";

/// Everything that shapes a simulator's behaviour.
#[derive(Clone)]
pub struct SimConfig {
    /// The accepted API keys. An empty list accepts any non-empty key.
    pub api_keys: Vec<String>,
    /// How long the simulated work takes.
    pub timings: Timings,
    /// Which failures to inject into `/v1` answers.
    pub faults: FaultConfig,
    /// The source of the current time.
    pub clock: Arc<dyn Clock>,
}

impl SimConfig {
    /// The demo configuration, the same as [`SimConfig::default`]: key [`DEFAULT_API_KEY`],
    /// [`Timings::demo`], no faults, the system clock.
    pub fn demo() -> Self {
        Self::default()
    }

    /// The default configuration with `clock` instead of the system clock.
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            ..Self::default()
        }
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            api_keys: vec![DEFAULT_API_KEY.to_owned()],
            timings: Timings::demo(),
            faults: FaultConfig::default(),
            clock: Arc::new(SystemClock),
        }
    }
}

impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field(
                "api_keys",
                &format_args!("[{} redacted]", self.api_keys.len()),
            )
            .field("timings", &self.timings)
            .field("faults", &self.faults)
            .field("clock", &self.clock)
            .finish()
    }
}

/// How long the simulated work takes. A task's first prompt starts after `provision` (or
/// `reused_provision` when the task reuses a workspace); each prompt then runs for
/// `per_prompt`, one after the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timings {
    /// Time to provision a new VM before the first prompt starts.
    pub provision: Duration,
    /// Time to resume an existing workspace before the first prompt starts.
    pub reused_provision: Duration,
    /// Time one prompt runs.
    pub per_prompt: Duration,
    /// How long a signed upload URL stays valid.
    pub upload_url_ttl: Duration,
}

impl Timings {
    /// Timings for a demo: a new task finishes in about eight seconds (3 s provisioning,
    /// 5 s of work), one in a reused workspace in about five and a half.
    pub fn demo() -> Self {
        Self {
            provision: Duration::from_secs(3),
            reused_provision: Duration::from_millis(500),
            per_prompt: Duration::from_secs(5),
            upload_url_ttl: Duration::from_secs(3600),
        }
    }
}

impl Default for Timings {
    fn default() -> Self {
        Self::demo()
    }
}

/// Failures injected into answers of the `/v1` API routes (never into uploads or pages).
///
/// For each request one draw decides at most one of: a 500 (documented JSON body), a 502 or
/// 503 (HTML body, as a gateway sends), a 429 with `Retry-After`, a stall, or "commit, then
/// drop the connection". The rates are probabilities from 0 to 1 and their sum must not
/// exceed one. Added latency is drawn separately and combines with the rest. The draws come from a
/// generator seeded with `seed`, so a run with the same requests in the same order injects
/// the same faults.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultConfig {
    /// Seed of the random draws.
    pub seed: u64,
    /// Rate of `500 internal_error` answers (nothing is done).
    pub error_500_rate: f64,
    /// Rate of `502 Bad Gateway` answers with an HTML body (nothing is done).
    pub error_502_rate: f64,
    /// Rate of `503 Service Unavailable` answers with an HTML body (nothing is done).
    pub error_503_rate: f64,
    /// Rate of `429 Too Many Requests` answers (nothing is done).
    pub rate_limit_rate: f64,
    /// The `Retry-After` of a 429, in whole seconds.
    pub retry_after: Duration,
    /// Rate of requests that wait `stall` before they are handled, to outlast a client's
    /// timeout. The request is handled after the stall if the client is still there.
    pub stall_rate: f64,
    /// How long a stall lasts.
    pub stall: Duration,
    /// Rate of requests that are carried out and whose connection is then closed before any
    /// answer is written: the change is committed but the client sees a transport error.
    pub drop_after_commit_rate: f64,
    /// Rate of requests delayed by `latency`.
    pub latency_rate: f64,
    /// The added latency.
    pub latency: Duration,
}

impl Default for FaultConfig {
    /// No faults.
    fn default() -> Self {
        Self {
            seed: 0,
            error_500_rate: 0.0,
            error_502_rate: 0.0,
            error_503_rate: 0.0,
            rate_limit_rate: 0.0,
            retry_after: Duration::from_secs(1),
            stall_rate: 0.0,
            stall: Duration::from_secs(60),
            drop_after_commit_rate: 0.0,
            latency_rate: 0.0,
            latency: Duration::ZERO,
        }
    }
}

impl FaultConfig {
    /// No faults at all.
    pub fn none() -> Self {
        Self::default()
    }

    /// Whether any fault can be injected.
    pub fn is_active(&self) -> bool {
        self.exclusive_rates().iter().any(|r| *r > 0.0)
            || (self.latency_rate > 0.0 && !self.latency.is_zero())
    }

    /// The rates of the mutually exclusive faults, in the order they are drawn.
    pub(crate) fn exclusive_rates(&self) -> [f64; 6] {
        [
            self.error_500_rate,
            self.error_502_rate,
            self.error_503_rate,
            self.rate_limit_rate,
            self.stall_rate,
            self.drop_after_commit_rate,
        ]
    }

    /// Checks that every rate is within 0 to 1 and that the exclusive ones add up to at
    /// most 1.
    pub fn check(&self) -> Result<(), String> {
        let rates = self.exclusive_rates();
        for r in rates.iter().chain(std::iter::once(&self.latency_rate)) {
            if !(0.0..=1.0).contains(r) {
                return Err(format!("fault rate {r} is not between 0 and 1"));
            }
        }
        let sum: f64 = rates.iter().sum();
        if sum > 1.0 + 1e-9 {
            return Err(format!(
                "the fault rates add up to {sum}; they must add up to at most 1"
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_rates_are_checked() {
        assert!(FaultConfig::default().check().is_ok());
        assert!(!FaultConfig::default().is_active());
        let too_much = FaultConfig {
            error_500_rate: 0.6,
            drop_after_commit_rate: 0.6,
            ..FaultConfig::default()
        };
        assert!(too_much.check().unwrap_err().contains("add up"));
        let negative = FaultConfig {
            stall_rate: -0.1,
            ..FaultConfig::default()
        };
        assert!(negative.check().is_err());
        let err = crate::Simulator::in_memory(SimConfig {
            faults: too_much,
            ..SimConfig::default()
        })
        .unwrap_err();
        assert!(matches!(err, crate::SimError::Config(_)));
    }

    #[test]
    fn debug_hides_the_keys() {
        let config = SimConfig {
            api_keys: vec!["rbk_secret_value".into()],
            ..SimConfig::default()
        };
        assert!(!format!("{config:?}").contains("rbk_secret_value"));
    }
}
