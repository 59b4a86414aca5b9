//! Uploading files for a task: POST /v1/files and what a task refers to.

use serde::{Deserialize, Serialize};

use crate::id::FileId;
use crate::validate::{self, Validate, ValidationError};

/// Body of `POST /v1/files`: asks for a signed URL to upload one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateFileRequest {
    /// The original file name, at most 255 characters.
    pub filename: String,
    /// The MIME type; the service assumes `application/octet-stream` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
}

impl CreateFileRequest {
    /// A request for `filename` with no declared content type.
    pub fn new(filename: impl Into<String>) -> Self {
        Self {
            filename: filename.into(),
            content_type: None,
        }
    }

    /// Declares the MIME type the upload will carry.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }
}

impl Validate for CreateFileRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        validate::filename("filename", &self.filename)?;
        validate::not_blank("contentType", self.content_type.as_deref())
    }
}

/// Answer of `POST /v1/files`: where to `PUT` the bytes, and how a task refers to the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct FileUpload {
    /// The file's id.
    pub id: FileId,
    /// The original name made unique with a short suffix; the task refers to this one.
    pub filename: String,
    /// Signed URL for `PUT`, valid for one hour; it takes no API key.
    pub upload_url: String,
}

impl FileUpload {
    /// What a task's `files` needs to attach this file.
    pub fn file_ref(&self) -> FileRef {
        FileRef {
            id: self.id.clone(),
            filename: self.filename.clone(),
        }
    }
}

/// A file attached to a task, as returned by `POST /v1/files`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct FileRef {
    /// The file's id.
    pub id: FileId,
    /// The unique name returned by `POST /v1/files`; the file appears at `/code/<filename>`.
    pub filename: String,
}
