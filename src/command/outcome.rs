//! What a successful command produced, for the dialect's encoder to shape.

use crate::domain::{
    Account, Contact, ContactMail, ContactPhone, Member, Room, RoomPage, RoomsUser, Session,
};
use uuid::Uuid;

/// What a successful command produced, for the dialect's encoder to shape.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Success with nothing to report.
    Done,
    /// A new account.
    Registered {
        /// Its UUID.
        account_uid: Uuid,
    },
    /// A session just opened (login, register-and-login, a new token after a password
    /// change), with the extras its command asked for.
    Session(Box<Session>),
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
    /// One member (public page or detail; the encoder picks the view).
    Member(Member),
    /// Whether the thing asked about exists.
    Exists(bool),
    /// A rooms user after an edit (icon, profile).
    RoomsUser(RoomsUser),
    /// One room.
    Room {
        /// The room.
        room: Room,
        /// Whether this call created it (answered 201).
        created: bool,
    },
    /// A page of open rooms.
    Rooms(RoomPage),
}
