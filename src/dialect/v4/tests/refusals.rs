//! What a v4 request that cannot be run answers: one documented text for anything
//! unreadable (why goes to the log), a message naming a bad parameter, and the code each
//! endpoint gives it.

use super::*;

/// The code, message and log detail of a refused request (handled refusals are HTTP 200).
fn refused(step: Step) -> (Value, String, String) {
    let r = replied(step);
    assert_eq!(r.status, 200, "{}", text(&r));
    let v = json(&r);
    let msg = v["msg"].as_str().unwrap().to_string();
    (
        v["code"].clone(),
        msg,
        r.detail.unwrap_or_default().into_owned(),
    )
}

#[test]
fn an_unreadable_body_or_query_answers_the_one_documented_text_and_logs_why() {
    let post = |header, body: &[u8]| send("POST", "/api/v4.0/register", &[header], body);
    let multipart = ("content-type", "multipart/form-data; boundary=x");
    for (step, why) in [
        (post(JSON, b"{nope"), "the body is not valid JSON"),
        (post(JSON, b"[1]"), "the body must be a JSON object"),
        (
            post(FORM, b"phone=%E4%ZZ"),
            "bad percent-encoding in the form body",
        ),
        (post(FORM, b"phone=%FF"), "the form body is not UTF-8"),
        (post(FORM, b"=1"), "a form body parameter has no name"),
        (post(multipart, b"--x--"), "multipart"),
        (
            send("GET", "/api/v4.0/login?phone=%1", &[], b""),
            "bad percent-encoding in the query string",
        ),
    ] {
        let (code, msg, detail) = refused(step);
        assert_eq!((code, msg.as_str()), (json!(-3), "请求格式不正确"), "{why}");
        assert!(detail.contains(why), "{why}: {detail}");
    }
}

#[test]
fn a_bad_parameter_is_minus_3_with_a_message_naming_it() {
    let login = |body: &str| send("POST", "/api/v4.0/login", &[JSON], body.as_bytes());
    let get = |target: &str| send("GET", &format!("/api/v4.0/{target}"), &[], b"");
    let register = |password: &str| {
        let form =
            format!("phone=13126939916&name=a&password={password}&device_identifier=d&code=1");
        send("POST", "/api/v4.0/register", &[FORM], form.as_bytes())
    };
    let wrong_type = "参数 phone 应为字符串或整数";
    let length = "参数 password 不正确: 密码长度应为 6-14 位";
    for (step, msg) in [
        (
            login(r#"{"phone":true,"password":"1","device_identifier":"d"}"#),
            wrong_type,
        ),
        (
            login(r#"{"phone":1.5,"password":"1","device_identifier":"d"}"#),
            wrong_type,
        ),
        (
            login(r#"{"phone":null,"password":"1","device_identifier":"d"}"#),
            "缺少参数 phone",
        ),
        (
            get("login?phone=1&password=1"),
            "缺少参数 device_identifier",
        ),
        (
            get("login?phone=1&password=&device_identifier=d"),
            "缺少参数 password",
        ),
        (
            get("login?phone=1&password=1&device_identifier=d&x=1"),
            "不支持的参数 x",
        ),
        (
            get("isregister/13126939916?expect=2"),
            "参数 expect 不正确: 只能是 0 或 1",
        ),
        (register("12345"), length),
        (register("123456789012345"), length),
    ] {
        let (code, got, _) = refused(step);
        assert_eq!((code, got.as_str()), (json!(-3), msg));
    }
    // sendsms answers its code as a string.
    let (code, msg, _) = refused(send("POST", "/api/v4.0/sendsms/2312693991", &[], b""));
    let bad_mobile = "参数 mobile 不正确: 手机号应为 1 开头的 11 位数字";
    assert_eq!((code, msg.as_str()), (json!("-3"), bad_mobile));
}

#[test]
fn at_verify_code_and_forget_password_every_refusal_is_minus_1() {
    let forget = |headers: &[(&str, &str)], body: &[u8]| {
        send("POST", "/api/v4.0/forget_password", headers, body)
    };
    let get = |target: &str| send("GET", &format!("/api/v4.0/{target}"), &[], b"");
    for (step, msg) in [
        (
            get("forget_password?phone=13126939916&password=12345"),
            "参数 password 不正确",
        ),
        (forget(&[], b""), "缺少参数 phone"),
        (forget(&[JSON], b"{"), "请求格式不正确"),
        (
            forget(&[FORM], b"phone=13126939916&password=123456&code=1"),
            "不支持的参数 code",
        ),
        (get("verify_code?phone=1&code=123456"), "参数 phone 不正确"),
    ] {
        let (code, got, _) = refused(step);
        assert_eq!(code, json!(-1), "{msg}");
        assert!(got.starts_with(msg), "{msg}: {got}");
    }
}
