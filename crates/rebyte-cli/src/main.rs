//! `rebyte`: run Rebyte coding agents from the terminal.
//!
//! The binary is thin: [`cli`] declares the command tree, [`config`] finds the key (or
//! starts the embedded simulator for `--local`), [`commands`] does the work through
//! `rebyte-client`, [`output`] prints it for people or scripts, and [`exit`] holds the exit
//! codes scripts rely on.

// The doc comments of `cli` are clap's help text, read in a terminal: plain URLs and
// `<placeholders>` are meant literally there, not as links or HTML.
#![allow(rustdoc::bare_urls, rustdoc::invalid_html_tags)]

mod cli;
mod commands;
mod config;
mod errors;
mod exit;
mod interrupt;
#[cfg(feature = "local")]
mod local;
mod output;

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::cli::Cli;
use crate::exit::{CliError, Exit};
use crate::output::{Mode, Printer, RED, paint};

fn main() -> ExitCode {
    // A bug must still end with one line (a backtrace only when RUST_BACKTRACE asks for one)
    // and the documented exit code, not Rust's 101.
    std::panic::set_hook(Box::new(|info| {
        let mut stderr = anstream::stderr();
        let _ = writeln!(
            stderr,
            "{}: internal error: {}, please report it",
            paint(RED.bold(), "error"),
            exit::one_line(&info.to_string())
        );
        let backtrace = std::backtrace::Backtrace::capture();
        if backtrace.status() == std::backtrace::BacktraceStatus::Captured {
            let _ = writeln!(stderr, "{backtrace}");
        }
    }));
    // The hook has printed the line; only the exit code is left to set.
    std::panic::catch_unwind(run).unwrap_or_else(|_| ExitCode::from(Exit::Internal.code()))
}

/// Parses the command line and runs the command.
fn run() -> ExitCode {
    let matches = match Cli::command().try_get_matches() {
        Ok(matches) => matches,
        // clap prints help, version and usage errors itself, with exit 0 or 2.
        Err(err) => err.exit(),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };
    let base_url_on_command_line =
        matches.value_source("base_url") == Some(clap::parser::ValueSource::CommandLine);

    output::init_color(cli.global.color);
    init_tracing(cli.global.verbose);
    let mode = if cli.global.json {
        Mode::Json
    } else if cli.global.quiet {
        Mode::Quiet
    } else {
        Mode::Human
    };
    if cli.global.json && cli.global.quiet {
        return report(CliError::usage(
            "--json and --quiet cannot be used together",
        ));
    }
    let printer = Printer::new(mode);

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            return report(CliError::new(
                Exit::Internal,
                format!("cannot start the async runtime: {err}"),
            ));
        }
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(async {
            // How a bug ends, for the tests to check; never in a release build.
            #[cfg(debug_assertions)]
            if std::env::var_os("REBYTE_TEST_PANIC").is_some() {
                panic!("a deliberate panic (REBYTE_TEST_PANIC)");
            }
            interrupt::install();
            commands::dispatch(cli, base_url_on_command_line, printer).await
        })
    }));
    // Background work (the local simulator, an abandoned stdin read) must not hold the exit,
    // not even after a panic.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    let result = result.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    match result {
        Ok(()) => ExitCode::from(Exit::Ok.code()),
        Err(err) => report(err),
    }
}

/// Prints `error: …` (unless the command already reported) and returns the exit code.
fn report(err: CliError) -> ExitCode {
    if !err.message.is_empty() {
        let mut stderr = anstream::stderr();
        let _ = writeln!(stderr, "{}: {}", paint(RED.bold(), "error"), err.message);
    }
    ExitCode::from(err.exit.code())
}

/// `-v`: this program's and the client's debug lines; `-vv`: trace lines, and other
/// libraries' informative lines. The key is never logged by the client, nor here.
fn init_tracing(verbose: u8) {
    let filter = match verbose {
        0 => return,
        1 => "warn,rebyte_cli=debug,rebyte_client=debug,rebyte_sim=info",
        _ => "info,rebyte_cli=trace,rebyte_client=trace,rebyte_sim=debug",
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(output::stderr_has_color())
        .try_init();
}
