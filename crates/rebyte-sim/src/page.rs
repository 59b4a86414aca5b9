//! The live HTML page of a task, behind the `url` and `shareUrl` the API returns.

use std::fmt::Write as _;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rebyte_types::{TaskId, Visibility};

use crate::core::{Simulator, TaskView};
use crate::http::Origin;

/// The route of a task's live page (the `url` of a task).
pub(crate) const RUN_ROUTE: &str = "/run/{id}";
/// The route of a public task's read-only page (its `shareUrl`).
pub(crate) const SHARE_ROUTE: &str = "/share/{id}";

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

fn not_viewable() -> Response {
    html(
        StatusCode::NOT_FOUND,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Not found</title></head>\
         <body><h1>Task not found</h1><p>This task does not exist, was deleted, or is not \
         shared publicly.</p></body></html>"
            .to_owned(),
    )
}

/// Renders the page of a task.
pub(crate) fn render(view: &TaskView, read_only: bool) -> String {
    let task = &view.task;
    let running = !task.status.is_terminal();
    let mut s = String::with_capacity(4096);
    s.push_str("<!doctype html><html><head><meta charset=\"utf-8\">");
    if running {
        s.push_str("<meta http-equiv=\"refresh\" content=\"2\">");
    }
    let _ = write!(
        s,
        "<title>{} · Rebyte simulator</title><style>\
         body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}\
         pre{{white-space:pre-wrap;background:#f4f4f4;padding:.5rem}}\
         td,th{{text-align:left;padding:.2rem .6rem;vertical-align:top}}\
         .status{{font-weight:bold}}</style></head><body>",
        escape(&task.title)
    );
    let _ = write!(
        s,
        "<h1>{}</h1><p>Status: <span class=\"status\" id=\"status\">{}</span> · executor {} · \
         model {} · created {}",
        escape(&task.title),
        escape(task.status.as_str()),
        escape(task.executor.as_str()),
        escape(&task.model),
        task.created_at
    );
    if let Some(done) = task.completed_at {
        let _ = write!(s, " · completed {done}");
    }
    if !read_only {
        let _ = write!(s, " · visibility {}", escape(view.visibility.as_str()));
    }
    s.push_str("</p><h2>Prompts</h2><ol>");
    for (prompt, text) in task.prompts.iter().zip(&view.prompt_texts) {
        let _ = write!(
            s,
            "<li><p>{} · submitted {}</p><pre>{}</pre></li>",
            escape(prompt.status.as_str()),
            prompt.submitted_at,
            escape(text)
        );
    }
    s.push_str("</ol>");
    if let Some(result) = &task.final_result {
        let _ = write!(s, "<h2>Result</h2><pre>{}</pre>", escape(result));
    }
    s.push_str("<h2>Events of the latest prompt</h2><table><tr><th>seq</th><th>time</th><th>type</th><th>payload</th></tr>");
    for event in &view.events.events {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            event.seq,
            event.timestamp,
            escape(event.event_type.as_str()),
            escape(&event.payload.to_string())
        );
    }
    s.push_str("</table>");
    if running {
        s.push_str("<p><em>This page refreshes every 2 seconds while the task runs.</em></p>");
    }
    s.push_str("</body></html>");
    s
}

fn page(sim: &Simulator, origin: &str, raw_id: String, share: bool) -> Response {
    let Ok(id) = TaskId::new(raw_id) else {
        return not_viewable();
    };
    match sim.task_view(origin, &id) {
        Ok(view) if !share || view.visibility == Visibility::Public => {
            html(StatusCode::OK, render(&view, share))
        }
        Ok(_) => not_viewable(),
        Err(e) if e.status == 404 => not_viewable(),
        Err(e) => html(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("<h1>Error</h1><p>{}</p>", escape(&e.body.error.message)),
        ),
    }
}

/// `GET /run/:id`: the live page of a task (the owner's view).
pub(crate) async fn run_page(
    State(sim): State<Simulator>,
    Origin(origin): Origin,
    Path(id): Path<String>,
) -> Response {
    page(&sim, &origin, id, false)
}

/// `GET /share/:id`: the read-only page of a public task; 404 unless the task is public.
pub(crate) async fn share_page(
    State(sim): State<Simulator>,
    Origin(origin): Origin,
    Path(id): Path<String>,
) -> Response {
    page(&sim, &origin, id, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }
}
