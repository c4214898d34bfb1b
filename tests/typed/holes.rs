//! HelpAged (the `typed` dialect): the holes of the original server that CONTRACT.md and
//! ORIGINALS.md close, each proved over a real in-process server (or, where time must pass,
//! over the typed decoder/handlers/encoder with a manual clock). The bad-input table is
//! tests/typed_bad_input.rs.

use crate::support::checks::*;
use crate::support::typed::*;
use crate::support::Server;
use serde_json::{json, Value};
use switchboard::media::{ban_portrait, default_portrait, error_portrait};

const PNG_1X1: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==";

fn png_bytes() -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(PNG_1X1)
        .expect("valid base64")
}

/// A server on a clock stopped at 2017-05-11 that moves only when told, whose image captchas
/// all show [`CAPTCHA_CODE`].
async fn on_manual_clock() -> Server {
    let start = chrono::DateTime::from_timestamp(1_494_492_617, 0).expect("a valid time");
    Server::builder()
        .manual_clock_at(start)
        .ids(KnownCaptcha::ids())
        .start()
        .await
}

// ---------------------------------------------------------------------------------------------
// SMS and image-captcha hashes: single use, expiring, bound to their kind, purpose and phone
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_sms_hash_registers_once_and_is_spent_afterwards() {
    let s = Server::start().await;
    let hash = s.typed().sms_hash("13750687010", 1).await;
    let data = json!({"phone": "13750687010", "hash": hash, "pass": PASS});
    let register = body("register", "phone", data);
    ok(s.typed().post("/api/user/register", &register).await);

    // The same hash again: the spent hash is refused before the duplicate phone is noticed.
    let again = s.typed().post("/api/user/register", &register).await;
    assert_status(&again, -4);
    assert_eq!(again["message"], "Error hash");

    // An administrator deletes the account; the spent hash still cannot recreate it.
    let admin = s.typed().account("13750687011").await;
    s.set_level("13750687011", 9);
    let del = body("user", "delete", json!({"phone": "13750687010"}));
    ok(s.typed()
        .post(&format!("/api/admin/user?token={admin}"), &del)
        .await);
    assert!(s.account("13750687010").is_none());
    let after_delete = s.typed().post("/api/user/register", &register).await;
    assert_status(&after_delete, -4);
    assert!(s.account("13750687010").is_none());

    // Nor does it validate any more.
    let v = s
        .typed()
        .post(
            "/api/captcha",
            &body("sms", "validate", json!({"hash": hash})),
        )
        .await;
    assert_status(&v, 100);
}

#[tokio::test]
async fn a_used_reset_hash_cannot_reset_a_second_time() {
    let s = Server::start().await;
    s.pb().register_bare("13750687012", "first-password").await;
    let hash = s.typed().sms_hash("13750687012", 2).await;
    let forget = |pass: &str| {
        body(
            "password",
            "forget",
            json!({"phone": "13750687012", "hash": hash, "pass": pass}),
        )
    };
    ok(s.typed()
        .post("/api/user/password", &forget("second-password"))
        .await);
    let again = s
        .typed()
        .post("/api/user/password", &forget("third-password"))
        .await;
    assert_status(&again, 400);
    assert_eq!(again["message"], "Error hash");
    s.typed().login("13750687012", "second-password").await;
    assert_status(
        &s.typed()
            .login_raw("13750687012", "third-password", json!(0))
            .await,
        101,
    );
}

#[tokio::test]
async fn sms_hashes_expire_after_three_minutes() {
    let s = on_manual_clock().await;
    let d = s.typed();
    let early = d.sms_hash("13750687013", 1).await;
    let late = d.sms_hash("13750687014", 1).await;
    s.advance(179);
    ok(d.validate("sms", &early).await);
    ok(d.register_with("13750687013", &early).await);
    s.advance(1);
    let v = d.validate("sms", &late).await;
    assert_status(&v, 100);
    let v = d.register_with("13750687014", &late).await;
    assert_status(&v, -4);
    assert_eq!(v["message"], "Error hash");

    // A reset code expires the same way.
    s.advance(60);
    let reset = d.sms_hash("13750687013", 2).await;
    s.advance(180);
    assert_status(
        &d.forget_with("13750687013", &reset, "new-password").await,
        400,
    );
}

#[tokio::test]
async fn five_wrong_hashes_kill_an_sms_code() {
    let s = on_manual_clock().await;
    let d = s.typed();
    let good = d.sms_hash("13750687019", 1).await;
    for _ in 0..5 {
        let wrong = md5_hex("not the code");
        assert_status(&d.register_with("13750687019", &wrong).await, -4);
    }
    assert_status(&d.register_with("13750687019", &good).await, -4);
    assert_status(&d.validate("sms", &good).await, 100);
}

#[tokio::test]
async fn an_image_captcha_hash_validates_once_and_cannot_register_an_account() {
    let s = on_manual_clock().await;
    let d = s.typed();
    let first = d.captcha_hash().await;
    ok(d.validate("img", &first).await);
    assert_status(&d.validate("img", &first).await, 100);

    // An image hash is neither an SMS hash nor a registration proof, even while a
    // registration code for the phone is live.
    let img = d.captcha_hash().await;
    assert_status(&d.validate("sms", &img).await, 100);
    let v = d.register_with("13750687015", &img).await;
    assert_status(&v, -4);
    let sms = d.sms_hash("13750687015", 1).await;
    assert_status(&d.register_with("13750687015", &img).await, -4);
    assert_status(&d.validate("img", &sms).await, 100);
    ok(d.register_with("13750687015", &sms).await);
    // The image hash was not used up by those refusals; it is still good for its own use.
    ok(d.validate("img", &img).await);
}

#[tokio::test]
async fn an_image_captcha_expires_after_five_minutes() {
    let s = on_manual_clock().await;
    let d = s.typed();
    let hash = d.captcha_hash().await;
    s.advance(300);
    assert_status(&d.validate("img", &hash).await, 100);
}

#[tokio::test]
async fn a_reset_hash_cannot_register_and_a_register_hash_cannot_reset() {
    let s = on_manual_clock().await;
    let d = s.typed();
    // command_type 2 for a phone without an account, then an attempt to register with it.
    let reset = d.sms_hash("13750687016", 2).await;
    assert_status(&d.register_with("13750687016", &reset).await, -4);
    assert!(s.account("13750687016").is_none());

    // A registered account asks a command_type 1 code and tries to reset with it.
    s.advance(61);
    d.register("13750687017").await;
    s.advance(61);
    let register = d.sms_hash("13750687017", 1).await;
    let v = d
        .forget_with("13750687017", &register, "new-password")
        .await;
    assert_status(&v, 400);
    let login = json!({"phone": "13750687017", "pass": "new-password"});
    assert_status(
        &d.post("/api/user/login", &body("login", "pass", login))
            .await,
        101,
    );

    // A hash of another phone's code does not serve either.
    s.advance(61);
    let other = d.sms_hash("13750687018", 1).await;
    assert_status(&d.register_with("13750687019", &other).await, -4);
    ok(d.register_with("13750687018", &other).await);
}

// ---------------------------------------------------------------------------------------------
// Profile: only one's own row; level only by an administrator; values bound, null clears
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn info_update_of_another_phone_is_refused_and_changes_nothing() {
    let s = Server::start().await;
    let me = s.typed().account("13750687020").await;
    let other = s.typed().account("13750687021").await;
    let data = json!({"phone": "13750687021", "name": "hijacked", "nickname": "x", "email": "x@x"});
    let v = s
        .typed()
        .post(
            &format!("/api/user/info?token={me}"),
            &body("info", "update", data),
        )
        .await;
    assert_status(&v, -103);
    assert_eq!(v["message"], "No permission to operate");
    assert_eq!(v["id"], 1, "info update echoes the id: {v}");
    let theirs = ok(s.typed().info(&other).await);
    assert_eq!(
        theirs["data"],
        json!({"phone": "13750687021", "name": null, "nickname": null, "email": null, "level": 1})
    );
    let mine = ok(s.typed().info(&me).await);
    assert_eq!(mine["data"]["name"], Value::Null);
}

#[tokio::test]
async fn raising_ones_own_level_is_refused_and_the_level_stays() {
    let s = Server::start().await;
    let me = s.typed().account("13750687022").await;
    let path = format!("/api/user/info?token={me}");
    for level in [9, 2, 100] {
        let data = json!({"phone": "13750687022", "level": level, "name": "sneaky"});
        let v = s.typed().post(&path, &body("info", "update", data)).await;
        assert_status(&v, -103);
    }
    let v = ok(s.typed().info(&me).await);
    assert_eq!(v["data"]["level"], 1);
    assert_eq!(
        v["data"]["name"],
        Value::Null,
        "a refused update writes nothing"
    );
    // Sending one's current level unchanged is not a raise.
    let data = json!({"phone": "13750687022", "level": 1, "name": "fine"});
    ok(s.typed().post(&path, &body("info", "update", data)).await);
    assert_eq!(ok(s.typed().info(&me).await)["data"]["name"], "fine");
}

#[tokio::test]
async fn an_administrator_can_set_levels() {
    let s = Server::start().await;
    let admin = s.typed().account("13750687023").await;
    let user = s.typed().account("13750687024").await;
    s.set_level("13750687023", 9);
    let own = json!({"phone": "13750687023", "level": 10});
    ok(s.typed()
        .post(
            &format!("/api/user/info?token={admin}"),
            &body("info", "update", own),
        )
        .await);
    assert_eq!(ok(s.typed().info(&admin).await)["data"]["level"], 10);

    let other = json!({"phone": "13750687024", "level": 5});
    let v = ok(s
        .typed()
        .post(
            &format!("/api/admin/user?token={admin}"),
            &body("user", "update", other),
        )
        .await);
    assert_eq!(v["message"], "Successful");
    assert_eq!(ok(s.typed().info(&user).await)["data"]["level"], 5);
    // Level 5 is still below the admin level: the user cannot go further by itself.
    let raise = json!({"phone": "13750687024", "level": 9});
    let v = s
        .typed()
        .post(
            &format!("/api/user/info?token={user}"),
            &body("info", "update", raise),
        )
        .await;
    assert_status(&v, -103);
}

#[tokio::test]
async fn null_clears_a_profile_field_and_an_absent_one_stays() {
    let s = Server::start().await;
    let me = s.typed().account("13750687025").await;
    let path = format!("/api/user/info?token={me}");
    let all = json!({"phone": "13750687025", "name": "王凌超", "nickname": "FatBallFish",
                     "email": "893721708@qq.com"});
    ok(s.typed().post(&path, &body("info", "update", all)).await);
    let clear = json!({"phone": "13750687025", "nickname": null});
    ok(s.typed().post(&path, &body("info", "update", clear)).await);
    let v = ok(s.typed().info(&me).await);
    assert_eq!(
        v["data"],
        json!({"phone": "13750687025", "name": "王凌超", "nickname": null,
               "email": "893721708@qq.com", "level": 1})
    );
    // `null` is really NULL, not the text "None" as the original stored.
    let row = s.account("13750687025").unwrap();
    assert_eq!(row.nickname, None);
    // A null level is not "clear the level".
    let null_level = json!({"phone": "13750687025", "level": null});
    assert_status(
        &s.typed()
            .post(&path, &body("info", "update", null_level))
            .await,
        -203,
    );
    assert_eq!(ok(s.typed().info(&me).await)["data"]["level"], 1);
}

#[tokio::test]
async fn a_value_with_a_quote_is_stored_verbatim() {
    let s = Server::start().await;
    let me = s.typed().account("13750687026").await;
    let name = "O'Brien";
    let nickname = "'; DROP TABLE x;--";
    let email = "o'brien@example.com";
    let data = json!({"phone": "13750687026", "name": name, "nickname": nickname, "email": email});
    ok(s.typed()
        .post(
            &format!("/api/user/info?token={me}"),
            &body("info", "update", data),
        )
        .await);
    let v = ok(s.typed().info(&me).await);
    assert_eq!(v["data"]["name"], name);
    assert_eq!(v["data"]["nickname"], nickname);
    assert_eq!(v["data"]["email"], email);
    // The table is still there and the nickname is readable by others.
    let other = s.typed().account("13750687027").await;
    let v = ok(s
        .typed()
        .post(
            &format!("/api/user/nickname?token={other}"),
            &body("info", "nickname", json!({"user_id": "13750687026"})),
        )
        .await);
    assert_eq!(v["data"]["nickname"], nickname);
}

// ---------------------------------------------------------------------------------------------
// Tokens: idle expiry, doki, enduring, the ten-token cap
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_typed_token_expires_after_ten_idle_minutes() {
    let s = on_manual_clock().await;
    let d = s.typed();
    d.register("13750687030").await;
    let used = d.login_enduring("13750687030", PASS, json!(0)).await;
    let idle = d.login_enduring("13750687030", PASS, json!(false)).await;
    s.advance(599);
    ok(d.doki(&used).await);
    s.advance(2); // 601 s since `idle` was last used
    let v = d.info(&idle).await;
    assert_status(&v, 1);
    assert_eq!(v["message"], "Error Token");
    assert_eq!(v["id"], -1);
    // Expired means gone: it stays refused on every route.
    assert_status(&d.doki(&idle).await, 1);
    let nick = body("info", "nickname", json!({"user_id": "13750687030"}));
    assert_status(
        &d.post(&format!("/api/user/nickname?token={idle}"), &nick)
            .await,
        -101,
    );
    // The other token was used 2 s ago.
    ok(d.info(&used).await);
    s.advance(601);
    let v = d.doki(&used).await;
    assert_status(&v, 1);
    assert_eq!(v["message"], "Token not existed");
}

#[tokio::test]
async fn doki_keeps_a_token_alive_past_ten_minutes() {
    let s = on_manual_clock().await;
    let d = s.typed();
    d.register("13750687031").await;
    let token = d.login_enduring("13750687031", PASS, json!(0)).await;
    for _ in 0..5 {
        s.advance(9 * 60);
        ok(d.doki(&token).await);
    }
    // 45 minutes after login, 9 after the last doki.
    s.advance(9 * 60);
    ok(d.info(&token).await);
}

#[tokio::test]
async fn an_enduring_token_does_not_expire() {
    let s = on_manual_clock().await;
    let d = s.typed();
    d.register("13750687032").await;
    let one = d.login_enduring("13750687032", PASS, json!(1)).await;
    let yes = d.login_enduring("13750687032", PASS, json!(true)).await;
    let plain = d.login_enduring("13750687032", PASS, json!(0)).await;
    s.advance(30 * 24 * 3600);
    ok(d.doki(&one).await);
    ok(d.info(&yes).await);
    assert_status(&d.doki(&plain).await, 1);
}

#[tokio::test]
async fn the_eleventh_login_drops_the_oldest_token() {
    let s = Server::start().await;
    s.typed().register("13750687033").await;
    let mut tokens = Vec::new();
    for _ in 0..11 {
        tokens.push(s.typed().login("13750687033", PASS).await);
    }
    let v = s.typed().doki(&tokens[0]).await;
    assert_status(&v, 1);
    assert_eq!(v["message"], "Token not existed");
    for t in &tokens[1..] {
        ok(s.typed().doki(t).await);
    }
    let pk = s.account("13750687033").unwrap().pk;
    assert_eq!(s.token_count(pk), 10);
}

#[tokio::test]
async fn an_enduring_token_is_not_counted_against_the_ten_token_cap() {
    let s = Server::start().await;
    s.pb().register_bare("13750687034", PASS).await;
    let enduring = token_of(&ok(s
        .typed()
        .login_raw("13750687034", PASS, json!(1))
        .await));
    for _ in 0..12 {
        s.typed().login("13750687034", PASS).await;
    }
    ok(s.typed().doki(&enduring).await);
}

// ---------------------------------------------------------------------------------------------
// One account table: password changes revoke every dialect's tokens; logins cross dialects
// ---------------------------------------------------------------------------------------------

/// Asserts that a PhoneBooks JWT is refused as revoked.
async fn assert_jwt_revoked(s: &Server, jwt: &str) {
    let v = s.pb().post_auth(json!({"op": 1009}), jwt).await.json();
    assert_eq!(v["ret"], -1, "{v}");
    assert_eq!(v["msg"], "invalid token: token has been revoked");
}

/// Logs in through PhoneBooks (op 1003); returns the JWT.
async fn phonebooks_login(s: &Server, phone: &str, password: &str) -> String {
    let v = s
        .pb()
        .post(json!({"op": 1003, "phone": phone, "password": password}))
        .await
        .json();
    assert_eq!(v["ret"], 0, "op 1003: {v}");
    v["token"]["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

#[tokio::test]
async fn a_password_change_revokes_the_tokens_of_both_dialects() {
    let s = Server::start().await;
    s.typed().register("13750687040").await;
    let jwt = phonebooks_login(&s, "13750687040", PASS).await;
    let typed = s.typed().login("13750687040", PASS).await;
    let enduring = token_of(&ok(s
        .typed()
        .login_raw("13750687040", PASS, json!(1))
        .await));
    assert_eq!(
        s.pb().post_auth(json!({"op": 1009}), &jwt).await.json()["ret"],
        0
    );

    let change = json!({"phone": "13750687040", "old": PASS, "new": "abc123"});
    let v = ok(s
        .typed()
        .post("/api/user/password", &body("password", "change", change))
        .await);
    assert_eq!(v["message"], "successful");
    assert_eq!(v["data"], json!({}), "no token is handed out by a change");

    assert_jwt_revoked(&s, &jwt).await;
    assert_status(&s.typed().doki(&typed).await, 1);
    assert_status(&s.typed().doki(&enduring).await, 1);
    let pk = s.account("13750687040").unwrap().pk;
    assert_eq!(s.token_count(pk), 0);
    // The new password works in both dialects, the old one in neither.
    s.typed().login("13750687040", "abc123").await;
    phonebooks_login(&s, "13750687040", "abc123").await;
    assert_status(
        &s.typed().login_raw("13750687040", PASS, json!(0)).await,
        101,
    );
}

#[tokio::test]
async fn a_password_reset_revokes_the_tokens_of_both_dialects() {
    let s = Server::start().await;
    s.pb().register_bare("13750687041", "123456").await;
    let jwt = phonebooks_login(&s, "13750687041", "123456").await;
    let typed = s.typed().login("13750687041", "123456").await;
    let hash = s.typed().sms_hash("13750687041", 2).await;
    let forget = json!({"phone": "13750687041", "hash": hash, "pass": "abc123"});
    ok(s.typed()
        .post("/", &body("password", "forget", forget))
        .await);
    assert_jwt_revoked(&s, &jwt).await;
    assert_status(&s.typed().doki(&typed).await, 1);
}

#[tokio::test]
async fn an_account_of_either_dialect_logs_in_through_the_other() {
    let s = Server::start().await;
    // Registered through PhoneBooks, logs in through HelpAged.
    s.pb().register_bare("13750687042", "123456").await;
    let token = s.typed().login("13750687042", "123456").await;
    assert_eq!(
        ok(s.typed().info(&token).await)["data"]["phone"],
        "13750687042",
        "the HelpAged profile is the PhoneBooks account"
    );
    // Registered through HelpAged, logs in through PhoneBooks.
    s.typed().register("13750687043").await;
    let jwt = phonebooks_login(&s, "13750687043", PASS).await;
    let v = s.pb().post_auth(json!({"op": 1009}), &jwt).await.json();
    assert_eq!(v["ret"], 0, "{v}");
    // And the phone is taken for the other dialect's registration too.
    let v = s
        .pb()
        .post(json!({"op": 1001, "phone": "13750687043", "password": "x"}))
        .await
        .json();
    assert_eq!(v["msg"], "user had registed");
}

// ---------------------------------------------------------------------------------------------
// Devices and fall notices
// ---------------------------------------------------------------------------------------------

/// Adds a device as `token`'s account; returns its device_id.
async fn add_device(s: &Server, token: &str, name: &str) -> String {
    let v = ok(s
        .typed()
        .post(
            &format!("/api/device?token={token}"),
            &body("device", "add", json!({"device": name})),
        )
        .await);
    let id = v["data"]["device_id"]
        .as_str()
        .expect("device_id")
        .to_string();
    assert!(
        id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );
    id
}

async fn bind(s: &Server, token: &str, device_id: &str) {
    ok(s.typed()
        .post(
            &format!("/api/device?token={token}"),
            &body("device", "bind", json!({"device_id": device_id})),
        )
        .await);
}

async fn upload(s: &Server, device_token: &str) -> Value {
    s.typed()
        .post(
            &format!("/api/notice?token={device_token}"),
            &body(
                "notice",
                "upload",
                json!({"base64": PNG_1X1, "content": "fell in the kitchen"}),
            ),
        )
        .await
}

async fn notices(s: &Server, token: &str, mode: i64) -> Value {
    ok(s.typed()
        .post(
            &format!("/api/get/notice?token={token}"),
            &body("notice", "get", json!({"mode": mode})),
        )
        .await)
}

#[tokio::test]
async fn a_notice_upload_with_a_user_token_is_refused_with_minus_104() {
    let s = Server::start().await;
    let token = s.typed().account("13750687050").await;
    let device = add_device(&s, &token, "camera1").await;
    bind(&s, &token, &device).await;
    let v = upload(&s, &token).await;
    assert_status(&v, -104);
    assert_eq!(v["message"], "Error device_id token");
    assert_eq!(v["id"], -1);
    assert_eq!(notices(&s, &token, 2).await["data"]["num"], 0);
    assert!(s.outbox("13750687050").is_empty());
    // Nor is a device token a user token.
    assert_status(&s.typed().info(&device).await, 1);
    let v = s
        .typed()
        .post(
            &format!("/api/get/notice?token={device}"),
            &body("notice", "get", json!({"mode": 2})),
        )
        .await;
    assert_status(&v, -101);
}

#[tokio::test]
async fn a_notice_upload_alerts_every_bound_account_through_the_code_sender() {
    let s = Server::start().await;
    let owner = s.typed().account("13750687051").await;
    let first = s.typed().account("13750687052").await;
    let second = s.typed().account("13750687053").await;
    let _bystander = s.typed().account("13750687054").await;
    let device = add_device(&s, &owner, "camera1").await;
    bind(&s, &first, &device).await;
    bind(&s, &second, &device).await;

    let v = ok(upload(&s, &device).await);
    assert_eq!(v["message"], "Successful");
    let list = notices(&s, &first, 0).await;
    assert_eq!(list["data"]["num"], 1, "{list}");
    let event_id = list["data"]["list"][0]["event_id"].as_str().unwrap();
    assert_eq!(list["data"]["list"][0]["pic_name"], v["data"]["pic_name"]);
    for phone in ["13750687052", "13750687053"] {
        let out = s.outbox(phone);
        assert_eq!(out.len(), 1, "{phone}: {out:?}");
        assert_eq!(out[0].purpose, "fall_alert");
        assert_eq!(out[0].code, event_id);
    }
    // Adding a device does not bind it: its unbound owner and a bystander get nothing.
    assert!(s.outbox("13750687051").is_empty());
    assert!(s.outbox("13750687054").is_empty());
}

#[tokio::test]
async fn notice_info_and_sign_refuse_a_notice_of_a_device_the_caller_has_not_bound() {
    let s = Server::start().await;
    let owner = s.typed().account("13750687055").await;
    let stranger = s.typed().account("13750687056").await;
    let device = add_device(&s, &owner, "camera1").await;
    bind(&s, &owner, &device).await;
    // The stranger has a device of its own, so "not bound" is about this notice only.
    let own = add_device(&s, &stranger, "camera2").await;
    bind(&s, &stranger, &own).await;
    ok(upload(&s, &device).await);
    let event_id = notices(&s, &owner, 0).await["data"]["list"][0]["event_id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/get/notice?token={stranger}");

    let info = body("notice", "info", json!({"event_id": event_id}));
    let v = s.typed().post(&path, &info).await;
    assert_status(&v, 200);
    assert_eq!(v["message"], "GetNotice error");
    let sign = body("notice", "sign", json!({"event_id": event_id}));
    let v = s.typed().post(&path, &sign).await;
    assert_status(&v, 100);
    assert_eq!(v["message"], "Error event_id");
    assert_eq!(notices(&s, &stranger, 2).await["data"]["num"], 0);
    // The owner's notice is untouched by the stranger's attempts.
    assert_eq!(notices(&s, &owner, 0).await["data"]["num"], 1);
}

#[tokio::test]
async fn device_info_answers_only_a_device_the_caller_has_bound() {
    let s = Server::start().await;
    let me = s.typed().account("13750687045").await;
    let other = s.typed().account("13750687046").await;
    let mine = add_device(&s, &me, "camera1").await;
    bind(&s, &me, &mine).await;
    let theirs = add_device(&s, &other, "camera9").await;
    bind(&s, &other, &theirs).await;
    let unbound = add_device(&s, &me, "camera2").await;
    let path = format!("/api/device?token={me}");
    let info = |data: Value| body("device", "info", data);

    let found = json!({"id": 1, "status": 0, "message": "Successful",
                       "data": {"device_id": mine, "device_name": "camera1"}});
    for data in [
        json!({"device_id": mine}),
        json!({"device_id": mine.to_uppercase()}),
        json!({"device_name": "camera1"}),
        json!({"device_id": mine, "device_name": "camera1"}),
    ] {
        assert_eq!(
            s.typed().post(&path, &info(data.clone())).await,
            found,
            "{data}"
        );
    }
    // Another account's device answers exactly like an unknown one.
    let none = json!({"id": 1, "status": 101, "message": "No Such Device", "data": {}});
    for data in [
        json!({"device_id": theirs}),
        json!({"device_name": "camera9"}),
        json!({"device_id": unbound}),
        json!({"device_id": "0".repeat(32)}),
        json!({"device_id": mine, "device_name": "camera2"}),
    ] {
        assert_eq!(
            s.typed().post(&path, &info(data.clone())).await,
            none,
            "{data}"
        );
    }
    // The list carries the same id.
    let v = ok(s
        .typed()
        .post(&path, &body("device", "list", json!({})))
        .await);
    let item = &v["data"]["list"][0];
    assert_eq!(keys(item), ["device_id", "device", "bindtime"]);
    assert_eq!(item["device_id"], mine.as_str());
}

#[tokio::test]
async fn notice_get_without_a_bound_device_is_101_not_bind_device() {
    let s = Server::start().await;
    let token = s.typed().account("13750687047").await;
    // Adding a device is not binding it.
    add_device(&s, &token, "camera1").await;
    let want = json!({"id": 1, "status": 101, "message": "not bind device", "data": {}});
    for path in ["/api/get/notice", "/"] {
        for mode in [0, 1, 2] {
            let get = body("notice", "get", json!({"mode": mode}));
            let v = s.typed().post(&format!("{path}?token={token}"), &get).await;
            assert_eq!(v, want, "{path} mode {mode}");
        }
    }
}

#[tokio::test]
async fn notice_info_marks_a_notice_read_only_when_it_succeeds() {
    let s = Server::start().await;
    let owner = s.typed().account("13750687057").await;
    let late = s.typed().account("13750687058").await;
    let device = add_device(&s, &owner, "camera1").await;
    bind(&s, &owner, &device).await;
    ok(upload(&s, &device).await);
    let event_id = notices(&s, &owner, 0).await["data"]["list"][0]["event_id"]
        .as_str()
        .unwrap()
        .to_string();
    let info = body("notice", "info", json!({"event_id": event_id}));
    let unknown = body(
        "notice",
        "info",
        json!({"event_id": "00d176d2fb76fbdb6b930ccdc3c46a3a"}),
    );

    // Failures: an unknown event for the owner, the real event for a non-binder.
    assert_status(
        &s.typed()
            .post(&format!("/api/get/notice?token={owner}"), &unknown)
            .await,
        200,
    );
    assert_status(
        &s.typed()
            .post(&format!("/api/get/notice?token={late}"), &info)
            .await,
        200,
    );
    assert_eq!(notices(&s, &owner, 0).await["data"]["num"], 1);
    // The non-binder binds now: its failed read left nothing marked.
    bind(&s, &late, &device).await;
    assert_eq!(notices(&s, &late, 0).await["data"]["num"], 1);
    assert_eq!(notices(&s, &late, 1).await["data"]["num"], 0);

    // Success marks it read (and carries the picture).
    let v = ok(s
        .typed()
        .post(&format!("/api/get/notice?token={late}"), &info)
        .await);
    assert_eq!(v["data"]["base64"], PNG_1X1);
    assert_eq!(notices(&s, &late, 0).await["data"]["num"], 0);
    assert_eq!(notices(&s, &late, 1).await["data"]["num"], 1);
    let sign = body("notice", "sign", json!({"event_id": event_id}));
    let v = s
        .typed()
        .post(&format!("/api/get/notice?token={late}"), &sign)
        .await;
    assert_status(&v, 101);
}

// ---------------------------------------------------------------------------------------------
// Portraits
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_portrait_that_is_not_base64_or_not_an_image_is_refused_and_nothing_is_stored() {
    let s = Server::start().await;
    let token = s.typed().account("13750687060").await;
    let path = format!("/api/portrait?token={token}");
    for bad in [
        "%%% not base64 %%%",
        "aGVsbG8=",
        "data:image/png;base64,aGVsbG8=",
        "",
    ] {
        let v = s
            .typed()
            .post(&path, &body("portrait", "upload", json!({"base64": bad})))
            .await;
        assert_eq!(
            v,
            json!({"id": 1, "status": -204, "message": "Arg's value error", "data": {}}),
            "{bad:?}"
        );
    }
    let stored: i64 = s
        .store()
        .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM portraits", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(stored, 0);
    let r = s.get("/api/get/portrait/13750687060").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("image/png"));
    assert_eq!(r.body, default_portrait());
}

#[tokio::test]
async fn a_portrait_fetch_answers_the_stored_default_error_or_ban_image() {
    let s = Server::start().await;
    let token = s.typed().account("13750687061").await;
    let v = ok(s
        .typed()
        .post(
            &format!("/api/portrait?token={token}"),
            &body("portrait", "upload", json!({"base64": PNG_1X1})),
        )
        .await);
    assert_eq!(v["data"]["url"], "./api/get/portrait/13750687061");

    let cases: [(&str, Option<&str>, Vec<u8>); 7] = [
        ("/api/get/portrait/13750687061", None, png_bytes()),
        (
            "/api/get/portrait/13750687061",
            Some("http://www.helpaged.cn/x"),
            png_bytes(),
        ),
        (
            "/api/get/portrait/13750687061",
            Some("http://localhost:3000/page"),
            png_bytes(),
        ),
        (
            "/api/get/portrait/13750687061",
            Some("http://evil.example.com/helpaged.cn"),
            ban_portrait().to_vec(),
        ),
        (
            "/api/get/portrait/13750687061",
            Some("http://helpaged.cn.evil.com/"),
            ban_portrait().to_vec(),
        ),
        (
            "/api/get/portrait/13750687069",
            None,
            default_portrait().to_vec(),
        ),
        (
            "/api/get/portrait/1375068706x",
            None,
            error_portrait().to_vec(),
        ),
    ];
    for (path, referer, want) in cases {
        let headers: Vec<(&str, &str)> = referer.iter().map(|r| ("Referer", *r)).collect();
        let r = s.send("GET", path, &headers, b"").await;
        assert_eq!(r.status, 200, "{path} {referer:?}");
        assert_eq!(
            r.header("content-type"),
            Some("image/png"),
            "{path} {referer:?}"
        );
        assert!(
            r.body == want,
            "{path} with Referer {referer:?}: wrong image"
        );
    }
    // The three placeholders are three different pictures.
    assert_ne!(default_portrait(), error_portrait());
    assert_ne!(default_portrait(), ban_portrait());
    assert_ne!(error_portrait(), ban_portrait());
}

// ---------------------------------------------------------------------------------------------
// Administration
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn admin_operations_refuse_a_non_administrator_with_id_minus_one() {
    let s = Server::start().await;
    let user = s.typed().account("13750687070").await;
    s.typed().account("13750687071").await;
    s.set_level("13750687070", 8); // one below the default admin level
    let path = format!("/api/admin/user?token={user}");
    for (subtype, data) in [
        ("list", json!({})),
        ("info", json!({"phone": "13750687071"})),
        ("update", json!({"phone": "13750687071", "level": 9})),
        ("delete", json!({"phone": "13750687071"})),
    ] {
        let mut req = body("user", subtype, data);
        req["id"] = json!(1234);
        let v = s.typed().post(&path, &req).await;
        assert_eq!(
            v,
            json!({"id": -1, "status": -103, "message": "No permission to operate", "data": {}}),
            "{subtype}"
        );
    }
    assert_eq!(s.account("13750687071").unwrap().level, 1);
}

#[tokio::test]
async fn an_administrator_lists_every_account_as_an_array() {
    let s = Server::start().await;
    let admin = s.typed().account("13750687072").await;
    s.typed().account("13750687073").await;
    s.typed().register("13750687074").await;
    s.set_level("13750687072", 9);
    let mut req = body("user", "list", json!({}));
    req["id"] = json!(1234);
    let v = ok(s
        .typed()
        .post(&format!("/api/admin/user?token={admin}"), &req)
        .await);
    assert_eq!(keys(&v), ["id", "status", "message", "data"]);
    assert_eq!(v["id"], 1234);
    assert_eq!(v["message"], "successful");
    let list = v["data"].as_array().expect("data is an array");
    let phones: Vec<&str> = list.iter().map(|a| a["phone"].as_str().unwrap()).collect();
    assert_eq!(phones, ["13750687072", "13750687073", "13750687074"]);
    assert_eq!(
        list[1],
        json!({"phone": "13750687073", "name": null, "nickname": null, "email": null, "level": 1})
    );
    assert_eq!(list[0]["level"], 9);
}

#[tokio::test]
async fn admin_info_answers_an_account_and_status_1_for_an_unknown_phone() {
    let s = Server::start().await;
    let admin = s.typed().account("13750687075").await;
    s.set_level("13750687075", 9);
    let path = format!("/api/admin/user?token={admin}");
    let v = ok(s
        .typed()
        .post(
            &path,
            &body("user", "info", json!({"phone": "13750687075"})),
        )
        .await);
    assert_eq!(v["message"], "Successful");
    assert_eq!(
        v["data"],
        json!({"phone": "13750687075", "name": null, "nickname": null, "email": null, "level": 9})
    );
    let v = s
        .typed()
        .post(
            &path,
            &body("user", "info", json!({"phone": "13750687079"})),
        )
        .await;
    assert_eq!(
        v,
        json!({"id": 1, "status": 1, "message": "user not existed", "data": {}})
    );
}

#[tokio::test]
async fn admin_update_accepts_only_name_nickname_email_and_level() {
    let s = Server::start().await;
    let admin = s.typed().account("13750687076").await;
    let user = s.typed().account("13750687077").await;
    s.set_level("13750687076", 9);
    let path = format!("/api/admin/user?token={admin}");
    let data = json!({"phone": "13750687077", "name": "王凌超", "nickname": "FatBallFish",
                      "email": "893721708@qq.com", "level": 2});
    let v = ok(s.typed().post(&path, &body("user", "update", data)).await);
    assert_eq!(v["message"], "Successful");
    assert_eq!(
        ok(s.typed().info(&user).await)["data"],
        json!({"phone": "13750687077", "name": "王凌超", "nickname": "FatBallFish",
               "email": "893721708@qq.com", "level": 2})
    );
    for key in ["pass", "password", "username", "new_phone"] {
        let mut data = json!({"phone": "13750687077", "name": "changed"});
        data[key] = json!("x");
        let v = s.typed().post(&path, &body("user", "update", data)).await;
        assert_status(&v, -3);
    }
    assert_eq!(ok(s.typed().info(&user).await)["data"]["name"], "王凌超");
    s.typed().login("13750687077", PASS).await;
    let v = s
        .typed()
        .post(
            &path,
            &body(
                "user",
                "update",
                json!({"phone": "13750687078", "name": "x"}),
            ),
        )
        .await;
    assert_status(&v, 1);
}

#[tokio::test]
async fn admin_delete_removes_the_account_and_its_tokens() {
    let s = Server::start().await;
    let admin = s.typed().account("13750687080").await;
    s.set_level("13750687080", 9);
    s.typed().register("13750687081").await;
    let typed = s.typed().login("13750687081", PASS).await;
    let jwt = phonebooks_login(&s, "13750687081", PASS).await;
    let pk = s.account("13750687081").unwrap().pk;
    assert_eq!(s.token_count(pk), 2);

    let path = format!("/api/admin/user?token={admin}");
    let v = ok(s
        .typed()
        .post(
            &path,
            &body("user", "delete", json!({"phone": "13750687081"})),
        )
        .await);
    assert_eq!(
        v,
        json!({"id": 1, "status": 0, "message": "successful", "data": {}})
    );
    assert!(s.account("13750687081").is_none());
    assert_eq!(s.token_count(pk), 0);
    assert_status(&s.typed().info(&typed).await, 1);
    let v = s.pb().post_auth(json!({"op": 1009}), &jwt).await.json();
    assert_eq!(v["ret"], -1, "{v}");
    assert_status(
        &s.typed().login_raw("13750687081", PASS, json!(0)).await,
        100,
    );
    let v = s
        .typed()
        .post(
            &path,
            &body("user", "info", json!({"phone": "13750687081"})),
        )
        .await;
    assert_status(&v, 1);
    // Deleting it again: unknown.
    let v = s
        .typed()
        .post(
            &path,
            &body("user", "delete", json!({"phone": "13750687081"})),
        )
        .await;
    assert_status(&v, 1);
    // The administrator is unaffected.
    ok(s.typed().doki(&admin).await);
}

// ---------------------------------------------------------------------------------------------
// Bad input: the table is tests/typed_bad_input.rs
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// The fixture runner (its `filler` body form exists for exactly this exchange)
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fixture_with_a_nine_mib_filler_body_replays_its_413() {
    let s = Server::start().await;
    let fixture: switchboard::fixtures::Fixture = serde_json::from_value(json!({
        "name": "9 MiB body",
        "steps": [{
            "name": "a 9 MiB body: 413",
            "request": {"method": "POST", "path": "/api/captcha",
                        "headers": {"Content-Type": "application/json"},
                        "filler": {"byte": " ", "count": 9 * 1024 * 1024}},
            "response": {"status": 413, "body": {"id": -1, "status": -204,
                         "message": "Arg's value error", "data": {}}},
            "exact": true
        }]
    }))
    .expect("a well-formed fixture");
    let target = switchboard::fixtures::Target {
        base_url: s.base_url().to_string(),
        outbox: None,
        clock: None,
    };
    // The failure is a race (the server's close against the client's write): try often.
    for _ in 0..50 {
        let report = switchboard::fixtures::run(&fixture, &target).await;
        assert!(report.passed(), "{report}");
    }
    s.healthy().await;
}
