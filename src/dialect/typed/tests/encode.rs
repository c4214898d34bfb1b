//! The HelpAged encoder: every failure message a documented text, and the statuses the
//! document gives particular endpoints.

use super::*;
use crate::command::Outcome;
use crate::error::Error;

/// The encoder's echo for a request with `id` of `kind`.
fn echo(id: i64, kind: Option<CommandKind>) -> Echo {
    Echo {
        id,
        kind,
        opts: Options::new(false),
    }
}

/// Every `message` the typed encoder may send for a failure: the document's texts.
const DOCUMENTED: &[&str] = &[
    "Error JSON key",
    "Error JSON value",
    "Error data key",
    "Error Hash",
    "Error hash",
    "Missing necessary args",
    "Error token",
    "Error Token",
    "Token not existed",
    "No permission to operate",
    "Error device_id token",
    "Failure to operate database",
    "Arg's value type error",
    "Arg's value error",
    "Error captcha hash",
    "手机号格式错误",
    "单个手机号30秒内下发短信条数超过设定的上限",
    "Incorrect user",
    "Error password",
    "Phone number existed",
    "user not existed",
    "Duplicate device",
    "The device has already be bind",
    "device_id not exist",
    "No Such Device",
    "not bind device",
    "mode value error",
    "GetNotice error",
    "Error event_id",
    "event_id has been signed",
];

#[test]
fn every_failure_message_is_a_documented_text_and_the_detail_goes_to_the_log() {
    let reg = reg();
    let mut kinds: Vec<Option<CommandKind>> = vec![None];
    kinds.extend(
        reg.routes()
            .iter()
            .filter(|r| r.dialect == crate::registry::Dialect::Typed)
            .map(|r| Some(r.command)),
    );
    for kind in kinds {
        for e in crate::error::examples() {
            let why = e.to_string();
            let r = encode(echo(7, kind), Err(e));
            let v = json(&r);
            let message = v["message"].as_str().unwrap();
            assert!(
                DOCUMENTED.contains(&message),
                "{kind:?} / {why}: message {message:?} is not a documented text"
            );
            assert_eq!(r.detail.as_deref(), Some(why.as_str()), "{kind:?}");
        }
    }
}

#[test]
fn the_throttle_answers_tencents_frequency_limit_code_and_text() {
    let r = encode(echo(3, Some(CommandKind::SmsCode)), Err(Error::Throttled));
    assert_eq!(
        json(&r),
        json!({"id": 3, "status": 1023,
               "message": "单个手机号30秒内下发短信条数超过设定的上限", "data": {}})
    );
    assert_eq!(
        r.detail.as_deref(),
        Some("a code was sent to this phone less than a minute ago")
    );
}

#[test]
fn device_info_not_found_is_101_no_such_device() {
    let r = encode(
        echo(3, Some(CommandKind::DeviceInfo)),
        Err(Error::NotFound("device")),
    );
    assert_eq!(
        json(&r),
        json!({"id": 3, "status": 101, "message": "No Such Device", "data": {}})
    );
}

#[test]
fn another_dialects_outcome_is_an_internal_error_never_a_success() {
    let r = encode(echo(7, Some(CommandKind::Login)), Ok(Outcome::Exists(true)));
    assert_eq!(r.status, 200);
    assert_eq!(
        json(&r),
        json!({"id": 7, "status": -200, "message": "Failure to operate database", "data": {}})
    );
    assert!(r.detail.unwrap().contains("Outcome::Exists"));
}
