//! Uploading a file for a task: ask for a slot, then stream the bytes to the signed URL.

use std::path::Path;
use std::time::Instant;

use rebyte_types::catalog::CREATE_FILE;
use rebyte_types::{CreateFileRequest, FileRef, FileUpload};
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE};
use tokio_util::io::ReaderStream;

/// How much of the file one read takes while streaming an upload.
const UPLOAD_CHUNK_BYTES: usize = 256 * 1024;
use tracing::Instrument;

use crate::client::Client;
use crate::error::{Error, Result, snippet};
use crate::tasks::json_body;
use crate::transport::{Call, Failure, Sent};

/// The content type of a file whose extension says nothing.
pub const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// Choices for [`Client::upload_file_with`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadOptions {
    /// The name to declare instead of the file's own name.
    pub filename: Option<String>,
    /// The MIME type to declare instead of the one guessed from the extension.
    pub content_type: Option<String>,
}

impl UploadOptions {
    /// Declares `filename` instead of the file's own name.
    pub fn filename(mut self, filename: impl Into<String>) -> Self {
        self.filename = Some(filename.into());
        self
    }

    /// Declares `content_type` instead of guessing it from the extension.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }
}

impl Client {
    /// Uploads a file so that a task can use it, and returns what
    /// [`CreateTaskRequest::file`](rebyte_types::CreateTaskRequest::file) takes.
    ///
    /// The content type is guessed from the extension (`application/octet-stream` when it
    /// says nothing). See [`Client::upload_file_with`].
    pub async fn upload_file(&self, path: impl AsRef<Path>) -> Result<FileRef> {
        self.upload_file_with(path, UploadOptions::default()).await
    }

    /// Uploads a file with a chosen name or content type.
    ///
    /// First `POST /v1/files` declares the name and type and returns a signed URL (this is
    /// never repeated once it may have reached the server); then the file is streamed from
    /// disk to that URL with `PUT`, with the declared `Content-Type`, its length, and no API
    /// key. Memory use does not grow with the file's size. The `PUT` is retried like a
    /// retry-safe request, reading the file again. The file is opened before anything is
    /// sent, so a missing file costs no request.
    pub async fn upload_file_with(
        &self,
        path: impl AsRef<Path>,
        options: UploadOptions,
    ) -> Result<FileRef> {
        let path = path.as_ref();
        let io_error = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let filename = match options.filename {
            Some(name) => name,
            None => path
                .file_name()
                .and_then(|n| n.to_str())
                .map(str::to_owned)
                .ok_or_else(|| {
                    Error::Validation(rebyte_types::ValidationError::new(
                        "filename",
                        "the file has no name in UTF-8; give one in UploadOptions",
                    ))
                })?,
        };
        let content_type = options.content_type.unwrap_or_else(|| {
            mime_guess::from_path(path)
                .first_raw()
                .unwrap_or(DEFAULT_CONTENT_TYPE)
                .to_owned()
        });
        let request = CreateFileRequest::new(filename).content_type(content_type.clone());
        let body = json_body(&request)?;
        // The PUT carries it as a header: check that it can before a slot is asked for.
        if reqwest::header::HeaderValue::from_str(&content_type).is_err() {
            return Err(Error::Validation(rebyte_types::ValidationError::new(
                "contentType",
                "it holds characters an HTTP header cannot carry",
            )));
        }

        let metadata = tokio::fs::metadata(path).await.map_err(io_error)?;
        if !metadata.is_file() {
            return Err(io_error(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a regular file",
            )));
        }
        // Fail on an unreadable file before asking for a slot.
        drop(tokio::fs::File::open(path).await.map_err(io_error)?);

        let upload: FileUpload = self
            .send_json(Call {
                endpoint: &CREATE_FILE,
                id: None,
                query: &[],
                body: Some(body),
                timeout: self.inner.request_timeout,
            })
            .await?;
        let url = url::Url::parse(&upload.upload_url).map_err(|e| Error::Decode {
            status: 201,
            path: "uploadUrl".into(),
            snippet: snippet(upload.upload_url.as_bytes(), self.secret()),
            source: serde::de::Error::custom(e),
        })?;

        self.with_retries("uploadFile", true, |attempt| {
            self.put_file(path, &url, &content_type, attempt)
        })
        .await?;
        Ok(upload.file_ref())
    }

    async fn put_file(
        &self,
        path: &Path,
        url: &url::Url,
        content_type: &str,
        attempt: u32,
    ) -> Result<(), Failure> {
        let span = tracing::debug_span!(
            "rebyte_upload",
            method = "PUT",
            path = "<upload url>",
            attempt,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let timeout = self.inner.upload_timeout;
        let result = async {
            let io = |source| {
                Failure::fatal(Error::Io {
                    path: path.to_path_buf(),
                    source,
                })
            };
            let file = tokio::fs::File::open(path).await.map_err(io)?;
            let length = file.metadata().await.map_err(io)?.len();
            // Large chunks: every read of a tokio file is a trip through the blocking pool,
            // and the default 4 KiB made a 1 GiB upload three times slower than needed.
            // Memory stays bounded by one chunk in flight.
            let body =
                reqwest::Body::wrap_stream(ReaderStream::with_capacity(file, UPLOAD_CHUNK_BYTES));
            // Built without the client's API key: the signed URL is the authorization.
            let response = self
                .inner
                .http
                .put(url.clone())
                .header(CONTENT_TYPE, content_type)
                .header(CONTENT_LENGTH, length)
                .timeout(timeout)
                .body(body)
                .send()
                .await
                .map_err(|e| self.send_failure(e, timeout))?;
            let status = response.status().as_u16();
            let retry_after = crate::transport::retry_after(&response);
            let bytes = response.bytes().await.unwrap_or_default();
            Ok::<_, Failure>((status, retry_after, bytes))
        }
        .instrument(span.clone())
        .await;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        span.record("latency_ms", latency_ms);
        let _enter = span.enter();
        let (status, retry_after, bytes) = result?;
        span.record("status", status);
        tracing::debug!(status, latency_ms, "answered");
        if (200..300).contains(&status) {
            return Ok(());
        }
        let sent = match status {
            429 => Sent::Throttled,
            500..=504 => Sent::Maybe,
            _ => Sent::Final,
        };
        Err(Failure {
            error: Error::Upload {
                status,
                snippet: snippet(&bytes, self.secret()),
            },
            sent,
            retry_after,
        })
    }
}
