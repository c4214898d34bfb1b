//! Unit tests of the rooms handlers: sign-up, SNS login, owner-only writes, password change
//! and the rooms themselves.

use super::*;
use crate::command::accounts::Register;
use crate::command::rooms::{CreateRoom, DeleteRoom, ListRooms, ShowRoom, UpdateRoom};
use crate::command::Credential;
use crate::domain::{Auth, Password};
use crate::handlers::testing;

fn sign_up(ctx: &Ctx, username: &str, phone: Option<&str>) -> Result<(RoomsUser, String)> {
    let out = SignUp {
        account: RegisterByName {
            username: username.into(),
            password: Some(Password::parse("123456", "password").unwrap()),
            nickname: "never".into(),
            phone: phone.map(|p| Phone::parse(p, "phone").unwrap()),
            email: None,
        },
        profile: RoomsChanges {
            age: Some(20),
            ..RoomsChanges::default()
        },
        policy: testing::DAY,
    }
    .apply(ctx)?;
    Ok(rooms_session(out))
}

/// The rooms user and token of a session outcome.
fn rooms_session(out: Outcome) -> (RoomsUser, String) {
    match out {
        Outcome::Session(s) => (
            RoomsUser {
                profile: s.rooms.expect("a rooms session shows the rooms user"),
                account: s.account,
            },
            s.token,
        ),
        other => panic!("{other:?}"),
    }
}

fn caller(ctx: &Ctx, token: &str) -> Caller {
    match crate::handlers::shared::session::authenticate(
        ctx,
        Some(&Credential::token(testing::DAY, token)),
    )
    .unwrap()
    {
        Auth::Account(c) => c,
        other => panic!("{other:?}"),
    }
}

fn login(ctx: &Ctx, key: &str, password: &str) -> Result<Outcome> {
    crate::command::sessions::Login {
        login: key.into(),
        key: crate::domain::LoginKey::UsernameOrPhone,
        password: password.into(),
        policy: testing::DAY,
        enduring: false,
        extras: rooms_extras(),
    }
    .apply(ctx, None)
}

#[test]
fn a_registered_user_gets_a_room_number_and_a_token_that_authenticates_it() {
    let (ctx, _, _d) = testing::ctx();
    let (user, token) = sign_up(&ctx, "12345", None).unwrap();
    assert_eq!(user.account.username.as_deref(), Some("12345"));
    assert_eq!(user.account.phone, None);
    assert_eq!(user.profile.roomid, 1234, "SequentialIds draws 1234 first");
    assert_eq!((user.profile.age, user.profile.sex), (20, 2));
    assert_eq!(caller(&ctx, &token).account_pk, user.account.pk);
}

#[test]
fn room_numbers_fall_back_to_one_above_the_highest_when_draws_collide() {
    let (ctx, _, _d) = testing::ctx();
    let (a, _) = sign_up(&ctx, "a", None).unwrap();
    let (b, _) = sign_up(&ctx, "b", None).unwrap();
    assert_eq!((a.profile.roomid, b.profile.roomid), (1234, 1235));
}

#[test]
fn a_username_or_a_phone_registers_only_once() {
    let (ctx, _, _d) = testing::ctx();
    sign_up(&ctx, "a", Some("18752000590")).unwrap();
    assert!(matches!(
        sign_up(&ctx, "a", None),
        Err(Error::AlreadyDone("username already taken"))
    ));
    assert!(matches!(
        sign_up(&ctx, "b", Some("18752000590")),
        Err(Error::PhoneTaken)
    ));
}

#[test]
fn a_username_shaped_like_another_phone_is_refused() {
    let (ctx, _, _d) = testing::ctx();
    let r = sign_up(&ctx, "18752000591", None);
    assert!(matches!(r, Err(Error::InvalidValue { .. })), "{r:?}");
    assert!(sign_up(&ctx, "18752000591", Some("18752000591")).is_ok());
}

#[test]
fn an_account_from_another_dialect_logs_in_by_phone_and_gets_its_room_number_then() {
    let (ctx, _, _d) = testing::ctx();
    Register {
        phone: Phone::parse("18752000592", "phone").unwrap(),
        password: Password::parse("secret7", "password").unwrap(),
        email: None,
        name: None,
        proof: None,
    }
    .apply(&ctx)
    .unwrap();
    assert_eq!(ctx.store.read(|c| store::profile(c, 1)).unwrap(), None);
    let (user, _) = rooms_session(login(&ctx, "18752000592", "secret7").unwrap());
    assert_eq!(user.profile.roomid, 1234);
    assert!(matches!(
        login(&ctx, "18752000592", "wrong"),
        Err(Error::WrongPassword)
    ));
    assert!(matches!(
        login(&ctx, "nobody", "secret7"),
        Err(Error::UnknownAccount)
    ));
}

#[test]
fn a_rooms_token_expires_after_24_hours() {
    let (ctx, clock, _d) = testing::ctx();
    let (_, token) = sign_up(&ctx, "a", None).unwrap();
    clock.advance(chrono::Duration::seconds(
        testing::DAY.lifetime_secs.unwrap() - 1,
    ));
    caller(&ctx, &token);
    clock.advance(chrono::Duration::seconds(1));
    let r = crate::handlers::shared::session::authenticate(
        &ctx,
        Some(&Credential::token(testing::DAY, token)),
    );
    assert!(matches!(r, Err(Error::TokenExpired)));
}

#[test]
fn writes_on_another_users_account_are_forbidden_and_change_nothing() {
    let (ctx, _, _d) = testing::ctx();
    let (a, _) = sign_up(&ctx, "a", None).unwrap();
    let (_, t) = sign_up(&ctx, "b", None).unwrap();
    let b = caller(&ctx, &t);
    let icon = SetIcon {
        pk: a.account.pk,
        icon: "x.png".into(),
    };
    assert!(matches!(icon.apply(&ctx, &b), Err(Error::Forbidden)));
    let info = UpdateUser {
        pk: a.account.pk,
        username: Some("stolen".into()),
        nickname: None,
        email: Patch::Keep,
        phone: None,
        profile: RoomsChanges::default(),
    };
    assert!(matches!(info.apply(&ctx, &b), Err(Error::Forbidden)));
    let pw = ChangePassword {
        username: "a".into(),
        old: "123456".into(),
        new: Password::parse("654321", "password").unwrap(),
        policy: testing::DAY,
    };
    assert!(matches!(pw.apply(&ctx, &b, None), Err(Error::Forbidden)));
    let now = ctx.store.read(|c| load(c, a.account.pk)).unwrap();
    assert_eq!(now.account.username.as_deref(), Some("a"));
    assert_eq!(now.profile.img, "");
    assert!(login(&ctx, "a", "123456").is_ok());
}

#[test]
fn a_password_change_revokes_every_token_and_answers_a_new_one() {
    let (ctx, _, _d) = testing::ctx();
    let (_, t) = sign_up(&ctx, "a", None).unwrap();
    let me = caller(&ctx, &t);
    let out = ChangePassword {
        username: "a".into(),
        old: "123456".into(),
        new: Password::parse("654321", "password").unwrap(),
        policy: testing::DAY,
    }
    .apply(&ctx, &me, None)
    .unwrap();
    let (_, new) = rooms_session(out);
    let old = crate::handlers::shared::session::authenticate(
        &ctx,
        Some(&Credential::token(testing::DAY, t)),
    );
    assert!(matches!(old, Err(Error::BadToken(_))));
    caller(&ctx, &new);
    let live = ctx.store.read(crate::store::tokens::count).unwrap();
    assert_eq!(live, 1);
}

#[test]
fn only_the_owner_changes_or_deletes_a_room_and_only_open_rooms_are_listed() {
    let (ctx, _, _d) = testing::ctx();
    let (_, ta) = sign_up(&ctx, "a", None).unwrap();
    let (_, tb) = sign_up(&ctx, "b", None).unwrap();
    let (a, b) = (caller(&ctx, &ta), caller(&ctx, &tb));
    let create = |alias: &str, active| CreateRoom {
        room_alias: alias.into(),
        active,
    };
    let Outcome::Room { room, created } = create("1262", true).apply(&ctx, &a).unwrap() else {
        panic!()
    };
    assert!(created);
    assert_eq!(room.roomid, 1236, "after the two accounts' 1234 and 1235");
    create("closed", false).apply(&ctx, &a).unwrap();
    let update = UpdateRoom {
        pk: room.pk,
        room_alias: None,
        active: Some(false),
    };
    assert!(matches!(update.apply(&ctx, &b), Err(Error::Forbidden)));
    let delete = DeleteRoom { pk: room.pk };
    assert!(matches!(delete.apply(&ctx, &b), Err(Error::Forbidden)));
    let list = |ctx: &Ctx| match (ListRooms {
        page: 1,
        page_size: 500,
    })
    .apply(ctx)
    .unwrap()
    {
        Outcome::Rooms(p) => p,
        other => panic!("{other:?}"),
    };
    let page = list(&ctx);
    assert_eq!((page.total, page.page_size, page.rooms.len()), (1, 100, 1));
    DeleteRoom { pk: room.pk }.apply(&ctx, &a).unwrap();
    assert_eq!(list(&ctx).total, 0);
    let gone = ShowRoom { pk: room.pk }.apply(&ctx);
    assert!(matches!(gone, Err(Error::NotFound("room"))));
}

#[test]
fn a_third_party_login_is_refused_unless_identities_are_trusted() {
    let (ctx, _, _d) = testing::ctx();
    let sns = || SnsLogin {
        account: RegisterByName {
            username: "wx".into(),
            password: None,
            nickname: "never".into(),
            phone: None,
            email: None,
        },
        login_type: 1,
        snsid: "o-abc".into(),
        profile: RoomsChanges::default(),
        policy: testing::DAY,
    };
    assert!(matches!(sns().apply(&ctx), Err(Error::Forbidden)));
    let mut config = (*ctx.config).clone();
    config.rooms_trust_sns_identities = true;
    let ctx = Ctx {
        config: std::sync::Arc::new(config),
        ..ctx
    };
    let first = sns().apply(&ctx).unwrap();
    assert!(matches!(first, Outcome::Session(ref s) if s.created));
    let again = sns().apply(&ctx).unwrap();
    assert!(matches!(again, Outcome::Session(ref s) if !s.created));
    assert!(matches!(login(&ctx, "wx", ""), Err(Error::WrongPassword)));
}
