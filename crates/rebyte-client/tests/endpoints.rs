//! Every endpoint against wiremock: method, path, `API_KEY`, exact body, and the decoding of
//! the documented example answers.

mod common;

use common::*;
use futures_util::{StreamExt, TryStreamExt};
use rebyte_client::rebyte_types::catalog;
use rebyte_client::{
    CreateTaskRequest, CreatedTask, Error, ErrorCode, Executor, FileRef, FollowUpRequest,
    ListTasksQuery, Task, TaskPage, TaskStatus, Visibility, VisibilityResponse,
};
use wiremock::matchers::{body_string, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn decoded<T: serde::de::DeserializeOwned>(type_name: &str) -> T {
    serde_json::from_str(&doc_example(type_name)).expect("the documented example decodes")
}

#[tokio::test]
async fn create_task_sends_every_field_and_reads_the_documented_answer() {
    let server = MockServer::start().await;
    keyed_call("POST", "/v1/tasks")
        .and(header("content-type", "application/json"))
        .respond_with(json(201, doc_example("CreatedTask")))
        .expect(1)
        .mount(&server)
        .await;
    let request = CreateTaskRequest::new("Analyse data.csv and chart the monthly totals")
        .executor(Executor::Claude)
        .model("lite")
        .file(FileRef {
            id: "0f8fad5b-d9cb-469f-a165-70867728950e".parse().unwrap(),
            filename: "data-550e.csv".into(),
        })
        .skill("data-analysis")
        .skill("github:https://github.com/acme/skills")
        .github_url("acme/reports")
        .branch_name("main")
        .workspace_id("7c9e6679-7425-40de-944b-e07fc1f90ae7".parse().unwrap());
    let created = client(&server).create_task(&request).await.unwrap();
    assert_eq!(created, decoded::<CreatedTask>("CreatedTask"));
    assert_eq!(created.status, TaskStatus::Running);
    assert_eq!(
        created.workspace_id.as_str(),
        "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    );
    let body = body_of(&server, 0).await;
    let documented: serde_json::Value =
        serde_json::from_str(&doc_example("CreateTaskRequest")).unwrap();
    assert_eq!(body, documented, "the body is the documented example");
    insta::assert_json_snapshot!("create_task_body", body);
}

#[tokio::test]
async fn create_task_with_only_a_prompt_sends_only_the_prompt() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/tasks"))
        .and(body_string(r#"{"prompt":"hi"}"#))
        .respond_with(json(201, doc_example("CreatedTask")))
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .create_task(&CreateTaskRequest::new("hi"))
        .await
        .unwrap();
}

#[tokio::test]
async fn get_task_reads_the_documented_task() {
    let server = MockServer::start().await;
    keyed_call("GET", format!("/v1/tasks/{TASK_ID}"))
        .and(header("accept", "application/json"))
        .respond_with(json(200, doc_example("Task")))
        .expect(1)
        .mount(&server)
        .await;
    let task = client(&server).get_task(&task_id()).await.unwrap();
    assert_eq!(task, decoded::<Task>("Task"));
    assert_eq!(task.status, TaskStatus::Completed);
    assert_eq!(task.prompts.len(), 1);
    assert_eq!(
        task.final_result.as_deref(),
        Some("Monthly totals are charted in chart.png; March is the peak.")
    );
    let requests = server.received_requests().await.unwrap();
    assert!(requests[0].body.is_empty(), "a GET has no body");
}

#[tokio::test]
async fn list_tasks_sends_the_page_as_a_query() {
    let server = MockServer::start().await;
    keyed_call("GET", "/v1/tasks")
        .and(query_param("limit", "20"))
        .and(query_param("offset", "40"))
        .respond_with(json(200, doc_example("TaskPage")))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .list_tasks(ListTasksQuery::page(20, 40))
        .await
        .unwrap();
    assert_eq!(page, decoded::<TaskPage>("TaskPage"));
    assert_eq!(page.total, 42);
    assert_eq!(page.data[0].completed_at, None);
}

#[tokio::test]
async fn list_tasks_without_a_page_sends_no_query() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/tasks"))
        .respond_with(json(200, doc_example("TaskPage")))
        .mount(&server)
        .await;
    client(&server)
        .list_tasks(ListTasksQuery::default())
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests[0].url.query(), None);
}

#[tokio::test]
async fn follow_up_sends_the_prompt_and_reads_the_prompt_id() {
    let server = MockServer::start().await;
    keyed_call("POST", format!("/v1/tasks/{TASK_ID}/prompts"))
        .and(header("content-type", "application/json"))
        .respond_with(json(201, doc_example("FollowUpResponse")))
        .expect(1)
        .mount(&server)
        .await;
    let answer = client(&server)
        .follow_up(
            &task_id(),
            &FollowUpRequest::new("Now add a chart of the weekly totals").skill("data-analysis"),
        )
        .await
        .unwrap();
    assert_eq!(
        answer.prompt_id.as_str(),
        "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
    );
    insta::assert_json_snapshot!("follow_up_body", body_of(&server, 0).await);
}

#[tokio::test]
async fn set_visibility_patches_and_reads_the_share_url() {
    let server = MockServer::start().await;
    keyed_call("PATCH", format!("/v1/tasks/{TASK_ID}/visibility"))
        .and(header("content-type", "application/json"))
        .respond_with(json(200, doc_example("VisibilityResponse")))
        .expect(1)
        .mount(&server)
        .await;
    let answer = client(&server)
        .set_visibility(&task_id(), Visibility::Public)
        .await
        .unwrap();
    assert_eq!(answer, decoded::<VisibilityResponse>("VisibilityResponse"));
    assert_eq!(
        answer.share_url.as_deref(),
        Some("https://app.rebyte.ai/share/550e8400-e29b-41d4-a716-446655440000")
    );
    insta::assert_json_snapshot!("set_visibility_body", body_of(&server, 0).await);
}

#[tokio::test]
async fn set_visibility_private_has_no_share_url() {
    let server = server_answering("PATCH", json(200, r#"{"visibility":"private"}"#)).await;
    let answer = client(&server)
        .set_visibility(&task_id(), Visibility::Private)
        .await
        .unwrap();
    assert_eq!(answer.share_url, None);
    assert_eq!(
        body_of(&server, 0).await,
        serde_json::json!({"visibility": "private"})
    );
}

#[tokio::test]
async fn delete_task_accepts_an_empty_204() {
    let server = MockServer::start().await;
    keyed_call("DELETE", format!("/v1/tasks/{TASK_ID}"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    client(&server).delete_task(&task_id()).await.unwrap();
}

#[tokio::test]
async fn cancel_task_accepts_any_2xx_and_sends_no_body() {
    for status in [200, 202, 204] {
        let server = MockServer::start().await;
        keyed_call("POST", format!("/v1/tasks/{TASK_ID}/cancel"))
            .respond_with(ResponseTemplate::new(status).set_body_string("whatever"))
            .expect(1)
            .mount(&server)
            .await;
        client(&server).cancel_task(&task_id()).await.unwrap();
        let requests = server.received_requests().await.unwrap();
        assert!(requests[0].body.is_empty());
    }
}

#[tokio::test]
async fn api_errors_are_typed() {
    let body = r#"{"error":{"code":"not_found","message":"Task not found"}}"#;
    let server = server_answering("GET", json(404, body)).await;
    let err = client(&server).get_task(&task_id()).await.unwrap_err();
    match &err {
        Error::Api {
            status,
            code,
            message,
            body: raw,
        } => {
            assert_eq!(*status, 404);
            assert_eq!(*code, ErrorCode::NotFound);
            assert_eq!(&**message, "Task not found");
            assert_eq!(&**raw, body);
        }
        other => panic!("{other:?}"),
    }
    assert!(err.is_not_found());
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.code(), Some(&ErrorCode::NotFound));
    assert!(!err.is_retryable());
    assert_eq!(request_count(&server).await, 1, "a 404 is not retried");
}

#[tokio::test]
async fn unknown_error_codes_are_kept() {
    let server = server_answering(
        "GET",
        json(
            418,
            r#"{"error":{"code":"teapot","message":"short and stout"}}"#,
        ),
    )
    .await;
    let err = client(&server).get_task(&task_id()).await.unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::Unknown("teapot".into())));
    assert_eq!(
        err.to_string(),
        "the API answered 418 teapot: short and stout"
    );
}

#[tokio::test]
async fn a_gateway_page_becomes_a_short_snippet() {
    let page = format!(
        "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>{}</body>\n</html>",
        "x".repeat(5000)
    );
    let server = server_answering(
        "POST",
        ResponseTemplate::new(502).set_body_raw(page, "text/html"),
    )
    .await;
    let err = client(&server)
        .create_task(&CreateTaskRequest::new("p"))
        .await
        .unwrap_err();
    let Error::UnexpectedResponse { status, snippet } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*status, 502);
    assert!(snippet.starts_with("<html> <head><title>502 Bad Gateway</title></head>"));
    assert!(snippet.chars().count() <= 201, "{}", snippet.len());
    assert!(err.is_retryable());
    assert!(!err.to_string().contains('\n'));
}

#[tokio::test]
async fn decode_errors_name_the_json_path() {
    let mut task: serde_json::Value = serde_json::from_str(&doc_example("Task")).unwrap();
    task["prompts"][0]["submittedAt"] = serde_json::json!("yesterday");
    let server = server_answering("GET", json(200, task.to_string())).await;
    let err = client(&server).get_task(&task_id()).await.unwrap_err();
    let Error::Decode {
        status,
        path,
        snippet,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*status, 200);
    assert_eq!(&**path, "prompts[0].submittedAt");
    assert!(snippet.starts_with(r#"{"completedAt""#) || snippet.starts_with('{'));
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn invalid_requests_are_not_sent() {
    let server = MockServer::start().await;
    let client = client(&server);
    let err = client
        .create_task(&CreateTaskRequest::new("   "))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Validation(ref v) if v.field == "prompt"),
        "{err:?}"
    );
    let err = client
        .follow_up(&task_id(), &FollowUpRequest::new("x".repeat(100_001)))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation(_)));
    let err = client
        .list_tasks(ListTasksQuery::page(101, 0))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation(ref v) if v.field == "limit"));
    assert_eq!(request_count(&server).await, 0);
}

#[tokio::test]
async fn a_base_url_prefix_is_kept() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/rebyte/v1/tasks/{TASK_ID}")))
        .respond_with(json(200, doc_example("Task")))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server)
        .base_url(format!("{}/rebyte/v1/", server.uri()))
        .build()
        .unwrap();
    assert_eq!(client.base_url(), format!("{}/rebyte/v1", server.uri()));
    client.get_task(&task_id()).await.unwrap();
}

#[tokio::test]
async fn the_user_agent_is_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("user-agent", "my-tool/1.0"))
        .respond_with(json(200, doc_example("Task")))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server).user_agent("my-tool/1.0").build().unwrap();
    client.get_task(&task_id()).await.unwrap();
}

fn summary(n: usize) -> serde_json::Value {
    serde_json::json!({
        "id": format!("task-{n}"),
        "url": format!("https://app.rebyte.ai/run/task-{n}"),
        "title": format!("task {n}"),
        "executor": "opencode",
        "model": "lite",
        "createdAt": "2026-02-09T10:30:00.000Z",
    })
}

async fn mount_pages(server: &MockServer, total: usize, page: usize) {
    let mut offset = 0;
    while offset < total {
        let data: Vec<_> = (offset..total.min(offset + page)).map(summary).collect();
        Mock::given(method("GET"))
            .and(path("/v1/tasks"))
            .and(query_param("limit", page.to_string()))
            .and(query_param("offset", offset.to_string()))
            .respond_with(json(
                200,
                serde_json::json!({"data": data, "total": total, "limit": page, "offset": offset})
                    .to_string(),
            ))
            .mount(server)
            .await;
        offset += page;
    }
}

#[tokio::test]
async fn list_all_tasks_walks_every_page() {
    let server = MockServer::start().await;
    mount_pages(&server, 5, 2).await;
    let tasks: Vec<_> = client(&server)
        .list_all_tasks(2)
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = tasks.iter().map(|t| t.id.as_str().to_owned()).collect();
    assert_eq!(ids, ["task-0", "task-1", "task-2", "task-3", "task-4"]);
    assert_eq!(request_count(&server).await, 3);
}

#[tokio::test]
async fn list_all_tasks_is_lazy() {
    let server = MockServer::start().await;
    mount_pages(&server, 10, 2).await;
    let stream = client(&server).list_all_tasks(2);
    assert_eq!(request_count(&server).await, 0, "nothing before polling");
    let first: Vec<_> = stream.take(3).try_collect().await.unwrap();
    assert_eq!(first.len(), 3);
    assert_eq!(request_count(&server).await, 2, "only the pages consumed");
}

#[tokio::test]
async fn list_all_tasks_skips_tasks_shifted_into_the_next_page() {
    let server = MockServer::start().await;
    // A task created between the two pages pushes task-1 into the second page.
    for (offset, ids) in [(0, [0, 1]), (2, [1, 2])] {
        let data: Vec<_> = ids.iter().map(|&n| summary(n)).collect();
        Mock::given(method("GET"))
            .and(query_param("offset", offset.to_string()))
            .respond_with(json(
                200,
                serde_json::json!({"data": data, "total": 4, "limit": 2, "offset": offset})
                    .to_string(),
            ))
            .mount(&server)
            .await;
    }
    let tasks: Vec<_> = client(&server)
        .list_all_tasks(2)
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = tasks.iter().map(|t| t.id.as_str().to_owned()).collect();
    assert_eq!(ids, ["task-0", "task-1", "task-2"]);
}

#[tokio::test]
async fn list_all_tasks_yields_a_bad_page_size_as_an_error() {
    let server = MockServer::start().await;
    let items: Vec<_> = client(&server).list_all_tasks(0).collect().await;
    assert_eq!(items.len(), 1);
    assert!(matches!(items[0], Err(Error::Validation(_))));
    assert_eq!(request_count(&server).await, 0);
}

/// Every endpoint of the catalog is called by the client, with the catalog's method and path.
#[tokio::test]
async fn every_catalog_endpoint_is_called() {
    let server = MockServer::start().await;
    let upload_path = "/storage/upload-1";
    let file_upload = serde_json::json!({
        "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "filename": "notes-1.txt",
        "uploadUrl": format!("{}{upload_path}?sig=1", server.uri()),
    });
    let answers = [
        (catalog::CREATE_FILE, json(201, file_upload.to_string())),
        (catalog::CREATE_TASK, json(201, doc_example("CreatedTask"))),
        (catalog::LIST_TASKS, json(200, doc_example("TaskPage"))),
        (catalog::GET_TASK, json(200, doc_example("Task"))),
        (
            catalog::CREATE_PROMPT,
            json(201, doc_example("FollowUpResponse")),
        ),
        (
            catalog::SET_VISIBILITY,
            json(200, doc_example("VisibilityResponse")),
        ),
        (catalog::DELETE_TASK, ResponseTemplate::new(204)),
        (catalog::CANCEL_TASK, ResponseTemplate::new(200)),
        (
            catalog::TASK_EVENTS,
            ResponseTemplate::new(200).set_body_raw(
                "event: done\ndata: {\"status\":\"succeeded\",\"lastSeq\":0}\n\n",
                "text/event-stream",
            ),
        ),
    ];
    assert_eq!(answers.len(), catalog::ALL.len());
    for (endpoint, answer) in answers {
        keyed_call(
            endpoint.method.as_str(),
            format!("/v1{}", endpoint.relative_path(Some(&task_id()))),
        )
        .respond_with(answer)
        .expect(1)
        .mount(&server)
        .await;
    }
    Mock::given(method("PUT"))
        .and(path(upload_path))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "hello").unwrap();
    let client = client(&server);
    let id = task_id();
    client.upload_file(&file).await.unwrap();
    client
        .create_task(&CreateTaskRequest::new("p"))
        .await
        .unwrap();
    client.list_tasks(ListTasksQuery::default()).await.unwrap();
    client.get_task(&id).await.unwrap();
    client
        .follow_up(&id, &FollowUpRequest::new("p"))
        .await
        .unwrap();
    client
        .set_visibility(&id, Visibility::Public)
        .await
        .unwrap();
    client.delete_task(&id).await.unwrap();
    client.cancel_task(&id).await.unwrap();
    let events: Vec<_> = client.events(&id).try_collect().await.unwrap();
    assert_eq!(events.len(), 1);

    let requests = server.received_requests().await.unwrap();
    for endpoint in catalog::ALL {
        let filled = format!("/v1{}", endpoint.relative_path(Some(&id)));
        assert!(
            requests
                .iter()
                .any(|r| r.method.as_str() == endpoint.method.as_str() && r.url.path() == filled),
            "{} was not called",
            endpoint.operation
        );
    }
}
