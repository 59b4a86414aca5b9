//! The [`Client`] handle.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;

use crate::config::{ApiKey, ClientBuilder};
use crate::error::Result;
use crate::retry::RetryPolicy;

/// A client of the Rebyte tasks API.
///
/// Cheap to clone: every clone shares one connection pool and one configuration, so make
/// one and pass clones to tasks. Build it with [`Client::from_env`] or [`Client::builder`].
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: Box<str>,
    pub(crate) key: ApiKey,
    pub(crate) key_header: HeaderValue,
    pub(crate) request_timeout: Duration,
    pub(crate) create_timeout: Duration,
    pub(crate) upload_timeout: Duration,
    pub(crate) operation_timeout: Option<Duration>,
    pub(crate) retry: RetryPolicy,
    pub(crate) event_reconnect_delay: Duration,
    pub(crate) event_max_reconnects: u32,
    pub(crate) event_idle_timeout: Duration,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Client")
            .field("base_url", &inner.base_url)
            .field("api_key", &inner.key)
            .field("request_timeout", &inner.request_timeout)
            .field("create_timeout", &inner.create_timeout)
            .field("operation_timeout", &inner.operation_timeout)
            .field("retry", &inner.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder, to set the key, base URL, timeouts, retry policy and user agent.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client configured from the environment: the key from `REBYTE_API_KEY` and, when
    /// set, the base URL from `REBYTE_BASE_URL`. Fails with [`crate::Error::Config`] when
    /// the key is missing or empty, or the base URL is refused.
    pub fn from_env() -> Result<Client> {
        ClientBuilder::from_env().build()
    }

    /// The base URL requests go to, without a trailing slash (`https://api.rebyte.ai/v1`).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The retry policy in force.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    pub(crate) fn secret(&self) -> &str {
        self.inner.key.expose_secret()
    }
}
