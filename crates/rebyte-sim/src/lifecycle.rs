//! The life of prompts and tasks as pure functions of stored timestamps and "now".
//!
//! A prompt is `pending` until its start, `running` until its end, then `succeeded` or
//! `failed` (its stored outcome); a cancel stamps the time it happened and wins from then on.
//! Its events are released on a fixed script as time passes, so every connection to the
//! event stream sees the same events at the same moments.

use rebyte_types::{
    DoneEvent, EventType, FileRef, PromptId, PromptStatus, TaskEvent, TaskStatus, Timestamp,
};
use serde_json::json;

use crate::store::{PromptRow, TaskRow};

/// Stored outcome: the prompt succeeds.
pub(crate) const OUTCOME_SUCCEEDED: &str = "succeeded";
/// Stored outcome: the prompt fails.
pub(crate) const OUTCOME_FAILED: &str = "failed";
/// Stored outcome: the prompt never ends by itself.
pub(crate) const OUTCOME_HANG: &str = "hang";

/// Where a prompt stands at some moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PromptState {
    pub status: PromptStatus,
    pub completed_ms: Option<i64>,
}

/// The state of `p` at `now_ms`.
pub(crate) fn prompt_state(p: &PromptRow, now_ms: i64) -> PromptState {
    let (status, completed_ms) = if let Some(c) = p.canceled_ms {
        (PromptStatus::Canceled, Some(c))
    } else if now_ms < p.start_ms {
        (PromptStatus::Pending, None)
    } else if now_ms < p.end_ms || p.outcome == OUTCOME_HANG {
        (PromptStatus::Running, None)
    } else if p.outcome == OUTCOME_FAILED {
        (PromptStatus::Failed, Some(p.end_ms))
    } else {
        (PromptStatus::Succeeded, Some(p.end_ms))
    };
    PromptState {
        status,
        completed_ms,
    }
}

/// The task status derived from the state of its latest prompt: prompts run one after the
/// other and a cancel stops all open ones, so the latest is done only when all are.
pub(crate) fn task_status(latest: &PromptState) -> TaskStatus {
    match latest.status {
        PromptStatus::Succeeded => TaskStatus::Completed,
        PromptStatus::Failed => TaskStatus::Failed,
        PromptStatus::Canceled => TaskStatus::Canceled,
        _ => TaskStatus::Running,
    }
}

/// When a prompt's work is over, canceled or not; `None` while it may still run.
pub(crate) fn effective_end(p: &PromptRow) -> Option<i64> {
    match p.canceled_ms {
        Some(c) => Some(c),
        None if p.outcome == OUTCOME_HANG => None,
        None => Some(p.end_ms),
    }
}

/// The outcome a prompt text asks for.
pub(crate) fn outcome_for(text: &str) -> &'static str {
    if text.contains(crate::config::HANG_MARKER) {
        OUTCOME_HANG
    } else if text.contains(crate::config::FAIL_MARKER) {
        OUTCOME_FAILED
    } else {
        OUTCOME_SUCCEEDED
    }
}

/// A title generated from a prompt: its first non-blank line, at most 80 characters.
pub(crate) fn title_for(prompt: &str) -> String {
    let line = prompt
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("Untitled task");
    shorten(line, 80)
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// The agent's final answer to a prompt that succeeded.
pub(crate) fn final_result(p: &PromptRow) -> String {
    format!(
        "Simulated result for: {}",
        shorten(
            p.text
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .as_str(),
            200
        )
    )
}

/// The events of a prompt readable at some moment, and the `done` that ends the stream once
/// the prompt is over.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EventsSnapshot {
    pub events: Vec<TaskEvent>,
    pub done: Option<DoneEvent>,
}

/// The script: event types and when each is released, as a fraction of the prompt's run.
const SCRIPT: [(EventType, f64); 5] = [
    (EventType::Init, 0.0),
    (EventType::Thinking, 0.1),
    (EventType::Text, 0.3),
    (EventType::ToolUse, 0.5),
    (EventType::ToolResult, 0.7),
];

fn ts(ms: i64) -> Timestamp {
    Timestamp::from_unix_millis(ms).unwrap_or_else(Timestamp::now)
}

/// The events of prompt `p` of `task` readable at `now_ms`.
pub(crate) fn events(task: &TaskRow, p: &PromptRow, now_ms: i64) -> EventsSnapshot {
    let state = prompt_state(p, now_ms);
    let prompt_id = PromptId::new(p.id.clone()).ok();
    let Some(prompt_id) = prompt_id else {
        return EventsSnapshot {
            events: Vec::new(),
            done: None,
        };
    };
    if state.status == PromptStatus::Pending {
        // The documented quirk: connecting before the prompt started ends at once.
        return EventsSnapshot {
            events: Vec::new(),
            done: Some(DoneEvent {
                status: PromptStatus::Pending,
                last_seq: -1,
                final_result: None,
            }),
        };
    }
    let run = (p.end_ms - p.start_ms).max(1);
    // Events before this moment are readable.
    let horizon = match p.canceled_ms {
        Some(c) => c.min(now_ms),
        None => now_ms,
    };
    let mut events = Vec::with_capacity(SCRIPT.len() + 1);
    for (i, (event_type, fraction)) in SCRIPT.iter().enumerate() {
        let at = p.start_ms + (run as f64 * fraction) as i64;
        let released = if p.canceled_ms.is_some() {
            at < horizon
        } else {
            at <= horizon
        };
        if !released {
            break;
        }
        events.push(TaskEvent {
            seq: i as u64,
            timestamp: ts(at),
            prompt_id: prompt_id.clone(),
            event_type: event_type.clone(),
            payload: payload(task, p, event_type),
        });
    }
    let result = match state.status {
        PromptStatus::Succeeded => Some(("success", final_result(p), p.end_ms)),
        PromptStatus::Failed => Some((
            "error",
            format!(
                "Simulated failure: the prompt asked for it with {}",
                crate::config::FAIL_MARKER
            ),
            p.end_ms,
        )),
        PromptStatus::Canceled => Some((
            "canceled",
            "The prompt was canceled".to_owned(),
            state.completed_ms.unwrap_or(now_ms),
        )),
        _ => None,
    };
    let done = result.map(|(agent_status, text, at)| {
        let seq = events.len() as u64;
        events.push(TaskEvent {
            seq,
            timestamp: ts(at),
            prompt_id: prompt_id.clone(),
            event_type: EventType::Result,
            payload: json!({
                "status": agent_status,
                "result": text,
                "duration_ms": (at - p.start_ms).max(0),
                "usage": {"input_tokens": 1200 + p.text.len(), "output_tokens": 340},
            }),
        });
        DoneEvent {
            status: state.status.clone(),
            last_seq: seq as i64,
            final_result: (state.status == PromptStatus::Succeeded).then_some(text),
        }
    });
    EventsSnapshot { events, done }
}

fn payload(task: &TaskRow, p: &PromptRow, event_type: &EventType) -> serde_json::Value {
    match event_type {
        EventType::Init => json!({
            "session_id": format!("sim-{}", p.id.chars().take(8).collect::<String>()),
            "model": task.model,
            "cwd": "/code",
        }),
        EventType::Thinking => json!({
            "content": format!("Reading the request: {}", shorten(&p.text, 120)),
        }),
        EventType::Text => json!({
            "content": "I'll start by looking at the files in the workspace.",
        }),
        EventType::ToolUse => json!({
            "id": "tool-1",
            "name": "bash",
            "input": {"command": "ls /code"},
        }),
        EventType::ToolResult => {
            let files: Vec<FileRef> = serde_json::from_str(&task.files).unwrap_or_default();
            let mut listing = String::from("README.md\n");
            for f in files {
                listing.push_str(&f.filename);
                listing.push('\n');
            }
            json!({
                "id": "tool-1",
                "output": json!({"stdout": listing, "exit_code": 0}).to_string(),
            })
        }
        _ => json!({}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prompt(outcome: &str) -> PromptRow {
        PromptRow {
            id: "p1".into(),
            text: "do it".into(),
            submitted_ms: 0,
            start_ms: 1000,
            end_ms: 11_000,
            outcome: outcome.into(),
            canceled_ms: None,
        }
    }

    fn task() -> TaskRow {
        TaskRow {
            id: "t1".into(),
            workspace_id: "w1".into(),
            title: "do it".into(),
            executor: "claude".into(),
            model: "lite".into(),
            created_ms: 0,
            visibility: "shared".into(),
            files: "[]".into(),
        }
    }

    #[test]
    fn prompt_moves_from_pending_to_its_outcome() {
        let p = prompt(OUTCOME_SUCCEEDED);
        assert_eq!(prompt_state(&p, 999).status, PromptStatus::Pending);
        assert_eq!(prompt_state(&p, 1000).status, PromptStatus::Running);
        let done = prompt_state(&p, 11_000);
        assert_eq!(done.status, PromptStatus::Succeeded);
        assert_eq!(done.completed_ms, Some(11_000));
        assert_eq!(
            prompt_state(&prompt(OUTCOME_FAILED), 20_000).status,
            PromptStatus::Failed
        );
        assert_eq!(
            prompt_state(&prompt(OUTCOME_HANG), i64::MAX).status,
            PromptStatus::Running
        );
    }

    #[test]
    fn events_follow_the_clock_and_end_with_done() {
        let (t, p) = (task(), prompt(OUTCOME_SUCCEEDED));
        let early = events(&t, &p, 500);
        assert!(early.events.is_empty());
        assert_eq!(early.done.map(|d| d.last_seq), Some(-1));
        let mid = events(&t, &p, 5000);
        assert_eq!(mid.events.len(), 3);
        assert!(mid.done.is_none());
        let end = events(&t, &p, 11_000);
        let types: Vec<_> = end
            .events
            .iter()
            .map(|e| e.event_type.as_str().to_owned())
            .collect();
        assert_eq!(
            types,
            [
                "init",
                "thinking",
                "text",
                "tool_use",
                "tool_result",
                "result"
            ]
        );
        let done = end.done.expect("done once over");
        assert_eq!(done.last_seq, 5);
        assert_eq!(done.status, PromptStatus::Succeeded);
        assert!(done.final_result.is_some());
    }

    #[test]
    fn cancel_cuts_the_script_short() {
        let t = task();
        let mut p = prompt(OUTCOME_SUCCEEDED);
        p.canceled_ms = Some(3500);
        let snap = events(&t, &p, 50_000);
        let types: Vec<_> = snap
            .events
            .iter()
            .map(|e| e.event_type.as_str().to_owned())
            .collect();
        assert_eq!(types, ["init", "thinking", "result"]);
        assert_eq!(snap.done.map(|d| d.status), Some(PromptStatus::Canceled));
    }

    #[test]
    fn titles_are_short_first_lines() {
        assert_eq!(title_for("\n  Fix the bug  \nmore"), "Fix the bug");
        assert_eq!(title_for(&"x".repeat(100)).chars().count(), 80);
    }
}
