//! The printer: everything the command writes goes through here.
//!
//! Three modes: human (key facts, tables, relative times, colour), `--json` (the API's own
//! object, serialized from the `rebyte-types` value) and `--quiet` (only the id or URL).
//! Results go to stdout; progress goes to stderr and only when stderr is a terminal; colour
//! is written as ANSI and stripped by `anstream` when `--color never`, `NO_COLOR` or a
//! non-terminal asks for it.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use anstyle::{AnsiColor, Style};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rebyte_types::{
    AgentEvent, CreatedTask, PromptStatus, Task, TaskEvent, TaskStatus, TaskSummary, Timestamp,
};
use serde::Serialize;
use time::OffsetDateTime;

use crate::cli::ColorWhen;

/// What kind of output the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Key facts, tables and colour for a person.
    Human,
    /// The API's JSON objects.
    Json,
    /// Only ids or URLs.
    Quiet,
}

/// Writes results to stdout and progress to stderr, according to the mode.
#[derive(Debug, Clone)]
pub struct Printer {
    mode: Mode,
    progress: bool,
}

/// Bold text.
pub const BOLD: Style = Style::new().bold();
/// Dimmed text.
pub const DIM: Style = Style::new().dimmed();
/// Good news.
pub const GREEN: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)));
/// Bad news.
pub const RED: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)));
/// Something in progress, or a warning.
pub const YELLOW: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));
/// Links.
pub const CYAN: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Cyan)));

/// Wraps `text` in `style`; the codes are stripped later when colour is off.
pub fn paint(style: Style, text: impl std::fmt::Display) -> String {
    format!("{style}{text}{style:#}")
}

/// Sets the colour choice for every stream of the process.
pub fn init_color(when: ColorWhen) {
    let choice = match when {
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
        ColorWhen::Auto => anstream::ColorChoice::Auto,
    };
    choice.write_global();
}

/// Whether colour will be written to stderr.
pub fn stderr_has_color() -> bool {
    !matches!(
        anstream::AutoStream::choice(&std::io::stderr()),
        anstream::ColorChoice::Never
    )
}

impl Printer {
    /// A printer for `mode`; progress is shown only when stderr is a terminal and the mode
    /// is not quiet.
    pub fn new(mode: Mode) -> Self {
        Self {
            mode,
            progress: mode != Mode::Quiet && std::io::stderr().is_terminal(),
        }
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Writes one line to stdout. A closed pipe (`| head`) is not an error worth a message.
    pub fn out(&self, text: impl std::fmt::Display) {
        let mut stdout = anstream::stdout().lock();
        let _ = writeln!(stdout, "{text}");
        let _ = stdout.flush();
    }

    /// Writes `value` as pretty JSON to stdout.
    pub fn json<T: Serialize>(&self, value: &T) {
        match serde_json::to_string_pretty(value) {
            Ok(text) => self.out(text),
            Err(err) => self.note(format!("cannot encode the answer as JSON: {err}")),
        }
    }

    /// Writes `value` as one compact JSON line to stdout (JSON Lines).
    pub fn json_line<T: Serialize>(&self, value: &T) {
        match serde_json::to_string(value) {
            Ok(text) => self.out(text),
            Err(err) => self.note(format!("cannot encode the answer as JSON: {err}")),
        }
    }

    /// Writes an informative line to stderr, unless quiet.
    pub fn note(&self, text: impl std::fmt::Display) {
        if self.mode != Mode::Quiet {
            let mut stderr = anstream::stderr().lock();
            let _ = writeln!(stderr, "{text}");
        }
    }

    /// Writes a line to stderr whatever the mode: for what must not go unsaid, such as an
    /// interrupted wait.
    pub fn warn(&self, text: impl std::fmt::Display) {
        let mut stderr = anstream::stderr().lock();
        let _ = writeln!(stderr, "{text}");
    }

    /// A spinner on stderr with the elapsed time and `message`; hidden when progress is off.
    pub fn spinner(&self, message: impl Into<String>) -> Progress {
        if !self.progress {
            return Progress { bar: None };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        bar.set_message(message.into());
        bar.enable_steady_tick(Duration::from_millis(100));
        Progress {
            bar: Some(std::sync::Arc::new(bar)),
        }
    }
}

/// A spinner on stderr, or nothing.
#[derive(Debug, Clone)]
pub struct Progress {
    bar: Option<std::sync::Arc<ProgressBar>>,
}

impl Progress {
    /// Replaces the message.
    pub fn set(&self, message: impl Into<String>) {
        if let Some(bar) = &self.bar {
            bar.set_message(message.into());
        }
    }

    /// Prints a line above the spinner, on stderr.
    pub fn println(&self, line: impl AsRef<str>) {
        if let Some(bar) = &self.bar {
            let line = if stderr_has_color() {
                line.as_ref().to_owned()
            } else {
                anstream::adapter::strip_str(line.as_ref()).to_string()
            };
            bar.println(line);
        }
    }

    /// Runs `f` with the spinner hidden, so that it can write to stdout or stderr.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// Removes the spinner.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        // The last handle clears the line, so an early return never leaves a spinner behind.
        if let Some(bar) = &self.bar
            && std::sync::Arc::strong_count(bar) == 1
            && !bar.is_finished()
        {
            bar.finish_and_clear();
        }
    }
}

/// "3 min ago", "just now", "in 2 h": `t` relative to `now`.
pub fn relative_time(t: &Timestamp, now: OffsetDateTime) -> String {
    let seconds = (now - t.to_offset_date_time()).whole_seconds();
    let (past, s) = if seconds >= 0 {
        (true, seconds)
    } else {
        (false, -seconds)
    };
    if s < 5 {
        return "just now".into();
    }
    let amount = if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min", s / 60)
    } else if s < 86_400 {
        format!("{} h", s / 3600)
    } else {
        let days = s / 86_400;
        format!("{days} day{}", if days == 1 { "" } else { "s" })
    };
    if past {
        format!("{amount} ago")
    } else {
        format!("in {amount}")
    }
}

/// A timestamp as `2026-02-09 10:30 UTC (3 min ago)`.
pub fn when(t: &Timestamp, now: OffsetDateTime) -> String {
    let d = t.to_offset_date_time();
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC ({})",
        d.year(),
        u8::from(d.month()),
        d.day(),
        d.hour(),
        d.minute(),
        relative_time(t, now)
    )
}

/// A duration as `4.2 s`, `3 min 12 s` or `2 h 5 min`.
pub fn duration(d: time::Duration) -> String {
    let ms = d.whole_milliseconds().max(0);
    if ms < 60_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else if ms < 3_600_000 {
        format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000)
    } else {
        format!("{} h {} min", ms / 3_600_000, (ms % 3_600_000) / 60_000)
    }
}

/// The task status, coloured by outcome.
pub fn status(status: &TaskStatus) -> String {
    let style = match status.outcome() {
        Some(TaskStatus::Completed) => GREEN,
        Some(TaskStatus::Failed) => RED,
        Some(_) => YELLOW,
        None => CYAN,
    };
    paint(style, clip(status.as_str(), 40))
}

/// A prompt status, coloured by outcome.
pub fn prompt_status(status: &PromptStatus) -> String {
    let style = match status {
        PromptStatus::Succeeded => GREEN,
        PromptStatus::Failed => RED,
        PromptStatus::Canceled => YELLOW,
        _ => CYAN,
    };
    paint(style, clip(status.as_str(), 40))
}

/// Aligned `label  value` lines.
pub fn facts(rows: &[(&str, String)]) -> String {
    facts_aligned(rows, 0)
}

/// Aligned `label  value` lines, the labels at least `min_width` wide (so that lines
/// printed at different moments line up).
pub fn facts_aligned(rows: &[(&str, String)], min_width: usize) -> String {
    let width = rows
        .iter()
        .map(|(l, _)| l.len())
        .max()
        .unwrap_or(0)
        .max(min_width);
    rows.iter()
        .map(|(label, value)| format!("{}  {value}", paint(BOLD, format!("{label:<width$}"))))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The human form of a freshly created task.
pub fn created_task(task: &CreatedTask) -> String {
    facts(&[
        ("Task", task.id.to_string()),
        ("Status", status(&task.status)),
        ("Workspace", task.workspace_id.to_string()),
        ("Live view", paint(CYAN, &task.url)),
    ])
}

/// The human form of a task: key facts, its prompts, and the final result.
pub fn task(task: &Task, now: OffsetDateTime) -> String {
    let mut rows = vec![
        ("Task", task.id.to_string()),
        ("Title", clip(&task.title, 200)),
        ("Status", status(&task.status)),
        (
            "Agent",
            format!(
                "{} · model {}",
                clip(task.executor.as_str(), 40),
                clip(&task.model, 40)
            ),
        ),
        ("Created", when(&task.created_at, now)),
    ];
    if let Some(done) = &task.completed_at {
        rows.push((
            "Finished",
            format!(
                "{} · took {}",
                when(done, now),
                duration(done.to_offset_date_time() - task.created_at.to_offset_date_time())
            ),
        ));
    }
    rows.push(("Live view", paint(CYAN, &task.url)));
    let mut text = facts(&rows);
    if !task.prompts.is_empty() {
        text.push_str(&format!("\n{}", paint(BOLD, "Prompts")));
        for (i, p) in task.prompts.iter().enumerate() {
            text.push_str(&format!(
                "\n  {}. {}  {}  submitted {}",
                i + 1,
                p.id,
                prompt_status(&p.status),
                relative_time(&p.submitted_at, now)
            ));
        }
    }
    push_result(&mut text, task);
    text
}

/// Appends the agent's final answer, when the task has one, under a `Result` heading.
fn push_result(text: &mut String, task: &Task) {
    if let Some(result) = &task.final_result {
        text.push_str(&format!(
            "\n{}\n{}",
            paint(BOLD, "Result"),
            indent(&plain(result))
        ));
    }
}

/// Text from the service (a result, a title) made safe for a terminal: escape sequences
/// removed, and every other control character but line breaks and tabs. An agent's output
/// must not be able to move the cursor, retitle the window or clear the screen.
pub fn plain(text: &str) -> String {
    anstream::adapter::strip_str(text)
        .to_string()
        .chars()
        .filter(|&c| !c.is_control() || c == '\n' || c == '\t')
        .collect()
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Cuts `text` to `max` characters, with an ellipsis, on one line.
pub fn clip(text: &str, max: usize) -> String {
    let flat: String = plain(text)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() <= max {
        flat
    } else {
        let mut cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// A table of tasks, newest first.
pub fn task_table(tasks: &[TaskSummary], now: OffsetDateTime) -> String {
    let header = ["ID", "TITLE", "AGENT", "MODEL", "CREATED", "FINISHED"];
    let rows: Vec<[String; 6]> = tasks
        .iter()
        .map(|t| {
            [
                t.id.to_string(),
                clip(&t.title, 48),
                clip(t.executor.as_str(), 40),
                clip(&t.model, 40),
                relative_time(&t.created_at, now),
                t.completed_at
                    .as_ref()
                    .map(|c| relative_time(c, now))
                    .unwrap_or_else(|| "running".into()),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                let pad = w - cell.chars().count();
                out.push_str(cell);
                out.push_str(&" ".repeat(pad + 2));
            }
        }
        out.trim_end().to_owned()
    };
    let mut text = paint(BOLD, line(&header.map(String::from)));
    for row in &rows {
        text.push('\n');
        text.push_str(&line(row));
    }
    text
}

/// One live event on one line: `[seq] type  detail`.
pub fn event(event: &TaskEvent) -> String {
    let (label, detail) = match event.agent_event() {
        AgentEvent::Init(p) => (
            "init",
            format!("model {} in {}", clip(&p.model, 60), clip(&p.cwd, 80)),
        ),
        AgentEvent::Thinking(p) => ("thinking", paint(DIM, clip(&p.content, 160))),
        AgentEvent::Text(p) => ("text", clip(&p.content, 160)),
        AgentEvent::ToolUse(p) => (
            "tool",
            format!(
                "{} {}",
                paint(BOLD, clip(&p.name, 60)),
                clip(&compact(&p.input), 120)
            ),
        ),
        AgentEvent::ToolResult(p) => ("tool result", paint(DIM, clip(&p.output, 140))),
        AgentEvent::Result(p) => (
            "result",
            format!(
                "{} after {}",
                clip(&p.status, 40),
                duration(time::Duration::milliseconds(
                    i64::try_from(p.duration_ms).unwrap_or(i64::MAX)
                ))
            ),
        ),
        other => {
            let payload = match other {
                AgentEvent::Other { payload, .. } => compact(&payload),
                _ => String::new(),
            };
            return format!(
                "{} {}  {}",
                paint(DIM, format!("[{}]", event.seq)),
                paint(
                    YELLOW,
                    format!("{:<11}", clip(event.event_type.as_str(), 40))
                ),
                clip(&payload, 140)
            );
        }
    };
    format!(
        "{} {}  {detail}",
        paint(DIM, format!("[{}]", event.seq)),
        paint(YELLOW, format!("{label:<11}"))
    )
}

fn compact(value: &serde_json::Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// The end of a waited task: status, how long it took, title and result.
pub fn outcome(task: &Task, min_width: usize) -> String {
    let mut state = status(&task.status);
    if let Some(done) = &task.completed_at {
        state.push_str(&format!(
            " · took {}",
            duration(done.to_offset_date_time() - task.created_at.to_offset_date_time())
        ));
    }
    let mut text = facts_aligned(
        &[("Status", state), ("Title", clip(&task.title, 200))],
        min_width,
    );
    push_result(&mut text, task);
    text
}

/// The spinner message for a task being waited on: status and prompt states.
pub fn wait_message(task: &Task) -> String {
    let total = task.prompts.len();
    let mut msg = format!("{} · {}", task.id, clip(task.status.as_str(), 40));
    if let Some(latest) = task.latest_prompt() {
        msg.push_str(&format!(
            " · prompt {total}/{total} {}",
            clip(latest.status.as_str(), 40)
        ));
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("a valid timestamp")
    }

    #[test]
    fn relative_times() {
        let now = ts("2026-02-09T10:30:00.000Z").to_offset_date_time();
        for (then, expected) in [
            ("2026-02-09T10:29:58.000Z", "just now"),
            ("2026-02-09T10:29:30.000Z", "30 s ago"),
            ("2026-02-09T10:27:00.000Z", "3 min ago"),
            ("2026-02-09T08:30:00.000Z", "2 h ago"),
            ("2026-02-08T10:30:00.000Z", "1 day ago"),
            ("2026-02-01T10:30:00.000Z", "8 days ago"),
            ("2026-02-09T10:40:00.000Z", "in 10 min"),
        ] {
            assert_eq!(relative_time(&ts(then), now), expected, "{then}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(duration(time::Duration::milliseconds(4200)), "4.2 s");
        assert_eq!(duration(time::Duration::seconds(192)), "3 min 12 s");
        assert_eq!(duration(time::Duration::seconds(7500)), "2 h 5 min");
    }

    #[test]
    fn clip_cuts_and_flattens() {
        assert_eq!(clip("a\nb", 10), "a b");
        assert_eq!(clip("abcdef", 4), "abc…");
    }
}
