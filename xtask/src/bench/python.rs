//! Running the Python baselines (`bench/python/`) as subprocesses.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value as Json;

use super::BoxError;
use super::memory;

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
        let mut child = self
            .command("bench_ref.py")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let (status, peak) = memory::wait_sampling(&mut child, limit)?;
        let mut stdout = String::new();
        let mut stderr = String::new();
        use std::io::Read as _;
        if let Some(mut out) = child.stdout.take() {
            out.read_to_string(&mut stdout)?;
        }
        if let Some(mut err) = child.stderr.take() {
            err.read_to_string(&mut stderr)?;
        }
        if !status.success() {
            return Err(
                format!("bench_ref.py {args:?} failed ({status}): {}", stderr.trim()).into(),
            );
        }
        let line = stdout
            .lines()
            .last()
            .ok_or("bench_ref.py printed nothing")?;
        Ok((serde_json::from_str(line)?, peak))
    }

    /// Runs `rebyte_ref_cli.py <args>` once and returns its whole-process wall time.
    pub fn cli_once(&self, args: &[&str]) -> Result<Duration, BoxError> {
        let start = Instant::now();
        let out = self.command("rebyte_ref_cli.py").args(args).output()?;
        let elapsed = start.elapsed();
        if !out.status.success() {
            return Err(format!(
                "rebyte_ref_cli.py {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )
            .into());
        }
        Ok(elapsed)
    }
}

/// Reads a number field of a driver's JSON answer.
pub fn field(json: &Json, name: &str) -> Result<f64, BoxError> {
    json.get(name)
        .and_then(Json::as_f64)
        .ok_or_else(|| format!("bench_ref.py answer lacks `{name}`: {json}").into())
}
