//! Fan out: run many prompts at once with bounded concurrency and collect the results.
//!
//! ```sh
//! REBYTE_API_KEY=rbk_... cargo run -p rebyte-client --example fan_out -- 10
//! ```

use futures_util::{StreamExt, stream};
use rebyte_client::{Client, CreateTaskRequest, WaitOptions};

/// How many tasks run at the same time.
const CONCURRENCY: usize = 4;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let count: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(6);
    let client = Client::from_env()?;
    let options = WaitOptions::default();
    let prompts: Vec<String> = (1..=count)
        .map(|n| format!("Write a one-line fun fact about the number {n}"))
        .collect();

    // Each job creates a task and waits for it; at most CONCURRENCY run at once. The
    // client is cheap to clone: every clone shares one connection pool.
    let results: Vec<_> = stream::iter(prompts)
        .map(|prompt| {
            let client = client.clone();
            let options = options.clone();
            async move {
                let created = client.create_task(&CreateTaskRequest::new(&prompt)).await?;
                let task = client.wait_for_task(&created.id, &options).await?;
                Ok::<_, rebyte_client::Error>((prompt, task))
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;

    let mut failures = 0;
    for result in results {
        match result {
            Ok((prompt, task)) => println!(
                "{} {} — {prompt}: {}",
                task.status,
                task.url,
                task.final_result.as_deref().unwrap_or("")
            ),
            Err(err) => {
                failures += 1;
                eprintln!("error: {err}");
            }
        }
    }
    if failures > 0 {
        return Err(format!("{failures} of {count} tasks failed").into());
    }
    Ok(())
}
