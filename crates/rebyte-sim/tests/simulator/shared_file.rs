//! Several simulators on one SQLite file, writing at once, lose nothing.

use std::sync::Arc;

use rebyte_sim::{ManualClock, SimConfig, Simulator};
use rebyte_types::{CreateTaskRequest, FollowUpRequest, ListTasksQuery, TaskId, Visibility};

const ORIGIN: &str = "http://127.0.0.1:1";

#[test]
fn two_handles_writing_at_once_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite");
    let clock = ManualClock::default();
    let config = SimConfig::with_clock(Arc::new(clock.clone()));
    let a = Simulator::open(&path, config.clone()).unwrap();
    let b = Simulator::open(&path, config).unwrap();

    const THREADS: usize = 6;
    const PER_THREAD: usize = 40;
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let sim = if t % 2 == 0 { a.clone() } else { b.clone() };
            std::thread::spawn(move || {
                let mut ids = Vec::new();
                for i in 0..PER_THREAD {
                    let created = sim
                        .create_task(ORIGIN, &CreateTaskRequest::new(format!("t{t} #{i}")))
                        .unwrap();
                    sim.follow_up(&created.id, &FollowUpRequest::new("more"))
                        .unwrap();
                    ids.push(created.id);
                }
                ids
            })
        })
        .collect();
    let ids: Vec<TaskId> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    assert_eq!(ids.len(), THREADS * PER_THREAD);
    assert_eq!(a.task_count().unwrap(), THREADS * PER_THREAD);
    assert_eq!(b.task_count().unwrap(), THREADS * PER_THREAD);
    for id in &ids {
        // Every task and both its prompts are there, whichever handle wrote them.
        assert_eq!(b.get_task(ORIGIN, id).unwrap().prompts.len(), 2);
    }
    let page = a.list_tasks(ORIGIN, &ListTasksQuery::page(1, 0)).unwrap();
    assert_eq!(page.total as usize, THREADS * PER_THREAD);

    // Changes made through one handle are seen through the other, and survive a reopen.
    a.set_visibility(
        ORIGIN,
        &ids[0],
        &rebyte_types::SetVisibilityRequest {
            visibility: Visibility::Public,
        },
    )
    .unwrap();
    b.delete_task(&ids[1]).unwrap();
    assert!(a.get_task(ORIGIN, &ids[1]).is_err());
    drop((a, b));
    let reopened = Simulator::open(&path, SimConfig::with_clock(Arc::new(clock))).unwrap();
    assert_eq!(reopened.task_count().unwrap(), THREADS * PER_THREAD);
    let view = reopened.task_view(ORIGIN, &ids[0]).unwrap();
    assert_eq!(view.visibility, Visibility::Public);
}

#[tokio::test]
async fn upload_urls_are_accepted_by_another_process_sharing_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite");
    let clock = ManualClock::default();
    let a = Simulator::open(&path, SimConfig::with_clock(Arc::new(clock.clone()))).unwrap();
    let b = Simulator::open(&path, SimConfig::with_clock(Arc::new(clock.clone()))).unwrap();
    let server = crate::common::Harness::serve(b, clock).await;
    // A signs the URL for B's origin; B accepts it (the secret is in the shared file).
    let upload = a
        .create_file(
            &server.origin,
            &rebyte_types::CreateFileRequest::new("x.bin"),
        )
        .unwrap();
    let r = server
        .http()
        .put(&upload.upload_url)
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(a.file(&upload.id).unwrap().unwrap().size, Some(5));
    server.stop().await;
}

/// Set in the environment of a child process of
/// `separate_processes_writing_at_once_lose_nothing`: the state file it writes to.
const CHILD_DB: &str = "REBYTE_SIM_TEST_CHILD_DB";
const PER_PROCESS: usize = 100;

/// The writer run in child processes; does nothing in a normal test run.
#[test]
fn child_writer() {
    let Ok(path) = std::env::var(CHILD_DB) else {
        return;
    };
    let sim = Simulator::open(std::path::Path::new(&path), SimConfig::default()).unwrap();
    for i in 0..PER_PROCESS {
        let created = sim
            .create_task(ORIGIN, &CreateTaskRequest::new(format!("child {i}")))
            .unwrap();
        sim.follow_up(&created.id, &FollowUpRequest::new("more"))
            .unwrap();
    }
}

#[test]
fn separate_processes_writing_at_once_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite");
    let parent = Simulator::open(&path, SimConfig::default()).unwrap();
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..2)
        .map(|_| {
            std::process::Command::new(&exe)
                .args(["--exact", "shared_file::child_writer", "--quiet"])
                .env(CHILD_DB, &path)
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for i in 0..PER_PROCESS {
        parent
            .create_task(ORIGIN, &CreateTaskRequest::new(format!("parent {i}")))
            .unwrap();
    }
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "a child writer failed");
    }
    assert_eq!(parent.task_count().unwrap(), 3 * PER_PROCESS);
    let page = parent
        .list_tasks(ORIGIN, &ListTasksQuery::page(100, 0))
        .unwrap();
    assert_eq!(page.total as usize, 3 * PER_PROCESS);
    let followed = page
        .data
        .iter()
        .filter(|t| t.title.starts_with("child"))
        .all(|t| parent.get_task(ORIGIN, &t.id).unwrap().prompts.len() == 2);
    assert!(followed);
}

/// While another process holds the state file's write lock, writes wait for it, but reads
/// are still answered and the server is not stalled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_are_answered_while_another_process_holds_the_write_lock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite");
    let clock = ManualClock::default();
    let sim = Simulator::open(&path, SimConfig::with_clock(Arc::new(clock.clone()))).unwrap();
    let server = crate::common::Harness::serve(sim, clock).await;
    let client = server.client();
    let created = client
        .create_task(&CreateTaskRequest::new("before the lock"))
        .await
        .unwrap();

    // Another process takes the write lock and keeps it until told (or five seconds).
    let (release, released) = std::sync::mpsc::channel::<()>();
    let (locked, is_locked) = std::sync::mpsc::channel::<()>();
    let holder_path = path.clone();
    let holder = std::thread::spawn(move || {
        let mut conn = rusqlite::Connection::open(holder_path).unwrap();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .unwrap();
        locked.send(()).unwrap();
        let _ = released.recv_timeout(std::time::Duration::from_secs(5));
        tx.commit().unwrap();
    });
    is_locked.recv().unwrap();

    // More writes than the server has worker threads, each waiting for the lock.
    let writes: Vec<_> = (0..4)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .create_task(&CreateTaskRequest::new(format!("during the lock {i}")))
                    .await
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;

    let started = std::time::Instant::now();
    for _ in 0..3 {
        let task = client.get_task(&created.id).await.unwrap();
        assert_eq!(task.id, created.id);
    }
    let page = client.list_tasks(ListTasksQuery::default()).await.unwrap();
    assert_eq!(page.total, 1, "the waiting writes are not visible yet");
    let read_time = started.elapsed();

    release.send(()).unwrap();
    holder.join().unwrap();
    for write in writes {
        write.await.unwrap().unwrap();
    }
    assert!(
        read_time < std::time::Duration::from_secs(2),
        "reads waited {read_time:?} for the write lock"
    );
    assert_eq!(
        client
            .list_tasks(ListTasksQuery::default())
            .await
            .unwrap()
            .total,
        5
    );
    server.stop().await;
}
