//! The one error type of the client.

use std::path::PathBuf;
use std::time::Duration;

use rebyte_types::{ErrorCode, InvalidId, Task, ValidationError};

/// The result of every fallible call of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The longest snippet of a body kept in an error, in characters.
pub(crate) const SNIPPET_CHARS: usize = 200;
/// The longest raw error body kept in [`Error::Api`], in bytes.
const MAX_BODY_BYTES: usize = 4096;

/// Everything that can go wrong when talking to the API.
///
/// Each variant's message is one line and never contains the API key. Ask
/// [`Error::is_retryable`] whether trying again later could succeed, [`Error::status`] for
/// the HTTP status and [`Error::code`] for the API's error code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client is misconfigured: no API key, or a base URL it refuses. Nothing was sent.
    #[error("configuration error: {0}")]
    Config(Box<str>),
    /// A request breaks a documented limit. Nothing was sent.
    #[error("invalid request, not sent: {0}")]
    Validation(#[from] ValidationError),
    /// An id is not a safe path segment. Nothing was sent.
    #[error("{0}")]
    InvalidId(#[from] InvalidId),
    /// The API answered with an error body (`{"error": {"code", "message"}}`).
    #[error("the API answered {status} {code}: {message}")]
    Api {
        /// The HTTP status.
        status: u16,
        /// The API's error code; unknown codes are kept in [`ErrorCode::Unknown`].
        code: ErrorCode,
        /// The API's message.
        message: Box<str>,
        /// The raw body as received (at most 4 KiB).
        body: Box<str>,
    },
    /// The server answered with an error that is not the API's JSON error body, such as a
    /// gateway's HTML page.
    #[error("the server answered {status} with a body that is not an API error: {snippet}")]
    UnexpectedResponse {
        /// The HTTP status.
        status: u16,
        /// The start of the body, on one line (at most about 200 characters).
        snippet: Box<str>,
    },
    /// A successful answer could not be read as the documented type.
    #[error(
        "could not read the {status} answer at `{path}`: {source}; the body starts with: {snippet}"
    )]
    Decode {
        /// The HTTP status.
        status: u16,
        /// The JSON path of the value that failed, such as `prompts[0].status`; `.` is the root.
        path: Box<str>,
        /// The start of the body, on one line.
        snippet: Box<str>,
        /// What serde reported.
        #[source]
        source: serde_json::Error,
    },
    /// The request could not be sent or its answer could not be received: connection
    /// refused, DNS, TLS, connection reset.
    ///
    /// Displayed as one short line: a connection that could not be made reads
    /// `cannot connect to 127.0.0.1:9: connection refused` (the host and port, and the
    /// innermost I/O error); anything else `could not reach the server: …`. Walk
    /// [`source`](std::error::Error::source) for the whole chain.
    #[error("{message}")]
    Transport {
        /// The message as displayed, on one line.
        message: Box<str>,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// A request, or a whole operation with its retries, took longer than allowed.
    #[error("timed out after {after:?} ({what})")]
    Timeout {
        /// The limit that was reached.
        after: Duration,
        /// Which limit: `attempt`, `operation` or `event stream`.
        what: &'static str,
    },
    /// A wait ended at its deadline before the task (or the prompt) finished.
    #[error("gave up waiting after {:.1}s; {}", waited.as_secs_f64(), last_status(last.as_deref()))]
    WaitTimeout {
        /// The last task read, if any poll succeeded.
        last: Option<Box<Task>>,
        /// How long the wait lasted.
        waited: Duration,
    },
    /// A local file could not be read for an upload. Nothing was uploaded.
    #[error("could not read `{}`: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system reported.
        #[source]
        source: std::io::Error,
    },
    /// The storage host refused the upload `PUT`.
    #[error("the file storage answered {status} to the upload: {snippet}")]
    Upload {
        /// The HTTP status.
        status: u16,
        /// The start of the body, on one line.
        snippet: Box<str>,
    },
    /// The live event stream broke off too many times before its `done`.
    #[error("the event stream broke off {reconnects} times in a row before it ended")]
    EventsInterrupted {
        /// How many times the stream was opened again before giving up.
        reconnects: u32,
    },
}

fn last_status(last: Option<&Task>) -> String {
    match last {
        Some(task) => format!("the task was last seen `{}`", task.status),
        None => "the task could not be read".to_owned(),
    }
}

impl Error {
    /// Whether the same call could succeed if tried again later: transport failures,
    /// timeouts, 429 and 502/503/504 (and 500 from the storage host of an upload). This says
    /// nothing about whether repeating is *safe*: a create that timed out may have created
    /// the task.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { source, .. } => !(source.is_builder() || source.is_decode()),
            Error::Timeout { .. } | Error::EventsInterrupted { .. } => true,
            Error::Api { status, .. } | Error::UnexpectedResponse { status, .. } => {
                is_transient_status(*status)
            }
            // Storage hosts answer 500 to transient failures too; the upload retries them.
            Error::Upload { status, .. } => matches!(status, 429 | 500..=504),
            _ => false,
        }
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. }
            | Error::UnexpectedResponse { status, .. }
            | Error::Decode { status, .. }
            | Error::Upload { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The API's error code, when the API answered with an error body.
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Error::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether this is the API saying the task (or resource) does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            Error::Api {
                code: ErrorCode::NotFound,
                ..
            }
        ) || matches!(self, Error::Api { status: 404, .. })
    }

    /// Whether the request failed before it could reach the server (connection refused, DNS,
    /// TLS handshake): repeating it cannot duplicate anything.
    pub fn is_connect(&self) -> bool {
        matches!(self, Error::Transport { source, .. } if source.is_connect())
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config(message.into().into_boxed_str())
    }

    pub(crate) fn transport(source: reqwest::Error, secret: &str) -> Self {
        let message = if source.is_connect() {
            connect_message(&source)
        } else {
            let mut message = source.to_string();
            let mut cause = std::error::Error::source(&source);
            while let Some(inner) = cause {
                let text = inner.to_string();
                if !message.contains(&text) {
                    message.push_str(": ");
                    message.push_str(&text);
                }
                cause = inner.source();
            }
            // The query string stays out of messages; the path is enough to tell the call.
            if let Some(url) = source.url()
                && url.query().is_some()
            {
                let mut bare = url.clone();
                bare.set_query(None);
                message = message.replace(url.as_str(), bare.as_str());
            }
            format!("could not reach the server: {message}")
        };
        Error::Transport {
            message: one_line(&redact(&message, secret), 400).into_boxed_str(),
            source,
        }
    }

    /// An error answer: the API's error body when it is one, else a snippet.
    pub(crate) fn from_answer(status: u16, body: &[u8], secret: &str) -> Self {
        if let Ok(parsed) = serde_json::from_slice::<rebyte_types::ErrorBody>(body) {
            // Masked before it is cut, so that a key across the cut cannot show in part.
            let mut raw = redact(&head(body, MAX_BODY_BYTES, secret), secret);
            raw.truncate(raw.floor_char_boundary(MAX_BODY_BYTES));
            return Error::Api {
                status,
                code: parsed.error.code,
                message: one_line(&redact(&parsed.error.message, secret), 1000).into_boxed_str(),
                body: raw.into_boxed_str(),
            };
        }
        Error::UnexpectedResponse {
            status,
            snippet: snippet(body, secret),
        }
    }

    /// A body that does not decode as `T`, with the JSON path that failed.
    pub(crate) fn decode(
        status: u16,
        body: &[u8],
        err: serde_path_to_error::Error<serde_json::Error>,
        secret: &str,
    ) -> Self {
        let path = err.path().to_string();
        Error::Decode {
            status,
            path: path.into_boxed_str(),
            snippet: snippet(body, secret),
            source: err.into_inner(),
        }
    }
}

/// Whether a status says "try again later": 429, 502, 503, 504.
pub(crate) fn is_transient_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// The first `bytes` bytes of a body as text, and enough more that a key starting within
/// them is whole.
fn head<'a>(body: &'a [u8], bytes: usize, secret: &str) -> std::borrow::Cow<'a, str> {
    let end = body.len().min(bytes.saturating_add(secret.len()));
    String::from_utf8_lossy(&body[..end])
}

/// The start of a body on one line, the key (if present) masked before the text is cut.
pub(crate) fn snippet(body: &[u8], secret: &str) -> Box<str> {
    let text = redact(&head(body, 4 * SNIPPET_CHARS + 8, secret), secret);
    let line = one_line(&text, SNIPPET_CHARS);
    if line.is_empty() {
        "(empty body)".into()
    } else {
        line.into_boxed_str()
    }
}

/// `cannot connect to host:port: reason`, the reason taken from the innermost I/O error of
/// the chain (else the innermost error), without the `(os error N)` suffix.
fn connect_message(source: &reqwest::Error) -> String {
    let target = source.url().and_then(|url| {
        let host = url.host_str()?;
        Some(match url.port_or_known_default() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        })
    });
    let mut io_reason = None;
    let mut innermost = None;
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(source);
    while let Some(error) = cause {
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            io_reason = Some(io.to_string());
        }
        innermost = Some(error.to_string());
        cause = error.source();
    }
    let reason = io_reason.or(innermost).unwrap_or_default();
    let reason = match reason.find(" (os error ") {
        Some(at) if reason.ends_with(')') => &reason[..at],
        _ => &reason,
    };
    // "Connection refused" reads "connection refused" after the colon; an acronym stays.
    let mut chars = reason.chars();
    let reason = match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && second.is_lowercase() => {
            first.to_lowercase().chain(reason.chars().skip(1)).collect()
        }
        _ => reason.to_owned(),
    };
    match target {
        Some(target) => format!("cannot connect to {target}: {reason}"),
        None => format!("cannot connect to the server: {reason}"),
    }
}

/// Collapses whitespace runs (newlines included) to one space and keeps at most `max` chars.
pub(crate) fn one_line(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
            count += 1;
        }
        for c in word.chars() {
            if count >= max {
                out.push('…');
                return out;
            }
            out.push(c);
            count += 1;
        }
    }
    out
}

/// Masks every occurrence of the key, in case a server echoes it back.
pub(crate) fn redact(text: &str, secret: &str) -> String {
    if secret.len() >= 4 && text.contains(secret) {
        text.replace(secret, "***")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_stays_small() {
        assert!(
            std::mem::size_of::<Error>() <= 64,
            "Error is {} bytes",
            std::mem::size_of::<Error>()
        );
    }

    #[test]
    fn api_error_bodies_are_typed_and_others_are_snippets() {
        let err = Error::from_answer(
            404,
            br#"{"error":{"code":"not_found","message":"Task not found"}}"#,
            "rbk_secret",
        );
        assert_eq!(err.status(), Some(404));
        assert_eq!(err.code(), Some(&ErrorCode::NotFound));
        assert!(err.is_not_found());
        assert!(!err.is_retryable());
        assert_eq!(
            err.to_string(),
            "the API answered 404 not_found: Task not found"
        );

        let html = format!(
            "<html>\n<body>\n{}</body></html>",
            "Bad gateway ".repeat(50)
        );
        let err = Error::from_answer(502, html.as_bytes(), "rbk_secret");
        assert!(err.is_retryable());
        let Error::UnexpectedResponse { snippet, .. } = &err else {
            panic!("{err:?}")
        };
        assert!(snippet.starts_with("<html> <body> Bad gateway"));
        assert!(snippet.chars().count() <= SNIPPET_CHARS + 1);
        assert!(!err.to_string().contains('\n'));
    }

    #[test]
    fn an_echoed_key_is_masked() {
        let err = Error::from_answer(
            401,
            br#"{"error":{"code":"invalid_api_key","message":"key rbk_secret is revoked"}}"#,
            "rbk_secret",
        );
        assert!(!err.to_string().contains("rbk_secret"));
        assert!(!format!("{err:?}").contains("rbk_secret"));
        let err = Error::from_answer(500, b"echo rbk_secret", "rbk_secret");
        assert!(!err.to_string().contains("rbk_secret"));
    }

    #[test]
    fn an_echoed_key_is_masked_even_where_the_text_is_cut() {
        let secret = "rbk_0123456789abcdef";
        for pad in 180..215 {
            let message = format!("{} {secret} tail", "x".repeat(pad));
            let html = format!("<p>{message}</p>");
            let err = Error::from_answer(502, html.as_bytes(), secret);
            let text = format!("{err} {err:?}");
            assert!(!text.contains("rbk_0123"), "pad {pad}: {text}");
            let long = format!("{} {secret}", "y".repeat(pad + 800));
            let body = format!(r#"{{"error":{{"code":"unauthorized","message":"{long}"}}}}"#);
            let err = Error::from_answer(401, body.as_bytes(), secret);
            let text = format!("{err} {err:?}");
            assert!(!text.contains("rbk_0123"), "pad {pad}: {text}");
        }
        for extra in 0..40 {
            let body = format!(
                r#"{{"error":{{"code":"unauthorized","message":"m"}},"pad":"{}{secret}"}}"#,
                "z".repeat(MAX_BODY_BYTES - 60 + extra)
            );
            let err = Error::from_answer(401, body.as_bytes(), secret);
            assert_eq!(err.code(), Some(&ErrorCode::Unauthorized));
            assert!(!format!("{err:?}").contains("rbk_0123"), "extra {extra}");
        }
    }

    #[test]
    fn decode_errors_name_the_path() {
        let body = br#"{"promptId": 7}"#;
        let de = &mut serde_json::Deserializer::from_slice(body);
        let err =
            serde_path_to_error::deserialize::<_, rebyte_types::FollowUpResponse>(de).unwrap_err();
        let err = Error::decode(201, body, err, "k");
        let Error::Decode { path, status, .. } = &err else {
            panic!()
        };
        assert_eq!((&**path, *status), ("promptId", 201));
        assert!(
            err.to_string()
                .starts_with("could not read the 201 answer at `promptId`")
        );
    }

    #[test]
    fn wait_timeout_says_what_was_seen() {
        let err = Error::WaitTimeout {
            last: None,
            waited: Duration::from_millis(1500),
        };
        assert_eq!(
            err.to_string(),
            "gave up waiting after 1.5s; the task could not be read"
        );
    }
}
