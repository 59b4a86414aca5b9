//! The command line itself: help, bad input, configuration, `--local`, `sim serve`,
//! completions and Ctrl-C.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::{KEY, Sim, rebyte, settings, stderr, stdout};
use serde_json::Value;

/// A child process killed when the test ends, even when it fails.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn help(args: &[&str]) -> String {
    let output = rebyte().args(args).arg("--help").output().unwrap();
    assert!(output.status.success());
    stdout(&output)
}

#[test]
fn help_snapshots() {
    insta::assert_snapshot!("help_top", help(&[]));
    insta::assert_snapshot!("help_run", help(&["run"]));
    insta::assert_snapshot!("help_tasks", help(&["tasks"]));
    insta::assert_snapshot!("help_tasks_list", help(&["tasks", "list"]));
    insta::assert_snapshot!("help_batch", help(&["batch"]));
    insta::assert_snapshot!("help_sim_serve", help(&["sim", "serve"]));
}

#[test]
fn help_never_shows_the_base_url_from_the_environment() {
    let proxy = "https://user:hunter2-proxy-pass@proxy.example.com/v1";
    for args in [&[][..], &["run"][..], &["tasks", "list"][..]] {
        let output = rebyte()
            .env("REBYTE_BASE_URL", proxy)
            .args(args)
            .arg("--help")
            .output()
            .unwrap();
        assert!(output.status.success());
        // Help wraps lines; read it as one.
        let text = stdout(&output)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(text.contains("[env: REBYTE_BASE_URL]"), "{args:?}: {text}");
        assert!(!text.contains("hunter2"), "{args:?}: {text}");
        assert!(!text.contains("proxy.example.com"), "{args:?}: {text}");
    }
}

#[test]
fn a_panic_is_one_line_and_exit_1() {
    let output = rebyte()
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .env("REBYTE_TEST_PANIC", "1")
        .args(["tasks", "list"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = String::from_utf8(output.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: internal error: "), "{err}");
    assert!(err.contains("a deliberate panic"), "{err}");
    assert!(err.trim_end().ends_with(", please report it"), "{err}");
    assert!(!err.contains("RUST_BACKTRACE"), "{err}");

    // A backtrace only when asked for.
    let output = rebyte()
        .env("RUST_BACKTRACE", "1")
        .env("REBYTE_TEST_PANIC", "1")
        .args(["tasks", "list"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = String::from_utf8(output.stderr).unwrap();
    assert!(err.starts_with("error: internal error: "), "{err}");
    assert!(err.lines().count() > 1, "{err}");
}

#[test]
fn help_lists_the_exit_codes() {
    let text = help(&[]);
    for line in [
        "  3    API or network error",
        "  6    waiting timed out",
        "  130  interrupted",
    ] {
        assert!(text.contains(line), "{line}");
    }
    // The commands whose exit code tells how a task ended say so in their own help too.
    for (command, codes) in [
        (
            &["run"][..],
            &["4 failed", "5 canceled", "6 waiting timed out"][..],
        ),
        (
            &["tasks", "wait"],
            &["4 failed", "5 canceled", "6 waiting timed out"],
        ),
        (
            &["tasks", "follow-up"],
            &["4 failed", "6 waiting timed out"],
        ),
        (&["tasks", "watch"], &["4 failed", "5 canceled"]),
        (&["batch"], &["8 at least one line not ok"]),
    ] {
        let text = help(command).replace('\n', " ");
        assert!(text.contains("Exit codes: 0 "), "{command:?}");
        for code in codes {
            assert!(text.contains(code), "{command:?}: {code}");
        }
    }
}

#[test]
fn exit_2_on_a_usage_error() {
    let output = rebyte().args(["tasks", "frobnicate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).starts_with("error: unrecognized subcommand 'frobnicate'"));
}

#[test]
fn there_is_no_plain_api_key_flag() {
    let output = rebyte()
        .args(["--api-key", "rbk_x", "tasks", "list"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn exit_7_without_a_key_says_where_to_get_one_and_about_local() {
    let output = rebyte().args(["run", "hello"]).output().unwrap();
    assert_eq!(output.status.code(), Some(7));
    assert_eq!(stdout(&output), "");
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1);
    insta::assert_snapshot!("missing_key", err);
}

/// Every bad input gets one line on stderr, no stdout, and a non-zero exit; none panics.
#[test]
fn bad_input_is_one_clear_line() {
    let sim = Sim::start();
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.txt");
    std::fs::write(&big, "x".repeat(100_001)).unwrap();
    let not_utf8 = dir.path().join("bin.txt");
    std::fs::write(&not_utf8, [0xff, 0xfe, 0x00]).unwrap();
    let missing = dir.path().join("missing.txt");
    let empty_key = dir.path().join("empty-key");
    std::fs::write(&empty_key, "\n\n").unwrap();
    let dir_path = dir.path().to_str().unwrap().to_owned();
    // A port nobody listens on: bind one, then let it go.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_url = format!("http://{}/v1", closed.local_addr().unwrap());
    drop(closed);

    let cases: Vec<(&str, Vec<String>, Option<&str>)> = vec![
        ("empty prompt", vec!["run".into(), "".into()], None),
        (
            "blank prompt from stdin",
            vec!["run".into(), "-".into()],
            Some("  \n"),
        ),
        (
            "oversized prompt",
            vec![
                "run".into(),
                "--prompt-file".into(),
                big.display().to_string(),
            ],
            None,
        ),
        (
            "prompt file that is not text",
            vec![
                "run".into(),
                "--prompt-file".into(),
                not_utf8.display().to_string(),
            ],
            None,
        ),
        ("no prompt", vec!["tasks".into(), "create".into()], None),
        (
            "bad id",
            vec!["tasks".into(), "get".into(), "../etc/passwd".into()],
            None,
        ),
        (
            "bad prompt id",
            vec![
                "tasks".into(),
                "wait".into(),
                "t1".into(),
                "--prompt".into(),
                "a b".into(),
            ],
            None,
        ),
        (
            "missing file",
            vec![
                "run".into(),
                "x".into(),
                "--file".into(),
                missing.display().to_string(),
            ],
            None,
        ),
        (
            "directory as file",
            vec!["files".into(), "upload".into(), dir_path.clone()],
            None,
        ),
        (
            "missing prompt file",
            vec![
                "run".into(),
                "--prompt-file".into(),
                missing.display().to_string(),
            ],
            None,
        ),
        (
            "missing batch file",
            vec!["batch".into(), missing.display().to_string()],
            None,
        ),
        (
            "unknown executor",
            vec![
                "run".into(),
                "x".into(),
                "--executor".into(),
                "claud".into(),
            ],
            None,
        ),
        (
            "limit out of range",
            vec![
                "tasks".into(),
                "list".into(),
                "--limit".into(),
                "101".into(),
            ],
            None,
        ),
        (
            "limit zero",
            vec!["tasks".into(), "list".into(), "--limit".into(), "0".into()],
            None,
        ),
        (
            "bad workspace id",
            vec!["run".into(), "x".into(), "--workspace".into(), "a/b".into()],
            None,
        ),
        (
            "missing key file",
            vec![
                "--api-key-file".into(),
                missing.display().to_string(),
                "tasks".into(),
                "list".into(),
            ],
            None,
        ),
        (
            "empty key file",
            vec![
                "--api-key-file".into(),
                empty_key.display().to_string(),
                "tasks".into(),
                "list".into(),
            ],
            None,
        ),
        (
            "key and prompt both from stdin",
            vec![
                "--api-key-file".into(),
                "-".into(),
                "run".into(),
                "-".into(),
            ],
            Some("rbk_x\n"),
        ),
        (
            "server unreachable",
            vec![
                "--base-url".into(),
                closed_url,
                "tasks".into(),
                "list".into(),
            ],
            None,
        ),
        (
            "plain http to a remote host",
            vec![
                "--base-url".into(),
                "http://api.example.com/v1".into(),
                "tasks".into(),
                "list".into(),
            ],
            None,
        ),
    ];
    let mut report = String::new();
    for (name, args, stdin) in cases {
        let mut cmd = if args
            .iter()
            .any(|a| a == "--base-url" || a == "--api-key-file")
        {
            let mut cmd = rebyte();
            cmd.env("REBYTE_API_KEY", KEY);
            cmd
        } else {
            sim.rebyte()
        };
        cmd.args(&args);
        if let Some(input) = stdin {
            cmd.write_stdin(input);
        }
        let output = cmd.output().unwrap();
        let err = stderr(&output);
        let code = output.status.code();
        assert!(
            matches!(code, Some(c) if c != 0 && c != 1),
            "{name}: {code:?} {err}"
        );
        assert_eq!(stdout(&output), "", "{name}");
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(err.starts_with("error: "), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        report.push_str(&format!("{name} -> {}\n  {err}", code.unwrap_or(-1)));
    }
    let mut s = settings();
    s.add_filter(r"/tmp/\.tmp\w+", "[TMP]");
    s.bind(|| insta::assert_snapshot!("bad_input", report));
}

#[test]
fn json_and_quiet_together_are_refused() {
    let output = rebyte()
        .env("REBYTE_API_KEY", KEY)
        .args(["tasks", "list", "--json", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: --json and --quiet cannot be used together\n"
    );
}

#[test]
fn local_mode_shares_state_across_processes() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("nested").join("sim.sqlite3");
    let local = || {
        let mut cmd = rebyte();
        cmd.env("REBYTE_LOCAL_STATE", &state).arg("--local");
        cmd
    };
    let output = local()
        .args(["tasks", "create", "Made by the first process", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        format!(
            "using the local simulator (state: {}); nothing is sent to Rebyte\n",
            state.display()
        )
    );
    let created: Value = serde_json::from_slice(&output.stdout).unwrap();
    let id = created["id"].as_str().unwrap();
    assert!(state.exists());

    let output = local()
        .args(["tasks", "get", id, "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let task: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(task["title"], "Made by the first process");

    // A key in the environment does not stop --local from using the simulator.
    let output = local()
        .env("REBYTE_API_KEY", KEY)
        .args(["tasks", "list", "-q"])
        .output()
        .unwrap();
    assert_eq!(stdout(&output), format!("{id}\n"));
    // Said even with --quiet.
    assert!(stderr(&output).starts_with("using the local simulator"));

    let output = local()
        .args(["--base-url", "http://127.0.0.1:9/v1", "tasks", "list"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn sim_serve_serves_another_process() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("served.sqlite3");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("rebyte"))
        .env_remove("REBYTE_API_KEY")
        .env("NO_COLOR", "1")
        .args(["sim", "serve", "--port", "0", "--provision", "2ms"])
        .args(["--prompt-duration", "20ms", "--state"])
        .arg(&state)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let child = KillOnDrop(child);
    let base = lines.next().unwrap().unwrap();
    let key = lines.next().unwrap().unwrap();
    let base = base
        .strip_prefix("export REBYTE_BASE_URL=")
        .unwrap()
        .to_owned();
    let key = key
        .strip_prefix("export REBYTE_API_KEY=")
        .unwrap()
        .to_owned();
    assert!(key.starts_with("rbk_sim_"));

    let run = |args: &[&str]| {
        rebyte()
            .env("REBYTE_API_KEY", &key)
            .env("REBYTE_BASE_URL", &base)
            .args(args)
            .output()
            .unwrap()
    };
    let output = run(&[
        "run",
        "--wait",
        "--interval",
        "5ms",
        "--json",
        "Served task",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["task"]["status"], "completed");
    let id = value["task"]["id"].as_str().unwrap().to_owned();

    let outputs = vec![
        run(&["tasks", "list", "-q"]),
        run(&["tasks", "watch", &id, "-q"]),
        run(&["tasks", "share", &id, "-q"]),
        run(&[
            "tasks",
            "follow-up",
            &id,
            "More",
            "--wait",
            "--interval",
            "5ms",
            "-q",
        ]),
        run(&["tasks", "cancel", &id]),
        run(&["tasks", "open", &id]),
        run(&["tasks", "delete", &id]),
    ];
    drop(child);
    for output in &outputs {
        assert!(output.status.success(), "{}", stderr(output));
    }
    assert_eq!(stdout(&outputs[0]), format!("{id}\n"));
    assert!(stdout(&outputs[2]).contains(&format!("/share/{id}")));
}

#[test]
fn sim_serve_accepts_the_key_from_the_environment_without_printing_it() {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("rebyte"))
        .env("REBYTE_API_KEY", KEY)
        .env("NO_COLOR", "1")
        .args(["sim", "serve", "--port", "0", "--in-memory"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut err = child.stderr.take().unwrap();
    let child = KillOnDrop(child);
    let base = lines.next().unwrap().unwrap();
    let base = base
        .strip_prefix("export REBYTE_BASE_URL=")
        .unwrap()
        .to_owned();
    let output = rebyte()
        .env("REBYTE_API_KEY", KEY)
        .env("REBYTE_BASE_URL", &base)
        .args(["tasks", "list", "--json"])
        .output()
        .unwrap();
    drop(child);
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let mut said = String::new();
    std::io::Read::read_to_string(&mut err, &mut said).unwrap();
    assert!(
        said.contains("accepting the key in REBYTE_API_KEY"),
        "{said}"
    );
    assert!(!said.contains(KEY));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(rest.iter().all(|l| !l.contains(KEY)), "{rest:?}");
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = rebyte().args(["completions", shell]).output().unwrap();
        assert!(output.status.success(), "{shell}");
        assert!(stdout(&output).contains("follow-up"), "{shell}");
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_while_waiting_stops_cleanly_and_can_cancel() {
    let sim = Sim::start();
    for cancel in [false, true] {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("rebyte"));
        cmd.env("REBYTE_API_KEY", KEY)
            .env("NO_COLOR", "1")
            .args(["--base-url", &sim.base, "run", "--wait", "-q"])
            .args(["--interval", "5ms"])
            .arg(format!("Hang {}", rebyte_sim::HANG_MARKER))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if cancel {
            cmd.arg("--cancel-on-interrupt");
        }
        let mut child = cmd.spawn().unwrap();
        // The URL is printed before the wait starts; the handler is installed before that.
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut url = String::new();
        out.read_line(&mut url).unwrap();
        let id = url.trim().rsplit('/').next().unwrap().to_owned();
        let status = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(130));
        let err = stderr(&output);
        assert_eq!(err.lines().count(), 1, "{err}");
        if cancel {
            assert_eq!(err, format!("interrupted: canceled task {id}\n"));
            let output = sim
                .rebyte()
                .args(["tasks", "get", &id, "--json"])
                .output()
                .unwrap();
            let task: Value = serde_json::from_slice(&output.stdout).unwrap();
            assert_eq!(task["status"], "canceled");
        } else {
            assert!(err.starts_with("interrupted: stopped waiting"), "{err}");
        }
    }
}

/// `rebyte completions bash | head -1`: the reader closes the pipe early, which is not a bug.
#[test]
fn completions_into_a_closed_pipe_end_quietly() {
    for shell in ["bash", "zsh"] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("rebyte"))
            .args(["completions", shell])
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before the program writes anything.
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        assert_eq!(stderr(&output), "", "{shell}");
        assert_eq!(output.status.code(), Some(0), "{shell}");
    }
}

/// The commands suggested under `--local` keep `--local`: without it they would need a key,
/// or reach the real service. The URLs printed live only as long as the command.
#[test]
fn local_suggestions_keep_local() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("sim.sqlite3");
    let output = rebyte()
        .env("REBYTE_LOCAL_STATE", &state)
        .args(["--local", "run", "Made locally"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let id = stdout(&output)
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("Task"))
        .unwrap()
        .trim()
        .to_owned();
    let err = stderr(&output);
    assert!(
        err.contains(&format!(
            "Follow it with `rebyte --local tasks watch {id}` or wait with `rebyte --local tasks wait {id}`."
        )),
        "{err}"
    );
    assert!(
        err.contains("The local simulator stops with this command, and its pages with it"),
        "{err}"
    );
}
