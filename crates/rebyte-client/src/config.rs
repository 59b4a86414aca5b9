//! Configuration: the API key, the base URL and the builder of a [`Client`].

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;

use crate::client::{Client, Inner};
use crate::error::{Error, Result};
use crate::retry::RetryPolicy;

/// The base URL of the service.
pub const DEFAULT_BASE_URL: &str = "https://api.rebyte.ai/v1";

/// The environment variable the key is read from.
pub const API_KEY_ENV: &str = "REBYTE_API_KEY";
/// The environment variable an optional base URL is read from.
pub const BASE_URL_ENV: &str = "REBYTE_BASE_URL";
/// Where API keys are created.
pub const API_KEYS_PAGE: &str = "https://app.rebyte.ai/settings/api-keys";

/// An API key. A secret: its `Debug` prints `ApiKey(***)`, it has no `Display`, and the
/// header that carries it is marked sensitive so that HTTP libraries do not log it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(Arc<str>);

impl ApiKey {
    /// Wraps a key. Surrounding whitespace (a newline from a file) is removed; an empty key,
    /// or one with characters an HTTP header cannot carry, is refused.
    pub fn new(key: impl Into<String>) -> Result<Self> {
        let key = key.into();
        let key = key.trim();
        if key.is_empty() {
            return Err(missing_key());
        }
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::config(format!(
                "the API key holds characters an HTTP header cannot carry; copy it again from {API_KEYS_PAGE}"
            )));
        }
        Ok(Self(Arc::from(key)))
    }

    /// The key itself, for code that must hand it on. Never log it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    pub(crate) fn header_value(&self) -> Result<HeaderValue> {
        let mut value = HeaderValue::from_str(&self.0).map_err(|_| {
            Error::config("the API key holds characters an HTTP header cannot carry")
        })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

fn missing_key() -> Error {
    Error::config(format!(
        "no API key: set {API_KEY_ENV} (or pass one to the builder); keys are created at {API_KEYS_PAGE}"
    ))
}

/// Checks a base URL and returns it without a trailing slash.
///
/// It must be `http` or `https`, end in `/v1` (one trailing slash is tolerated), and carry
/// no query, fragment or credentials; any path prefix before `/v1` is kept. Plain `http` is
/// accepted only for a loopback host (`127.0.0.0/8`, `::1`, `localhost`).
pub(crate) fn normalize_base_url(raw: &str) -> Result<String> {
    let raw = raw.trim();
    let url = url::Url::parse(raw).map_err(|e| {
        Error::config(format!(
            "the base URL `{raw}` is not a URL ({e}); expected something like {DEFAULT_BASE_URL}"
        ))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config(
            "the base URL must not carry credentials; the key goes in REBYTE_API_KEY",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config(format!(
            "the base URL `{raw}` must not have a query or a fragment"
        )));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(Error::config(format!(
                "the base URL `{raw}` uses plain http, which is allowed only for a loopback host (127.0.0.1, ::1, localhost); use https"
            )));
        }
        other => {
            return Err(Error::config(format!(
                "the base URL `{raw}` has scheme `{other}`; use https"
            )));
        }
    }
    if url.host().is_none() {
        return Err(Error::config(format!("the base URL `{raw}` has no host")));
    }
    let text = url.as_str();
    let text = text.strip_suffix('/').unwrap_or(text);
    if !text.ends_with(rebyte_types::catalog::VERSION_PREFIX) {
        return Err(Error::config(format!(
            "the base URL `{raw}` must end in /v1, like {DEFAULT_BASE_URL} or https://proxy.example/rebyte/v1"
        )));
    }
    Ok(text.to_owned())
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.');
            name.eq_ignore_ascii_case("localhost")
                || name.to_ascii_lowercase().ends_with(".localhost")
        }
        None => false,
    }
}

/// Builds a [`Client`]. Get one with [`Client::builder`].
///
/// ```
/// use std::time::Duration;
/// use rebyte_client::{Client, RetryPolicy};
///
/// let client = Client::builder()
///     .api_key("rbk_example")
///     .base_url("http://127.0.0.1:8080/v1")
///     .request_timeout(Duration::from_secs(30))
///     .retry_policy(RetryPolicy::default().max_attempts(3))
///     .build()?;
/// assert_eq!(client.base_url(), "http://127.0.0.1:8080/v1");
/// # Ok::<(), rebyte_client::Error>(())
/// ```
#[derive(Clone)]
pub struct ClientBuilder {
    api_key: Option<String>,
    base_url: Option<String>,
    connect_timeout: Duration,
    request_timeout: Duration,
    create_timeout: Duration,
    upload_timeout: Duration,
    operation_timeout: Option<Duration>,
    retry: RetryPolicy,
    user_agent: String,
    event_reconnect_delay: Duration,
    event_max_reconnects: u32,
    event_idle_timeout: Duration,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("base_url", &self.base_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("create_timeout", &self.create_timeout)
            .field("upload_timeout", &self.upload_timeout)
            .field("operation_timeout", &self.operation_timeout)
            .field("retry", &self.retry)
            .field("user_agent", &self.user_agent)
            .field("event_reconnect_delay", &self.event_reconnect_delay)
            .field("event_max_reconnects", &self.event_max_reconnects)
            .field("event_idle_timeout", &self.event_idle_timeout)
            .finish()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            api_key: None,
            base_url: None,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            create_timeout: Duration::from_secs(600),
            upload_timeout: Duration::from_secs(3600),
            operation_timeout: None,
            retry: RetryPolicy::default(),
            user_agent: concat!("rebyte-client-rust/", env!("CARGO_PKG_VERSION")).to_owned(),
            event_reconnect_delay: Duration::from_secs(1),
            event_max_reconnects: 5,
            event_idle_timeout: Duration::from_secs(300),
        }
    }
}

impl ClientBuilder {
    /// A builder with the defaults: base URL [`DEFAULT_BASE_URL`], connect timeout 10 s,
    /// per-attempt timeout 60 s (10 minutes for creating a task, 1 hour for an upload `PUT`),
    /// no operation timeout, the default [`RetryPolicy`].
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder holding `REBYTE_API_KEY` and, when set and not empty, `REBYTE_BASE_URL`.
    pub fn from_env() -> Self {
        let mut builder = Self::new();
        if let Ok(key) = std::env::var(API_KEY_ENV) {
            builder.api_key = Some(key);
        }
        if let Ok(url) = std::env::var(BASE_URL_ENV)
            && !url.trim().is_empty()
        {
            builder.base_url = Some(url);
        }
        builder
    }

    /// The API key (`rbk_…`).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The base URL, ending in `/v1`; any prefix is kept (`https://proxy.example/rebyte/v1`).
    /// Plain `http` is accepted only for a loopback host.
    pub fn base_url(mut self, url: impl AsRef<str>) -> Self {
        self.base_url = Some(url.as_ref().to_owned());
        self
    }

    /// How long to wait for a connection to be made.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one attempt of a request may take, from connecting to the end of the answer.
    /// Creating a task has its own, longer limit ([`ClientBuilder::create_timeout`]).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How long one attempt of creating a task may take. The call blocks until the VM is
    /// provisioned, which can take minutes; the default is 10 minutes.
    pub fn create_timeout(mut self, timeout: Duration) -> Self {
        self.create_timeout = timeout;
        self
    }

    /// How long the `PUT` of an upload may take; the default is the hour an upload URL lives.
    pub fn upload_timeout(mut self, timeout: Duration) -> Self {
        self.upload_timeout = timeout;
        self
    }

    /// How long a whole operation may take, retries and their delays included. Unset by
    /// default. It also bounds creating a task, so keep it above the create timeout if you
    /// set both. It does not apply to waits (see [`crate::WaitOptions`]) or event streams.
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = Some(timeout);
        self
    }

    /// The retry policy; [`RetryPolicy::none`] turns retries off.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// How long [`Client::events`] waits before opening the stream again after it ended
    /// early (a `done` with `lastSeq` -1, or a dropped connection). About a second by default.
    pub fn event_reconnect_delay(mut self, delay: Duration) -> Self {
        self.event_reconnect_delay = delay;
        self
    }

    /// How many times in a row [`Client::events`] opens the stream again before giving up;
    /// 5 by default. The count restarts whenever a connection brings a new event.
    pub fn event_max_reconnects(mut self, reconnects: u32) -> Self {
        self.event_max_reconnects = reconnects;
        self
    }

    /// How long [`Client::events`] waits for the next bytes of an open stream before it
    /// takes the connection for dead and opens the stream again (which replays the events,
    /// deduplicated); 5 minutes by default.
    pub fn event_idle_timeout(mut self, timeout: Duration) -> Self {
        self.event_idle_timeout = timeout;
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client> {
        let key = ApiKey::new(self.api_key.unwrap_or_default())?;
        let base_url = normalize_base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        let key_header = key.header_value()?;
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .user_agent(self.user_agent)
            // A redirect could carry the API_KEY header to another host: never follow one.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::config(format!("could not set up the HTTP client: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url: base_url.into_boxed_str(),
                key,
                key_header,
                request_timeout: self.request_timeout,
                create_timeout: self.create_timeout,
                upload_timeout: self.upload_timeout,
                operation_timeout: self.operation_timeout,
                retry: self.retry,
                event_reconnect_delay: self.event_reconnect_delay,
                event_max_reconnects: self.event_max_reconnects,
                event_idle_timeout: self.event_idle_timeout,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_keep_their_prefix() {
        for (raw, want) in [
            ("https://api.rebyte.ai/v1", "https://api.rebyte.ai/v1"),
            ("https://api.rebyte.ai/v1/", "https://api.rebyte.ai/v1"),
            (
                "https://proxy.example/rebyte/v1",
                "https://proxy.example/rebyte/v1",
            ),
            ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1"),
            ("http://127.1.2.3/v1", "http://127.1.2.3/v1"),
            ("http://[::1]:9/v1", "http://[::1]:9/v1"),
            ("http://LOCALHOST:9/v1", "http://localhost:9/v1"),
        ] {
            assert_eq!(normalize_base_url(raw).unwrap(), want, "{raw}");
        }
    }

    #[test]
    fn bad_base_urls_are_refused_with_the_reason() {
        for (raw, reason) in [
            ("http://api.rebyte.ai/v1", "loopback"),
            ("http://10.0.0.1/v1", "loopback"),
            ("https://api.rebyte.ai", "must end in /v1"),
            ("https://api.rebyte.ai/v2", "must end in /v1"),
            ("https://api.rebyte.ai/v1?x=1", "query"),
            ("ftp://api.rebyte.ai/v1", "scheme"),
            ("https://u:p@api.rebyte.ai/v1", "credentials"),
            ("not a url", "not a URL"),
        ] {
            let err = normalize_base_url(raw).unwrap_err();
            assert!(matches!(err, Error::Config(_)));
            assert!(err.to_string().contains(reason), "{raw}: {err}");
        }
    }

    #[test]
    fn keys_are_checked_and_hidden() {
        let err = ApiKey::new("  ").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("REBYTE_API_KEY"), "{text}");
        assert!(text.contains(API_KEYS_PAGE), "{text}");
        assert!(ApiKey::new("rbk_a\nb").is_err());
        let key = ApiKey::new(" rbk_secret\n").unwrap();
        assert_eq!(key.expose_secret(), "rbk_secret");
        assert_eq!(format!("{key:?}"), "ApiKey(***)");
        assert!(key.header_value().unwrap().is_sensitive());
    }
}
