//! The one HTTP/1.1 client of the tests: requests are written on a raw socket byte for byte and
//! answers parsed by hand, so that malformed, pipelined, half-closed, oversized and keep-alive
//! exchanges can all be written exactly as a client would.

use serde_json::Value;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long one read may wait for the server before the test fails instead of hanging. Generous:
/// the tests share two busy cores with other builds.
pub const READ_TIMEOUT: Duration = Duration::from_secs(15);

/// One HTTP answer.
#[derive(Debug, Clone)]
pub struct Resp {
    /// Status code.
    pub status: u16,
    /// Headers in wire order, names as sent.
    pub headers: Vec<(String, String)>,
    /// Body bytes (Content-Length framed, or everything up to the close).
    pub body: Vec<u8>,
}

impl Resp {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (panics with the status and body when it is not).
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "HTTP {} body is not JSON ({e}): {:?}",
                self.status,
                self.text()
            )
        })
    }

    /// The `code` of a JSON envelope (INEWW, rooms and v4 answers carry one), `null` if none.
    pub fn code(&self) -> Value {
        self.json()["code"].clone()
    }

    /// The `msg` of a JSON envelope (rooms, v4), `""` if none.
    pub fn msg(&self) -> String {
        self.json()["msg"].as_str().unwrap_or_default().to_string()
    }

    /// The body as text (lossy), cut to 300 bytes for failure messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body[..self.body.len().min(300)]).into_owned()
    }
}

/// The bytes of one HTTP/1.1 request: the request line, `headers` exactly as given, a
/// `Content-Length` for `body`, and the body.
pub fn request(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut head = format!("{method} {target} HTTP/1.1\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// The bytes of a request whose body is sent as chunks of at most `chunk` bytes, ended by the
/// last chunk when `finish` (left off, the body has not ended).
pub fn chunked(head: &str, body: &[u8], chunk: usize, finish: bool) -> Vec<u8> {
    let mut bytes = format!("{head}Transfer-Encoding: chunked\r\n\r\n").into_bytes();
    for part in body.chunks(chunk) {
        bytes.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        bytes.extend_from_slice(part);
        bytes.extend_from_slice(b"\r\n");
    }
    if finish {
        bytes.extend_from_slice(b"0\r\n\r\n");
    }
    bytes
}

/// What the next read of a connection found.
enum Next {
    /// A complete answer.
    Answer(Resp),
    /// The server closed the connection with nothing pending.
    Closed,
}

/// One client connection.
pub struct Conn {
    stream: TcpStream,
    /// Bytes read but not yet parsed into an answer.
    buf: Vec<u8>,
}

impl Conn {
    /// Connects to `addr`.
    pub async fn open(addr: SocketAddr) -> std::io::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        Ok(Conn {
            stream,
            buf: Vec::new(),
        })
    }

    /// Writes `bytes` (and only them).
    pub async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes).await?;
        self.stream.flush().await
    }

    /// Shuts the write side down, as `nc` and scripted clients do once they have sent.
    pub async fn half_close(&mut self) {
        self.stream
            .shutdown()
            .await
            .expect("shut down the write side");
    }

    /// Writes `bytes` while reading, and answers the first response: one that comes before the
    /// request is all written (a 413 to a huge body) is seen, and a write the server refuses
    /// once it has answered is not an error.
    pub async fn exchange(&mut self, bytes: &[u8]) -> Result<Resp, String> {
        let Conn { stream, buf } = self;
        let (mut rd, mut wr) = stream.split();
        let write = async {
            let _ = wr.write_all(bytes).await;
            let _ = wr.flush().await;
            std::future::pending::<()>().await
        };
        tokio::select! {
            next = read_next(&mut rd, buf) => answer(next),
            _ = write => unreachable!("the write future never ends"),
        }
    }

    /// Reads the next answer on the connection (an interim `100 Continue` included).
    pub async fn response(&mut self) -> Result<Resp, String> {
        answer(read_next(&mut self.stream, &mut self.buf).await)
    }

    /// Sends one keep-alive request (`Host`, then `headers`, then the body) and reads its answer.
    pub async fn request(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Resp, String> {
        let host = self.stream.peer_addr().map_err(|e| e.to_string())?;
        let host = host.to_string();
        let headers = [&[("Host", host.as_str())], headers].concat();
        self.write(&request(method, target, &headers, body))
            .await
            .map_err(|e| format!("write: {e}"))?;
        self.response().await
    }

    /// Every answer until the server closes the connection.
    pub async fn until_closed(&mut self) -> Result<Vec<Resp>, String> {
        let mut answers = Vec::new();
        loop {
            match read_next(&mut self.stream, &mut self.buf).await? {
                Next::Answer(r) => answers.push(r),
                Next::Closed => return Ok(answers),
            }
        }
    }

    /// Every byte until the server closes the connection.
    pub async fn rest(&mut self) -> Vec<u8> {
        let mut out = std::mem::take(&mut self.buf);
        tokio::time::timeout(READ_TIMEOUT, self.stream.read_to_end(&mut out))
            .await
            .expect("the server closes the connection")
            .expect("no reset");
        out
    }

    /// Whether the server closes (or resets) the connection within [`READ_TIMEOUT`]; whatever
    /// it sends first is read and dropped.
    pub async fn closed(&mut self) -> bool {
        let mut chunk = vec![0u8; 64 * 1024];
        let read = async {
            loop {
                match self.stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        };
        tokio::time::timeout(READ_TIMEOUT, read).await.is_ok()
    }

    /// Whether the connection is still open at this moment: the socket itself is asked
    /// (`MSG_PEEK`, not the runtime's cached readiness) and no close, reset or byte has come.
    /// Ends this client's use of the connection.
    pub fn still_open(self) -> bool {
        let socket = self.stream.into_std().expect("a socket");
        let mut byte = [0u8; 1];
        let peeked = socket.peek(&mut byte);
        self.buf.is_empty()
            && matches!(peeked, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
    }
}

fn answer(next: Result<Next, String>) -> Result<Resp, String> {
    match next? {
        Next::Answer(r) => Ok(r),
        Next::Closed => Err("the server closed the connection without answering".into()),
    }
}

/// Reads from `rd` into `buf` until it holds a complete answer (which it takes out of `buf`),
/// the server closes, or [`READ_TIMEOUT`] passes.
async fn read_next(rd: &mut (impl AsyncRead + Unpin), buf: &mut Vec<u8>) -> Result<Next, String> {
    let mut chunk = vec![0u8; 64 * 1024];
    let read = async {
        loop {
            if let Some(parsed) = parse(buf, false)? {
                return Ok(Next::Answer(parsed));
            }
            match rd.read(&mut chunk).await {
                Ok(0) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) if buf.is_empty() => return Err(format!("read: {e}")),
                Err(_) => break,
            }
        }
        // The server closed: what is left is a close-delimited answer, or nothing.
        if buf.is_empty() {
            return Ok(Next::Closed);
        }
        match parse(buf, true)? {
            Some(parsed) => Ok(Next::Answer(parsed)),
            None => Err(format!(
                "the server closed after an incomplete answer: {:?}",
                String::from_utf8_lossy(&buf[..buf.len().min(300)])
            )),
        }
    };
    tokio::time::timeout(READ_TIMEOUT, read)
        .await
        .map_err(|_| format!("no complete answer within {READ_TIMEOUT:?}"))?
}

/// Takes one complete answer off the front of `buf`, if there is one. At `eof`, an answer
/// without a Content-Length ends with the bytes.
fn parse(buf: &mut Vec<u8>, eof: bool) -> Result<Option<Resp>, String> {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = std::str::from_utf8(&buf[..end]).map_err(|e| format!("head not UTF-8: {e}"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("not a status line: {status_line:?}"))?;
    let mut headers = Vec::new();
    for line in lines {
        let (k, v) = line
            .split_once(':')
            .ok_or_else(|| format!("not a header line: {line:?}"))?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let resp = Resp {
        status,
        headers,
        body: Vec::new(),
    };
    if resp.header("transfer-encoding").is_some() {
        return Err(format!("a chunked answer is not expected: {head}"));
    }
    let start = end + 4;
    let length = match resp.header("content-length") {
        Some(v) => v
            .parse::<usize>()
            .map_err(|e| format!("Content-Length {v}: {e}"))?,
        None if (100..200).contains(&status) || status == 204 || status == 304 => 0,
        None if eof => buf.len() - start,
        None => return Ok(None),
    };
    if buf.len() < start + length {
        return Ok(None);
    }
    let body = buf[start..start + length].to_vec();
    buf.drain(..start + length);
    Ok(Some(Resp { body, ..resp }))
}
