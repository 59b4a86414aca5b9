//! Every documented flow of the API, driven by `rebyte-client` against the simulator. The
//! clock is moved by hand: nothing sleeps.

use std::collections::HashSet;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use rebyte_client::{Client, LiveEvent, WaitOptions};
use rebyte_types::{
    CreateTaskRequest, CreatedTask, EventType, Executor, FollowUpRequest, FollowUpResponse,
    ListTasksQuery, PromptId, PromptStatus, Task, TaskId, TaskStatus, Visibility,
};

use crate::common::Harness;

fn quick_wait() -> WaitOptions {
    WaitOptions::default()
        .initial_interval(Duration::from_millis(5))
        .max_interval(Duration::from_millis(20))
        .timeout(Duration::from_secs(5))
}

/// Creates a task from a bare prompt.
async fn create(client: &Client, prompt: &str) -> CreatedTask {
    client
        .create_task(&CreateTaskRequest::new(prompt))
        .await
        .unwrap()
}

/// Adds a follow-up prompt to a task.
async fn follow_up(client: &Client, id: &TaskId, prompt: &str) -> FollowUpResponse {
    client
        .follow_up(id, &FollowUpRequest::new(prompt))
        .await
        .unwrap()
}

/// Waits (with [`quick_wait`]) until one prompt of a task is over.
async fn wait_for_prompt(client: &Client, id: &TaskId, prompt: &PromptId) -> Task {
    client
        .wait_for_prompt(id, prompt, &quick_wait())
        .await
        .unwrap()
}

#[tokio::test]
async fn create_and_share() {
    let h = Harness::start().await;
    let client = h.client();
    let created = client
        .create_task(&CreateTaskRequest::new("Summarise <the> README").executor(Executor::Claude))
        .await
        .unwrap();
    assert_eq!(created.status, TaskStatus::Running);
    assert_eq!(created.url, h.url(&format!("/run/{}", created.id)));

    // The url opens a live page at once, refreshing while the task runs, prompt escaped.
    let page = h.open(&created.url).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Summarise &lt;the&gt; README"), "{html}");
    assert!(!html.contains("<the>"));
    assert!(html.contains("http-equiv=\"refresh\""));

    // Shared (the default) and private tasks have no share page; public ones do.
    let share_page = h.url(&format!("/share/{}", created.id));
    assert_eq!(h.open(&share_page).await.status(), 404);
    let public = client
        .set_visibility(&created.id, Visibility::Public)
        .await
        .unwrap();
    assert_eq!(public.visibility, Visibility::Public);
    assert_eq!(public.share_url.as_deref(), Some(share_page.as_str()));
    let shared = h.open(&share_page).await;
    assert_eq!(shared.status(), 200);
    assert!(
        shared
            .text()
            .await
            .unwrap()
            .contains("Summarise &lt;the&gt; README")
    );

    let private = client
        .set_visibility(&created.id, Visibility::Private)
        .await
        .unwrap();
    assert_eq!(private.share_url, None);
    assert_eq!(h.open(&share_page).await.status(), 404);
    let back = client
        .set_visibility(&created.id, Visibility::Shared)
        .await
        .unwrap();
    assert_eq!(back.share_url, None);

    // Once done, the page stops refreshing and shows the result.
    h.finish_one_prompt();
    let html = h.open(&created.url).await.text().await.unwrap();
    assert!(!html.contains("http-equiv=\"refresh\""));
    assert!(html.contains("completed"));
    h.stop().await;
}

#[tokio::test]
async fn wait_and_follow_up() {
    let h = Harness::start().await;
    let client = h.client();
    let t = h.sim.config().timings;
    let created = create(&client, "Write a haiku").await;

    // Provisioning: the prompt is pending, the task running.
    let task = client.get_task(&created.id).await.unwrap();
    assert_eq!(task.status, TaskStatus::Running);
    assert_eq!(task.prompts.len(), 1);
    assert_eq!(task.prompts[0].status, PromptStatus::Pending);
    assert_eq!(task.executor, Executor::Opencode);
    assert_eq!(task.model, "lite");
    assert_eq!(task.title, "Write a haiku");

    h.advance(t.provision);
    let task = client.get_task(&created.id).await.unwrap();
    assert_eq!(task.prompts[0].status, PromptStatus::Running);
    assert_eq!(task.final_result, None);

    h.advance(t.per_prompt);
    let task = client
        .wait_for_task(&created.id, &quick_wait())
        .await
        .unwrap();
    assert_eq!(task.status, TaskStatus::Completed);
    assert_eq!(task.prompts[0].status, PromptStatus::Succeeded);
    assert!(task.completed_at.is_some());
    assert!(
        task.final_result
            .as_deref()
            .unwrap()
            .contains("Write a haiku")
    );

    // A follow-up makes the task run again, as a new prompt after the first.
    let follow = follow_up(&client, &created.id, "Now a limerick").await;
    let task = client.get_task(&created.id).await.unwrap();
    assert_eq!(task.status, TaskStatus::Running);
    assert_eq!(task.completed_at, None);
    assert_eq!(task.prompts.len(), 2);
    assert_eq!(task.prompts[1].id, follow.prompt_id);
    assert_eq!(task.prompts[1].status, PromptStatus::Running);
    assert!(task.prompts[0].submitted_at <= task.prompts[1].submitted_at);

    h.advance(t.per_prompt);
    let task = wait_for_prompt(&client, &created.id, &follow.prompt_id).await;
    assert_eq!(task.status, TaskStatus::Completed);
    assert!(task.final_result.unwrap().contains("limerick"));

    // Outcomes are chosen by the prompt: a failing follow-up fails the task.
    let failing = follow_up(&client, &created.id, "Break [sim:fail]").await;
    h.advance(t.per_prompt);
    let task = wait_for_prompt(&client, &created.id, &failing.prompt_id).await;
    assert_eq!(task.status, TaskStatus::Failed);
    assert_eq!(task.prompts[2].status, PromptStatus::Failed);
    assert_eq!(task.final_result, None);
    h.stop().await;
}

#[tokio::test]
async fn follow_ups_queue_behind_a_running_prompt() {
    let h = Harness::start().await;
    let client = h.client();
    let t = h.sim.config().timings;
    let created = create(&client, "one").await;
    h.advance(t.provision);
    let second = follow_up(&client, &created.id, "two").await;
    let task = client.get_task(&created.id).await.unwrap();
    assert_eq!(task.prompts[0].status, PromptStatus::Running);
    assert_eq!(task.prompts[1].status, PromptStatus::Pending);
    h.advance(t.per_prompt);
    let task = client.get_task(&created.id).await.unwrap();
    assert_eq!(task.prompts[0].status, PromptStatus::Succeeded);
    assert_eq!(task.prompts[1].status, PromptStatus::Running);
    assert_eq!(task.status, TaskStatus::Running);
    h.advance(t.per_prompt);
    let task = wait_for_prompt(&client, &created.id, &second.prompt_id).await;
    assert_eq!(task.status, TaskStatus::Completed);
    h.stop().await;
}

#[tokio::test]
async fn reuse_a_workspace() {
    let h = Harness::start().await;
    let client = h.client();
    let t = h.sim.config().timings;
    let first = create(&client, "set up").await;
    h.finish_one_prompt();

    let reused = client
        .create_task(&CreateTaskRequest::new("continue").workspace_id(first.workspace_id.clone()))
        .await
        .unwrap();
    let fresh = create(&client, "fresh").await;
    assert_eq!(reused.workspace_id, first.workspace_id);
    assert_ne!(fresh.workspace_id, first.workspace_id);
    assert_ne!(reused.id, first.id);

    // A reused workspace skips most of the provisioning.
    h.advance(t.reused_provision);
    let reused_task = client.get_task(&reused.id).await.unwrap();
    let fresh_task = client.get_task(&fresh.id).await.unwrap();
    assert_eq!(reused_task.prompts[0].status, PromptStatus::Running);
    assert_eq!(fresh_task.prompts[0].status, PromptStatus::Pending);
    h.stop().await;
}

#[tokio::test]
async fn attach_a_file() {
    let h = Harness::start().await;
    let client = h.client();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.csv");
    let content: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &content).unwrap();

    let file = client.upload_file(&path).await.unwrap();
    assert!(file.filename.starts_with("data-") && file.filename.ends_with(".csv"));
    let stored = h.sim.file(&file.id).unwrap().unwrap();
    assert_eq!(stored.size, Some(content.len() as u64));
    let digest: String = hmac_sha256::Hash::hash(&content)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(stored.sha256.as_deref(), Some(digest.as_str()));
    assert_eq!(stored.content_type, "text/csv");
    // The bytes themselves are kept, whole.
    let kept = h
        .sim
        .file_path(&file.id)
        .unwrap()
        .expect("the stored bytes");
    assert_eq!(std::fs::read(&kept).unwrap(), content);

    let created = client
        .create_task(&CreateTaskRequest::new("Analyse the CSV").file(file.clone()))
        .await
        .unwrap();
    h.finish_one_prompt();
    // The agent sees the file in its workspace.
    let events: Vec<LiveEvent> = client.events(&created.id).try_collect().await.unwrap();
    let listing = events.iter().find_map(|e| match e {
        LiveEvent::Event(e) if e.event_type == EventType::ToolResult => Some(e.payload.to_string()),
        _ => None,
    });
    assert!(listing.unwrap().contains(&file.filename));
    h.stop().await;
}

#[tokio::test]
async fn fan_out_a_hundred_tasks() {
    let h = Harness::start().await;
    let client = h.client();
    let created: Vec<_> = futures_util::stream::iter(0..100)
        .map(|i| {
            let client = client.clone();
            async move {
                client
                    .create_task(&CreateTaskRequest::new(format!("job {i}")))
                    .await
            }
        })
        .buffer_unordered(20)
        .try_collect()
        .await
        .unwrap();
    let ids: HashSet<_> = created.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids.len(), 100);
    assert_eq!(h.sim.task_count().unwrap(), 100);

    h.finish_one_prompt();
    let wait = quick_wait();
    let results: Vec<_> = futures_util::stream::iter(created.iter())
        .map(|c| client.wait_for_task(&c.id, &wait))
        .buffer_unordered(10)
        .try_collect()
        .await
        .unwrap();
    assert!(results.iter().all(|t| t.status == TaskStatus::Completed));

    let listed: Vec<_> = client.list_all_tasks(30).try_collect().await.unwrap();
    let listed_ids: HashSet<_> = listed.iter().map(|t| t.id.clone()).collect();
    assert_eq!(listed_ids, ids);
    assert!(listed.iter().all(|t| t.completed_at.is_some()));
    h.stop().await;
}

#[tokio::test]
async fn list_and_delete() {
    let h = Harness::start().await;
    let client = h.client();
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            client
                .create_task(&CreateTaskRequest::new(format!("task {i}")).model("pro"))
                .await
                .unwrap()
                .id,
        );
        h.advance(Duration::from_millis(10));
    }
    let page = client.list_tasks(ListTasksQuery::default()).await.unwrap();
    assert_eq!((page.total, page.limit, page.offset), (5, 50, 0));
    let newest_first: Vec<_> = ids.iter().rev().cloned().collect();
    assert_eq!(
        page.data.iter().map(|t| t.id.clone()).collect::<Vec<_>>(),
        newest_first
    );
    assert_eq!(page.data[0].title, "task 4");
    assert_eq!(page.data[0].model, "pro");
    assert_eq!(page.data[0].completed_at, None);

    let page = client.list_tasks(ListTasksQuery::page(2, 1)).await.unwrap();
    assert_eq!((page.total, page.limit, page.offset), (5, 2, 1));
    assert_eq!(
        page.data.iter().map(|t| t.id.clone()).collect::<Vec<_>>(),
        newest_first[1..3]
    );
    let beyond = client
        .list_tasks(ListTasksQuery::page(10, 50))
        .await
        .unwrap();
    assert!(beyond.data.is_empty());
    assert_eq!(beyond.total, 5);

    // Soft delete: 204, then 404 and gone from the list; deleting again is 404.
    let gone = ids[2].clone();
    client.delete_task(&gone).await.unwrap();
    assert!(client.get_task(&gone).await.unwrap_err().is_not_found());
    let page = client.list_tasks(ListTasksQuery::default()).await.unwrap();
    assert_eq!(page.total, 4);
    assert!(page.data.iter().all(|t| t.id != gone));
    assert!(client.delete_task(&gone).await.unwrap_err().is_not_found());
    assert_eq!(h.open(&h.url(&format!("/run/{gone}"))).await.status(), 404);
    // The task was created all the same.
    assert_eq!(h.sim.task_count().unwrap(), 5);
    h.stop().await;
}

#[tokio::test]
async fn cancel() {
    let h = Harness::start().await;
    let client = h.client();
    let t = h.sim.config().timings;
    let created = create(&client, "Run forever [sim:hang]").await;
    h.advance(t.provision + t.per_prompt * 10);
    assert_eq!(
        client.get_task(&created.id).await.unwrap().status,
        TaskStatus::Running
    );
    client.cancel_task(&created.id).await.unwrap();
    h.advance(Duration::from_secs(1));
    let task = client.get_task(&created.id).await.unwrap();
    assert_eq!(task.status, TaskStatus::Canceled);
    assert_eq!(task.prompts[0].status, PromptStatus::Canceled);
    assert!(task.completed_at.is_some());

    let events: Vec<LiveEvent> = client.events(&created.id).try_collect().await.unwrap();
    match events.last().unwrap() {
        LiveEvent::Done(done) => assert_eq!(done.status, PromptStatus::Canceled),
        other => panic!("{other:?}"),
    }

    // A pending prompt is canceled too; canceling a finished task changes nothing.
    let queued = create(&client, "queued").await;
    client.cancel_task(&queued.id).await.unwrap();
    let task = client.get_task(&queued.id).await.unwrap();
    assert_eq!(task.prompts[0].status, PromptStatus::Canceled);
    let done = create(&client, "done").await;
    h.finish_one_prompt();
    client.cancel_task(&done.id).await.unwrap();
    assert_eq!(
        client.get_task(&done.id).await.unwrap().status,
        TaskStatus::Completed
    );

    // A canceled task can be followed up.
    let follow = follow_up(&client, &created.id, "try again").await;
    h.advance(t.per_prompt);
    let task = wait_for_prompt(&client, &created.id, &follow.prompt_id).await;
    assert_eq!(task.status, TaskStatus::Completed);
    h.stop().await;
}

#[tokio::test]
async fn watch_events() {
    let h = Harness::start().await;
    let client = h.client();
    let created = create(&client, "Explain the code").await;

    // Too early: an immediate done with lastSeq -1 (the documented quirk).
    let early = h.get(&format!("/v1/tasks/{}/events", created.id)).await;
    assert_eq!(early.status(), 200);
    assert!(
        early
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let text = early.text().await.unwrap();
    assert!(text.starts_with("event: done\ndata: "), "{text}");
    assert!(text.contains("\"lastSeq\":-1"), "{text}");

    // Every event is released once the prompt is over; each connection replays from 0.
    h.finish_one_prompt();
    for _ in 0..2 {
        let events: Vec<LiveEvent> = client.events(&created.id).try_collect().await.unwrap();
        let kinds: Vec<String> = events
            .iter()
            .map(|e| match e {
                LiveEvent::Event(e) => e.event_type.to_string(),
                LiveEvent::Done(_) => "done".to_owned(),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "init",
                "thinking",
                "text",
                "tool_use",
                "tool_result",
                "result",
                "done"
            ]
        );
        let seqs: Vec<u64> = events
            .iter()
            .filter_map(|e| match e {
                LiveEvent::Event(e) => Some(e.seq),
                LiveEvent::Done(_) => None,
            })
            .collect();
        assert_eq!(seqs, [0, 1, 2, 3, 4, 5]);
        match events.last().unwrap() {
            LiveEvent::Done(done) => {
                assert_eq!(done.status, PromptStatus::Succeeded);
                assert_eq!(done.last_seq, 5);
                assert!(
                    done.final_result
                        .as_deref()
                        .unwrap()
                        .contains("Explain the code")
                );
            }
            other => panic!("{other:?}"),
        }
        let task = client.get_task(&created.id).await.unwrap();
        if let LiveEvent::Event(e) = &events[0] {
            assert_eq!(e.prompt_id, task.prompts[0].id);
        }
    }
    h.stop().await;
}

#[tokio::test]
async fn events_stream_as_time_passes() {
    // The handler polls the core while streaming: move the clock while connected.
    let h = Harness::start().await;
    let client = h.client();
    let t = h.sim.config().timings;
    let created = create(&client, "stream it").await;
    h.advance(t.provision);
    let mut stream = Box::pin(client.events(&created.id));
    let first = stream.next().await.unwrap().unwrap();
    assert!(matches!(first, LiveEvent::Event(ref e) if e.event_type == EventType::Init));
    h.advance(t.per_prompt);
    let rest: Vec<LiveEvent> = stream.try_collect().await.unwrap();
    assert_eq!(rest.len(), 6, "{rest:?}");
    assert!(matches!(rest.last(), Some(LiveEvent::Done(_))));
    h.stop().await;
}

#[tokio::test]
async fn uploaded_bytes_live_beside_the_state_file_or_as_long_as_the_simulator() {
    let dir = tempfile::tempdir().unwrap();
    let content: Vec<u8> = (0..100_000u32).map(|i| (i % 241) as u8).collect();
    let source = dir.path().join("notes.bin");
    std::fs::write(&source, &content).unwrap();

    // A state file: `<state>.files/<id>`.
    let state = dir.path().join("state.sqlite");
    let clock = rebyte_sim::ManualClock::default();
    let sim = rebyte_sim::Simulator::open(
        &state,
        rebyte_sim::SimConfig::with_clock(std::sync::Arc::new(clock.clone())),
    )
    .unwrap();
    let h = Harness::serve(sim, clock).await;
    let file = h.client().upload_file(&source).await.unwrap();
    let kept = h.sim.file_path(&file.id).unwrap().unwrap();
    assert_eq!(
        kept,
        dir.path().join("state.sqlite.files").join(file.id.as_str())
    );
    assert_eq!(std::fs::read(&kept).unwrap(), content);
    // Nothing half-written is left behind.
    assert_eq!(
        std::fs::read_dir(kept.parent().unwrap()).unwrap().count(),
        1
    );
    h.stop().await;

    // In memory: a temporary directory, gone with the last handle.
    let h = Harness::start().await;
    let unknown: rebyte_types::FileId = "no-such-file".parse().unwrap();
    assert_eq!(h.sim.file_path(&unknown).unwrap(), None);
    let file = h.client().upload_file(&source).await.unwrap();
    let kept = h.sim.file_path(&file.id).unwrap().unwrap();
    assert_eq!(std::fs::read(&kept).unwrap(), content);
    h.stop().await;
    assert!(!kept.exists(), "{} outlived the simulator", kept.display());
}
