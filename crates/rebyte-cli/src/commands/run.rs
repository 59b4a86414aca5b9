//! `rebyte run`: the whole documented flow in one command.

use rebyte_types::{CreatedTask, Task, Visibility};
use serde::Serialize;

use crate::cli::RunArgs;
use crate::commands::{build_request, create_task, read_prompt, task_exit, wait, watch};
use crate::config::Context;
use crate::exit::{CliError, CliResult};
use crate::output::{self, CYAN, Mode, paint};

/// The width of the labels of `run`'s human output, so that its parts line up.
const LABEL_WIDTH: usize = 10;

/// Said at the end of `--local run`: the URLs printed point at this process.
const LOCAL_PAGES: &str = "The local simulator stops with this command, and its pages with it; `rebyte sim serve` serves them again.";

/// What `rebyte run --json` prints: the task as `GET /v1/tasks/:id` returns it, and the
/// share link when `--public` was given.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunOutput<'a> {
    /// The task.
    pub task: &'a Task,
    /// The public link, with `--public`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share_url: Option<&'a str>,
}

/// Creates the task, prints its live URL at once, shares it when asked, then watches or
/// waits and prints the outcome.
pub async fn run(ctx: &Context, args: RunArgs) -> CliResult {
    let printer = &ctx.printer;
    let prompt = read_prompt(&args.prompt)?;
    let progress = printer.spinner("preparing the task");
    let request = build_request(ctx, prompt, &args.create, &progress).await?;
    let created = create_task(ctx, &request, &progress).await?;
    // From here on Ctrl-C is handled (once the wait starts, it stops it cleanly).
    let _interrupts = (args.wait || args.watch).then(crate::interrupt::handle);
    progress.finish();
    follow(ctx, &args, &created).await.map_err(|err| {
        // The task exists whatever failed next: the error says which one, since `--json`
        // has printed nothing yet.
        if err.message.is_empty() || err.message.contains(created.id.as_str()) {
            err
        } else {
            CliError::new(
                err.exit,
                format!(
                    "{}; task {} was created: {}",
                    err.message, created.id, created.url
                ),
            )
        }
    })
}

/// Everything after the task exists: the live URL, sharing, watching or waiting, the outcome.
async fn follow(ctx: &Context, args: &RunArgs, created: &CreatedTask) -> CliResult {
    let printer = &ctx.printer;

    // The live URL goes out at once, before any waiting.
    match printer.mode() {
        Mode::Human => {
            printer.out(output::facts_aligned(
                &[
                    ("Task", created.id.to_string()),
                    ("Live view", paint(CYAN, &created.url)),
                ],
                LABEL_WIDTH,
            ));
        }
        Mode::Quiet => printer.out(&created.url),
        Mode::Json => {}
    }

    let share_url = if args.public {
        let shared = ctx
            .client
            .set_visibility(&created.id, Visibility::Public)
            .await?;
        let url = shared.share_url.unwrap_or_default();
        match printer.mode() {
            Mode::Human => printer.out(output::facts_aligned(
                &[("Share link", paint(CYAN, &url))],
                LABEL_WIDTH,
            )),
            Mode::Quiet => printer.out(&url),
            Mode::Json => {}
        }
        Some(url)
    } else {
        None
    };

    if !args.wait && !args.watch {
        let task = if printer.mode() == Mode::Json {
            Some(ctx.client.get_task(&created.id).await?)
        } else {
            None
        };
        match (printer.mode(), task) {
            (Mode::Json, Some(task)) => printer.json(&RunOutput {
                task: &task,
                share_url: share_url.as_deref(),
            }),
            (Mode::Human, _) => printer.note(format!(
                "The agent is working. Follow it with `{1} tasks watch {0}` or wait with `{1} tasks wait {0}`.",
                created.id,
                ctx.rebyte()
            )),
            _ => {}
        }
        if ctx.is_local() {
            printer.note(LOCAL_PAGES);
        }
        return Ok(());
    }

    let progress = printer.spinner(format!("{} · waiting", created.id));
    if args.watch {
        let human = printer.mode() == Mode::Human;
        let shown = progress.clone();
        watch(
            ctx,
            &created.id,
            args.wait_args.cancel_on_interrupt,
            &progress,
            |event| {
                let line = output::event(event);
                if human {
                    shown.suspend(|| printer.out(&line));
                } else {
                    shown.println(line);
                }
            },
        )
        .await?;
    }
    // After the events end the task may take a moment to read terminal; waiting settles it.
    let task = wait(
        ctx,
        &created.id,
        None,
        &args.wait_args,
        &progress,
        !args.watch,
    )
    .await?;
    match printer.mode() {
        Mode::Json => printer.json(&RunOutput {
            task: &task,
            share_url: share_url.as_deref(),
        }),
        Mode::Human => printer.out(format!("\n{}", output::outcome(&task, LABEL_WIDTH))),
        Mode::Quiet => {}
    }
    if ctx.is_local() {
        printer.note(LOCAL_PAGES);
    }
    task_exit(&task)
}
