//! The retry policy: when a failed attempt is repeated, and after how long.

use std::time::{Duration, SystemTime};

/// When and how often a failed request is tried again.
///
/// On by default. What is retried is fixed by the endpoint, not by the policy:
///
/// - a connection that could not be made, and a `429 Too Many Requests`, for every endpoint
///   (the request was not processed);
/// - `502`, `503`, `504`, a per-attempt timeout, or a connection lost mid-answer, only for the
///   endpoints the catalog marks retry-safe ([`rebyte_types::Endpoint::retry_safe`]). Creating
///   a task, sending a follow-up and asking for an upload slot are never repeated once the
///   request may have reached the server, because the API has no idempotency key.
///
/// The delay before attempt `n + 1` is chosen uniformly between zero and
/// `min(max_backoff, initial_backoff × 2ⁿ⁻¹)` ("full jitter"), unless the server sent a
/// `Retry-After` (seconds or an HTTP date), which is honoured, clamped to `max_retry_after`.
/// Retrying stops at `max_attempts` attempts in all, or when the next attempt would start
/// after `deadline` from the first.
///
/// ```
/// use std::time::Duration;
/// use rebyte_client::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .max_attempts(5)
///     .initial_backoff(Duration::from_millis(100))
///     .max_backoff(Duration::from_secs(5));
/// # let _ = policy;
/// let never = RetryPolicy::none();
/// # let _ = never;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    deadline: Duration,
}

impl Default for RetryPolicy {
    /// Four attempts in all, backoff from 250 ms up to 8 s, `Retry-After` honoured up to
    /// 60 s, no retry started later than 2 minutes after the first attempt.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            deadline: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries: every operation makes exactly one attempt.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// How many attempts in all, the first included; `1` disables retries (`0` counts as 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff bound of the first retry; it doubles with each retry.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The largest backoff bound.
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The longest `Retry-After` honoured; a longer one is cut to this.
    pub fn max_retry_after(mut self, limit: Duration) -> Self {
        self.max_retry_after = limit;
        self
    }

    /// No retry starts later than this after the first attempt.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The number of attempts in all.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The delay before the attempt that follows attempt number `attempt` (from 1).
    pub(crate) fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.max_retry_after);
        }
        let exp = attempt.saturating_sub(1).min(30);
        let bound = self
            .initial_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        let nanos = u64::try_from(bound.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }

    /// Whether another attempt may start `delay` from now, `elapsed` after the first one,
    /// when `attempt` attempts were made.
    pub(crate) fn allows(&self, attempt: u32, elapsed: Duration, delay: Duration) -> bool {
        attempt < self.max_attempts && elapsed.saturating_add(delay) <= self.deadline
    }
}

/// Reads a `Retry-After` value: a number of seconds, or an HTTP date (a date in the past
/// means "now").
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>()
        && secs.is_finite()
        && secs >= 0.0
    {
        return Some(Duration::from_secs_f64(secs.min(1e9)));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_770_633_000);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(7));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(7)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(7));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn backoff_is_jittered_under_a_growing_cap() {
        let policy = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(350));
        for _ in 0..200 {
            assert!(policy.delay(1, None) <= Duration::from_millis(100));
            assert!(policy.delay(2, None) <= Duration::from_millis(200));
            assert!(policy.delay(9, None) <= Duration::from_millis(350));
            assert!(policy.delay(u32::MAX, None) <= Duration::from_millis(350));
        }
        let spread: std::collections::HashSet<_> = (0..50).map(|_| policy.delay(3, None)).collect();
        assert!(spread.len() > 1, "no jitter");
    }

    #[test]
    fn retry_after_is_clamped() {
        let policy = RetryPolicy::default().max_retry_after(Duration::from_secs(2));
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(3600))),
            Duration::from_secs(2)
        );
        assert_eq!(
            policy.delay(1, Some(Duration::from_millis(5))),
            Duration::from_millis(5)
        );
    }

    #[test]
    fn attempts_and_deadline_bound_retries() {
        let policy = RetryPolicy::default()
            .max_attempts(3)
            .deadline(Duration::from_secs(10));
        assert!(policy.allows(1, Duration::ZERO, Duration::ZERO));
        assert!(policy.allows(2, Duration::ZERO, Duration::ZERO));
        assert!(!policy.allows(3, Duration::ZERO, Duration::ZERO));
        assert!(!policy.allows(1, Duration::from_secs(9), Duration::from_secs(2)));
        assert!(!RetryPolicy::none().allows(1, Duration::ZERO, Duration::ZERO));
    }
}
