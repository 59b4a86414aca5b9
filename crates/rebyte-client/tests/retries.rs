//! Retries and timeouts: what is repeated, how often, after how long.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::*;
use rebyte_client::{CreateTaskRequest, Error, FollowUpRequest, RetryPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Answers with `first` for the first `n` requests, then `then`.
struct FirstThen {
    n: usize,
    first: ResponseTemplate,
    then: ResponseTemplate,
    seen: Arc<AtomicUsize>,
}

impl Respond for FirstThen {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        if self.seen.fetch_add(1, Ordering::SeqCst) < self.n {
            self.first.clone()
        } else {
            self.then.clone()
        }
    }
}

fn first_then(n: usize, first: ResponseTemplate, then: ResponseTemplate) -> FirstThen {
    FirstThen {
        n,
        first,
        then,
        seen: Arc::default(),
    }
}

fn unavailable() -> ResponseTemplate {
    ResponseTemplate::new(503).set_body_string("upstream unavailable")
}

#[tokio::test]
async fn create_is_sent_once_on_503() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/tasks"))
        .respond_with(unavailable())
        .mount(&server)
        .await;
    let err = client(&server)
        .create_task(&CreateTaskRequest::new("p"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(err.is_retryable(), "transient, though not repeated here");
    assert_eq!(request_count(&server).await, 1);
}

#[tokio::test]
async fn follow_up_is_sent_once_on_502_and_504() {
    for status in [502, 504] {
        let server = server_answering("POST", ResponseTemplate::new(status)).await;
        let err = client(&server)
            .follow_up(&task_id(), &FollowUpRequest::new("p"))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert_eq!(request_count(&server).await, 1, "{status}");
    }
}

#[tokio::test]
async fn get_is_retried_on_503_until_it_succeeds() {
    let server = server_answering(
        "GET",
        first_then(2, unavailable(), json(200, doc_example("Task"))),
    )
    .await;
    let task = client(&server).get_task(&task_id()).await.unwrap();
    assert_eq!(task.id, task_id());
    assert_eq!(request_count(&server).await, 3);
}

#[tokio::test]
async fn get_honours_retry_after_clamped() {
    // Retry-After asks for an hour; the policy clamps it to 30 ms. The backoff itself is
    // zero, so the time spent comes from Retry-After alone.
    let server = server_answering(
        "GET",
        first_then(
            2,
            unavailable().insert_header("retry-after", "3600"),
            json(200, doc_example("Task")),
        ),
    )
    .await;
    let policy = RetryPolicy::default()
        .max_attempts(3)
        .initial_backoff(Duration::ZERO)
        .max_backoff(Duration::ZERO)
        .max_retry_after(Duration::from_millis(30));
    let client = builder(&server).retry_policy(policy).build().unwrap();
    let started = Instant::now();
    client.get_task(&task_id()).await.unwrap();
    let took = started.elapsed();
    assert_eq!(request_count(&server).await, 3);
    assert!(took >= Duration::from_millis(60), "took {took:?}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    let later = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(30));
    let server = server_answering(
        "GET",
        first_then(
            1,
            ResponseTemplate::new(429).insert_header("retry-after", later.as_str()),
            json(200, doc_example("Task")),
        ),
    )
    .await;
    let policy = RetryPolicy::default()
        .initial_backoff(Duration::ZERO)
        .max_backoff(Duration::ZERO)
        .max_retry_after(Duration::from_millis(25));
    let client = builder(&server).retry_policy(policy).build().unwrap();
    let started = Instant::now();
    client.get_task(&task_id()).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(25));
    assert_eq!(request_count(&server).await, 2);
}

#[tokio::test]
async fn create_is_retried_on_429() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/tasks"))
        .respond_with(first_then(
            2,
            ResponseTemplate::new(429).insert_header("retry-after", "0"),
            json(201, doc_example("CreatedTask")),
        ))
        .mount(&server)
        .await;
    client(&server)
        .create_task(&CreateTaskRequest::new("p"))
        .await
        .unwrap();
    assert_eq!(request_count(&server).await, 3);
}

#[tokio::test]
async fn the_attempt_limit_holds() {
    let server = server_answering("GET", unavailable()).await;
    let client = builder(&server)
        .retry_policy(fast_retries().max_attempts(3))
        .build()
        .unwrap();
    let err = client.get_task(&task_id()).await.unwrap_err();
    assert!(
        matches!(err, Error::UnexpectedResponse { status: 503, .. }),
        "{err:?}"
    );
    assert_eq!(request_count(&server).await, 3);
}

#[tokio::test]
async fn no_retry_policy_means_one_attempt() {
    let server = server_answering("GET", unavailable()).await;
    let client = builder(&server)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    client.get_task(&task_id()).await.unwrap_err();
    assert_eq!(request_count(&server).await, 1);
}

#[tokio::test]
async fn the_retry_deadline_holds() {
    let server = server_answering("GET", unavailable().insert_header("retry-after", "1")).await;
    // The next attempt would start 50 ms in, past the 10 ms deadline.
    let policy = fast_retries()
        .max_retry_after(Duration::from_millis(50))
        .deadline(Duration::from_millis(10));
    let client = builder(&server).retry_policy(policy).build().unwrap();
    client.get_task(&task_id()).await.unwrap_err();
    assert_eq!(request_count(&server).await, 1);
}

#[tokio::test]
async fn errors_that_are_final_are_not_retried() {
    for status in [400, 401, 403, 404, 500] {
        let server = server_answering(
            "GET",
            json(
                status,
                r#"{"error":{"code":"internal_error","message":"m"}}"#,
            ),
        )
        .await;
        client(&server).get_task(&task_id()).await.unwrap_err();
        assert_eq!(request_count(&server).await, 1, "{status}");
    }
}

#[tokio::test]
async fn retry_safe_writes_are_retried_on_503() {
    let server = server_answering(
        "DELETE",
        first_then(1, unavailable(), ResponseTemplate::new(204)),
    )
    .await;
    answer_every(
        &server,
        "PATCH",
        first_then(1, unavailable(), json(200, r#"{"visibility":"shared"}"#)),
    )
    .await;
    let client = client(&server);
    client.delete_task(&task_id()).await.unwrap();
    client
        .set_visibility(&task_id(), rebyte_client::Visibility::Shared)
        .await
        .unwrap();
    assert_eq!(request_count(&server).await, 4);
}

#[tokio::test]
async fn a_slow_get_times_out_per_attempt_and_is_retried() {
    let server = server_answering(
        "GET",
        json(200, doc_example("Task")).set_delay(Duration::from_millis(400)),
    )
    .await;
    let client = builder(&server)
        .request_timeout(Duration::from_millis(40))
        .retry_policy(fast_retries().max_attempts(2))
        .build()
        .unwrap();
    let err = client.get_task(&task_id()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                what: "attempt",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(request_count(&server).await, 2);
}

#[tokio::test]
async fn a_slow_create_times_out_and_is_not_repeated() {
    let server = server_answering(
        "POST",
        json(201, doc_example("CreatedTask")).set_delay(Duration::from_millis(400)),
    )
    .await;
    let client = builder(&server)
        .create_timeout(Duration::from_millis(40))
        .build()
        .unwrap();
    let err = client
        .create_task(&CreateTaskRequest::new("p"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(request_count(&server).await, 1);
}

#[tokio::test]
async fn create_has_its_own_longer_timeout() {
    let server = server_answering(
        "POST",
        json(201, doc_example("CreatedTask")).set_delay(Duration::from_millis(80)),
    )
    .await;
    let client = builder(&server)
        .request_timeout(Duration::from_millis(20))
        .create_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    client
        .create_task(&CreateTaskRequest::new("p"))
        .await
        .unwrap();
}

#[tokio::test]
async fn the_operation_timeout_bounds_retries() {
    let server = server_answering("GET", unavailable().insert_header("retry-after", "1")).await;
    let policy = fast_retries()
        .max_attempts(100)
        .max_retry_after(Duration::from_millis(20));
    let client = builder(&server)
        .retry_policy(policy)
        .operation_timeout(Duration::from_millis(70))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.get_task(&task_id()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                what: "operation",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    let count = request_count(&server).await;
    assert!((2..10).contains(&count), "{count} attempts");
}

fn task_not_found() -> ResponseTemplate {
    json(
        404,
        r#"{"error":{"code":"not_found","message":"Task not found"}}"#,
    )
}

/// A delete whose answer was lost may have deleted the task: the retry's 404 then means the
/// delete is done. A 404 after an attempt that never reached the server is still an error.
#[tokio::test]
async fn a_retried_delete_that_finds_the_task_gone_succeeded() {
    let server = server_answering(
        "DELETE",
        first_then(
            1,
            ResponseTemplate::new(504).set_body_string("gateway timeout"),
            task_not_found(),
        ),
    )
    .await;
    client(&server).delete_task(&task_id()).await.unwrap();
    assert_eq!(request_count(&server).await, 2);

    for first in [
        task_not_found(),
        ResponseTemplate::new(429).insert_header("retry-after", "0"),
    ] {
        let server = server_answering("DELETE", first_then(1, first, task_not_found())).await;
        let err = client(&server).delete_task(&task_id()).await.unwrap_err();
        assert!(err.is_not_found(), "{err:?}");
    }
}

#[tokio::test]
async fn a_refused_connection_reads_as_one_short_line() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("a bound port").port();
    drop(listener);
    let client = rebyte_client::Client::builder()
        .api_key(KEY)
        .base_url(format!("http://127.0.0.1:{port}/v1"))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    // A call with a query string: it must not show.
    let err = client
        .list_tasks(rebyte_client::ListTasksQuery::page(20, 0))
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("cannot connect to 127.0.0.1:{port}: connection refused")
    );
    let Error::Transport { message, .. } = &err else {
        panic!("expected Transport, got {err:?}");
    };
    assert_eq!(message.as_ref(), err.to_string());
    // The whole chain is still there for whoever wants it.
    let source = std::error::Error::source(&err).expect("the reqwest error");
    let mut chain = Vec::new();
    let mut cause = Some(source);
    while let Some(error) = cause {
        chain.push(error.to_string());
        cause = error.source();
    }
    assert!(chain[0].contains("error sending request"), "{chain:?}");
    assert!(chain.len() > 1, "{chain:?}");
}
