//! Live execution events: a Server-Sent Events parser and the reconnecting stream.

use std::collections::{HashSet, VecDeque};
use std::pin::Pin;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use rebyte_types::catalog::TASK_EVENTS;
use rebyte_types::{DoneEvent, PromptId, SSE_DONE, SSE_EVENT, TaskEvent, TaskId};
use tracing::Instrument;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::transport::{Failure, request_span};

/// One item of [`Client::events`].
#[derive(Debug, Clone, PartialEq)]
pub enum LiveEvent {
    /// An execution event, each `seq` of a prompt yielded once.
    Event(TaskEvent),
    /// The end of the stream: how the prompt ended. Always the last item.
    Done(DoneEvent),
}

/// One dispatched Server-Sent Event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SseMessage {
    pub(crate) event: String,
    pub(crate) data: String,
}

/// The largest event (its current line and data so far) the parser holds; a server that
/// sends more without ending the event is taken for broken.
const MAX_EVENT_BYTES: usize = if cfg!(test) { 1024 } else { 32 << 20 };

/// An incremental parser of the `text/event-stream` format: feed it chunks as they come,
/// in any split; it returns each event when its blank line arrives. `id:` and `retry:`
/// fields and comment lines are ignored; `data:` lines are joined with newlines.
#[derive(Debug, Default)]
pub(crate) struct SseParser {
    line: Vec<u8>,
    /// The previous chunk ended in `\r`: a `\n` starting the next one belongs to it.
    after_cr: bool,
    event: String,
    data: String,
    has_data: bool,
    /// An event outgrew [`MAX_EVENT_BYTES`]; the parser has stopped.
    overflowed: bool,
}

impl SseParser {
    /// Whether the stream sent an event too large to hold; nothing more is parsed then.
    pub(crate) fn overflowed(&self) -> bool {
        self.overflowed
    }

    pub(crate) fn feed(&mut self, chunk: &[u8], out: &mut Vec<SseMessage>) {
        for &byte in chunk {
            if self.overflowed {
                return;
            }
            if self.line.len() + self.data.len() >= MAX_EVENT_BYTES {
                self.overflowed = true;
                self.line = Vec::new();
                self.data = String::new();
                return;
            }
            if self.after_cr {
                self.after_cr = false;
                if byte == b'\n' {
                    continue;
                }
            }
            match byte {
                b'\n' => self.end_line(out),
                b'\r' => {
                    self.after_cr = true;
                    self.end_line(out);
                }
                _ => self.line.push(byte),
            }
        }
    }

    fn end_line(&mut self, out: &mut Vec<SseMessage>) {
        let line = std::mem::take(&mut self.line);
        let line = String::from_utf8_lossy(&line);
        if line.is_empty() {
            if self.has_data {
                let event = std::mem::take(&mut self.event);
                out.push(SseMessage {
                    event: if event.is_empty() {
                        "message".to_owned()
                    } else {
                        event
                    },
                    data: std::mem::take(&mut self.data),
                });
            } else {
                self.event.clear();
            }
            self.has_data = false;
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (&*line, ""),
        };
        match field {
            "event" => self.event = value.to_owned(),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            _ => {}
        }
    }
}

type ByteStream = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

struct EventsState {
    client: Client,
    id: TaskId,
    body: Option<ByteStream>,
    parser: SseParser,
    pending: VecDeque<Result<LiveEvent>>,
    seen: HashSet<(PromptId, u64)>,
    /// Reconnects in a row without a new event.
    reconnects: u32,
    /// The current connection brought a new event.
    progressed: bool,
    /// Whether the next connection must wait the reconnect delay first.
    delay_next: bool,
    finished: bool,
}

enum Step {
    /// Keep reading this connection.
    Continue,
    /// Open the stream again.
    Reconnect,
    /// The stream is over once `pending` is drained.
    End,
}

impl Client {
    /// The live execution events of the task's latest prompt, from
    /// `GET /v1/tasks/:id/events` (Server-Sent Events).
    ///
    /// Yields each [`LiveEvent::Event`] once, then one [`LiveEvent::Done`], then ends. The
    /// service replays every connection from `seq` 0 and has no resume, so the stream
    /// deduplicates by prompt and `seq` across reconnects. When the connection drops before
    /// `done`, sends an event larger than 32 MiB, stays silent longer than
    /// [`event_idle_timeout`](crate::ClientBuilder::event_idle_timeout), or a `done` with
    /// `lastSeq` -1 comes first (the stream was opened too early),
    /// the stream is opened again after
    /// [`event_reconnect_delay`](crate::ClientBuilder::event_reconnect_delay), at most
    /// [`event_max_reconnects`](crate::ClientBuilder::event_max_reconnects) times in a row;
    /// past that a dropped stream yields [`Error::EventsInterrupted`] and a premature `done`
    /// is yielded as it is. A successful answer that is not `text/event-stream` (a proxy's
    /// page, say) yields [`Error::UnexpectedResponse`] at once, without reconnecting. An event
    /// whose data cannot be read is yielded as an error and the stream goes on. Nothing is requested until the stream is polled.
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    /// use rebyte_client::LiveEvent;
    /// # async fn run(client: rebyte_client::Client, id: rebyte_client::TaskId) -> rebyte_client::Result<()> {
    /// let mut events = std::pin::pin!(client.events(&id));
    /// while let Some(item) = events.next().await {
    ///     match item? {
    ///         LiveEvent::Event(event) => println!("{} {}", event.seq, event.event_type),
    ///         LiveEvent::Done(done) => println!("finished: {}", done.status),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn events(&self, id: &TaskId) -> impl Stream<Item = Result<LiveEvent>> + Send + 'static {
        let state = EventsState {
            client: self.clone(),
            id: id.clone(),
            body: None,
            parser: SseParser::default(),
            pending: VecDeque::new(),
            seen: HashSet::new(),
            reconnects: 0,
            progressed: false,
            delay_next: false,
            finished: false,
        };
        futures_util::stream::unfold(state, |mut state| async move {
            loop {
                if let Some(item) = state.pending.pop_front() {
                    return Some((item, state));
                }
                if state.finished {
                    return None;
                }
                let idle = state.client.inner.event_idle_timeout;
                let step = match state.body.as_mut() {
                    None => state.connect().await,
                    Some(body) => match tokio::time::timeout(idle, body.next()).await {
                        Err(_) => {
                            tracing::debug!(task = %state.id, "event stream silent too long");
                            state.dropped()
                        }
                        Ok(Some(Ok(chunk))) => state.on_chunk(&chunk),
                        Ok(Some(Err(error))) => {
                            tracing::debug!(task = %state.id, reason = %error, "event stream broke off");
                            state.dropped()
                        }
                        Ok(None) => {
                            tracing::debug!(task = %state.id, "event stream ended before `done`");
                            state.dropped()
                        }
                    },
                };
                match step {
                    Step::Continue => {}
                    Step::Reconnect => {
                        state.body = None;
                        state.parser = SseParser::default();
                    }
                    Step::End => {
                        state.body = None;
                        state.finished = true;
                    }
                }
            }
        })
    }

    async fn open_events(&self, id: &TaskId) -> Result<reqwest::Response> {
        let url = self.endpoint_url(&TASK_EVENTS, Some(id), &[])?;
        let timeout = self.inner.request_timeout;
        self.with_retries(TASK_EVENTS.operation, TASK_EVENTS.retry_safe, |attempt| {
            let span = request_span(&TASK_EVENTS, attempt);
            let request = self.request(&TASK_EVENTS, &url, "text/event-stream");
            let this = self.clone();
            async move {
                // Only the answer's head is bounded by the per-attempt timeout: the stream
                // itself lasts as long as the prompt runs.
                let response = match tokio::time::timeout(timeout, request.send()).await {
                    Err(_) => {
                        return Err(Failure {
                            error: Error::Timeout {
                                after: timeout,
                                what: "attempt",
                            },
                            sent: crate::transport::Sent::Maybe,
                            retry_after: None,
                        });
                    }
                    Ok(result) => result.map_err(|e| this.send_failure(e, timeout))?,
                };
                let status = response.status().as_u16();
                tracing::Span::current().record("status", status);
                tracing::debug!(status, "event stream answered");
                if (200..300).contains(&status) {
                    if is_event_stream(&response) {
                        return Ok(response);
                    }
                    // Something else answered in the stream's place (a proxy's login page, a
                    // JSON body): opening it again would only get the same answer.
                    let content_type = response
                        .headers()
                        .get(reqwest::header::CONTENT_TYPE)
                        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
                    let body = tokio::time::timeout(timeout, body_head(response))
                        .await
                        .unwrap_or_default();
                    let secret = this.secret();
                    let content_type = content_type.map_or_else(
                        || "no content type".to_owned(),
                        |ct| {
                            format!(
                                "content type `{}`",
                                crate::error::one_line(&crate::error::redact(&ct, secret), 80)
                            )
                        },
                    );
                    let snippet = format!(
                        "{content_type} instead of `text/event-stream`; the body starts with: {}",
                        crate::error::snippet(&body, secret)
                    );
                    return Err(Failure::fatal(Error::UnexpectedResponse {
                        status,
                        snippet: snippet.into_boxed_str(),
                    }));
                }
                let retry_after = crate::transport::retry_after(&response);
                // The error body is bounded by the timeout too: a body that never comes must
                // not hold the stream. Without it the status still tells what happened.
                let body = tokio::time::timeout(timeout, response.bytes())
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .unwrap_or_default();
                Err(this.status_failure(status, &body, retry_after))
            }
            .instrument(span)
        })
        .await
    }
}

/// Whether the answer is an event stream: its `Content-Type` is `text/event-stream`, with
/// or without parameters.
fn is_event_stream(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("text/event-stream"))
}

/// The first kilobyte or so of a body, for an error message; the rest is never read, so a
/// large or endless body costs nothing.
async fn body_head(response: reqwest::Response) -> Vec<u8> {
    const HEAD_BYTES: usize = 1024;
    let mut head = Vec::new();
    let mut body = response.bytes_stream();
    while head.len() < HEAD_BYTES {
        match body.next().await {
            Some(Ok(chunk)) => head.extend_from_slice(&chunk),
            _ => break,
        }
    }
    head
}

impl EventsState {
    async fn connect(&mut self) -> Step {
        if self.delay_next {
            tokio::time::sleep(self.client.inner.event_reconnect_delay).await;
        }
        self.delay_next = true;
        self.progressed = false;
        match self.client.open_events(&self.id).await {
            Ok(response) => {
                self.body = Some(Box::pin(response.bytes_stream()));
                Step::Continue
            }
            Err(error) => {
                self.pending.push_back(Err(error));
                Step::End
            }
        }
    }

    fn on_chunk(&mut self, chunk: &[u8]) -> Step {
        let mut messages = Vec::new();
        self.parser.feed(chunk, &mut messages);
        for message in messages {
            match message.event.as_str() {
                SSE_EVENT => match self
                    .client
                    .decode::<TaskEvent>(200, message.data.as_bytes())
                {
                    Ok(event) => {
                        if self.seen.insert((event.prompt_id.clone(), event.seq)) {
                            self.progressed = true;
                            self.reconnects = 0;
                            self.pending.push_back(Ok(LiveEvent::Event(event)));
                        }
                    }
                    Err(error) => self.pending.push_back(Err(error)),
                },
                SSE_DONE => {
                    let done = match self
                        .client
                        .decode::<DoneEvent>(200, message.data.as_bytes())
                    {
                        Ok(done) => done,
                        Err(error) => {
                            self.pending.push_back(Err(error));
                            return Step::End;
                        }
                    };
                    if done.is_premature()
                        && self.seen.is_empty()
                        && self.reconnects < self.client.inner.event_max_reconnects
                    {
                        self.reconnects += 1;
                        tracing::debug!(
                            task = %self.id,
                            reconnects = self.reconnects,
                            "`done` came before any event; opening the stream again"
                        );
                        return Step::Reconnect;
                    }
                    self.pending.push_back(Ok(LiveEvent::Done(done)));
                    return Step::End;
                }
                other => tracing::trace!(event = other, "ignored an unknown SSE event"),
            }
        }
        if self.parser.overflowed() {
            tracing::debug!(task = %self.id, "an event larger than the parser holds");
            return self.dropped();
        }
        Step::Continue
    }

    fn dropped(&mut self) -> Step {
        if self.progressed {
            self.reconnects = 0;
        }
        if self.reconnects >= self.client.inner.event_max_reconnects {
            self.pending.push_back(Err(Error::EventsInterrupted {
                reconnects: self.reconnects,
            }));
            return Step::End;
        }
        self.reconnects += 1;
        Step::Reconnect
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_in_pieces(text: &str, piece: usize) -> Vec<SseMessage> {
        let mut parser = SseParser::default();
        let mut out = Vec::new();
        for chunk in text.as_bytes().chunks(piece) {
            parser.feed(chunk, &mut out);
        }
        out
    }

    #[test]
    fn parses_events_split_anywhere() {
        let text = ": keep-alive\nid: 7\nretry: 100\nevent: event\ndata: {\"a\":\ndata: 1}\n\n\
                    event:done\r\ndata:{}\r\n\r\ndata: plain\n\n";
        for piece in 1..text.len() {
            let got = parse_in_pieces(text, piece);
            assert_eq!(
                got,
                vec![
                    SseMessage {
                        event: "event".into(),
                        data: "{\"a\":\n1}".into()
                    },
                    SseMessage {
                        event: "done".into(),
                        data: "{}".into()
                    },
                    SseMessage {
                        event: "message".into(),
                        data: "plain".into()
                    },
                ],
                "split every {piece} bytes"
            );
        }
    }

    #[test]
    fn an_endless_line_or_event_does_not_grow_memory() {
        let mut parser = SseParser::default();
        let mut out = Vec::new();
        for _ in 0..4 {
            parser.feed(&[b'x'; MAX_EVENT_BYTES], &mut out);
        }
        assert!(parser.line.len() <= MAX_EVENT_BYTES);
        assert!(parser.overflowed);
        let mut parser = SseParser::default();
        for _ in 0..MAX_EVENT_BYTES {
            parser.feed(b"data: x\n", &mut out);
        }
        assert!(parser.data.len() <= MAX_EVENT_BYTES);
        assert!(parser.overflowed);
        assert!(out.is_empty());
    }

    #[test]
    fn an_event_without_data_or_blank_line_is_not_dispatched() {
        assert!(parse_in_pieces("event: event\n\n", 4).is_empty());
        assert!(parse_in_pieces("event: event\ndata: x\n", 4).is_empty());
        // A lone `\r` ends a line too.
        assert_eq!(parse_in_pieces("data: x\r\r", 1).len(), 1);
    }
}
