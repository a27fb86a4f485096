//! Raw HTTP for tests that check exact bytes: a response kept whole (status, headers,
//! body), and a request written byte for byte on a fresh TCP connection.

use reqwest::RequestBuilder;

use super::TestApp;

/// A whole response: status, headers and the exact body bytes.
pub struct RawResponse {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl RawResponse {
    /// A header's value, when present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("UTF-8 body")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

/// Sends `req` and keeps status, headers and the raw body.
pub async fn send_raw(req: RequestBuilder) -> RawResponse {
    let response = req.send().await.expect("request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("body").to_vec();
    RawResponse {
        status,
        headers,
        body,
    }
}

/// Writes `request` byte for byte on a fresh TCP connection to the app and reads the
/// answer until the server closes (send `Connection: close`). Returns the status, the
/// head (lowercased) and the body (de-chunked). Panics if no response arrives, so a
/// dropped connection fails the test.
pub async fn raw_http(app: &TestApp, request: &[u8]) -> (u16, String, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    // The server may answer (and stop reading) before the whole request is written.
    // No write shutdown afterwards: hyper treats a half-closed client as gone.
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await;
    if !matches!(read, Ok(Ok(_))) && answer.is_empty() {
        panic!("no response: {read:?}");
    }
    let Some(split) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
        panic!(
            "no complete response head: {:?} ({read:?})",
            String::from_utf8_lossy(&answer)
        );
    };
    let head = String::from_utf8_lossy(&answer[..split]).to_lowercase();
    let mut body = answer[split + 4..].to_vec();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status line");
    if head.contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    (status, head, body)
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16)
            .unwrap_or(0);
        data = &data[line_end + 2..];
        if size == 0 || data.len() < size {
            break;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[(size + 2).min(data.len())..];
    }
    out
}
