//! The handlers of the `/v1` endpoints.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rebyte_types::{
    CreateFileRequest, CreateTaskRequest, FollowUpRequest, ListTasksQuery, SSE_DONE, SSE_EVENT,
    SetVisibilityRequest, TaskId,
};

use super::{Origin, json_response, parse_body};
use crate::core::Simulator;
use crate::error::ApiError;

/// How often an open event stream looks for newly released events.
const EVENT_POLL: Duration = Duration::from_millis(150);
/// After this many polls with nothing to send, a comment keeps the stream alive.
const KEEPALIVE_POLLS: u32 = 60;

type ApiResult = Result<Response, ApiError>;

fn task_id(path: Result<Path<String>, PathRejection>) -> Result<TaskId, ApiError> {
    let Path(raw) = path.map_err(|_| ApiError::task_not_found())?;
    TaskId::new(raw).map_err(|_| ApiError::task_not_found())
}

pub(super) async fn create_file(
    State(sim): State<Simulator>,
    Origin(origin): Origin,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let request: CreateFileRequest = parse_body(body)?;
    let created = sim
        .write_off_runtime(move |sim| sim.create_file(&origin, &request))
        .await?;
    Ok(json_response(StatusCode::CREATED, &created))
}

pub(super) async fn create_task(
    State(sim): State<Simulator>,
    Origin(origin): Origin,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let request: CreateTaskRequest = parse_body(body)?;
    let created = sim
        .write_off_runtime(move |sim| sim.create_task(&origin, &request))
        .await?;
    Ok(json_response(StatusCode::CREATED, &created))
}

fn number<T: std::str::FromStr>(field: &str, raw: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| {
        ApiError::validation(format!(
            "invalid `{field}`: `{}` is not a non-negative integer",
            raw.chars().take(40).collect::<String>()
        ))
    })
}

fn list_query(raw: Option<&str>) -> Result<ListTasksQuery, ApiError> {
    let mut query = ListTasksQuery::default();
    for pair in raw.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "limit" => query.limit = Some(number("limit", value)?),
            "offset" => query.offset = Some(number("offset", value)?),
            _ => {}
        }
    }
    Ok(query)
}

pub(super) async fn list_tasks(
    State(sim): State<Simulator>,
    Origin(origin): Origin,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let query = list_query(raw.as_deref())?;
    let page = sim.list_tasks(&origin, &query)?;
    Ok(json_response(StatusCode::OK, &page))
}

pub(super) async fn get_task(
    State(sim): State<Simulator>,
    Origin(origin): Origin,
    path: Result<Path<String>, PathRejection>,
) -> ApiResult {
    let id = task_id(path)?;
    let task = sim.get_task(&origin, &id)?;
    Ok(json_response(StatusCode::OK, &task))
}

pub(super) async fn create_prompt(
    State(sim): State<Simulator>,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let id = task_id(path)?;
    let request: FollowUpRequest = parse_body(body)?;
    let created = sim
        .write_off_runtime(move |sim| sim.follow_up(&id, &request))
        .await?;
    Ok(json_response(StatusCode::CREATED, &created))
}

pub(super) async fn set_visibility(
    State(sim): State<Simulator>,
    Origin(origin): Origin,
    path: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let id = task_id(path)?;
    let request: SetVisibilityRequest = parse_body(body)?;
    let answer = sim
        .write_off_runtime(move |sim| sim.set_visibility(&origin, &id, &request))
        .await?;
    Ok(json_response(StatusCode::OK, &answer))
}

pub(super) async fn delete_task(
    State(sim): State<Simulator>,
    path: Result<Path<String>, PathRejection>,
) -> ApiResult {
    let id = task_id(path)?;
    sim.write_off_runtime(move |sim| sim.delete_task(&id))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(super) async fn cancel_task(
    State(sim): State<Simulator>,
    Origin(origin): Origin,
    path: Result<Path<String>, PathRejection>,
) -> ApiResult {
    let id = task_id(path)?;
    let task = sim
        .write_off_runtime(move |sim| sim.cancel_task(&origin, &id))
        .await?;
    Ok(json_response(StatusCode::OK, &task))
}

struct Stream {
    sim: Simulator,
    id: TaskId,
    prompt: Option<String>,
    first: Option<crate::core::TaskEvents>,
    next_seq: u64,
    finished: bool,
    idle_polls: u32,
}

fn frame(out: &mut String, name: &str, data: &impl serde::Serialize) {
    if let Ok(json) = serde_json::to_string(data) {
        out.push_str("event: ");
        out.push_str(name);
        out.push_str("\ndata: ");
        out.push_str(&json);
        out.push_str("\n\n");
    }
}

async fn next_chunk(mut st: Stream) -> Option<(Result<Bytes, Infallible>, Stream)> {
    loop {
        if st.finished {
            return None;
        }
        let snapshot = match st.first.take() {
            Some(s) => s,
            None => {
                tokio::time::sleep(EVENT_POLL).await;
                match st.sim.events_of(&st.id, st.prompt.as_deref()) {
                    Ok((_, s)) => s,
                    // Deleted while streaming: the stream just ends.
                    Err(_) => return None,
                }
            }
        };
        let mut out = String::new();
        let from = st.next_seq;
        for event in snapshot.events.iter().filter(|e| e.seq >= from) {
            frame(&mut out, SSE_EVENT, event);
            st.next_seq = event.seq + 1;
        }
        if let Some(done) = &snapshot.done {
            frame(&mut out, SSE_DONE, done);
            st.finished = true;
        }
        if !out.is_empty() {
            st.idle_polls = 0;
            return Some((Ok(Bytes::from(out)), st));
        }
        st.idle_polls += 1;
        if st.idle_polls >= KEEPALIVE_POLLS {
            st.idle_polls = 0;
            return Some((Ok(Bytes::from_static(b": keep-alive\n\n")), st));
        }
    }
}

/// `GET /v1/tasks/:id/events`: the latest prompt's events as Server-Sent Events, replayed
/// from `seq` 0, released as the prompt progresses, ended by `done`.
pub(super) async fn task_events(
    State(sim): State<Simulator>,
    path: Result<Path<String>, PathRejection>,
) -> ApiResult {
    let id = task_id(path)?;
    let (prompt, first) = sim.events_of(&id, None)?;
    let state = Stream {
        sim,
        id,
        prompt: Some(prompt),
        first: Some(first),
        next_seq: 0,
        finished: false,
        idle_polls: 0,
    };
    let body = Body::from_stream(futures_util::stream::unfold(state, next_chunk));
    Ok((
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/event-stream"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_query_names_the_bad_field() {
        assert_eq!(
            list_query(Some("limit=5&offset=10&x=y")).ok(),
            Some(ListTasksQuery::page(5, 10))
        );
        let err = list_query(Some("limit=abc")).unwrap_err();
        assert!(err.body.error.message.contains("`limit`"));
        let err = list_query(Some("offset=-1")).unwrap_err();
        assert!(err.body.error.message.contains("`offset`"));
    }
}
