//! The floor: a raw `reqwest` loop doing the same HTTP call as the client, with none of
//! the client's logic (no retry policy, no tracing spans, no error mapping).
//!
//! To compare like with like it decodes the answer into the same typed
//! [`rebyte_types::Task`] the client returns, so the overhead figure measures the client's
//! own work, not JSON decoding.

use rebyte_types::catalog::GET_TASK;
use rebyte_types::{Task, TaskId};

use super::BoxError;

/// A hand-written GET task call over a plain `reqwest::Client` (keep-alive pool).
#[derive(Debug)]
pub struct RawGet {
    http: reqwest::Client,
    url: String,
    api_key: String,
}

impl RawGet {
    /// A raw caller of `GET /v1/tasks/{id}` at `base_url` (which ends in `/v1`).
    pub fn new(base_url: &str, api_key: &str, id: &TaskId) -> Result<Self, BoxError> {
        Ok(Self {
            http: reqwest::Client::builder().build()?,
            url: format!(
                "{}{}",
                base_url.trim_end_matches('/'),
                GET_TASK.relative_path(Some(id))
            ),
            api_key: api_key.to_owned(),
        })
    }

    /// One call: send, check the status, read and decode the body.
    pub async fn get(&self) -> Result<Task, BoxError> {
        let resp = self
            .http
            .get(&self.url)
            .header("API_KEY", &self.api_key)
            .send()
            .await?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await?;
        if !GET_TASK.is_success(status) {
            return Err(format!("GET task answered {status}").into());
        }
        Ok(serde_json::from_slice(&body)?)
    }
}
