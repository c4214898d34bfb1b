//! The one `Command` enum every dialect decodes into, and the outcomes handlers return.
//!
//! ```text
//! bytes ──decoder──▶ Request{Command} ──handlers::execute──▶ Outcome | Error ──encoder──▶ bytes
//! ```
//! A new command adds a [`CommandKind`] (named in `opcodes.toml`), a variant here, a struct
//! and handler in its domain module under `handlers/`, and an arm in each decoder that maps to it.

use crate::domain::{Caller, Contact, ContactMail, ContactPhone};
use crate::handlers::{accounts, codes, contacts, sessions};
use crate::{ctx::Ctx, error::Result};
use serde::Deserialize;
use uuid::Uuid;

/// The name a registry row gives its command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandKind {
    /// Create an account.
    Register,
    /// Request a reset code, or reset a password with one.
    ForgotPassword,
    /// Log in with phone and password.
    Login,
    /// Revoke the presented token.
    Logout,
    /// Add contacts to the caller's book.
    AddContacts,
    /// Rename a contact and edit its phones and mails.
    UpdateContact,
    /// Add or delete one phone of a contact.
    EditContactPhone,
    /// Add or delete one mail of a contact.
    EditContactMail,
    /// Delete contacts.
    DeleteContacts,
    /// Search the caller's contacts.
    SearchContacts,
    /// List the caller's contacts.
    ListContacts,
    /// Fetch contacts by uid.
    GetContacts,
}

impl CommandKind {
    /// The snake_case name used in `opcodes.toml`, logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            CommandKind::Register => "register",
            CommandKind::ForgotPassword => "forgot_password",
            CommandKind::Login => "login",
            CommandKind::Logout => "logout",
            CommandKind::AddContacts => "add_contacts",
            CommandKind::UpdateContact => "update_contact",
            CommandKind::EditContactPhone => "edit_contact_phone",
            CommandKind::EditContactMail => "edit_contact_mail",
            CommandKind::DeleteContacts => "delete_contacts",
            CommandKind::SearchContacts => "search_contacts",
            CommandKind::ListContacts => "list_contacts",
            CommandKind::GetContacts => "get_contacts",
        }
    }
}

/// A decoded request: what to do, and the credentials it came with.
#[derive(Debug)]
pub enum Command {
    /// Create an account.
    Register(accounts::Register),
    /// Queue a verification code.
    RequestCode(codes::RequestCode),
    /// Reset a forgotten password with a code.
    ResetPassword(accounts::ResetPassword),
    /// Log in.
    Login(sessions::Login),
    /// Revoke the presented token.
    Logout(sessions::Logout),
    /// Add contacts.
    AddContacts(contacts::AddContacts),
    /// Edit a contact.
    UpdateContact(contacts::UpdateContact),
    /// Add or delete one phone or mail of a contact.
    EditContactItem(contacts::EditContactItem),
    /// Delete contacts.
    DeleteContacts(contacts::DeleteContacts),
    /// List the caller's contacts.
    ListContacts(contacts::ListContacts),
    /// Fetch contacts by uid.
    GetContacts(contacts::GetContacts),
    /// Search the caller's contacts.
    SearchContacts(contacts::SearchContacts),
}

impl Command {
    /// The command's name for logs and metrics.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Register(_) => "register",
            Command::RequestCode(_) => "request_code",
            Command::ResetPassword(_) => "reset_password",
            Command::Login(_) => "login",
            Command::Logout(_) => "logout",
            Command::AddContacts(_) => "add_contacts",
            Command::UpdateContact(_) => "update_contact",
            Command::EditContactItem(c) => match c.kind {
                contacts::ItemKind::Phone => "edit_contact_phone",
                contacts::ItemKind::Mail => "edit_contact_mail",
            },
            Command::DeleteContacts(_) => "delete_contacts",
            Command::ListContacts(_) => "list_contacts",
            Command::GetContacts(_) => "get_contacts",
            Command::SearchContacts(_) => "search_contacts",
        }
    }

    /// Applies the command for `caller` (present when the route requires a token).
    pub fn apply(self, ctx: &Ctx, caller: Option<&Caller>) -> Result<Outcome> {
        match self {
            Command::Register(c) => c.apply(ctx),
            Command::RequestCode(c) => c.apply(ctx),
            Command::ResetPassword(c) => c.apply(ctx),
            Command::Login(c) => c.apply(ctx),
            Command::Logout(c) => c.apply(ctx, sessions::require(caller)?),
            Command::AddContacts(c) => c.apply(ctx, sessions::require(caller)?),
            Command::UpdateContact(c) => c.apply(ctx, sessions::require(caller)?),
            Command::EditContactItem(c) => c.apply(ctx, sessions::require(caller)?),
            Command::DeleteContacts(c) => c.apply(ctx, sessions::require(caller)?),
            Command::ListContacts(c) => c.apply(ctx, sessions::require(caller)?),
            Command::GetContacts(c) => c.apply(ctx, sessions::require(caller)?),
            Command::SearchContacts(c) => c.apply(ctx, sessions::require(caller)?),
        }
    }
}

/// A command with the credentials and claims that came with it.
#[derive(Debug)]
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
    /// An opcode-dialect JWT.
    Jwt(String),
}

/// What a successful command produced, for the dialect's encoder to shape.
#[derive(Debug)]
pub enum Outcome {
    /// Success with nothing to report.
    Done,
    /// A new account.
    Registered {
        /// Its UUID.
        account_uid: Uuid,
    },
    /// A new session.
    LoggedIn {
        /// The account's UUID.
        account_uid: Uuid,
        /// The token to send back (in clear, once).
        token: String,
        /// How many contacts the account's book holds.
        contacts: i64,
    },
    /// Contacts of a book (added, listed, found or fetched).
    Contacts {
        /// The book's owner.
        owner: Uuid,
        /// The contacts, in answer order.
        contacts: Vec<Contact>,
    },
    /// One contact after an edit; its phones and mails are the ones the request listed.
    ContactUpdated(Contact),
    /// A phone added to a contact.
    PhoneAdded(ContactPhone),
    /// A phone removed from a contact.
    PhoneRemoved(String),
    /// A mail added to a contact.
    MailAdded(ContactMail),
    /// A mail removed from a contact.
    MailRemoved(String),
}
