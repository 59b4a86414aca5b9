//! The JSON Schema of every documented type, for tools that compare the model with the docs.
//!
//! Enabled by the `schema` feature. `cargo xtask check-api` reads [`documented_types`] and
//! compares each schema with the tables of `docs/api.md`, and round-trips every example body
//! through the type it names.

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::*;

/// A type of the wire model that `docs/api.md` documents.
#[derive(Debug, Clone, Copy)]
pub struct DocumentedType {
    /// The type's name, as the docs write it.
    pub name: &'static str,
    /// Its JSON Schema; nested types appear as `$ref`s to their own names.
    pub schema: fn() -> Schema,
    /// Decodes a JSON document into the type and encodes it again.
    pub round_trip: fn(&str) -> Result<serde_json::Value, String>,
}

fn schema_of<T: JsonSchema>() -> Schema {
    let mut settings = schemars::generate::SchemaSettings::draft2020_12();
    settings.inline_subschemas = false;
    SchemaGenerator::new(settings).into_root_schema_for::<T>()
}

fn round_trip_of<T: Serialize + DeserializeOwned>(json: &str) -> Result<serde_json::Value, String> {
    let value: T = serde_json::from_str(json).map_err(|e| e.to_string())?;
    serde_json::to_value(&value).map_err(|e| e.to_string())
}

macro_rules! documented {
    ($($ty:ident),+ $(,)?) => {
        &[$(DocumentedType {
            name: stringify!($ty),
            schema: schema_of::<$ty>,
            round_trip: round_trip_of::<$ty>,
        }),+]
    };
}

/// Every object and enum type that `docs/api.md` documents.
pub fn documented_types() -> &'static [DocumentedType] {
    documented![
        CreateFileRequest,
        FileUpload,
        FileRef,
        CreateTaskRequest,
        CreatedTask,
        ListTasksQuery,
        TaskPage,
        TaskSummary,
        Task,
        Prompt,
        FollowUpRequest,
        FollowUpResponse,
        SetVisibilityRequest,
        VisibilityResponse,
        ErrorBody,
        ApiErrorDetail,
        TaskEvent,
        DoneEvent,
        InitPayload,
        TextPayload,
        ToolUsePayload,
        ToolResultPayload,
        ResultPayload,
        TaskStatus,
        PromptStatus,
        Visibility,
        Executor,
        ErrorCode,
        EventType,
    ]
}
