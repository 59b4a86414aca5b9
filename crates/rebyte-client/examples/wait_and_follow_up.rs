//! Create a task, wait for it, send a follow-up, and wait for *that prompt*.
//!
//! ```sh
//! REBYTE_API_KEY=rbk_... cargo run -p rebyte-client --example wait_and_follow_up
//! ```

use rebyte_client::{Client, CreateTaskRequest, FollowUpRequest, TaskStatus, WaitOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    let options = WaitOptions::default();

    let created = client
        .create_task(&CreateTaskRequest::new(
            "Create fizzbuzz.py that prints FizzBuzz from 1 to 30",
        ))
        .await?;
    println!("watch: {}", created.url);

    let task = client
        .wait_for_task_with(&created.id, &options, |task| {
            eprintln!("  … {}", task.status);
        })
        .await?;
    println!("first prompt: {}", task.status);
    if task.status.outcome() != Some(TaskStatus::Completed) {
        return Err(format!("the task ended {}", task.status).into());
    }

    // Just after a follow-up the task may still read `completed` from the first prompt:
    // wait for the new prompt, not for the task's status.
    let follow_up = client
        .follow_up(
            &created.id,
            &FollowUpRequest::new("Now add unit tests for fizzbuzz.py"),
        )
        .await?;
    let task = client
        .wait_for_prompt(&created.id, &follow_up.prompt_id, &options)
        .await?;
    println!("follow-up: {}", task.status);
    if let Some(result) = task.final_result {
        println!("{result}");
    }
    Ok(())
}
