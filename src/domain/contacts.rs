//! PhoneBooks contacts: a contact with its phones and mails, each with its own id and stamp.

/// A contact in a PhoneBooks phone book.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    /// Contact id, a dashed UUID v1.
    pub uid: String,
    /// Display name.
    pub name: String,
    /// Creation stamp, `%Y%m%d%H%M%S`.
    pub intime: String,
    /// The contact's phones.
    pub phones: Vec<ContactPhone>,
    /// The contact's mails.
    pub mails: Vec<ContactMail>,
}

/// One phone number of a contact.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactPhone {
    /// Phone id, a dashed UUID v1.
    pub pid: String,
    /// The number as the client gave it.
    pub phone: String,
    /// When it was written, `%Y%m%d%H%M%S`.
    pub intime: String,
}

/// One mail address of a contact.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactMail {
    /// Mail id, a dashed UUID v1.
    pub mid: String,
    /// The address as the client gave it.
    pub mail: String,
    /// When it was written, `%Y%m%d%H%M%S`.
    pub intime: String,
}
