//! Upload a file and create a task that uses it; in the task's VM it is at
//! `/code/<filename>`.
//!
//! ```sh
//! REBYTE_API_KEY=rbk_... cargo run -p rebyte-client --example attach_file -- data.csv
//! ```

use rebyte_client::{Client, CreateTaskRequest};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(path) = std::env::args().nth(1) else {
        return Err("usage: attach_file <path>".into());
    };
    let client = Client::from_env()?;

    // Asks for an upload slot, then streams the file to it (without the API key).
    let file = client.upload_file(&path).await?;
    println!("uploaded as {} ({})", file.filename, file.id);

    let prompt = format!("Summarise /code/{} in five bullet points", file.filename);
    let created = client
        .create_task(
            &CreateTaskRequest::new(prompt)
                .file(file)
                .skill("data-analysis"),
        )
        .await?;
    println!("watch: {}", created.url);
    Ok(())
}
