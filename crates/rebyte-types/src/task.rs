//! Tasks: creating, reading, listing, following up and sharing.

use serde::{Deserialize, Serialize};

use crate::enums::{Executor, PromptStatus, TaskStatus, Visibility};
use crate::file::FileRef;
use crate::id::{PromptId, TaskId, WorkspaceId};
use crate::timestamp::Timestamp;
use crate::validate::{self, MAX_LIST_LIMIT, Validate, ValidationError};

/// Body of `POST /v1/tasks`. Build it with [`CreateTaskRequest::new`] and the setters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateTaskRequest {
    /// What the agent is to do; at most 100,000 characters.
    pub prompt: String,
    /// The agent to run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor: Option<Executor>,
    /// The model tier; the service defaults to `lite`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Files uploaded with `POST /v1/files`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileRef>,
    /// Skill slugs, such as `deep-research` or `github:<repo url>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skills: Vec<String>,
    /// A repository as `owner/repo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github_url: Option<String>,
    /// The branch; the service defaults to `main`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch_name: Option<String>,
    /// Run in the workspace of an earlier task: same VM, repository and git state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<WorkspaceId>,
}

impl CreateTaskRequest {
    /// A request with only a prompt.
    pub fn new(prompt: impl Into<String>) -> Self {
        Self {
            prompt: prompt.into(),
            executor: None,
            model: None,
            files: Vec::new(),
            skills: Vec::new(),
            github_url: None,
            branch_name: None,
            workspace_id: None,
        }
    }

    /// Chooses the agent.
    pub fn executor(mut self, executor: Executor) -> Self {
        self.executor = Some(executor);
        self
    }

    /// Chooses the model tier.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// Attaches an uploaded file.
    pub fn file(mut self, file: FileRef) -> Self {
        self.files.push(file);
        self
    }

    /// Adds a skill slug.
    pub fn skill(mut self, skill: impl Into<String>) -> Self {
        self.skills.push(skill.into());
        self
    }

    /// Works on a repository given as `owner/repo`.
    pub fn github_url(mut self, repo: impl Into<String>) -> Self {
        self.github_url = Some(repo.into());
        self
    }

    /// Works on a branch of the repository.
    pub fn branch_name(mut self, branch: impl Into<String>) -> Self {
        self.branch_name = Some(branch.into());
        self
    }

    /// Reuses the workspace of an earlier task.
    pub fn workspace_id(mut self, workspace: WorkspaceId) -> Self {
        self.workspace_id = Some(workspace);
        self
    }
}

impl Validate for CreateTaskRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        validate::prompt("prompt", &self.prompt)?;
        validate::not_blank("model", self.model.as_deref())?;
        for (i, file) in self.files.iter().enumerate() {
            validate::filename(&format!("files[{i}].filename"), &file.filename)?;
        }
        validate::skills("skills", &self.skills)?;
        validate::not_blank("githubUrl", self.github_url.as_deref())?;
        validate::not_blank("branchName", self.branch_name.as_deref())
    }
}

/// Answer of `POST /v1/tasks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreatedTask {
    /// The task's id.
    pub id: TaskId,
    /// Pass it to later creates to reuse the VM.
    pub workspace_id: WorkspaceId,
    /// The live view of the task, to hand to a person at once.
    pub url: String,
    /// `running` for a new task.
    pub status: TaskStatus,
    /// When the task was created.
    pub created_at: Timestamp,
}

/// Query of `GET /v1/tasks`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ListTasksQuery {
    /// Results per page, 1 to 100; the service defaults to 50.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// How many tasks to skip; defaults to 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
}

impl ListTasksQuery {
    /// A query for `limit` tasks after skipping `offset`.
    pub fn page(limit: u32, offset: u32) -> Self {
        Self {
            limit: Some(limit),
            offset: Some(offset),
        }
    }
}

impl Validate for ListTasksQuery {
    fn validate(&self) -> Result<(), ValidationError> {
        match self.limit {
            Some(limit) if !(1..=MAX_LIST_LIMIT).contains(&limit) => Err(ValidationError::new(
                "limit",
                format!("{limit} is out of range; it must be 1 to {MAX_LIST_LIMIT}"),
            )),
            _ => Ok(()),
        }
    }
}

/// Answer of `GET /v1/tasks`: one page, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct TaskPage {
    /// The tasks of this page.
    pub data: Vec<TaskSummary>,
    /// How many tasks there are in all.
    pub total: u64,
    /// The page size used.
    pub limit: u32,
    /// The offset used.
    pub offset: u64,
}

/// A task as the list shows it. It carries no status: ask for the task for that.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct TaskSummary {
    /// The task's id.
    pub id: TaskId,
    /// The live view of the task.
    pub url: String,
    /// A title generated from the prompt.
    pub title: String,
    /// The agent.
    pub executor: Executor,
    /// The model tier.
    pub model: String,
    /// When the task was created.
    pub created_at: Timestamp,
    /// When it finished; `null` or absent while running.
    pub completed_at: Option<Timestamp>,
}

/// Answer of `GET /v1/tasks/:id`: the task with its derived status and its prompts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Task {
    /// The task's id.
    pub id: TaskId,
    /// The live view of the task.
    pub url: String,
    /// Derived from the prompts.
    pub status: TaskStatus,
    /// A title generated from the prompt.
    pub title: String,
    /// The agent.
    pub executor: Executor,
    /// The model tier.
    pub model: String,
    /// When the task was created.
    pub created_at: Timestamp,
    /// When it finished; `null` while running.
    pub completed_at: Option<Timestamp>,
    /// Every prompt, oldest first.
    pub prompts: Vec<Prompt>,
    /// The agent's final answer, when the service gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_result: Option<String>,
}

impl Task {
    /// The latest prompt, if any.
    pub fn latest_prompt(&self) -> Option<&Prompt> {
        self.prompts.last()
    }

    /// The prompt with `id`, if the task has it.
    pub fn prompt(&self, id: &PromptId) -> Option<&Prompt> {
        self.prompts.iter().find(|p| &p.id == id)
    }

    /// Whether the task has finished: its status is terminal (see
    /// [`TaskStatus::is_terminal`]) *and* no prompt still reads pending or running.
    ///
    /// The status alone is not enough: right after a follow-up prompt is sent, a read can
    /// still carry the terminal status of the previous prompt while the new one is already
    /// listed as pending. Such a stale status must not count as finished, or a wait would
    /// end before the follow-up has even started.
    pub fn is_finished(&self) -> bool {
        self.status.is_terminal()
            && !self
                .prompts
                .iter()
                .any(|p| matches!(p.status, PromptStatus::Pending | PromptStatus::Running))
    }
}

/// One prompt of a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Prompt {
    /// The prompt's id.
    pub id: PromptId,
    /// Where the prompt stands.
    pub status: PromptStatus,
    /// When it was submitted.
    pub submitted_at: Timestamp,
    /// When it finished; `null` until then.
    pub completed_at: Option<Timestamp>,
}

/// Body of `POST /v1/tasks/:id/prompts`: a follow-up prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct FollowUpRequest {
    /// What the agent is to do next; at most 100,000 characters.
    pub prompt: String,
    /// Skill slugs for this prompt.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skills: Vec<String>,
}

impl FollowUpRequest {
    /// A follow-up with only a prompt.
    pub fn new(prompt: impl Into<String>) -> Self {
        Self {
            prompt: prompt.into(),
            skills: Vec::new(),
        }
    }

    /// Adds a skill slug.
    pub fn skill(mut self, skill: impl Into<String>) -> Self {
        self.skills.push(skill.into());
        self
    }
}

impl Validate for FollowUpRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        validate::prompt("prompt", &self.prompt)?;
        validate::skills("skills", &self.skills)
    }
}

/// Answer of `POST /v1/tasks/:id/prompts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct FollowUpResponse {
    /// The id of the new prompt; wait for this one.
    pub prompt_id: PromptId,
}

/// Body of `PATCH /v1/tasks/:id/visibility`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct SetVisibilityRequest {
    /// Who may view the task.
    pub visibility: Visibility,
}

/// Answer of `PATCH /v1/tasks/:id/visibility`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct VisibilityResponse {
    /// Who may view the task now.
    pub visibility: Visibility,
    /// The read-only link; present only when the visibility is `public`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_url: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_optional_fields_are_omitted() {
        let body = serde_json::to_string(&CreateTaskRequest::new("hi")).unwrap();
        assert_eq!(body, r#"{"prompt":"hi"}"#);
    }

    #[test]
    fn prompt_limits_name_the_field() {
        let err = CreateTaskRequest::new("  ").validate().unwrap_err();
        assert_eq!(err.field, "prompt");
        let long = "é".repeat(100_001);
        let err = FollowUpRequest::new(long).validate().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid `prompt`: the prompt has 100001 characters; at most 100000 are allowed"
        );
        assert!(
            CreateTaskRequest::new("é".repeat(100_000))
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn file_names_are_checked_per_file() {
        let ok = FileRef {
            id: "f1".parse().unwrap(),
            filename: "a.csv".into(),
        };
        let long = FileRef {
            id: "f2".parse().unwrap(),
            filename: "x".repeat(256),
        };
        let err = CreateTaskRequest::new("p")
            .file(ok)
            .file(long)
            .validate()
            .unwrap_err();
        assert_eq!(err.field, "files[1].filename");
    }

    #[test]
    fn list_limit_is_one_to_a_hundred() {
        assert!(ListTasksQuery::page(1, 0).validate().is_ok());
        assert!(ListTasksQuery::page(100, 0).validate().is_ok());
        assert_eq!(
            ListTasksQuery::page(0, 0).validate().unwrap_err().field,
            "limit"
        );
        assert!(ListTasksQuery::page(101, 0).validate().is_err());
    }

    fn task(status: &str, prompts: &[&str]) -> Task {
        let prompts: Vec<String> = prompts
            .iter()
            .enumerate()
            .map(|(i, s)| {
                format!(
                    r#"{{"id":"p{i}","status":"{s}","submittedAt":"2026-02-09T10:30:00.000Z","completedAt":null}}"#
                )
            })
            .collect();
        serde_json::from_str(&format!(
            r#"{{"id":"t1","url":"u","status":"{status}","title":"t","executor":"claude",
                "model":"lite","createdAt":"2026-02-09T10:30:00.000Z","completedAt":null,
                "prompts":[{}]}}"#,
            prompts.join(",")
        ))
        .unwrap()
    }

    #[test]
    fn finished_needs_a_terminal_status_and_no_live_prompt() {
        assert!(task("completed", &["succeeded"]).is_finished());
        assert!(task("failed", &["succeeded", "failed"]).is_finished());
        assert!(task("succeeded", &[]).is_finished());
        assert!(!task("running", &["running"]).is_finished());
        // A stale terminal status read just after a follow-up was sent.
        assert!(!task("completed", &["succeeded", "pending"]).is_finished());
        assert!(!task("completed", &["succeeded", "running"]).is_finished());
        assert!(!task("whatever", &["succeeded"]).is_finished());
    }

    #[test]
    fn responses_tolerate_unknown_fields_and_absent_nulls() {
        let summary: TaskSummary = serde_json::from_str(
            r#"{"id":"t1","url":"u","title":"t","executor":"claude","model":"lite",
                "createdAt":"2026-02-09T10:30:00.000Z","newField":1}"#,
        )
        .unwrap();
        assert_eq!(summary.completed_at, None);
    }
}
