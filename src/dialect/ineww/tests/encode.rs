//! The INEWW encoder: codes and HTTP statuses, the document's shapes, and the failure table.

use super::super::encode::http_status;
use super::*;
use crate::command::Outcome;
use crate::dialect::testing::{account, session, text};
use crate::domain::{Member, MemberProfile};

#[test]
fn the_http_status_is_the_codes_first_three_digits_but_201001_is_200() {
    assert_eq!(http_status("200001"), 200);
    assert_eq!(http_status("201001"), 200);
    assert_eq!(http_status("204001"), 204);
    assert_eq!(http_status("422001"), 422);
    assert_eq!(http_status("401004"), 401);
}

#[test]
fn every_204_answer_has_no_body_at_all() {
    let r = encode(Some(CommandKind::Logout), Ok(Outcome::Done));
    assert_eq!(r.status, 204);
    assert!(r.body.is_empty());
    assert_eq!(r.content_type, None);
}

fn member() -> Member {
    Member {
        account: account(UID, "18511521921", "小王子"),
        profile: MemberProfile::default(),
    }
}

#[test]
fn register_answers_201001_with_http_200_in_the_documents_shape() {
    let m = member();
    let mut s = session(m.account, &"a".repeat(32));
    s.expires_at = Some(1_492_501_535);
    s.refresh = Some(("b".repeat(32), 1_495_093_535));
    s.member = Some(m.profile);
    let r = encode(
        Some(CommandKind::Register),
        Ok(Outcome::Session(Box::new(s))),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type, Some("text/html; charset=utf-8"));
    let text = text(&r);
    assert!(
        text.starts_with("{\n    \"code\": \"201001\",\n    \"data\": {\n        \"token\""),
        "{text}"
    );
    assert!(
        text.contains("\"username\": \"小王子\""),
        "not escaped: {text}"
    );
    let v: Value = serde_json::from_str(&text).unwrap();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(&v["data"]["token"]),
        [
            "access_token",
            "refresh_token_expired",
            "refresh_token",
            "access_token_expired"
        ]
    );
    assert_eq!(
        keys(&v["data"]["user"]),
        [
            "username",
            "uid",
            "gender",
            "phone",
            "avatar",
            "signature",
            "balance"
        ]
    );
    assert_eq!(v["data"]["user"]["uid"], UID);
    assert_eq!(v["data"]["user"]["balance"], "0");
}

#[test]
fn the_detail_shows_the_balance_with_two_decimals_and_the_index_none() {
    let mut m = member();
    m.profile.balance_cents = 1250;
    let r = encode(
        Some(CommandKind::UserDetail),
        Ok(Outcome::Member(m.clone())),
    );
    let v = json(&r);
    assert_eq!(v["data"]["balance"], "12.50");
    let r = encode(Some(CommandKind::UserIndex), Ok(Outcome::Member(m)));
    let v = json(&r);
    assert!(v["data"].get("balance").is_none());
}

#[test]
fn each_domain_error_has_its_code_and_http_status() {
    for (e, code) in [
        (Error::MissingToken, "401001"),
        (Error::BadToken("x".into()), "401004"),
        (Error::TokenExpired, "401004"),
        (Error::WrongPassword, "401003"),
        (Error::UnknownAccount, "401003"),
        (Error::PhoneTaken, "400003"),
        (Error::BadCode, "400004"),
        (Error::Forbidden, "403001"),
        (Error::NotFound("user"), "404001"),
        (Error::UnknownCommand, "404000"),
        (Error::MethodNotAllowed, "405001"),
        (Error::TooLarge, "413001"),
        (Error::Throttled, "429001"),
        (Error::BadFrame("x".into()), "400010"),
        (Error::invalid("phone", "bad"), "422001"),
    ] {
        let why = e.to_string();
        let r = reject(e);
        let v = json(&r);
        assert_eq!(v["code"], code);
        assert_eq!(r.status, http_status(code));
        assert_eq!(
            r.detail.as_deref(),
            Some(why.as_str()),
            "{code}: the log gets why"
        );
        if code != "422001" {
            let text = text(&r);
            assert_eq!(
                text,
                format!("{{\n    \"code\": \"{code}\",\n    \"data\": {{}}\n}}"),
                "no message: the document's and the original's empty data"
            );
        }
    }
}

#[test]
fn a_store_failure_is_500001_with_empty_data_and_the_cause_in_the_detail_only() {
    let e = Error::Store(crate::error::StoreError::Other("disk I/O error".into()));
    let r = encode(Some(CommandKind::Login), Err(e));
    assert_eq!(r.status, 500);
    let v = json(&r);
    assert_eq!(v, json!({"code": "500001", "data": {}}));
    assert!(!String::from_utf8_lossy(&r.body).contains("disk"));
    assert_eq!(r.detail.as_deref(), Some("store failure"));
}

#[test]
fn another_dialects_outcome_is_an_internal_error_never_a_success() {
    let r = encode(Some(CommandKind::Logout), Ok(Outcome::Nickname(None)));
    assert_eq!(r.status, 500);
    assert_eq!(json(&r), json!({"code": "500001", "data": {}}));
    assert!(r.detail.unwrap().contains("Outcome::Nickname"));
}
