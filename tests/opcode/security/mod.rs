//! The original server's security holes, each closed: contacts belong to the token's account,
//! only HS256 JWTs signed with our key and unexpired are accepted, `rid` must be the token's
//! account, passwords are argon2id, and the JWT secret lives in the database.
//! Scoping in `scoping`, tokens in `tokens`, what is stored in `storage`.

mod scoping;
mod storage;
mod tokens;

use crate::support::checks::*;
use crate::support::pb::*;
use crate::support::{Resp, Server};
use jsonwebtoken::Algorithm;
use serde_json::{json, Value};
use switchboard::store::sql::params;

const A: &str = "13000000001";
const B: &str = "13000000002";
const SECRET: &str = "a configured test secret";
