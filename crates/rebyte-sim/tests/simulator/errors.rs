//! Error answers carry the documented body; every catalog endpoint is routed; uploads are
//! signed and expire.

use std::time::Duration;

use rebyte_sim::DEFAULT_API_KEY;
use rebyte_types::catalog;
use reqwest::Method;
use serde_json::json;

use crate::common::{Harness, error_body};

const KEY: &str = "API_KEY";

#[tokio::test]
async fn unknown_paths_and_methods_are_not_found() {
    let h = Harness::start().await;
    for path in ["/v1/nope", "/nothing", "/v1/tasks/a/b/c", "/"] {
        let (status, code, message) = error_body(h.get(path).await).await;
        assert_eq!((status, code.as_str()), (404, "not_found"), "{path}");
        assert!(message.contains(path), "{message}");
    }
    let r = h.authed(Method::PUT, "/v1/tasks").send().await.unwrap();
    assert_eq!(error_body(r).await.1, "not_found");
    h.stop().await;
}

#[tokio::test]
async fn keys_are_checked() {
    let h = Harness::start().await;
    let http = h.http();
    let url = h.url("/v1/tasks");
    let (status, code, _) = error_body(http.get(&url).send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (401, "missing_api_key"));
    let (status, code, _) = error_body(
        http.get(&url)
            .header(KEY, "rbk_wrong")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (401, "invalid_api_key"));
    let (status, code, _) = error_body(http.get(&url).header(KEY, "").send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (401, "missing_api_key"));
    for header in ["API_KEY", "api-key", "x-api-key"] {
        let r = http
            .get(&url)
            .header(header, DEFAULT_API_KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{header}");
    }
    h.stop().await;
}

#[tokio::test]
async fn configured_keys_replace_the_default() {
    let h = Harness::start_with(|c| c.api_keys = vec!["rbk_one".into(), "rbk_two".into()]).await;
    let http = h.http();
    let url = h.url("/v1/tasks");
    for (key, status) in [("rbk_one", 200), ("rbk_two", 200), (DEFAULT_API_KEY, 401)] {
        let r = http.get(&url).header(KEY, key).send().await.unwrap();
        assert_eq!(r.status(), status, "{key}");
    }
    h.stop().await;
}

async fn post(h: &Harness, path: &str, body: impl Into<reqwest::Body>) -> (u16, String, String) {
    let r = h
        .authed(Method::POST, path)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    error_body(r).await
}

#[tokio::test]
async fn bad_bodies_are_validation_errors_naming_the_field() {
    let h = Harness::start().await;
    let long = json!({"prompt": "x".repeat(100_001)}).to_string();
    let cases: Vec<(String, &str)> = vec![
        ("{not json".into(), "Invalid request body"),
        ("".into(), "Invalid request body"),
        ("{}".into(), "prompt"),
        (r#"{"prompt": 5}"#.into(), "prompt"),
        (r#"{"prompt": "  "}"#.into(), "prompt"),
        (long, "prompt"),
        (
            r#"{"prompt": "p", "files": [{"id": "../x", "filename": "a"}]}"#.into(),
            "files[0].id",
        ),
        (r#"{"prompt": "p", "executor": "robot"}"#.into(), "executor"),
        (r#"{"prompt": "p", "skills": [""]}"#.into(), "skills[0]"),
        (r#"{"prompt": "p"} trailing"#.into(), "Invalid request body"),
    ];
    for (body, field) in cases {
        let (status, code, message) = post(&h, "/v1/tasks", body.clone()).await;
        assert_eq!(
            (status, code.as_str()),
            (400, "validation_error"),
            "{body:.80}"
        );
        assert!(message.contains(field), "{body:.80} -> {message}");
        assert!(!message.contains("`?`"), "{body:.80} -> {message}");
    }
    let (status, _, message) = post(&h, "/v1/files", r#"{"filename": "a/b"}"#).await;
    assert_eq!(status, 400);
    assert!(message.contains("filename"), "{message}");
    h.stop().await;
}

#[tokio::test]
async fn unknown_files_and_workspaces_are_refused() {
    let h = Harness::start().await;
    let (status, code, message) = post(
        &h,
        "/v1/tasks",
        r#"{"prompt": "p", "workspaceId": "no-such-workspace"}"#,
    )
    .await;
    assert_eq!((status, code.as_str()), (400, "validation_error"));
    assert!(message.contains("workspaceId"), "{message}");
    let (status, _, message) = post(
        &h,
        "/v1/tasks",
        r#"{"prompt": "p", "files": [{"id": "nope", "filename": "a.txt"}]}"#,
    )
    .await;
    assert_eq!(status, 400);
    assert!(message.contains("files[0].id"), "{message}");
    // A known file with another name.
    let created = h
        .sim
        .create_file(&h.origin, &rebyte_types::CreateFileRequest::new("a.txt"))
        .unwrap();
    let body = json!({"prompt": "p", "files": [{"id": created.id, "filename": "a.txt"}]});
    let (status, _, message) = post(&h, "/v1/tasks", body.to_string()).await;
    assert_eq!(status, 400);
    assert!(message.contains("files[0].filename"), "{message}");
    assert_eq!(h.sim.task_count().unwrap(), 0);
    h.stop().await;
}

#[tokio::test]
async fn unknown_tasks_are_not_found_everywhere() {
    let h = Harness::start().await;
    let id = "00000000-0000-0000-0000-000000000000";
    for endpoint in catalog::ALL.iter().filter(|e| e.takes_task_id()) {
        let method = Method::from_bytes(endpoint.method.as_str().as_bytes()).unwrap();
        let r = h
            .authed(method, &endpoint.path.replace(":id", id))
            .header("content-type", "application/json")
            .body(r#"{"prompt": "p", "visibility": "public"}"#)
            .send()
            .await
            .unwrap();
        let (status, code, message) = error_body(r).await;
        assert_eq!(
            (status, code.as_str()),
            (404, "not_found"),
            "{}",
            endpoint.operation
        );
        assert!(
            !message.starts_with("No route"),
            "{} is not routed",
            endpoint.operation
        );
    }
    // An id that is not a safe path segment is simply not found.
    assert_eq!(
        error_body(h.get("/v1/tasks/%2E%2E").await).await.1,
        "not_found"
    );
    h.stop().await;
}

#[tokio::test]
async fn list_limits_are_checked() {
    let h = Harness::start().await;
    for query in ["limit=0", "limit=101", "limit=abc", "limit=-1", "offset=x"] {
        let (status, code, message) = error_body(h.get(&format!("/v1/tasks?{query}")).await).await;
        assert_eq!(
            (status, code.as_str()),
            (400, "validation_error"),
            "{query}"
        );
        let field = query.split('=').next().unwrap();
        assert!(message.contains(field), "{query}: {message}");
    }
    let r = h.get("/v1/tasks?limit=100&offset=3").await;
    assert_eq!(r.status(), 200);
    let page: rebyte_types::TaskPage = r.json().await.unwrap();
    assert_eq!((page.limit, page.offset, page.total), (100, 3, 0));
    h.stop().await;
}

#[tokio::test]
async fn bad_visibility_is_a_validation_error() {
    let h = Harness::start().await;
    let created = h
        .sim
        .create_task(&h.origin, &rebyte_types::CreateTaskRequest::new("p"))
        .unwrap();
    let r = h
        .authed(
            Method::PATCH,
            &format!("/v1/tasks/{}/visibility", created.id),
        )
        .body(r#"{"visibility": "everyone"}"#)
        .send()
        .await
        .unwrap();
    let (status, code, message) = error_body(r).await;
    assert_eq!((status, code.as_str()), (400, "validation_error"));
    assert!(message.contains("visibility"), "{message}");
    h.stop().await;
}

/// PUTs `body` to a signed upload URL as `content_type`; returns the status.
async fn put(
    http: &reqwest::Client,
    url: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> u16 {
    http.put(url)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn uploads_are_signed_and_expire() {
    let h = Harness::start().await;
    let http = h.http();
    let r = h
        .authed(Method::POST, "/v1/files")
        .body(r#"{"filename": "notes.txt", "contentType": "text/plain"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let upload: rebyte_types::FileUpload = r.json().await.unwrap();
    assert!(upload.upload_url.starts_with(&h.url("/uploads/")));

    let tampered = upload.upload_url.replace("signature=", "signature=0");
    assert_eq!(put(&http, &tampered, "text/plain", "x").await, 403);
    let other_expiry = upload.upload_url.replace("expires=", "expires=9");
    assert_eq!(put(&http, &other_expiry, "text/plain", "x").await, 403);
    assert_eq!(
        put(&http, &upload.upload_url, "application/json", "x").await,
        403,
        "the content type must be the declared one"
    );

    // The bytes are streamed in chunks and counted.
    let chunks =
        futures_util::stream::iter((0..64).map(|_| Ok::<_, std::io::Error>(vec![7u8; 128 * 1024])));
    let body = reqwest::Body::wrap_stream(chunks);
    assert_eq!(
        put(&http, &upload.upload_url, "text/plain", body).await,
        200
    );
    let stored = h.sim.file(&upload.id).unwrap().unwrap();
    assert_eq!(stored.size, Some(64 * 128 * 1024));
    assert!(stored.sha256.is_some());

    // The URL expires after an hour (of the simulator's clock).
    h.advance(Duration::from_secs(3601));
    assert_eq!(
        put(&http, &upload.upload_url, "text/plain", "late").await,
        403
    );
    assert_eq!(
        h.sim.file(&upload.id).unwrap().unwrap().size,
        Some(64 * 128 * 1024)
    );
    h.stop().await;
}

/// Timings too long for the clock saturate instead of overflowing: the URL never expires.
#[test]
fn an_upload_url_that_lives_for_ever_is_accepted() {
    let mut config = rebyte_sim::SimConfig::default();
    config.timings.upload_url_ttl = Duration::from_secs(i64::MAX as u64);
    let sim = rebyte_sim::Simulator::in_memory(config).unwrap();
    let upload = sim
        .create_file(
            "http://127.0.0.1:1",
            &rebyte_types::CreateFileRequest::new("a.bin"),
        )
        .unwrap();
    let query = upload.upload_url.split_once('?').unwrap().1;
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|p| p.strip_prefix(name)?.strip_prefix('='))
            .unwrap()
    };
    sim.authorize_upload(&upload.id, param("expires"), param("signature"), None)
        .unwrap();
}
