//! The one `Command` enum every dialect decodes into, and the outcomes handlers return.
//!
//! ```text
//! bytes ──decoder──▶ Request{Command} ──handlers::execute──▶ Outcome | Error ──encoder──▶ bytes
//! ```
//! A new command adds a [`CommandKind`] (named in `opcodes.toml`), a variant here, a struct
//! and handler in its domain module under `handlers/`, and an arm in each decoder that maps to it.

pub mod accounts;
pub mod admin;
pub mod codes;
pub mod contacts;
pub mod devices;
pub mod media;
mod outcome;
pub mod profiles;
pub mod rooms;
pub mod sessions;
pub mod v4_profiles;

use crate::domain::TokenPolicy;
pub use outcome::Outcome;
use serde::Deserialize;

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
    /// Export the caller's whole book as one document.
    ExportContacts,
    /// Draw an image captcha.
    ImageCaptcha,
    /// Check an image-captcha hash.
    CheckImageCaptcha,
    /// Send an SMS verification code.
    SmsCode,
    /// Check an SMS-code hash.
    CheckSmsCode,
    /// Change a password knowing the old one.
    ChangePassword,
    /// Another account's nickname.
    Nickname,
    /// The caller's profile.
    Profile,
    /// Update the caller's profile.
    UpdateProfile,
    /// Store the caller's portrait.
    UploadPortrait,
    /// Fetch a portrait image.
    Portrait,
    /// Token heartbeat.
    Doki,
    /// Register a camera device.
    AddDevice,
    /// Bind a device to the caller.
    BindDevice,
    /// The caller's bound devices.
    ListDevices,
    /// One device the caller has bound, by id or name.
    DeviceInfo,
    /// A device uploads a fall notice.
    UploadNotice,
    /// Notices of the caller's devices.
    ListNotices,
    /// One notice with its picture.
    NoticeInfo,
    /// Mark a notice read.
    SignNotice,
    /// Admin: every account.
    AdminListUsers,
    /// Admin: one account.
    AdminUserInfo,
    /// Admin: edit an account.
    AdminUpdateUser,
    /// Admin: delete an account.
    AdminDeleteUser,
    /// Move the caller's account to a new phone with a code.
    ChangePhone,
    /// Whether a phone has an account.
    PhoneExists,
    /// A user's public page.
    UserIndex,
    /// A user's detail (self or administrator).
    UserDetail,
    /// A third-party login (rooms).
    SnsLogin,
    /// Log in with a code sent to the phone (rooms).
    PhoneLogin,
    /// A page of open rooms.
    ListRooms,
    /// One room.
    ShowRoom,
    /// Create a room.
    CreateRoom,
    /// Change the caller's room.
    UpdateRoom,
    /// Delete the caller's room.
    DeleteRoom,
    /// Set the caller's icon URL.
    SetIcon,
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
            CommandKind::ExportContacts => "export_contacts",
            CommandKind::ImageCaptcha => "image_captcha",
            CommandKind::CheckImageCaptcha => "check_image_captcha",
            CommandKind::SmsCode => "sms_code",
            CommandKind::CheckSmsCode => "check_sms_code",
            CommandKind::ChangePassword => "change_password",
            CommandKind::Nickname => "nickname",
            CommandKind::Profile => "profile",
            CommandKind::UpdateProfile => "update_profile",
            CommandKind::UploadPortrait => "upload_portrait",
            CommandKind::Portrait => "portrait",
            CommandKind::Doki => "doki",
            CommandKind::AddDevice => "add_device",
            CommandKind::BindDevice => "bind_device",
            CommandKind::ListDevices => "list_devices",
            CommandKind::DeviceInfo => "device_info",
            CommandKind::UploadNotice => "upload_notice",
            CommandKind::ListNotices => "list_notices",
            CommandKind::NoticeInfo => "notice_info",
            CommandKind::SignNotice => "sign_notice",
            CommandKind::AdminListUsers => "admin_list_users",
            CommandKind::AdminUserInfo => "admin_user_info",
            CommandKind::AdminUpdateUser => "admin_update_user",
            CommandKind::AdminDeleteUser => "admin_delete_user",
            CommandKind::ChangePhone => "change_phone",
            CommandKind::PhoneExists => "phone_exists",
            CommandKind::UserIndex => "user_index",
            CommandKind::UserDetail => "user_detail",
            CommandKind::SnsLogin => "sns_login",
            CommandKind::PhoneLogin => "phone_login",
            CommandKind::ListRooms => "list_rooms",
            CommandKind::ShowRoom => "show_room",
            CommandKind::CreateRoom => "create_room",
            CommandKind::UpdateRoom => "update_room",
            CommandKind::DeleteRoom => "delete_room",
            CommandKind::SetIcon => "set_icon",
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
