//! What a successful command produced, for the dialect's encoder to shape.

use crate::domain::{
    Account, Contact, ContactMail, ContactPhone, Member, Room, RoomPage, RoomsUser, TokenPair,
};
use uuid::Uuid;

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
    /// A whole book, read at one moment.
    ContactsExport {
        /// The book's owner.
        owner: Uuid,
        /// Every contact, in the order the book is listed.
        contacts: Vec<Contact>,
        /// When the book was read: the 14-digit local stamp `intime` uses.
        exported_at: String,
    },
    /// One contact after an edit; its phones and mails are the ones the request listed.
    ContactUpdated(Contact),
    /// A phone added to a contact.
    PhoneAdded {
        /// The contact's uid.
        uid: String,
        /// The new phone.
        phone: ContactPhone,
    },
    /// A phone removed from a contact.
    PhoneRemoved {
        /// The contact's uid.
        uid: String,
        /// The removed phone's `pid`.
        pid: String,
    },
    /// A mail added to a contact.
    MailAdded {
        /// The contact's uid.
        uid: String,
        /// The new mail.
        mail: ContactMail,
    },
    /// A mail removed from a contact.
    MailRemoved {
        /// The contact's uid.
        uid: String,
        /// The removed mail's `mid`.
        mid: String,
    },
    /// A verification code went out; `rand` is the HelpAged hash salt.
    CodeSent {
        /// The salt the client hashes with the code (`MD5(code+rand)`).
        rand: Option<String>,
    },
    /// An image captcha.
    Captcha {
        /// PNG bytes.
        png: Vec<u8>,
        /// The salt the client hashes with the code.
        rand: String,
    },
    /// One account's public profile.
    Profile(Account),
    /// Every account (admin).
    Accounts(Vec<Account>),
    /// A nickname (possibly unset).
    Nickname(Option<String>),
    /// Where a stored portrait can be fetched.
    PortraitStored {
        /// The owner's phone (the portrait URL's id).
        phone: String,
    },
    /// Image bytes to send as they are.
    Image {
        /// The bytes.
        bytes: bytes::Bytes,
        /// Their content type.
        content_type: &'static str,
    },
    /// A new device and its token.
    DeviceAdded {
        /// The device's 32-hex id, which is also its upload token (shown once).
        device_id: String,
    },
    /// The caller's bound devices.
    Devices(Vec<crate::domain::Device>),
    /// One device the caller has bound.
    Device(crate::domain::Device),
    /// A stored fall notice.
    NoticeStored {
        /// The picture's name.
        pic_name: String,
    },
    /// Notices, oldest first.
    Notices(Vec<crate::domain::Notice>),
    /// One notice with its picture as base64.
    Notice(crate::domain::Notice),
    /// A new INEWW session: its token pair and the member it belongs to.
    Session {
        /// The tokens (in clear, once).
        pair: TokenPair,
        /// The member.
        member: Member,
    },
    /// One member (public page or detail; the encoder picks the view).
    Member(Member),
    /// Whether the thing asked about exists.
    Exists(bool),
    /// A rooms user, with the token issued for it when one was (register, logins, password).
    RoomsUser {
        /// The user.
        user: RoomsUser,
        /// The new token (in clear, once).
        token: Option<String>,
        /// Whether this call created the account (a first third-party login answers 201).
        created: bool,
    },
    /// One room.
    Room {
        /// The room.
        room: Room,
        /// Whether this call created it (answered 201).
        created: bool,
    },
    /// A page of open rooms.
    Rooms(RoomPage),
    /// A new v4 session: the account, its token, and what the v4 answer shows with them.
    V4Session {
        /// The account (`name`, `user_id`).
        account: Account,
        /// The token to send back (in clear, once).
        token: String,
        /// Whether the last v4 session was opened on another device.
        change_device: bool,
        /// The account's enterprise; `None` is none (-1).
        enterprise_id: Option<i64>,
    },
}
