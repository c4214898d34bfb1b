//! HelpAged device and fall-notice commands.
//!
//! Data only: what each command carries. `handlers` applies them.

use crate::domain::ReadFilter;

domain_commands! {
    /// Device and notice commands, one per input below.
    pub enum DevicesCommand in Command::Devices {
        /// Register a device.
        AddDevice(AddDevice) => "add_device", short_write;
        /// Bind a device.
        BindDevice(BindDevice) => "bind_device", short_write;
        /// List bound devices.
        ListDevices(ListDevices) => "list_devices", short_read;
        /// One bound device.
        DeviceInfo(DeviceInfo) => "device_info", short_read;
        /// Upload a fall notice.
        UploadNotice(UploadNotice) => "upload_notice";
        /// List notices.
        ListNotices(ListNotices) => "list_notices";
        /// One notice.
        NoticeInfo(NoticeInfo) => "notice_info";
        /// Mark a notice read.
        SignNotice(SignNotice) => "sign_notice", short_write;
    }
}

/// Register a device under a name (unique among the caller's devices).
#[derive(Debug, Clone)]
pub struct AddDevice {
    /// The device's name.
    pub name: String,
}

/// Bind a device to the caller by its `device_id`.
#[derive(Debug, Clone)]
pub struct BindDevice {
    /// The device's id (its token).
    pub device_id: String,
}

/// The caller's bound devices.
#[derive(Debug, Clone)]
pub struct ListDevices;

/// One device the caller has bound, by its id, its name, or both (then it must match both).
#[derive(Debug, Clone)]
pub struct DeviceInfo {
    /// The device's id (lower-cased), if given.
    pub device_id: Option<String>,
    /// The device's name, if given.
    pub device_name: Option<String>,
}

/// A device uploads a fall picture; every account bound to it is alerted.
#[derive(Debug, Clone)]
pub struct UploadNotice {
    /// The picture as base64, with or without a `data:image/...;base64,` header.
    pub base64: String,
    /// Free text (≤ 255 characters).
    pub content: String,
}

/// Notices of the caller's devices.
#[derive(Debug, Clone)]
pub struct ListNotices {
    /// Unread, read or all.
    pub filter: ReadFilter,
}

/// One notice of a device the caller has bound, with its picture; marks it read.
#[derive(Debug, Clone)]
pub struct NoticeInfo {
    /// The notice's event id.
    pub event_id: String,
}

/// Mark a notice of a bound device read.
#[derive(Debug, Clone)]
pub struct SignNotice {
    /// The notice's event id.
    pub event_id: String,
}
