//! The simulator, served in-process on `127.0.0.1:0` for the bench and the soak.

use std::net::SocketAddr;

use rebyte_sim::{SimConfig, Simulator};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::BoxError;

/// A running simulator and where to reach it.
#[derive(Debug)]
pub struct SimServer {
    /// The simulator itself (its counters and state are read directly).
    pub sim: Simulator,
    /// The address it listens on.
    pub addr: SocketAddr,
    /// `http://127.0.0.1:<port>/v1`.
    pub base_url: String,
    /// `http://127.0.0.1:<port>`, the origin its URLs are made with.
    pub origin: String,
    stop: oneshot::Sender<()>,
    handle: JoinHandle<std::io::Result<()>>,
}

impl SimServer {
    /// Builds an in-memory simulator with `config` and serves it on a free loopback port,
    /// on the current Tokio runtime.
    pub async fn start(config: SimConfig) -> Result<Self, BoxError> {
        let sim = Simulator::in_memory(config)?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let handle = tokio::spawn(rebyte_sim::serve(listener, sim.clone(), async move {
            let _ = stopped.await;
        }));
        Ok(Self {
            sim,
            addr,
            base_url: format!("http://{addr}/v1"),
            origin: format!("http://{addr}"),
            stop,
            handle,
        })
    }

    /// Stops serving and waits for the server to finish.
    pub async fn stop(self) -> Result<(), BoxError> {
        let _ = self.stop.send(());
        self.handle.await??;
        Ok(())
    }
}
