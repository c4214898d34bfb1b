//! rooms-app commands: users (sign-up, third-party login, icon, profile, password) and rooms.
//!
//! Data only: what each command carries. `handlers` applies them.

use super::accounts::RegisterByName;
use crate::domain::{Password, Patch, Phone, RoomsChanges, TokenPolicy};

/// Rooms a page holds unless `pageSize` says otherwise (the document's default).
pub const DEFAULT_PAGE_SIZE: i64 = 30;
/// Most rooms a page holds; a larger `pageSize` is cut to this.
pub const MAX_PAGE_SIZE: i64 = 100;

/// One rooms command (the ones that are not plain login, logout or code requests).
#[derive(Debug, Clone)]
pub enum RoomsCommand {
    /// `POST /users/`.
    SignUp(SignUp),
    /// `POST /snslogin/`.
    SnsLogin(SnsLogin),
    /// `PUT /users/icon/<pk>/`.
    SetIcon(SetIcon),
    /// `PUT /users/<pk>/`.
    UpdateUser(UpdateUser),
    /// `PUT /users/password/`, `PUT /password/`.
    ChangePassword(ChangePassword),
    /// `GET /rooms/`.
    ListRooms(ListRooms),
    /// `GET /rooms/<pk>/`.
    ShowRoom(ShowRoom),
    /// `POST /rooms/`.
    CreateRoom(CreateRoom),
    /// `PUT /rooms/<pk>/`.
    UpdateRoom(UpdateRoom),
    /// `DELETE /rooms/<pk>/`.
    DeleteRoom(DeleteRoom),
}

/// Register by username, password and nickname; answers the user with a first token.
#[derive(Debug, Clone)]
pub struct SignUp {
    /// The account.
    pub account: RegisterByName,
    /// The rooms-only fields given.
    pub profile: RoomsChanges,
    /// The tokens to issue.
    pub policy: TokenPolicy,
}

/// A third-party login. The server cannot verify `access_token` with WeChat, QQ or Weibo, so
/// unless the configuration trusts client-supplied identities (development only) it is
/// refused; when trusted, the first login of an identity creates the account.
#[derive(Debug, Clone)]
pub struct SnsLogin {
    /// The account to create at the first login (no password: none matches it).
    pub account: RegisterByName,
    /// 1 WeChat, 2 QQ, 3 Weibo.
    pub login_type: i64,
    /// The third party's id of the user.
    pub snsid: String,
    /// The rooms-only fields given (`icon` as `img`).
    pub profile: RoomsChanges,
    /// The tokens to issue.
    pub policy: TokenPolicy,
}

/// Set the caller's icon URL (stored as given, never fetched).
#[derive(Debug, Clone)]
pub struct SetIcon {
    /// The user the path names; must be the caller.
    pub pk: i64,
    /// The icon URL.
    pub icon: String,
}

/// Update the caller's user fields; absent ones stay.
#[derive(Debug, Clone)]
pub struct UpdateUser {
    /// The user the path names; must be the caller.
    pub pk: i64,
    /// New login name.
    pub username: Option<String>,
    /// New nickname.
    pub nickname: Option<String>,
    /// New e-mail (`Clear` for a blank one).
    pub email: Patch<String>,
    /// New login phone.
    pub phone: Option<Phone>,
    /// New rooms-only fields.
    pub profile: RoomsChanges,
}

/// Change the caller's password knowing the old one: revokes every token of the account in
/// every dialect and answers the user with a new rooms token.
#[derive(Debug, Clone)]
pub struct ChangePassword {
    /// Must name the caller (its username, or its phone).
    pub username: String,
    /// The current password.
    pub old: String,
    /// The new password.
    pub new: Password,
    /// The tokens to issue (a new one answers the change).
    pub policy: TokenPolicy,
}
/// A page of open rooms.
#[derive(Debug, Clone)]
pub struct ListRooms {
    /// Page number, from 1.
    pub page: i64,
    /// Rooms per page, 1 to [`MAX_PAGE_SIZE`].
    pub page_size: i64,
}

/// One room, open or not.
#[derive(Debug, Clone)]
pub struct ShowRoom {
    /// Its pk.
    pub pk: i64,
}

/// Create a room owned by the caller, with a new room number.
#[derive(Debug, Clone)]
pub struct CreateRoom {
    /// Its alias (unique).
    pub room_alias: String,
    /// Whether it is open.
    pub active: bool,
}

/// Change the caller's room.
#[derive(Debug, Clone)]
pub struct UpdateRoom {
    /// Its pk.
    pub pk: i64,
    /// New alias.
    pub room_alias: Option<String>,
    /// New open state.
    pub active: Option<bool>,
}

/// Delete the caller's room.
#[derive(Debug, Clone)]
pub struct DeleteRoom {
    /// Its pk.
    pub pk: i64,
}

impl RoomsCommand {
    /// The command's name for logs.
    pub fn name(&self) -> &'static str {
        match self {
            RoomsCommand::SignUp(_) => "rooms_sign_up",
            RoomsCommand::SnsLogin(_) => "sns_login",
            RoomsCommand::SetIcon(_) => "set_icon",
            RoomsCommand::UpdateUser(_) => "rooms_update_user",
            RoomsCommand::ChangePassword(_) => "rooms_change_password",
            RoomsCommand::ListRooms(_) => "list_rooms",
            RoomsCommand::ShowRoom(_) => "show_room",
            RoomsCommand::CreateRoom(_) => "create_room",
            RoomsCommand::UpdateRoom(_) => "update_room",
            RoomsCommand::DeleteRoom(_) => "delete_room",
        }
    }

    /// Where the server runs it (see [`crate::command::Lane`]).
    pub fn lane(&self) -> crate::command::Lane {
        use crate::command::Lane;
        match self {
            RoomsCommand::SignUp(c) if c.account.password.is_some() => Lane::HashesPassword,
            RoomsCommand::ChangePassword(_) => Lane::HashesPassword,
            RoomsCommand::ListRooms(_) | RoomsCommand::ShowRoom(_) => Lane::ShortRead,
            RoomsCommand::UpdateUser(_)
            | RoomsCommand::CreateRoom(_)
            | RoomsCommand::UpdateRoom(_)
            | RoomsCommand::DeleteRoom(_) => Lane::ShortWrite,
            RoomsCommand::SignUp(_) | RoomsCommand::SnsLogin(_) | RoomsCommand::SetIcon(_) => {
                Lane::Blocking
            }
        }
    }
}
