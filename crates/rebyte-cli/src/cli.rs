//! The command tree, as clap derives it.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::exit::EXIT_CODES_HELP;

/// Run Rebyte coding agents from the terminal.
///
/// Create a task, watch it work, wait for its result, share it. The API key is read from
/// REBYTE_API_KEY (or --api-key-file); `--local` runs everything against a simulator built
/// into this program, so nothing is sent to Rebyte.
#[derive(Debug, Parser)]
#[command(
    name = "rebyte",
    version,
    after_help = EXIT_CODES_HELP,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Print the API's own JSON object instead of the human form
    #[arg(long, global = true)]
    pub json: bool,
    /// Print only the id or URL (for scripts); no progress
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// When to use colour: auto, always or never; NO_COLOR in the environment turns auto off
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN", hide_possible_values = true)]
    pub color: ColorWhen,
    /// Log what happens to stderr (-v: requests, -vv: everything); the key is never shown
    #[arg(short = 'v', long = "verbose", action = ArgAction::Count, global = true)]
    pub verbose: u8,
    /// API base URL, ending in /v1 [default: https://api.rebyte.ai/v1]
    // The value is never shown in the help: a proxy URL may carry credentials.
    #[arg(
        long,
        global = true,
        env = "REBYTE_BASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub base_url: Option<String>,
    /// Read the API key from this file (`-` reads it from stdin) instead of REBYTE_API_KEY
    #[arg(long, global = true, value_name = "PATH")]
    pub api_key_file: Option<PathBuf>,
    /// Use the simulator built into this program (state kept in the user's data
    /// directory, or REBYTE_LOCAL_STATE); nothing is sent to Rebyte
    #[arg(long, global = true)]
    pub local: bool,
}

/// When to use colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// Colour when writing to a terminal and NO_COLOR is not set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a task and follow it: print its live URL at once, then watch or wait, and share
    #[command(
        after_help = "Examples:\n  rebyte run \"Fix the failing test\" --repo acme/api --wait\n  rebyte --local run --skill deep-research --wait --public \"Summarise the Rust borrow checker\"\n  echo \"Write a haiku\" | rebyte run - --watch\n\nExit codes: 0 completed (or created, without --wait or --watch), 4 failed, 5 canceled,\n6 waiting timed out, 3 API or network error, 2 bad input, 130 Ctrl-C; all in `rebyte --help`"
    )]
    Run(RunArgs),
    /// Create, inspect, follow up, share, cancel and delete tasks
    #[command(subcommand)]
    Tasks(TasksCommand),
    /// Upload files to attach to tasks
    #[command(subcommand)]
    Files(FilesCommand),
    /// Create many tasks from a JSON Lines file; print one JSON result per line
    Batch(BatchArgs),
    /// Run the built-in simulator of the API
    #[command(subcommand)]
    Sim(SimCommand),
    /// Print a shell completion script
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// Where the prompt comes from.
#[derive(Debug, Args, Clone)]
pub struct PromptArgs {
    /// The prompt; `-` reads it from stdin
    #[arg(value_name = "PROMPT")]
    pub prompt: Option<String>,
    /// Read the prompt from a file
    #[arg(long, value_name = "PATH", conflicts_with = "prompt")]
    pub prompt_file: Option<PathBuf>,
}

/// Every option of `POST /v1/tasks`.
#[derive(Debug, Args, Clone)]
pub struct CreateArgs {
    /// A skill for the agent, such as deep-research or github:<repo url> (repeatable)
    #[arg(long = "skill", value_name = "SLUG")]
    pub skills: Vec<String>,
    /// The agent: opencode, claude, gemini or codex
    #[arg(long, value_name = "NAME")]
    pub executor: Option<String>,
    /// The model tier [service default: lite]
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,
    /// A GitHub repository as owner/repo
    #[arg(long, value_name = "OWNER/REPO")]
    pub repo: Option<String>,
    /// The branch of the repository [service default: main]
    #[arg(long, value_name = "BRANCH")]
    pub branch: Option<String>,
    /// Run in the workspace of an earlier task (same VM, repository and git state)
    #[arg(long, value_name = "WORKSPACE_ID")]
    pub workspace: Option<String>,
    /// Upload a file and attach it; it appears in the VM under /code (repeatable)
    #[arg(long = "file", value_name = "PATH")]
    pub files: Vec<PathBuf>,
}

/// How long to wait and what to do on Ctrl-C.
#[derive(Debug, Args, Clone)]
pub struct WaitArgs {
    /// Give up waiting after this long: 90, 90s, 10m, 1h
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
    /// How often to ask for the task's state at first; the pause grows to five times this
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub interval: std::time::Duration,
    /// On Ctrl-C, cancel the task before stopping
    #[arg(long)]
    pub cancel_on_interrupt: bool,
}

impl WaitArgs {
    /// The client's wait options for these flags.
    pub fn options(&self) -> rebyte_client::WaitOptions {
        wait_options(self.timeout, self.interval)
    }
}

/// Wait options: `timeout` in all, polling every `interval` at first and at most every five
/// times `interval`.
pub fn wait_options(
    timeout: std::time::Duration,
    interval: std::time::Duration,
) -> rebyte_client::WaitOptions {
    let interval = interval.max(std::time::Duration::from_millis(1));
    rebyte_client::WaitOptions::default()
        .initial_interval(interval)
        .max_interval(interval.saturating_mul(5))
        .timeout(timeout)
}

/// `rebyte run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The prompt.
    #[command(flatten)]
    pub prompt: PromptArgs,
    /// The create options.
    #[command(flatten)]
    pub create: CreateArgs,
    /// Stream the agent's events until the task ends
    #[arg(long)]
    pub watch: bool,
    /// Wait for the task to end; the exit code tells how it ended
    #[arg(long)]
    pub wait: bool,
    /// Make the task public and print its share link
    #[arg(long)]
    pub public: bool,
    /// Waiting options.
    #[command(flatten)]
    pub wait_args: WaitArgs,
}

/// `rebyte tasks …`.
#[derive(Debug, Subcommand)]
pub enum TasksCommand {
    /// Create a task and print it (see `rebyte run` to also wait or share)
    Create {
        /// The prompt.
        #[command(flatten)]
        prompt: PromptArgs,
        /// The create options.
        #[command(flatten)]
        create: CreateArgs,
    },
    /// Show a task: status, prompts, result
    Get {
        /// The task id
        id: String,
    },
    /// List tasks, newest first
    List {
        /// Tasks per page, 1 to 100
        #[arg(long, default_value_t = 20, value_name = "N")]
        limit: u32,
        /// Tasks to skip
        #[arg(long, default_value_t = 0, value_name = "N")]
        offset: u32,
        /// Every task, fetching page after page
        #[arg(long, conflicts_with = "offset")]
        all: bool,
    },
    /// Send a follow-up prompt to a task
    #[command(
        after_help = "Exit codes: 0 sent (with --wait: completed), 4 failed, 5 canceled, 6 waiting timed out,\n3 API or network error, 2 bad input, 130 Ctrl-C; all in `rebyte --help`"
    )]
    FollowUp {
        /// The task id
        id: String,
        /// The prompt.
        #[command(flatten)]
        prompt: PromptArgs,
        /// A skill for this prompt (repeatable)
        #[arg(long = "skill", value_name = "SLUG")]
        skills: Vec<String>,
        /// Wait for this prompt to end
        #[arg(long)]
        wait: bool,
        /// Waiting options.
        #[command(flatten)]
        wait_args: WaitArgs,
    },
    /// Wait for a task (or one of its prompts) to end
    #[command(
        after_help = "Exit codes: 0 completed, 4 failed, 5 canceled, 6 waiting timed out, 3 API or network\nerror, 2 bad input, 130 Ctrl-C; all in `rebyte --help`"
    )]
    Wait {
        /// The task id
        id: String,
        /// Wait for this prompt instead of the task's latest state
        #[arg(long, value_name = "PROMPT_ID")]
        prompt: Option<String>,
        /// Waiting options.
        #[command(flatten)]
        wait_args: WaitArgs,
    },
    /// Stream a task's live events until its latest prompt ends
    #[command(
        after_help = "Exit codes: 0 the prompt succeeded, 4 failed, 5 canceled, 3 API or network error, 2 bad\ninput, 130 Ctrl-C; all in `rebyte --help`"
    )]
    Watch {
        /// The task id
        id: String,
        /// On Ctrl-C, cancel the task before stopping
        #[arg(long)]
        cancel_on_interrupt: bool,
    },
    /// Set who may view a task; print the share link when public
    Share {
        /// The task id
        id: String,
        /// Who may view it
        #[arg(long, default_value = "public", value_parser = ["private", "shared", "public"])]
        visibility: String,
    },
    /// Stop the running prompt of a task
    Cancel {
        /// The task id
        id: String,
    },
    /// Delete a task (it disappears from the list)
    Delete {
        /// The task id
        id: String,
    },
    /// Print a task's live URL, or open it in the browser
    Open {
        /// The task id
        id: String,
        /// Open the URL in the web browser
        #[arg(long)]
        web: bool,
    },
}

/// `rebyte files …`.
#[derive(Debug, Subcommand)]
pub enum FilesCommand {
    /// Upload a file; print the reference a task uses to attach it
    Upload {
        /// The file
        path: PathBuf,
    },
}

/// `rebyte batch`.
#[derive(Debug, Args)]
#[command(
    after_help = "Input: one JSON object per line, the body of POST /v1/tasks:\n  {\"prompt\": \"Summarise a.txt\", \"skills\": [\"pdf\"], \"executor\": \"claude\"}\nOutput: one JSON object per input line, in completion order:\n  {\"line\": 1, \"ok\": true, \"task\": {...}, \"shareUrl\": \"...\"}\n  {\"line\": 2, \"ok\": false, \"error\": {\"exitCode\": 2, \"message\": \"...\"}}\n\nExit codes: 0 every line ok, 8 at least one line not ok, 2 bad input, 130 Ctrl-C; all in\n`rebyte --help`"
)]
pub struct BatchArgs {
    /// The JSON Lines file; `-` reads stdin
    pub file: PathBuf,
    /// How many tasks to work on at once
    #[arg(long, short = 'j', default_value_t = 8, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=256))]
    pub concurrency: u32,
    /// Wait for each task to end
    #[arg(long)]
    pub wait: bool,
    /// Make each task public and include its share link
    #[arg(long)]
    pub public: bool,
    /// Give up waiting for one task after this long: 90, 90s, 10m, 1h
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
    /// How often to ask for a task's state at first; the pause grows to five times this
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    pub interval: std::time::Duration,
}

/// `rebyte sim …`.
#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// Serve the simulated API over HTTP until Ctrl-C
    Serve(SimServeArgs),
}

/// `rebyte sim serve`.
#[derive(Debug, Args)]
pub struct SimServeArgs {
    /// The port to listen on (0 picks a free one)
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The address to listen on
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
    pub host: std::net::IpAddr,
    /// The SQLite state file [default: the --local state file]
    #[arg(long, value_name = "FILE", conflicts_with = "in_memory")]
    pub state: Option<PathBuf>,
    /// Keep state in memory only
    #[arg(long)]
    pub in_memory: bool,
    /// How long provisioning a task takes: 500ms, 2s
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub provision: Option<std::time::Duration>,
    /// How long resuming an existing workspace takes: 200ms, 1s
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub reused_provision: Option<std::time::Duration>,
    /// How long a prompt runs before it ends: 500ms, 8s
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub prompt_duration: Option<std::time::Duration>,
}

/// Reads a duration: a number of seconds, or a number with `ms`, `s`, `m` or `h`.
pub fn parse_duration(raw: &str) -> Result<std::time::Duration, String> {
    use std::time::Duration;
    let raw = raw.trim();
    let split = raw
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(raw.len());
    let (number, unit) = raw.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{raw}` is not a duration; write 90, 90s, 10m or 1h"))?;
    let seconds = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{raw}`; use ms, s, m or h"
            ));
        }
    };
    if !seconds.is_finite() || seconds > 7.0 * 24.0 * 3600.0 {
        return Err(format!("`{raw}` is too long; at most a week"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use std::time::Duration;

    #[test]
    fn command_tree_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5y").is_err());
        assert!(parse_duration("1000h").is_err());
    }
}
