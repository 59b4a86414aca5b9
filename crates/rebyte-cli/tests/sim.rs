//! Every command end to end, against the simulator served in the test process.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test.

mod common;

use common::{Sim, assert_no_key, settings, stderr, stdout};
use serde_json::Value;

const FAST: [&str; 2] = ["--interval", "5ms"];

#[test]
fn run_wait_public_prints_url_progress_and_share_link() {
    let sim = Sim::start();
    let output = sim
        .rebyte()
        .args(["run", "--skill", "deep-research", "--wait", "--public"])
        .args(FAST)
        .arg("Summarise the history of the Rust borrow checker")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    // stderr is not a terminal here: no progress at all.
    assert_eq!(stderr(&output), "");
    assert_no_key(&output);
    settings().bind(|| insta::assert_snapshot!("run_wait_public_human", stdout(&output)));
}

#[test]
fn run_json_prints_the_final_task_and_share_url() {
    let sim = Sim::start();
    let output = sim
        .rebyte()
        .args(["run", "--wait", "--public", "--json", "--skill", "pdf"])
        .args(FAST)
        .arg("Write a haiku")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["task"]["status"], "completed");
    assert!(
        value["shareUrl"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/share/{}", value["task"]["id"].as_str().unwrap()))
    );
    settings().bind(|| insta::assert_json_snapshot!("run_json", value));
}

#[test]
fn run_quiet_prints_the_url_then_the_share_link() {
    let sim = Sim::start();
    let output = sim
        .rebyte()
        .args(["run", "--public", "-q", "Write a haiku"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].contains("/run/"));
    assert!(lines[1].contains("/share/"));
    assert_eq!(stderr(&output), "");
}

#[test]
fn run_without_waiting_says_how_to_follow() {
    let sim = Sim::start();
    let output = sim
        .rebyte()
        .args(["run", "Write a haiku"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    settings().bind(|| {
        insta::assert_snapshot!(
            "run_no_wait",
            format!("{}---\n{}", stdout(&output), stderr(&output))
        )
    });
}

#[test]
fn run_watch_streams_events_then_the_outcome() {
    let sim = Sim::start();
    let output = sim
        .rebyte()
        .args(["run", "--watch"])
        .args(FAST)
        .arg("Write a haiku")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let init = text.find("] init").expect("an init event");
    let result = text.find("] result").expect("a result event");
    let status = text.find("Status      completed").expect("the outcome");
    assert!(init < result && result < status, "{text}");
}

#[test]
fn prompt_from_stdin_and_from_a_file() {
    let sim = Sim::start();
    let output = sim
        .rebyte()
        .args(["tasks", "create", "-", "--json"])
        .write_stdin("Prompt from stdin\n")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let created: Value = serde_json::from_slice(&output.stdout).unwrap();
    let id = created["id"].as_str().unwrap();
    let output = sim
        .rebyte()
        .args(["tasks", "get", id, "--json"])
        .output()
        .unwrap();
    let task: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(task["title"], "Prompt from stdin");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("prompt.md");
    std::fs::write(&file, "Prompt from a file\nwith two lines\n").unwrap();
    let output = sim
        .rebyte()
        .args(["tasks", "create", "--prompt-file"])
        .arg(&file)
        .arg("-q")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let id = stdout(&output).trim().to_owned();
    let output = sim
        .rebyte()
        .args(["tasks", "get", &id, "--json"])
        .output()
        .unwrap();
    let task: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(task["title"], "Prompt from a file");
}

#[test]
fn tasks_list_get_share_open_delete() {
    let sim = Sim::start();
    let first = sim.create("First task");
    let second = sim.create("Second task");

    let output = sim.rebyte().args(["tasks", "list"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    settings().bind(|| insta::assert_snapshot!("list_human", stdout(&output)));

    let output = sim
        .rebyte()
        .args(["tasks", "list", "--json", "--limit", "1"])
        .output()
        .unwrap();
    let page: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(page["total"], 2);
    assert_eq!(page["data"][0]["id"], second.as_str());

    let output = sim
        .rebyte()
        .args(["tasks", "list", "--all", "--limit", "1", "-q"])
        .output()
        .unwrap();
    assert_eq!(stdout(&output), format!("{second}\n{first}\n"));

    let output = sim
        .rebyte()
        .args(["tasks", "share", &first])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    settings().bind(|| insta::assert_snapshot!("share_human", stdout(&output)));

    let output = sim
        .rebyte()
        .args([
            "tasks",
            "share",
            &first,
            "--visibility",
            "private",
            "--json",
        ])
        .output()
        .unwrap();
    let shared: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(shared, serde_json::json!({"visibility": "private"}));

    let output = sim
        .rebyte()
        .args(["tasks", "open", &first])
        .output()
        .unwrap();
    assert!(stdout(&output).trim().ends_with(&format!("/run/{first}")));

    // No opener on PATH: the URL is printed instead, with a note.
    let empty = tempfile::tempdir().unwrap();
    let output = sim
        .rebyte()
        .env("PATH", empty.path())
        .args(["tasks", "open", &first, "--web"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).trim().ends_with(&format!("/run/{first}")));
    assert!(stderr(&output).contains("could not open a browser"));

    let output = sim
        .rebyte()
        .args(["tasks", "delete", &first, "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let deleted: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(deleted["deleted"], true);
    let output = sim
        .rebyte()
        .args(["tasks", "get", &first])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(
        stderr(&output),
        "error: the API answered 404 not_found: Task not found\n"
    );
}

#[test]
fn follow_up_wait_and_watch() {
    let sim = Sim::start();
    let id = sim.create("First prompt");
    let output = sim
        .rebyte()
        .args(["tasks", "wait", &id, "--json"])
        .args(FAST)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let task: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(task["status"], "completed");

    let output = sim
        .rebyte()
        .args([
            "tasks",
            "follow-up",
            &id,
            "Second prompt",
            "--wait",
            "--json",
        ])
        .args(FAST)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let task: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(task["prompts"].as_array().unwrap().len(), 2);
    assert_eq!(task["prompts"][1]["status"], "succeeded");

    let output = sim
        .rebyte()
        .args(["tasks", "watch", &id, "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let lines: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() >= 2);
    assert_eq!(lines[0]["event"], "event");
    assert_eq!(lines[0]["data"]["seq"], 0);
    let last = lines.last().unwrap();
    assert_eq!(last["event"], "done");
    assert_eq!(last["data"]["status"], "succeeded");

    let output = sim.rebyte().args(["tasks", "watch", &id]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    settings().bind(|| insta::assert_snapshot!("watch_human", stdout(&output)));

    let output = sim.rebyte().args(["tasks", "get", &id]).output().unwrap();
    settings().bind(|| insta::assert_snapshot!("get_after_follow_up", stdout(&output)));
}

#[test]
fn files_upload_and_attach() {
    let sim = Sim::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("data.csv");
    std::fs::write(&file, "a,b\n1,2\n").unwrap();
    let output = sim
        .rebyte()
        .args(["files", "upload", "--json"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let uploaded: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(uploaded["filename"].as_str().unwrap().starts_with("data"));
    assert!(uploaded["id"].is_string());

    let output = sim
        .rebyte()
        .args(["run", "Analyse the data", "--wait", "--json", "--file"])
        .arg(&file)
        .args(FAST)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn exit_0_on_completed() {
    let sim = Sim::start();
    let output = sim
        .rebyte()
        .args(["run", "--wait", "-q", "ok"])
        .args(FAST)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn exit_4_when_the_task_fails() {
    let sim = Sim::start();
    let output = sim
        .rebyte()
        .args(["run", "--wait"])
        .args(FAST)
        .arg(format!("Do it {}", rebyte_sim::FAIL_MARKER))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    assert!(stdout(&output).contains("Status      failed"));
    settings().bind(|| insta::assert_snapshot!("task_failed_error", stderr(&output)));
}

#[test]
fn exit_5_when_the_task_is_canceled() {
    let sim = Sim::start();
    let id = sim.create(&format!("Hang {}", rebyte_sim::HANG_MARKER));
    let output = sim
        .rebyte()
        .args(["tasks", "cancel", &id])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let output = sim
        .rebyte()
        .args(["tasks", "wait", &id])
        .args(FAST)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(5), "{}", stderr(&output));
}

/// The event stream's `done` ends a wait at once: with polls 20 s apart, the task (which
/// takes milliseconds) is still reported within moments, not at the next poll.
#[test]
fn wait_ends_when_the_events_say_done_not_at_the_next_poll() {
    let sim = Sim::start();
    let started = std::time::Instant::now();
    let output = sim
        .rebyte()
        .args(["run", "--wait", "--interval", "20s", "--json", "Quick one"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let task: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(task["task"]["status"], "completed");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn exit_6_when_waiting_times_out() {
    let sim = Sim::start();
    let output = sim
        .rebyte()
        .args(["run", "--wait", "--timeout", "200ms", "-q"])
        .args(FAST)
        .arg(format!("Hang {}", rebyte_sim::HANG_MARKER))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(6), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.starts_with("error: gave up waiting after"), "{err}");
    let url = stdout(&output);
    let id = url.trim().rsplit('/').next().unwrap();
    assert!(
        err.ends_with(&format!("the task keeps running: rebyte tasks wait {id}\n")),
        "{err}"
    );
}

/// With `--json` nothing is printed before the end, so a wait that times out names the task
/// in its error line: the task exists and must not be lost.
#[test]
fn run_json_timeout_names_the_task() {
    let sim = Sim::start();
    let output = sim
        .rebyte()
        .args(["run", "--wait", "--timeout", "200ms", "--json"])
        .args(FAST)
        .arg(format!("Hang {}", rebyte_sim::HANG_MARKER))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(6), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    let listed = sim.rebyte().args(["tasks", "list", "-q"]).output().unwrap();
    let id = stdout(&listed).trim().to_owned();
    assert_eq!(id.lines().count(), 1, "{id}");
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(&format!("rebyte tasks wait {id}")), "{err}");
}

#[test]
fn exit_3_on_an_unknown_task() {
    let sim = Sim::start();
    let output = sim
        .rebyte()
        .args(["tasks", "wait", "no-such-task"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
}

#[test]
fn exit_3_on_a_wrong_key() {
    let sim = Sim::start();
    let output = sim
        .rebyte()
        .env("REBYTE_API_KEY", "rbk_wrong")
        .args(["tasks", "list"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(stderr(&output).contains("check REBYTE_API_KEY"));
}

#[test]
fn batch_runs_fifty_prompts_concurrently() {
    let sim = Sim::start();
    let input: String = (1..=50)
        .map(|i| {
            format!(
                "{}\n",
                serde_json::json!({"prompt": format!("Prompt number {i}"), "skills": ["pdf"]})
            )
        })
        .collect();
    let output = sim
        .rebyte()
        .args(["batch", "-", "--concurrency", "8", "--wait", "--public"])
        .args(FAST)
        .write_stdin(input)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let results: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(results.len(), 50);
    let mut lines: Vec<u64> = results
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    lines.sort_unstable();
    assert_eq!(lines, (1..=50).collect::<Vec<u64>>());
    for r in &results {
        assert_eq!(r["ok"], true, "{r}");
        assert_eq!(r["task"]["status"], "completed", "{r}");
        assert!(r["shareUrl"].as_str().unwrap().contains("/share/"));
        let line = r["line"].as_u64().unwrap();
        assert_eq!(r["task"]["title"], format!("Prompt number {line}"));
    }
    assert_eq!(
        stderr(&output),
        "batch: 50 lines, 50 ok, 0 not ok; 50 tasks created and waited for\n"
    );

    let output = sim
        .rebyte()
        .args(["tasks", "list", "--json"])
        .output()
        .unwrap();
    let page: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(page["total"], 50);
}

#[test]
fn batch_reports_bad_lines_and_goes_on() {
    let sim = Sim::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.jsonl");
    std::fs::write(
        &file,
        format!(
            "{}\nnot json\n\n{}\n{}\n{}\n",
            r#"{"prompt": "good one"}"#,
            r#"{"prompt": "", "skills": []}"#,
            r#"{"prompt": "bad executor", "executor": "claud"}"#,
            format_args!(r#"{{"prompt": "fails {}"}}"#, rebyte_sim::FAIL_MARKER),
        ),
    )
    .unwrap();
    let output = sim
        .rebyte()
        .arg("batch")
        .arg(&file)
        .args(["--wait", "-j", "2"])
        .args(FAST)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(8), "{}", stderr(&output));
    let mut results: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    results.sort_by_key(|r| r["line"].as_u64());
    let summary: Vec<(u64, bool, u64)> = results
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["ok"].as_bool().unwrap(),
                r["error"]["exitCode"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (1, true, 0),
            (2, false, 2),
            (4, false, 2),
            (5, false, 2),
            (6, false, 4)
        ]
    );
    assert_eq!(
        results[2]["error"]["message"],
        "invalid `prompt`: the prompt is empty"
    );
    assert_eq!(
        stderr(&output),
        "batch: 5 lines, 1 ok, 4 not ok; 2 tasks created and waited for\n"
    );
}
