//! `rebyte batch`: many tasks from JSON Lines, with bounded concurrency.

use std::io::Read;
use std::path::Path;

use futures_util::StreamExt;
use rebyte_types::{CreateTaskRequest, CreatedTask, Task, Validate, Visibility};
use serde::Serialize;

use crate::cli::BatchArgs;
use crate::commands::{creation_error, io_reason, read_text_file, task_exit};
use crate::config::Context;
use crate::exit::{CliError, CliResult, Exit};

/// One output line: the result for one input line.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchResult {
    /// The input line, counting from 1.
    pub line: usize,
    /// Whether the task was created (and, with `--wait`, completed).
    pub ok: bool,
    /// The created task; with `--wait`, the task as it ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<BatchTask>,
    /// The public link, with `--public`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share_url: Option<String>,
    /// What went wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<BatchError>,
}

/// The task of one line, as the API answered it.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum BatchTask {
    /// The answer of `POST /v1/tasks`.
    Created(CreatedTask),
    /// The task as `GET /v1/tasks/:id` returned it at the end of the wait.
    Ended(Box<Task>),
}

/// The error of one line.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchError {
    /// The exit code the same failure has as a single command.
    pub exit_code: u8,
    /// One line saying what went wrong.
    pub message: String,
}

#[derive(Debug, Default)]
struct Tally {
    ok: usize,
    failed: usize,
    created: usize,
}

/// Reads the lines, works on them `--concurrency` at a time, prints each result as it
/// comes, and a summary on stderr.
pub async fn batch(ctx: &Context, args: BatchArgs) -> CliResult {
    let text = read_input(&args.file)?;
    let lines: Vec<(usize, String)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l.to_owned()))
        .collect();
    if lines.is_empty() {
        return Err(CliError::usage(format!(
            "`{}` has no lines to run",
            args.file.display()
        )));
    }
    let total = lines.len();
    let progress = ctx
        .printer
        .spinner(format!("0/{total} done, concurrency {}", args.concurrency));
    let args = &args;
    let mut results = futures_util::stream::iter(lines)
        .map(|(line, text)| one(ctx, line, text, args))
        .buffer_unordered(args.concurrency as usize);
    let mut tally = Tally::default();
    let mut done = 0;
    let work = async {
        while let Some(result) = results.next().await {
            done += 1;
            if result.ok {
                tally.ok += 1;
            } else {
                tally.failed += 1;
            }
            if result.task.is_some() {
                tally.created += 1;
            }
            progress.suspend(|| ctx.printer.json_line(&result));
            progress.set(format!("{done}/{total} done, {} not ok", tally.failed));
        }
    };
    tokio::select! {
        () = work => {}
        () = crate::interrupt::interrupted() => {
            progress.finish();
            ctx.printer.note(format!(
                "interrupted after {done} of {total} lines; tasks already created keep running"
            ));
            return Err(CliError::silent(Exit::Interrupted));
        }
    }
    progress.finish();
    let mut summary = format!(
        "batch: {total} lines, {} ok, {} not ok; {} tasks created",
        tally.ok, tally.failed, tally.created
    );
    if args.wait {
        summary.push_str(" and waited for");
    }
    // For people, on stderr; --quiet leaves it out.
    ctx.printer.note(summary);
    if tally.failed > 0 {
        Err(CliError::silent(Exit::BatchIncomplete))
    } else {
        Ok(())
    }
}

fn read_input(path: &Path) -> CliResult<String> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CliError::usage(format!("cannot read stdin: {}", io_reason(&e))))?;
        return Ok(text);
    }
    read_text_file(path, "batch file")
}

async fn one(ctx: &Context, line: usize, text: String, args: &BatchArgs) -> BatchResult {
    let mut result = BatchResult {
        line,
        ok: false,
        task: None,
        share_url: None,
        error: None,
    };
    let fail = |result: &mut BatchResult, err: CliError| {
        result.error = Some(BatchError {
            exit_code: err.exit.code(),
            message: err.message,
        });
    };
    let request = match parse_line(&text) {
        Ok(request) => request,
        Err(err) => {
            fail(&mut result, err);
            return result;
        }
    };
    let created = match ctx.client.create_task(&request).await {
        Ok(created) => created,
        Err(err) => {
            fail(
                &mut result,
                creation_error(
                    err,
                    "the task may have been created",
                    &format!("{} tasks list", ctx.rebyte()),
                ),
            );
            return result;
        }
    };
    result.task = Some(BatchTask::Created(created.clone()));
    if args.public {
        match ctx
            .client
            .set_visibility(&created.id, Visibility::Public)
            .await
        {
            Ok(shared) => result.share_url = shared.share_url,
            Err(err) => {
                fail(&mut result, err.into());
                return result;
            }
        }
    }
    if args.wait {
        let options = crate::cli::wait_options(args.timeout, args.interval);
        match ctx
            .client
            .wait_for_task_with(&created.id, &options, |_| {})
            .await
        {
            Ok(task) => {
                let outcome = task_exit(&task);
                result.task = Some(BatchTask::Ended(Box::new(task)));
                if let Err(err) = outcome {
                    fail(&mut result, err);
                    return result;
                }
            }
            Err(err) => {
                fail(&mut result, err.into());
                return result;
            }
        }
    }
    result.ok = true;
    result
}

/// Reads one input line: the body of `POST /v1/tasks`, checked as strictly as the flags.
fn parse_line(text: &str) -> CliResult<CreateTaskRequest> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| CliError::usage(format!("not JSON: {e}")))?;
    if !value.is_object() {
        return Err(CliError::usage(
            "not a JSON object; each line is an object with at least a `prompt`",
        ));
    }
    if value.get("prompt").is_none() {
        return Err(CliError::usage("the object has no `prompt`"));
    }
    let request: CreateTaskRequest = serde_json::from_value(value)
        .map_err(|e| CliError::usage(format!("not a task request: {e}")))?;
    if let Some(executor) = &request.executor
        && !executor.is_known()
    {
        return Err(CliError::usage(
            executor
                .as_str()
                .parse::<rebyte_types::Executor>()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_else(|| format!("unknown executor `{executor}`")),
        ));
    }
    request.validate()?;
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_checked() {
        assert!(parse_line(r#"{"prompt":"hi","skills":["pdf"]}"#).is_ok());
        let err = |t: &str| parse_line(t).err().map(|e| e.message).unwrap_or_default();
        assert!(err("{").starts_with("not JSON"));
        assert!(err("[1]").starts_with("not a JSON object"));
        assert_eq!(err("{}"), "the object has no `prompt`");
        assert_eq!(
            err(r#"{"prompt":" "}"#),
            "invalid `prompt`: the prompt is empty"
        );
        assert!(err(r#"{"prompt":"x","executor":"claud"}"#).starts_with("unknown executor"));
        assert!(err(r#"{"prompt":5}"#).starts_with("not a task request"));
    }
}
