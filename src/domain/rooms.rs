//! The rooms app: a rooms user (the shared account plus its rooms-only fields) and the rooms,
//! whose room numbers share one space with the users'.

use super::Account;

/// An account as rooms shows a user: the shared account (`username`, `nickname`, `email`,
/// `phone`, `pk`, `created_at`) and its rooms-only fields.
#[derive(Debug, Clone)]
pub struct RoomsUser {
    /// The shared account.
    pub account: Account,
    /// The rooms-only fields.
    pub profile: RoomsProfile,
}

/// The rooms-only fields of an account (`rooms_profiles`), made at its first rooms register
/// or login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomsProfile {
    /// The room number assigned to the account (4 digits while they last).
    pub roomid: i64,
    /// 0 male, 1 female, 2 unknown.
    pub sex: i64,
    /// Age in years (0 when not given).
    pub age: i64,
    /// Country.
    pub country: String,
    /// Province or municipality.
    pub province: String,
    /// City.
    pub city: String,
    /// Occupation.
    pub career: String,
    /// 0 ordinary, 1 WeChat, 2 QQ, 3 Weibo.
    pub login_type: i64,
    /// Icon URL, stored as given and never fetched.
    pub img: String,
}

impl Default for RoomsProfile {
    /// An account with no rooms row yet: room number 0, sex unknown, everything else empty.
    fn default() -> Self {
        RoomsProfile {
            roomid: 0,
            sex: 2,
            age: 0,
            country: String::new(),
            province: String::new(),
            city: String::new(),
            career: String::new(),
            login_type: 0,
            img: String::new(),
        }
    }
}

/// Rooms-only fields to set; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomsChanges {
    /// 0, 1 or 2.
    pub sex: Option<i64>,
    /// Age in years.
    pub age: Option<i64>,
    /// Country.
    pub country: Option<String>,
    /// Province.
    pub province: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Occupation.
    pub career: Option<String>,
    /// Icon URL.
    pub img: Option<String>,
}

/// A room of the rooms app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    /// Integer id (`pk`).
    pub pk: i64,
    /// The account that created it (the only one that may change it).
    pub owner_pk: i64,
    /// Its room number, from the same number space as the accounts' room numbers.
    pub roomid: i64,
    /// The client's label for the room, unique.
    pub room_alias: String,
    /// Whether the room is open (only open rooms are listed).
    pub active: bool,
}

/// One page of open rooms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomPage {
    /// The rooms of the page, by pk.
    pub rooms: Vec<Room>,
    /// How many open rooms there are in all.
    pub total: i64,
    /// The page number (from 1).
    pub page: i64,
    /// The page size used.
    pub page_size: i64,
}
