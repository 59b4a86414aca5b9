//! The soak's workers: each draws operations from a seeded mix and keeps its own pool of
//! tasks, so that no two workers race on one task (a delete never meets another worker's
//! read of the same task).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rebyte_client::{
    Client, CreateTaskRequest, Error, FollowUpRequest, ListTasksQuery, TaskId, Visibility,
    WaitOptions,
};
use tracing::Instrument as _;

use super::ledger::{Failure, OpKind, Record};
use super::trace::{OpTrace, RetryCounter};

/// What every worker shares.
#[derive(Debug)]
pub struct Shared {
    /// The client under test.
    pub client: Client,
    /// The retry counters fed by the tracing layer.
    pub counter: RetryCounter,
    /// The number of the next operation.
    pub next_op: AtomicU64,
    /// Operations in all.
    pub total_ops: u64,
    /// Seed of the mix.
    pub seed: u64,
    /// A small file to upload.
    pub upload: PathBuf,
}

/// What one worker did.
#[derive(Debug, Default)]
pub struct WorkerResult {
    /// One record per operation.
    pub records: Vec<Record>,
    /// The tasks its creates returned, with the prompt each was created with.
    pub created: Vec<(TaskId, String)>,
}

/// The mix: each kind with its weight.
const MIX: [(OpKind, u32); 9] = [
    (OpKind::Create, 18),
    (OpKind::Get, 18),
    (OpKind::List, 8),
    (OpKind::FollowUp, 10),
    (OpKind::Visibility, 10),
    (OpKind::Upload, 6),
    (OpKind::Delete, 8),
    (OpKind::Cancel, 8),
    (OpKind::Wait, 14),
];

fn pick(rng: &mut fastrand::Rng) -> OpKind {
    let total: u32 = MIX.iter().map(|(_, w)| w).sum();
    let mut x = rng.u32(0..total);
    for (kind, w) in MIX {
        if x < w {
            return kind;
        }
        x -= w;
    }
    OpKind::Get
}

/// Runs operations until the shared count is used up.
pub async fn worker(shared: Arc<Shared>, index: u64) -> WorkerResult {
    let mut rng = fastrand::Rng::with_seed(shared.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ index);
    let mut pool: Vec<TaskId> = Vec::new();
    let mut out = WorkerResult::default();
    let wait = WaitOptions::default()
        .initial_interval(Duration::from_millis(20))
        .max_interval(Duration::from_millis(100))
        .timeout(Duration::from_secs(30));
    let client = &shared.client;
    loop {
        let op = shared.next_op.fetch_add(1, Ordering::Relaxed);
        if op >= shared.total_ops {
            break;
        }
        let mut kind = pick(&mut rng);
        if pool.is_empty() && !matches!(kind, OpKind::Create | OpKind::List | OpKind::Upload) {
            kind = OpKind::Create;
        }
        let slot = if pool.is_empty() {
            0
        } else {
            rng.usize(0..pool.len())
        };
        let span = tracing::info_span!("soak_op", op);
        let result: Result<(), Error> = async {
            match kind {
                OpKind::Create => {
                    let prompt = format!("soak s{} op{op}", shared.seed);
                    let created = client
                        .create_task(&CreateTaskRequest::new(prompt.clone()))
                        .await?;
                    pool.push(created.id.clone());
                    out.created.push((created.id, prompt));
                }
                OpKind::Get => drop(client.get_task(&pool[slot]).await?),
                OpKind::List => drop(client.list_tasks(ListTasksQuery::page(20, 0)).await?),
                OpKind::FollowUp => {
                    let prompt = format!("soak s{} op{op} follow-up", shared.seed);
                    drop(
                        client
                            .follow_up(&pool[slot], &FollowUpRequest::new(prompt))
                            .await?,
                    );
                }
                OpKind::Visibility => {
                    let v = match rng.u8(0..3) {
                        0 => Visibility::Private,
                        1 => Visibility::Shared,
                        _ => Visibility::Public,
                    };
                    drop(client.set_visibility(&pool[slot], v).await?);
                }
                OpKind::Upload => drop(client.upload_file(&shared.upload).await?),
                OpKind::Delete => {
                    // Out of the pool whatever the outcome: it may be gone.
                    let id = pool.swap_remove(slot);
                    client.delete_task(&id).await?;
                }
                OpKind::Cancel => client.cancel_task(&pool[slot]).await?,
                OpKind::Wait => drop(client.wait_for_task(&pool[slot], &wait).await?),
            }
            Ok(())
        }
        .instrument(span)
        .await;
        let trace = shared.counter.take(op);
        out.records.push(match result {
            Ok(()) => Record {
                kind,
                failure: None,
                attempts: trace.retries + 1,
                message: String::new(),
            },
            Err(err) => {
                let mut message = err.to_string();
                if message.len() > 160 {
                    let cut = (0..=160)
                        .rev()
                        .find(|i| message.is_char_boundary(*i))
                        .unwrap_or(0);
                    message.truncate(cut);
                    message.push('…');
                }
                Record {
                    kind,
                    failure: Some(classify(kind, &err, trace)),
                    attempts: trace.retries + 1,
                    message,
                }
            }
        });
    }
    out
}

/// Why an operation failed, in the terms of [`Failure`].
pub fn classify(kind: OpKind, err: &Error, trace: OpTrace) -> Failure {
    let status = err.status();
    if err.is_not_found() && trace.retries > 0 && matches!(kind, OpKind::Delete | OpKind::Cancel) {
        return Failure::AlreadyDone;
    }
    if status == Some(500) {
        return if kind.retry_safe() {
            Failure::NotRetriedByPolicy
        } else {
            Failure::RejectedNotCommitted
        };
    }
    if !err.is_retryable() {
        return Failure::Unexpected;
    }
    let always_retried = status == Some(429) || err.is_connect();
    if kind.retry_safe() || always_retried {
        if trace.gave_up > 0 {
            Failure::Exhausted
        } else {
            Failure::Lost
        }
    } else if matches!(status, Some(502..=504)) {
        Failure::RejectedNotCommitted
    } else {
        Failure::Ambiguous
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rebyte_client::ErrorCode;

    fn api(status: u16, code: ErrorCode) -> Error {
        Error::Api {
            status,
            code,
            message: "m".into(),
            body: "b".into(),
        }
    }

    fn unexpected(status: u16) -> Error {
        Error::UnexpectedResponse {
            status,
            snippet: "<html>".into(),
        }
    }

    const TIMEOUT: Error = Error::Timeout {
        after: Duration::from_millis(400),
        what: "attempt",
    };

    fn trace(retries: u32, gave_up: u32) -> OpTrace {
        OpTrace {
            retries,
            gave_up,
            not_safe: 0,
        }
    }

    #[test]
    fn transient_failures_of_retry_safe_operations_are_lost_unless_the_budget_ran_out() {
        let t = trace(2, 0);
        assert_eq!(classify(OpKind::Get, &unexpected(503), t), Failure::Lost);
        assert_eq!(classify(OpKind::Wait, &TIMEOUT, t), Failure::Lost);
        assert_eq!(
            classify(OpKind::Get, &unexpected(503), trace(9, 1)),
            Failure::Exhausted
        );
        // 429 is retried for every endpoint, so giving up early on a create is lost too.
        assert_eq!(classify(OpKind::Create, &unexpected(429), t), Failure::Lost);
    }

    #[test]
    fn non_retry_safe_failures_are_ambiguous_or_rejected() {
        let t = trace(0, 0);
        assert_eq!(classify(OpKind::Create, &TIMEOUT, t), Failure::Ambiguous);
        assert_eq!(
            classify(OpKind::FollowUp, &unexpected(502), t),
            Failure::RejectedNotCommitted
        );
        assert_eq!(
            classify(OpKind::Create, &api(500, ErrorCode::InternalError), t),
            Failure::RejectedNotCommitted
        );
    }

    #[test]
    fn policy_and_already_done_and_unexpected() {
        assert_eq!(
            classify(
                OpKind::Get,
                &api(500, ErrorCode::InternalError),
                trace(0, 0)
            ),
            Failure::NotRetriedByPolicy
        );
        assert_eq!(
            classify(OpKind::Delete, &api(404, ErrorCode::NotFound), trace(1, 0)),
            Failure::AlreadyDone
        );
        // A 404 on a first attempt is no fault the soak injected.
        assert_eq!(
            classify(OpKind::Delete, &api(404, ErrorCode::NotFound), trace(0, 0)),
            Failure::Unexpected
        );
        assert_eq!(
            classify(
                OpKind::Get,
                &api(400, ErrorCode::ValidationError),
                trace(0, 0)
            ),
            Failure::Unexpected
        );
    }
}
