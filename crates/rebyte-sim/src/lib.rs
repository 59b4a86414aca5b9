//! A stateful local simulator of the Rebyte tasks API.
//!
//! It speaks the whole documented contract (same paths from [`rebyte_types::catalog`], same
//! bodies, errors, validation, pagination, soft delete, share URLs, signed upload URLs,
//! cancel and the Server-Sent Events stream) so that the tool can be tried, and code tested,
//! with no key and no network. It is used three ways: embedded by the CLI (`--local`), as a
//! server (`rebyte sim serve`), and as the test double of the integration tests, benchmarks
//! and fault soaks.
//!
//! # How it works
//!
//! - [`Simulator`] is the state machine, with no HTTP in it; [`router`] is an axum router
//!   over it and [`serve`] runs that router on a listener until a shutdown future resolves.
//! - State lives in SQLite: in memory ([`Simulator::in_memory`]) or in a file
//!   ([`Simulator::open`]) that several processes share (WAL, busy timeout, every write in a
//!   `BEGIN IMMEDIATE` transaction, so concurrent writers lose nothing). With a file, reads
//!   use a connection of their own, so they never wait behind a write that waits for another
//!   process's lock, and the server runs writes on blocking threads, so such a wait cannot
//!   stall the async runtime.
//! - Time: nothing runs in the background. A task's first prompt is `pending` while its VM
//!   "provisions" ([`Timings::provision`], or [`Timings::reused_provision`] when the task
//!   reuses a workspace), then `running` for [`Timings::per_prompt`], then done; follow-ups
//!   queue behind it. Every status and event is computed from stored timestamps and
//!   [`Clock::now`], so tests move a [`ManualClock`] instead of sleeping.
//! - Outcomes are chosen by the prompt text: a prompt containing [`FAIL_MARKER`]
//!   (`[sim:fail]`) ends `failed`, one containing [`HANG_MARKER`] (`[sim:hang]`) never ends
//!   by itself, any other succeeds; `POST /v1/tasks/:id/cancel` makes every open prompt
//!   `canceled`.
//! - Events of a prompt follow a fixed script (`init`, `thinking`, `text`, `tool_use`,
//!   `tool_result`, then `result` and `done`), each released at a set fraction of the
//!   prompt's run. Every connection replays from `seq` 0; connecting before the latest
//!   prompt started yields an immediate `done` with `lastSeq: -1`, as the service does.
//! - Keys: header `API_KEY` (also `api-key`, `x-api-key`); [`SimConfig::api_keys`] lists the
//!   accepted ones ([`DEFAULT_API_KEY`] by default; an empty list accepts any key).
//! - The `url` of a task (`<origin>/run/<id>`) opens a live HTML page of it, and the
//!   `shareUrl` of a public task (`<origin>/share/<id>`) a read-only one; `<origin>` is taken
//!   from the request's `Host`. The share page of a task that is not public answers 404.
//! - Uploads: `POST /v1/files` answers a URL `<origin>/uploads/<id>?expires=…&signature=…`
//!   (HMAC-SHA256, valid [`Timings::upload_url_ttl`]) that this server accepts with `PUT`;
//!   the bytes are streamed to disk in constant memory ([`Simulator::file_path`]; beside
//!   the state file, or in a temporary directory for an in-memory simulator) and their size
//!   and SHA-256 recorded ([`Simulator::file`]).
//! - Faults ([`FaultConfig`], seeded): 500 / 502 / 503 answers, 429 with `Retry-After`,
//!   added latency, stalls, and "commit, then drop the connection". They apply to `/v1`
//!   routes only; [`Simulator::fault_counters`] tells what was injected.
//!
//! # Performance
//!
//! Reads take one mutex and two cached prepared statements. On a 2-core machine, with `wrk`
//! (200 keep-alive connections) sharing those cores, `GET /v1/tasks/:id` is served about
//! 43,000 times a second in memory and 44,000 with a state file; measure with
//! `examples/serve.rs`.
//!
//! # Serving it from a test
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use rebyte_sim::{DEFAULT_API_KEY, ManualClock, SimConfig, Simulator};
//!
//! let clock = ManualClock::default();
//! let sim = Simulator::in_memory(SimConfig::with_clock(Arc::new(clock.clone())))?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let base_url = format!("http://{}/v1", listener.local_addr()?);
//! let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
//! let server = tokio::spawn(rebyte_sim::serve(listener, sim.clone(), async move {
//!     let _ = stopped.await;
//! }));
//!
//! // … drive `base_url` with the key DEFAULT_API_KEY; move time with
//! // `clock.advance(Duration::from_secs(10))` instead of sleeping …
//! # let _ = (base_url, DEFAULT_API_KEY);
//!
//! let _ = stop.send(());
//! server.await??;
//! # Ok(()) }
//! ```

mod clock;
mod config;
mod core;
mod error;
mod faults;
mod http;
mod lifecycle;
mod page;
mod server;
mod store;
mod upload;

pub use crate::clock::{Clock, ManualClock, SystemClock};
pub use crate::config::{
    DEFAULT_API_KEY, FAIL_MARKER, FaultConfig, HANG_MARKER, SimConfig, Timings,
};
pub use crate::core::{
    DEFAULT_CONTENT_TYPE, DEFAULT_MODEL, Simulator, StoredFile, TaskEvents, TaskView, run_url,
    share_url,
};
pub use crate::error::{ApiError, SimError};
pub use crate::faults::FaultCounters;
pub use crate::http::router;
pub use crate::server::serve;
pub use crate::upload::{UPLOAD_PREFIX, UploadRejection};
