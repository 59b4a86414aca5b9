//! Async client for the Rebyte tasks API.
//!
//! Rebyte runs coding agents (opencode, Claude Code, Gemini CLI, Codex) in cloud VMs. This
//! crate creates tasks, follows them up, shares them, uploads files for them, waits for
//! them and streams their live events. The wire model (requests, responses, ids, the
//! endpoint catalog) is [`rebyte_types`], re-exported here; the commonly used types are
//! also at this crate's root.
//!
//! # Quick start
//!
//! A whole program; besides this crate it needs `tokio` with the `macros` and
//! `rt-multi-thread` features. To try it with no key and no network, run the local simulator
//! (`rebyte sim serve`) and set the key and base URL it prints.
//!
//! ```no_run
//! use rebyte_client::{Client, CreateTaskRequest, Visibility, WaitOptions};
//!
//! #[tokio::main]
//! async fn main() -> rebyte_client::Result<()> {
//!     // REBYTE_API_KEY holds the key; REBYTE_BASE_URL, when set, another base URL.
//!     let client = Client::from_env()?;
//!     let request = CreateTaskRequest::new("Summarise the README of acme/reports").skill("deep-research");
//!     let created = client.create_task(&request).await?;
//!     println!("watch it live: {}", created.url);
//!
//!     let task = client.wait_for_task(&created.id, &WaitOptions::default()).await?;
//!     println!("{}: {}", task.status, task.final_result.as_deref().unwrap_or(""));
//!
//!     let shared = client.set_visibility(&created.id, Visibility::Public).await?;
//!     println!("share: {}", shared.share_url.unwrap_or_default());
//!     Ok(())
//! }
//! ```
//!
//! A client needs no network to be built, so configuration can be checked offline:
//!
//! ```
//! let client = rebyte_client::Client::builder()
//!     .api_key("rbk_example")
//!     .base_url("https://proxy.example/rebyte/v1/")
//!     .build()?;
//! assert_eq!(client.base_url(), "https://proxy.example/rebyte/v1");
//! // The key never shows.
//! assert!(!format!("{client:?}").contains("rbk_example"));
//! # Ok::<(), rebyte_client::Error>(())
//! ```
//!
//! # Design
//!
//! **One client, one pool.** [`Client`] is an `Arc` around one `reqwest` connection pool
//! (rustls, HTTP/2 when offered); clone it freely. Every request is built from the endpoint
//! catalog ([`rebyte_types::catalog`]): the base URL (which ends in `/v1`, any prefix kept)
//! plus the catalog's path with a checked [`TaskId`]. Requests are validated
//! ([`rebyte_types::Validate`]) before anything is sent. Plain `http://` is refused unless
//! the host is loopback; redirects are never followed, so the key cannot be carried to
//! another host.
//!
//! **Retries are safe before they are eager.** The API has no idempotency key, so a POST
//! that reached the server may have taken effect even if its answer was lost. The
//! [`RetryPolicy`] therefore repeats a request after a connection that was never made, or a
//! `429`, for every endpoint; after a `502`/`503`/`504`, a per-attempt timeout or a
//! connection lost mid-answer, only when the catalog marks the endpoint retry-safe. Creating
//! a task, sending a follow-up and asking for an upload slot are never repeated then: the
//! error is returned and the caller decides (for instance by listing tasks). Delays use
//! exponential backoff with full jitter, capped; a `Retry-After` (seconds or HTTP date) is
//! honoured up to a clamp; attempts and total retry time are bounded. Each retry is logged
//! at debug level with its reason.
//!
//! **Timeouts at three levels.** A connect timeout; a per-attempt timeout (long for
//! creating a task, which blocks while a VM is provisioned); and an optional timeout of the
//! whole operation, retries included. See [`ClientBuilder`].
//!
//! **Waiting is not retrying.** [`Client::wait_for_task`] polls `GET /v1/tasks/:id` in its
//! own loop with growing, jittered pauses up to a cap and an overall deadline
//! ([`WaitOptions`]); it returns the finished task whatever its outcome, and
//! [`Error::WaitTimeout`] (carrying the last task read) at the deadline. After
//! [`Client::follow_up`], use [`Client::wait_for_prompt`] with the returned prompt id: just
//! after a follow-up the task may still read `completed` from the previous prompt, and
//! waiting for the prompt cannot be fooled by that. Waits hold no resources: dropping the
//! future stops them.
//!
//! **Streams are lazy.** [`Client::list_all_tasks`] requests a page only when the stream
//! needs it; [`Client::events`] opens the Server-Sent Events stream when first polled,
//! deduplicates the replay every connection starts with, reconnects when the service ends
//! the stream too early, and ends after the one `done`.
//!
//! **Uploads stream.** [`Client::upload_file`] sends the file from disk in chunks, with the
//! declared content type and its length, to the signed URL, without the API key.
//!
//! **The key is a secret.** [`ApiKey`]'s `Debug` is redacted, its header is marked
//! sensitive, and neither errors nor `tracing` output contain it (a test captures all
//! output at trace level to check). Each attempt runs in a `rebyte_request` span with the
//! method, the catalog's path template (never the filled path), the operation, the attempt
//! number, the status and the latency.
//!
//! # Errors
//!
//! Every call returns [`Result`]; [`Error`] tells configuration, validation, API errors
//! (status, typed [`ErrorCode`], message, raw body), non-JSON error pages, decode errors
//! (with the JSON path), transport, timeouts, wait timeouts and file errors apart, and
//! [`Error::is_retryable`] says whether trying later could help.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod client;
mod config;
mod error;
mod events;
mod pagination;
mod retry;
mod tasks;
mod transport;
mod upload;
mod wait;

pub use rebyte_types;
pub use rebyte_types::{
    AgentEvent, ApiErrorDetail, CreateFileRequest, CreateTaskRequest, CreatedTask, DoneEvent,
    ErrorBody, ErrorCode, EventType, Executor, FileId, FileRef, FileUpload, FollowUpRequest,
    FollowUpResponse, InvalidId, ListTasksQuery, Prompt, PromptId, PromptStatus,
    SetVisibilityRequest, Task, TaskEvent, TaskId, TaskPage, TaskStatus, TaskSummary, Timestamp,
    Validate, ValidationError, Visibility, VisibilityResponse, WorkspaceId,
};

pub use client::Client;
pub use config::{
    API_KEY_ENV, API_KEYS_PAGE, ApiKey, BASE_URL_ENV, ClientBuilder, DEFAULT_BASE_URL,
};
pub use error::{Error, Result};
pub use events::LiveEvent;
pub use retry::RetryPolicy;
pub use upload::{DEFAULT_CONTENT_TYPE, UploadOptions};
pub use wait::WaitOptions;
