//! Every retry is logged at debug level with its reason.
//!
//! This file is its own test binary because it installs a global subscriber: a subscriber set
//! for one thread with `set_default` misses events whose callsites other tests, running at
//! the same time without a subscriber, registered first.

mod common;

use std::sync::Arc;

use common::*;
use rebyte_client::CreateTaskRequest;

/// A port nothing listens on: connecting is refused.
fn refused_base_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("a bound port").port();
    drop(listener);
    format!("http://127.0.0.1:{port}/v1")
}

#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("not poisoned").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Connection refused is retried for every endpoint, a create included: counted from the
/// debug line each retry logs.
#[tokio::test(flavor = "current_thread")]
async fn connect_refused_is_retried_even_for_create() {
    let captured = Captured::default();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(captured.clone())
        .with_ansi(false)
        .try_init()
        .expect("the only subscriber of this binary");
    let client = rebyte_client::Client::builder()
        .api_key(KEY)
        .base_url(refused_base_url())
        .retry_policy(fast_retries().max_attempts(3))
        .build()
        .unwrap();
    let err = client
        .create_task(&CreateTaskRequest::new("p"))
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert!(err.is_retryable());
    assert!(
        err.to_string().starts_with("cannot connect to 127.0.0.1:"),
        "{err}"
    );
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let retries = log.lines().filter(|l| l.contains("retrying")).count();
    assert_eq!(retries, 2, "{log}");
    assert!(
        log.contains("operation=\"createTask\"") || log.contains("operation=createTask"),
        "{log}"
    );
}
