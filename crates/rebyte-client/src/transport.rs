//! Sending one operation: building the request from the catalog, retrying what may be
//! retried, timing out, and tracing every attempt.

use std::future::Future;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use rebyte_types::{Endpoint, TaskId};
use reqwest::header::{ACCEPT, CONTENT_TYPE, RETRY_AFTER};
use serde::de::DeserializeOwned;
use tracing::{Instrument, field};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::retry::parse_retry_after;

/// The header that carries the key.
pub(crate) const API_KEY_HEADER: &str = "API_KEY";

/// Whether a failed attempt may be repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sent {
    /// The request never left: repeating it is always safe.
    No,
    /// The server refused it unprocessed (429): repeating it is always safe.
    Throttled,
    /// It may have reached the server: repeat only a retry-safe request.
    Maybe,
    /// The answer is final: never repeat.
    Final,
}

/// A failed attempt.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) error: Error,
    pub(crate) sent: Sent,
    pub(crate) retry_after: Option<Duration>,
}

impl Failure {
    pub(crate) fn fatal(error: Error) -> Self {
        Self {
            error,
            sent: Sent::Final,
            retry_after: None,
        }
    }
}

/// What to send for one operation.
pub(crate) struct Call<'a> {
    pub(crate) endpoint: &'static Endpoint,
    pub(crate) id: Option<&'a TaskId>,
    pub(crate) query: &'a [(&'static str, String)],
    pub(crate) body: Option<Bytes>,
    pub(crate) timeout: Duration,
}

impl Client {
    /// The URL of `endpoint` for `id`: the base URL plus the catalog's relative path.
    pub(crate) fn endpoint_url(
        &self,
        endpoint: &Endpoint,
        id: Option<&TaskId>,
        query: &[(&'static str, String)],
    ) -> Result<url::Url> {
        let text = format!("{}{}", self.inner.base_url, endpoint.relative_path(id));
        let mut url = url::Url::parse(&text)
            .map_err(|e| Error::config(format!("could not build the URL `{text}`: {e}")))?;
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in query {
                pairs.append_pair(name, value);
            }
        }
        Ok(url)
    }

    /// Runs `attempt` until it succeeds, its failure may not be repeated, or the policy says
    /// stop; the whole under the operation timeout, if one is set.
    pub(crate) async fn with_retries<T, F, Fut>(
        &self,
        operation: &'static str,
        retry_safe: bool,
        mut attempt: F,
    ) -> Result<T>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, Failure>>,
    {
        let policy = &self.inner.retry;
        let run = async {
            let start = Instant::now();
            let mut number = 1u32;
            loop {
                let failure = match attempt(number).await {
                    Ok(value) => return Ok(value),
                    Err(failure) => failure,
                };
                let repeatable = match failure.sent {
                    Sent::No | Sent::Throttled => true,
                    Sent::Maybe => retry_safe,
                    Sent::Final => false,
                };
                if !repeatable {
                    if failure.sent == Sent::Maybe {
                        tracing::debug!(
                            operation,
                            attempt = number,
                            reason = %failure.error,
                            "not retried: the request may have reached the server and repeating it is not safe"
                        );
                    }
                    return Err(failure.error);
                }
                let delay = policy.delay(number, failure.retry_after);
                if !policy.allows(number, start.elapsed(), delay) {
                    tracing::debug!(
                        operation,
                        attempt = number,
                        reason = %failure.error,
                        "not retried: attempt limit or retry deadline reached"
                    );
                    return Err(failure.error);
                }
                tracing::debug!(
                    operation,
                    attempt = number,
                    delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                    reason = %failure.error,
                    "retrying"
                );
                tokio::time::sleep(delay).await;
                number += 1;
            }
        };
        match self.inner.operation_timeout {
            Some(limit) => tokio::time::timeout(limit, run)
                .await
                .unwrap_or(Err(Error::Timeout {
                    after: limit,
                    what: "operation",
                })),
            None => run.await,
        }
    }

    /// Sends `call` with retries and returns the status and body of a 2xx answer.
    pub(crate) async fn send(&self, call: Call<'_>) -> Result<(u16, Bytes)> {
        let url = self.endpoint_url(call.endpoint, call.id, call.query)?;
        let endpoint = call.endpoint;
        self.with_retries(endpoint.operation, endpoint.retry_safe, |attempt| {
            self.attempt(endpoint, &url, call.body.clone(), call.timeout, attempt)
        })
        .await
    }

    /// Sends `call` and decodes the answer as `T`.
    pub(crate) async fn send_json<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T> {
        let (status, body) = self.send(call).await?;
        self.decode(status, &body)
    }

    /// Decodes a body as `T`. The fast path is plain `serde_json`; only a body that fails
    /// is read again to find the JSON path at fault.
    pub(crate) fn decode<T: DeserializeOwned>(&self, status: u16, body: &[u8]) -> Result<T> {
        match serde_json::from_slice(body) {
            Ok(value) => Ok(value),
            Err(_) => {
                let de = &mut serde_json::Deserializer::from_slice(body);
                match serde_path_to_error::deserialize(de) {
                    Ok(value) => Ok(value),
                    Err(e) => Err(Error::decode(status, body, e, self.secret())),
                }
            }
        }
    }

    /// A request to `url` for `endpoint`, with the key and the JSON headers.
    pub(crate) fn request(
        &self,
        endpoint: &Endpoint,
        url: &url::Url,
        accept: &'static str,
    ) -> reqwest::RequestBuilder {
        let method = match endpoint.method {
            rebyte_types::Method::Get => reqwest::Method::GET,
            rebyte_types::Method::Post => reqwest::Method::POST,
            rebyte_types::Method::Patch => reqwest::Method::PATCH,
            rebyte_types::Method::Delete => reqwest::Method::DELETE,
        };
        self.inner
            .http
            .request(method, url.clone())
            .header(API_KEY_HEADER, self.inner.key_header.clone())
            .header(ACCEPT, accept)
    }

    /// One attempt: send, read the whole answer, classify.
    pub(crate) async fn attempt(
        &self,
        endpoint: &'static Endpoint,
        url: &url::Url,
        body: Option<Bytes>,
        timeout: Duration,
        attempt: u32,
    ) -> Result<(u16, Bytes), Failure> {
        let span = request_span(endpoint, attempt);
        let started = Instant::now();
        let run = async {
            let mut request = self
                .request(endpoint, url, "application/json")
                .timeout(timeout);
            if let Some(body) = body {
                request = request.header(CONTENT_TYPE, "application/json").body(body);
            }
            let response = request
                .send()
                .await
                .map_err(|e| self.send_failure(e, timeout))?;
            let status = response.status().as_u16();
            let retry_after = retry_after(&response);
            let bytes = response.bytes().await.map_err(|e| Failure {
                error: self.body_error(e, timeout),
                sent: Sent::Maybe,
                retry_after: None,
            })?;
            Ok::<_, Failure>((status, retry_after, bytes))
        };
        let result = run.instrument(span.clone()).await;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        span.record("latency_ms", latency_ms);
        let _enter = span.enter();
        let (status, retry_after, bytes) = match result {
            Ok(answer) => answer,
            Err(failure) => {
                tracing::debug!(latency_ms, error = %failure.error, "request failed");
                return Err(failure);
            }
        };
        span.record("status", status);
        tracing::debug!(status, latency_ms, "answered");
        if (200..300).contains(&status) {
            if !endpoint.is_success(status) {
                tracing::debug!(
                    status,
                    documented = endpoint.success,
                    "a success other than the documented one"
                );
            }
            return Ok((status, bytes));
        }
        Err(self.status_failure(status, &bytes, retry_after))
    }

    pub(crate) fn status_failure(
        &self,
        status: u16,
        body: &[u8],
        retry_after: Option<Duration>,
    ) -> Failure {
        let sent = match status {
            429 => Sent::Throttled,
            502..=504 => Sent::Maybe,
            _ => Sent::Final,
        };
        Failure {
            error: Error::from_answer(status, body, self.secret()),
            sent,
            retry_after,
        }
    }

    /// Classifies an error of `send()`: a connection never made was not sent; a request that
    /// could not be built never will be.
    pub(crate) fn send_failure(&self, error: reqwest::Error, timeout: Duration) -> Failure {
        if error.is_builder() {
            return Failure::fatal(Error::transport(error, self.secret()));
        }
        if error.is_connect() {
            return Failure {
                error: Error::transport(error, self.secret()),
                sent: Sent::No,
                retry_after: None,
            };
        }
        Failure {
            error: self.body_error(error, timeout),
            sent: Sent::Maybe,
            retry_after: None,
        }
    }

    pub(crate) fn body_error(&self, error: reqwest::Error, timeout: Duration) -> Error {
        if error.is_timeout() {
            Error::Timeout {
                after: timeout,
                what: "attempt",
            }
        } else {
            Error::transport(error, self.secret())
        }
    }
}

/// The span of one attempt: method, path template, operation, attempt; status and latency
/// are recorded when known.
pub(crate) fn request_span(endpoint: &Endpoint, attempt: u32) -> tracing::Span {
    tracing::debug_span!(
        "rebyte_request",
        method = endpoint.method.as_str(),
        path = endpoint.path,
        operation = endpoint.operation,
        attempt,
        status = field::Empty,
        latency_ms = field::Empty,
    )
}

pub(crate) fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, SystemTime::now())
}
