//! An answer on the wire: the HTTP response of a [`Reply`] — status, `Content-Type`, the
//! request id, CORS on rooms paths — and its body as hyper writes it.
//!
//! hyper's default write strategy queues the head and each body chunk and sends them with
//! one `writev`; the server instead has hyper copy them into its write buffer and send that
//! with one `write` (`writev(false)` in [`super::run`]). For answers of a few hundred bytes to
//! a few KiB — nearly every legacy answer — the copy costs less than the queue's bookkeeping
//! and the kernel's iovec handling: an unknown op under `wrk` (64 connections, 2 shared cores)
//! went from 0.86× to 0.92–0.95× of bare hyper, the server's kernel time per request from
//! ~4.4 to ~4.0 µs. The write buffer keeps its capacity for the connection's life, so a large
//! answer is handed over in [`CHUNK`]-byte pieces and hyper writes out what it holds once it
//! passes [`WRITE_BUFFER`]: a connection keeps at most about their sum, whatever it answered.
//!
//! The price is paid by big answers, which are copied once more: op 1009 with 100 contacts
//! went from ~85k to ~66–74k answers/s, with 1 000 contacts from ~13.7k to ~10k (README,
//! "Answer size"; still linear in the bytes). A hybrid was measured and not kept: hyper's
//! `writev(true)` with a socket wrapper that joins vectored writes of ≤ 4 KiB into one
//! `write` cost 558 more instructions per unknown op (callgrind: 14 073 → 14 631), about 2%
//! of that row's throughput.

use crate::dialect::{rooms, Reply};
use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};
use hyper::body::{Body, Frame, SizeHint};
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Largest piece of an answer's body hyper is handed at once.
pub const CHUNK: usize = 16 * 1024;

/// hyper's buffer limit (`max_buf_size`): the write buffer is sent once it holds this much.
/// A larger request head is refused (431) too.
pub const WRITE_BUFFER: usize = 64 * 1024;

/// The HTTP answer of `reply`, carrying the request's id.
pub fn response(reply: Reply, path: &str, id: HeaderValue) -> Response<Answer> {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
    let mut resp = Response::new(Answer(reply.body));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    if let Some(ct) = reply.content_type {
        headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        // What the client still sends is discarded, then the connection closes.
        headers.insert(http::header::CONNECTION, HeaderValue::from_static("close"));
    }
    if rooms::owns(path) {
        for (name, value) in rooms::CORS {
            headers.insert(*name, HeaderValue::from_static(value));
        }
    }
    headers.insert(super::request_log::REQUEST_ID.clone(), id);
    resp
}

/// An answer's body: what is left of it, handed over at most [`CHUNK`] bytes at a time.
pub struct Answer(Bytes);

impl Body for Answer {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let rest = &mut self.0;
        if rest.is_empty() {
            return Poll::Ready(None);
        }
        // A body that fits is handed over whole: splitting it would share its bytes (an
        // allocation) for nothing.
        let piece = match rest.len() <= CHUNK {
            true => std::mem::take(rest),
            false => rest.split_to(CHUNK),
        };
        Poll::Ready(Some(Ok(Frame::data(piece))))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.0.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn a_large_body_comes_in_pieces_of_at_most_a_chunk_and_whole() {
        let bytes: Vec<u8> = (0..(2 * CHUNK + 5)).map(|i| i as u8).collect();
        let mut body = Answer(Bytes::from(bytes.clone()));
        assert_eq!(body.size_hint().exact(), Some(bytes.len() as u64));
        let mut sizes = Vec::new();
        let mut got = Vec::new();
        while let Some(frame) = body.frame().await {
            let data = frame.unwrap().into_data().unwrap();
            sizes.push(data.len());
            got.extend_from_slice(&data);
        }
        assert_eq!(sizes, [CHUNK, CHUNK, 5]);
        assert_eq!(got, bytes);
        assert!(body.is_end_stream());
    }

    #[tokio::test]
    async fn a_small_body_is_one_piece_and_an_empty_one_none() {
        let mut small = Answer(Bytes::from_static(b"{}"));
        let data = small.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(&data[..], b"{}");
        assert!(small.frame().await.is_none());
        let empty = Answer(Bytes::new());
        assert!(empty.is_end_stream());
    }
}
