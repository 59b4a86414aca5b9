//! The endpoint catalog: the one place where the API's paths are written.
//!
//! The client builds every request from these constants, the simulator routes by them, and
//! `cargo xtask check-api` compares them with `docs/api.md`.

use std::fmt;

use crate::id::TaskId;

/// An HTTP method used by the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

impl Method {
    /// The method's name as HTTP writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One endpoint of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// A short name for the operation, such as `createTask`.
    pub operation: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path as the service documents it, `/v1` included, with `:id` for the task id.
    pub path: &'static str,
    /// The status of a successful answer.
    pub success: u16,
    /// Whether sending the request twice has the same effect as sending it once, so that a
    /// request that may have reached the server can be repeated after a timeout or a 5xx.
    pub retry_safe: bool,
    /// The name of the request type (body or query), if any.
    pub request: Option<&'static str>,
    /// The name of the response type, if the answer has a body the client reads.
    pub response: Option<&'static str>,
}

/// The placeholder for the task id in [`Endpoint::path`].
pub const ID_PLACEHOLDER: &str = ":id";

/// The version prefix every documented path starts with; a base URL ends with it.
pub const VERSION_PREFIX: &str = "/v1";

impl Endpoint {
    /// Whether the path has a task id in it.
    pub fn takes_task_id(&self) -> bool {
        self.path.contains(ID_PLACEHOLDER)
    }

    /// The path after the `/v1` prefix, for the task `id` when the path has one:
    /// `/tasks/abc/prompts`. Ids are safe path segments, so nothing needs escaping.
    pub fn relative_path(&self, id: Option<&TaskId>) -> String {
        let path = self.path.strip_prefix(VERSION_PREFIX).unwrap_or(self.path);
        match id {
            Some(id) => path.replace(ID_PLACEHOLDER, id.as_str()),
            None => path.to_owned(),
        }
    }

    /// The path with the id placeholder written `{id}`, as routers such as axum take it.
    pub fn route_template(&self) -> String {
        self.path.replace(ID_PLACEHOLDER, "{id}")
    }

    /// Whether `status` is the documented success of this endpoint. Cancel is documented
    /// only as "2xx", so any 2xx is accepted there.
    pub fn is_success(&self, status: u16) -> bool {
        status == self.success
            || (self.operation == CANCEL_TASK.operation && (200..300).contains(&status))
    }
}

/// `POST /v1/files`: get a signed URL to upload one file.
pub const CREATE_FILE: Endpoint = Endpoint {
    operation: "createFile",
    method: Method::Post,
    path: "/v1/files",
    success: 201,
    retry_safe: false,
    request: Some("CreateFileRequest"),
    response: Some("FileUpload"),
};

/// `POST /v1/tasks`: create a task; blocks until the VM is provisioned.
pub const CREATE_TASK: Endpoint = Endpoint {
    operation: "createTask",
    method: Method::Post,
    path: "/v1/tasks",
    success: 201,
    retry_safe: false,
    request: Some("CreateTaskRequest"),
    response: Some("CreatedTask"),
};

/// `GET /v1/tasks`: one page of tasks, newest first.
pub const LIST_TASKS: Endpoint = Endpoint {
    operation: "listTasks",
    method: Method::Get,
    path: "/v1/tasks",
    success: 200,
    retry_safe: true,
    request: Some("ListTasksQuery"),
    response: Some("TaskPage"),
};

/// `GET /v1/tasks/:id`: one task with its status and prompts.
pub const GET_TASK: Endpoint = Endpoint {
    operation: "getTask",
    method: Method::Get,
    path: "/v1/tasks/:id",
    success: 200,
    retry_safe: true,
    request: None,
    response: Some("Task"),
};

/// `POST /v1/tasks/:id/prompts`: send a follow-up prompt.
pub const CREATE_PROMPT: Endpoint = Endpoint {
    operation: "createPrompt",
    method: Method::Post,
    path: "/v1/tasks/:id/prompts",
    success: 201,
    retry_safe: false,
    request: Some("FollowUpRequest"),
    response: Some("FollowUpResponse"),
};

/// `PATCH /v1/tasks/:id/visibility`: set who may view the task.
pub const SET_VISIBILITY: Endpoint = Endpoint {
    operation: "setVisibility",
    method: Method::Patch,
    path: "/v1/tasks/:id/visibility",
    success: 200,
    retry_safe: true,
    request: Some("SetVisibilityRequest"),
    response: Some("VisibilityResponse"),
};

/// `DELETE /v1/tasks/:id`: soft-delete a task.
pub const DELETE_TASK: Endpoint = Endpoint {
    operation: "deleteTask",
    method: Method::Delete,
    path: "/v1/tasks/:id",
    success: 204,
    retry_safe: true,
    request: None,
    response: None,
};

/// `POST /v1/tasks/:id/cancel`: stop the running prompt.
pub const CANCEL_TASK: Endpoint = Endpoint {
    operation: "cancelTask",
    method: Method::Post,
    path: "/v1/tasks/:id/cancel",
    success: 200,
    retry_safe: true,
    request: None,
    response: None,
};

/// `GET /v1/tasks/:id/events`: live events of the latest prompt, as Server-Sent Events.
pub const TASK_EVENTS: Endpoint = Endpoint {
    operation: "taskEvents",
    method: Method::Get,
    path: "/v1/tasks/:id/events",
    success: 200,
    retry_safe: true,
    request: None,
    response: Some("TaskEvent"),
};

// The API has no idempotency key: a POST that creates something must never be repeated
// once it may have reached the server. Checked when the crate compiles.
const _: () =
    assert!(!CREATE_TASK.retry_safe && !CREATE_PROMPT.retry_safe && !CREATE_FILE.retry_safe);

/// Every endpoint, in documentation order.
pub const ALL: &[Endpoint] = &[
    CREATE_FILE,
    CREATE_TASK,
    LIST_TASKS,
    GET_TASK,
    CREATE_PROMPT,
    SET_VISIBILITY,
    DELETE_TASK,
    CANCEL_TASK,
    TASK_EVENTS,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_filled_with_the_id() {
        let id = TaskId::new("abc").unwrap();
        assert_eq!(CREATE_PROMPT.relative_path(Some(&id)), "/tasks/abc/prompts");
        assert_eq!(LIST_TASKS.relative_path(None), "/tasks");
        assert_eq!(GET_TASK.route_template(), "/v1/tasks/{id}");
    }

    #[test]
    fn operations_are_unique_and_ids_are_where_expected() {
        let mut names: Vec<_> = ALL.iter().map(|e| e.operation).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
        for e in ALL {
            assert!(e.path.starts_with(VERSION_PREFIX), "{}", e.path);
            assert_eq!(e.takes_task_id(), e.path.starts_with("/v1/tasks/"));
        }
    }
}
