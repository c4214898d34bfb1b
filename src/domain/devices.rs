//! HelpAged camera devices as their binders see them, and the fall notices they upload.

/// A HelpAged camera device as its binder sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    /// The device's 32-hex id (also its upload token); `""` for a device added before ids
    /// were kept whose id nobody has presented since (schema version 6).
    pub device_id: String,
    /// The device's name.
    pub name: String,
    /// When the caller bound it, `YYYY-MM-DD HH:MM:SS` local time.
    pub bound_at: String,
}

/// A fall notice uploaded by a device.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// 32-hex event id.
    pub event_id: String,
    /// Free text from the device.
    pub content: String,
    /// The uploading device's name.
    pub device: String,
    /// 32-hex picture name.
    pub pic_name: String,
    /// Upload time, `YYYY-MM-DD HH:MM:SS` local time.
    pub createtime: String,
    /// The picture, when asked for.
    pub picture: Option<Vec<u8>>,
}

/// Which notices to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFilter {
    /// Not yet read by the account.
    Unread,
    /// Already read by the account.
    Read,
    /// Every notice.
    All,
}
