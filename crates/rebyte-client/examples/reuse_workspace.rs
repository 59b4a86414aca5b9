//! Reuse a workspace: a second task runs in the first one's VM, with its repository and git
//! state, and skips provisioning.
//!
//! ```sh
//! REBYTE_API_KEY=rbk_... cargo run -p rebyte-client --example reuse_workspace -- owner/repo
//! ```

use rebyte_client::{Client, CreateTaskRequest, WaitOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let repo = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "rebyte/examples".to_owned());
    let client = Client::from_env()?;
    let options = WaitOptions::default();

    let first = client
        .create_task(
            &CreateTaskRequest::new("Read the README and list the build steps").github_url(&repo),
        )
        .await?;
    println!(
        "first task: {} (workspace {})",
        first.url, first.workspace_id
    );
    let task = client.wait_for_task(&first.id, &options).await?;
    println!("first task ended {}", task.status);

    let second = client
        .create_task(
            &CreateTaskRequest::new("Run the build steps you listed and report failures")
                .workspace_id(first.workspace_id.clone()),
        )
        .await?;
    println!("second task, same VM: {}", second.url);
    let task = client.wait_for_task(&second.id, &options).await?;
    println!("second task ended {}", task.status);
    Ok(())
}
