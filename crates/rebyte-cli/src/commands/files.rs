//! `rebyte files upload`.

use crate::cli::FilesCommand;
use crate::commands::check_readable;
use crate::config::Context;
use crate::exit::CliResult;
use crate::output::{self, Mode};

/// Runs a `files` subcommand.
pub async fn files(ctx: &Context, command: FilesCommand) -> CliResult {
    let printer = &ctx.printer;
    match command {
        FilesCommand::Upload { path } => {
            check_readable(&path)?;
            let progress = printer.spinner(format!("uploading {}", path.display()));
            let file = ctx.client.upload_file(&path).await?;
            progress.finish();
            match printer.mode() {
                Mode::Json => printer.json(&file),
                Mode::Quiet => printer.out(&file.id),
                Mode::Human => {
                    printer.out(output::facts(&[
                        ("File", file.id.to_string()),
                        ("Name", file.filename.clone()),
                    ]));
                    printer.note(format!(
                        "In the task's VM it appears at /code/{}. Attach files to a new task with --file PATH.",
                        file.filename
                    ));
                }
            }
            Ok(())
        }
    }
}
