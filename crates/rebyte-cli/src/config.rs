//! Where the key and the base URL come from, and the connection every command uses.
//!
//! The key comes from `--api-key-file PATH` (or `-` for stdin) or `REBYTE_API_KEY`, never
//! from a plain argument that other users could read in the process list. `--local` starts
//! the embedded simulator instead. Without a key and without `--local` the command fails:
//! it never falls back to the simulator by itself, so nobody mistakes a simulated task for
//! a real one.

use std::io::Read;
use std::path::Path;
#[cfg(feature = "local")]
use std::path::PathBuf;

use rebyte_client::Client;

use crate::cli::GlobalArgs;
use crate::exit::{CliError, CliResult};
use crate::output::Printer;

/// The environment variable holding the API key.
pub const API_KEY_ENV: &str = "REBYTE_API_KEY";
/// The environment variable overriding where `--local` keeps its state.
#[cfg(feature = "local")]
pub const LOCAL_STATE_ENV: &str = "REBYTE_LOCAL_STATE";
/// Where keys come from.
pub const KEYS_URL: &str = "https://app.rebyte.ai/settings/api-keys";

/// The line printed when there is no key.
pub fn missing_key_message() -> String {
    format!(
        "no API key: set {API_KEY_ENV} (get a key at {KEYS_URL}) or pass --local to try the built-in simulator"
    )
}

/// What a command needs to talk to the API.
#[derive(Debug)]
pub struct Context {
    /// The client.
    pub client: Client,
    /// The printer.
    pub printer: Printer,
    /// The embedded simulator, served while this lives.
    #[cfg(feature = "local")]
    _local: Option<crate::local::LocalSim>,
}

impl Context {
    /// How to run this program again against the same API, for the commands a message
    /// suggests: `rebyte --local` when on the embedded simulator, else `rebyte`.
    pub fn rebyte(&self) -> &'static str {
        if self.is_local() {
            "rebyte --local"
        } else {
            "rebyte"
        }
    }

    /// Whether the commands talk to the embedded simulator (`--local`).
    pub fn is_local(&self) -> bool {
        #[cfg(feature = "local")]
        {
            self._local.is_some()
        }
        #[cfg(not(feature = "local"))]
        {
            false
        }
    }
}

/// How the command line wants to connect.
#[derive(Debug)]
pub struct ConnectOptions<'a> {
    /// The global flags.
    pub global: &'a GlobalArgs,
    /// Whether `--base-url` was given on the command line (not only in the environment).
    pub base_url_on_command_line: bool,
    /// Whether the command reads something else (a prompt, a batch) from stdin.
    pub stdin_taken: bool,
}

/// Reads the key, or starts the local simulator, and builds the client.
pub async fn connect(options: ConnectOptions<'_>, printer: Printer) -> CliResult<Context> {
    let global = options.global;
    if global.local {
        if options.base_url_on_command_line {
            return Err(CliError::usage(
                "--local and --base-url cannot be used together: --local serves the API itself",
            ));
        }
        if global.api_key_file.is_some() {
            return Err(CliError::usage(
                "--local and --api-key-file cannot be used together: the local simulator has its own key",
            ));
        }
        return connect_local(printer).await;
    }

    let key = match &global.api_key_file {
        Some(path) => read_key_file(path, options.stdin_taken)?,
        None => match std::env::var(API_KEY_ENV) {
            Ok(key) if !key.trim().is_empty() => key.trim().to_owned(),
            _ => return Err(CliError::config(missing_key_message())),
        },
    };
    let base_url = global
        .base_url
        .clone()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| rebyte_client::DEFAULT_BASE_URL.to_owned());
    tracing::debug!(base_url = %base_url, "connecting");
    let client = Client::builder()
        .api_key(key)
        .base_url(base_url.trim())
        .build()?;
    Ok(Context {
        client,
        printer,
        #[cfg(feature = "local")]
        _local: None,
    })
}

#[cfg(feature = "local")]
async fn connect_local(printer: Printer) -> CliResult<Context> {
    let path = local_state_path()?;
    let local = crate::local::LocalSim::start(&path).await?;
    // Said even with --quiet: nobody should mistake a simulated task for a real one.
    printer.warn(format!(
        "using the local simulator (state: {}); nothing is sent to Rebyte",
        path.display()
    ));
    let client = Client::builder()
        .api_key(local.api_key().to_owned())
        .base_url(local.base_url())
        .build()?;
    Ok(Context {
        client,
        printer,
        _local: Some(local),
    })
}

#[cfg(not(feature = "local"))]
async fn connect_local(_printer: Printer) -> CliResult<Context> {
    Err(CliError::config(
        "this build of rebyte has no built-in simulator (it was built without the `local` feature)",
    ))
}

/// Where `--local` and `rebyte sim serve` keep their state: `REBYTE_LOCAL_STATE`, else
/// `<data dir>/rebyte/sim.sqlite3`.
#[cfg(feature = "local")]
pub fn local_state_path() -> CliResult<PathBuf> {
    if let Some(path) = std::env::var_os(LOCAL_STATE_ENV).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let dir = dirs::data_dir().ok_or_else(|| {
        CliError::config(format!(
            "cannot find the user's data directory for the simulator state; set {LOCAL_STATE_ENV}"
        ))
    })?;
    Ok(dir.join("rebyte").join("sim.sqlite3"))
}

fn read_key_file(path: &Path, stdin_taken: bool) -> CliResult<String> {
    let raw = if path == Path::new("-") {
        if stdin_taken {
            return Err(CliError::usage(
                "--api-key-file - and a prompt from stdin cannot both read stdin",
            ));
        }
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CliError::config(format!("cannot read the API key from stdin: {e}")))?;
        text
    } else {
        std::fs::read_to_string(path).map_err(|e| {
            CliError::config(format!(
                "cannot read the API key file `{}`: {}",
                path.display(),
                crate::commands::io_reason(&e)
            ))
        })?
    };
    // The first non-empty line; a trailing newline is the usual way to write a key file.
    let key = raw.lines().map(str::trim).find(|l| !l.is_empty());
    match key {
        Some(key) => Ok(key.to_owned()),
        None => Err(CliError::config(format!(
            "the API key file `{}` is empty",
            path.display()
        ))),
    }
}
