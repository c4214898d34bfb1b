//! The names registry rows give commands (`command = "…"` in `opcodes.toml`), from one table:
//! the enum, its snake_case names and the list of all of them cannot drift apart.

use serde::Deserialize;

/// Declares [`CommandKind`] from one table of `Variant => "name"` rows.
macro_rules! command_kinds {
    ($($(#[$doc:meta])* $kind:ident => $name:literal,)+) => {
        /// The name a registry row gives its command.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
        pub enum CommandKind {
            $($(#[$doc])* #[serde(rename = $name)] $kind,)+
        }

        impl CommandKind {
            /// Every kind, in table order.
            pub const ALL: &'static [CommandKind] = &[$(CommandKind::$kind,)+];

            /// The snake_case name used in `opcodes.toml`, logs and metrics.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(CommandKind::$kind => $name,)+
                }
            }
        }
    };
}

command_kinds! {
    /// Create an account.
    Register => "register",
    /// Request a reset code, or reset a password with one.
    ForgotPassword => "forgot_password",
    /// Log in with phone and password.
    Login => "login",
    /// Revoke the presented token.
    Logout => "logout",
    /// Add contacts to the caller's book.
    AddContacts => "add_contacts",
    /// Rename a contact and edit its phones and mails.
    UpdateContact => "update_contact",
    /// Add or delete one phone of a contact.
    EditContactPhone => "edit_contact_phone",
    /// Add or delete one mail of a contact.
    EditContactMail => "edit_contact_mail",
    /// Delete contacts.
    DeleteContacts => "delete_contacts",
    /// Search the caller's contacts.
    SearchContacts => "search_contacts",
    /// List the caller's contacts.
    ListContacts => "list_contacts",
    /// Fetch contacts by uid.
    GetContacts => "get_contacts",
    /// Export the caller's whole book as one document.
    ExportContacts => "export_contacts",
    /// Draw an image captcha.
    ImageCaptcha => "image_captcha",
    /// Check an image-captcha hash.
    CheckImageCaptcha => "check_image_captcha",
    /// Send an SMS verification code.
    SmsCode => "sms_code",
    /// Check an SMS-code hash.
    CheckSmsCode => "check_sms_code",
    /// Change a password knowing the old one.
    ChangePassword => "change_password",
    /// Another account's nickname.
    Nickname => "nickname",
    /// The caller's profile.
    Profile => "profile",
    /// Update the caller's profile.
    UpdateProfile => "update_profile",
    /// Store the caller's portrait.
    UploadPortrait => "upload_portrait",
    /// Fetch a portrait image.
    Portrait => "portrait",
    /// Token heartbeat.
    Doki => "doki",
    /// Register a camera device.
    AddDevice => "add_device",
    /// Bind a device to the caller.
    BindDevice => "bind_device",
    /// The caller's bound devices.
    ListDevices => "list_devices",
    /// One device the caller has bound, by id or name.
    DeviceInfo => "device_info",
    /// A device uploads a fall notice.
    UploadNotice => "upload_notice",
    /// Notices of the caller's devices.
    ListNotices => "list_notices",
    /// One notice with its picture.
    NoticeInfo => "notice_info",
    /// Mark a notice read.
    SignNotice => "sign_notice",
    /// Admin: every account.
    AdminListUsers => "admin_list_users",
    /// Admin: one account.
    AdminUserInfo => "admin_user_info",
    /// Admin: edit an account.
    AdminUpdateUser => "admin_update_user",
    /// Admin: delete an account.
    AdminDeleteUser => "admin_delete_user",
    /// Move the caller's account to a new phone with a code.
    ChangePhone => "change_phone",
    /// Whether a phone has an account.
    PhoneExists => "phone_exists",
    /// A user's public page.
    UserIndex => "user_index",
    /// A user's detail (self or administrator).
    UserDetail => "user_detail",
    /// A third-party login (rooms).
    SnsLogin => "sns_login",
    /// Log in with a code sent to the phone (rooms).
    PhoneLogin => "phone_login",
    /// A page of open rooms.
    ListRooms => "list_rooms",
    /// One room.
    ShowRoom => "show_room",
    /// Create a room.
    CreateRoom => "create_room",
    /// Change the caller's room.
    UpdateRoom => "update_room",
    /// Delete the caller's room.
    DeleteRoom => "delete_room",
    /// Set the caller's icon URL.
    SetIcon => "set_icon",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_own_name() {
        for kind in CommandKind::ALL {
            let parsed: CommandKind =
                serde_json::from_value(serde_json::json!(kind.as_str())).unwrap();
            assert_eq!(parsed, *kind);
        }
        let mut names: Vec<_> = CommandKind::ALL.iter().map(|k| k.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CommandKind::ALL.len(), "names are unique");
    }
}
