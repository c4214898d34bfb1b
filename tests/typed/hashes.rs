//! HelpAged SMS and image-captcha hashes: single use, expiring (on a manual clock), bound to
//! their kind, purpose and phone.

use crate::support::checks::*;
use crate::support::typed::*;
use crate::support::Server;
use serde_json::json;

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
    let admin = s.typed().admin("13750687011").await;
    let del = body("user", "delete", json!({"phone": "13750687010"}));
    ok(s.typed().at("/api/admin/user", &admin).post(&del).await);
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
