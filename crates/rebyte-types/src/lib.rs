//! The wire model of the Rebyte tasks API.
//!
//! Everything that crosses the wire between a client and the service is a type here:
//! requests, responses, the enums inside them, the ids that become path segments, the
//! Server-Sent Events of a running task, and the [`catalog`] of endpoints. The client, the
//! simulator and `cargo xtask check-api` all build on this crate, so the three cannot
//! disagree about a field name.
//!
//! Design choices, and why:
//!
//! - **Forward compatible.** Enums such as [`TaskStatus`] keep values they do not know in an
//!   `Unknown(String)` variant and re-encode them unchanged, and responses ignore fields they
//!   do not know: a service that grows never breaks a deployed client.
//! - **Ids are path-safe.** [`TaskId`] and its siblings accept only a single safe URL path
//!   segment, so an id from user input can never walk to another endpoint.
//! - **Validation before sending.** The limits the service documents (prompt length, file
//!   name length, page size) are checked by [`Validate`] on the request types, and the error
//!   names the field at fault.
//! - **Optional request fields are omitted, never `null`.**
//!
//! ```
//! use rebyte_types::{CreateTaskRequest, Executor, Validate};
//!
//! let request = CreateTaskRequest::new("Summarise the README")
//!     .executor(Executor::Claude)
//!     .skill("deep-research");
//! request.validate()?;
//! assert_eq!(
//!     serde_json::to_string(&request)?,
//!     r#"{"prompt":"Summarise the README","executor":"claude","skills":["deep-research"]}"#
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

#[macro_use]
mod wire_enum;

pub mod catalog;
mod enums;
mod error_body;
mod event;
mod file;
mod id;
#[cfg(feature = "schema")]
pub mod schema;
mod task;
mod timestamp;
mod validate;

pub use catalog::{Endpoint, Method};
pub use enums::{
    ErrorCode, EventType, Executor, PromptStatus, TaskStatus, UnknownValue, Visibility,
};
pub use error_body::{ApiErrorDetail, ErrorBody};
pub use event::{
    AgentEvent, DoneEvent, InitPayload, ResultPayload, SSE_DONE, SSE_EVENT, TaskEvent, TextPayload,
    ToolResultPayload, ToolUsePayload,
};
pub use file::{CreateFileRequest, FileRef, FileUpload};
pub use id::{FileId, InvalidId, PromptId, TaskId, WorkspaceId};
pub use task::{
    CreateTaskRequest, CreatedTask, FollowUpRequest, FollowUpResponse, ListTasksQuery, Prompt,
    SetVisibilityRequest, Task, TaskPage, TaskSummary, VisibilityResponse,
};
pub use timestamp::{InvalidTimestamp, Timestamp};
pub use validate::{
    DEFAULT_LIST_LIMIT, MAX_FILENAME_CHARS, MAX_LIST_LIMIT, MAX_PROMPT_CHARS, Validate,
    ValidationError,
};
