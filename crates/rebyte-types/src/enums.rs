//! The enums of the wire model. Each keeps unknown values (see `wire_enum!`).

/// A value that is not one of the known spellings of an enum, from `str::parse`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{value}`; expected one of: {}", expected.join(", "))]
pub struct UnknownValue {
    /// What was being parsed, such as `executor`.
    pub kind: &'static str,
    /// The value given.
    pub value: String,
    /// The values that are accepted.
    pub expected: &'static [&'static str],
}

wire_enum! {
    /// The status of a task, derived by the service from its prompts.
    ///
    /// The service's own clients also meet the spellings `succeeded` and `cancelled`; they
    /// decode into [`TaskStatus::Unknown`] and [`TaskStatus::is_terminal`] knows them.
    "task status"
    pub enum TaskStatus {
        /// Some prompt is pending or running.
        Running = "running",
        /// Every prompt is done and the latest succeeded.
        Completed = "completed",
        /// Every prompt is done and the latest failed.
        Failed = "failed",
        /// Every prompt is done and the latest was canceled.
        Canceled = "canceled",
    }
}

impl TaskStatus {
    /// Whether the task has stopped: completed, failed or canceled, in any spelling the
    /// service is seen to use. An unknown status counts as still running.
    pub fn is_terminal(&self) -> bool {
        self.outcome().is_some()
    }

    /// The status with the service's alternative spellings folded in: `succeeded` reads as
    /// [`TaskStatus::Completed`] and `cancelled` as [`TaskStatus::Canceled`]. `None` while
    /// the task runs or when the status is unknown.
    pub fn outcome(&self) -> Option<TaskStatus> {
        match self {
            TaskStatus::Running => None,
            TaskStatus::Completed => Some(TaskStatus::Completed),
            TaskStatus::Failed => Some(TaskStatus::Failed),
            TaskStatus::Canceled => Some(TaskStatus::Canceled),
            TaskStatus::Unknown(raw) => match raw.as_str() {
                "succeeded" => Some(TaskStatus::Completed),
                "cancelled" => Some(TaskStatus::Canceled),
                _ => None,
            },
        }
    }
}

wire_enum! {
    /// The status of one prompt of a task.
    "prompt status"
    pub enum PromptStatus {
        /// Accepted, not yet started.
        Pending = "pending",
        /// The agent is working on it.
        Running = "running",
        /// The agent finished it.
        Succeeded = "succeeded",
        /// The agent stopped with an error.
        Failed = "failed",
        /// It was stopped on request.
        Canceled = "canceled",
    }
}

impl PromptStatus {
    /// Whether the prompt has stopped: succeeded, failed or canceled (also spelled
    /// `cancelled`, or `completed`, by some agents). An unknown status counts as running.
    pub fn is_terminal(&self) -> bool {
        match self {
            PromptStatus::Pending | PromptStatus::Running => false,
            PromptStatus::Succeeded | PromptStatus::Failed | PromptStatus::Canceled => true,
            PromptStatus::Unknown(raw) => matches!(raw.as_str(), "cancelled" | "completed"),
        }
    }
}

wire_enum! {
    /// Who may view a task.
    "visibility"
    pub enum Visibility {
        /// Only the owner of the API key.
        Private = "private",
        /// Every member of the organization; the default for new tasks.
        Shared = "shared",
        /// Anyone with the link, read-only, without logging in.
        Public = "public",
    }
}

wire_enum! {
    /// The coding agent that runs a task.
    "executor"
    pub enum Executor {
        /// opencode.
        Opencode = "opencode",
        /// Claude Code.
        Claude = "claude",
        /// Gemini CLI.
        Gemini = "gemini",
        /// Codex.
        Codex = "codex",
    }
}

wire_enum! {
    /// The `code` of an error body.
    "error code"
    pub enum ErrorCode {
        /// The request body or a parameter is invalid.
        ValidationError = "validation_error",
        /// A documented limit was exceeded.
        LimitExceeded = "limit_exceeded",
        /// No API key was sent.
        MissingApiKey = "missing_api_key",
        /// The API key is not valid.
        InvalidApiKey = "invalid_api_key",
        /// The caller is not authorized.
        Unauthorized = "unauthorized",
        /// The key lacks the scope the call needs.
        InsufficientScopes = "insufficient_scopes",
        /// No such resource, or it was deleted.
        NotFound = "not_found",
        /// The service failed.
        InternalError = "internal_error",
    }
}

impl ErrorCode {
    /// The HTTP status the service answers with this code, when it is known.
    pub fn http_status(&self) -> Option<u16> {
        Some(match self {
            ErrorCode::ValidationError | ErrorCode::LimitExceeded => 400,
            ErrorCode::MissingApiKey | ErrorCode::InvalidApiKey | ErrorCode::Unauthorized => 401,
            ErrorCode::InsufficientScopes => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::InternalError => 500,
            ErrorCode::Unknown(_) => return None,
        })
    }
}

wire_enum! {
    /// The type of a live execution event; it says how to read the event's payload.
    "event type"
    pub enum EventType {
        /// The agent started: `{session_id, model, cwd}`.
        Init = "init",
        /// The agent's reasoning: `{content}`.
        Thinking = "thinking",
        /// Text the agent wrote: `{content}`.
        Text = "text",
        /// The agent called a tool: `{id, name, input}`.
        ToolUse = "tool_use",
        /// A tool answered: `{id, output}`.
        ToolResult = "tool_result",
        /// The prompt ended: `{status, result, duration_ms, usage}`.
        Result = "result",
    }
}

impl EventType {
    /// The name of the payload type documented for this event type.
    pub fn payload_type(&self) -> Option<&'static str> {
        Some(match self {
            EventType::Init => "InitPayload",
            EventType::Thinking | EventType::Text => "TextPayload",
            EventType::ToolUse => "ToolUsePayload",
            EventType::ToolResult => "ToolResultPayload",
            EventType::Result => "ResultPayload",
            EventType::Unknown(_) => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_round_trip_unchanged() {
        let status: TaskStatus = serde_json::from_str(r#""paused""#).unwrap();
        assert_eq!(status, TaskStatus::Unknown("paused".into()));
        assert_eq!(serde_json::to_string(&status).unwrap(), r#""paused""#);
        assert!(!status.is_terminal());
    }

    #[test]
    fn alternative_spellings_are_terminal() {
        assert!(TaskStatus::from_wire("succeeded").is_terminal());
        assert_eq!(
            TaskStatus::from_wire("cancelled").outcome(),
            Some(TaskStatus::Canceled)
        );
        assert!(!TaskStatus::Running.is_terminal());
        assert!(PromptStatus::from_wire("cancelled").is_terminal());
        assert!(!PromptStatus::Pending.is_terminal());
    }

    #[test]
    fn parse_refuses_unknown_and_lists_choices() {
        let err = "claud".parse::<Executor>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown executor `claud`; expected one of: opencode, claude, gemini, codex"
        );
        assert_eq!("codex".parse::<Executor>().unwrap(), Executor::Codex);
    }

    #[test]
    fn every_error_code_has_a_status() {
        for code in ErrorCode::KNOWN {
            assert!(code.http_status().is_some(), "{code}");
        }
        assert_eq!(ErrorCode::from_wire("teapot").http_status(), None);
    }
}
