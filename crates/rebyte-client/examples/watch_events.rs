//! Watch a task's live execution events as the agent works.
//!
//! ```sh
//! REBYTE_API_KEY=rbk_... cargo run -p rebyte-client --example watch_events -- <task-id>
//! ```
//!
//! Without a task id, a new task is created first.

use futures_util::StreamExt;
use rebyte_client::{AgentEvent, Client, CreateTaskRequest, LiveEvent, TaskId};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    let id: TaskId = match std::env::args().nth(1) {
        Some(id) => id.parse()?,
        None => {
            let created = client
                .create_task(&CreateTaskRequest::new(
                    "List the files in /code and explain them",
                ))
                .await?;
            println!("watch: {}", created.url);
            created.id
        }
    };

    // Each event is yielded once even though every connection replays from the start.
    let mut events = std::pin::pin!(client.events(&id));
    while let Some(item) = events.next().await {
        match item? {
            LiveEvent::Event(event) => match event.agent_event() {
                AgentEvent::Text(text) => println!("[{}] {}", event.seq, text.content),
                AgentEvent::Thinking(text) => {
                    println!("[{}] (thinking) {}", event.seq, text.content)
                }
                AgentEvent::ToolUse(tool) => {
                    println!("[{}] → {} {}", event.seq, tool.name, tool.input)
                }
                AgentEvent::ToolResult(result) => println!("[{}] ← {}", event.seq, result.output),
                AgentEvent::Result(result) => println!("[{}] result: {}", event.seq, result.result),
                _ => println!("[{}] {}", event.seq, event.event_type),
            },
            LiveEvent::Done(done) => {
                println!("done: {}", done.status);
                if let Some(result) = done.final_result {
                    println!("{result}");
                }
            }
        }
    }
    Ok(())
}
