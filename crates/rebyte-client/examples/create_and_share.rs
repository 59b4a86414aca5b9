//! Create a task, hand its live URL to a person at once, and make it public.
//!
//! ```sh
//! REBYTE_API_KEY=rbk_... cargo run -p rebyte-client --example create_and_share -- "Write a haiku about Rust"
//! ```

use rebyte_client::{Client, CreateTaskRequest, Visibility};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let prompt = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "Write a haiku about Rust".to_owned());
    let client = Client::from_env()?;

    // Creating blocks until the VM is provisioned; the URL is live from then on.
    let created = client.create_task(&CreateTaskRequest::new(prompt)).await?;
    println!("task {} is running: {}", created.id, created.url);

    // Anyone with the share link can watch, read-only, without logging in.
    let shared = client
        .set_visibility(&created.id, Visibility::Public)
        .await?;
    if let Some(url) = shared.share_url {
        println!("share it: {url}");
    }
    Ok(())
}
