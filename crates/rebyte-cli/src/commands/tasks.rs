//! `rebyte tasks …`.

use futures_util::StreamExt;
use rebyte_types::{FollowUpRequest, ListTasksQuery, PromptId, TaskSummary, Validate, Visibility};
use serde::Serialize;
use time::OffsetDateTime;

use crate::cli::TasksCommand;
use crate::commands::{
    build_request, create_task, creation_error, done_exit, read_prompt, task_exit, task_id, wait,
    watch,
};
use crate::config::Context;
use crate::exit::{CliError, CliResult};
use crate::output::{self, CYAN, Mode, paint};

/// What `--json` prints for `cancel` and `delete`, which answer with no body.
#[derive(Debug, Serialize)]
struct Done<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    canceled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deleted: Option<bool>,
}

/// One line of `rebyte tasks watch --json`: the SSE event name and its data.
#[derive(Debug, Serialize)]
struct WatchLine<'a, T: Serialize> {
    event: &'a str,
    data: &'a T,
}

/// Runs a `tasks` subcommand.
pub async fn tasks(ctx: &Context, command: TasksCommand) -> CliResult {
    let printer = &ctx.printer;
    let now = OffsetDateTime::now_utc();
    match command {
        TasksCommand::Create { prompt, create } => {
            let prompt = read_prompt(&prompt)?;
            let progress = printer.spinner("preparing the task");
            let request = build_request(ctx, prompt, &create, &progress).await?;
            let created = create_task(ctx, &request, &progress).await?;
            progress.finish();
            match printer.mode() {
                Mode::Json => printer.json(&created),
                Mode::Quiet => printer.out(&created.id),
                Mode::Human => printer.out(output::created_task(&created)),
            }
            Ok(())
        }
        TasksCommand::Get { id } => {
            let id = task_id(&id)?;
            let task = ctx.client.get_task(&id).await?;
            match printer.mode() {
                Mode::Json => printer.json(&task),
                Mode::Quiet => printer.out(&task.url),
                Mode::Human => printer.out(output::task(&task, now)),
            }
            Ok(())
        }
        TasksCommand::List { limit, offset, all } => {
            let query = ListTasksQuery::page(limit, offset);
            query.validate()?;
            if all {
                let stream = ctx.client.list_all_tasks(limit);
                futures_util::pin_mut!(stream);
                let mut tasks: Vec<TaskSummary> = Vec::new();
                while let Some(item) = stream.next().await {
                    tasks.push(item?);
                }
                match printer.mode() {
                    Mode::Json => printer.json(&tasks),
                    Mode::Quiet => tasks.iter().for_each(|t| printer.out(&t.id)),
                    Mode::Human if tasks.is_empty() => printer.note("No tasks."),
                    Mode::Human => {
                        printer.out(output::task_table(&tasks, now));
                    }
                }
                return Ok(());
            }
            let page = ctx.client.list_tasks(query).await?;
            match printer.mode() {
                Mode::Json => printer.json(&page),
                Mode::Quiet => page.data.iter().for_each(|t| printer.out(&t.id)),
                Mode::Human if page.data.is_empty() => printer.note(format!(
                    "No tasks{}.",
                    if page.offset > 0 {
                        " at this offset"
                    } else {
                        ""
                    }
                )),
                Mode::Human => {
                    printer.out(output::task_table(&page.data, now));
                    let shown_to = page.offset + page.data.len() as u64;
                    if shown_to < page.total {
                        printer.note(format!(
                            "{}-{} of {}; next page: --offset {}",
                            page.offset + 1,
                            shown_to,
                            page.total,
                            shown_to
                        ));
                    }
                }
            }
            Ok(())
        }
        TasksCommand::FollowUp {
            id,
            prompt,
            skills,
            wait: wait_for_it,
            wait_args,
        } => {
            let id = task_id(&id)?;
            let mut request = FollowUpRequest::new(read_prompt(&prompt)?);
            for skill in skills {
                request = request.skill(skill);
            }
            request.validate()?;
            let answer = ctx.client.follow_up(&id, &request).await.map_err(|e| {
                creation_error(
                    e,
                    "the prompt may have been sent",
                    &format!("{} tasks get {id}", ctx.rebyte()),
                )
            })?;
            let _interrupts = wait_for_it.then(crate::interrupt::handle);
            if !wait_for_it {
                match printer.mode() {
                    Mode::Json => printer.json(&answer),
                    Mode::Quiet => printer.out(&answer.prompt_id),
                    Mode::Human => printer.out(output::facts(&[
                        ("Task", id.to_string()),
                        ("Prompt", answer.prompt_id.to_string()),
                    ])),
                }
                return Ok(());
            }
            if printer.mode() == Mode::Human {
                printer.out(output::facts(&[
                    ("Task", id.to_string()),
                    ("Prompt", answer.prompt_id.to_string()),
                ]));
            }
            let progress =
                printer.spinner(format!("{id} · waiting for prompt {}", answer.prompt_id));
            let task = wait(
                ctx,
                &id,
                Some(&answer.prompt_id),
                &wait_args,
                &progress,
                true,
            )
            .await?;
            match printer.mode() {
                Mode::Json => printer.json(&task),
                Mode::Quiet => printer.out(&answer.prompt_id),
                Mode::Human => printer.out(format!("\n{}", output::outcome(&task, 0))),
            }
            task_exit(&task)
        }
        TasksCommand::Wait {
            id,
            prompt,
            wait_args,
        } => {
            let id = task_id(&id)?;
            let prompt = prompt.map(|p| p.parse::<PromptId>()).transpose()?;
            let progress = printer.spinner(format!("{id} · waiting"));
            let task = wait(ctx, &id, prompt.as_ref(), &wait_args, &progress, true).await?;
            match printer.mode() {
                Mode::Json => printer.json(&task),
                Mode::Quiet => printer.out(&task.id),
                Mode::Human => printer.out(output::task(&task, OffsetDateTime::now_utc())),
            }
            task_exit(&task)
        }
        TasksCommand::Watch {
            id,
            cancel_on_interrupt,
        } => {
            let id = task_id(&id)?;
            let progress = printer.spinner(format!("{id} · watching"));
            let shown = progress.clone();
            let mode = printer.mode();
            let done = watch(
                ctx,
                &id,
                cancel_on_interrupt,
                &progress,
                |event| match mode {
                    Mode::Json => shown.suspend(|| {
                        printer.json_line(&WatchLine {
                            event: rebyte_types::SSE_EVENT,
                            data: event,
                        })
                    }),
                    Mode::Human => shown.suspend(|| printer.out(output::event(event))),
                    Mode::Quiet => {}
                },
            )
            .await?;
            let Some(done) = done else {
                return Err(CliError::api(
                    "the event stream ended before the task's prompt did",
                ));
            };
            match mode {
                Mode::Json => printer.json_line(&WatchLine {
                    event: rebyte_types::SSE_DONE,
                    data: &done,
                }),
                Mode::Human => {
                    printer.out(format!(
                        "{}  {}",
                        paint(output::BOLD, "done"),
                        output::prompt_status(&done.status)
                    ));
                    if let Some(result) = &done.final_result {
                        printer.out(output::plain(result));
                    }
                }
                Mode::Quiet => {}
            }
            done_exit(&id, &done)
        }
        TasksCommand::Share { id, visibility } => {
            let id = task_id(&id)?;
            let visibility: Visibility = visibility
                .parse()
                .map_err(|e: rebyte_types::UnknownValue| CliError::usage(e.to_string()))?;
            let answer = ctx.client.set_visibility(&id, visibility).await?;
            match printer.mode() {
                Mode::Json => printer.json(&answer),
                Mode::Quiet => {
                    if let Some(url) = &answer.share_url {
                        printer.out(url);
                    }
                }
                Mode::Human => {
                    let mut rows = vec![
                        ("Task", id.to_string()),
                        ("Visibility", output::clip(answer.visibility.as_str(), 40)),
                    ];
                    if let Some(url) = &answer.share_url {
                        rows.push(("Share link", paint(CYAN, url)));
                    }
                    printer.out(output::facts(&rows));
                }
            }
            Ok(())
        }
        TasksCommand::Cancel { id } => {
            let id = task_id(&id)?;
            ctx.client.cancel_task(&id).await?;
            match printer.mode() {
                Mode::Json => printer.json(&Done {
                    id: id.as_str(),
                    canceled: Some(true),
                    deleted: None,
                }),
                Mode::Quiet => {}
                Mode::Human => printer.out(format!("Canceled the running prompt of task {id}")),
            }
            Ok(())
        }
        TasksCommand::Delete { id } => {
            let id = task_id(&id)?;
            ctx.client.delete_task(&id).await?;
            match printer.mode() {
                Mode::Json => printer.json(&Done {
                    id: id.as_str(),
                    canceled: None,
                    deleted: Some(true),
                }),
                Mode::Quiet => {}
                Mode::Human => printer.out(format!("Deleted task {id}")),
            }
            Ok(())
        }
        TasksCommand::Open { id, web } => {
            let id = task_id(&id)?;
            let task = ctx.client.get_task(&id).await?;
            if web {
                match open_in_browser(&task.url) {
                    Ok(()) => {
                        printer.note(format!("Opened {} in the browser", task.url));
                        if printer.mode() == Mode::Json {
                            printer.json(&serde_json::json!({ "url": task.url }));
                        }
                        return Ok(());
                    }
                    Err(why) => {
                        printer.note(format!("could not open a browser ({why}); here is the URL"))
                    }
                }
            }
            match printer.mode() {
                Mode::Json => printer.json(&serde_json::json!({ "url": task.url })),
                _ => printer.out(&task.url),
            }
            Ok(())
        }
    }
}

/// Opens `url` with the platform's opener: `open` on macOS, `xdg-open` elsewhere on Unix,
/// `start` on Windows.
fn open_in_browser(url: &str) -> Result<(), String> {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    let status = command
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map_err(|e| crate::commands::io_reason(&e))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the opener exited with {status}"))
    }
}
