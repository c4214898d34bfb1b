//! Where v4 parameters come from: the query, a form or JSON body, the path — and which
//! wins.

use super::*;
use crate::domain::CodePurpose;

#[test]
fn the_query_a_form_and_a_json_body_all_carry_the_parameters() {
    let want = (
        "13126939916".to_string(),
        "111111".to_string(),
        Some("uuid".into()),
    );
    let q = send("GET", &format!("/api/v4.0/login?{LOGIN}"), &[], b"");
    assert_eq!(login_of(executed(q)), want);
    let form = send("POST", "/api/v4.0/login", &[FORM], LOGIN.as_bytes());
    assert_eq!(login_of(executed(form)), want);
    let body = json!({"phone": "13126939916", "password": "111111", "device_identifier": "uuid"});
    let j = send(
        "POST",
        "/api/v4.0/login",
        &[JSON],
        body.to_string().as_bytes(),
    );
    assert_eq!(login_of(executed(j)), want);
    // Without a Content-Type the body's first character decides.
    let sniffed = send("POST", "/api/v4.0/login", &[], body.to_string().as_bytes());
    assert_eq!(login_of(executed(sniffed)), want);
    let sniffed = send("POST", "/api/v4.0/login", &[], LOGIN.as_bytes());
    assert_eq!(login_of(executed(sniffed)), want);
}

#[test]
fn a_body_wins_over_the_query_and_a_gets_body_is_ignored() {
    let target = "/api/v4.0/login?phone=13000000000&password=111111&device_identifier=uuid";
    let post = send("POST", target, &[FORM], b"phone=13126939916");
    assert_eq!(login_of(executed(post)).0, "13126939916");
    let get = send("GET", target, &[FORM], b"phone=13126939916");
    assert_eq!(login_of(executed(get)).0, "13000000000");
}

#[test]
fn the_first_of_a_repeated_name_wins_and_plus_is_a_space_in_a_query() {
    let target = format!("/api/v4.0/login?{LOGIN}&phone=13000000000&password=a+b");
    let (phone, password, _) = login_of(executed(send("GET", &target, &[], b"")));
    assert_eq!(
        (phone.as_str(), password.as_str()),
        ("13126939916", "111111")
    );
    let target = "/api/v4.0/login?phone=1&password=a+b%2B&device_identifier=%E4%BA%8E";
    let (_, password, issue) = login_of(executed(send("GET", target, &[], b"")));
    assert_eq!(password, "a b+");
    assert_eq!(issue, Some("于".into()));
}

#[test]
fn integers_are_taken_as_text_and_passwords_are_not_stripped() {
    let body =
        json!({"phone": 13126939916u64, "password": " 11111 ", "device_identifier": " uuid "});
    let (phone, password, issue) = login_of(executed(send(
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
        let c = crate::command::codes::RequestCodeIf::try_from(executed(send(
            "POST",
            &target,
            &[],
            b"",
        )))
        .unwrap();
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
    let c = crate::command::v4_profiles::SignUp::try_from(executed(send("GET", target, &[], b"")))
        .unwrap();
    assert_eq!(c.account.name.as_deref(), Some("于连林"));
    assert_eq!(c.account.proof.as_deref(), Some("xxx"));
    assert_eq!(c.device, "uuid");
}

#[test]
fn a_login_password_of_any_length_is_taken() {
    let target = "/api/v4.0/login?phone=13126939916&password=1&device_identifier=d";
    assert_eq!(login_of(executed(send("GET", target, &[], b""))).1, "1");
}

#[test]
fn the_decodable_set_is_exactly_the_commands_the_match_builds() {
    use crate::dialect::testing::assert_rest_set_is_the_match;
    assert_rest_set_is_the_match(crate::registry::Dialect::V4, DECODABLE, |row, f| {
        matches!(decode::command(row, f), Err(Error::UnknownCommand))
    });
}
