//! Waiting: statuses that change between polls, stale statuses after a follow-up, deadlines.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::*;
use rebyte_client::{Error, PromptId, RetryPolicy, TaskStatus};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Answers the bodies in turn, repeating the last one.
struct Script(Vec<ResponseTemplate>, Arc<AtomicUsize>);

impl Respond for Script {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.1.fetch_add(1, Ordering::SeqCst);
        self.0[n.min(self.0.len() - 1)].clone()
    }
}

async fn scripted(server: &MockServer, answers: Vec<ResponseTemplate>) {
    Mock::given(method("GET"))
        .respond_with(Script(answers, Arc::default()))
        .mount(server)
        .await;
}

fn task(status: &str, prompts: &[(&str, &str)]) -> ResponseTemplate {
    json(200, task_json(status, prompts))
}

#[tokio::test]
async fn waits_until_the_status_is_terminal() {
    let server = MockServer::start().await;
    scripted(
        &server,
        vec![
            task("running", &[("p1", "pending")]),
            task("running", &[("p1", "running")]),
            task("completed", &[("p1", "succeeded")]),
        ],
    )
    .await;
    let mut seen = Vec::new();
    let done = client(&server)
        .wait_for_task_with(&task_id(), &fast_wait(), |t| seen.push(t.status.clone()))
        .await
        .unwrap();
    assert_eq!(done.status, TaskStatus::Completed);
    assert_eq!(
        seen,
        [
            TaskStatus::Running,
            TaskStatus::Running,
            TaskStatus::Completed
        ]
    );
    assert_eq!(request_count(&server).await, 3);
}

#[tokio::test]
async fn a_failed_or_canceled_task_is_returned_not_an_error() {
    for (status, spelled) in [
        ("failed", TaskStatus::Failed),
        ("cancelled", TaskStatus::Unknown("cancelled".into())),
    ] {
        let server = MockServer::start().await;
        scripted(
            &server,
            vec![
                task("running", &[("p1", "running")]),
                task(status, &[("p1", "failed")]),
            ],
        )
        .await;
        let done = client(&server)
            .wait_for_task(&task_id(), &fast_wait())
            .await
            .unwrap();
        assert_eq!(done.status, spelled);
    }
}

#[tokio::test]
async fn a_terminal_status_with_a_pending_prompt_does_not_end_the_wait() {
    let server = MockServer::start().await;
    scripted(
        &server,
        vec![
            task("completed", &[("p1", "succeeded"), ("p2", "pending")]),
            task("completed", &[("p1", "succeeded"), ("p2", "succeeded")]),
        ],
    )
    .await;
    client(&server)
        .wait_for_task(&task_id(), &fast_wait())
        .await
        .unwrap();
    assert_eq!(request_count(&server).await, 2);
}

#[tokio::test]
async fn wait_for_prompt_is_not_fooled_by_the_previous_prompts_status() {
    let server = MockServer::start().await;
    scripted(
        &server,
        vec![
            // Just after the follow-up: the new prompt is not listed yet.
            task("completed", &[("p1", "succeeded")]),
            // Listed and pending, while the task still reads the previous prompt's status.
            task("completed", &[("p1", "succeeded"), ("p2", "pending")]),
            task("running", &[("p1", "succeeded"), ("p2", "running")]),
            task("failed", &[("p1", "succeeded"), ("p2", "failed")]),
        ],
    )
    .await;
    let prompt: PromptId = "p2".parse().unwrap();
    let mut polls = 0;
    let done = client(&server)
        .wait_for_prompt_with(&task_id(), &prompt, &fast_wait(), |_| polls += 1)
        .await
        .unwrap();
    assert_eq!(polls, 4);
    assert_eq!(done.status, TaskStatus::Failed);
    assert!(done.prompt(&prompt).unwrap().status.is_terminal());
}

#[tokio::test]
async fn the_deadline_ends_the_wait_with_the_last_task() {
    let server = MockServer::start().await;
    scripted(&server, vec![task("running", &[("p1", "running")])]).await;
    let options = fast_wait().timeout(Duration::from_millis(30));
    let err = client(&server)
        .wait_for_task(&task_id(), &options)
        .await
        .unwrap_err();
    let Error::WaitTimeout { last, waited } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(last.as_ref().unwrap().status, TaskStatus::Running);
    assert!(*waited >= Duration::from_millis(30));
    assert!(*waited < Duration::from_secs(2));
    assert!(err.to_string().contains("last seen `running`"), "{err}");
    assert!(request_count(&server).await >= 2);
}

#[tokio::test]
async fn the_deadline_also_bounds_a_slow_poll() {
    let server = MockServer::start().await;
    scripted(
        &server,
        vec![task("running", &[]).set_delay(Duration::from_millis(500))],
    )
    .await;
    let options = fast_wait().timeout(Duration::from_millis(40));
    let err = client(&server)
        .wait_for_task(&task_id(), &options)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::WaitTimeout { last: None, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_transient_failure_between_polls_is_tolerated() {
    let server = MockServer::start().await;
    scripted(
        &server,
        vec![
            task("running", &[("p1", "running")]),
            ResponseTemplate::new(503),
            task("completed", &[("p1", "succeeded")]),
        ],
    )
    .await;
    let client = builder(&server)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let done = client
        .wait_for_task(&task_id(), &fast_wait())
        .await
        .unwrap();
    assert_eq!(done.status, TaskStatus::Completed);
}

#[tokio::test]
async fn an_internal_error_between_polls_is_tolerated() {
    let server = MockServer::start().await;
    scripted(
        &server,
        vec![
            task("running", &[("p1", "running")]),
            json(
                500,
                r#"{"error":{"code":"internal_error","message":"boom"}}"#,
            ),
            task("completed", &[("p1", "succeeded")]),
        ],
    )
    .await;
    let done = client(&server)
        .wait_for_task(&task_id(), &fast_wait())
        .await
        .unwrap();
    assert_eq!(done.status, TaskStatus::Completed);
    assert_eq!(request_count(&server).await, 3);
}

#[tokio::test]
async fn a_final_error_ends_the_wait() {
    let server = MockServer::start().await;
    scripted(
        &server,
        vec![json(
            404,
            r#"{"error":{"code":"not_found","message":"Task not found"}}"#,
        )],
    )
    .await;
    let err = client(&server)
        .wait_for_task(&task_id(), &fast_wait())
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(request_count(&server).await, 1);
}

#[tokio::test]
async fn dropping_the_wait_stops_polling() {
    let server = MockServer::start().await;
    scripted(&server, vec![task("running", &[])]).await;
    let client = client(&server);
    let id = task_id();
    let options = fast_wait();
    let wait = client.wait_for_task(&id, &options);
    // Give it a moment, then drop it.
    let _ = tokio::time::timeout(Duration::from_millis(20), wait).await;
    let count = request_count(&server).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(
        request_count(&server).await,
        count,
        "no poll after the drop"
    );
}

#[tokio::test]
async fn huge_durations_in_the_options_do_not_panic() {
    let server = MockServer::start().await;
    scripted(
        &server,
        vec![
            task("running", &[("p1", "running")]),
            task("completed", &[("p1", "succeeded")]),
        ],
    )
    .await;
    let client = client(&server);
    // A timeout too far away to add to an instant: the wait goes on until the task is done.
    let endless = fast_wait().timeout(Duration::MAX);
    let done = client.wait_for_task(&task_id(), &endless).await.unwrap();
    assert_eq!(done.status, TaskStatus::Completed);
    // Intervals too long to grow or jitter: the deadline still ends the wait.
    let slow = rebyte_client::WaitOptions::default()
        .initial_interval(Duration::MAX)
        .max_interval(Duration::MAX)
        .timeout(Duration::from_millis(20));
    let server = MockServer::start().await;
    scripted(&server, vec![task("running", &[("p1", "running")])]).await;
    let err = crate::client(&server)
        .wait_for_task(&task_id(), &slow)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WaitTimeout { .. }), "{err:?}");
}
