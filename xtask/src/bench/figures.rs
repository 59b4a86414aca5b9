//! The measurements, one function per figure, and the run that strings them together.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use rebyte_client::{Client, CreateTaskRequest, TaskId, TaskStatus, WaitOptions};
use rebyte_sim::{DEFAULT_API_KEY, FaultConfig, SimConfig, Timings};
use tokio::runtime::Runtime;

use super::floor::RawGet;
use super::process::run_bounded;
use super::python::{self, Python};
use super::server::SimServer;
use super::stats::median;
use super::table::{self, MIB, Row, Target, Value};
use super::{BoxError, Options, build_release, target_dir, workspace_root};

/// How much work each figure does.
#[derive(Debug, Clone, Copy)]
struct Plan {
    /// Rounds of the GET loops (raw, client and, in the first `py_rounds`, Python).
    get_rounds: usize,
    /// GET task calls per loop (the same for every contender).
    get_calls: usize,
    /// Rounds in which the Python client runs its GET loop too.
    py_rounds: usize,
    /// Whole-process runs of each CLI.
    cli_runs: usize,
    /// Tasks created and waited in the fan-out figure.
    fanout_tasks: usize,
    /// Size of the uploaded file.
    upload_bytes: u64,
    /// Requests of the simulator throughput figure.
    rps_requests: u64,
}

impl Plan {
    /// The plan of a full or `--quick` run. With added latency, the GET loops make fewer
    /// calls (about five seconds' worth, from 50 to 2,000) so they stay within their limit.
    fn new(quick: bool, latency_ms: u64) -> Self {
        let mut plan = Self::sized(quick);
        if let Some(calls) = 5_000u64.checked_div(latency_ms) {
            let calls = usize::try_from(calls).unwrap_or(usize::MAX);
            plan.get_calls = calls.clamp(50, plan.get_calls);
        }
        plan
    }

    fn sized(quick: bool) -> Self {
        if quick {
            Plan {
                get_rounds: 5,
                get_calls: 2_000,
                py_rounds: 1,
                cli_runs: 5,
                fanout_tasks: 200,
                upload_bytes: 256 * MIB,
                rps_requests: 60_000,
            }
        } else {
            Plan {
                get_rounds: 10,
                get_calls: 2_000,
                py_rounds: 3,
                cli_runs: 15,
                fanout_tasks: 1_000,
                upload_bytes: 1024 * MIB,
                rps_requests: 300_000,
            }
        }
    }
}

/// The Python baseline's pool size (fixed in `bench/python/rebyte_ref.py`).
const PYTHON_POOL: usize = 10;
/// Client concurrency of the fan-out figure.
const FANOUT_CONCURRENCY: usize = 64;
/// The simulated length of one prompt in the fan-out figure (provisioning takes no time).
const FANOUT_PER_PROMPT: Duration = Duration::from_millis(250);
/// The polling interval of both contenders in the fan-out figure: fixed for the Python
/// client; for ours, the first and the largest pause (each jittered ±20 %), so that both
/// poll on the same schedule and the figure measures the fan-out, not a polling policy.
const POLL: Duration = Duration::from_millis(100);
/// The longest one CLI run may take.
const CLI_LIMIT: Duration = Duration::from_secs(30);
/// Keep-alive connections of the simulator throughput figure.
const RPS_CONNECTIONS: usize = 64;

/// Everything the figures share.
struct Bench {
    /// The runtime the simulator is served on (two workers, the machine's cores).
    server_rt: Runtime,
    /// The runtime every client-side loop runs on: one thread, so that a call's latency
    /// is not inflated by hops between worker threads of the caller.
    rt: Runtime,
    server: SimServer,
    client: Client,
    task: TaskId,
    python: Python,
    rebyte_bin: PathBuf,
    plan: Plan,
    notes: Vec<String>,
}

/// Runs every figure and prints the table.
pub fn measure(opts: &Options) -> Result<ExitCode, BoxError> {
    let plan = Plan::new(opts.quick, opts.latency_ms);
    let rebyte_bin = target_dir().join("release").join("rebyte");
    if !rebyte_bin.exists() {
        build_release(&["rebyte-cli"])?;
    }
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut faults = FaultConfig::none();
    if opts.latency_ms > 0 {
        faults.latency_rate = 1.0;
        faults.latency = Duration::from_millis(opts.latency_ms);
    }
    let config = SimConfig {
        timings: Timings {
            provision: Duration::ZERO,
            reused_provision: Duration::ZERO,
            per_prompt: FANOUT_PER_PROMPT,
            ..Timings::demo()
        },
        faults,
        ..SimConfig::default()
    };
    let server = server_rt.block_on(SimServer::start(config))?;
    let client = Client::builder()
        .api_key(DEFAULT_API_KEY)
        .base_url(&server.base_url)
        .build()?;
    let task = rt
        .block_on(client.create_task(&CreateTaskRequest::new("bench: the task every GET reads")))?
        .id;
    let python = Python {
        interpreter: std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned()),
        dir: workspace_root().join("bench").join("python"),
        base_url: server.base_url.clone(),
        api_key: DEFAULT_API_KEY.to_owned(),
    };
    if !python.available() {
        return Err(format!("`{}` does not run; set PYTHON", python.interpreter).into());
    }
    let mut bench = Bench {
        server_rt,
        rt,
        server,
        client,
        task,
        python,
        rebyte_bin,
        plan,
        notes: Vec::new(),
    };
    eprintln!(
        "bench: simulator on {}{}; {} mode",
        bench.server.base_url,
        if opts.latency_ms > 0 {
            format!(" with {} ms added latency", opts.latency_ms)
        } else {
            String::new()
        },
        if opts.quick { "quick" } else { "full" }
    );
    let started = Instant::now();
    let mut rows = Vec::new();
    if opts.wants("get") {
        rows.extend(bench.get_figures());
    }
    if opts.wants("cli") {
        rows.push(bench.cli_figure());
    }
    if opts.wants("fanout") {
        rows.push(bench.fanout_figure());
    }
    if opts.wants("upload") {
        rows.push(bench.upload_figure());
    }
    if opts.wants("rps") {
        rows.push(bench.rps_figure());
    }

    println!();
    print!("{}", table::render(&rows));
    println!();
    for note in &bench.notes {
        println!("- {note}");
    }
    println!(
        "- {} mode, {} cores, {:.0} s in all",
        if opts.quick { "quick" } else { "full" },
        std::thread::available_parallelism().map_or(0, usize::from),
        started.elapsed().as_secs_f64()
    );
    let Bench {
        server_rt, server, ..
    } = bench;
    server_rt.block_on(server.stop())?;
    let unmeasured = rows.iter().filter(|r| r.met().is_none()).count();
    Ok(if unmeasured == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Unwraps a measurement, turning an error into a note and a missing figure.
fn or_note<T>(notes: &mut Vec<String>, what: &str, result: Result<T, BoxError>) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(e) => {
            eprintln!("bench: {what} failed: {e}");
            notes.push(format!("{what}: not measured: {e}"));
            None
        }
    }
}

fn per_call(total: Duration, calls: usize) -> Duration {
    total / u32::try_from(calls.max(1)).unwrap_or(u32::MAX)
}

impl Bench {
    /// GET task: client vs the raw reqwest floor (per call), and client vs Python (2,000
    /// calls). The contenders take turns, in a rotating order, round after round.
    fn get_figures(&mut self) -> Vec<Row> {
        let plan = self.plan;
        eprintln!(
            "bench: GET task, {} rounds of {} calls (raw, client{})",
            plan.get_rounds,
            plan.get_calls,
            if plan.py_rounds > 0 { ", Python" } else { "" }
        );
        let result = (|| -> Result<_, BoxError> {
            let raw = RawGet::new(&self.server.base_url, DEFAULT_API_KEY, &self.task)?;
            // Warm both pools and the simulator.
            self.rt.block_on(async {
                for _ in 0..200 {
                    raw.get().await?;
                    self.client.get_task(&self.task).await?;
                }
                Ok::<_, BoxError>(())
            })?;
            let (mut t_raw, mut t_ours, mut t_py) = (Vec::new(), Vec::new(), Vec::new());
            for round in 0..plan.get_rounds {
                for turn in 0..3 {
                    match (round + turn) % 3 {
                        0 => t_raw.push(self.timed_loop(|| raw.get_discard())?),
                        1 => t_ours.push(self.timed_loop(|| self.client_get())?),
                        _ if round < plan.py_rounds => {
                            let n = plan.get_calls.to_string();
                            let (json, _) = self.python.driver(
                                &["get", self.task.as_str(), &n],
                                Duration::from_secs(300),
                            )?;
                            t_py.push(Duration::from_secs_f64(python::field(&json, "seconds")?));
                        }
                        _ => {}
                    }
                }
            }
            Ok((t_raw, t_ours, t_py))
        })();
        let (t_raw, t_ours, t_py) =
            or_note(&mut self.notes, "GET task loops", result).unwrap_or_default();
        let n = plan.get_calls;
        let (raw, ours, py) = (median(&t_raw), median(&t_ours), median(&t_py));
        if let (Some(r), Some(o)) = (raw, ours) {
            let py_text = py.map_or_else(String::new, |p| {
                format!(", Python {}", Value::Time(per_call(p, n)))
            });
            self.notes.push(format!(
                "GET task per call (median of {} rounds of {n}): client {}, raw reqwest {}{py_text}",
                t_ours.len(),
                Value::Time(per_call(o, n)),
                Value::Time(per_call(r, n)),
            ));
        }
        vec![
            Row {
                figure: "GET task, per call: client vs raw reqwest loop".into(),
                ours: ours.map(|o| Value::Time(per_call(o, n))),
                baseline: raw.map(|r| Value::Time(per_call(r, n))),
                baseline_name: "raw reqwest",
                target: Target::OverheadAtMost(1.25),
            },
            Row {
                figure: format!("{n} GET task calls: client vs Python"),
                ours: ours.map(Value::Time),
                baseline: py.map(Value::Time),
                baseline_name: "Python",
                target: Target::FasterAtLeast(10.0),
            },
        ]
    }

    /// Times `get_calls` sequential calls of `call`, bounded to a minute.
    fn timed_loop<F, Fut>(&self, call: F) -> Result<Duration, BoxError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<(), BoxError>>,
    {
        let n = self.plan.get_calls;
        self.rt.block_on(async {
            tokio::time::timeout(Duration::from_secs(60), async {
                let start = Instant::now();
                for _ in 0..n {
                    call().await?;
                }
                Ok::<_, BoxError>(start.elapsed())
            })
            .await
            .map_err(|_| BoxError::from("GET loop took over a minute"))?
        })
    }

    async fn client_get(&self) -> Result<(), BoxError> {
        self.client.get_task(&self.task).await?;
        Ok(())
    }

    /// `rebyte tasks get ID --json` vs `python3 rebyte_ref_cli.py tasks get ID`, whole
    /// processes, alternating; the median of each.
    fn cli_figure(&mut self) -> Row {
        let runs = self.plan.cli_runs;
        eprintln!("bench: CLI `tasks get`, {runs} runs each");
        let result = (|| -> Result<_, BoxError> {
            let id = self.task.as_str().to_owned();
            let ours = || -> Result<Duration, BoxError> {
                let done = run_bounded(
                    Command::new(&self.rebyte_bin)
                        .args([
                            "--base-url",
                            &self.server.base_url,
                            "tasks",
                            "get",
                            &id,
                            "--json",
                        ])
                        .env("REBYTE_API_KEY", DEFAULT_API_KEY),
                    CLI_LIMIT,
                    false,
                )?
                .ok("rebyte tasks get")?;
                Ok(done.elapsed)
            };
            let theirs = || {
                self.python
                    .cli_once(&["tasks", "get", &id, "--json"], CLI_LIMIT)
            };
            // One warm-up each (page cache, first-run costs).
            ours()?;
            theirs()?;
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for i in 0..runs {
                if i % 2 == 0 {
                    a.push(ours()?);
                    b.push(theirs()?);
                } else {
                    b.push(theirs()?);
                    a.push(ours()?);
                }
            }
            Ok((median(&a), median(&b)))
        })();
        let (ours, py) = or_note(&mut self.notes, "CLI tasks get", result).unwrap_or_default();
        Row {
            figure: format!("CLI `tasks get`, whole process (median of {runs})"),
            ours: ours.map(Value::Time),
            baseline: py.map(Value::Time),
            baseline_name: "Python CLI",
            target: Target::FasterAtLeast(5.0),
        }
    }

    /// Creating and waiting for many tasks: the client at concurrency 64 vs the Python
    /// pool of 10, against the same simulator timings.
    fn fanout_figure(&mut self) -> Row {
        let n = self.plan.fanout_tasks;
        eprintln!(
            "bench: fan-out of {n} tasks (prompt {} ms; client ×{FANOUT_CONCURRENCY}, Python pool of 10)",
            FANOUT_PER_PROMPT.as_millis()
        );
        let ours = self.our_fanout(n, FANOUT_CONCURRENCY);
        let ours = or_note(&mut self.notes, "fan-out (client)", ours);
        let py = (|| -> Result<Duration, BoxError> {
            let (json, _) = self.python.driver(
                &["fanout", &n.to_string(), &POLL.as_secs_f64().to_string()],
                Duration::from_secs(900),
            )?;
            let failed = python::field(&json, "failed")?;
            if failed > 0.0 {
                return Err(format!("{failed} of {n} Python tasks did not complete").into());
            }
            Ok(Duration::from_secs_f64(python::field(&json, "seconds")?))
        })();
        let py = or_note(&mut self.notes, "fan-out (Python)", py);
        // The same work at the Python pool's concurrency shows what the figure is bound by.
        let equal = self.our_fanout(n, PYTHON_POOL);
        if let Some(equal) = or_note(&mut self.notes, "fan-out (client ×10)", equal) {
            self.notes.push(format!(
                "fan-out of {n} tasks at the Python pool's concurrency (×{PYTHON_POOL}): client {}{}",
                Value::Time(equal),
                py.map_or_else(String::new, |p| format!(", Python {}", Value::Time(p)))
            ));
        }
        Row {
            figure: format!(
                "{n} tasks created and waited: ×{FANOUT_CONCURRENCY} vs Python pool of 10"
            ),
            ours: ours.map(Value::Time),
            baseline: py.map(Value::Time),
            baseline_name: "Python",
            target: Target::FasterAtLeast(10.0),
        }
    }

    /// Creates `n` tasks and waits for each, `concurrency` at a time; every task must end
    /// `completed`.
    fn our_fanout(&self, n: usize, concurrency: usize) -> Result<Duration, BoxError> {
        self.rt.block_on(async {
            let options = WaitOptions::default()
                .initial_interval(POLL)
                .max_interval(POLL)
                .timeout(Duration::from_secs(120));
            let start = Instant::now();
            let results: Vec<Result<TaskStatus, rebyte_client::Error>> =
                futures_util::stream::iter(0..n)
                    .map(|i| {
                        let client = &self.client;
                        let options = &options;
                        async move {
                            let prompt = format!("bench fan-out ×{concurrency} #{i}");
                            let created =
                                client.create_task(&CreateTaskRequest::new(prompt)).await?;
                            Ok(client.wait_for_task(&created.id, options).await?.status)
                        }
                    })
                    .buffer_unordered(concurrency)
                    .collect()
                    .await;
            let elapsed = start.elapsed();
            let failed = results
                .iter()
                .filter(|r| !matches!(r, Ok(TaskStatus::Completed)))
                .count();
            if failed > 0 {
                return Err(BoxError::from(format!(
                    "{failed} of {n} tasks did not complete"
                )));
            }
            Ok(elapsed)
        })
    }

    /// Peak resident memory of a process uploading one large file: the client (this
    /// program re-run as an upload probe) vs the Python client (which reads it whole).
    fn upload_figure(&mut self) -> Row {
        let size = self.plan.upload_bytes;
        eprintln!("bench: upload of a {} MiB file, peak memory", size / MIB);
        let result = (|| -> Result<_, BoxError> {
            let file = TempFile::sparse(size)?;
            let exe = std::env::current_exe()?;
            let done = run_bounded(
                Command::new(exe)
                    .args(["bench", "--upload-probe"])
                    .arg(file.path())
                    .env("REBYTE_BASE_URL", &self.server.base_url)
                    .env("REBYTE_API_KEY", DEFAULT_API_KEY),
                Duration::from_secs(300),
                true,
            )?
            .ok("upload probe")?;
            let json = done.json()?;
            let sampled = done.peak;
            let ours_kib = python::field(&json, "vmhwm_kib")? as u64;
            let ours = (ours_kib * 1024).max(sampled.unwrap_or(0));
            let ours_secs = python::field(&json, "seconds")?;

            let path = file.path().to_string_lossy().into_owned();
            let (json, sampled) = self
                .python
                .driver(&["upload", &path], Duration::from_secs(300))?;
            let py_kib = python::field(&json, "vmhwm_kib")? as u64;
            let py = (py_kib * 1024).max(sampled.unwrap_or(0));
            let py_secs = python::field(&json, "seconds")?;
            Ok((ours, ours_secs, py, py_secs))
        })();
        let measured = or_note(&mut self.notes, "upload", result);
        if let Some((_, ours_secs, _, py_secs)) = measured {
            self.notes.push(format!(
                "upload of {} MiB took {ours_secs:.2} s (client) and {py_secs:.2} s (Python)",
                size / MIB
            ));
        }
        let label = if size == 1024 * MIB {
            "1 GiB".to_owned()
        } else {
            format!("{} MiB (quick; full run: 1 GiB)", size / MIB)
        };
        Row {
            figure: format!("peak memory uploading a {label} file"),
            ours: measured.map(|m| Value::Bytes(m.0)),
            baseline: measured.map(|m| Value::Bytes(m.2)),
            baseline_name: "Python",
            target: Target::MemoryAtMost(64 * MIB),
        }
    }

    /// Requests per second the simulator answers for GET task over many keep-alive
    /// connections.
    fn rps_figure(&mut self) -> Row {
        let total = self.plan.rps_requests;
        eprintln!(
            "bench: simulator GET task throughput, {total} requests over {RPS_CONNECTIONS} connections"
        );
        let path = format!("/v1/tasks/{}", self.task.as_str());
        let addr = self.server.addr;
        let result = self.rt.block_on(async {
            super::load::run(
                addr,
                &path,
                DEFAULT_API_KEY,
                RPS_CONNECTIONS,
                5_000,
                Duration::from_secs(20),
            )
            .await?;
            super::load::run(
                addr,
                &path,
                DEFAULT_API_KEY,
                RPS_CONNECTIONS,
                total,
                Duration::from_secs(60),
            )
            .await
        });
        let measured = or_note(&mut self.notes, "simulator throughput", result);
        if let Some(m) = measured {
            self.notes.push(format!(
                "simulator: {} GET task answered in {:.2} s over {RPS_CONNECTIONS} connections (load generator in the same process)",
                m.ok,
                m.elapsed.as_secs_f64()
            ));
        }
        Row {
            figure: "simulator, GET task, loopback".into(),
            ours: measured.map(|m| Value::Rate(m.rate())),
            baseline: None,
            baseline_name: "",
            target: Target::RateAtLeast(20_000.0),
        }
    }
}

impl RawGet {
    async fn get_discard(&self) -> Result<(), BoxError> {
        self.get().await.map(drop)
    }
}

/// A sparse file in the temporary directory, removed when dropped.
#[derive(Debug)]
struct TempFile(PathBuf);

impl TempFile {
    fn sparse(size: u64) -> Result<Self, BoxError> {
        let path =
            std::env::temp_dir().join(format!("rebyte-bench-upload-{}.bin", std::process::id()));
        let file = std::fs::File::create(&path)?;
        let guard = TempFile(path);
        file.set_len(size)?;
        Ok(guard)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_latency_shortens_the_get_loops() {
        assert_eq!(Plan::new(false, 0).get_calls, 2_000);
        assert_eq!(Plan::new(true, 1).get_calls, 2_000);
        assert_eq!(Plan::new(false, 10).get_calls, 500);
        assert_eq!(Plan::new(false, 1_000).get_calls, 50);
    }
}
