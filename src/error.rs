//! The one error enum of domain failures, shared by every dialect.
//!
//! Handlers and decoders return [`Error`]; each dialect's encoder maps a variant to its own
//! code and message in one table. The detail of a store failure goes to the log only.

use std::borrow::Cow;

/// A domain failure: what went wrong, in terms a client can be told.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The body is not parseable as the dialect's frame (not JSON, not an object, bad UTF-8).
    #[error("invalid request body: {0}")]
    BadFrame(String),
    /// The request names no command this server knows.
    #[error("unknown command")]
    UnknownCommand,
    /// The HTTP method is not one the path serves.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A required field is absent or null.
    #[error("missing field: {0}")]
    MissingField(String),
    /// A field the command does not take.
    #[error("unknown field: {0}")]
    UnknownField(String),
    /// A field has the wrong JSON type.
    #[error("field {field} must be {expected}")]
    WrongType {
        /// The field's name (dotted path for nested fields).
        field: String,
        /// What the field should have been, in words.
        expected: &'static str,
    },
    /// A field is present and typed right, but its value is not acceptable.
    #[error("invalid {field}: {reason}")]
    InvalidValue {
        /// The field's name.
        field: String,
        /// Why the value is refused.
        reason: String,
    },
    /// The request body exceeds the configured limit.
    #[error("request body too large")]
    TooLarge,
    /// The command needs a token and none was sent.
    #[error("missing token")]
    MissingToken,
    /// The token is malformed, forged, revoked or unknown.
    #[error("invalid token: {0}")]
    BadToken(String),
    /// The token was valid once and has expired.
    #[error("token expired")]
    TokenExpired,
    /// The token's account does not match the account the request names.
    #[error("token does not belong to this account")]
    TokenMismatch,
    /// Registration with a phone that already has an account.
    #[error("phone already registered")]
    PhoneTaken,
    /// No account has this phone (or login name).
    #[error("no such account")]
    UnknownAccount,
    /// The password does not match the account's.
    #[error("wrong password")]
    WrongPassword,
    /// The presented device token names no device.
    #[error("invalid device token")]
    BadDeviceToken,
    /// The thing already exists or was already done (duplicate device, second bind, second sign).
    #[error("{0}")]
    AlreadyDone(&'static str),
    /// The named thing does not exist, or is not the caller's.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The caller may not do this.
    #[error("permission denied")]
    Forbidden,
    /// The verification code is wrong, used, expired or exhausted.
    #[error("verification code is wrong or expired")]
    BadCode,
    /// A code was requested for this phone less than a minute ago.
    #[error("a code was sent to this phone less than a minute ago")]
    Throttled,
    /// Too many failed password checks: of this account (it is in its cooldown), or from this
    /// client address this minute. The password was not checked; the detail says which.
    #[error("login throttled: {0}")]
    LoginThrottled(String),
    /// The server is shutting down or overloaded.
    #[error("service unavailable")]
    Unavailable,
    /// The upstream server a proxy forwards to (`switchboard record`, `switchboard shadow`)
    /// refused, dropped or did not answer in time; every dialect answers HTTP 502 in its
    /// server-failure envelope. The detail is logged, never sent.
    #[error("upstream unavailable: {0}")]
    Upstream(String),
    /// The store failed; the detail is logged, never sent.
    #[error("store failure")]
    Store(#[source] StoreError),
}

/// A failure inside the store or the blocking pool, in terms that name no database driver:
/// the store turns its driver's errors into [`StoreError::Engine`] or [`StoreError::Pool`],
/// keeping their message and causes for the log.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database engine reported an error (shown with its causes: a driver's own message
    /// is often only "db error", the reason is in its source).
    #[error("{}", Chain(&**.0))]
    Engine(Cause),
    /// No pooled connection could be had.
    #[error("{}", Chain(&**.0))]
    Pool(Cause),
    /// The operation would have to wait (no idle pooled connection, or a write) while the
    /// thread runs under [`crate::store::without_waiting`]; the caller runs the command again
    /// where waiting is allowed. Never answered to a client.
    #[error("the store would have to wait")]
    WouldBlock,
    /// Anything else (migration, blocking task join, hashing).
    #[error("{0}")]
    Other(String),
}

/// The driver's own error behind a [`StoreError`], for its message and causes only.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

/// An error and each of its causes, `first: second: …`, skipping a cause whose text its
/// error already shows.
struct Chain<'a>(&'a (dyn std::error::Error + 'static));

impl std::fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut shown = self.0.to_string();
        f.write_str(&shown)?;
        let mut next = self.0.source();
        while let Some(cause) = next {
            let text = cause.to_string();
            if !shown.contains(&text) {
                write!(f, ": {text}")?;
            }
            shown = text;
            next = cause.source();
        }
        Ok(())
    }
}

impl Error {
    /// Shorthand for [`Error::WrongType`].
    pub fn wrong_type(field: impl Into<String>, expected: &'static str) -> Self {
        Error::WrongType {
            field: field.into(),
            expected,
        }
    }

    /// Shorthand for [`Error::InvalidValue`].
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidValue {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The error's message for a request's log line: without formatting or allocating when
    /// the message is fixed (an unknown op's refusal spent ~420 of its instructions on it).
    pub fn detail(&self) -> Cow<'static, str> {
        let fixed = match self {
            Error::UnknownCommand => "unknown command",
            Error::MethodNotAllowed => "method not allowed",
            Error::TooLarge => "request body too large",
            Error::MissingToken => "missing token",
            Error::TokenExpired => "token expired",
            Error::TokenMismatch => "token does not belong to this account",
            Error::PhoneTaken => "phone already registered",
            Error::UnknownAccount => "no such account",
            Error::WrongPassword => "wrong password",
            Error::BadDeviceToken => "invalid device token",
            Error::AlreadyDone(what) => what,
            Error::Forbidden => "permission denied",
            Error::BadCode => "verification code is wrong or expired",
            Error::Throttled => "a code was sent to this phone less than a minute ago",
            Error::Unavailable => "service unavailable",
            Error::Store(_) => "store failure",
            _ => return Cow::Owned(self.to_string()),
        };
        Cow::Borrowed(fixed)
    }
}

/// One or more of every variant, as tests feed them to the encoders (a store failure, a
/// missing field, a not-found device…).
#[cfg(test)]
pub fn examples() -> Vec<Error> {
    vec![
        Error::BadFrame("the body must be a JSON object".into()),
        Error::UnknownCommand,
        Error::MethodNotAllowed,
        Error::MissingField("data.pass".into()),
        Error::UnknownField("data.x".into()),
        Error::wrong_type("data.phone", "a string"),
        Error::invalid("phone", "must match ^1\\d{10}$"),
        Error::invalid("mode", "must be 0, 1 or 2"),
        Error::invalid("base64", "not an image"),
        Error::TooLarge,
        Error::MissingToken,
        Error::BadToken("token not found".into()),
        Error::TokenExpired,
        Error::TokenMismatch,
        Error::PhoneTaken,
        Error::UnknownAccount,
        Error::WrongPassword,
        Error::BadDeviceToken,
        Error::AlreadyDone("duplicate device"),
        Error::NotFound("account"),
        Error::NotFound("device"),
        Error::NotFound("phone"),
        Error::Forbidden,
        Error::BadCode,
        Error::Throttled,
        Error::Unavailable,
        Error::Store(StoreError::Other("disk I/O error".into())),
    ]
}

/// Result with the domain [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::{examples, Error, StoreError};

    #[test]
    fn a_detail_is_the_errors_own_message() {
        let more = [
            Error::LoginThrottled("wait".into()),
            Error::Upstream("down".into()),
        ];
        let every = examples().into_iter().chain(more);
        for e in every {
            assert_eq!(e.detail(), e.to_string(), "{e:?}");
        }
    }

    #[derive(Debug, thiserror::Error)]
    #[error("db error")]
    struct Driver(#[source] Reason);

    #[derive(Debug, thiserror::Error)]
    #[error("FATAL: terminating connection due to administrator command")]
    struct Reason;

    #[test]
    fn a_store_error_shows_the_reason_behind_the_drivers_message() {
        let e = StoreError::Engine(Box::new(Driver(Reason)));
        assert_eq!(
            e.to_string(),
            "db error: FATAL: terminating connection due to administrator command"
        );
        let plain = StoreError::Pool(Box::new(Reason));
        assert_eq!(
            plain.to_string(),
            "FATAL: terminating connection due to administrator command"
        );
    }
}
