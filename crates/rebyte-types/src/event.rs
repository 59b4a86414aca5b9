//! Live execution events, as sent by `GET /v1/tasks/:id/events` (Server-Sent Events).
//!
//! Two SSE event names exist: `event`, whose data is a [`TaskEvent`], and `done`, whose data
//! is a [`DoneEvent`] and which ends the stream. A [`TaskEvent`] keeps its payload as raw JSON
//! so that unknown event types pass through; [`TaskEvent::agent_event`] reads the payload of
//! the known ones.

use serde::{Deserialize, Serialize};

use crate::enums::{EventType, PromptStatus};
use crate::id::PromptId;
use crate::timestamp::Timestamp;

/// The SSE event name of a [`TaskEvent`].
pub const SSE_EVENT: &str = "event";
/// The SSE event name of a [`DoneEvent`].
pub const SSE_DONE: &str = "done";

/// One execution event of a task's latest prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct TaskEvent {
    /// Position in the prompt's event sequence, from 0; every connection replays from 0.
    pub seq: u64,
    /// When the event happened.
    pub timestamp: Timestamp,
    /// The prompt the event belongs to.
    pub prompt_id: PromptId,
    /// How to read `payload`.
    pub event_type: EventType,
    /// The event's data, as the agent sent it.
    pub payload: serde_json::Value,
}

/// The end of an event stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct DoneEvent {
    /// How the prompt ended.
    pub status: PromptStatus,
    /// The `seq` of the last event; `-1` when none was sent, which can mean the stream was
    /// opened too early and should be opened again.
    pub last_seq: i64,
    /// The agent's final answer, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_result: Option<String>,
}

impl DoneEvent {
    /// Whether this `done` came before any event: the stream was opened too early.
    pub fn is_premature(&self) -> bool {
        self.last_seq < 0
    }
}

/// Payload of an `init` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InitPayload {
    /// The agent's session.
    pub session_id: String,
    /// The model the agent runs.
    pub model: String,
    /// The agent's working directory.
    pub cwd: String,
}

/// Payload of a `thinking` or `text` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TextPayload {
    /// The text.
    pub content: String,
}

/// Payload of a `tool_use` event. Some agents spell the fields `tool_id`, `tool_name` and
/// `params`; they are read into the same fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ToolUsePayload {
    /// The call's id, matched by the `tool_result`.
    #[serde(alias = "tool_id")]
    pub id: String,
    /// The tool's name.
    #[serde(alias = "tool_name")]
    pub name: String,
    /// The tool's arguments.
    #[serde(alias = "params", default)]
    pub input: serde_json::Value,
}

/// Payload of a `tool_result` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ToolResultPayload {
    /// The id of the call this answers.
    #[serde(alias = "tool_id")]
    pub id: String,
    /// The tool's output, as a JSON string.
    pub output: String,
}

/// Payload of a `result` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ResultPayload {
    /// How the prompt ended, in the agent's words.
    pub status: String,
    /// The agent's final answer.
    pub result: String,
    /// How long the prompt took.
    pub duration_ms: u64,
    /// Token and cost accounting, as the agent reports it.
    #[serde(default)]
    pub usage: serde_json::Value,
}

/// A [`TaskEvent`]'s payload read according to its type.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AgentEvent {
    /// `init`.
    Init(InitPayload),
    /// `thinking`.
    Thinking(TextPayload),
    /// `text`.
    Text(TextPayload),
    /// `tool_use`.
    ToolUse(ToolUsePayload),
    /// `tool_result`.
    ToolResult(ToolResultPayload),
    /// `result`.
    Result(ResultPayload),
    /// An unknown event type, or a payload that does not have the documented shape.
    Other {
        /// The event type as sent.
        event_type: EventType,
        /// The payload as sent.
        payload: serde_json::Value,
    },
}

impl TaskEvent {
    /// Reads the payload according to the event type. Never fails: what does not fit
    /// becomes [`AgentEvent::Other`].
    pub fn agent_event(&self) -> AgentEvent {
        fn read<T: serde::de::DeserializeOwned>(payload: &serde_json::Value) -> Option<T> {
            T::deserialize(payload).ok()
        }
        let p = &self.payload;
        let typed = match self.event_type {
            EventType::Init => read(p).map(AgentEvent::Init),
            EventType::Thinking => read(p).map(AgentEvent::Thinking),
            EventType::Text => read(p).map(AgentEvent::Text),
            EventType::ToolUse => read(p).map(AgentEvent::ToolUse),
            EventType::ToolResult => read(p).map(AgentEvent::ToolResult),
            EventType::Result => read(p).map(AgentEvent::Result),
            EventType::Unknown(_) => None,
        };
        typed.unwrap_or_else(|| AgentEvent::Other {
            event_type: self.event_type.clone(),
            payload: p.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(event_type: &str, payload: serde_json::Value) -> TaskEvent {
        TaskEvent {
            seq: 0,
            timestamp: "2026-02-09T10:30:00.000Z".parse().unwrap(),
            prompt_id: "p1".parse().unwrap(),
            event_type: EventType::from_wire(event_type),
            payload,
        }
    }

    #[test]
    fn reads_known_payloads_and_aliases() {
        let e = event(
            "tool_use",
            serde_json::json!({"tool_id": "t1", "tool_name": "bash", "params": {"cmd": "ls"}}),
        );
        match e.agent_event() {
            AgentEvent::ToolUse(p) => {
                assert_eq!((p.id.as_str(), p.name.as_str()), ("t1", "bash"));
                assert_eq!(p.input["cmd"], "ls");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_types_and_odd_payloads_pass_through() {
        let e = event("assistant", serde_json::json!({"x": 1}));
        assert!(matches!(e.agent_event(), AgentEvent::Other { .. }));
        let e = event("text", serde_json::json!({"no_content": true}));
        assert!(matches!(e.agent_event(), AgentEvent::Other { .. }));
    }

    #[test]
    fn premature_done_is_recognised() {
        let done: DoneEvent =
            serde_json::from_str(r#"{"status":"succeeded","lastSeq":-1}"#).unwrap();
        assert!(done.is_premature());
    }
}
