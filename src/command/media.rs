//! Portrait commands: upload the caller's, fetch anyone's.
//!
//! Data only: what each command carries. `handlers` applies them.

domain_commands! {
    /// Portrait commands, one per input below.
    pub enum MediaCommand in Command::Media {
        /// Store the caller's portrait.
        UploadPortrait(UploadPortrait) => "upload_portrait";
        /// Fetch a portrait image.
        Portrait(Portrait) => "portrait";
    }
}

/// Store the caller's portrait (replacing any earlier one).
#[derive(Debug, Clone)]
pub struct UploadPortrait {
    /// The image as base64, with or without a `data:image/...;base64,` header.
    pub base64: String,
}

/// Fetch a portrait by user id (the phone).
#[derive(Debug, Clone)]
pub struct Portrait {
    /// The id from the URL, as given.
    pub user_id: String,
    /// The request's `Referer`, if any.
    pub referer: Option<String>,
    /// The request's `Host`, if any (the server's own host is always allowed).
    pub host: Option<String>,
}
