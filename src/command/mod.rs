//! The one `Command` type every dialect decodes into, and the outcomes handlers return.
//!
//! ```text
//! bytes ──decoder──▶ Request{Command} ──handlers::execute──▶ Outcome | Error ──encoder──▶ bytes
//! ```
//! Data only: this module calls nothing. Each domain file (`contacts.rs`, `accounts.rs`, …)
//! declares its input structs and, with `domain_commands!`, its own command enum from one
//! table of rows — so a new command is a struct and a row in one file. [`CommandKind`] (the
//! names `opcodes.toml` rows use) is generated from the registry file by `build.rs`.
//! docs/architecture.md, "Adding an op code", lists the places in order.

/// Declares one domain's command enum from a table of `Variant(Input) => "name"` rows, each
/// with the [`Lane`] it runs in when not the default `blocking`: `hashes_password`,
/// `short_read` or `short_write`. It writes the enum, its names for logs, the lanes, and the
/// conversions `Input → Command` (what decoders build with) and `Command → Input` (what tests
/// take apart).
macro_rules! domain_commands {
    (
        $(#[$meta:meta])*
        pub enum $domain:ident in Command::$outer:ident {
            $(
                $(#[$doc:meta])*
                $variant:ident($input:ty) => $name:literal $(, $lane:ident)?;
            )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub enum $domain {
            $($(#[$doc])* $variant($input),)+
        }

        impl $domain {
            /// The command's name for logs and metrics.
            pub fn name(&self) -> &'static str {
                match self {
                    $($domain::$variant(_) => $name,)+
                }
            }

            /// Where the server runs it (see [`crate::command::Lane`]).
            pub fn lane(&self) -> crate::command::Lane {
                match self {
                    $($domain::$variant(_) => lane!($($lane)?),)+
                }
            }
        }

        impl From<$domain> for crate::command::Command {
            fn from(c: $domain) -> Self {
                crate::command::Command::$outer(c)
            }
        }

        $(
            impl From<$input> for crate::command::Command {
                fn from(c: $input) -> Self {
                    crate::command::Command::$outer($domain::$variant(c))
                }
            }

            impl TryFrom<crate::command::Command> for $input {
                type Error = crate::command::Command;

                fn try_from(c: crate::command::Command) -> Result<Self, Self::Error> {
                    match c {
                        crate::command::Command::$outer($domain::$variant(input)) => Ok(input),
                        other => Err(other),
                    }
                }
            }
        )+
    };
}

/// A `domain_commands!` row's lane: `lane!(short_read)` → `Lane::ShortRead`, no flag →
/// `Lane::Blocking`. A flag the table does not know is a compile error.
macro_rules! lane {
    () => {
        crate::command::Lane::Blocking
    };
    (hashes_password) => {
        crate::command::Lane::HashesPassword
    };
    (short_read) => {
        crate::command::Lane::ShortRead
    };
    (short_write) => {
        crate::command::Lane::ShortWrite
    };
}

pub mod accounts;
pub mod admin;
pub mod codes;
pub mod contacts;
pub mod devices;
mod kind;
pub mod media;
mod outcome;
pub mod profiles;
pub mod rooms;
pub mod sessions;
pub mod v4_profiles;

use crate::domain::TokenPolicy;
pub use kind::CommandKind;
pub use outcome::Outcome;

/// A decoded request: what to do, by domain.
#[derive(Debug, Clone)]
pub enum Command {
    /// Accounts: register, passwords, phone, profile.
    Accounts(accounts::AccountsCommand),
    /// Verification codes and captchas.
    Codes(codes::CodesCommand),
    /// Log in, log out, heartbeat.
    Sessions(sessions::SessionsCommand),
    /// The caller's PhoneBooks contacts.
    Contacts(contacts::ContactsCommand),
    /// HelpAged devices and fall notices.
    Devices(devices::DevicesCommand),
    /// Portraits.
    Media(media::MediaCommand),
    /// INEWW member profiles.
    Profiles(profiles::ProfilesCommand),
    /// v4.0 sign-up and password reset.
    V4Profiles(v4_profiles::V4ProfilesCommand),
    /// Administer accounts.
    Admin(admin::AdminCommand),
    /// A rooms user or room command.
    Rooms(rooms::RoomsCommand),
}

impl Command {
    /// The command's name for logs and metrics.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Accounts(c) => c.name(),
            Command::Codes(c) => c.name(),
            Command::Sessions(c) => c.name(),
            Command::Contacts(c) => c.name(),
            Command::Devices(c) => c.name(),
            Command::Media(c) => c.name(),
            Command::Profiles(c) => c.name(),
            Command::V4Profiles(c) => c.name(),
            Command::Admin(c) => c.name(),
            Command::Rooms(c) => c.name(),
        }
    }

    /// Where the server runs the command (see [`Lane`]).
    pub fn lane(&self) -> Lane {
        match self {
            Command::Accounts(c) => c.lane(),
            Command::Codes(c) => c.lane(),
            Command::Sessions(c) => c.lane(),
            Command::Contacts(c) => c.lane(),
            Command::Devices(c) => c.lane(),
            Command::Media(c) => c.lane(),
            Command::Profiles(c) => c.lane(),
            Command::V4Profiles(c) => c.lane(),
            Command::Admin(_) => Lane::Blocking,
            Command::Rooms(c) => c.lane(),
        }
    }
}

/// Where a command runs, by what applying it costs. The server picks the thread from it;
/// the handlers never look at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Anything else (images, codes, deletes that cascade…): a blocking-pool thread.
    Blocking,
    /// It computes an argon2id hash (checks or sets a password): a blocking thread, and only
    /// while a slot of the bounded password lane is free.
    HashesPassword,
    /// It only reads, in time bounded by what it answers: no write, no hash, no wait. Run on
    /// the connection's own thread when a pooled connection is free (else on the blocking
    /// pool, as when authenticating it turns out to need a write).
    ShortRead,
    /// A few rows written by key and nothing slow (no hash, no image, no code sent): run by
    /// the writer's own thread, inside the batch it commits.
    ShortWrite,
}

impl From<admin::AdminCommand> for Command {
    fn from(c: admin::AdminCommand) -> Self {
        Command::Admin(c)
    }
}

impl From<rooms::RoomsCommand> for Command {
    fn from(c: rooms::RoomsCommand) -> Self {
        Command::Rooms(c)
    }
}

/// A command with the credentials and claims that came with it.
#[derive(Debug, Clone)]
pub struct Request {
    /// What to do.
    pub command: Command,
    /// Whether the route requires a token (from the registry).
    pub auth: bool,
    /// The token presented, if any.
    pub credential: Option<Credential>,
    /// An account id the body claims to act for (`rid`); must be the token's account.
    pub acting_for: Option<String>,
}

/// A presented token.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A person's token, to be checked by its dialect's policy.
    Token {
        /// How the dialect's tokens live (kind, JWT or opaque, expiry).
        policy: TokenPolicy,
        /// The token as presented.
        token: String,
        /// The account the client says it is (INEWW's `USER-ID`); must own the token.
        user_id: Option<String>,
    },
    /// A HelpAged device token (`device_id`).
    Device(String),
}

impl Credential {
    /// A person's token with no claimed account.
    pub fn token(policy: TokenPolicy, token: impl Into<String>) -> Credential {
        Credential::Token {
            policy,
            token: token.into(),
            user_id: None,
        }
    }
}
