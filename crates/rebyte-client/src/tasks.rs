//! The task endpoints.

use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use rebyte_types::catalog::{
    CANCEL_TASK, CREATE_PROMPT, CREATE_TASK, DELETE_TASK, GET_TASK, LIST_TASKS, SET_VISIBILITY,
};
use rebyte_types::{
    CreateTaskRequest, CreatedTask, FollowUpRequest, FollowUpResponse, ListTasksQuery,
    SetVisibilityRequest, Task, TaskId, TaskPage, Validate, Visibility, VisibilityResponse,
};
use serde::Serialize;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::transport::{Call, Sent};

/// Serializes a request body after validating it.
pub(crate) fn json_body<T: Serialize + Validate>(request: &T) -> Result<Bytes> {
    request.validate()?;
    serde_json::to_vec(request)
        .map(Bytes::from)
        .map_err(|e| Error::config(format!("could not encode the request: {e}")))
}

impl Client {
    /// Creates a task: `POST /v1/tasks`.
    ///
    /// The call blocks until the service has provisioned a VM and submitted the first prompt,
    /// which can take minutes; its per-attempt limit is
    /// [`ClientBuilder::create_timeout`](crate::ClientBuilder::create_timeout). The answer's
    /// `url` can be handed to a person at once. It is never retried once it may have reached
    /// the server (the API has no idempotency key): after a timeout or a 5xx, list the tasks
    /// before creating it again.
    pub async fn create_task(&self, request: &CreateTaskRequest) -> Result<CreatedTask> {
        let body = json_body(request)?;
        self.send_json(Call {
            endpoint: &CREATE_TASK,
            id: None,
            query: &[],
            body: Some(body),
            timeout: self.inner.create_timeout,
        })
        .await
    }

    /// Reads a task with its derived status and its prompts: `GET /v1/tasks/:id`.
    pub async fn get_task(&self, id: &TaskId) -> Result<Task> {
        self.send_json(Call {
            endpoint: &GET_TASK,
            id: Some(id),
            query: &[],
            body: None,
            timeout: self.inner.request_timeout,
        })
        .await
    }

    /// Reads one page of the task list, newest first: `GET /v1/tasks`.
    pub async fn list_tasks(&self, query: ListTasksQuery) -> Result<TaskPage> {
        query.validate()?;
        let mut pairs = Vec::new();
        if let Some(limit) = query.limit {
            pairs.push(("limit", limit.to_string()));
        }
        if let Some(offset) = query.offset {
            pairs.push(("offset", offset.to_string()));
        }
        self.send_json(Call {
            endpoint: &LIST_TASKS,
            id: None,
            query: &pairs,
            body: None,
            timeout: self.inner.request_timeout,
        })
        .await
    }

    /// Sends a follow-up prompt to a task: `POST /v1/tasks/:id/prompts`.
    ///
    /// Wait for the returned prompt with [`Client::wait_for_prompt`], not for the task: the
    /// task's status read just after this call may still be the previous prompt's. Like
    /// creating a task, it is never retried once it may have reached the server.
    pub async fn follow_up(
        &self,
        id: &TaskId,
        request: &FollowUpRequest,
    ) -> Result<FollowUpResponse> {
        let body = json_body(request)?;
        self.send_json(Call {
            endpoint: &CREATE_PROMPT,
            id: Some(id),
            query: &[],
            body: Some(body),
            timeout: self.inner.request_timeout,
        })
        .await
    }

    /// Sets who may view a task: `PATCH /v1/tasks/:id/visibility`. Making it
    /// [`Visibility::Public`] gives a `share_url` anyone can open.
    pub async fn set_visibility(
        &self,
        id: &TaskId,
        visibility: Visibility,
    ) -> Result<VisibilityResponse> {
        let body = serde_json::to_vec(&SetVisibilityRequest { visibility })
            .map(Bytes::from)
            .map_err(|e| Error::config(format!("could not encode the request: {e}")))?;
        self.send_json(Call {
            endpoint: &SET_VISIBILITY,
            id: Some(id),
            query: &[],
            body: Some(body),
            timeout: self.inner.request_timeout,
        })
        .await
    }

    /// Soft-deletes a task: `DELETE /v1/tasks/:id`. Afterwards it is gone from the list and
    /// reading it answers 404.
    ///
    /// Retried like any retry-safe request. When an attempt's answer was lost (a timeout, a
    /// dropped connection, a 502/503/504) and the retry answers `404 not_found`, the first
    /// attempt deleted the task, so the call succeeds; a 404 otherwise is an error.
    pub async fn delete_task(&self, id: &TaskId) -> Result<()> {
        let url = self.endpoint_url(&DELETE_TASK, Some(id), &[])?;
        let timeout = self.inner.request_timeout;
        let may_have_deleted = AtomicBool::new(false);
        self.with_retries(DELETE_TASK.operation, DELETE_TASK.retry_safe, |attempt| {
            let (url, may_have_deleted) = (&url, &may_have_deleted);
            async move {
                match self
                    .attempt(&DELETE_TASK, url, None, timeout, attempt)
                    .await
                {
                    Ok(_) => Ok(()),
                    Err(failure)
                        if failure.error.is_not_found()
                            && may_have_deleted.load(Ordering::Relaxed) =>
                    {
                        tracing::debug!(
                            operation = DELETE_TASK.operation,
                            attempt,
                            "gone on retry: an earlier attempt deleted it"
                        );
                        Ok(())
                    }
                    Err(failure) => {
                        if failure.sent == Sent::Maybe {
                            may_have_deleted.store(true, Ordering::Relaxed);
                        }
                        Err(failure)
                    }
                }
            }
        })
        .await
    }

    /// Stops the running prompt of a task: `POST /v1/tasks/:id/cancel`. Any 2xx is success.
    pub async fn cancel_task(&self, id: &TaskId) -> Result<()> {
        self.send(Call {
            endpoint: &CANCEL_TASK,
            id: Some(id),
            query: &[],
            body: None,
            timeout: self.inner.request_timeout,
        })
        .await
        .map(drop)
    }
}
