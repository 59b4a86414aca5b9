//! Helpers shared by the integration tests: a client aimed at a wiremock server, fast
//! retries, and the example bodies of `docs/api.md`.

#![allow(dead_code)]

use std::time::Duration;

use rebyte_client::{Client, ClientBuilder, RetryPolicy, WaitOptions};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockBuilder, MockServer, Respond};

/// The key every test client uses; it must never show in output.
pub const KEY: &str = "rbk_test_9f8e7d6c5b4a_secret";

pub const TASK_ID: &str = "550e8400-e29b-41d4-a716-446655440000";

/// Retries that take milliseconds.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(4)
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(4))
        .max_retry_after(Duration::from_millis(20))
}

/// A builder aimed at `server`, with fast retries and reconnects.
pub fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .api_key(KEY)
        .base_url(format!("{}/v1", server.uri()))
        .retry_policy(fast_retries())
        .event_reconnect_delay(Duration::from_millis(2))
}

pub fn client(server: &MockServer) -> Client {
    builder(server).build().expect("a valid test configuration")
}

/// Polls every few milliseconds.
pub fn fast_wait() -> WaitOptions {
    WaitOptions::default()
        .initial_interval(Duration::from_millis(1))
        .max_interval(Duration::from_millis(3))
        .timeout(Duration::from_secs(5))
}

pub fn task_id() -> rebyte_client::TaskId {
    TASK_ID.parse().expect("a valid id")
}

/// The example of `type_name` in `docs/api.md` (the fenced block `json TypeName`).
pub fn doc_example(type_name: &str) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/api.md");
    let text = std::fs::read_to_string(path).expect("docs/api.md is readable");
    let fence = format!("```json {type_name}\n");
    let start = text
        .find(&fence)
        .unwrap_or_else(|| panic!("no example of {type_name} in docs/api.md"))
        + fence.len();
    let end = start + text[start..].find("```").expect("the fence is closed");
    text[start..end].to_owned()
}

/// A JSON answer with `status` and `body`.
pub fn json(status: u16, body: impl Into<String>) -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(status).set_body_raw(body.into(), "application/json")
}

/// A task answer with `status` and prompts given as `(id, status)`.
pub fn task_json(status: &str, prompts: &[(&str, &str)]) -> String {
    let prompts: Vec<_> = prompts
        .iter()
        .map(|(id, status)| {
            serde_json::json!({
                "id": id,
                "status": status,
                "submittedAt": "2026-02-09T10:30:05.000Z",
                "completedAt": null,
            })
        })
        .collect();
    serde_json::json!({
        "id": TASK_ID,
        "url": format!("https://app.rebyte.ai/run/{TASK_ID}"),
        "status": status,
        "title": "t",
        "executor": "claude",
        "model": "lite",
        "createdAt": "2026-02-09T10:30:00.000Z",
        "completedAt": null,
        "prompts": prompts,
    })
    .to_string()
}

/// The body of the `n`th request the server received, as JSON.
pub async fn body_of(server: &MockServer, n: usize) -> serde_json::Value {
    let requests = server.received_requests().await.expect("recording is on");
    serde_json::from_slice(&requests[n].body).expect("a JSON body")
}

pub async fn request_count(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .expect("recording is on")
        .len()
}

/// Answers every `verb` request to `server` with `answer`, whatever the path.
pub async fn answer_every(server: &MockServer, verb: &str, answer: impl Respond + 'static) {
    Mock::given(method(verb))
        .respond_with(answer)
        .mount(server)
        .await;
}

/// Starts a server that answers every `verb` request with `answer`, whatever the path.
pub async fn server_answering(verb: &str, answer: impl Respond + 'static) -> MockServer {
    let server = MockServer::start().await;
    answer_every(&server, verb, answer).await;
    server
}

/// A mock matching a `verb` request to `route` that carries the test key.
pub fn keyed_call(verb: &str, route: impl Into<String>) -> MockBuilder {
    Mock::given(method(verb))
        .and(path(route))
        .and(header("API_KEY", KEY))
}

/// A temporary directory holding one file `name` with `content`; keep the directory alive
/// as long as the file is used.
pub fn temp_file(name: &str, content: impl AsRef<[u8]>) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join(name);
    std::fs::write(&file, content).expect("the file is written");
    (dir, file)
}
