//! The one `Command` enum every dialect decodes into, and the outcomes handlers return.
//!
//! ```text
//! bytes ──decoder──▶ Request{Command} ──handlers::execute──▶ Outcome | Error ──encoder──▶ bytes
//! ```
//! Data only: this module calls nothing. A new command adds a row to the [`CommandKind`]
//! table (the name `opcodes.toml` uses), a variant here with its input struct in the domain's
//! module, its handler under `handlers/` with its arm in `handlers::execute`, and the
//! dialect's decode and encode arms; README's "Adding an op code" lists the places in order.

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
    /// Export the caller's whole book.
    ExportContacts(contacts::ExportContacts),
    /// Draw an image captcha.
    ImageCaptcha(codes::ImageCaptcha),
    /// Check a captcha or SMS hash.
    CheckHash(codes::CheckHash),
    /// Change a password knowing the old one.
    ChangePassword(accounts::ChangePassword),
    /// Another account's nickname.
    Nickname(accounts::Nickname),
    /// The caller's profile.
    Profile(accounts::Profile),
    /// Update the caller's profile.
    UpdateProfile(accounts::UpdateProfile),
    /// Store the caller's portrait.
    UploadPortrait(media::UploadPortrait),
    /// Fetch a portrait image.
    Portrait(media::Portrait),
    /// Token heartbeat.
    Doki(sessions::Doki),
    /// Register a device.
    AddDevice(devices::AddDevice),
    /// Bind a device.
    BindDevice(devices::BindDevice),
    /// List bound devices.
    ListDevices(devices::ListDevices),
    /// One bound device.
    DeviceInfo(devices::DeviceInfo),
    /// Upload a fall notice.
    UploadNotice(devices::UploadNotice),
    /// List notices.
    ListNotices(devices::ListNotices),
    /// One notice.
    NoticeInfo(devices::NoticeInfo),
    /// Mark a notice read.
    SignNotice(devices::SignNotice),
    /// Administer accounts.
    Admin(admin::AdminCommand),
    /// Create an account and open a session on it.
    SignUp(accounts::SignUp),
    /// Change the caller's own password.
    ChangeOwnPassword(accounts::ChangeOwnPassword),
    /// Move the caller's account to a new phone.
    ChangePhone(accounts::ChangePhone),
    /// Whether a phone has an account.
    PhoneExists(accounts::PhoneExists),
    /// Show a member (own detail, public page, detail).
    ShowMember(profiles::ShowMember),
    /// Update the caller's member profile.
    UpdateMember(profiles::UpdateMember),
    /// Queue a code when the phone's registration is the expected one (v4).
    RequestCodeIf(codes::RequestCodeIf),
    /// Create an account with a code and open a v4 session on it.
    SignUpV4(v4_profiles::SignUp),
    /// Check a reset code and open the password-reset window (v4).
    VerifyCode(v4_profiles::VerifyCode),
    /// Set a new password inside the reset window (v4).
    ResetInWindow(v4_profiles::ResetPassword),
    /// A rooms user or room command.
    Rooms(rooms::RoomsCommand),
    /// Log in with a code sent to the phone.
    PhoneLogin(sessions::PhoneLogin),
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
            Command::ExportContacts(_) => "export_contacts",
            Command::ImageCaptcha(_) => "image_captcha",
            Command::CheckHash(_) => "check_hash",
            Command::ChangePassword(_) => "change_password",
            Command::Nickname(_) => "nickname",
            Command::Profile(_) => "profile",
            Command::UpdateProfile(_) => "update_profile",
            Command::UploadPortrait(_) => "upload_portrait",
            Command::Portrait(_) => "portrait",
            Command::Doki(_) => "doki",
            Command::AddDevice(_) => "add_device",
            Command::BindDevice(_) => "bind_device",
            Command::ListDevices(_) => "list_devices",
            Command::DeviceInfo(_) => "device_info",
            Command::UploadNotice(_) => "upload_notice",
            Command::ListNotices(_) => "list_notices",
            Command::NoticeInfo(_) => "notice_info",
            Command::SignNotice(_) => "sign_notice",
            Command::Admin(c) => c.name(),
            Command::SignUp(_) => "sign_up",
            Command::ChangeOwnPassword(_) => "change_own_password",
            Command::ChangePhone(_) => "change_phone",
            Command::PhoneExists(_) => "phone_exists",
            Command::ShowMember(_) => "show_member",
            Command::UpdateMember(_) => "update_member",
            Command::RequestCodeIf(_) => "request_code_if",
            Command::SignUpV4(_) => "sign_up_v4",
            Command::Rooms(c) => c.name(),
            Command::PhoneLogin(_) => "phone_login",
            Command::VerifyCode(_) => "verify_code",
            Command::ResetInWindow(_) => "reset_in_window",
        }
    }

    /// Whether applying the command computes an argon2id hash (checks or sets a password):
    /// such commands run only while a slot of the bounded password lane is free.
    pub fn hashes_password(&self) -> bool {
        match self {
            Command::Register(_)
            | Command::ResetPassword(_)
            | Command::Login(_)
            | Command::ChangePassword(_)
            | Command::SignUp(_)
            | Command::ChangeOwnPassword(_)
            | Command::SignUpV4(_)
            | Command::ResetInWindow(_) => true,
            Command::Rooms(c) => c.hashes_password(),
            Command::RequestCode(_)
            | Command::Logout(_)
            | Command::AddContacts(_)
            | Command::UpdateContact(_)
            | Command::EditContactItem(_)
            | Command::DeleteContacts(_)
            | Command::ListContacts(_)
            | Command::GetContacts(_)
            | Command::SearchContacts(_)
            | Command::ExportContacts(_)
            | Command::ImageCaptcha(_)
            | Command::CheckHash(_)
            | Command::Nickname(_)
            | Command::Profile(_)
            | Command::UpdateProfile(_)
            | Command::UploadPortrait(_)
            | Command::Portrait(_)
            | Command::Doki(_)
            | Command::AddDevice(_)
            | Command::BindDevice(_)
            | Command::ListDevices(_)
            | Command::DeviceInfo(_)
            | Command::UploadNotice(_)
            | Command::ListNotices(_)
            | Command::NoticeInfo(_)
            | Command::SignNotice(_)
            | Command::Admin(_)
            | Command::ChangePhone(_)
            | Command::PhoneExists(_)
            | Command::ShowMember(_)
            | Command::UpdateMember(_)
            | Command::RequestCodeIf(_)
            | Command::PhoneLogin(_)
            | Command::VerifyCode(_) => false,
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
