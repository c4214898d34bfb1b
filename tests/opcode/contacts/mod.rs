//! Contacts: 1005 add, 1006 update, 10061/10062 phone and mail edits, 1007 delete, 1009 list,
//! 1010 get, and the extension 1008 search — each end to end with its wire shape. The helpers
//! live here; the changes in `writes`, the reads in `reads`.

mod reads;
mod writes;

use crate::support::checks::*;
use crate::support::pb::*;
use crate::support::Server;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const PHONE: &str = "13000000001";
const OTHER: &str = "13000000002";

/// `[{pid|mid, phone|mail, …}]` → id → value.
fn by_id(items: &Value, id: &str, value: &str) -> BTreeMap<String, String> {
    items
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {items}"))
        .iter()
        .map(|i| {
            (
                i[id].as_str().unwrap().to_string(),
                i[value].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `(id, value)` pairs as an owned map, to compare with [`by_id`].
fn owned<const N: usize>(pairs: [(&str, &str); N]) -> BTreeMap<String, String> {
    pairs
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The one contact 1010 answers for `uid`.
async fn fetch(app: &Server, token: &str, uid: &str) -> Value {
    let v = app.pb().get_contacts(token, &[uid]).await.ok_json();
    assert_eq!(v["users"].as_array().unwrap().len(), 1, "{v}");
    v["users"][0].clone()
}

/// A fresh server where [`PHONE`]'s book holds a contact of each name, added in order: the
/// server, the token and the contacts' uids.
async fn book<const N: usize>(names: [&str; N]) -> (Server, String, [String; N]) {
    let app = Server::start().await;
    let (_, token) = app.pb().account(PHONE).await;
    let mut uids = Vec::new();
    for name in names {
        uids.push(app.pb().add_contact(&token, name).await);
    }
    (app, token, uids.try_into().expect("one uid a name"))
}

fn count_rows(app: &Server, table: &str, contact_uid: &str) -> i64 {
    app.count(
        &format!("SELECT COUNT(*) FROM {table} WHERE contact_uid = ?1"),
        &[&contact_uid],
    )
}
