//! Contributor tasks for this workspace, run as `cargo xtask <task>`.

mod bench;
mod check_api;
mod soak;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  check-api   compare docs/api.md with the endpoint catalog and types of rebyte-types
  bench       measure the client, CLI and simulator against the baselines (docs/performance.md)
  soak        drive thousands of operations through the client against a faulty simulator";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.split_first() {
        Some((task, rest)) if task == "check-api" => check_api::run(rest),
        Some((task, rest)) if task == "bench" => bench::run(rest),
        Some((task, rest)) if task == "soak" => soak::run(rest),
        Some((task, [])) if matches!(task.as_str(), "help" | "-h" | "--help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
