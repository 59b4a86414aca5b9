//! Serves a simulator on `127.0.0.1:PORT` (default 8080), in memory or on the SQLite file
//! given as second argument, with the key
//! `rbk_sim_local` and one task already created, printing that task's id: handy for load
//! tests such as `wrk -H 'API_KEY: rbk_sim_local' http://127.0.0.1:8080/v1/tasks/ID`.
//! Stops on Ctrl-C.
//!
//! ```sh
//! cargo run --release -p rebyte-sim --example serve -- 8080 [STATE_FILE]
//! ```

use rebyte_sim::{SimConfig, Simulator};
use rebyte_types::CreateTaskRequest;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = match std::env::args().nth(1) {
        Some(p) => p.parse()?,
        None => 8080,
    };
    let sim = match std::env::args().nth(2) {
        Some(path) => Simulator::open(std::path::Path::new(&path), SimConfig::demo())?,
        None => Simulator::in_memory(SimConfig::demo())?,
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let origin = format!("http://{}", listener.local_addr()?);
    let task = sim.create_task(&origin, &CreateTaskRequest::new("Benchmark task"))?;
    sim.follow_up(
        &task.id,
        &rebyte_types::FollowUpRequest::new("and a follow-up"),
    )?;
    println!("{}", task.id);
    println!("base URL {origin}/v1, key {}", rebyte_sim::DEFAULT_API_KEY);
    rebyte_sim::serve(listener, sim, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
