//! The axum router over the [`Simulator`]: routes from the endpoint catalog, the documented
//! error bodies, authentication, fault injection, uploads and pages.

mod handlers;

use std::convert::Infallible;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, get, on, put};
use rebyte_types::catalog::{self, Endpoint};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::core::Simulator;
use crate::error::ApiError;
use crate::faults::Fault;
use crate::{page, upload};

/// Marks a response whose connection must be closed without writing it: the change was
/// committed, the client sees a transport error. [`crate::serve`] honours it by failing the
/// connection; under another server the body fails at once instead.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        json_response(status, &self.body)
    }
}

/// A JSON answer.
pub(crate) fn json_response<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            bytes,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The origin (`http://host:port`) the client reached, from the `Host` header; page and
/// upload URLs are built on it.
#[derive(Debug, Clone)]
pub(crate) struct Origin(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Origin {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| parts.uri.authority().map(|a| a.as_str()))
            .filter(|h| {
                !h.is_empty()
                    && h.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b))
            })
            .unwrap_or("localhost");
        Ok(Origin(format!("http://{host}")))
    }
}

/// Reads a JSON body into `T`; every failure is a `400 validation_error` naming the field.
pub(crate) fn parse_body<T: DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
) -> Result<T, ApiError> {
    let bytes = body.map_err(|e| ApiError::validation(format!("Invalid request body: {e}")))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::validation(
            "Invalid request body: expected a JSON object",
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        // `.` is the root; `?` a place serde_path_to_error cannot name (a broken key).
        if path == "." || path == "?" {
            ApiError::validation(format!("Invalid request body: {}", e.inner()))
        } else {
            ApiError::validation(format!(
                "Invalid request body: invalid `{path}`: {}",
                e.inner()
            ))
        }
    })?;
    de.end()
        .map_err(|e| ApiError::validation(format!("Invalid request body: {e}")))?;
    Ok(value)
}

fn method_filter(method: catalog::Method) -> MethodFilter {
    match method {
        catalog::Method::Get => MethodFilter::GET,
        catalog::Method::Post => MethodFilter::POST,
        catalog::Method::Patch => MethodFilter::PATCH,
        catalog::Method::Delete => MethodFilter::DELETE,
    }
}

/// The handler of a catalog endpoint; `None` for one this simulator does not know.
fn handler_for(endpoint: &Endpoint) -> Option<MethodRouter<Simulator>> {
    let f = method_filter(endpoint.method);
    let e = *endpoint;
    Some(if e == catalog::CREATE_FILE {
        on(f, handlers::create_file)
    } else if e == catalog::CREATE_TASK {
        on(f, handlers::create_task)
    } else if e == catalog::LIST_TASKS {
        on(f, handlers::list_tasks)
    } else if e == catalog::GET_TASK {
        on(f, handlers::get_task)
    } else if e == catalog::CREATE_PROMPT {
        on(f, handlers::create_prompt)
    } else if e == catalog::SET_VISIBILITY {
        on(f, handlers::set_visibility)
    } else if e == catalog::DELETE_TASK {
        on(f, handlers::delete_task)
    } else if e == catalog::CANCEL_TASK {
        on(f, handlers::cancel_task)
    } else if e == catalog::TASK_EVENTS {
        on(f, handlers::task_events)
    } else {
        return None;
    })
}

/// The simulator's HTTP interface: the API under `/v1` (paths from
/// [`rebyte_types::catalog`]), upload URLs under `/uploads`, task pages under `/run` and
/// `/share`. Anything else answers `404 not_found` with the documented body.
pub fn router(sim: Simulator) -> Router {
    let mut api = Router::new();
    for endpoint in catalog::ALL {
        match handler_for(endpoint) {
            Some(handler) => api = api.route(&endpoint.route_template(), handler),
            None => tracing::warn!(operation = endpoint.operation, "endpoint not simulated"),
        }
    }
    let api = api
        .route_layer(middleware::from_fn_with_state(sim.clone(), authenticate))
        .route_layer(middleware::from_fn_with_state(sim.clone(), inject_faults));
    Router::new()
        .merge(api)
        .route(upload::UPLOAD_ROUTE, put(upload::put_upload))
        .route(page::RUN_ROUTE, get(page::run_page))
        .route(page::SHARE_ROUTE, get(page::share_page))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .with_state(sim)
}

async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!("No route for {method} {}", uri.path()))
}

fn api_key(headers: &HeaderMap) -> Option<&str> {
    ["api_key", "api-key", "x-api-key"]
        .iter()
        .find_map(|name| headers.get(*name))
        .map(|v| v.to_str().unwrap_or("\u{0}invalid"))
}

async fn authenticate(State(sim): State<Simulator>, request: Request, next: Next) -> Response {
    match sim.check_api_key(api_key(request.headers())) {
        Ok(()) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}

fn gateway_page(status: StatusCode) -> Response {
    let reason = status.canonical_reason().unwrap_or("Gateway error");
    let html = format!(
        "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n<center><h1>{code} {reason}</h1></center>\r\n</body>\r\n</html>\r\n",
        code = status.as_u16()
    );
    (status, [(header::CONTENT_TYPE, "text/html")], html).into_response()
}

async fn inject_faults(State(sim): State<Simulator>, request: Request, next: Next) -> Response {
    let decision = sim.faults().decide();
    if let Some(latency) = decision.latency {
        tokio::time::sleep(latency).await;
    }
    let config = &sim.faults().config;
    match decision.fault {
        None => next.run(request).await,
        Some(Fault::Error500) => ApiError::internal("Internal server error").into_response(),
        Some(Fault::Error502) => gateway_page(StatusCode::BAD_GATEWAY),
        Some(Fault::Error503) => gateway_page(StatusCode::SERVICE_UNAVAILABLE),
        Some(Fault::RateLimited) => {
            let secs = config.retry_after.as_secs().max(1);
            (
                StatusCode::TOO_MANY_REQUESTS,
                [
                    (header::RETRY_AFTER, secs.to_string()),
                    (header::CONTENT_TYPE, "text/plain".to_owned()),
                ],
                "Too Many Requests\n",
            )
                .into_response()
        }
        Some(Fault::Stall) => {
            tokio::time::sleep(config.stall).await;
            next.run(request).await
        }
        Some(Fault::DropAfterCommit) => {
            let done = next.run(request).await;
            let (mut parts, _) = done.into_parts();
            parts.extensions.insert(DropConnection);
            parts.headers.remove(header::CONTENT_LENGTH);
            let failing = futures_util::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::other(
                    "connection dropped by fault injection",
                ))
            });
            Response::from_parts(parts, Body::from_stream(failing))
        }
    }
}
