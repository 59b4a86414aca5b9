//! A minimal HTTP/1.1 load generator for the simulator's requests-per-second figure.
//!
//! Many keep-alive connections, each sending one `GET` at a time and reading the whole
//! answer (by `Content-Length`) before the next. It is deliberately bare (no parsing
//! beyond the status line and the length) so that, on a small machine where it shares the
//! cores with the server, it takes as little CPU as it can from the thing measured.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use super::BoxError;

/// What one run achieved.
#[derive(Debug, Clone, Copy)]
pub struct LoadResult {
    /// Requests answered with 200.
    pub ok: u64,
    /// Wall time of the whole run.
    pub elapsed: Duration,
}

impl LoadResult {
    /// Answered requests per second.
    pub fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Sends `total` requests for `path` (such as `/v1/tasks/abc`) to `addr` over
/// `connections` keep-alive connections; stops early when `limit` has passed.
pub async fn run(
    addr: std::net::SocketAddr,
    path: &str,
    api_key: &str,
    connections: usize,
    total: u64,
    limit: Duration,
) -> Result<LoadResult, BoxError> {
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAPI_KEY: {api_key}\r\nAccept: application/json\r\n\r\n"
    );
    let connections = connections.max(1);
    let per_conn = total / connections as u64;
    let deadline = Instant::now() + limit;
    let start = Instant::now();
    let mut handles = Vec::with_capacity(connections);
    for _ in 0..connections {
        let request = request.clone();
        handles.push(tokio::spawn(async move {
            connection(addr, request.as_bytes(), per_conn, deadline).await
        }));
    }
    let mut ok = 0;
    for handle in handles {
        ok += handle.await??;
    }
    Ok(LoadResult {
        ok,
        elapsed: start.elapsed(),
    })
}

async fn connection(
    addr: std::net::SocketAddr,
    request: &[u8],
    count: u64,
    deadline: Instant,
) -> Result<u64, BoxError> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let mut buf: Vec<u8> = Vec::with_capacity(16 * 1024);
    let mut ok = 0;
    for _ in 0..count {
        if Instant::now() > deadline {
            break;
        }
        stream.write_all(request).await?;
        let status = read_response(&mut stream, &mut buf).await?;
        if status != 200 {
            return Err(format!("GET answered {status}").into());
        }
        ok += 1;
    }
    Ok(ok)
}

/// Reads one response into `buf` (reusing leftover bytes) and returns its status.
async fn read_response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<u16, BoxError> {
    loop {
        if let Some((head_len, status, body_len)) = parse_head(buf)? {
            let total = head_len + body_len;
            while buf.len() < total {
                read_more(stream, buf).await?;
            }
            buf.drain(..total);
            return Ok(status);
        }
        read_more(stream, buf).await?;
    }
}

async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<(), BoxError> {
    let mut chunk = [0u8; 8192];
    let n = stream.read(&mut chunk).await?;
    if n == 0 {
        return Err("server closed the connection".into());
    }
    buf.extend_from_slice(&chunk[..n]);
    Ok(())
}

/// Parses a response head at the start of `buf`: `(head length, status, content length)`,
/// or `None` if the head is not complete yet.
pub fn parse_head(buf: &[u8]) -> Result<Option<(usize, u16, usize)>, BoxError> {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = std::str::from_utf8(&buf[..end])?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().ok_or("empty response head")?;
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .ok_or("no status code")?
        .parse()?;
    let mut length = None;
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = Some(value.trim().parse::<usize>()?);
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                return Err("chunked answers are not supported by the load generator".into());
            }
        }
    }
    Ok(Some((end + 4, status, length.unwrap_or(0))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_complete_head() {
        let buf = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nContent-Length: 12\r\n\r\n{\"a\":1}";
        let (head, status, len) = parse_head(buf).expect("valid").expect("complete");
        assert_eq!((status, len), (200, 12));
        assert_eq!(&buf[head..], b"{\"a\":1}");
    }

    #[test]
    fn waits_for_more_and_refuses_chunked() {
        assert!(
            parse_head(b"HTTP/1.1 200 OK\r\nContent-Le")
                .expect("valid")
                .is_none()
        );
        assert!(parse_head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").is_err());
    }
}
