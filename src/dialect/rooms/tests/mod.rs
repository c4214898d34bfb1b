//! Unit tests of the rooms decoder ([`decode`]: routes, tokens, fields, queries and forms)
//! and encoder ([`encode`]: the document's shapes and the failure table).

mod decode;
mod encode;

use super::*;
use crate::command::CommandKind;
use crate::dialect::testing::{self, answer, executed, json};
use serde_json::json;

const TOKEN: &str = "8ca6dd209e7f780229cdee74ef525dfe";

fn send(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Step {
    testing::send(handle, method, target, headers, body)
}

fn json_body(method: &str, path: &str, body: Value) -> Step {
    send(method, path, &[], body.to_string().as_bytes())
}

/// A body each command decodes from, and the name of the command it decodes into.
fn sample(kind: CommandKind) -> (Value, &'static str) {
    use CommandKind::*;
    match kind {
        Register => (
            json!({"username": "12345", "password": "123456",
                   "nickname": "never", "phone": "18752000500"}),
            "rooms_sign_up",
        ),
        SnsLogin => (
            json!({"username": "12345", "nickname": "never", "login_type": "1",
                   "snsid": "o6", "access_token": "t", "icon": "a.jpg"}),
            "sns_login",
        ),
        Login => (json!({"username": "12345", "password": "123456"}), "login"),
        CreateRoom => (json!({"room_alias": "1262", "active": true}), "create_room"),
        UpdateRoom => (json!({"active": false}), "update_room"),
        SetIcon => (json!({"icon": "static/mcuser/img/tests1.png"}), "set_icon"),
        ChangePassword => (
            json!({"username": "12345", "old_password": "123456", "password": "654321"}),
            "rooms_change_password",
        ),
        UpdateProfile => (
            json!({"nickname": "never", "sex": "1"}),
            "rooms_update_user",
        ),
        SmsCode => (json!({"phone": "18752000500"}), "request_code"),
        // The phone login's fields come in the query.
        PhoneLogin => (json!({}), "phone_login"),
        Logout => (json!({}), "logout"),
        ListRooms => (json!({}), "list_rooms"),
        ShowRoom => (json!({}), "show_room"),
        DeleteRoom => (json!({}), "delete_room"),
        other => panic!("unexpected rooms command {}", other.as_str()),
    }
}

#[test]
fn the_dialect_owns_paths_by_their_first_segment_only() {
    for path in [
        "/users/",
        "/rooms",
        "/rooms/?page=1",
        "//login",
        "/password/reset",
    ] {
        assert!(owns(path), "{path}");
    }
    for path in [
        "/",
        "",
        "/api/v4.0/users",
        "/roomsx",
        "/ineww/rooms",
        "/user",
    ] {
        assert!(!owns(path), "{path}");
    }
}
