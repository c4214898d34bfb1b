//! INEWW member commands: show and update a member profile.
//!
//! Data only: what each command carries. `handlers` applies them.

use crate::domain::MemberChanges;
use uuid::Uuid;

domain_commands! {
    /// Member-profile commands, one per input below.
    pub enum ProfilesCommand in Command::Profiles {
        /// Show a member (own detail, public page, detail).
        ShowMember(ShowMember) => "show_member", short_read;
        /// Update the caller's member profile.
        UpdateMember(UpdateMember) => "update_member", short_write;
    }
}

/// Which member to show, and how much of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberQuery {
    /// The caller's own detail.
    Own,
    /// Anyone's public page; `None` is a uid that is not a UUID (so nobody's).
    Public(Option<Uuid>),
    /// A detail only the member and administrators may see.
    Detail(Option<Uuid>),
}

/// Show a member.
#[derive(Debug, Clone)]
pub struct ShowMember {
    /// Who, and which view.
    pub query: MemberQuery,
}

/// Update the caller's own member profile; values not given stay (nothing can be cleared).
#[derive(Debug, Clone)]
pub struct UpdateMember {
    /// The member the request names; must be the caller (`None`: not a UUID).
    pub uid: Option<Uuid>,
    /// New display name.
    pub name: Option<String>,
    /// New INEWW-only fields.
    pub changes: MemberChanges,
}
