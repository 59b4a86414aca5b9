//! Exit codes and the error type every command returns.
//!
//! The codes are part of the command's interface: scripts branch on them. They are written
//! once, here, and the same table appears in `rebyte --help` and in `docs/cli.md`.

use std::fmt;

/// How the process ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything worked; a waited task completed.
    Ok,
    /// A bug in this program; never expected. A panic ends with this code too (not Rust's
    /// usual 101), after one `error: internal error: …, please report it` line.
    Internal,
    /// The command line or an input was wrong: unknown flag, empty or oversized prompt, bad
    /// id, unreadable file, unknown executor, limit out of range.
    Usage,
    /// The API refused the request, answered something unreadable, or could not be reached.
    Api,
    /// The task ended as failed.
    TaskFailed,
    /// The task ended as canceled.
    TaskCanceled,
    /// Waiting for the task ran out of time; the task keeps running.
    WaitTimeout,
    /// No API key, or a configuration that cannot work.
    Config,
    /// `rebyte batch`: at least one line did not succeed.
    BatchIncomplete,
    /// Interrupted with Ctrl-C.
    Interrupted,
}

impl Exit {
    /// The process exit status.
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Internal => 1,
            Exit::Usage => 2,
            Exit::Api => 3,
            Exit::TaskFailed => 4,
            Exit::TaskCanceled => 5,
            Exit::WaitTimeout => 6,
            Exit::Config => 7,
            Exit::BatchIncomplete => 8,
            Exit::Interrupted => 130,
        }
    }
}

/// The exit code table shown at the end of `rebyte --help`.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0    success (a waited task completed)
  1    internal error: a bug in rebyte (please report it)
  2    usage or bad input (flags, prompt, id, file, executor, limit)
  3    API or network error (refused, unreachable, unreadable answer)
  4    the task failed
  5    the task was canceled
  6    waiting timed out (the task keeps running)
  7    configuration: no API key (set REBYTE_API_KEY or pass --local)
  8    batch: at least one line did not succeed
  130  interrupted (Ctrl-C)

Environment:
  REBYTE_API_KEY      API key (keys at https://app.rebyte.ai/settings/api-keys)
  REBYTE_BASE_URL     API base URL, ending in /v1
  REBYTE_LOCAL_STATE  simulator state file used by --local
  NO_COLOR            disable colour";

/// A command's failure: an exit code and one line for stderr.
#[derive(Debug)]
pub struct CliError {
    /// How the process ends.
    pub exit: Exit,
    /// The line printed after `error: `; empty when the command already reported itself.
    pub message: String,
}

impl CliError {
    /// A failure with `exit` and `message`.
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: one_line(&message.into()),
        }
    }

    /// A usage or bad-input failure (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }

    /// A configuration failure (exit 7).
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(Exit::Config, message)
    }

    /// An API or network failure (exit 3).
    pub fn api(message: impl Into<String>) -> Self {
        Self::new(Exit::Api, message)
    }

    /// An exit that prints nothing more: the command has already said what happened.
    pub fn silent(exit: Exit) -> Self {
        Self {
            exit,
            message: String::new(),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// The result of a command.
pub type CliResult<T = ()> = Result<T, CliError>;

/// Folds text into one line of at most 400 characters, so an error never spills a body
/// or a page of HTML over the terminal.
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(400));
    let mut last_space = false;
    for c in text.trim().chars() {
        let c = if c.is_whitespace() || c.is_control() {
            ' '
        } else {
            c
        };
        if c == ' ' && last_space {
            continue;
        }
        last_space = c == ' ';
        out.push(c);
    }
    if out.chars().count() > 400 {
        out = out.chars().take(399).collect();
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct() {
        let all = [
            Exit::Ok,
            Exit::Internal,
            Exit::Usage,
            Exit::Api,
            Exit::TaskFailed,
            Exit::TaskCanceled,
            Exit::WaitTimeout,
            Exit::Config,
            Exit::BatchIncomplete,
            Exit::Interrupted,
        ];
        let mut codes: Vec<u8> = all.iter().map(|e| e.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
    }

    #[test]
    fn help_lists_every_code() {
        for code in [0, 2, 3, 4, 5, 6, 7, 8, 130] {
            assert!(
                EXIT_CODES_HELP.contains(&format!("\n  {code} ")),
                "{code} missing"
            );
        }
    }

    #[test]
    fn one_line_folds_and_cuts() {
        assert_eq!(one_line(" a\n\n b\tc "), "a b c");
        assert_eq!(one_line(&"x".repeat(1000)).chars().count(), 400);
    }
}
