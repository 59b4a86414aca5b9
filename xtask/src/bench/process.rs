//! Running a measured child process with a time limit, its output collected, and
//! optionally its peak memory sampled.

use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{BoxError, memory};

/// A finished child process.
#[derive(Debug)]
pub struct Finished {
    /// How it ended.
    pub status: ExitStatus,
    /// Wall time from spawn to exit (to within 0.2 ms; 5 ms when memory is sampled).
    pub elapsed: Duration,
    /// Everything it wrote to stdout.
    pub stdout: String,
    /// Everything it wrote to stderr.
    pub stderr: String,
    /// The highest `VmHWM` sampled while it ran, when sampling was asked for.
    pub peak: Option<u64>,
}

impl Finished {
    /// The process's result, or an error naming `what` with its stderr.
    pub fn ok(self, what: &str) -> Result<Self, BoxError> {
        if self.status.success() {
            Ok(self)
        } else {
            Err(format!("{what} failed ({}): {}", self.status, self.stderr.trim()).into())
        }
    }

    /// The last line of stdout, decoded as JSON.
    pub fn json(&self) -> Result<serde_json::Value, BoxError> {
        let line = self
            .stdout
            .lines()
            .last()
            .ok_or("the child printed nothing")?;
        Ok(serde_json::from_str(line)?)
    }
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        text
    })
}

/// Runs `cmd` (stdin closed, stdout and stderr collected); kills it after `limit`. With
/// `sample_memory`, its `VmHWM` is read every 5 ms while it runs.
pub fn run_bounded(
    cmd: &mut Command,
    limit: Duration,
    sample_memory: bool,
) -> Result<Finished, BoxError> {
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let pause = if sample_memory {
        Duration::from_millis(5)
    } else {
        Duration::from_micros(200)
    };
    let mut peak: Option<u64> = None;
    let mut killed = false;
    let status = loop {
        if sample_memory && let Some(sample) = memory::vmhwm_of(child.id()) {
            peak = Some(peak.map_or(sample, |p| p.max(sample)));
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if start.elapsed() > limit {
            child.kill()?;
            killed = true;
            break child.wait()?;
        }
        std::thread::sleep(pause);
    };
    let elapsed = start.elapsed();
    if killed {
        // Not waiting for the output: a grandchild may still hold the pipes open.
        return Err(format!("killed after {limit:?}").into());
    }
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    Ok(Finished {
        status,
        elapsed,
        stdout,
        stderr,
        peak,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_output_and_enforces_the_limit() {
        let done = run_bounded(
            Command::new("sh").args(["-c", "echo '{\"a\": 1}'; echo oops >&2"]),
            Duration::from_secs(10),
            true,
        )
        .expect("sh runs");
        assert!(done.status.success());
        assert_eq!(done.json().expect("json")["a"], 1);
        assert_eq!(done.stderr.trim(), "oops");
        let killed = run_bounded(
            Command::new("sh").args(["-c", "exec sleep 5"]),
            Duration::from_millis(50),
            false,
        );
        assert!(killed.is_err());
    }
}
