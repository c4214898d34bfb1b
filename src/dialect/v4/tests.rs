use super::encode::http_status;
use super::*;
use crate::command::{Command, Outcome};
use crate::domain::{Account, CodePurpose};
use serde_json::{json, Value};
use uuid::Uuid;

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");
const JSON: (&str, &str) = ("content-type", "application/json");

fn send(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Step {
    crate::dialect::testing::send(handle, method, target, headers, body)
}

fn command(s: Step) -> Command {
    match s {
        Step::Execute { request, .. } => request.command,
        Step::Reply(r) => panic!("expected a command, got {}", text(&r)),
    }
}

fn text(r: &Reply) -> String {
    String::from_utf8(r.body.to_vec()).unwrap()
}

/// The immediate answer of a refused request: HTTP status and body.
fn refused_with_detail(s: Step) -> (u16, Value, String) {
    match s {
        Step::Reply(r) => (
            r.status,
            serde_json::from_slice(&r.body).unwrap(),
            r.detail.unwrap_or_default(),
        ),
        Step::Execute { request, .. } => panic!("expected a refusal, got {request:?}"),
    }
}

/// A login's phone, password and device.
fn login_of(c: Command) -> (String, String, Option<String>) {
    let Command::Login(l) = c else {
        panic!("{c:?}")
    };
    (l.login, l.password, l.extras.device)
}

const LOGIN: &str = "phone=13126939916&password=111111&device_identifier=uuid";

#[test]
fn the_query_a_form_and_a_json_body_all_carry_the_parameters() {
    let want = (
        "13126939916".to_string(),
        "111111".to_string(),
        Some("uuid".into()),
    );
    let q = send("GET", &format!("/api/v4.0/login?{LOGIN}"), &[], b"");
    assert_eq!(login_of(command(q)), want);
    let form = send("POST", "/api/v4.0/login", &[FORM], LOGIN.as_bytes());
    assert_eq!(login_of(command(form)), want);
    let body = json!({"phone": "13126939916", "password": "111111", "device_identifier": "uuid"});
    let j = send(
        "POST",
        "/api/v4.0/login",
        &[JSON],
        body.to_string().as_bytes(),
    );
    assert_eq!(login_of(command(j)), want);
    // Without a Content-Type the body's first character decides.
    let sniffed = send("POST", "/api/v4.0/login", &[], body.to_string().as_bytes());
    assert_eq!(login_of(command(sniffed)), want);
    let sniffed = send("POST", "/api/v4.0/login", &[], LOGIN.as_bytes());
    assert_eq!(login_of(command(sniffed)), want);
}

#[test]
fn a_body_wins_over_the_query_and_a_gets_body_is_ignored() {
    let target = "/api/v4.0/login?phone=13000000000&password=111111&device_identifier=uuid";
    let post = send("POST", target, &[FORM], b"phone=13126939916");
    assert_eq!(login_of(command(post)).0, "13126939916");
    let get = send("GET", target, &[FORM], b"phone=13126939916");
    assert_eq!(login_of(command(get)).0, "13000000000");
}

#[test]
fn the_first_of_a_repeated_name_wins_and_plus_is_a_space_in_a_query() {
    let target = format!("/api/v4.0/login?{LOGIN}&phone=13000000000&password=a+b");
    let (phone, password, _) = login_of(command(send("GET", &target, &[], b"")));
    assert_eq!(
        (phone.as_str(), password.as_str()),
        ("13126939916", "111111")
    );
    let target = "/api/v4.0/login?phone=1&password=a+b%2B&device_identifier=%E4%BA%8E";
    let (_, password, issue) = login_of(command(send("GET", target, &[], b"")));
    assert_eq!(password, "a b+");
    assert_eq!(issue, Some("于".into()));
}

#[test]
fn integers_are_taken_as_text_and_passwords_are_not_stripped() {
    let body =
        json!({"phone": 13126939916u64, "password": " 11111 ", "device_identifier": " uuid "});
    let (phone, password, issue) = login_of(command(send(
        "POST",
        "/api/v4.0/login",
        &[JSON],
        body.to_string().as_bytes(),
    )));
    assert_eq!(
        (phone.as_str(), password.as_str()),
        ("13126939916", " 11111 ")
    );
    assert_eq!(issue, Some("uuid".into()));
}

#[test]
fn the_path_parameter_wins_and_expect_picks_the_purpose() {
    for (query, registered, purpose) in [
        ("", false, CodePurpose::Register),
        ("?expect=0", false, CodePurpose::Register),
        ("?expect=1", true, CodePurpose::Reset),
        ("?expect=1&mobile=13000000000", true, CodePurpose::Reset),
    ] {
        let target = format!("/api/v4.0/sendsms/13126939916{query}");
        let Command::RequestCodeIf(c) = command(send("POST", &target, &[], b"")) else {
            panic!()
        };
        assert_eq!(c.phone.as_str(), "13126939916", "{query}");
        assert_eq!(
            (c.registered, c.purpose, c.length),
            (registered, purpose, 6)
        );
    }
}

#[test]
fn register_takes_its_code_as_proof_and_its_name_as_the_display_name() {
    let target = "/api/v4.0/register?code=xxx&phone=13126939916&name=%E4%BA%8E%E8%BF%9E%E6%9E%97\
                  &password=123456&device_identifier=uuid";
    let Command::SignUpV4(c) = command(send("GET", target, &[], b"")) else {
        panic!()
    };
    assert_eq!(c.account.name.as_deref(), Some("于连林"));
    assert_eq!(c.account.proof.as_deref(), Some("xxx"));
    assert_eq!(c.device, "uuid");
}

/// (name, method, target, headers, body) → the code and the start of the msg.
type BadCase<'a> = (
    &'a str,
    &'a str,
    &'a str,
    Vec<(&'a str, &'a str)>,
    &'a [u8],
    Value,
    &'a str,
);

#[test]
fn bad_input_is_refused_with_a_clear_message_and_the_endpoints_code() {
    let reg = "/api/v4.0/register";
    let forget = "/api/v4.0/forget_password";
    let cases: Vec<BadCase> = vec![
        (
            "not JSON",
            "POST",
            reg,
            vec![JSON],
            b"{nope",
            json!(-3),
            "请求格式不正确: the body is not valid JSON",
        ),
        (
            "a JSON array",
            "POST",
            reg,
            vec![JSON],
            b"[1]",
            json!(-3),
            "请求格式不正确: the body must be a JSON object",
        ),
        (
            "bad % in a form",
            "POST",
            reg,
            vec![FORM],
            b"phone=%E4%ZZ",
            json!(-3),
            "请求格式不正确: bad percent-encoding in the form body",
        ),
        (
            "bad UTF-8 in a form",
            "POST",
            reg,
            vec![FORM],
            b"phone=%FF",
            json!(-3),
            "请求格式不正确: the form body is not UTF-8",
        ),
        (
            "a form piece without a name",
            "POST",
            reg,
            vec![FORM],
            b"=1",
            json!(-3),
            "请求格式不正确: a form body parameter has no name",
        ),
        (
            "multipart",
            "POST",
            reg,
            vec![("content-type", "multipart/form-data; boundary=x")],
            b"--x--",
            json!(-3),
            "请求格式不正确: multipart",
        ),
        (
            "bad % in a query",
            "GET",
            "/api/v4.0/login?phone=%1",
            vec![],
            b"",
            json!(-3),
            "请求格式不正确: bad percent-encoding in the query string",
        ),
        (
            "a wrong type",
            "POST",
            "/api/v4.0/login",
            vec![JSON],
            br#"{"phone":true,"password":"1","device_identifier":"d"}"#,
            json!(-3),
            "参数 phone 应为字符串或整数",
        ),
        (
            "a float",
            "POST",
            "/api/v4.0/login",
            vec![JSON],
            br#"{"phone":1.5,"password":"1","device_identifier":"d"}"#,
            json!(-3),
            "参数 phone 应为字符串或整数",
        ),
        (
            "a missing field",
            "GET",
            "/api/v4.0/login?phone=1&password=1",
            vec![],
            b"",
            json!(-3),
            "缺少参数 device_identifier",
        ),
        (
            "a blank field",
            "GET",
            "/api/v4.0/login?phone=1&password=&device_identifier=d",
            vec![],
            b"",
            json!(-3),
            "缺少参数 password",
        ),
        (
            "null",
            "POST",
            "/api/v4.0/login",
            vec![JSON],
            br#"{"phone":null,"password":"1","device_identifier":"d"}"#,
            json!(-3),
            "缺少参数 phone",
        ),
        (
            "an unknown field",
            "GET",
            "/api/v4.0/login?phone=1&password=1&device_identifier=d&x=1",
            vec![],
            b"",
            json!(-3),
            "不支持的参数 x",
        ),
        (
            "a bad phone",
            "POST",
            "/api/v4.0/sendsms/2312693991",
            vec![],
            b"",
            json!("-3"),
            "参数 mobile 不正确: 手机号应为 1 开头的 11 位数字",
        ),
        (
            "a bad expect",
            "GET",
            "/api/v4.0/isregister/13126939916?expect=2",
            vec![],
            b"",
            json!(-3),
            "参数 expect 不正确: 只能是 0 或 1",
        ),
        (
            "a short password",
            "POST",
            reg,
            vec![FORM],
            b"phone=13126939916&name=a&password=12345&device_identifier=d&code=1",
            json!(-3),
            "参数 password 不正确: 密码长度应为 6-14 位",
        ),
        (
            "a long password",
            "POST",
            reg,
            vec![FORM],
            b"phone=13126939916&name=a&password=123456789012345&device_identifier=d&code=1",
            json!(-3),
            "参数 password 不正确: 密码长度应为 6-14 位",
        ),
        (
            "forget: a short password",
            "GET",
            "/api/v4.0/forget_password?phone=13126939916&password=12345",
            vec![],
            b"",
            json!(-1),
            "参数 password 不正确",
        ),
        (
            "forget: missing",
            "POST",
            forget,
            vec![],
            b"",
            json!(-1),
            "缺少参数 phone",
        ),
        (
            "forget: not JSON",
            "POST",
            forget,
            vec![JSON],
            b"{",
            json!(-1),
            "请求格式不正确",
        ),
        (
            "forget: unknown",
            "POST",
            forget,
            vec![FORM],
            b"phone=13126939916&password=123456&code=1",
            json!(-1),
            "不支持的参数 code",
        ),
        (
            "verify: a bad phone",
            "GET",
            "/api/v4.0/verify_code?phone=1&code=123456",
            vec![],
            b"",
            json!(-1),
            "参数 phone 不正确",
        ),
    ];
    for (name, method, target, headers, body, code, msg) in cases {
        let (status, v, detail) = refused_with_detail(send(method, target, &headers, body));
        assert_eq!((status, &v["code"]), (200, &code), "{name}: {v}");
        let got = v["msg"].as_str().unwrap();
        // An unreadable body answers the one documented text; why goes to the log.
        match msg.strip_prefix("请求格式不正确: ") {
            Some(why) => {
                assert_eq!(got, "请求格式不正确", "{name}");
                assert!(detail.contains(why), "{name}: {detail}");
            }
            None => assert!(got.starts_with(msg), "{name}: {got}"),
        }
    }
}

#[test]
fn a_login_password_of_any_length_is_taken() {
    let target = "/api/v4.0/login?phone=13126939916&password=1&device_identifier=d";
    assert_eq!(login_of(command(send("GET", target, &[], b""))).1, "1");
}

fn account() -> Account {
    Account {
        pk: 1,
        uid: Uuid::parse_str("f223fa5c92e846349031b0eb06868478").unwrap(),
        phone: Some("13126939916".into()),
        username: None,
        email: None,
        name: Some("asdasd".into()),
        nickname: None,
        level: 1,
        created_at: 0,
    }
}

fn session(change_device: bool) -> Outcome {
    let mut s = crate::dialect::testing::session(account(), "9ea13c9003d53e4e17b0b9aaf1e634b0");
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
        (
            r.status,
            serde_json::from_slice::<Value>(&r.body).unwrap()["code"].clone(),
        )
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
fn the_prefix_is_owned_whole() {
    assert!(owns("/api/v4.0"));
    assert!(owns("/api/v4.0/nothing"));
    assert!(!owns("/api/v4.01/login"));
    assert!(!owns("/api/user/login"));
}

#[test]
fn the_decodable_set_is_exactly_the_commands_the_match_builds() {
    use crate::dialect::testing::{assert_set_is_the_match, route};
    use crate::registry::{Dialect, Methods, WireKey};
    let key = WireKey::Rest(Methods::GetOrPost, "/api/v4.0/x".into());
    let empty = json!({});
    assert_set_is_the_match("v4", DECODABLE, |kind| {
        let r = route(Dialect::V4, key.clone(), kind);
        let f = Fields::of(&empty, "").unwrap();
        matches!(decode::command(&r, &f), Err(Error::UnknownCommand))
    });
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
