//! Configuration: the environment, base URLs and the missing-key message.
//!
//! The environment tests run this test binary again as a child with a chosen environment,
//! since a test may not change its own process's environment safely.

use std::process::Command;

use rebyte_client::{Client, DEFAULT_BASE_URL, Error};

const CHILD: &str = "REBYTE_CLIENT_TEST_CHILD";

/// Runs `test` of this binary in a child with `REBYTE_*` taken from `env` only.
fn run_child(test: &str, env: &[(&str, &str)]) {
    let mut command = Command::new(std::env::current_exe().expect("the test binary"));
    command
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env_remove("REBYTE_API_KEY")
        .env_remove("REBYTE_BASE_URL")
        .env(CHILD, "1");
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("the child runs");
    assert!(
        output.status.success(),
        "{test} failed in the child:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn in_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

#[test]
fn from_env_reads_the_key_and_the_base_url() {
    run_child(
        "child_with_key_and_base_url",
        &[
            ("REBYTE_API_KEY", "rbk_from_env"),
            ("REBYTE_BASE_URL", "http://127.0.0.1:8080/v1/"),
        ],
    );
    run_child("child_with_key_only", &[("REBYTE_API_KEY", "rbk_from_env")]);
    run_child("child_without_key", &[]);
    run_child(
        "child_with_empty_key",
        &[("REBYTE_API_KEY", ""), ("REBYTE_BASE_URL", "")],
    );
    run_child(
        "child_with_plain_http",
        &[
            ("REBYTE_API_KEY", "rbk_from_env"),
            ("REBYTE_BASE_URL", "http://api.rebyte.ai/v1"),
        ],
    );
}

#[test]
fn child_with_key_and_base_url() {
    if !in_child() {
        return;
    }
    let client = Client::from_env().unwrap();
    assert_eq!(client.base_url(), "http://127.0.0.1:8080/v1");
}

#[test]
fn child_with_key_only() {
    if !in_child() {
        return;
    }
    assert_eq!(Client::from_env().unwrap().base_url(), DEFAULT_BASE_URL);
}

#[test]
fn child_without_key() {
    if !in_child() {
        return;
    }
    assert_missing_key(Client::from_env().unwrap_err());
}

#[test]
fn child_with_empty_key() {
    if !in_child() {
        return;
    }
    assert_missing_key(Client::from_env().unwrap_err());
}

#[test]
fn child_with_plain_http() {
    if !in_child() {
        return;
    }
    let err = Client::from_env().unwrap_err();
    assert!(err.to_string().contains("loopback"), "{err}");
}

fn assert_missing_key(err: Error) {
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "configuration error: no API key: set REBYTE_API_KEY (or pass one to the builder); \
         keys are created at https://app.rebyte.ai/settings/api-keys"
    );
}

#[test]
fn a_builder_without_a_key_says_where_keys_come_from() {
    assert_missing_key(Client::builder().build().unwrap_err());
}

#[test]
fn plain_http_is_refused_unless_loopback() {
    for url in ["http://api.rebyte.ai/v1", "http://192.168.1.10:8080/v1"] {
        let err = Client::builder()
            .api_key("rbk_x")
            .base_url(url)
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{url}");
        assert!(err.to_string().contains("plain http"), "{err}");
    }
    for url in [
        "http://127.0.0.1:8080/v1",
        "http://localhost:8080/v1",
        "http://[::1]:8080/v1",
    ] {
        Client::builder()
            .api_key("rbk_x")
            .base_url(url)
            .build()
            .unwrap();
    }
}

#[test]
fn the_base_url_must_end_in_v1_and_keeps_its_prefix() {
    let client = Client::builder()
        .api_key("rbk_x")
        .base_url("https://proxy.example/rebyte/v1")
        .build()
        .unwrap();
    assert_eq!(client.base_url(), "https://proxy.example/rebyte/v1");
    let err = Client::builder()
        .api_key("rbk_x")
        .base_url("https://proxy.example/rebyte")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("must end in /v1"), "{err}");
}

#[test]
fn clones_share_one_client() {
    let client = Client::builder().api_key("rbk_x").build().unwrap();
    let clone = client.clone();
    assert_eq!(clone.base_url(), client.base_url());
    assert_eq!(client.base_url(), DEFAULT_BASE_URL);
}
