//! The embedded simulator behind `--local`: opened on a SQLite file shared by every
//! process, served on a loopback port for as long as the command runs.

use std::net::SocketAddr;
use std::path::Path;

use rebyte_sim::{SimConfig, Simulator};
use tokio::sync::oneshot;

use crate::exit::{CliError, CliResult};

/// Opens the simulator state file at `path`, creating its directory first. Shared by
/// `--local` and `rebyte sim serve`, so both read and write the same state.
pub fn open_state(path: &Path, config: SimConfig) -> CliResult<Simulator> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            CliError::config(format!(
                "cannot create the simulator state directory `{}`: {}",
                dir.display(),
                crate::commands::io_reason(&e)
            ))
        })?;
    }
    Simulator::open(path, config).map_err(|e| {
        CliError::config(format!(
            "cannot open the simulator state `{}`: {e}",
            path.display()
        ))
    })
}

/// A simulator served in the background of this process.
#[derive(Debug)]
pub struct LocalSim {
    addr: SocketAddr,
    api_key: String,
    shutdown: Option<oneshot::Sender<()>>,
}

impl LocalSim {
    /// Opens the state at `path` (creating its directory) and serves it on 127.0.0.1:0.
    pub async fn start(path: &Path) -> CliResult<Self> {
        let config = SimConfig::default();
        let api_key = config
            .api_keys
            .first()
            .cloned()
            .unwrap_or_else(|| rebyte_sim::DEFAULT_API_KEY.to_owned());
        let sim = open_state(path, config)?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| CliError::config(format!("cannot start the local simulator: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| CliError::config(format!("cannot start the local simulator: {e}")))?;
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let shutdown = async move {
                let _ = rx.await;
            };
            if let Err(err) = rebyte_sim::serve(listener, sim, shutdown).await {
                tracing::warn!(error = %err, "the local simulator stopped");
            }
        });
        tracing::debug!(%addr, "local simulator serving");
        Ok(Self {
            addr,
            api_key,
            shutdown: Some(tx),
        })
    }

    /// The base URL of the served API, ending in `/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The key the simulator accepts (a fixed, public one: it guards nothing).
    pub fn api_key(&self) -> &str {
        &self.api_key
    }
}

impl Drop for LocalSim {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
