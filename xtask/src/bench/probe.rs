//! The child process of the memory figure: uploads one file with the client and reports
//! its own peak resident memory.
//!
//! Run as `xtask bench --upload-probe PATH` with `REBYTE_BASE_URL` and `REBYTE_API_KEY`
//! set; prints one JSON line `{"seconds": S, "vmhwm_kib": K}`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use super::{BoxError, memory};

/// Uploads `path` and prints the time it took and the process's peak memory.
pub fn run(path: &Path) -> Result<ExitCode, BoxError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = rebyte_client::Client::from_env()?;
    let start = Instant::now();
    rt.block_on(client.upload_file(path))?;
    let seconds = start.elapsed().as_secs_f64();
    let peak = memory::own_vmhwm().ok_or("cannot read VmHWM from /proc/self/status")?;
    println!(
        "{}",
        serde_json::json!({ "seconds": seconds, "vmhwm_kib": peak / 1024 })
    );
    Ok(ExitCode::SUCCESS)
}
