//! The simulator's sense of time: every state is derived from stored timestamps and
//! [`Clock::now`], so tests move a [`ManualClock`] instead of sleeping.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use rebyte_types::Timestamp;

/// A source of the current time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The real time of the machine.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that moves only when told to. Clones share the same time, so a test keeps one
/// clone and gives another to the simulator.
#[derive(Clone)]
pub struct ManualClock {
    millis: Arc<AtomicI64>,
}

/// 2026-01-01T00:00:00.000Z, where a [`ManualClock::default`] starts.
const DEFAULT_START_MILLIS: i64 = 1_767_225_600_000;

impl ManualClock {
    /// A clock showing `start`.
    pub fn new(start: Timestamp) -> Self {
        Self {
            millis: Arc::new(AtomicI64::new(start.unix_millis())),
        }
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        // fetch_update never fails with a closure that always returns Some.
        let _ = self
            .millis
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |m| {
                Some(m.saturating_add(by))
            });
    }

    /// Sets the clock to `to`.
    pub fn set(&self, to: Timestamp) {
        self.millis.store(to.unix_millis(), Ordering::SeqCst);
    }
}

impl Default for ManualClock {
    /// A clock at 2026-01-01T00:00:00.000Z.
    fn default() -> Self {
        Self {
            millis: Arc::new(AtomicI64::new(DEFAULT_START_MILLIS)),
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        let millis = self.millis.load(Ordering::SeqCst);
        Timestamp::from_unix_millis(millis)
            .or_else(|| Timestamp::from_unix_millis(DEFAULT_START_MILLIS))
            .unwrap_or_else(Timestamp::now)
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ManualClock").field(&self.now()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told_and_clones_share_time() {
        let clock = ManualClock::default();
        let other = clock.clone();
        let start = clock.now();
        assert_eq!(other.now(), start);
        clock.advance(Duration::from_millis(1500));
        assert_eq!(other.now().unix_millis() - start.unix_millis(), 1500);
        other.set(start);
        assert_eq!(clock.now(), start);
        assert_eq!(start.to_string(), "2026-01-01T00:00:00.000Z");
    }
}
