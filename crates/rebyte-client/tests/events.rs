//! The live event stream: replays and duplicates across reconnects, early `done`.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use futures_util::{StreamExt, TryStreamExt};
use rebyte_client::{Error, EventType, LiveEvent, PromptStatus};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn event(seq: u64, event_type: &str) -> String {
    let data = serde_json::json!({
        "seq": seq,
        "timestamp": "2026-02-09T10:30:06.000Z",
        "promptId": "9b2f6c1e-1f7a-4f0e-8a51-2d7c3b9e4a10",
        "eventType": event_type,
        "payload": {"content": format!("event {seq}")},
    });
    format!("event: event\ndata: {data}\n\n")
}

fn done(last_seq: i64) -> String {
    format!(
        "event: done\ndata: {{\"status\":\"succeeded\",\"lastSeq\":{last_seq},\"finalResult\":\"ok\"}}\n\n"
    )
}

fn sse(body: String) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body, "text/event-stream")
}

/// One body per connection, repeating the last.
struct Connections(Vec<String>, Arc<AtomicUsize>);

impl Respond for Connections {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.1.fetch_add(1, Ordering::SeqCst);
        sse(self.0[n.min(self.0.len() - 1)].clone())
    }
}

async fn serve(server: &MockServer, connections: Vec<String>) {
    Mock::given(method("GET"))
        .and(path(format!("/v1/tasks/{TASK_ID}/events")))
        .and(header("API_KEY", KEY))
        .and(header("accept", "text/event-stream"))
        .respond_with(Connections(connections, Arc::default()))
        .mount(server)
        .await;
}

fn seqs(items: &[LiveEvent]) -> Vec<i64> {
    items
        .iter()
        .map(|item| match item {
            LiveEvent::Event(e) => e.seq as i64,
            LiveEvent::Done(d) => 1000 + d.last_seq,
        })
        .collect()
}

#[tokio::test]
async fn a_dropped_stream_is_resumed_and_its_replay_deduplicated() {
    let server = MockServer::start().await;
    serve(
        &server,
        vec![
            // The first connection ends before `done`, after a duplicated event.
            [
                event(0, "init"),
                event(1, "text"),
                event(1, "text"),
                event(2, "thinking"),
            ]
            .concat(),
            // The second replays from 0, duplicates again, and finishes.
            [
                event(0, "init"),
                event(1, "text"),
                event(2, "thinking"),
                event(2, "thinking"),
                event(3, "assistant"),
                done(3),
            ]
            .concat(),
        ],
    )
    .await;
    let items: Vec<_> = client(&server)
        .events(&task_id())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(seqs(&items), [0, 1, 2, 3, 1003]);
    let LiveEvent::Event(unknown) = &items[3] else {
        panic!()
    };
    assert_eq!(unknown.event_type, EventType::Unknown("assistant".into()));
    let LiveEvent::Done(end) = &items[4] else {
        panic!()
    };
    assert_eq!(end.status, PromptStatus::Succeeded);
    assert_eq!(end.final_result.as_deref(), Some("ok"));
    assert_eq!(request_count(&server).await, 2);
}

#[tokio::test]
async fn an_early_done_is_followed_by_a_reconnect() {
    let server = MockServer::start().await;
    serve(
        &server,
        vec![
            done(-1),
            [event(0, "init"), event(1, "result"), done(1)].concat(),
        ],
    )
    .await;
    let items: Vec<_> = client(&server)
        .events(&task_id())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(seqs(&items), [0, 1, 1001]);
    assert_eq!(request_count(&server).await, 2);
}

#[tokio::test]
async fn an_early_done_that_persists_is_yielded_after_the_limit() {
    let server = MockServer::start().await;
    serve(&server, vec![done(-1)]).await;
    let client = builder(&server).event_max_reconnects(2).build().unwrap();
    let items: Vec<_> = client.events(&task_id()).try_collect().await.unwrap();
    assert_eq!(seqs(&items), [999]);
    assert_eq!(request_count(&server).await, 3);
}

#[tokio::test]
async fn a_stream_that_keeps_breaking_ends_with_an_error() {
    let server = MockServer::start().await;
    serve(&server, vec![event(0, "init")]).await;
    let client = builder(&server).event_max_reconnects(3).build().unwrap();
    let items: Vec<_> = client.events(&task_id()).collect().await;
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(matches!(items[0], Ok(LiveEvent::Event(_))));
    assert!(matches!(
        items[1],
        Err(Error::EventsInterrupted { reconnects: 3 })
    ));
    assert_eq!(request_count(&server).await, 4);
}

#[tokio::test]
async fn comments_ids_and_crlf_are_handled_and_a_bad_event_does_not_end_the_stream() {
    let server = MockServer::start().await;
    let body = [
        ": connected\r\n\r\n".to_owned(),
        "id: 0\r\nretry: 10\r\n".to_owned() + &event(0, "init").replace('\n', "\r\n"),
        "event: event\ndata: {not json\n\n".to_owned(),
        "event: ping\ndata: {}\n\n".to_owned(),
        event(1, "text"),
        done(1),
        event(2, "text"),
    ]
    .concat();
    serve(&server, vec![body]).await;
    let items: Vec<_> = client(&server).events(&task_id()).collect().await;
    assert_eq!(items.len(), 4, "{items:?}");
    assert!(matches!(items[0], Ok(LiveEvent::Event(ref e)) if e.seq == 0));
    assert!(matches!(items[1], Err(Error::Decode { status: 200, .. })));
    assert!(matches!(items[2], Ok(LiveEvent::Event(ref e)) if e.seq == 1));
    assert!(
        matches!(items[3], Ok(LiveEvent::Done(_))),
        "nothing after `done`"
    );
}

#[tokio::test]
async fn an_error_answer_ends_the_stream_with_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(json(
            404,
            r#"{"error":{"code":"not_found","message":"Task not found"}}"#,
        ))
        .mount(&server)
        .await;
    let items: Vec<_> = client(&server).events(&task_id()).collect().await;
    assert_eq!(items.len(), 1);
    assert!(items[0].as_ref().unwrap_err().is_not_found());
}

#[tokio::test]
async fn a_success_that_is_not_an_event_stream_ends_the_stream_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "<html>\n<title>Sign in to the proxy</title></html>",
            "text/html; charset=utf-8",
        ))
        .mount(&server)
        .await;
    let client = builder(&server)
        .event_reconnect_delay(std::time::Duration::from_millis(1))
        .build()
        .unwrap();
    let items: Vec<_> = client.events(&task_id()).collect().await;
    assert_eq!(items.len(), 1);
    let err = items[0].as_ref().unwrap_err();
    let Error::UnexpectedResponse { status, snippet } = err else {
        panic!("expected UnexpectedResponse, got {err:?}");
    };
    assert_eq!(*status, 200);
    assert!(snippet.contains("`text/html; charset=utf-8`"), "{snippet}");
    assert!(
        snippet.contains("<html> <title>Sign in to the proxy</title>"),
        "{snippet}"
    );
    assert!(!err.is_retryable());
    assert_eq!(request_count(&server).await, 1, "no reconnect");
}

#[tokio::test]
async fn an_event_stream_content_type_may_carry_parameters() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(done(0), "Text/Event-Stream; charset=utf-8"),
        )
        .mount(&server)
        .await;
    let items: Vec<_> = client(&server)
        .events(&task_id())
        .try_collect()
        .await
        .unwrap();
    assert!(matches!(items[..], [LiveEvent::Done(_)]));
}

#[tokio::test]
async fn nothing_is_requested_until_polled() {
    let server = MockServer::start().await;
    serve(&server, vec![done(0)]).await;
    let stream = client(&server).events(&task_id());
    assert_eq!(request_count(&server).await, 0);
    drop(stream);
}

/// A connection that sends its head and one event, then stays silent, is taken for dead
/// and replaced. Served by hand: the head must go out before the body stalls.
#[tokio::test]
async fn a_silent_connection_is_replaced() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let mut held = Vec::new();
        for body in [
            event(0, "init"),
            [event(0, "init"), event(1, "text"), done(1)].concat(),
        ] {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await.unwrap();
            let chunk = format!("{:x}\r\n{body}\r\n", body.len());
            let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";
            socket.write_all(head.as_bytes()).await.unwrap();
            socket.write_all(chunk.as_bytes()).await.unwrap();
            // Never finish the first answer; keep its socket open.
            held.push(socket);
        }
        held
    });
    let client = rebyte_client::Client::builder()
        .api_key(KEY)
        .base_url(base)
        .event_reconnect_delay(std::time::Duration::from_millis(1))
        .event_idle_timeout(std::time::Duration::from_millis(50))
        .build()
        .unwrap();
    let items: Vec<_> = client.events(&task_id()).try_collect().await.unwrap();
    assert_eq!(seqs(&items), [0, 1, 1001]);
    server.abort();
}

/// An error answer whose body never comes ends the stream with its status instead of
/// hanging: the per-attempt timeout bounds the error body too.
#[tokio::test]
async fn an_error_answer_whose_body_stalls_times_out() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await.unwrap();
        let head = "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/html\r\ncontent-length: 100\r\n\r\n<html>";
        socket.write_all(head.as_bytes()).await.unwrap();
        // Never send the rest of the body.
        socket
    });
    let client = rebyte_client::Client::builder()
        .api_key(KEY)
        .base_url(base)
        .request_timeout(std::time::Duration::from_millis(50))
        .retry_policy(rebyte_client::RetryPolicy::none())
        .build()
        .unwrap();
    let items = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        client.events(&task_id()).collect::<Vec<_>>(),
    )
    .await
    .expect("the stream ends by itself");
    assert_eq!(items.len(), 1);
    let err = items[0].as_ref().unwrap_err();
    assert_eq!(err.status(), Some(503), "{err:?}");
    server.abort();
}
