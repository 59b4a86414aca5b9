//! SQLite storage. One schema serves both modes: `:memory:` for a simulator of one process,
//! a file (WAL, busy timeout, `BEGIN IMMEDIATE` for every write, a second connection for
//! reads) for simulators in several processes that share state.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use crate::error::ApiError;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS workspaces (id TEXT PRIMARY KEY, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL,
    title TEXT NOT NULL,
    executor TEXT NOT NULL,
    model TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    visibility TEXT NOT NULL,
    files TEXT NOT NULL,
    deleted_ms INTEGER
);
CREATE INDEX IF NOT EXISTS tasks_newest ON tasks (created_ms DESC, seq DESC) WHERE deleted_ms IS NULL;
CREATE TABLE IF NOT EXISTS prompts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    task_id TEXT NOT NULL,
    text TEXT NOT NULL,
    submitted_ms INTEGER NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    canceled_ms INTEGER
);
CREATE INDEX IF NOT EXISTS prompts_of_task ON prompts (task_id, seq);
CREATE TABLE IF NOT EXISTS files (
    id TEXT PRIMARY KEY,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    size INTEGER,
    sha256 TEXT,
    uploaded_ms INTEGER
);
";

/// A task as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TaskRow {
    pub id: String,
    pub workspace_id: String,
    pub title: String,
    pub executor: String,
    pub model: String,
    pub created_ms: i64,
    pub visibility: String,
    /// The attached files, as a JSON array of `{id, filename}`.
    pub files: String,
}

/// A prompt as stored. Its status at any time follows from these fields and the clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PromptRow {
    pub id: String,
    pub text: String,
    pub submitted_ms: i64,
    /// When it starts running (after provisioning, or after the prompt before it).
    pub start_ms: i64,
    /// When it ends unless canceled first.
    pub end_ms: i64,
    /// `succeeded`, `failed`, or `hang` (never ends by itself).
    pub outcome: String,
    pub canceled_ms: Option<i64>,
}

/// A file as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileRow {
    pub filename: String,
    pub content_type: String,
    pub size: Option<i64>,
    pub sha256: Option<String>,
}

/// The connections, each behind a mutex.
///
/// In memory there is one connection. With a file there are two: writes go through one and
/// may wait (up to the busy timeout) for another process's write to finish, while reads go
/// through the other and, thanks to WAL, never wait for a writer.
#[derive(Debug)]
pub(crate) struct Store {
    conn: Mutex<Connection>,
    reader: Option<Mutex<Connection>>,
}

/// How long a write waits for another process's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

impl Store {
    /// Opens an in-memory store (`path` = `None`) or a file shared with other processes.
    pub fn open(path: Option<&Path>) -> rusqlite::Result<Self> {
        let mut conn = match path {
            Some(p) => {
                let conn = Connection::open(p)?;
                conn.busy_timeout(BUSY_TIMEOUT)?;
                conn.pragma_update(None, "journal_mode", "WAL")?;
                conn.pragma_update(None, "synchronous", "NORMAL")?;
                conn
            }
            None => Connection::open_in_memory()?,
        };
        conn.set_prepared_statement_cache_capacity(64);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(SCHEMA)?;
        tx.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('upload_secret', ?1)",
            params![format!(
                "{}{}",
                uuid::Uuid::new_v4().simple(),
                uuid::Uuid::new_v4().simple()
            )],
        )?;
        tx.commit()?;
        let reader = match path {
            Some(p) => {
                let reader = Connection::open(p)?;
                reader.busy_timeout(BUSY_TIMEOUT)?;
                reader.set_prepared_statement_cache_capacity(64);
                Some(Mutex::new(reader))
            }
            None => None,
        };
        Ok(Self {
            conn: Mutex::new(conn),
            reader,
        })
    }

    /// Whether the store is a file that other processes may write, so that a write can
    /// wait for their lock.
    pub fn is_shared(&self) -> bool {
        self.reader.is_some()
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` for reading.
    pub fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        match &self.reader {
            Some(reader) => f(&reader.lock().unwrap_or_else(|p| p.into_inner())),
            None => f(&self.lock()),
        }
    }

    /// Runs `f` in a `BEGIN IMMEDIATE` transaction, committed when `f` succeeds.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }
}

pub(crate) fn upload_secret(conn: &Connection) -> rusqlite::Result<String> {
    conn.prepare_cached("SELECT value FROM meta WHERE key = 'upload_secret'")?
        .query_row([], |r| r.get(0))
}

const TASK_COLUMNS: &str =
    "id, workspace_id, title, executor, model, created_ms, visibility, files";

fn task_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TaskRow> {
    Ok(TaskRow {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        title: r.get(2)?,
        executor: r.get(3)?,
        model: r.get(4)?,
        created_ms: r.get(5)?,
        visibility: r.get(6)?,
        files: r.get(7)?,
    })
}

const PROMPT_COLUMNS: &str = "id, text, submitted_ms, start_ms, end_ms, outcome, canceled_ms";

fn prompt_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PromptRow> {
    Ok(PromptRow {
        id: r.get(0)?,
        text: r.get(1)?,
        submitted_ms: r.get(2)?,
        start_ms: r.get(3)?,
        end_ms: r.get(4)?,
        outcome: r.get(5)?,
        canceled_ms: r.get(6)?,
    })
}

/// The live (not deleted) task `id`.
pub(crate) fn task(conn: &Connection, id: &str) -> rusqlite::Result<Option<TaskRow>> {
    conn.prepare_cached(&format!(
        "SELECT {TASK_COLUMNS} FROM tasks WHERE id = ?1 AND deleted_ms IS NULL"
    ))?
    .query_row([id], task_row)
    .optional()
}

/// The prompts of task `id`, oldest first.
pub(crate) fn prompts(conn: &Connection, id: &str) -> rusqlite::Result<Vec<PromptRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {PROMPT_COLUMNS} FROM prompts WHERE task_id = ?1 ORDER BY seq"
    ))?;
    let rows = stmt.query_map([id], prompt_row)?;
    rows.collect()
}

/// The latest prompt of task `id`.
pub(crate) fn latest_prompt(conn: &Connection, id: &str) -> rusqlite::Result<Option<PromptRow>> {
    conn.prepare_cached(&format!(
        "SELECT {PROMPT_COLUMNS} FROM prompts WHERE task_id = ?1 ORDER BY seq DESC LIMIT 1"
    ))?
    .query_row([id], prompt_row)
    .optional()
}

/// Prompt `prompt_id` of task `task_id`.
pub(crate) fn prompt(
    conn: &Connection,
    task_id: &str,
    prompt_id: &str,
) -> rusqlite::Result<Option<PromptRow>> {
    conn.prepare_cached(&format!(
        "SELECT {PROMPT_COLUMNS} FROM prompts WHERE task_id = ?1 AND id = ?2"
    ))?
    .query_row([task_id, prompt_id], prompt_row)
    .optional()
}

/// One page of live tasks, newest first.
pub(crate) fn page(conn: &Connection, limit: u32, offset: u64) -> rusqlite::Result<Vec<TaskRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {TASK_COLUMNS} FROM tasks WHERE deleted_ms IS NULL
         ORDER BY created_ms DESC, seq DESC LIMIT ?1 OFFSET ?2"
    ))?;
    let offset = i64::try_from(offset).unwrap_or(i64::MAX);
    let rows = stmt.query_map(params![limit, offset], task_row)?;
    rows.collect()
}

/// How many live tasks there are.
pub(crate) fn live_count(conn: &Connection) -> rusqlite::Result<u64> {
    conn.prepare_cached("SELECT COUNT(*) FROM tasks WHERE deleted_ms IS NULL")?
        .query_row([], |r| r.get(0))
}

/// How many tasks were ever created, deleted ones included.
pub(crate) fn created_count(conn: &Connection) -> rusqlite::Result<u64> {
    conn.prepare_cached("SELECT COUNT(*) FROM tasks")?
        .query_row([], |r| r.get(0))
}

pub(crate) fn workspace_exists(conn: &Connection, id: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM workspaces WHERE id = ?1")?
        .query_row([id], |_| Ok(()))
        .optional()
        .map(|o| o.is_some())
}

pub(crate) fn insert_workspace(conn: &Connection, id: &str, now_ms: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO workspaces (id, created_ms) VALUES (?1, ?2)")?
        .execute(params![id, now_ms])?;
    Ok(())
}

pub(crate) fn insert_task(conn: &Connection, t: &TaskRow) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO tasks (id, workspace_id, title, executor, model, created_ms, visibility, files)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        t.id,
        t.workspace_id,
        t.title,
        t.executor,
        t.model,
        t.created_ms,
        t.visibility,
        t.files
    ])?;
    Ok(())
}

pub(crate) fn insert_prompt(
    conn: &Connection,
    task_id: &str,
    p: &PromptRow,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO prompts (id, task_id, text, submitted_ms, start_ms, end_ms, outcome, canceled_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        p.id,
        task_id,
        p.text,
        p.submitted_ms,
        p.start_ms,
        p.end_ms,
        p.outcome,
        p.canceled_ms
    ])?;
    Ok(())
}

/// Cancels every prompt of the task that has not ended by `now_ms`; returns how many.
pub(crate) fn cancel_open_prompts(
    conn: &Connection,
    task_id: &str,
    now_ms: i64,
) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "UPDATE prompts SET canceled_ms = ?2
         WHERE task_id = ?1 AND canceled_ms IS NULL AND (end_ms > ?2 OR outcome = 'hang')",
    )?
    .execute(params![task_id, now_ms])
}

pub(crate) fn set_visibility(
    conn: &Connection,
    task_id: &str,
    visibility: &str,
) -> rusqlite::Result<usize> {
    conn.prepare_cached("UPDATE tasks SET visibility = ?2 WHERE id = ?1 AND deleted_ms IS NULL")?
        .execute(params![task_id, visibility])
}

pub(crate) fn soft_delete(
    conn: &Connection,
    task_id: &str,
    now_ms: i64,
) -> rusqlite::Result<usize> {
    conn.prepare_cached("UPDATE tasks SET deleted_ms = ?2 WHERE id = ?1 AND deleted_ms IS NULL")?
        .execute(params![task_id, now_ms])
}

pub(crate) fn insert_file(
    conn: &Connection,
    id: &str,
    filename: &str,
    content_type: &str,
    now_ms: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO files (id, filename, content_type, created_ms) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![id, filename, content_type, now_ms])?;
    Ok(())
}

pub(crate) fn file(conn: &Connection, id: &str) -> rusqlite::Result<Option<FileRow>> {
    conn.prepare_cached("SELECT filename, content_type, size, sha256 FROM files WHERE id = ?1")?
        .query_row([id], |r| {
            Ok(FileRow {
                filename: r.get(0)?,
                content_type: r.get(1)?,
                size: r.get(2)?,
                sha256: r.get(3)?,
            })
        })
        .optional()
}

pub(crate) fn record_upload(
    conn: &Connection,
    id: &str,
    size: u64,
    sha256: &str,
    now_ms: i64,
) -> rusqlite::Result<usize> {
    conn.prepare_cached("UPDATE files SET size = ?2, sha256 = ?3, uploaded_ms = ?4 WHERE id = ?1")?
        .execute(params![
            id,
            i64::try_from(size).unwrap_or(i64::MAX),
            sha256,
            now_ms
        ])
}
