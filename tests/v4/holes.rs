//! v4.0 (the `v4` dialect): each hole of the document that CONTRACT.md closes, proved over a
//! real in-process server driven by a manual clock, plus a bad-input table answered with the
//! envelope.

use crate::support::checks::wrong_code;
use crate::support::sessions::{Probe, Sessions};
use crate::support::table::{self, case, Case};
use crate::support::v4::*;
use crate::support::{Resp, Server};
use serde_json::json;

/// A server over a fresh database, on a clock that moves only when told.
async fn start_on_manual_clock() -> Server {
    Server::builder().manual_clock().start().await
}

/// [`start_on_manual_clock`] with [`PHONE`] registered through v4 (password 123456, device
/// `uuid`).
async fn registered() -> Server {
    let s = start_on_manual_clock().await;
    s.v4().register(PHONE, "123456", "uuid").await;
    s
}

const PHONE: &str = "13126939950";
const OTHER: &str = "13126939951";

// ---------------------------------------------------------------------------------------------
// register verifies its code (the document's server did not)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn register_with_a_wrong_code_is_minus_2_and_creates_nothing() {
    let s = start_on_manual_clock().await;
    let code = s.v4().sendsms(PHONE, 0).await;
    let wrong = wrong_code(&code);
    for proof in [wrong, "xxx"] {
        let form =
            format!("phone={PHONE}&name=a&password=123456&device_identifier=uuid&code={proof}");
        let r = s.v4().form("/api/v4.0/register", &form).await;
        assert_eq!((r.status, r.code()), (200, json!(-2)), "{r:?}");
    }
    assert_eq!(s.rows("accounts"), 0);
    assert_eq!(s.rows("tokens"), 0);
    assert_eq!(s.rows("v4_profiles"), 0);
    let r = s.get(&format!("/api/v4.0/isregister/{PHONE}")).await;
    assert_eq!((r.code(), r.msg()), (json!(200), "手机号没有被注册".into()));
    // The right code still works (wrong tries under five do not kill it).
    let form = format!("phone={PHONE}&name=a&password=123456&device_identifier=uuid&code={code}");
    let r = s.v4().form("/api/v4.0/register", &form).await;
    assert_eq!(r.code(), json!(200), "{r:?}");
}

#[tokio::test]
async fn a_register_code_does_not_open_the_reset_window() {
    let s = start_on_manual_clock().await;
    // A register code is out when the phone gets an account through another dialect.
    let code = s.v4().sendsms(PHONE, 0).await;
    let body = json!({"op": 1001, "phone": PHONE, "password": "123456"});
    assert_eq!(
        s.json("POST", "/phonebooks", &[], body).await.json()["ret"],
        0
    );
    let r = s
        .get(&format!("/api/v4.0/verify_code?phone={PHONE}&code={code}"))
        .await;
    assert_eq!(r.code(), json!(-1), "{r:?}");
    assert_eq!(s.v4().forget(PHONE, "654321").await.code(), json!(-1));
    assert_password(&s, "123456", "654321").await;
}

// ---------------------------------------------------------------------------------------------
// forget_password only inside the 10 minutes after a verify_code, once
// ---------------------------------------------------------------------------------------------

async fn assert_password(s: &Server, works: &str, fails: &str) {
    let r = s.v4().login(PHONE, works, "uuid").await;
    assert_eq!(r.code(), json!(200), "{works} should work: {r:?}");
    let r = s.v4().login(PHONE, fails, "uuid").await;
    assert_eq!((r.code(), r.msg()), (json!(-1), "手机号或密码错误".into()));
}

#[tokio::test]
async fn forget_password_without_a_verify_code_is_minus_1_and_changes_nothing() {
    let s = registered().await;
    let r = s.v4().forget(PHONE, "654321").await;
    assert_eq!((r.status, r.code()), (200, json!(-1)), "{r:?}");
    assert!(r.msg().contains("验证"), "{}", r.msg());
    // A code sent but never verified opens nothing either.
    s.v4().sendsms(PHONE, 1).await;
    assert_eq!(s.v4().forget(PHONE, "654321").await.code(), json!(-1));
    assert_password(&s, "123456", "654321").await;
}

#[tokio::test]
async fn forget_password_ten_minutes_after_the_verify_code_is_minus_1() {
    let s = registered().await;
    s.v4().verify(PHONE).await;
    s.advance(600);
    assert_eq!(s.v4().forget(PHONE, "654321").await.code(), json!(-1));
    assert_password(&s, "123456", "654321").await;
    // One second less is inside the window.
    s.advance(60);
    s.v4().verify(PHONE).await;
    s.advance(599);
    assert_eq!(s.v4().forget(PHONE, "654321").await.code(), json!(200));
    assert_password(&s, "654321", "123456").await;
}

#[tokio::test]
async fn forget_password_serves_once_per_verify_code() {
    let s = registered().await;
    s.v4().verify(PHONE).await;
    let r = s.v4().forget(PHONE, "654321").await;
    assert_eq!((r.code(), r.msg()), (json!(200), "修改成功".into()));
    let r = s
        .v4()
        .form(
            "/api/v4.0/forget_password",
            &format!("phone={PHONE}&password=abcdef"),
        )
        .await;
    assert_eq!(r.code(), json!(-1), "{r:?}");
    assert_password(&s, "654321", "abcdef").await;
}

#[tokio::test]
async fn a_window_opened_for_one_phone_does_not_serve_another() {
    let s = registered().await;
    s.v4().register(OTHER, "123456", "uuid").await;
    s.v4().verify(PHONE).await;
    assert_eq!(s.v4().forget(OTHER, "654321").await.code(), json!(-1));
    let r = s.v4().login(OTHER, "123456", "uuid").await;
    assert_eq!(r.code(), json!(200));
}

#[tokio::test]
async fn forget_password_revokes_the_tokens_of_every_dialect() {
    let s = registered().await;
    let all = Sessions::open(&s, PHONE, "123456").await;
    assert_eq!(all.probe(&s).await, Probe::live());
    assert_eq!(
        s.count("SELECT COUNT(*) FROM tokens WHERE kind = 'v4'", &[]),
        1
    );

    s.v4().verify(PHONE).await;
    assert_eq!(s.v4().forget(PHONE, "654321").await.code(), json!(200));

    all.probe(&s).await.assert_revoked();
    assert_eq!(s.rows("tokens"), 0);
}

// ---------------------------------------------------------------------------------------------
// change_device compares with the last v4 session's device
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn change_device_is_true_only_when_the_device_differs_from_the_last_sessions() {
    let s = start_on_manual_clock().await;
    let data = s.v4().register(PHONE, "123456", "phone-a").await;
    assert_eq!(data["change_device"], false);
    let change = |r: Resp| r.json()["data"]["change_device"].clone();
    assert_eq!(
        change(s.v4().login(PHONE, "123456", "phone-a").await),
        false
    );
    assert_eq!(change(s.v4().login(PHONE, "123456", "phone-b").await), true);
    assert_eq!(
        change(s.v4().login(PHONE, "123456", "phone-b").await),
        false
    );
    assert_eq!(change(s.v4().login(PHONE, "123456", "phone-a").await), true);
    // A wrong password records nothing.
    assert_eq!(
        s.v4().login(PHONE, "000000", "phone-c").await.code(),
        json!(-1)
    );
    assert_eq!(
        change(s.v4().login(PHONE, "123456", "phone-a").await),
        false
    );
}

#[tokio::test]
async fn an_account_from_another_dialect_logs_in_with_its_name_and_uuid_and_no_device_change() {
    let s = start_on_manual_clock().await;
    let body = json!({"op": 1001, "phone": PHONE, "password": "secret7", "name": "刘可"});
    let rid = s.json("POST", "/phonebooks", &[], body).await.json()["rid"]
        .as_str()
        .unwrap()
        .replace('-', "");
    let r = s.v4().login(PHONE, "secret7", "uuid").await;
    let v = r.json();
    assert_eq!(v["data"]["user_id"], json!(rid));
    assert_eq!(v["data"]["name"], "刘可");
    assert_eq!(v["data"]["change_device"], false);
    assert_eq!(v["data"]["enterprise_id"], "-1");
    assert_eq!(v["data"]["apply"], json!({}));
    let text = String::from_utf8(r.body.clone()).unwrap();
    assert!(text.contains(r#""name":"\u5218\u53ef""#), "{text}");
    assert_eq!(r.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn a_second_code_within_a_minute_is_minus_3_and_nothing_is_sent() {
    let s = start_on_manual_clock().await;
    s.v4().sendsms(PHONE, 0).await;
    let r = s.get(&format!("/api/v4.0/sendsms/{PHONE}")).await;
    assert_eq!((r.status, r.code()), (200, json!("-3")), "{r:?}");
    assert!(r.msg().contains("一分钟"), "{}", r.msg());
    assert!(r.json().get("data").is_none());
    let sent = s.outbox(PHONE);
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].code.len(), sent[0].purpose.as_str()),
        (6, "register")
    );
}

// ---------------------------------------------------------------------------------------------
// Bad input: every case answered with the v4 envelope, the server healthy after
// ---------------------------------------------------------------------------------------------

/// Bad requests and the status, code and start of the message each must get.
#[rustfmt::skip]
fn bad_cases() -> Vec<Case> {
    let login = "/api/v4.0/login";
    vec![
        case("not JSON", "POST", login).json(b"{nope").answers(200, -3).says("请求格式不正确"),
        case("a JSON string", "POST", login).json(b"\"x\"").answers(200, -3).says("请求格式不正确"),
        case("invalid UTF-8 in JSON", "POST", login).json(b"{\"phone\":\"\xff\"}").answers(200, -3).says("请求格式不正确"),
        case("a malformed form", "POST", login).form(b"phone=%G1&password=1").answers(200, -3).says("请求格式不正确"),
        case("a form that is not UTF-8", "POST", login).form(b"phone=%C3%28").answers(200, -3).says("请求格式不正确"),
        case("bad percent-encoding", "GET", "/api/v4.0/login?phone=%E4%ZZ%").answers(200, -3).says("请求格式不正确"),
        case("bad percent-encoding in the path", "GET", "/api/v4.0/isregister/1312693995%").answers(200, -3).says("请求格式不正确"),
        case("wrong types", "POST", login).json(br#"{"phone":true,"password":{},"device_identifier":"d"}"#).answers(200, -3).says("参数 phone 应为字符串或整数"),
        case("missing fields", "POST", login).json(b"{}").answers(200, -3).says("缺少参数 phone"),
        case("an empty body", "POST", "/api/v4.0/register").answers(200, -3).says("缺少参数 phone"),
        case("an unknown field", "POST", login).form(b"phone=1&password=1&device_identifier=d&x=1").answers(200, -3).says("不支持的参数 x"),
        case("forget_password: any failure is -1", "POST", "/api/v4.0/forget_password").json(b"[]").answers(200, -1).says("请求格式不正确"),
        case("sendsms: a string code", "POST", "/api/v4.0/sendsms/13126939950?expect=5").answers(200, "-3").says("参数 expect 不正确"),
        case("unknown path", "GET", "/api/v4.0/nothing/here").answers(404, 404).says("接口不存在"),
        case("unknown path (POST, never typed)", "POST", "/api/v4.0/user/login").json(b"{}").answers(404, 404).says("接口不存在"),
        case("the bare prefix", "GET", "/api/v4.0/").answers(404, 404).says("接口不存在"),
        case("wrong method", "PUT", login).answers(405, 405).says("该接口不支持此请求方法"),
        case("wrong method (DELETE: every endpoint answers GET and POST only)", "DELETE", "/api/v4.0/verify_code").answers(405, 405).says("该接口不支持此请求方法"),
    ]
}

#[tokio::test]
async fn bad_input_is_answered_with_the_envelope_and_a_clear_message() {
    let s = start_on_manual_clock().await;
    let check = |c: &Case, r: &Resp| {
        c.assert_code(r);
        assert!(r.msg().starts_with(c.msg), "{}: {}", c.what, r.msg());
        c.assert_no_detail(r, "请求格式不正确");
    };
    table::run(&s, &bad_cases(), "application/json", check).await;
}

#[tokio::test]
async fn a_nine_mib_body_is_413_declared_or_chunked() {
    let s = start_on_manual_clock().await;
    let big = vec![b'a'; 9 * 1024 * 1024];
    let r = s
        .send(
            "POST",
            "/api/v4.0/register",
            &[("Content-Type", FORM)],
            &big,
        )
        .await;
    assert_eq!((r.status, r.code()), (413, json!(413)), "{r:?}");
    assert_eq!(r.msg(), "请求体过大");

    let r = s
        .send_chunked("POST", &format!("/api/v4.0/sendsms/{PHONE}"), &big)
        .await;
    assert_eq!((r.status, r.code()), (413, json!("413")), "{r:?}");
    s.healthy().await;
}
