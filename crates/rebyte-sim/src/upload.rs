//! Signed upload URLs, and the `PUT` that receives the bytes.
//!
//! `POST /v1/files` answers `<origin>/uploads/<id>?expires=<unix seconds>&signature=<hex>`,
//! where the signature is HMAC-SHA256 over `<id>:<expires>` with a secret kept in the
//! simulator's storage (so every process sharing a state file accepts the same URLs). The
//! bytes are streamed to a file of the simulator's files directory (see
//! [`Simulator::file_path`]) in constant memory, and their count and SHA-256 recorded.

use std::fmt::Write as _;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use rebyte_types::FileId;
use tokio::io::AsyncWriteExt;

use crate::core::Simulator;

/// The path under which upload URLs are served.
pub const UPLOAD_PREFIX: &str = "/uploads";
/// The route of the upload `PUT`, as axum takes it.
pub(crate) const UPLOAD_ROUTE: &str = "/uploads/{id}";

/// Why an upload was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UploadRejection {
    /// The signature does not match the URL.
    #[error("the signature does not match")]
    BadSignature,
    /// The URL has expired.
    #[error("the upload URL has expired")]
    Expired,
    /// No such file was created.
    #[error("no such file")]
    UnknownFile,
    /// The `Content-Type` is not the declared one.
    #[error("the Content-Type must be the declared `{declared}`")]
    ContentType {
        /// The content type declared at `POST /v1/files`.
        declared: String,
    },
    /// The storage failed.
    #[error("the simulator's storage failed")]
    Storage,
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The signature of the upload URL of file `id` expiring at `expires` (Unix seconds).
pub(crate) fn sign(secret: &[u8], id: &str, expires: i64) -> String {
    hex(&hmac_sha256::HMAC::mac(
        format!("{id}:{expires}").as_bytes(),
        secret,
    ))
}

/// Whether `signature` is the one of `id` and `expires`, compared in constant time.
pub(crate) fn verify(secret: &[u8], id: &str, expires: i64, signature: &str) -> bool {
    let expected = sign(secret, id, expires);
    expected.len() == signature.len()
        && expected
            .bytes()
            .zip(signature.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// `name` made unique with a short suffix from `id`: `data.csv` → `data-550e.csv`.
pub(crate) fn unique_name(name: &str, id: &str) -> String {
    let suffix: String = id.chars().filter(char::is_ascii_hexdigit).take(4).collect();
    match name.rfind('.') {
        Some(dot) if dot > 0 => format!("{}-{suffix}{}", &name[..dot], &name[dot..]),
        _ => format!("{name}-{suffix}"),
    }
}

fn query_param<'a>(query: &'a str, key: &str) -> Option<&'a str> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then_some(v)
    })
}

fn refuse(status: StatusCode, message: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

/// `PUT /uploads/<id>?expires=…&signature=…`: streams the body to disk, keeps its size and
/// hash.
pub(crate) async fn put_upload(
    State(sim): State<Simulator>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Ok(id) = FileId::new(id) else {
        return refuse(StatusCode::NOT_FOUND, "no such upload\n".into());
    };
    let query = query.unwrap_or_default();
    let expires = query_param(&query, "expires").unwrap_or_default();
    let signature = query_param(&query, "signature").unwrap_or_default();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    match sim.authorize_upload(&id, expires, signature, content_type) {
        Ok(_) => {}
        Err(UploadRejection::Storage) => {
            return refuse(StatusCode::INTERNAL_SERVER_ERROR, "storage failed\n".into());
        }
        Err(UploadRejection::UnknownFile) => {
            return refuse(StatusCode::NOT_FOUND, "no such upload\n".into());
        }
        Err(e) => return refuse(StatusCode::FORBIDDEN, format!("{e}\n")),
    }
    let storage_failed = |error: std::io::Error| {
        tracing::error!(%error, "the simulator could not store an upload");
        refuse(StatusCode::INTERNAL_SERVER_ERROR, "storage failed\n".into())
    };
    let dir = match sim.files_dir() {
        Ok(dir) => dir,
        Err(e) => return storage_failed(e),
    };
    // Written under a name of its own, then renamed over `<id>`: a reader never sees half an
    // upload, and concurrent uploads of one file do not mix.
    let part = dir.join(format!(".{id}.{}.part", uuid::Uuid::new_v4().simple()));
    let mut out = match tokio::fs::File::create(&part).await {
        Ok(out) => out,
        Err(e) => return storage_failed(e),
    };
    let mut hasher = hmac_sha256::Hash::new();
    let mut size: u64 = 0;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let bytes = match chunk {
            Ok(bytes) => bytes,
            Err(e) => {
                tracing::debug!(error = %e, "upload body failed");
                drop(out);
                let _ = tokio::fs::remove_file(&part).await;
                return refuse(StatusCode::BAD_REQUEST, "the upload body failed\n".into());
            }
        };
        size += bytes.len() as u64;
        hasher.update(&bytes);
        if let Err(e) = out.write_all(&bytes).await {
            drop(out);
            let _ = tokio::fs::remove_file(&part).await;
            return storage_failed(e);
        }
    }
    let written = match out.flush().await {
        Ok(()) => {
            drop(out);
            tokio::fs::rename(&part, dir.join(id.as_str())).await
        }
        Err(e) => Err(e),
    };
    if let Err(e) = written {
        let _ = tokio::fs::remove_file(&part).await;
        return storage_failed(e);
    }
    let digest = hex(&hasher.finalize());
    let recorded = {
        let (id, digest) = (id.clone(), digest.clone());
        sim.write_off_runtime(move |sim| sim.record_upload(&id, size, &digest))
            .await
    };
    if recorded.is_err() {
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, "storage failed\n".into());
    }
    let mut response = StatusCode::OK.into_response();
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{digest}\"")) {
        response.headers_mut().insert(header::ETAG, etag);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_get_a_suffix_before_the_extension() {
        assert_eq!(unique_name("data.csv", "550e8400-e29b"), "data-550e.csv");
        assert_eq!(unique_name("Makefile", "abcd1234"), "Makefile-abcd");
        assert_eq!(unique_name(".env", "abcd1234"), ".env-abcd");
    }

    #[test]
    fn signatures_bind_id_and_expiry() {
        let sig = sign(b"secret", "f1", 100);
        assert!(verify(b"secret", "f1", 100, &sig));
        assert!(!verify(b"secret", "f1", 101, &sig));
        assert!(!verify(b"secret", "f2", 100, &sig));
        assert!(!verify(b"other", "f1", 100, &sig));
        assert!(!verify(b"secret", "f1", 100, "00"));
    }
}
