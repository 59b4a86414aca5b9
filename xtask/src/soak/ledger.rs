//! The soak's record of what happened: operations by kind and outcome, and the checks that
//! decide whether the run passed (no lost retry-safe operation, no duplicated task).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rebyte_types::catalog;

/// The kinds of operation the soak performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OpKind {
    /// `POST /v1/tasks`.
    Create,
    /// `GET /v1/tasks/{id}`.
    Get,
    /// `GET /v1/tasks` (one page).
    List,
    /// `POST /v1/tasks/{id}/prompts`.
    FollowUp,
    /// `PATCH /v1/tasks/{id}/visibility`.
    Visibility,
    /// `POST /v1/files` and the `PUT` of the bytes.
    Upload,
    /// `DELETE /v1/tasks/{id}`.
    Delete,
    /// `POST /v1/tasks/{id}/cancel`.
    Cancel,
    /// Polling `GET /v1/tasks/{id}` until the task ends.
    Wait,
}

impl OpKind {
    /// Every kind, in report order.
    pub const ALL: [OpKind; 9] = [
        OpKind::Create,
        OpKind::Get,
        OpKind::List,
        OpKind::FollowUp,
        OpKind::Visibility,
        OpKind::Upload,
        OpKind::Delete,
        OpKind::Cancel,
        OpKind::Wait,
    ];

    /// The name used in the report.
    pub fn name(self) -> &'static str {
        match self {
            OpKind::Create => "create",
            OpKind::Get => "get",
            OpKind::List => "list",
            OpKind::FollowUp => "follow-up",
            OpKind::Visibility => "visibility",
            OpKind::Upload => "upload",
            OpKind::Delete => "delete",
            OpKind::Cancel => "cancel",
            OpKind::Wait => "wait",
        }
    }

    /// Whether the endpoint behind the operation may be repeated after the request may
    /// have reached the server, as the endpoint catalog says (a wait is repeated GETs).
    pub fn retry_safe(self) -> bool {
        let endpoint = match self {
            OpKind::Create => catalog::CREATE_TASK,
            OpKind::Get | OpKind::Wait => catalog::GET_TASK,
            OpKind::List => catalog::LIST_TASKS,
            OpKind::FollowUp => catalog::CREATE_PROMPT,
            OpKind::Visibility => catalog::SET_VISIBILITY,
            OpKind::Upload => catalog::CREATE_FILE,
            OpKind::Delete => catalog::DELETE_TASK,
            OpKind::Cancel => catalog::CANCEL_TASK,
        };
        endpoint.retry_safe
    }
}

/// Why an operation failed, in the terms the pass/fail rules need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Failure {
    /// A transient failure (429, 502, 503, 504, timeout, broken connection) on a retry-safe
    /// operation, with attempts left in the budget: the client gave up too early. **Lost.**
    Lost,
    /// A transient failure on a retry-safe operation after every attempt of the budget
    /// failed, each to an injected fault. Expected about `rate^attempts` of the time.
    Exhausted,
    /// A failure the retry policy does not retry by design (such as `500 internal_error`).
    NotRetriedByPolicy,
    /// A non-retry-safe operation (create, follow-up, upload slot) refused with an answer
    /// that proves nothing was done (429, 502, 503): safe to send again by hand.
    RejectedNotCommitted,
    /// A non-retry-safe operation whose answer was lost (timeout, dropped connection): the
    /// change may have been committed, and the client rightly did not send it again.
    Ambiguous,
    /// A repeated attempt of a retry-safe operation found the change already made (`404`
    /// for a delete or cancel whose earlier attempt was committed and its answer dropped).
    AlreadyDone,
    /// Anything else: a bug in the client, the simulator or the soak. **Counts as lost.**
    Unexpected,
}

impl Failure {
    /// The name used in the report.
    pub fn name(self) -> &'static str {
        match self {
            Failure::Lost => "LOST (transient, attempts left)",
            Failure::Exhausted => "exhausted attempt budget",
            Failure::NotRetriedByPolicy => "not retried by policy (500)",
            Failure::RejectedNotCommitted => "rejected, not committed (not retry-safe)",
            Failure::Ambiguous => "ambiguous, may be committed (not retry-safe)",
            Failure::AlreadyDone => "already done by an earlier attempt (404)",
            Failure::Unexpected => "UNEXPECTED",
        }
    }

    /// Whether this failure fails the soak.
    pub fn fails_run(self) -> bool {
        matches!(self, Failure::Lost | Failure::Unexpected)
    }
}

/// One finished operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// What it was.
    pub kind: OpKind,
    /// `None` if it succeeded.
    pub failure: Option<Failure>,
    /// HTTP attempts the client made for it (for a wait: for its last poll).
    pub attempts: u32,
    /// The error message, for failures.
    pub message: String,
}

/// All the records of a run, and the prompts of the tasks that exist server-side.
#[derive(Debug, Default)]
pub struct Ledger {
    records: Vec<Record>,
}

impl Ledger {
    /// Adds many records.
    pub fn extend(&mut self, records: impl IntoIterator<Item = Record>) {
        self.records.extend(records);
    }

    /// The records, in the order added.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// How many operations of `kind` were done and how many failed.
    pub fn counts(&self, kind: OpKind) -> (usize, usize) {
        let of_kind = self.records.iter().filter(|r| r.kind == kind);
        let total = of_kind.clone().count();
        let failed = of_kind.filter(|r| r.failure.is_some()).count();
        (total, failed)
    }

    /// Failures grouped by kind of operation and reason.
    pub fn failures(&self) -> BTreeMap<(OpKind, Failure), usize> {
        let mut map = BTreeMap::new();
        for r in &self.records {
            if let Some(f) = r.failure {
                *map.entry((r.kind, f)).or_insert(0) += 1;
            }
        }
        map
    }

    /// The records that fail the run.
    pub fn losses(&self) -> impl Iterator<Item = &Record> {
        self.records
            .iter()
            .filter(|r| r.failure.is_some_and(Failure::fails_run))
    }

    /// Creates reported successful, and creates that failed ambiguously.
    pub fn creates(&self) -> (usize, usize) {
        let creates = self.records.iter().filter(|r| r.kind == OpKind::Create);
        let ok = creates.clone().filter(|r| r.failure.is_none()).count();
        let ambiguous = creates
            .filter(|r| r.failure == Some(Failure::Ambiguous))
            .count();
        (ok, ambiguous)
    }

    /// A table of operations by kind: done, succeeded, failed.
    pub fn render_operations(&self) -> String {
        let mut out = String::from("operation    retry-safe      done        ok    failed\n");
        let mut total = (0, 0);
        for kind in OpKind::ALL {
            let (n, failed) = self.counts(kind);
            total = (total.0 + n, total.1 + failed);
            let safe = if kind.retry_safe() { "yes" } else { "no" };
            // Writing to a String cannot fail.
            let _ = writeln!(
                out,
                "{:<12} {safe:>10} {n:>9} {:>9} {failed:>9}",
                kind.name(),
                n - failed
            );
        }
        let _ = writeln!(
            out,
            "{:<12} {:>10} {:>9} {:>9} {:>9}",
            "all",
            "",
            total.0,
            total.0 - total.1,
            total.1
        );
        out
    }
}

/// The prompts that occur more than once among the first prompts of the tasks that exist
/// server-side, with their number of tasks. Each create of the soak sends a unique prompt,
/// so any repeat is a task created twice by one create call.
pub fn duplicates<'a>(prompts: impl IntoIterator<Item = &'a str>) -> Vec<(String, usize)> {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for p in prompts {
        *seen.entry(p).or_insert(0) += 1;
    }
    seen.into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(p, n)| (p.to_owned(), n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_only_repeated_prompts() {
        let prompts = [
            "soak 1", "soak 2", "soak 3", "soak 2", "soak 4", "soak 2", "soak 3",
        ];
        assert_eq!(
            duplicates(prompts),
            vec![("soak 2".to_owned(), 3), ("soak 3".to_owned(), 2)]
        );
        assert!(duplicates(["a", "b", "c"]).is_empty());
        assert!(duplicates([]).is_empty());
    }

    #[test]
    fn retry_safety_comes_from_the_catalog() {
        assert!(!OpKind::Create.retry_safe());
        assert!(!OpKind::FollowUp.retry_safe());
        assert!(OpKind::Get.retry_safe());
        assert!(OpKind::Wait.retry_safe());
        assert_eq!(OpKind::Delete.retry_safe(), catalog::DELETE_TASK.retry_safe);
    }

    #[test]
    fn only_lost_and_unexpected_fail_the_run() {
        let mut ledger = Ledger::default();
        let rec = |kind, failure| Record {
            kind,
            failure,
            attempts: 1,
            message: String::new(),
        };
        ledger.extend([
            rec(OpKind::Create, None),
            rec(OpKind::Create, Some(Failure::Ambiguous)),
            rec(OpKind::Get, Some(Failure::Exhausted)),
        ]);
        assert_eq!(ledger.losses().count(), 0);
        assert_eq!(ledger.creates(), (1, 1));
        ledger.extend([rec(OpKind::Get, Some(Failure::Lost))]);
        assert_eq!(ledger.losses().count(), 1);
        assert_eq!(ledger.counts(OpKind::Get), (2, 2));
        let table = ledger.render_operations();
        assert!(table.contains("create"), "{table}");
        assert!(table.lines().last().is_some_and(|l| l.starts_with("all")));
    }
}
