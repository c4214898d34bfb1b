//! The v4 encoder: each endpoint's sample answers, value types and key order, and the
//! failure table.

use super::super::encode::http_status;
use super::*;
use crate::command::Outcome;

fn session(change_device: bool) -> Outcome {
    let mut s = testing::session(
        testing::account("f223fa5c92e846349031b0eb06868478", "13126939916", "asdasd"),
        "9ea13c9003d53e4e17b0b9aaf1e634b0",
    );
    s.device = Some(crate::domain::DeviceChange {
        changed: change_device,
        enterprise_id: None,
    });
    Outcome::Session(Box::new(s))
}

fn body(ep: Endpoint, r: Result<Outcome, Error>) -> String {
    text(&encode(Some(ep), r))
}

#[test]
fn sendsms_answers_a_string_code_and_no_data_as_its_sample() {
    let ok = body(Endpoint::SendSms, Ok(Outcome::CodeSent { rand: None }));
    assert_eq!(ok, r#"{"code":"200","msg":"\u53d1\u9001\u6210\u529f"}"#);
    let taken = body(Endpoint::SendSms, Err(Error::PhoneTaken));
    assert_eq!(
        taken,
        r#"{"code":"-1","msg":"\u624b\u673a\u53f7\u5df2\u7ecf\u88ab\u6ce8\u518c"}"#
    );
    let throttled = encode(Some(Endpoint::SendSms), Err(Error::Throttled));
    let v: Value = serde_json::from_slice(&throttled.body).unwrap();
    assert_eq!((throttled.status, &v["code"]), (200, &json!("-3")));
    let big = encode(Some(Endpoint::SendSms), Err(Error::TooLarge));
    assert_eq!(big.status, 413);
    assert!(text(&big).starts_with(r#"{"code":"413","msg":"#));
}

#[test]
fn register_and_login_keep_the_samples_key_order_and_enterprise_id_types() {
    let reg = body(Endpoint::Register, Ok(session(false)));
    assert_eq!(
        reg,
        r#"{"code":200,"data":{"change_device":false,"enterprise_id":-1,"token":"9ea13c9003d53e4e17b0b9aaf1e634b0","user_id":"f223fa5c92e846349031b0eb06868478","name":"asdasd","apply":{}},"msg":"\u6ce8\u518c\u6210\u529f"}"#
    );
    let login = body(Endpoint::Login, Ok(session(true)));
    assert_eq!(
        login,
        r#"{"code":200,"data":{"apply":{},"change_device":true,"enterprise_id":"-1","token":"9ea13c9003d53e4e17b0b9aaf1e634b0","user_id":"f223fa5c92e846349031b0eb06868478","name":"asdasd"},"msg":"\u767b\u5f55\u6210\u529f"}"#
    );
}

#[test]
fn isregister_says_the_phones_state_and_codes_whether_it_was_expected() {
    let sample = body(
        Endpoint::IsRegister { registered: false },
        Ok(Outcome::Exists(true)),
    );
    assert_eq!(
        sample,
        r#"{"code":-1,"data":"","msg":"\u624b\u673a\u53f7\u5df2\u7ecf\u88ab\u6ce8\u518c"}"#
    );
    for (registered, found, code) in [(false, false, 200), (true, true, 200), (true, false, -1)] {
        let v: Value = serde_json::from_str(&body(
            Endpoint::IsRegister { registered },
            Ok(Outcome::Exists(found)),
        ))
        .unwrap();
        assert_eq!(v["code"], code, "expect {registered}, found {found}");
        let msg = if found {
            "手机号已经被注册"
        } else {
            "手机号没有被注册"
        };
        assert_eq!(v["msg"], msg);
    }
}

#[test]
fn verify_code_and_forget_password_answer_the_samples_on_success() {
    assert_eq!(
        body(Endpoint::VerifyCode, Ok(Outcome::Done)),
        r#"{"code":200,"data":"","msg":"\u9a8c\u8bc1\u7801\u6b63\u786e"}"#
    );
    assert_eq!(
        body(Endpoint::ForgetPassword, Ok(Outcome::Done)),
        r#"{"code":200,"data":"","msg":"\u4fee\u6539\u6210\u529f"}"#
    );
}

#[test]
fn the_failure_table_gives_each_endpoint_its_documented_code() {
    let code = |ep: Endpoint, e: Error| -> (u16, Value) {
        let r = encode(Some(ep), Err(e));
        (r.status, json(&r)["code"].clone())
    };
    assert_eq!(code(Endpoint::Register, Error::BadCode), (200, json!(-2)));
    assert_eq!(
        code(Endpoint::Register, Error::PhoneTaken),
        (200, json!(-1))
    );
    assert_eq!(
        code(Endpoint::Login, Error::UnknownAccount),
        (200, json!(-1))
    );
    assert_eq!(
        code(Endpoint::Login, Error::WrongPassword),
        (200, json!(-1))
    );
    assert_eq!(code(Endpoint::VerifyCode, Error::BadCode), (200, json!(-1)));
    assert_eq!(
        code(Endpoint::ForgetPassword, Error::BadCode),
        (200, json!(-1))
    );
    assert_eq!(
        code(
            Endpoint::ForgetPassword,
            Error::MissingField("phone".into())
        ),
        (200, json!(-1))
    );
    assert_eq!(
        code(Endpoint::Login, Error::MissingField("phone".into())),
        (200, json!(-3))
    );
    assert_eq!(
        code(Endpoint::Login, Error::MethodNotAllowed),
        (405, json!(405))
    );
    let store = Error::Store(crate::error::StoreError::Other("disk".into()));
    let r = encode(Some(Endpoint::Login), Err(store));
    assert_eq!(r.status, 500);
    assert!(!text(&r).contains("disk"));
    let r = reject(None, Error::UnknownCommand);
    assert_eq!(r.status, 404);
    assert_eq!(
        text(&r),
        r#"{"code":404,"data":"","msg":"\u63a5\u53e3\u4e0d\u5b58\u5728"}"#
    );
    assert_eq!(r.content_type, Some("application/json"));
}

#[test]
fn handled_answers_are_http_200() {
    for code in [200, -1, -2, -3] {
        assert_eq!(http_status(code), 200);
    }
    assert_eq!(http_status(413), 413);
}

#[test]
fn another_dialects_outcome_is_an_internal_error_never_a_success() {
    let r = encode(Some(Endpoint::Login), Ok(Outcome::Nickname(None)));
    assert_eq!(r.status, 500);
    assert_eq!(
        text(&r),
        r#"{"code":500,"data":"","msg":"\u670d\u52a1\u5668\u5185\u90e8\u9519\u8bef"}"#
    );
    assert!(r.detail.unwrap().contains("Outcome::Nickname"));
    let sms = encode(Some(Endpoint::SendSms), Ok(Outcome::Nickname(None)));
    assert_eq!(
        (sms.status, text(&sms).starts_with(r#"{"code":"500","msg""#)),
        (500, true)
    );
}
