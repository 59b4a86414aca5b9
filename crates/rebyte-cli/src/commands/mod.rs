//! The commands, and what they share: reading prompts, building create requests, waiting
//! and watching with Ctrl-C handling, and the exit code of a finished task.

mod batch;
mod files;
mod run;
#[cfg(feature = "local")]
mod sim;
mod tasks;

use std::io::Read;
use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use rebyte_client::LiveEvent;
use rebyte_types::{
    CreateTaskRequest, CreatedTask, DoneEvent, Executor, PromptId, PromptStatus, Task, TaskEvent,
    TaskId, TaskStatus, Validate, WorkspaceId,
};

use crate::cli::{Cli, Command, CreateArgs, PromptArgs, TasksCommand, WaitArgs};
use crate::config::{self, ConnectOptions, Context};
use crate::exit::{CliError, CliResult, Exit};
use crate::output::{self, Printer, Progress};

/// Runs the parsed command line.
pub async fn dispatch(cli: Cli, base_url_on_command_line: bool, printer: Printer) -> CliResult {
    let stdin_taken = reads_stdin(&cli.command);
    let options = ConnectOptions {
        global: &cli.global,
        base_url_on_command_line,
        stdin_taken,
    };
    match cli.command {
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            // Into memory first: clap_complete panics when its writer fails, and a reader
            // that stops early (`| head`) closes the pipe.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "rebyte", &mut script);
            write_stdout(&script)
        }
        #[cfg(feature = "local")]
        Command::Sim(crate::cli::SimCommand::Serve(args)) => sim::serve(args, printer).await,
        #[cfg(not(feature = "local"))]
        Command::Sim(_) => Err(CliError::config(
            "this build of rebyte has no built-in simulator (it was built without the `local` feature)",
        )),
        Command::Run(args) => {
            let ctx = config::connect(options, printer).await?;
            run::run(&ctx, args).await
        }
        Command::Tasks(command) => {
            let ctx = config::connect(options, printer).await?;
            tasks::tasks(&ctx, command).await
        }
        Command::Files(command) => {
            let ctx = config::connect(options, printer).await?;
            files::files(&ctx, command).await
        }
        Command::Batch(args) => {
            let ctx = config::connect(options, printer).await?;
            batch::batch(&ctx, args).await
        }
    }
}

/// Writes `bytes` to stdout. Like every result the printer writes, a failed write (a reader
/// that stopped early, as `| head` does) is not worth a message.
fn write_stdout(bytes: &[u8]) -> CliResult {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(bytes).and_then(|()| stdout.flush());
    Ok(())
}

/// Whether the command reads its input from stdin (so the key cannot come from there too).
fn reads_stdin(command: &Command) -> bool {
    let prompt_is_stdin = |p: &PromptArgs| p.prompt.as_deref() == Some("-");
    match command {
        Command::Run(args) => prompt_is_stdin(&args.prompt),
        Command::Tasks(TasksCommand::Create { prompt, .. })
        | Command::Tasks(TasksCommand::FollowUp { prompt, .. }) => prompt_is_stdin(prompt),
        Command::Batch(args) => args.file == Path::new("-"),
        _ => false,
    }
}

/// The reason of an I/O error, without the "(os error 2)" noise.
pub fn io_reason(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error") {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    }
}

/// Reads the prompt from the argument, `-` (stdin) or `--prompt-file`.
pub fn read_prompt(args: &PromptArgs) -> CliResult<String> {
    let text = match (&args.prompt, &args.prompt_file) {
        (Some(dash), None) if dash == "-" => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).map_err(|e| {
                CliError::usage(format!(
                    "cannot read the prompt from stdin: {}",
                    io_reason(&e)
                ))
            })?;
            text
        }
        (Some(text), None) => text.clone(),
        (None, Some(path)) => read_text_file(path, "prompt file")?,
        (None, None) => {
            return Err(CliError::usage(
                "no prompt: give it as an argument, with --prompt-file PATH, or `-` to read stdin",
            ));
        }
        (Some(_), Some(_)) => {
            return Err(CliError::usage(
                "give the prompt either as an argument or with --prompt-file, not both",
            ));
        }
    };
    // A file or a pipe usually ends with a newline that is not part of the prompt.
    let trimmed = text.trim_end_matches(['\n', '\r']);
    Ok(trimmed.to_owned())
}

/// Reads a UTF-8 text file given by the user; `what` names it in the error line.
pub(crate) fn read_text_file(path: &Path, what: &str) -> CliResult<String> {
    let bytes = std::fs::read(path).map_err(|e| {
        CliError::usage(format!(
            "cannot read the {what} `{}`: {}",
            path.display(),
            io_reason(&e)
        ))
    })?;
    String::from_utf8(bytes)
        .map_err(|_| CliError::usage(format!("the {what} `{}` is not UTF-8 text", path.display())))
}

/// Checks that a file exists and can be read, with a clear message when not.
pub fn check_readable(path: &PathBuf) -> CliResult {
    let meta = std::fs::metadata(path).map_err(|e| {
        CliError::usage(format!(
            "cannot read the file `{}`: {}",
            path.display(),
            io_reason(&e)
        ))
    })?;
    if meta.is_dir() {
        return Err(CliError::usage(format!(
            "cannot upload `{}`: it is a directory",
            path.display()
        )));
    }
    std::fs::File::open(path).map_err(|e| {
        CliError::usage(format!(
            "cannot read the file `{}`: {}",
            path.display(),
            io_reason(&e)
        ))
    })?;
    Ok(())
}

/// Parses a task id, with the id type's own message when it is unsafe.
pub fn task_id(raw: &str) -> CliResult<TaskId> {
    raw.parse::<TaskId>().map_err(CliError::from)
}

/// Builds and validates a create request from the flags, uploading `--file`s last (only
/// once everything else is known to be valid).
pub async fn build_request(
    ctx: &Context,
    prompt: String,
    args: &CreateArgs,
    progress: &Progress,
) -> CliResult<CreateTaskRequest> {
    let mut request = CreateTaskRequest::new(prompt);
    if let Some(executor) = &args.executor {
        request = request.executor(
            executor
                .parse::<Executor>()
                .map_err(|e| CliError::usage(e.to_string()))?,
        );
    }
    if let Some(model) = &args.model {
        request = request.model(model.clone());
    }
    for skill in &args.skills {
        request = request.skill(skill.clone());
    }
    if let Some(repo) = &args.repo {
        request = request.github_url(repo.clone());
    }
    if let Some(branch) = &args.branch {
        request = request.branch_name(branch.clone());
    }
    if let Some(workspace) = &args.workspace {
        request = request.workspace_id(workspace.parse::<WorkspaceId>()?);
    }
    request.validate()?;
    for path in &args.files {
        check_readable(path)?;
    }
    for path in &args.files {
        progress.set(format!("uploading {}", path.display()));
        let file = ctx.client.upload_file(path).await?;
        request = request.file(file);
    }
    request.validate()?;
    Ok(request)
}

/// Creates the task. Creating blocks until a VM is provisioned, which can take a while, so
/// Ctrl-C meanwhile stops with a line saying the task may exist all the same (the request
/// may have reached the service) and where to look.
pub async fn create_task(
    ctx: &Context,
    request: &CreateTaskRequest,
    progress: &Progress,
) -> CliResult<CreatedTask> {
    progress.set("creating the task (provisioning a VM)");
    tokio::select! {
        result = ctx.client.create_task(request) => {
            result.map_err(|e| {
                let look = format!("{} tasks list", ctx.rebyte());
                creation_error(e, "the task may have been created", &look)
            })
        }
        () = crate::interrupt::interrupted() => {
            progress.finish();
            ctx.printer.warn(format!(
                "interrupted while creating the task; it may have been created all the same: \
                 check with `{} tasks list`",
                ctx.rebyte()
            ));
            Err(CliError::silent(Exit::Interrupted))
        }
    }
}

/// The error of a call that creates something (a task, a follow-up prompt) that the API has
/// no idempotency key for. When the request may have reached the server (an answer that
/// could not be read, a broken connection, a timeout, a 5xx) the thing may exist all the
/// same, and the line says so (`what`: "the task may have been created") and where to look,
/// so that nobody creates it twice by mistake.
pub fn creation_error(err: rebyte_client::Error, what: &str, look: &str) -> CliError {
    use rebyte_client::Error;
    let unsure = match &err {
        Error::Decode { .. } | Error::Timeout { .. } => true,
        Error::Transport { .. } => !err.is_connect(),
        Error::Api { status, .. } | Error::UnexpectedResponse { status, .. } => *status >= 500,
        _ => false,
    };
    let mut err = CliError::from(err);
    if unsure {
        err.message = format!("{}; {what} all the same: check with `{look}`", err.message);
    }
    err
}

/// The exit of a task that ended: 0, 4 (failed) or 5 (canceled).
pub fn task_exit(task: &Task) -> CliResult {
    match task.status.outcome() {
        Some(TaskStatus::Failed) => Err(CliError::new(
            Exit::TaskFailed,
            format!("task {} failed", task.id),
        )),
        Some(TaskStatus::Canceled) => Err(CliError::new(
            Exit::TaskCanceled,
            format!("task {} was canceled", task.id),
        )),
        _ => Ok(()),
    }
}

/// The exit of a prompt that ended, from an event stream's `done`.
pub fn done_exit(task: &TaskId, done: &DoneEvent) -> CliResult {
    match &done.status {
        PromptStatus::Failed => Err(CliError::new(
            Exit::TaskFailed,
            format!("task {task} failed"),
        )),
        PromptStatus::Canceled => Err(CliError::new(
            Exit::TaskCanceled,
            format!("task {task} was canceled"),
        )),
        PromptStatus::Unknown(raw) if raw == "cancelled" => Err(CliError::new(
            Exit::TaskCanceled,
            format!("task {task} was canceled"),
        )),
        _ => Ok(()),
    }
}

/// What Ctrl-C does: stop, after cancelling the task when asked.
async fn on_interrupt(ctx: &Context, id: &TaskId, cancel: bool, progress: &Progress) -> CliError {
    progress.finish();
    let printer = &ctx.printer;
    if cancel {
        match ctx.client.cancel_task(id).await {
            Ok(()) => printer.warn(format!("interrupted: canceled task {id}")),
            Err(err) => printer.warn(format!(
                "interrupted: could not cancel task {id}: {}",
                crate::errors::from_client(err)
            )),
        }
    } else {
        printer.warn(format!(
            "interrupted: stopped waiting; task {id} keeps running ({} tasks wait {id})",
            ctx.rebyte()
        ));
    }
    CliError::silent(Exit::Interrupted)
}

/// Waits for the task (or one prompt) to end, showing progress on stderr: the status and
/// prompt states in the spinner, and the agent's events above it. Ctrl-C stops cleanly.
///
/// With `follow_events`, the live event stream runs beside the polls: its events are drawn
/// on a terminal, and its `done` ends the wait at once instead of at the next poll, which
/// can be seconds away.
pub async fn wait(
    ctx: &Context,
    id: &TaskId,
    prompt: Option<&PromptId>,
    args: &WaitArgs,
    progress: &Progress,
    follow_events: bool,
) -> CliResult<Task> {
    let options = args.options();
    let spinner = progress.clone();
    let on_poll = move |task: &Task| spinner.set(output::wait_message(task));
    let waiting = async {
        match prompt {
            Some(prompt) => {
                ctx.client
                    .wait_for_prompt_with(id, prompt, &options, on_poll)
                    .await
            }
            None => ctx.client.wait_for_task_with(id, &options, on_poll).await,
        }
    };
    let ended = |task: &Task| match prompt {
        Some(prompt) => task.prompt(prompt).is_some_and(|p| p.status.is_terminal()),
        None => task.is_finished(),
    };
    let events = async {
        if follow_events {
            let stream = ctx.client.events(id);
            futures_util::pin_mut!(stream);
            let mut done = false;
            while let Some(Ok(item)) = stream.next().await {
                match item {
                    // Above the spinner, only when it is drawn.
                    LiveEvent::Event(event) => progress.println(output::event(&event)),
                    LiveEvent::Done(_) => {
                        done = true;
                        break;
                    }
                }
            }
            // The prompt has ended; the task may take a moment to read so. The polls go on
            // meanwhile, so a `done` that came too early costs nothing.
            for _ in 0..SETTLE_READS {
                if !done {
                    break;
                }
                if let Ok(task) = ctx.client.get_task(id).await
                    && ended(&task)
                {
                    return task;
                }
                tokio::time::sleep(SETTLE_PAUSE).await;
            }
        }
        std::future::pending::<Task>().await
    };
    tokio::select! {
        result = waiting => {
            progress.finish();
            result.map_err(|err| {
                let mut err = CliError::from(err);
                if err.exit == Exit::WaitTimeout {
                    // Say how to pick the wait up again, with the id a script may not have.
                    err.message = format!("{}: {} tasks wait {id}", err.message, ctx.rebyte());
                }
                err
            })
        }
        () = crate::interrupt::interrupted() => {
            Err(on_interrupt(ctx, id, args.cancel_on_interrupt, progress).await)
        }
        task = events => {
            progress.finish();
            Ok(task)
        }
    }
}

/// How often, after the event stream's `done`, the task is read until it reads ended.
const SETTLE_READS: u32 = 20;
/// The pause between those reads.
const SETTLE_PAUSE: std::time::Duration = std::time::Duration::from_millis(250);

/// Streams the task's live events to `sink` until `done`. Ctrl-C stops cleanly.
pub async fn watch(
    ctx: &Context,
    id: &TaskId,
    cancel_on_interrupt: bool,
    progress: &Progress,
    mut sink: impl FnMut(&TaskEvent),
) -> CliResult<Option<DoneEvent>> {
    let streaming = async {
        let stream = ctx.client.events(id);
        futures_util::pin_mut!(stream);
        while let Some(item) = stream.next().await {
            match item? {
                LiveEvent::Event(event) => sink(&event),
                LiveEvent::Done(done) => return Ok::<_, CliError>(Some(done)),
            }
        }
        Ok(None)
    };
    tokio::select! {
        result = streaming => {
            progress.finish();
            result
        }
        () = crate::interrupt::interrupted() => {
            Err(on_interrupt(ctx, id, cancel_on_interrupt, progress).await)
        }
    }
}
