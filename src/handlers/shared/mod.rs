//! Steps two or more handlers share: account lookups, password checks under the login
//! throttle, opening and authenticating sessions, decoding uploaded images, issuing and redeeming codes, replacing a
//! password. A handler file imports these and never another handler file; nothing here
//! imports a handler file.

pub mod codes;
pub mod guard;
pub mod images;
pub mod lookup;
pub mod passwords;
pub mod session;
