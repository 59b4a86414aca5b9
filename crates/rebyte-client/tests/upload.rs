//! Uploads: the slot request, then the streamed `PUT` without the key.

mod common;

use common::*;
use rebyte_client::{Error, UploadOptions};
use wiremock::matchers::{body_bytes, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn mount_slot(server: &MockServer, filename: &str) {
    let answer = serde_json::json!({
        "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "filename": filename,
        "uploadUrl": format!("{}/storage/uploads/0f8fad5b?expires=1770633000&signature=9c1e", server.uri()),
    });
    keyed_call("POST", "/v1/files")
        .and(header("content-type", "application/json"))
        .respond_with(json(201, answer.to_string()))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn uploads_the_exact_bytes_with_the_content_type_and_no_key() {
    let server = MockServer::start().await;
    mount_slot(&server, "data-550e.csv").await;
    let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    Mock::given(method("PUT"))
        .and(path("/storage/uploads/0f8fad5b"))
        .and(header("content-type", "text/csv"))
        .and(body_bytes(content.clone()))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let (_dir, file) = temp_file("data.csv", &content);

    let file_ref = client(&server).upload_file(&file).await.unwrap();
    assert_eq!(file_ref.id.as_str(), "0f8fad5b-d9cb-469f-a165-70867728950e");
    assert_eq!(file_ref.filename, "data-550e.csv");

    insta::assert_json_snapshot!("create_file_body", body_of(&server, 0).await);
    let requests = server.received_requests().await.unwrap();
    let put = &requests[1];
    assert_eq!(put.method.as_str(), "PUT");
    assert!(
        !put.headers.contains_key("API_KEY") && !put.headers.contains_key("api-key"),
        "the upload must not carry the key"
    );
    assert_eq!(
        put.url.query(),
        Some("expires=1770633000&signature=9c1e"),
        "the signature is kept"
    );
    assert_eq!(
        put.headers.get("content-length").unwrap().to_str().unwrap(),
        "200000"
    );
}

#[tokio::test]
async fn an_unknown_extension_is_octet_stream_and_options_override() {
    let server = MockServer::start().await;
    mount_slot(&server, "report-1.bin").await;
    Mock::given(method("PUT"))
        .and(header("content-type", "application/octet-stream"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let (_dir, file) = temp_file("blob.qqq", b"x");
    client(&server).upload_file(&file).await.unwrap();
    assert_eq!(
        body_of(&server, 0).await,
        serde_json::json!({"filename": "blob.qqq", "contentType": "application/octet-stream"})
    );

    let server = MockServer::start().await;
    mount_slot(&server, "renamed-1.md").await;
    Mock::given(method("PUT"))
        .and(header("content-type", "text/markdown"))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    let options = UploadOptions::default()
        .filename("renamed.md")
        .content_type("text/markdown");
    client(&server)
        .upload_file_with(&file, options)
        .await
        .unwrap();
    assert_eq!(
        body_of(&server, 0).await,
        serde_json::json!({"filename": "renamed.md", "contentType": "text/markdown"})
    );
}

#[tokio::test]
async fn a_missing_file_costs_no_request() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.txt");
    let err = client(&server).upload_file(&missing).await.unwrap_err();
    let Error::Io { path, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(path, &missing);
    assert!(err.to_string().contains("nope.txt"));
    let err = client(&server).upload_file(dir.path()).await.unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert_eq!(request_count(&server).await, 0);
}

#[tokio::test]
async fn a_refused_put_is_an_upload_error() {
    let server = MockServer::start().await;
    mount_slot(&server, "a-1.txt").await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(403).set_body_raw(
            "<Error><Code>SignatureDoesNotMatch</Code></Error>",
            "application/xml",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let (_dir, file) = temp_file("a.txt", b"hello");
    let err = client(&server).upload_file(&file).await.unwrap_err();
    let Error::Upload { status, snippet } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*status, 403);
    assert!(snippet.contains("SignatureDoesNotMatch"));
}

#[tokio::test]
async fn a_put_that_fails_transiently_is_sent_again_from_the_start() {
    let server = MockServer::start().await;
    mount_slot(&server, "a-1.txt").await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(body_bytes(b"hello".to_vec()))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let (_dir, file) = temp_file("a.txt", b"hello");
    client(&server).upload_file(&file).await.unwrap();
    assert_eq!(request_count(&server).await, 3, "one slot, two PUTs");
}

#[tokio::test]
async fn a_bad_file_name_is_refused_before_anything_is_sent() {
    let server = MockServer::start().await;
    let (_dir, file) = temp_file("a.txt", b"hello");
    let err = client(&server)
        .upload_file_with(&file, UploadOptions::default().filename("x".repeat(256)))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    assert_eq!(request_count(&server).await, 0);
}

#[tokio::test]
async fn a_content_type_no_header_can_carry_is_refused_before_anything_is_sent() {
    let server = MockServer::start().await;
    let (_dir, file) = temp_file("a.txt", b"hello");
    let err = client(&server)
        .upload_file_with(
            &file,
            UploadOptions::default().content_type("text/plain\r\nx-evil: 1"),
        )
        .await
        .unwrap_err();
    let Error::Validation(e) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(e.field, "contentType");
    assert_eq!(request_count(&server).await, 0);
}

/// A storage 500 is retried like a 503, and once retries run out the error says so.
#[tokio::test]
async fn a_put_answered_500_is_retried_and_reported_retryable() {
    let server = MockServer::start().await;
    mount_slot(&server, "a-1.txt").await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(500).set_body_string("InternalError"))
        .expect(4)
        .mount(&server)
        .await;
    let (_dir, file) = temp_file("a.txt", b"hello");
    let err = client(&server).upload_file(&file).await.unwrap_err();
    assert_eq!(err.status(), Some(500), "{err:?}");
    assert!(err.is_retryable(), "{err:?}");
}
