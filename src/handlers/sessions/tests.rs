//! Unit tests of sessions: login refusals, the extras gathered, idle and age expiry, logout.

use super::*;
use crate::command::Credential;
use crate::domain::SessionExtras;
use crate::handlers::shared::session::authenticate;
use crate::handlers::testing;

fn setup() -> (
    Ctx,
    std::sync::Arc<crate::ctx::ManualClock>,
    tempfile::TempDir,
) {
    let (ctx, clock, d) = testing::ctx();
    testing::register(&ctx, "13000000001").unwrap();
    (ctx, clock, d)
}

fn login_as(ctx: &Ctx, phone: &str, password: &str) -> Result<Outcome> {
    Login {
        login: phone.into(),
        key: LoginKey::Phone,
        password: password.into(),
        policy: testing::JWT,
        enduring: false,
        extras: SessionExtras {
            contact_count: true,
            ..SessionExtras::default()
        },
    }
    .apply(ctx, None)
}

fn login(ctx: &Ctx, password: &str) -> Result<String> {
    match login_as(ctx, "13000000001", password)? {
        Outcome::Session(s) => Ok(s.token),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_wrong_password_is_refused() {
    let (ctx, _, _d) = setup();
    assert!(matches!(login(&ctx, "654321"), Err(Error::WrongPassword)));
}

#[test]
fn an_unknown_phone_is_refused_as_unknown() {
    let (ctx, _, _d) = setup();
    let r = login_as(&ctx, "13999999999", "123456");
    assert!(matches!(r, Err(Error::UnknownAccount)));
}

#[test]
fn only_the_extras_asked_for_are_gathered() {
    let (ctx, _, _d) = setup();
    let Outcome::Session(s) = login_as(&ctx, "13000000001", "123456").unwrap() else {
        panic!()
    };
    assert_eq!(s.contacts, Some(0));
    assert!(s.member.is_none() && s.rooms.is_none() && s.device.is_none());
    assert!(s.refresh.is_none());
}

fn idle_login(ctx: &Ctx, enduring: bool) -> Credential {
    let out = Login {
        login: "13000000001".into(),
        key: LoginKey::Phone,
        password: "123456".into(),
        policy: testing::IDLE,
        enduring,
        extras: SessionExtras::default(),
    }
    .apply(ctx, None)
    .unwrap();
    let Outcome::Session(s) = out else { panic!() };
    Credential::token(testing::IDLE, s.token)
}

#[test]
fn an_idle_token_dies_after_its_idle_limit_unless_enduring_and_use_keeps_it_alive() {
    let (ctx, clock, _d) = setup();
    let idle = testing::IDLE.idle_secs.unwrap();
    let (used, unused, enduring) = (
        idle_login(&ctx, false),
        idle_login(&ctx, false),
        idle_login(&ctx, true),
    );
    clock.advance(chrono::Duration::seconds(idle - 1));
    assert!(authenticate(&ctx, Some(&used)).is_ok());
    clock.advance(chrono::Duration::seconds(2));
    assert!(
        authenticate(&ctx, Some(&used)).is_ok(),
        "its use refreshed it"
    );
    let dead = authenticate(&ctx, Some(&unused));
    assert!(matches!(dead, Err(Error::TokenExpired)));
    clock.advance(chrono::Duration::seconds(10 * idle));
    assert!(authenticate(&ctx, Some(&enduring)).is_ok());
}

#[test]
fn a_fresh_token_authenticates_its_account() {
    let (ctx, _, _d) = setup();
    let t = login(&ctx, "123456").unwrap();
    let auth = authenticate(&ctx, Some(&Credential::token(testing::JWT, t))).unwrap();
    assert_eq!(
        Requester {
            auth: Some(&auth),
            peer: None
        }
        .account()
        .unwrap()
        .account_pk,
        1
    );
}

#[test]
fn a_token_expires_after_its_lifetime_on_the_context_clock() {
    let (ctx, clock, _d) = setup();
    let t = login(&ctx, "123456").unwrap();
    clock.advance(chrono::Duration::seconds(ctx.config.jwt_lifetime_secs));
    let r = authenticate(&ctx, Some(&Credential::token(testing::JWT, t)));
    assert!(matches!(r, Err(Error::TokenExpired)));
}

#[test]
fn a_logged_out_token_is_refused() {
    let (ctx, _, _d) = setup();
    let t = login(&ctx, "123456").unwrap();
    let cred = Credential::token(testing::JWT, t);
    let auth = authenticate(&ctx, Some(&cred)).unwrap();
    Logout
        .apply(
            &ctx,
            Requester {
                auth: Some(&auth),
                peer: None,
            }
            .account()
            .unwrap(),
        )
        .unwrap();
    assert!(matches!(
        authenticate(&ctx, Some(&cred)),
        Err(Error::BadToken(_))
    ));
}
