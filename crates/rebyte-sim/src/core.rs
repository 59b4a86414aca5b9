//! The state machine: every operation of the API, with no HTTP in it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rebyte_types::{
    CreateFileRequest, CreateTaskRequest, CreatedTask, DEFAULT_LIST_LIMIT, DoneEvent, ErrorCode,
    Executor, FileId, FileUpload, FollowUpRequest, FollowUpResponse, ListTasksQuery, Prompt,
    PromptId, PromptStatus, SetVisibilityRequest, Task, TaskEvent, TaskId, TaskPage, TaskStatus,
    TaskSummary, Timestamp, Validate, Visibility, VisibilityResponse, WorkspaceId,
};

use crate::config::SimConfig;
use crate::error::{ApiError, SimError};
use crate::faults::{FaultCounters, FaultInjector};
use crate::lifecycle::{self, EventsSnapshot};
use crate::store::{self, PromptRow, Store, TaskRow};
use crate::upload;

/// The content type a file has when none is declared.
pub const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";
/// The model tier a task gets when none is asked for.
pub const DEFAULT_MODEL: &str = "lite";

/// Prompts queued behind one that never ends start this far in the future.
const NEVER_MS: i64 = 100 * 365 * 24 * 3600 * 1000;

/// The simulator: the state of every task, file and workspace, and the operations of the
/// API over them. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    config: SimConfig,
    faults: FaultInjector,
    upload_secret: Vec<u8>,
    /// Where the uploaded bytes are kept.
    files: FilesDir,
    /// Taken by a write of a shared store while it runs on a blocking thread.
    write_turn: tokio::sync::Mutex<()>,
}

/// Where the uploaded bytes are kept, one file per file id.
enum FilesDir {
    /// `<state>.files/` beside the state file, shared by every simulator of that file;
    /// created at the first upload.
    Beside(PathBuf),
    /// A temporary directory made at the first upload and removed when the last handle
    /// of the simulator drops.
    Temporary(Mutex<Option<tempfile::TempDir>>),
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// The events of a task's latest prompt readable now, and the `done` that ends the stream
/// once the prompt is over.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskEvents {
    /// The readable events, by `seq` from 0.
    pub events: Vec<TaskEvent>,
    /// Present when the stream ends now: the prompt is over, or it has not started (then
    /// `lastSeq` is -1).
    pub done: Option<DoneEvent>,
}

/// What the simulator holds about an uploaded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// The unique name returned at creation.
    pub filename: String,
    /// The declared content type.
    pub content_type: String,
    /// The size of the uploaded bytes; `None` until uploaded.
    pub size: Option<u64>,
    /// The SHA-256 of the uploaded bytes, in lowercase hex; `None` until uploaded.
    pub sha256: Option<String>,
}

/// A task with what only its page shows: visibility and the text of its prompts.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskView {
    /// The task as the API shows it.
    pub task: Task,
    /// Who may view it.
    pub visibility: Visibility,
    /// The text of each prompt, in the order of `task.prompts`.
    pub prompt_texts: Vec<String>,
    /// The events of the latest prompt readable now.
    pub events: TaskEvents,
}

/// The live page of a task.
pub fn run_url(origin: &str, id: &str) -> String {
    format!("{origin}/run/{id}")
}

/// The public read-only page of a task.
pub fn share_url(origin: &str, id: &str) -> String {
    format!("{origin}/share/{id}")
}

fn ts(ms: i64) -> Timestamp {
    Timestamp::from_unix_millis(ms).unwrap_or_else(Timestamp::now)
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl Simulator {
    /// A simulator whose state lives in memory and dies with it.
    ///
    /// Uploaded bytes are kept in a temporary directory, removed when the last handle of the
    /// simulator drops.
    pub fn in_memory(config: SimConfig) -> Result<Simulator, SimError> {
        Self::build(
            Store::open(None)?,
            config,
            FilesDir::Temporary(Mutex::new(None)),
        )
    }

    /// A simulator whose state lives in the SQLite file at `path`, created if needed. Several
    /// simulators, in one process or several, may open the same file at once and share it.
    ///
    /// Uploaded bytes are kept beside it, in the directory `<path>.files/`, one file per
    /// file id.
    pub fn open(path: &Path, config: SimConfig) -> Result<Simulator, SimError> {
        let mut files = path.as_os_str().to_owned();
        files.push(".files");
        Self::build(
            Store::open(Some(path))?,
            config,
            FilesDir::Beside(PathBuf::from(files)),
        )
    }

    fn build(store: Store, config: SimConfig, files: FilesDir) -> Result<Simulator, SimError> {
        config.faults.check().map_err(SimError::Config)?;
        let upload_secret = store
            .read(|c| Ok(store::upload_secret(c)?))
            .map_err(|e| SimError::Config(e.to_string()))?
            .into_bytes();
        Ok(Simulator {
            inner: Arc::new(Inner {
                store,
                faults: FaultInjector::new(config.faults.clone()),
                config,
                upload_secret,
                files,
                write_turn: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// Runs `op`, which writes, where it cannot stall the async runtime: on a blocking
    /// thread when the store is a shared file (the write may wait for another process's
    /// lock), inline in memory (where nothing waits).
    pub(crate) async fn write_off_runtime<T: Send + 'static>(
        &self,
        op: impl FnOnce(&Simulator) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        if !self.inner.store.is_shared() {
            return op(self);
        }
        // One write at a time leaves for a blocking thread; the others wait here without
        // holding a thread, instead of piling up on the store's lock.
        let _turn = self.inner.write_turn.lock().await;
        let sim = self.clone();
        tokio::task::spawn_blocking(move || op(&sim))
            .await
            .unwrap_or_else(|e| Err(ApiError::internal(format!("the simulator failed: {e}"))))
    }

    /// The configuration the simulator runs with.
    pub fn config(&self) -> &SimConfig {
        &self.inner.config
    }

    /// The simulator's current time.
    pub fn now(&self) -> Timestamp {
        self.inner.config.clock.now()
    }

    fn now_ms(&self) -> i64 {
        self.now().unix_millis()
    }

    /// How many faults of each kind were injected so far.
    pub fn fault_counters(&self) -> FaultCounters {
        self.inner.faults.counters()
    }

    pub(crate) fn faults(&self) -> &FaultInjector {
        &self.inner.faults
    }

    /// How many tasks were ever created in this simulator's storage, deleted ones included
    /// (with a shared file: by every process).
    pub fn task_count(&self) -> Result<usize, ApiError> {
        self.inner
            .store
            .read(|c| Ok(store::created_count(c)? as usize))
    }

    /// Checks the API key of a request: `401 missing_api_key` when there is none,
    /// `401 invalid_api_key` when it is not accepted.
    pub fn check_api_key(&self, key: Option<&str>) -> Result<(), ApiError> {
        let key = key.map(str::trim).unwrap_or_default();
        if key.is_empty() {
            return Err(ApiError::new(
                ErrorCode::MissingApiKey,
                "Missing API key: send it in the API_KEY header",
            ));
        }
        let keys = &self.inner.config.api_keys;
        if keys.is_empty() || keys.iter().any(|k| k == key) {
            Ok(())
        } else {
            Err(ApiError::new(ErrorCode::InvalidApiKey, "Invalid API key"))
        }
    }

    /// `POST /v1/tasks`. `origin` (`http://host:port`) is where the task's page is served.
    pub fn create_task(
        &self,
        origin: &str,
        request: &CreateTaskRequest,
    ) -> Result<CreatedTask, ApiError> {
        request.validate()?;
        let executor = request.executor.clone().unwrap_or(Executor::Opencode);
        if !executor.is_known() {
            return Err(ApiError::validation(format!(
                "invalid `executor`: unknown executor `{executor}`; expected one of: {}",
                Executor::KNOWN_WIRE.join(", ")
            )));
        }
        let now = self.now_ms();
        let timings = self.inner.config.timings;
        let task_id = new_id();
        let prompt_id = new_id();
        let workspace_id = self.inner.store.write(|tx| {
            let (workspace_id, provision) = match &request.workspace_id {
                Some(ws) => {
                    if !store::workspace_exists(tx, ws.as_str())? {
                        return Err(ApiError::validation(format!(
                            "invalid `workspaceId`: no workspace `{ws}`"
                        )));
                    }
                    (ws.as_str().to_owned(), timings.reused_provision)
                }
                None => {
                    let ws = new_id();
                    store::insert_workspace(tx, &ws, now)?;
                    (ws, timings.provision)
                }
            };
            for (i, file) in request.files.iter().enumerate() {
                let Some(stored) = store::file(tx, file.id.as_str())? else {
                    return Err(ApiError::validation(format!(
                        "invalid `files[{i}].id`: no file `{}`; create it with POST /v1/files",
                        file.id
                    )));
                };
                if stored.filename != file.filename {
                    return Err(ApiError::validation(format!(
                        "invalid `files[{i}].filename`: file `{}` is named `{}`",
                        file.id, stored.filename
                    )));
                }
            }
            store::insert_task(
                tx,
                &TaskRow {
                    id: task_id.clone(),
                    workspace_id: workspace_id.clone(),
                    title: lifecycle::title_for(&request.prompt),
                    executor: executor.as_str().to_owned(),
                    model: request
                        .model
                        .clone()
                        .unwrap_or_else(|| DEFAULT_MODEL.to_owned()),
                    created_ms: now,
                    visibility: Visibility::Shared.as_str().to_owned(),
                    files: serde_json::to_string(&request.files)
                        .unwrap_or_else(|_| "[]".to_owned()),
                },
            )?;
            let start = now.saturating_add(millis(provision));
            store::insert_prompt(
                tx,
                &task_id,
                &PromptRow {
                    id: prompt_id.clone(),
                    text: request.prompt.clone(),
                    submitted_ms: now,
                    start_ms: start,
                    end_ms: start.saturating_add(millis(timings.per_prompt)),
                    outcome: lifecycle::outcome_for(&request.prompt).to_owned(),
                    canceled_ms: None,
                },
            )?;
            Ok(workspace_id)
        })?;
        Ok(CreatedTask {
            url: run_url(origin, &task_id),
            id: TaskId::new(task_id).map_err(|e| ApiError::internal(e.to_string()))?,
            workspace_id: WorkspaceId::new(workspace_id)
                .map_err(|e| ApiError::internal(e.to_string()))?,
            status: TaskStatus::Running,
            created_at: ts(now),
        })
    }

    fn build_task(
        origin: &str,
        row: TaskRow,
        prompts: &[PromptRow],
        now: i64,
    ) -> Result<Task, ApiError> {
        let mut out = Vec::with_capacity(prompts.len());
        let mut latest = None;
        for p in prompts {
            let state = lifecycle::prompt_state(p, now);
            if let Ok(id) = PromptId::new(p.id.clone()) {
                out.push(Prompt {
                    id,
                    status: state.status.clone(),
                    submitted_at: ts(p.submitted_ms),
                    completed_at: state.completed_ms.map(ts),
                });
            }
            latest = Some((p, state));
        }
        let (status, completed_at, final_result) = match latest {
            Some((p, state)) => {
                let status = lifecycle::task_status(&state);
                let result =
                    (state.status == PromptStatus::Succeeded).then(|| lifecycle::final_result(p));
                (status, state.completed_ms.map(ts), result)
            }
            None => (TaskStatus::Running, None, None),
        };
        Ok(Task {
            url: run_url(origin, &row.id),
            id: TaskId::new(row.id).map_err(|e| ApiError::internal(e.to_string()))?,
            status,
            title: row.title,
            executor: Executor::from_wire(&row.executor),
            model: row.model,
            created_at: ts(row.created_ms),
            completed_at,
            prompts: out,
            final_result,
        })
    }

    /// `GET /v1/tasks/:id`.
    pub fn get_task(&self, origin: &str, id: &TaskId) -> Result<Task, ApiError> {
        let now = self.now_ms();
        let (row, prompts) = self.inner.store.read(|c| {
            let row = store::task(c, id.as_str())?.ok_or_else(ApiError::task_not_found)?;
            Ok((row, store::prompts(c, id.as_str())?))
        })?;
        Self::build_task(origin, row, &prompts, now)
    }

    /// `GET /v1/tasks`: one page, newest first.
    pub fn list_tasks(&self, origin: &str, query: &ListTasksQuery) -> Result<TaskPage, ApiError> {
        query.validate()?;
        let limit = query.limit.unwrap_or(DEFAULT_LIST_LIMIT);
        let offset = u64::from(query.offset.unwrap_or(0));
        let now = self.now_ms();
        let (rows, total) = self.inner.store.read(|c| {
            let rows = store::page(c, limit, offset)?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                let latest = store::latest_prompt(c, &row.id)?;
                out.push((row, latest));
            }
            Ok((out, store::live_count(c)?))
        })?;
        let data = rows
            .into_iter()
            .filter_map(|(row, latest)| {
                let completed_at = latest
                    .and_then(|p| lifecycle::prompt_state(&p, now).completed_ms)
                    .map(ts);
                Some(TaskSummary {
                    url: run_url(origin, &row.id),
                    id: TaskId::new(row.id).ok()?,
                    title: row.title,
                    executor: Executor::from_wire(&row.executor),
                    model: row.model,
                    created_at: ts(row.created_ms),
                    completed_at,
                })
            })
            .collect();
        Ok(TaskPage {
            data,
            total,
            limit,
            offset,
        })
    }

    /// `POST /v1/tasks/:id/prompts`: queues a prompt after the current one; the task is
    /// running again.
    pub fn follow_up(
        &self,
        id: &TaskId,
        request: &FollowUpRequest,
    ) -> Result<FollowUpResponse, ApiError> {
        request.validate()?;
        let now = self.now_ms();
        let per_prompt = millis(self.inner.config.timings.per_prompt);
        let prompt_id = new_id();
        self.inner.store.write(|tx| {
            store::task(tx, id.as_str())?.ok_or_else(ApiError::task_not_found)?;
            let after = match store::latest_prompt(tx, id.as_str())? {
                Some(p) => lifecycle::effective_end(&p).unwrap_or(now.saturating_add(NEVER_MS)),
                None => now,
            };
            let start = now.max(after);
            store::insert_prompt(
                tx,
                id.as_str(),
                &PromptRow {
                    id: prompt_id.clone(),
                    text: request.prompt.clone(),
                    submitted_ms: now,
                    start_ms: start,
                    end_ms: start.saturating_add(per_prompt),
                    outcome: lifecycle::outcome_for(&request.prompt).to_owned(),
                    canceled_ms: None,
                },
            )?;
            Ok(())
        })?;
        Ok(FollowUpResponse {
            prompt_id: PromptId::new(prompt_id).map_err(|e| ApiError::internal(e.to_string()))?,
        })
    }

    /// `PATCH /v1/tasks/:id/visibility`; the share URL is given only for `public`.
    pub fn set_visibility(
        &self,
        origin: &str,
        id: &TaskId,
        request: &SetVisibilityRequest,
    ) -> Result<VisibilityResponse, ApiError> {
        if !request.visibility.is_known() {
            return Err(ApiError::validation(format!(
                "invalid `visibility`: unknown visibility `{}`; expected one of: {}",
                request.visibility,
                Visibility::KNOWN_WIRE.join(", ")
            )));
        }
        let changed = self.inner.store.write(|tx| {
            Ok(store::set_visibility(
                tx,
                id.as_str(),
                request.visibility.as_str(),
            )?)
        })?;
        if changed == 0 {
            return Err(ApiError::task_not_found());
        }
        Ok(VisibilityResponse {
            share_url: (request.visibility == Visibility::Public)
                .then(|| share_url(origin, id.as_str())),
            visibility: request.visibility.clone(),
        })
    }

    /// `DELETE /v1/tasks/:id`: soft delete; the task is then gone from the list and reads.
    pub fn delete_task(&self, id: &TaskId) -> Result<(), ApiError> {
        let now = self.now_ms();
        let changed = self
            .inner
            .store
            .write(|tx| Ok(store::soft_delete(tx, id.as_str(), now)?))?;
        if changed == 0 {
            return Err(ApiError::task_not_found());
        }
        Ok(())
    }

    /// `POST /v1/tasks/:id/cancel`: every prompt not yet over becomes `canceled` now.
    /// Answers the task as it stands afterwards.
    pub fn cancel_task(&self, origin: &str, id: &TaskId) -> Result<Task, ApiError> {
        let now = self.now_ms();
        self.inner.store.write(|tx| {
            store::task(tx, id.as_str())?.ok_or_else(ApiError::task_not_found)?;
            store::cancel_open_prompts(tx, id.as_str(), now)?;
            Ok(())
        })?;
        self.get_task(origin, id)
    }

    /// `POST /v1/files`: registers a file and signs an upload URL served by this simulator
    /// at `origin`.
    pub fn create_file(
        &self,
        origin: &str,
        request: &CreateFileRequest,
    ) -> Result<FileUpload, ApiError> {
        request.validate()?;
        let id = new_id();
        let filename = upload::unique_name(&request.filename, &id);
        let content_type = request
            .content_type
            .clone()
            .unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_owned());
        let now = self.now();
        self.inner.store.write(|tx| {
            Ok(store::insert_file(
                tx,
                &id,
                &filename,
                &content_type,
                now.unix_millis(),
            )?)
        })?;
        let ttl = self.inner.config.timings.upload_url_ttl.as_secs();
        let expires =
            (now.unix_millis() / 1000).saturating_add(i64::try_from(ttl).unwrap_or(i64::MAX));
        let signature = upload::sign(&self.inner.upload_secret, &id, expires);
        Ok(FileUpload {
            upload_url: format!(
                "{origin}{}/{id}?expires={expires}&signature={signature}",
                upload::UPLOAD_PREFIX
            ),
            id: FileId::new(id).map_err(|e| ApiError::internal(e.to_string()))?,
            filename,
        })
    }

    /// Checks a signed upload request: the signature, the expiry (by the simulator's
    /// clock), that the file exists and that the content type is the declared one.
    pub fn authorize_upload(
        &self,
        id: &FileId,
        expires: &str,
        signature: &str,
        content_type: Option<&str>,
    ) -> Result<StoredFile, upload::UploadRejection> {
        use upload::UploadRejection as R;
        let expires: i64 = expires.parse().map_err(|_| R::BadSignature)?;
        if !upload::verify(&self.inner.upload_secret, id.as_str(), expires, signature) {
            return Err(R::BadSignature);
        }
        if self.now_ms() / 1000 > expires {
            return Err(R::Expired);
        }
        let file = self
            .file(id)
            .map_err(|_| R::Storage)?
            .ok_or(R::UnknownFile)?;
        let sent = content_type
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .unwrap_or(DEFAULT_CONTENT_TYPE);
        if !sent.eq_ignore_ascii_case(&file.content_type) {
            return Err(R::ContentType {
                declared: file.content_type,
            });
        }
        Ok(file)
    }

    /// Records the size and SHA-256 of the bytes uploaded for file `id`.
    pub fn record_upload(&self, id: &FileId, size: u64, sha256_hex: &str) -> Result<(), ApiError> {
        let now = self.now_ms();
        self.inner
            .store
            .write(|tx| {
                Ok(store::record_upload(
                    tx,
                    id.as_str(),
                    size,
                    sha256_hex,
                    now,
                )?)
            })
            .map(|_| ())
    }

    /// The directory that keeps the uploaded bytes, created if needed.
    pub(crate) fn files_dir(&self) -> std::io::Result<PathBuf> {
        match &self.inner.files {
            FilesDir::Beside(dir) => {
                std::fs::create_dir_all(dir)?;
                Ok(dir.clone())
            }
            FilesDir::Temporary(slot) => {
                let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(dir) = slot.as_ref() {
                    return Ok(dir.path().to_owned());
                }
                let dir = tempfile::Builder::new()
                    .prefix("rebyte-sim-files-")
                    .tempdir()?;
                let path = dir.path().to_owned();
                *slot = Some(dir);
                Ok(path)
            }
        }
    }

    /// Where the bytes uploaded for file `id` are stored, to read them back; `None` when no
    /// such file was created or nothing was uploaded for it yet.
    ///
    /// With a state file the bytes are in `<state>.files/<id>`; in memory, in a temporary
    /// directory that lives as long as the simulator.
    pub fn file_path(&self, id: &FileId) -> Result<Option<PathBuf>, ApiError> {
        let uploaded = self.file(id)?.is_some_and(|f| f.size.is_some());
        if !uploaded {
            return Ok(None);
        }
        let dir = match &self.inner.files {
            FilesDir::Beside(dir) => dir.clone(),
            FilesDir::Temporary(slot) => {
                let slot = slot.lock().unwrap_or_else(|p| p.into_inner());
                match slot.as_ref() {
                    Some(dir) => dir.path().to_owned(),
                    None => return Ok(None),
                }
            }
        };
        // The id is one the simulator created (a UUID): a safe file name.
        let path = dir.join(id.as_str());
        Ok(path.is_file().then_some(path))
    }

    /// What the simulator holds about file `id`.
    pub fn file(&self, id: &FileId) -> Result<Option<StoredFile>, ApiError> {
        let row = self
            .inner
            .store
            .read(|c| Ok(store::file(c, id.as_str())?))?;
        Ok(row.map(|r| StoredFile {
            filename: r.filename,
            content_type: r.content_type,
            size: r.size.and_then(|s| u64::try_from(s).ok()),
            sha256: r.sha256,
        }))
    }

    /// The events of the task's latest prompt readable now (`GET /v1/tasks/:id/events`
    /// streams these as they are released).
    pub fn events(&self, id: &TaskId) -> Result<TaskEvents, ApiError> {
        self.events_of(id, None).map(|(_, events)| events)
    }

    /// The events of prompt `prompt` of the task, or of its latest prompt, with that
    /// prompt's id.
    pub(crate) fn events_of(
        &self,
        id: &TaskId,
        prompt: Option<&str>,
    ) -> Result<(String, TaskEvents), ApiError> {
        let now = self.now_ms();
        let (row, p) = self.inner.store.read(|c| {
            let row = store::task(c, id.as_str())?.ok_or_else(ApiError::task_not_found)?;
            let p = match prompt {
                Some(pid) => store::prompt(c, id.as_str(), pid)?,
                None => store::latest_prompt(c, id.as_str())?,
            };
            Ok((row, p.ok_or_else(ApiError::task_not_found)?))
        })?;
        let EventsSnapshot { events, done } = lifecycle::events(&row, &p, now);
        Ok((p.id, TaskEvents { events, done }))
    }

    /// The task with its visibility, prompt texts and events, for its page.
    pub fn task_view(&self, origin: &str, id: &TaskId) -> Result<TaskView, ApiError> {
        let now = self.now_ms();
        let (row, prompts) = self.inner.store.read(|c| {
            let row = store::task(c, id.as_str())?.ok_or_else(ApiError::task_not_found)?;
            Ok((row, store::prompts(c, id.as_str())?))
        })?;
        let visibility = Visibility::from_wire(&row.visibility);
        let events = match prompts.last() {
            Some(p) => {
                let EventsSnapshot { events, done } = lifecycle::events(&row, p, now);
                TaskEvents { events, done }
            }
            None => TaskEvents {
                events: Vec::new(),
                done: None,
            },
        };
        let prompt_texts = prompts.iter().map(|p| p.text.clone()).collect();
        Ok(TaskView {
            task: Self::build_task(origin, row, &prompts, now)?,
            visibility,
            prompt_texts,
            events,
        })
    }
}
