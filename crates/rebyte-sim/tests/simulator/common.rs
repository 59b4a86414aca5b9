//! A simulator served on a loopback port for one test.

use std::sync::Arc;
use std::time::Duration;

use rebyte_client::{Client, RetryPolicy};
use rebyte_sim::{DEFAULT_API_KEY, ManualClock, SimConfig, Simulator};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub struct Harness {
    pub sim: Simulator,
    pub clock: ManualClock,
    /// `http://127.0.0.1:PORT`
    pub origin: String,
    /// `http://127.0.0.1:PORT/v1`
    pub base: String,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

impl Harness {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(configure: impl FnOnce(&mut SimConfig)) -> Self {
        let clock = ManualClock::default();
        let mut config = SimConfig::with_clock(Arc::new(clock.clone()));
        configure(&mut config);
        let sim = Simulator::in_memory(config).unwrap();
        Self::serve(sim, clock).await
    }

    pub async fn serve(sim: Simulator, clock: ManualClock) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(rebyte_sim::serve(listener, sim.clone(), async move {
            let _ = stopped.await;
        }));
        Harness {
            sim,
            clock,
            origin: format!("http://{addr}"),
            base: format!("http://{addr}/v1"),
            stop: Some(stop),
            server: Some(server),
        }
    }

    pub fn client(&self) -> Client {
        Client::builder()
            .api_key(DEFAULT_API_KEY)
            .base_url(&self.base)
            .build()
            .unwrap()
    }

    /// A client that never retries, for fault tests.
    pub fn client_without_retries(&self) -> Client {
        Client::builder()
            .api_key(DEFAULT_API_KEY)
            .base_url(&self.base)
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap()
    }

    /// A plain HTTP client for checks below the typed client.
    pub fn http(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// A request to `path` (below the origin) carrying the default key.
    pub fn authed(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http()
            .request(method, self.url(path))
            .header("API_KEY", DEFAULT_API_KEY)
    }

    /// The answer to a GET of `path` (below the origin) with the default key.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.authed(reqwest::Method::GET, path)
            .send()
            .await
            .unwrap()
    }

    /// The answer to a GET of an absolute `url` (a page or share link) without a key.
    pub async fn open(&self, url: &str) -> reqwest::Response {
        self.http().get(url).send().await.unwrap()
    }

    /// Moves the simulator's clock.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// Moves the clock past provisioning and one prompt of the demo timings.
    pub fn finish_one_prompt(&self) {
        let t = self.sim.config().timings;
        self.clock.advance(t.provision + t.per_prompt);
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
    }
}

/// Reads an error answer and checks it has the documented body; returns (status, code,
/// message).
pub async fn error_body(response: reqwest::Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(
        content_type.starts_with("application/json"),
        "content type {content_type:?}"
    );
    let body: rebyte_types::ErrorBody = response.json().await.unwrap();
    (status, body.error.code.to_string(), body.error.message)
}
