//! Domain types shared by handlers, the store and the encoders, with their validation, by
//! sub-domain; every type is re-exported here, so it is named `domain::Type`.
//!
//! A handler never sees an unchecked phone or password: decoders build these types with
//! `parse`, which refuses bad values with a domain [`Error`](crate::error::Error).

mod accounts;
mod contacts;
mod devices;
mod profiles;
mod rooms;
mod session;
mod throttle;

pub use accounts::{check_username, Account, CodePurpose, Password, Patch, Phone, ProfilePatch};
pub use contacts::{Contact, ContactMail, ContactPhone};
pub use devices::{Device, Notice, ReadFilter};
pub use profiles::{Member, MemberChanges, MemberProfile};
pub use rooms::{Room, RoomPage, RoomsChanges, RoomsProfile, RoomsUser};
pub use session::{
    Auth, Caller, DeviceCaller, DeviceChange, LoginKey, RefreshPolicy, Requester, Session,
    SessionExtras, TokenPolicy,
};
pub use throttle::{AccountFailures, PeerFailures, ThrottlePolicy};
