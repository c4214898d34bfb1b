//! Administrator commands over accounts (HelpAged `admin/user`).
//!
//! Data only: what each command carries. `handlers` applies them.

use crate::domain::ProfilePatch;

/// One administrative operation.
#[derive(Debug, Clone)]
pub enum AdminCommand {
    /// Every account.
    List,
    /// One account by phone.
    Info {
        /// The account's phone.
        phone: String,
    },
    /// Edit name, nickname, email and level of an account.
    Update {
        /// The account's phone.
        phone: String,
        /// The changes.
        patch: ProfilePatch,
    },
    /// Delete an account with its tokens and data.
    Delete {
        /// The account's phone.
        phone: String,
    },
}

impl AdminCommand {
    /// The operation's name for logs.
    pub fn name(&self) -> &'static str {
        match self {
            AdminCommand::List => "admin_list_users",
            AdminCommand::Info { .. } => "admin_user_info",
            AdminCommand::Update { .. } => "admin_update_user",
            AdminCommand::Delete { .. } => "admin_delete_user",
        }
    }
}
