//! `cargo xtask bench`: measures the client, the CLI and the simulator against the
//! baselines, in one run on loopback, and prints a table of figures and targets.
//!
//! The figures and targets are those of the design ("Benchmarks and soaks"); what each
//! means and how it is measured is written in `docs/performance.md`. Every loop is bounded
//! in count and in time and talks to `127.0.0.1` only.
//!
//! The bench measures release builds: run from a debug build (as `cargo xtask` does), it
//! builds `xtask` and `rebyte-cli` in release and runs itself again from there.

mod figures;
mod floor;
mod load;
pub mod memory;
mod options;
mod probe;
mod process;
mod python;
pub mod server;
mod stats;
mod table;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

pub use options::Options;

/// The error type of the bench: anything, with a message.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Runs `cargo xtask bench` with the arguments after `bench`.
pub fn run(args: &[String]) -> ExitCode {
    let opts = match Options::parse(args) {
        Ok(o) => o,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("error: {msg}\n");
            }
            eprintln!("{}", options::USAGE);
            return ExitCode::from(2);
        }
    };
    let result = if let Some(path) = &opts.upload_probe {
        probe::run(path)
    } else if cfg!(debug_assertions) && !opts.no_release {
        rerun_in_release(&opts)
    } else {
        figures::measure(&opts)
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("bench: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (where `Cargo.toml` with `[workspace]` is).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The directory cargo builds into.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// `cargo build --release` of the given packages.
pub fn build_release(packages: &[&str]) -> Result<(), BoxError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace_root())
        .args(["build", "--release"]);
    for p in packages {
        cmd.args(["-p", p]);
    }
    eprintln!("bench: building {} in release", packages.join(", "));
    let status = cmd.status()?;
    if !status.success() {
        return Err(format!("cargo build --release failed ({status})").into());
    }
    Ok(())
}

fn rerun_in_release(opts: &Options) -> Result<ExitCode, BoxError> {
    build_release(&["xtask", "rebyte-cli"])?;
    let exe = target_dir().join("release").join("xtask");
    let mut args = vec!["bench".to_owned()];
    args.extend(opts.to_args());
    let status = Command::new(&exe).args(&args).status()?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(c) => ExitCode::from(u8::try_from(c).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}
