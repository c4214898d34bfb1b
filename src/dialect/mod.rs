//! Wire dialects. Each module holds only a decoder (wire → [`Request`]) and an encoder
//! (outcome or [`Error`](crate::error::Error) → its envelope and HTTP status). No dialect
//! opens the store or calls a handler: it returns a [`Step`], and the server runs the request
//! and calls the encoder.

pub mod ineww;
pub mod opcode;
pub mod rooms;
pub mod typed;
pub mod v4;

pub mod peek;
pub mod routing;

mod body;
mod fields;
mod form;
mod json;
mod wire;

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;

pub use fields::Fields;
pub use json::to_ascii_json;
pub use wire::Wire;

use crate::command::{CommandKind, Outcome, Request};
use crate::error::Result;
use crate::registry::{Dialect, WireKey};
use bytes::Bytes;
use serde_json::Value;
use std::borrow::Cow;

/// The commands the decoder of `dialect` for this kind of wire key can build — what the
/// registry checks each row against at start-up ([`crate::registry::Registry::parse_with`]).
/// Each set sits next to the decoder's match it describes. The server hands `op` bodies to
/// the opcode decoder, `type`/`subtype` bodies to the typed body decoder, and path rows to the
/// typed GET decoder or the REST dialect's decoder; any other pairing reaches no decoder.
pub fn decodable(dialect: Dialect, key: &WireKey) -> &'static [CommandKind] {
    match (dialect, key) {
        (Dialect::Opcode, WireKey::Op(_)) => opcode::DECODABLE,
        (Dialect::Typed, WireKey::Typed(..)) => typed::BODY_DECODABLE,
        (Dialect::Typed, WireKey::Rest(..)) => typed::GET_DECODABLE,
        (Dialect::Ineww, WireKey::Rest(..)) => ineww::DECODABLE,
        (Dialect::Rooms, WireKey::Rest(..)) => rooms::DECODABLE,
        (Dialect::V4, WireKey::Rest(..)) => v4::DECODABLE,
        _ => &[],
    }
}

/// An answer as the dialects produce it.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status code.
    pub status: u16,
    /// Content-Type header, if any.
    pub content_type: Option<&'static str>,
    /// Body bytes.
    pub body: Bytes,
    /// Why the request was refused, for the request's log line only: the wire carries the
    /// dialect's documented text, the operator reads the detail (which field, which content
    /// type, why a token was refused). Never a password or a token.
    pub detail: Option<Cow<'static, str>>,
    /// The dialect's own status code as the body carries it (`ret`, `status`, `code`), for the
    /// request's log line.
    pub code: Option<i64>,
    /// The dialect that answered, for the request's log line and metrics (set by the server).
    pub dialect: Option<&'static str>,
    /// The command that ran, for the request's log line and metrics (set by the server).
    pub command: Option<&'static str>,
}

impl Reply {
    /// An answer of `status`, `content_type` and `body`, nothing noted for the log yet.
    pub fn new(status: u16, content_type: Option<&'static str>, body: impl Into<Bytes>) -> Reply {
        Reply {
            status,
            content_type,
            body: body.into(),
            detail: None,
            code: None,
            dialect: None,
            command: None,
        }
    }

    /// A JSON answer with `status`.
    pub fn json(status: u16, value: &Value) -> Reply {
        Reply::new(status, Some("application/json"), value.to_string())
    }

    /// The same answer, noting for the log and metrics the dialect that gave it.
    pub fn from(mut self, dialect: crate::registry::Dialect) -> Reply {
        self.dialect = Some(dialect.as_str());
        self
    }

    /// The same answer, noting for the log the dialect's code its body carries.
    pub fn coded(mut self, code: i64) -> Reply {
        self.code = Some(code);
        self
    }

    /// The same answer, noting for the log why the request was refused.
    pub fn because(mut self, detail: impl Into<Cow<'static, str>>) -> Reply {
        self.detail = Some(detail.into());
        self
    }
}

/// Turns the outcome of an executed request into the dialect's answer.
pub type Encoder = Box<dyn FnOnce(Result<Outcome>) -> Reply + Send>;

/// What a dialect makes of a request: an immediate answer (bad input, unknown command), or
/// a request to execute and the encoder for its outcome.
pub enum Step {
    /// Answer now; nothing to execute.
    Reply(Reply),
    /// Execute `request` off the async threads, then encode.
    Execute {
        /// The decoded request (boxed: it is much larger than a reply).
        request: Box<Request>,
        /// The dialect's encoder, holding what it must echo.
        encoder: Encoder,
    },
}

impl Step {
    /// Execute `request`, then answer its outcome with `encoder`.
    pub fn execute(
        request: Request,
        encoder: impl FnOnce(Result<Outcome>) -> Reply + Send + 'static,
    ) -> Step {
        Step::Execute {
            request: Box::new(request),
            encoder: Box::new(encoder),
        }
    }
}

/// The outcomes only PhoneBooks commands produce, as one pattern: every other encoder names
/// them in its arm for [`unanswerable`] outcomes. Putting a new variant here decides, for
/// every dialect but PhoneBooks, that it is never answered.
macro_rules! phonebooks_outcomes {
    () => {
        $crate::command::Outcome::Contacts { .. }
            | $crate::command::Outcome::ContactsExport { .. }
            | $crate::command::Outcome::ContactUpdated(_)
            | $crate::command::Outcome::PhoneAdded { .. }
            | $crate::command::Outcome::PhoneRemoved { .. }
            | $crate::command::Outcome::MailAdded { .. }
            | $crate::command::Outcome::MailRemoved { .. }
    };
}

/// The outcomes only HelpAged commands produce, as one pattern (see [`phonebooks_outcomes`]).
macro_rules! helpaged_outcomes {
    () => {
        $crate::command::Outcome::Captcha { .. }
            | $crate::command::Outcome::Profile(_)
            | $crate::command::Outcome::Accounts(_)
            | $crate::command::Outcome::Nickname(_)
            | $crate::command::Outcome::PortraitStored { .. }
            | $crate::command::Outcome::Image { .. }
            | $crate::command::Outcome::DeviceAdded { .. }
            | $crate::command::Outcome::Devices(_)
            | $crate::command::Outcome::Device(_)
            | $crate::command::Outcome::NoticeStored { .. }
            | $crate::command::Outcome::Notices(_)
            | $crate::command::Outcome::Notice(_)
    };
}

/// The outcomes only rooms commands produce, as one pattern (see [`phonebooks_outcomes`]).
macro_rules! rooms_outcomes {
    () => {
        $crate::command::Outcome::RoomsUser(_)
            | $crate::command::Outcome::Room { .. }
            | $crate::command::Outcome::Rooms(_)
    };
}

pub(crate) use {helpaged_outcomes, phonebooks_outcomes, rooms_outcomes};

/// An outcome no command of `dialect` produces reached its encoder: a handler answered one of
/// its commands with another dialect's outcome — a wiring mistake, never the client's. Logs
/// it as an error and returns the detail for the request's log line; the encoder answers its
/// internal-error envelope, never a made-up success.
pub(crate) fn unanswerable(dialect: &str, outcome: &Outcome) -> String {
    // The variant's name only: its fields may hold a token or a picture.
    let debug = format!("{outcome:?}");
    let name = debug
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default();
    tracing::error!(
        dialect,
        outcome = name,
        "the encoder has no answer for this outcome"
    );
    format!("internal error: the {dialect} encoder has no answer for Outcome::{name}")
}
