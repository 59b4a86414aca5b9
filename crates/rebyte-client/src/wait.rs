//! Waiting for a task, or one of its prompts, to finish.

use std::time::Duration;

use rebyte_types::{PromptId, Task, TaskId};
use tokio::time::Instant;

use crate::client::Client;
use crate::error::{Error, Result};

/// How [`Client::wait_for_task`] and [`Client::wait_for_prompt`] poll.
///
/// The first poll is immediate; the pause after it starts at `initial_interval` and grows
/// ×1.5 with each poll up to `max_interval`, each pause jittered by ±20 % so that many
/// waiters spread out. The wait ends with [`Error::WaitTimeout`] after `timeout`.
///
/// ```
/// use std::time::Duration;
/// use rebyte_client::WaitOptions;
///
/// let options = WaitOptions::default()
///     .max_interval(Duration::from_secs(10))
///     .timeout(Duration::from_secs(30 * 60));
/// # let _ = options;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitOptions {
    initial_interval: Duration,
    max_interval: Duration,
    timeout: Duration,
}

impl Default for WaitOptions {
    /// Pauses from 1 s growing to 5 s; 600 s in all.
    fn default() -> Self {
        Self {
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(5),
            timeout: Duration::from_secs(600),
        }
    }
}

impl WaitOptions {
    /// The pause after the first poll.
    pub fn initial_interval(mut self, interval: Duration) -> Self {
        self.initial_interval = interval;
        self
    }

    /// The longest pause between polls.
    pub fn max_interval(mut self, interval: Duration) -> Self {
        self.max_interval = interval;
        self
    }

    /// How long to wait in all.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// How many polls in a row may fail with a transient error before the wait gives up.
const MAX_FAILED_POLLS: u32 = 3;

impl Client {
    /// Polls the task until it finishes, and returns it whatever the outcome: read
    /// `task.status` to learn whether it completed, failed or was canceled.
    ///
    /// Transient errors of a poll (after the request's own retries), and 500 answers, are
    /// tolerated a few times in a row. Dropping the future stops the wait. Ends with [`Error::WaitTimeout`],
    /// carrying the last task read, when `options`' timeout passes first.
    pub async fn wait_for_task(&self, id: &TaskId, options: &WaitOptions) -> Result<Task> {
        self.wait_for_task_with(id, options, |_| {}).await
    }

    /// [`Client::wait_for_task`], calling `on_poll` with every task read (for progress).
    pub async fn wait_for_task_with(
        &self,
        id: &TaskId,
        options: &WaitOptions,
        on_poll: impl FnMut(&Task) + Send,
    ) -> Result<Task> {
        self.poll_until(id, options, on_poll, Task::is_finished)
            .await
    }

    /// Polls the task until the prompt `prompt` has finished, and returns the task. Use it
    /// after [`Client::follow_up`]: the task may still read `completed` from the previous
    /// prompt while the new one is pending, which does not end this wait. A prompt not yet
    /// listed counts as pending.
    pub async fn wait_for_prompt(
        &self,
        id: &TaskId,
        prompt: &PromptId,
        options: &WaitOptions,
    ) -> Result<Task> {
        self.wait_for_prompt_with(id, prompt, options, |_| {}).await
    }

    /// [`Client::wait_for_prompt`], calling `on_poll` with every task read.
    pub async fn wait_for_prompt_with(
        &self,
        id: &TaskId,
        prompt: &PromptId,
        options: &WaitOptions,
        on_poll: impl FnMut(&Task) + Send,
    ) -> Result<Task> {
        self.poll_until(id, options, on_poll, |task| {
            task.prompt(prompt).is_some_and(|p| p.status.is_terminal())
        })
        .await
    }

    async fn poll_until(
        &self,
        id: &TaskId,
        options: &WaitOptions,
        mut on_poll: impl FnMut(&Task) + Send,
        finished: impl Fn(&Task) -> bool + Send,
    ) -> Result<Task> {
        let start = Instant::now();
        // A timeout too long to add to an instant is no deadline at all.
        let deadline = start.checked_add(options.timeout);
        let mut interval = options.initial_interval.min(options.max_interval);
        let mut last: Option<Task> = None;
        let mut failed_polls = 0u32;
        let timed_out = |last: Option<Task>| Error::WaitTimeout {
            last: last.map(Box::new),
            waited: start.elapsed(),
        };
        loop {
            let poll = match deadline {
                Some(deadline) => tokio::time::timeout_at(deadline, self.get_task(id)).await,
                None => Ok(self.get_task(id).await),
            };
            match poll {
                Err(_) => return Err(timed_out(last)),
                Ok(Ok(task)) => {
                    failed_polls = 0;
                    on_poll(&task);
                    if finished(&task) {
                        return Ok(task);
                    }
                    tracing::trace!(task = %id, status = %task.status, "still running");
                    last = Some(task);
                }
                Ok(Err(error)) if poll_may_fail(&error) && failed_polls + 1 < MAX_FAILED_POLLS => {
                    failed_polls += 1;
                    tracing::debug!(task = %id, reason = %error, "a poll failed; polling on");
                }
                Ok(Err(error)) => return Err(error),
            }
            let mut pause = jitter(interval);
            if let Some(deadline) = deadline {
                let now = Instant::now();
                if now >= deadline {
                    return Err(timed_out(last));
                }
                pause = pause.min(deadline - now);
            }
            tokio::time::sleep(pause).await;
            interval = scale(interval, 1.5).min(options.max_interval);
        }
    }
}

/// Whether a failed poll is worth polling on. Besides what a request retries by itself,
/// a 500 counts: a GET is safe to repeat, and a long wait should not die of one bad answer
/// that the request's retry policy (rightly, for other calls) does not repeat.
fn poll_may_fail(error: &Error) -> bool {
    error.is_retryable() || error.status() == Some(500)
}

/// `interval` ±20 %.
fn jitter(interval: Duration) -> Duration {
    scale(interval, 0.8 + 0.4 * fastrand::f64())
}

/// `interval × factor`, saturating at `Duration::MAX` instead of panicking.
fn scale(interval: Duration, factor: f64) -> Duration {
    Duration::try_from_secs_f64(interval.as_secs_f64() * factor).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_a_fifth() {
        for _ in 0..100 {
            let d = jitter(Duration::from_millis(1000));
            assert!(d >= Duration::from_millis(800) && d <= Duration::from_millis(1200));
        }
    }
}
