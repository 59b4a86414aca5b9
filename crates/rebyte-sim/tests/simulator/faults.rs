//! Each kind of injected fault, seen from a client, and counted.

use std::time::{Duration, Instant};

use rebyte_sim::{DEFAULT_API_KEY, FaultConfig};
use rebyte_types::CreateTaskRequest;

use crate::common::{Harness, error_body};

async fn with_faults(faults: FaultConfig) -> Harness {
    Harness::start_with(move |c| c.faults = faults).await
}

async fn list(h: &Harness) -> reqwest::Response {
    h.get("/v1/tasks").await
}

#[tokio::test]
async fn internal_errors_have_the_documented_body() {
    let h = with_faults(FaultConfig {
        error_500_rate: 1.0,
        ..FaultConfig::default()
    })
    .await;
    let (status, code, _) = error_body(list(&h).await).await;
    assert_eq!((status, code.as_str()), (500, "internal_error"));
    assert_eq!(h.sim.fault_counters().error_500, 1);
    h.stop().await;
}

#[tokio::test]
async fn gateway_errors_are_html() {
    for (rate_502, rate_503, status) in [(1.0, 0.0, 502), (0.0, 1.0, 503)] {
        let h = with_faults(FaultConfig {
            error_502_rate: rate_502,
            error_503_rate: rate_503,
            ..FaultConfig::default()
        })
        .await;
        let r = list(&h).await;
        assert_eq!(r.status(), status);
        assert_eq!(r.headers()["content-type"], "text/html");
        assert!(r.text().await.unwrap().contains("<html>"));
        // The typed client reports it as an unexpected, retryable answer.
        let err = h
            .client_without_retries()
            .create_task(&CreateTaskRequest::new("p"))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert!(err.is_retryable());
        let counters = h.sim.fault_counters();
        assert_eq!(counters.error_502 + counters.error_503, 2);
        // Nothing was done.
        assert_eq!(h.sim.task_count().unwrap(), 0);
        h.stop().await;
    }
}

#[tokio::test]
async fn rate_limits_say_when_to_retry() {
    let h = with_faults(FaultConfig {
        rate_limit_rate: 1.0,
        retry_after: Duration::from_secs(7),
        ..FaultConfig::default()
    })
    .await;
    let r = list(&h).await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "7");
    assert_eq!(h.sim.fault_counters().rate_limited, 1);
    h.stop().await;
}

#[tokio::test]
async fn latency_is_added() {
    let h = with_faults(FaultConfig {
        latency_rate: 1.0,
        latency: Duration::from_millis(60),
        ..FaultConfig::default()
    })
    .await;
    let started = Instant::now();
    assert_eq!(list(&h).await.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(60));
    assert_eq!(h.sim.fault_counters().delayed, 1);
    h.stop().await;
}

#[tokio::test]
async fn stalls_outlast_a_client_timeout() {
    let h = with_faults(FaultConfig {
        stall_rate: 1.0,
        stall: Duration::from_secs(30),
        ..FaultConfig::default()
    })
    .await;
    let err = reqwest::Client::new()
        .get(h.url("/v1/tasks"))
        .header("API_KEY", DEFAULT_API_KEY)
        .timeout(Duration::from_millis(150))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(h.sim.fault_counters().stalled, 1);
    // Not stopped: the stalled request would hold the graceful shutdown; the runtime ends.
}

#[tokio::test]
async fn drop_after_commit_loses_the_answer_not_the_change() {
    let h = with_faults(FaultConfig {
        drop_after_commit_rate: 1.0,
        ..FaultConfig::default()
    })
    .await;
    let err = h
        .authed(reqwest::Method::POST, "/v1/tasks")
        .body(r#"{"prompt": "p"}"#)
        .send()
        .await
        .unwrap_err();
    assert!(
        err.is_request() || err.is_connect() || err.is_body(),
        "{err:?}"
    );
    assert_eq!(h.sim.task_count().unwrap(), 1, "the create was committed");

    // The typed client sees a transport error and does not repeat the create.
    let err = h
        .client()
        .create_task(&CreateTaskRequest::new("again"))
        .await
        .unwrap_err();
    assert!(err.status().is_none(), "{err}");
    assert_eq!(h.sim.task_count().unwrap(), 2, "no duplicate from a retry");
    assert_eq!(h.sim.fault_counters().dropped_after_commit, 2);
    h.stop().await;
}

#[tokio::test]
async fn faults_spare_pages_and_uploads() {
    let h = with_faults(FaultConfig {
        error_503_rate: 1.0,
        ..FaultConfig::default()
    })
    .await;
    let created = h
        .sim
        .create_task(&h.origin, &CreateTaskRequest::new("p"))
        .unwrap();
    let r = h.open(&created.url).await;
    assert_eq!(r.status(), 200);
    let upload = h
        .sim
        .create_file(&h.origin, &rebyte_types::CreateFileRequest::new("a.bin"))
        .unwrap();
    let r = h
        .http()
        .put(&upload.upload_url)
        .body("abc")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Unknown paths are answered plainly too.
    let r = h.open(&h.url("/v2/x")).await;
    assert_eq!(r.status(), 404);
    assert_eq!(h.sim.fault_counters().total(), 0);
    h.stop().await;
}

#[tokio::test]
async fn the_client_rides_out_mixed_faults() {
    // A seeded mix of retryable faults: reads succeed through the client's retries.
    let h = with_faults(FaultConfig {
        seed: 42,
        error_502_rate: 0.15,
        error_503_rate: 0.15,
        rate_limit_rate: 0.1,
        retry_after: Duration::from_secs(1),
        ..FaultConfig::default()
    })
    .await;
    let created = h
        .sim
        .create_task(&h.origin, &CreateTaskRequest::new("p"))
        .unwrap();
    let client = rebyte_client::Client::builder()
        .api_key(DEFAULT_API_KEY)
        .base_url(&h.base)
        .retry_policy(
            rebyte_client::RetryPolicy::default()
                .max_attempts(10)
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(2))
                .max_retry_after(Duration::from_millis(2)),
        )
        .build()
        .unwrap();
    for _ in 0..20 {
        let task = client.get_task(&created.id).await.unwrap();
        assert_eq!(task.id, created.id);
    }
    assert!(h.sim.fault_counters().total() > 0);
    h.stop().await;
}
