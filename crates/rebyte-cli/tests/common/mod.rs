//! Shared helpers of the CLI tests: the binary with a clean environment, a runtime for the
//! servers the tests start, and the snapshot filters.

#![allow(dead_code)]

use assert_cmd::Command;

/// The test key. It must never appear in any output.
pub const KEY: &str = "rbk_test_secret_key_0123456789";

/// The `rebyte` binary with a clean environment: no key, no base URL, no colour.
pub fn rebyte() -> Command {
    let mut cmd = Command::cargo_bin("rebyte").expect("the rebyte binary is built");
    cmd.env_remove("REBYTE_API_KEY")
        .env_remove("REBYTE_BASE_URL")
        .env_remove("REBYTE_LOCAL_STATE")
        .env_remove("RUST_LOG")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("COLUMNS")
        .env("NO_COLOR", "1")
        .timeout(std::time::Duration::from_secs(60));
    cmd
}

/// The binary pointed at `base_url` with the test key.
pub fn rebyte_at(base_url: &str) -> Command {
    let mut cmd = rebyte();
    cmd.env("REBYTE_API_KEY", KEY)
        .args(["--base-url", base_url]);
    cmd
}

/// A multi-threaded runtime that keeps the test's servers running while the binary runs.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

/// Snapshot settings that replace ids, times, ports and durations with placeholders.
pub fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "[UUID]",
    );
    s.add_filter(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "[TIME]");
    s.add_filter(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "[TIME]");
    s.add_filter(r"took [\d.]+ (s|min)( \d+ s)?", "took [DURATION]");
    s.add_filter(r"after [\d.]+ ?s", "after [DURATION]");
    s.add_filter(
        r"(just now|in \d+ (s|min|h|days?)|\d+ (s|min|h|days?) ago)",
        "[AGO]",
    );
    s.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]");
    s.add_filter(r"rbk_sim_[0-9a-f]{32}", "[GENERATED KEY]");
    s
}

/// Stdout of a finished command, as text.
pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Stderr of a finished command, as text.
pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts that the test key appears nowhere in the output.
pub fn assert_no_key(output: &std::process::Output) {
    assert!(!stdout(output).contains(KEY), "the key leaked on stdout");
    assert!(!stderr(output).contains(KEY), "the key leaked on stderr");
}

/// A simulator served in the test process on a loopback port, with timings of a few
/// milliseconds so that waits end at once.
pub struct Sim {
    rt: tokio::runtime::Runtime,
    /// The base URL, ending in `/v1`.
    pub base: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

/// Timings of a few milliseconds.
pub fn fast_timings() -> rebyte_sim::Timings {
    rebyte_sim::Timings {
        provision: std::time::Duration::from_millis(2),
        reused_provision: std::time::Duration::from_millis(1),
        per_prompt: std::time::Duration::from_millis(30),
        upload_url_ttl: std::time::Duration::from_secs(3600),
    }
}

impl Sim {
    /// Starts a simulator accepting [`KEY`].
    pub fn start() -> Self {
        let config = rebyte_sim::SimConfig {
            api_keys: vec![KEY.to_owned()],
            timings: fast_timings(),
            ..rebyte_sim::SimConfig::default()
        };
        let sim = rebyte_sim::Simulator::in_memory(config).expect("a simulator");
        let rt = runtime();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("a port");
        let addr = listener.local_addr().expect("an address");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        rt.spawn(rebyte_sim::serve(listener, sim, async move {
            let _ = rx.await;
        }));
        Self {
            rt,
            base: format!("http://{addr}/v1"),
            shutdown: Some(tx),
        }
    }

    /// The binary pointed at this simulator, with fast polling.
    pub fn rebyte(&self) -> Command {
        rebyte_at(&self.base)
    }

    /// Creates a task with `prompt` through the binary and returns its id.
    pub fn create(&self, prompt: &str) -> String {
        let output = self
            .rebyte()
            .args(["tasks", "create", prompt, "--quiet"])
            .output()
            .expect("the binary runs");
        assert!(output.status.success(), "{}", stderr(&output));
        stdout(&output).trim().to_owned()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = &self.rt;
    }
}
