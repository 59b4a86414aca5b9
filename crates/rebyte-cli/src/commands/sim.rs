//! `rebyte sim serve`: the simulator as a server for other processes.

use std::hash::{BuildHasher, Hasher};

use rebyte_sim::{SimConfig, Simulator};

use crate::cli::SimServeArgs;
use crate::config::{API_KEY_ENV, local_state_path};
use crate::exit::{CliError, CliResult};
use crate::local::open_state;
use crate::output::{self, BOLD, CYAN, Printer, paint};

/// Serves the simulated API until Ctrl-C.
pub async fn serve(args: SimServeArgs, printer: Printer) -> CliResult {
    let mut config = SimConfig::default();
    if let Some(d) = args.provision {
        config.timings.provision = d;
    }
    if let Some(d) = args.reused_provision {
        config.timings.reused_provision = d;
    }
    if let Some(d) = args.prompt_duration {
        config.timings.per_prompt = d;
    }
    let from_env = std::env::var(API_KEY_ENV)
        .ok()
        .map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty());
    let generated = from_env.is_none();
    let key = from_env.unwrap_or_else(generate_key);
    config.api_keys = vec![key.clone()];

    let (sim, state) = if args.in_memory {
        let sim = Simulator::in_memory(config)
            .map_err(|e| CliError::config(format!("cannot start the simulator: {e}")))?;
        (sim, "in memory".to_owned())
    } else {
        let path = match args.state {
            Some(path) => path,
            None => local_state_path()?,
        };
        let sim = open_state(&path, config)?;
        (sim, path.display().to_string())
    };

    let listener = tokio::net::TcpListener::bind((args.host, args.port))
        .await
        .map_err(|e| {
            CliError::config(format!(
                "cannot listen on {}:{}: {}",
                args.host,
                args.port,
                crate::commands::io_reason(&e)
            ))
        })?;
    let addr = listener
        .local_addr()
        .map_err(|e| CliError::config(format!("cannot read the listening address: {e}")))?;
    let base_url = format!("http://{addr}/v1");

    // What to paste into another shell goes to stdout; the rest to stderr.
    printer.note(format!(
        "{} serving the simulated Rebyte API (state: {state}); nothing is sent to Rebyte",
        paint(BOLD, "rebyte sim")
    ));
    printer.out(format!("export REBYTE_BASE_URL={}", paint(CYAN, &base_url)));
    if generated {
        printer.out(format!("export {API_KEY_ENV}={key}"));
    } else {
        printer.note(format!("accepting the key in {API_KEY_ENV}"));
    }
    printer.note(output::paint(output::DIM, "Ctrl-C stops it."));

    let shutdown = crate::interrupt::interrupted();
    rebyte_sim::serve(listener, sim, shutdown)
        .await
        .map_err(|e| CliError::config(format!("the simulator stopped: {e}")))?;
    printer.note("stopped");
    Ok(())
}

/// A fresh key for this server: `rbk_sim_` and 32 hex digits from the OS-seeded hasher.
fn generate_key() -> String {
    let mut out = String::from("rbk_sim_");
    for round in 0..2u64 {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(round);
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
        );
        hasher.write_u32(std::process::id());
        out.push_str(&format!("{:016x}", hasher.finish()));
    }
    out
}
