//! The key never shows: not in any log line at trace level (ours or the HTTP stack's), not in
//! `Debug`, not in error messages, not even when a server echoes it back.
//!
//! This file is its own test binary because it installs a global subscriber.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use futures_util::StreamExt;
use rebyte_client::{ApiKey, Client, CreateTaskRequest, FollowUpRequest, ListTasksQuery};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("not poisoned").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_is_in_no_log_line_debug_or_error() {
    let buffer = Buffer::default();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_writer(buffer.clone())
        .with_ansi(false)
        .try_init()
        .expect("the only subscriber of this binary");

    let server = MockServer::start().await;
    let echo =
        format!(r#"{{"error":{{"code":"invalid_api_key","message":"key {KEY} is revoked"}}}}"#);
    Mock::given(method("POST"))
        .respond_with(json(401, echo.clone()))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(503).set_body_string(format!("<h1>{KEY}</h1>")))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204).set_delay(Duration::from_millis(200)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path(format!(
            "/v1/tasks/{TASK_ID}/events"
        )))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "event: done\ndata: {\"status\":\"succeeded\",\"lastSeq\":0}\n\n",
            "text/event-stream",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path(format!("/v1/tasks/{TASK_ID}")))
        .respond_with(json(200, doc_example("Task")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(json(200, r#"{"data": "not a list"}"#))
        .mount(&server)
        .await;

    let client = builder(&server)
        .request_timeout(Duration::from_millis(50))
        .build()
        .unwrap();
    let id = task_id();
    let mut errors = Vec::new();
    client.get_task(&id).await.unwrap();
    errors.push(
        client
            .create_task(&CreateTaskRequest::new("p"))
            .await
            .unwrap_err(),
    );
    errors.push(
        client
            .follow_up(&id, &FollowUpRequest::new("p"))
            .await
            .unwrap_err(),
    );
    errors.push(
        client
            .set_visibility(&id, rebyte_client::Visibility::Public)
            .await
            .unwrap_err(),
    );
    errors.push(client.delete_task(&id).await.unwrap_err());
    errors.push(
        client
            .list_tasks(ListTasksQuery::default())
            .await
            .unwrap_err(),
    );
    let events: Vec<_> = client.events(&id).collect().await;
    assert_eq!(events.len(), 1);
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        Client::builder()
            .api_key(KEY)
            .base_url(format!("http://127.0.0.1:{port}/v1"))
            .retry_policy(fast_retries())
            .build()
            .unwrap()
    };
    errors.push(refused.get_task(&id).await.unwrap_err());
    errors.push(
        Client::builder()
            .api_key(KEY)
            .base_url("http://example.com/v1")
            .build()
            .unwrap_err(),
    );

    let log = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("rebyte_request"), "spans are logged:\n{log}");
    assert!(log.contains("retrying"), "retries are logged:\n{log}");
    assert!(
        log.contains("path=\"/v1/tasks/:id\""),
        "the path template is logged:\n{log}"
    );
    assert!(!log.contains(KEY), "the key leaked into the log:\n{log}");
    assert!(
        !log.contains(&format!("/v1/tasks/{TASK_ID}\"")),
        "filled paths are not span fields"
    );

    assert_eq!(errors.len(), 7);
    for err in &errors {
        assert!(!err.to_string().contains(KEY), "{err}");
        assert!(!format!("{err:?}").contains(KEY), "{err:?}");
        let mut source = std::error::Error::source(err);
        while let Some(inner) = source {
            assert!(!inner.to_string().contains(KEY));
            source = inner.source();
        }
    }
    assert!(format!("{client:?}").contains("ApiKey(***)"));
    assert!(!format!("{client:?}").contains(KEY));
    assert!(!format!("{:?}", builder(&server)).contains(KEY));
    let key = ApiKey::new(KEY).unwrap();
    assert_eq!(format!("{key:?}"), "ApiKey(***)");
}
