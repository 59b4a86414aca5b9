//! Running the Python baselines (`bench/python/`) as subprocesses.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value as Json;

use super::BoxError;
use super::process::run_bounded;

/// Where the Python baselines are and which server they talk to.
#[derive(Debug, Clone)]
pub struct Python {
    /// The interpreter, `python3` unless `PYTHON` says otherwise.
    pub interpreter: String,
    /// The `bench/python` directory.
    pub dir: PathBuf,
    /// The simulator's base URL, ending in `/v1`.
    pub base_url: String,
    /// The key the simulator accepts.
    pub api_key: String,
}

impl Python {
    fn command(&self, script: &str) -> Command {
        let mut cmd = Command::new(&self.interpreter);
        cmd.arg(self.dir.join(script))
            .env("REBYTE_BASE_URL", &self.base_url)
            .env("REBYTE_API_KEY", &self.api_key)
            .stdin(Stdio::null());
        cmd
    }

    /// Whether the interpreter runs at all.
    pub fn available(&self) -> bool {
        Command::new(&self.interpreter)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Runs `bench_ref.py <args>` (bounded by `limit`) and returns the JSON line it prints,
    /// with the peak resident memory sampled from outside.
    pub fn driver(&self, args: &[&str], limit: Duration) -> Result<(Json, Option<u64>), BoxError> {
        let done = run_bounded(self.command("bench_ref.py").args(args), limit, true)?
            .ok(&format!("bench_ref.py {args:?}"))?;
        Ok((done.json()?, done.peak))
    }

    /// Runs `rebyte_ref_cli.py <args>` once (bounded by `limit`) and returns its
    /// whole-process wall time.
    pub fn cli_once(&self, args: &[&str], limit: Duration) -> Result<Duration, BoxError> {
        let done = run_bounded(self.command("rebyte_ref_cli.py").args(args), limit, false)?
            .ok(&format!("rebyte_ref_cli.py {args:?}"))?;
        Ok(done.elapsed)
    }
}

/// Reads a number field of a driver's JSON answer.
pub fn field(json: &Json, name: &str) -> Result<f64, BoxError> {
    json.get(name)
        .and_then(Json::as_f64)
        .ok_or_else(|| format!("bench_ref.py answer lacks `{name}`: {json}").into())
}
