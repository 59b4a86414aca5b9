//! `cargo xtask soak`: thousands of mixed operations through the client against a
//! simulator that injects faults of every kind, then a report and a verdict.
//!
//! The run fails (exit status 1) on a **lost retry-safe operation** or a **duplicated
//! task**:
//!
//! - *lost*: an operation failed with an error the retry policy promises to retry for its
//!   endpoint (for every endpoint: `429` and connections never made; for retry-safe
//!   endpoints also `502`/`503`/`504`, per-attempt timeouts and connections lost mid-answer),
//!   and the client did not report reaching its attempt limit or retry deadline; or any
//!   failure the soak cannot explain (see [`ledger::Failure`]);
//! - *duplicated*: a prompt (each create sends a unique one) is the first prompt of more than
//!   one task server-side, or more tasks exist than creates that succeeded or failed
//!   ambiguously.
//!
//! A create that failed ambiguously (timeout, dropped connection: the task may exist) is
//! not a duplicate; the point is that the client never sends it again.

mod ledger;
mod ops;
mod trace;

use std::collections::{BTreeMap, HashMap};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use rebyte_client::{Client, ListTasksQuery, RetryPolicy, TaskId};
use rebyte_sim::{DEFAULT_API_KEY, FaultConfig, FaultCounters, SimConfig, Timings};
use tracing_subscriber::layer::SubscriberExt as _;

use crate::bench::BoxError;
use crate::bench::server::SimServer;
use ledger::{Failure, Ledger, OpKind};

/// Options of `cargo xtask soak`.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Operations in all.
    pub ops: u64,
    /// Share of API answers that carry a fault.
    pub fault_rate: f64,
    /// Seed of the operation mix and of the simulator's fault draws.
    pub seed: u64,
    /// Operations in flight at once.
    pub concurrency: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            ops: 5_000,
            fault_rate: 0.3,
            seed: 1,
            concurrency: 16,
        }
    }
}

const USAGE: &str =
    "usage: cargo xtask soak [--ops N] [--fault-rate R] [--seed S] [--concurrency C]

Drives N mixed operations (create, get, list, follow-up, visibility, upload, delete,
cancel, wait) through rebyte-client against an in-process simulator that injects faults
into a share R of its answers, then reports operations, faults, retries, failures and
duplicates. Exits 1 on a lost retry-safe operation or a duplicated task.

  --ops N          operations in all (default 5000)
  --fault-rate R   share of answers with a fault, 0 to 1 (default 0.3)
  --seed S         seed of the operation mix and the fault draws (default 1)
  --concurrency C  operations in flight at once (default 16)";

impl Options {
    /// Parses the arguments after `soak`.
    pub fn parse(args: &[String]) -> Result<Self, String> {
        fn value<'a, T: std::str::FromStr>(
            it: &mut impl Iterator<Item = &'a String>,
            name: &str,
        ) -> Result<T, String> {
            let v = it.next().ok_or_else(|| format!("{name} needs a value"))?;
            v.parse().map_err(|_| format!("{name}: `{v}` is not valid"))
        }
        let mut opts = Options::default();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            match arg.as_str() {
                "--ops" => opts.ops = value(&mut it, "--ops")?,
                "--fault-rate" => opts.fault_rate = value(&mut it, "--fault-rate")?,
                "--seed" => opts.seed = value(&mut it, "--seed")?,
                "--concurrency" => opts.concurrency = value(&mut it, "--concurrency")?,
                "-h" | "--help" => return Err(String::new()),
                other => return Err(format!("unknown argument `{other}`")),
            }
        }
        if !(0.0..=1.0).contains(&opts.fault_rate) {
            return Err("--fault-rate must be between 0 and 1".into());
        }
        opts.concurrency = opts.concurrency.max(1);
        Ok(opts)
    }
}

/// How the injected faults are spread: the six exclusive kinds share `rate` equally; added
/// latency is drawn on its own, at the same share as each of them.
pub fn fault_config(rate: f64, seed: u64) -> FaultConfig {
    let each = rate / 6.0;
    FaultConfig {
        seed,
        error_500_rate: each,
        error_502_rate: each,
        error_503_rate: each,
        rate_limit_rate: each,
        retry_after: Duration::from_secs(1),
        stall_rate: each,
        stall: STALL,
        drop_after_commit_rate: each,
        latency_rate: each,
        latency: Duration::from_millis(30),
    }
}

/// How long a stalled request is held: well beyond the client's per-attempt timeouts.
const STALL: Duration = Duration::from_secs(2);
/// The client's per-attempt timeout for every call but create.
const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(400);
/// The client's per-attempt timeout of create (provisioning takes no time here).
const CREATE_TIMEOUT: Duration = Duration::from_millis(1000);
/// Attempts in all per request.
const ATTEMPTS: u32 = 10;

/// The client the soak drives: short timeouts and backoffs so the run takes a minute or two.
fn soak_client(base_url: &str) -> Result<Client, BoxError> {
    Ok(Client::builder()
        .api_key(DEFAULT_API_KEY)
        .base_url(base_url)
        .connect_timeout(Duration::from_secs(1))
        .request_timeout(ATTEMPT_TIMEOUT)
        .create_timeout(CREATE_TIMEOUT)
        .upload_timeout(Duration::from_secs(5))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(ATTEMPTS)
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(50))
                .max_retry_after(Duration::from_millis(50))
                .deadline(Duration::from_secs(30)),
        )
        .build()?)
}

/// Runs `cargo xtask soak` with the arguments after `soak`.
pub fn run(args: &[String]) -> ExitCode {
    let opts = match Options::parse(args) {
        Ok(o) => o,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("error: {msg}\n");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match soak(&opts) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("soak: {err}");
            ExitCode::from(2)
        }
    }
}

/// What the soak found server-side after the run.
#[derive(Debug)]
struct Inventory {
    /// Tasks ever created, deleted ones included.
    created: usize,
    /// First prompt (title) of every task the soak could account for.
    titles: Vec<String>,
    /// Tasks that exist server-side but whose create the client reported failed.
    unknown: usize,
}

fn soak(opts: &Options) -> Result<bool, BoxError> {
    let counter = trace::RetryCounter::default();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(counter.layer()))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let config = SimConfig {
        timings: Timings {
            provision: Duration::ZERO,
            reused_provision: Duration::ZERO,
            per_prompt: Duration::from_millis(100),
            ..Timings::demo()
        },
        faults: fault_config(opts.fault_rate, opts.seed),
        ..SimConfig::default()
    };
    let faults = config.faults.clone();
    let server = rt.block_on(SimServer::start(config))?;
    let client = soak_client(&server.base_url)?;
    let dir = tempfile::tempdir()?;
    let upload = dir.path().join("soak-upload.txt");
    std::fs::write(&upload, "soak upload\n".repeat(100))?;

    eprintln!(
        "soak: {} operations, {} in flight, fault rate {}, seed {}, simulator on {}",
        opts.ops, opts.concurrency, opts.fault_rate, opts.seed, server.base_url
    );
    let started = Instant::now();
    let shared = Arc::new(ops::Shared {
        client,
        counter: counter.clone(),
        next_op: AtomicU64::new(0),
        total_ops: opts.ops,
        seed: opts.seed,
        upload,
    });
    let outcome = rt.block_on(async {
        let mut workers = tokio::task::JoinSet::new();
        for w in 0..opts.concurrency {
            workers.spawn(ops::worker(shared.clone(), w as u64));
        }
        let mut results = Vec::new();
        let all = async {
            while let Some(r) = workers.join_next().await {
                results.push(r?);
            }
            Ok::<_, BoxError>(())
        };
        tokio::time::timeout(Duration::from_secs(900), all)
            .await
            .map_err(|_| BoxError::from("the soak took over 15 minutes"))??;
        Ok::<_, BoxError>(results)
    })?;
    let elapsed = started.elapsed();
    let mut ledger = Ledger::default();
    let mut known: HashMap<TaskId, String> = HashMap::new();
    for w in outcome {
        ledger.extend(w.records);
        known.extend(w.created);
    }
    let counters = server.sim.fault_counters();
    let inventory = inventory(&server, &known)?;
    rt.block_on(server.stop())?;

    Ok(report(
        opts, &faults, elapsed, &ledger, &counters, &counter, &inventory,
    ))
}

/// Reads every task server-side (directly from the simulator, without faults) and
/// accounts for each: listed ones by title, deleted ones by the prompt the soak created
/// them with.
fn inventory(server: &SimServer, known: &HashMap<TaskId, String>) -> Result<Inventory, BoxError> {
    let sim = &server.sim;
    let mut listed: HashMap<String, String> = HashMap::new();
    let mut offset = 0u32;
    loop {
        let page = sim.list_tasks(&server.origin, &ListTasksQuery::page(100, offset))?;
        if page.data.is_empty() {
            break;
        }
        offset += u32::try_from(page.data.len())?;
        for t in page.data {
            listed.insert(t.id.as_str().to_owned(), t.title);
        }
    }
    let mut titles: Vec<String> = Vec::new();
    let mut unknown = 0;
    for (id, title) in &listed {
        let known_id = TaskId::new(id.clone())
            .ok()
            .filter(|id| known.contains_key(id));
        if known_id.is_none() {
            unknown += 1;
        }
        titles.push(title.clone());
    }
    for (id, prompt) in known {
        if !listed.contains_key(id.as_str()) {
            match sim.get_task(&server.origin, id) {
                Err(e) if *e.code() == rebyte_client::ErrorCode::NotFound => {
                    titles.push(prompt.clone())
                }
                Err(e) => return Err(format!("reading task {}: {e}", id.as_str()).into()),
                Ok(_) => titles.push(prompt.clone()),
            }
        }
    }
    Ok(Inventory {
        created: sim.task_count()?,
        titles,
        unknown,
    })
}

#[allow(clippy::too_many_arguments)]
fn report(
    opts: &Options,
    faults: &FaultConfig,
    elapsed: Duration,
    ledger: &Ledger,
    counters: &FaultCounters,
    retries: &trace::RetryCounter,
    inventory: &Inventory,
) -> bool {
    println!(
        "soak: {} operations in {:.1} s, {} in flight, seed {}",
        ledger.records().len(),
        elapsed.as_secs_f64(),
        opts.concurrency,
        opts.seed
    );
    println!();
    println!("## operations");
    print!("{}", ledger.render_operations());
    println!();
    println!(
        "## faults injected by the simulator (configured: {:.0}% of answers, six kinds at {:.1}% each, plus 30 ms latency on {:.1}%)",
        opts.fault_rate * 100.0,
        faults.error_500_rate * 100.0,
        faults.latency_rate * 100.0
    );
    for (name, n) in [
        ("500 internal_error", counters.error_500),
        ("502 bad gateway (HTML)", counters.error_502),
        ("503 unavailable (HTML)", counters.error_503),
        ("429 with Retry-After", counters.rate_limited),
        ("stall beyond the attempt timeout", counters.stalled),
        (
            "commit, then drop the connection",
            counters.dropped_after_commit,
        ),
        ("added latency", counters.delayed),
    ] {
        println!("{name:<34} {n:>8}");
    }
    println!("{:<34} {:>8}", "all", counters.total());
    println!();
    let by_op = retries.retries_by_operation();
    let (gave_up, not_safe) = retries.refusals();
    println!(
        "## retries: {} in all ({ATTEMPTS} attempts per request at most)",
        by_op.values().sum::<u64>()
    );
    for (op, n) in &by_op {
        println!("{op:<34} {n:>8}");
    }
    println!("{:<34} {gave_up:>8}", "gave up at the attempt limit");
    println!("{:<34} {not_safe:>8}", "not repeated: may have committed");
    println!();
    println!("## failed operations, by reason");
    let failures = ledger.failures();
    if failures.is_empty() {
        println!("none");
    }
    let mut example: BTreeMap<(OpKind, Failure), &str> = BTreeMap::new();
    for r in ledger.records() {
        if let Some(f) = r.failure {
            example.entry((r.kind, f)).or_insert(&r.message);
        }
    }
    for ((kind, failure), n) in &failures {
        println!(
            "{:<11} {:<46} {n:>6}   e.g. {}",
            kind.name(),
            failure.name(),
            example.get(&(*kind, *failure)).copied().unwrap_or("")
        );
    }
    println!();
    let (creates_ok, creates_ambiguous) = ledger.creates();
    let duplicates = ledger::duplicates(inventory.titles.iter().map(String::as_str));
    println!("## tasks");
    println!(
        "{:<48} {:>8}",
        "created server-side (deleted included)", inventory.created
    );
    println!("{:<48} {creates_ok:>8}", "creates reported successful");
    println!(
        "{:<48} {creates_ambiguous:>8}",
        "creates failed ambiguously (may exist)"
    );
    println!(
        "{:<48} {:>8}",
        "server-side tasks no successful create returned", inventory.unknown
    );
    println!("{:<48} {:>8}", "duplicated prompts", duplicates.len());
    for (prompt, n) in duplicates.iter().take(10) {
        println!("  DUPLICATE: `{prompt}` is the first prompt of {n} tasks");
    }
    println!();

    let losses: Vec<_> = ledger.losses().collect();
    let unexplained = inventory.unknown > creates_ambiguous
        || inventory.created > creates_ok + creates_ambiguous
        || inventory.titles.len() != inventory.created;
    println!("## verdict");
    println!(
        "lost operation: one that failed with an error the retry policy retries for its endpoint \
(429 or no connection for any; 502/503/504, attempt timeout or connection lost mid-answer \
for retry-safe ones) without the client reaching its attempt limit or retry deadline, or \
one whose failure has no explanation."
    );
    for r in losses.iter().take(10) {
        println!(
            "  LOST: {} after {} attempts: {}",
            r.kind.name(),
            r.attempts,
            r.message
        );
    }
    if unexplained {
        println!(
            "  TASK COUNT MISMATCH: {} created server-side, {} accounted for, {creates_ok} reported, {creates_ambiguous} ambiguous",
            inventory.created,
            inventory.titles.len()
        );
    }
    let pass = losses.is_empty() && duplicates.is_empty() && !unexplained;
    println!(
        "{}: {} lost operations, {} duplicated tasks",
        if pass { "PASS" } else { "FAIL" },
        losses.len(),
        duplicates.len()
    );
    pass
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_shares_add_up_to_the_rate() {
        let f = fault_config(0.3, 9);
        f.check().expect("valid fault config");
        let sum = f.error_500_rate
            + f.error_502_rate
            + f.error_503_rate
            + f.rate_limit_rate
            + f.stall_rate
            + f.drop_after_commit_rate;
        assert!((sum - 0.3).abs() < 1e-9);
        assert!(f.stall > ATTEMPT_TIMEOUT && f.stall > CREATE_TIMEOUT);
    }

    #[test]
    fn options_parse() {
        let args: Vec<String> = ["--ops", "50", "--fault-rate", "0.5", "--seed", "3"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let o = Options::parse(&args).expect("valid");
        assert_eq!((o.ops, o.seed), (50, 3));
        assert!(Options::parse(&["--fault-rate".into(), "2".into()]).is_err());
    }
}
