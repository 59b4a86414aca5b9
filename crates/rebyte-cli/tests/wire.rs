//! Wire details, against wiremock: the exact bodies and headers the command sends, and what
//! it says when the server answers errors or garbage.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test.

mod common;

use common::{KEY, assert_no_key, rebyte_at, runtime, settings, stderr, stdout};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TASK_ID: &str = "6f1c2b9e-0d3a-4c55-9a41-1f2e3d4c5b6a";

/// An error answer with the documented body.
fn api_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"error": {"code": code, "message": message}}))
}

fn task_json() -> Value {
    json!({
        "id": TASK_ID,
        "url": "https://app.rebyte.ai/run/6f1c2b9e-0d3a-4c55-9a41-1f2e3d4c5b6a",
        "status": "completed",
        "title": "Summarise the README",
        "executor": "claude",
        "model": "lite",
        "createdAt": "2026-02-09T10:30:00.000Z",
        "completedAt": "2026-02-09T10:31:12.500Z",
        "prompts": [{
            "id": "11111111-2222-4333-8444-555555555555",
            "status": "succeeded",
            "submittedAt": "2026-02-09T10:30:00.000Z",
            "completedAt": "2026-02-09T10:31:12.500Z"
        }],
        "finalResult": "The README explains how to build."
    })
}

struct Server {
    rt: tokio::runtime::Runtime,
    mock: MockServer,
}

impl Server {
    fn start() -> Self {
        let rt = runtime();
        let mock = rt.block_on(MockServer::start());
        Self { rt, mock }
    }

    fn base(&self) -> String {
        format!("{}/v1", self.mock.uri())
    }

    fn mount(&self, m: Mock) {
        self.rt.block_on(m.mount(&self.mock));
    }

    /// Answers `verb` requests to `route` with `answer`.
    fn answer(&self, verb: &str, route: impl Into<String>, answer: ResponseTemplate) {
        self.mount(
            Mock::given(method(verb))
                .and(path(route))
                .respond_with(answer),
        );
    }

    /// Answers the GET of the test task with `task` as JSON.
    fn serve_task(&self, task: Value) {
        self.answer(
            "GET",
            format!("/v1/tasks/{TASK_ID}"),
            ResponseTemplate::new(200).set_body_json(task),
        );
    }

    /// Runs the binary against this server with `args`.
    fn run(&self, args: &[&str]) -> std::process::Output {
        rebyte_at(&self.base()).args(args).output().unwrap()
    }

    fn requests(&self) -> Vec<wiremock::Request> {
        self.rt
            .block_on(self.mock.received_requests())
            .unwrap_or_default()
    }
}

#[test]
fn create_sends_every_flag_and_uploads_files_without_the_key() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "some notes").unwrap();
    server.answer(
        "POST",
        "/v1/files",
        ResponseTemplate::new(201).set_body_json(json!({
            "id": "f-1",
            "filename": "notes-1a2b.txt",
            "uploadUrl": format!("{}/upload/f-1?sig=abc", server.mock.uri()),
        })),
    );
    server.answer("PUT", "/upload/f-1", ResponseTemplate::new(200));
    server.answer(
        "POST",
        "/v1/tasks",
        ResponseTemplate::new(201).set_body_json(json!({
            "id": TASK_ID,
            "workspaceId": "ws-9",
            "url": "https://app.rebyte.ai/run/x",
            "status": "running",
            "createdAt": "2026-02-09T10:30:00.000Z"
        })),
    );
    let output = rebyte_at(&server.base())
        .args([
            "tasks",
            "create",
            "Summarise the notes",
            "--skill",
            "deep-research",
            "--skill",
            "pdf",
            "--executor",
            "claude",
            "--model",
            "max",
            "--repo",
            "acme/api",
            "--branch",
            "dev",
            "--workspace",
            "ws-1",
            "--json",
            "--file",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_no_key(&output);

    let requests = server.requests();
    let create = requests
        .iter()
        .find(|r| r.method.as_str() == "POST" && r.url.path() == "/v1/tasks")
        .expect("a create request");
    assert_eq!(create.headers.get("API_KEY").unwrap(), KEY);
    let body: Value = serde_json::from_slice(&create.body).unwrap();
    insta::assert_json_snapshot!("create_body_every_flag", body);

    let files = requests
        .iter()
        .find(|r| r.url.path() == "/v1/files")
        .expect("a file request");
    let body: Value = serde_json::from_slice(&files.body).unwrap();
    assert_eq!(
        body,
        json!({"filename": "notes.txt", "contentType": "text/plain"})
    );
    let put = requests
        .iter()
        .find(|r| r.method.as_str() == "PUT")
        .expect("an upload");
    assert!(
        put.headers.get("API_KEY").is_none(),
        "the upload carried the key"
    );
    assert_eq!(put.body, b"some notes");

    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed["id"], TASK_ID);
    assert_eq!(printed["workspaceId"], "ws-9");
}

#[test]
fn get_json_prints_the_api_object_and_human_form_has_key_facts() {
    let server = Server::start();
    server.serve_task(task_json());
    let output = server.run(&["tasks", "get", TASK_ID, "--json"]);
    assert!(output.status.success());
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed, task_json());

    let output = server.run(&["tasks", "get", TASK_ID]);
    assert!(output.status.success());
    settings().bind(|| insta::assert_snapshot!("get_human", stdout(&output)));

    let output = server.run(&["tasks", "get", TASK_ID, "--quiet"]);
    assert_eq!(
        stdout(&output),
        "https://app.rebyte.ai/run/6f1c2b9e-0d3a-4c55-9a41-1f2e3d4c5b6a\n"
    );
}

#[test]
fn list_sends_limit_and_offset() {
    let server = Server::start();
    server.mount(
        Mock::given(method("GET"))
            .and(path("/v1/tasks"))
            .and(query_param("limit", "5"))
            .and(query_param("offset", "10"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "data": [{
                    "id": TASK_ID, "url": "u", "title": "A task", "executor": "opencode",
                    "model": "lite", "createdAt": "2026-02-09T10:30:00.000Z", "completedAt": null
                }],
                "total": 11, "limit": 5, "offset": 10
            }))),
    );
    let output = server.run(&["tasks", "list", "--limit", "5", "--offset", "10", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed["total"], 11);
    assert_eq!(printed["data"][0]["id"], TASK_ID);
}

#[test]
fn follow_up_sends_prompt_and_skills() {
    let server = Server::start();
    server.answer(
        "POST",
        format!("/v1/tasks/{TASK_ID}/prompts"),
        ResponseTemplate::new(201).set_body_json(json!({"promptId": "p-2"})),
    );
    let output = server.run(&[
        "tasks",
        "follow-up",
        TASK_ID,
        "Now add tests",
        "--skill",
        "pdf",
        "-q",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "p-2\n");
    let requests = server.requests();
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(body, json!({"prompt": "Now add tests", "skills": ["pdf"]}));
}

#[test]
fn share_prints_the_share_link() {
    let server = Server::start();
    server.answer(
        "PATCH",
        format!("/v1/tasks/{TASK_ID}/visibility"),
        ResponseTemplate::new(200).set_body_json(
            json!({"visibility": "public", "shareUrl": "https://app.rebyte.ai/share/x"}),
        ),
    );
    let output = server.run(&["tasks", "share", TASK_ID, "--quiet"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "https://app.rebyte.ai/share/x\n");
    let body: Value = serde_json::from_slice(&server.requests()[0].body).unwrap();
    assert_eq!(body, json!({"visibility": "public"}));
}

/// The task was created, then sharing it failed: the error line still names the task and
/// its live URL, since `--json` printed nothing before the end.
#[test]
fn run_names_the_created_task_when_a_later_step_fails() {
    let server = Server::start();
    server.answer(
        "POST",
        "/v1/tasks",
        ResponseTemplate::new(201).set_body_json(json!({
            "id": TASK_ID,
            "workspaceId": "ws-1",
            "url": "https://app.rebyte.ai/run/6f1c2b9e-0d3a-4c55-9a41-1f2e3d4c5b6a",
            "status": "running",
            "createdAt": "2026-02-09T10:30:00.000Z"
        })),
    );
    server.answer(
        "PATCH",
        format!("/v1/tasks/{TASK_ID}/visibility"),
        api_error(403, "insufficient_scopes", "Missing tasks:write"),
    );
    let output = server.run(&["run", "Summarise the README", "--public", "--json"]);
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(stdout(&output), "");
    assert_eq!(
        stderr(&output),
        format!(
            "error: the API answered 403 insufficient_scopes: Missing tasks:write; task {TASK_ID} was created: https://app.rebyte.ai/run/{TASK_ID}\n"
        )
    );
}

/// A create that may have reached the server (a gateway's 502, an unreadable answer) may
/// have created the task: the line says so and where to look, so nobody creates it twice.
/// A refusal (4xx) says nothing of the kind.
#[test]
fn a_create_that_may_have_happened_says_so() {
    let server = Server::start();
    server.answer(
        "POST",
        "/v1/tasks",
        ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>"),
    );
    server.answer(
        "POST",
        format!("/v1/tasks/{TASK_ID}/prompts"),
        ResponseTemplate::new(200).set_body_string("<html>oops</html>"),
    );
    let output = server.run(&["tasks", "create", "Summarise the README"]);
    assert_eq!(output.status.code(), Some(3));
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.ends_with(
            "; the task may have been created all the same: check with `rebyte tasks list`\n"
        ),
        "{err}"
    );
    let output = server.run(&["tasks", "follow-up", TASK_ID, "Now add tests"]);
    assert_eq!(output.status.code(), Some(3));
    let err = stderr(&output);
    assert!(
        err.ends_with(&format!(
            "; the prompt may have been sent all the same: check with `rebyte tasks get {TASK_ID}`\n"
        )),
        "{err}"
    );
    // Never repeated: the API has no idempotency key.
    assert_eq!(server.requests().len(), 2);

    let server = Server::start();
    server.answer(
        "POST",
        "/v1/tasks",
        api_error(400, "validation_error", "Invalid request body"),
    );
    let output = server.run(&["run", "Summarise the README"]);
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(
        stderr(&output),
        "error: the API answered 400 validation_error: Invalid request body\n"
    );
}

#[test]
fn garbage_answer_is_one_line_and_exit_3() {
    let server = Server::start();
    server.answer(
        "GET",
        format!("/v1/tasks/{TASK_ID}"),
        ResponseTemplate::new(200)
            .set_body_string("<html>\n<body>\nWelcome to nginx!\n</body>\n</html>"),
    );
    let output = server.run(&["tasks", "get", TASK_ID]);
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(stdout(&output), "");
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    settings().bind(|| insta::assert_snapshot!("garbage_answer", err));
}

#[test]
fn api_error_is_one_line_and_exit_3() {
    let server = Server::start();
    server.answer(
        "DELETE",
        format!("/v1/tasks/{TASK_ID}"),
        api_error(500, "internal_error", "Something broke"),
    );
    let output = server.run(&["tasks", "delete", TASK_ID]);
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(
        stderr(&output),
        "error: the API answered 500 internal_error: Something broke\n"
    );
}

#[test]
fn refused_key_says_where_keys_come_from() {
    let server = Server::start();
    server.answer(
        "GET",
        format!("/v1/tasks/{TASK_ID}"),
        api_error(401, "invalid_api_key", "Invalid API key"),
    );
    let output = server.run(&["tasks", "get", TASK_ID]);
    assert_eq!(output.status.code(), Some(3));
    settings().bind(|| insta::assert_snapshot!("invalid_key", stderr(&output)));
}

#[test]
fn verbose_logs_never_show_the_key() {
    let server = Server::start();
    server.serve_task(task_json());
    let output = server.run(&["-vv", "tasks", "get", TASK_ID]);
    assert!(output.status.success());
    assert!(!stderr(&output).is_empty(), "-vv logged nothing");
    assert_no_key(&output);
}

#[test]
fn key_file_and_stdin_key_are_sent() {
    let server = Server::start();
    server.serve_task(task_json());
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, "rbk_from_file\n").unwrap();
    let output = common::rebyte()
        .args(["--base-url", &server.base(), "tasks", "get", TASK_ID, "-q"])
        .arg("--api-key-file")
        .arg(&key_file)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let output = common::rebyte()
        .args(["--base-url", &server.base(), "--api-key-file", "-"])
        .args(["tasks", "get", TASK_ID, "-q"])
        .write_stdin("rbk_from_stdin\n")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let keys: Vec<String> = server
        .requests()
        .iter()
        .map(|r| {
            r.headers
                .get("API_KEY")
                .map(|v| v.to_str().unwrap_or("").to_owned())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(keys, ["rbk_from_file", "rbk_from_stdin"]);
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let server = Server::start();
    server.serve_task(task_json());
    let plain = server.run(&["tasks", "get", TASK_ID]);
    assert!(!stdout(&plain).contains('\u{1b}'));
    let forced = server.run(&["tasks", "get", TASK_ID, "--color", "always"]);
    let text = stdout(&forced);
    assert!(text.contains("\u{1b}[32mcompleted"), "{text}");
    // Without the escapes, the two are the same text.
    assert_eq!(
        anstream::adapter::strip_str(&text).to_string(),
        stdout(&plain)
    );
    let never = rebyte_at(&server.base())
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .args(["tasks", "get", TASK_ID, "--color", "never"])
        .output()
        .unwrap();
    assert!(!stdout(&never).contains('\u{1b}'));
}

/// Text from the service reaches a terminal without its escape sequences: an agent's result
/// cannot retitle the window, clear the screen or move the cursor, even with colour on.
#[test]
fn service_text_cannot_drive_the_terminal() {
    let server = Server::start();
    let mut task = task_json();
    task["title"] = json!("\u{1b}]0;pwned\u{7}Summarise\u{8}\u{8} the README");
    task["finalResult"] = json!("line one\n\u{1b}[2J\u{1b}[31mline two\u{1b}[0m\r\tend");
    task["status"] = json!("completed\u{1b}[8m");
    server.serve_task(task);
    let output = server.run(&["tasks", "get", TASK_ID, "--color", "always"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    // Only this program's own styling is left: SGR sequences it wrote.
    let ours = [
        "\u{1b}[1m",
        "\u{1b}[0m",
        "\u{1b}[36m",
        "\u{1b}[32m",
        "\u{1b}[2m",
        "\u{1b}[33m",
    ];
    let mut rest = text.clone();
    for code in ours {
        rest = rest.replace(code, "");
    }
    for bad in ['\u{1b}', '\u{7}', '\u{8}', '\r'] {
        assert!(!rest.contains(bad), "{bad:?} in {rest:?}");
    }
    assert!(rest.contains("Title      Summarise the README"), "{rest}");
    assert!(rest.contains("  line one\n  line two\tend"), "{rest}");
}

/// Creating blocks while a VM is provisioned; Ctrl-C meanwhile says the task may exist all
/// the same, since the request reached the service.
#[cfg(unix)]
#[test]
fn ctrl_c_while_creating_says_the_task_may_exist() {
    let server = Server::start();
    server.answer(
        "POST",
        "/v1/tasks",
        ResponseTemplate::new(201)
            .set_delay(std::time::Duration::from_secs(60))
            .set_body_json(json!({})),
    );
    for command in [&["run", "--wait"][..], &["tasks", "create"]] {
        let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("rebyte"))
            .env("REBYTE_API_KEY", KEY)
            .env("NO_COLOR", "1")
            .args(["--base-url", &server.base()])
            .args(command)
            .arg("Provision slowly")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Until the create request has reached the server.
        let before = server.requests().len();
        while server.requests().len() == before {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let status = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(130), "{command:?}");
        assert_eq!(stdout(&output), "");
        assert_eq!(
            stderr(&output),
            "interrupted while creating the task; it may have been created all the same: check with `rebyte tasks list`\n"
        );
    }
}
