//! Member profiles (INEWW): a user's public page, their detail, and profile updates. A
//! member is the shared account (`name` is the display name) plus the INEWW-only fields,
//! which default until first set, so an account made through any dialect is a member.

use crate::command::profiles::ProfilesCommand;
use crate::command::profiles::{MemberQuery, ShowMember, UpdateMember};
use crate::command::Outcome;
use crate::ctx::Ctx;
use crate::domain::ProfilePatch;
use crate::domain::Requester;
use crate::domain::{Account, Caller, Member, Patch};
use crate::error::{Error, Result};
use crate::handlers::shared::lookup::own_account;
use crate::store::Tx;
use crate::store::{accounts, profiles};

impl ProfilesCommand {
    /// Applies a member-profile command.
    pub fn apply(self, ctx: &Ctx, from: &Requester<'_>) -> Result<Outcome> {
        let caller = from.account()?;
        match self {
            ProfilesCommand::ShowMember(c) => c.apply(ctx, caller),
            ProfilesCommand::UpdateMember(c) => c.apply(ctx, caller),
        }
    }
}

/// The member view of an account: its profile row, or the defaults.
pub fn member(conn: &Tx, account: Account) -> Result<Member> {
    let profile = profiles::get(conn, account.pk)?.unwrap_or_default();
    Ok(Member { account, profile })
}

impl ShowMember {
    /// Answers [`Outcome::Member`]. Another member's detail is refused to non-administrators
    /// before it is looked up (known or not); on a public page another member's phone is
    /// masked (`134****2644`) whoever asks, administrators included — the page is public, and
    /// an administrator sees the whole phone in the detail. The member's own page and detail
    /// show it whole.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        let is_admin = || Ok::<_, Error>(own_account(ctx, caller)?.level >= ctx.config.admin_level);
        let (uid, public) = match self.query {
            MemberQuery::Own => (Some(caller.account_uid), false),
            MemberQuery::Public(uid) => (uid, true),
            MemberQuery::Detail(uid) => {
                if uid != Some(caller.account_uid) && !is_admin()? {
                    return Err(Error::Forbidden);
                }
                (uid, false)
            }
        };
        let found = match uid {
            Some(uid) => ctx.store.read(|c| match accounts::by_uid(c, &uid)? {
                Some(account) => member(c, account).map(Some),
                None => Ok(None),
            })?,
            None => None,
        };
        let mut found = found.ok_or(Error::NotFound("user"))?;
        if public && found.account.pk != caller.account_pk {
            found.account.phone = found.account.phone.as_deref().map(mask_phone);
        }
        Ok(Outcome::Member(found))
    }
}

/// `13412342644` → `134****2644`: the first three and last four digits, the shape of a
/// phone without the number.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

impl UpdateMember {
    /// Writes the name and the fields in one transaction.
    pub fn apply(self, ctx: &Ctx, caller: &Caller) -> Result<Outcome> {
        if self.uid != Some(caller.account_uid) {
            return Err(Error::Forbidden);
        }
        let now = ctx.now_secs();
        ctx.store.write(|tx| {
            if let Some(name) = self.name.clone() {
                let patch = ProfilePatch {
                    name: Patch::Set(name),
                    ..ProfilePatch::default()
                };
                accounts::update_profile(tx, caller.account_pk, &patch)?;
            }
            if !self.changes.is_empty() {
                profiles::update(tx, caller.account_pk, &self.changes, now)?;
            }
            Ok(())
        })?;
        Ok(Outcome::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::accounts::{ChangeOwnPassword, ChangePhone, Register, SignUp};
    use crate::command::Credential;
    use crate::domain::MemberChanges;
    use crate::domain::{Auth, CodePurpose, LoginKey, Password, Phone, SessionExtras};
    use crate::handlers::{shared::codes, testing};
    use uuid::Uuid;

    fn register(ctx: &Ctx, phone: &str) -> Uuid {
        testing::register(ctx, phone).unwrap()
    }

    /// Registers `other` and then 18511521901, and logs the latter in through INEWW; answers
    /// the other's uid and the caller.
    fn other_and_me(ctx: &Ctx, other: &str) -> (Uuid, Caller) {
        let other = register(ctx, other);
        register(ctx, "18511521901");
        (other, login(ctx, "18511521901").0)
    }

    /// Logs in through INEWW; answers the caller and the access token.
    fn login(ctx: &Ctx, phone: &str) -> (Caller, String) {
        let out = crate::command::sessions::Login {
            login: phone.into(),
            key: LoginKey::Phone,
            password: "123456".into(),
            policy: testing::PAIR,
            enduring: false,
            extras: member_extras(),
        }
        .apply(ctx, None)
        .unwrap();
        let Outcome::Session(s) = out else {
            panic!("{out:?}")
        };
        assert!(s.member.is_some() && s.refresh.is_some());
        let cred = Credential::token(testing::PAIR, s.token.clone());
        let Auth::Account(caller) =
            crate::handlers::shared::session::authenticate(ctx, Some(&cred)).unwrap()
        else {
            panic!()
        };
        (caller, s.token)
    }

    fn member_extras() -> SessionExtras {
        SessionExtras {
            member: true,
            ..SessionExtras::default()
        }
    }

    fn show(ctx: &Ctx, caller: &Caller, query: MemberQuery) -> Result<Member> {
        match (ShowMember { query }).apply(ctx, caller)? {
            Outcome::Member(m) => Ok(m),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_account_from_another_dialect_logs_in_with_the_default_profile() {
        let (ctx, _, _d) = testing::ctx();
        let uid = register(&ctx, "18511521901");
        let (caller, _) = login(&ctx, "18511521901");
        let me = show(&ctx, &caller, MemberQuery::Own).unwrap();
        assert_eq!(me.account.uid, uid);
        assert_eq!(me.profile, crate::domain::MemberProfile::default());
        assert_eq!(me.profile.gender, 2);
    }

    #[test]
    fn another_members_detail_is_refused_before_lookup_unless_admin() {
        let (ctx, _, _d) = testing::ctx();
        let (other, caller) = other_and_me(&ctx, "18511521902");
        for uid in [Some(other), Some(Uuid::from_u128(99)), None] {
            let r = show(&ctx, &caller, MemberQuery::Detail(uid));
            assert!(matches!(r, Err(Error::Forbidden)), "{uid:?}");
        }
        assert!(show(&ctx, &caller, MemberQuery::Detail(Some(caller.account_uid))).is_ok());
        ctx.store
            .write(|tx| accounts::set_level(tx, "18511521901", 9))
            .unwrap();
        assert!(show(&ctx, &caller, MemberQuery::Detail(Some(other))).is_ok());
        let unknown = show(
            &ctx,
            &caller,
            MemberQuery::Detail(Some(Uuid::from_u128(99))),
        );
        assert!(matches!(unknown, Err(Error::NotFound(_))));
    }

    #[test]
    fn a_public_page_masks_another_members_phone_for_everyone_but_the_member() {
        let (ctx, _, _d) = testing::ctx();
        let (other, caller) = other_and_me(&ctx, "13412342644");
        let page = show(&ctx, &caller, MemberQuery::Public(Some(other))).unwrap();
        assert_eq!(page.account.phone.as_deref(), Some("134****2644"));
        let own = show(&ctx, &caller, MemberQuery::Public(Some(caller.account_uid))).unwrap();
        assert_eq!(own.account.phone.as_deref(), Some("18511521901"));
        let mine = show(&ctx, &caller, MemberQuery::Own).unwrap();
        assert_eq!(mine.account.phone.as_deref(), Some("18511521901"));
        let none = show(&ctx, &caller, MemberQuery::Public(None));
        assert!(matches!(none, Err(Error::NotFound(_))));
        // An administrator too sees the public page masked, and the detail whole.
        ctx.store
            .write(|tx| accounts::set_level(tx, "18511521901", 9))
            .unwrap();
        let page = show(&ctx, &caller, MemberQuery::Public(Some(other))).unwrap();
        assert_eq!(page.account.phone.as_deref(), Some("134****2644"));
        let detail = show(&ctx, &caller, MemberQuery::Detail(Some(other))).unwrap();
        assert_eq!(detail.account.phone.as_deref(), Some("13412342644"));
    }

    #[test]
    fn only_the_member_updates_their_profile() {
        let (ctx, _, _d) = testing::ctx();
        let (other, caller) = other_and_me(&ctx, "18511521902");
        let update = |uid| UpdateMember {
            uid: Some(uid),
            name: Some("小王子".into()),
            changes: MemberChanges {
                gender: Some(1),
                ..Default::default()
            },
        };
        let r = update(other).apply(&ctx, &caller);
        assert!(matches!(r, Err(Error::Forbidden)));
        update(caller.account_uid).apply(&ctx, &caller).unwrap();
        let me = show(&ctx, &caller, MemberQuery::Own).unwrap();
        assert_eq!(me.account.name.as_deref(), Some("小王子"));
        assert_eq!(me.profile.gender, 1);
    }

    #[test]
    fn sign_up_checks_the_code_before_the_duplicate_phone() {
        let (ctx, _, _d) = testing::ctx();
        register(&ctx, "18511521901");
        let phone = Phone::parse("18511521901", "phone").unwrap();
        codes::issue(&ctx, &phone, "ineww", 4, str::to_string).unwrap();
        let sign_up = |code: &str| SignUp {
            account: Register {
                phone: phone.clone(),
                password: Password::parse("123456", "pwd").unwrap(),
                email: None,
                name: Some("x".into()),
                proof: Some(code.into()),
            },
            purpose: CodePurpose::Ineww,
            policy: testing::PAIR,
            extras: member_extras(),
        };
        assert!(matches!(sign_up("0000").apply(&ctx), Err(Error::BadCode)));
        assert!(matches!(
            sign_up("1234").apply(&ctx),
            Err(Error::PhoneTaken)
        ));
    }

    #[test]
    fn a_phone_change_checks_the_duplicate_before_the_code() {
        let (ctx, _, _d) = testing::ctx();
        let (_, caller) = other_and_me(&ctx, "18511521902");
        let change = |phone: &str, code: &str| ChangePhone {
            phone: Phone::parse(phone, "phone").unwrap(),
            code: code.into(),
            purpose: CodePurpose::Ineww,
        };
        let r = change("18511521902", "0000").apply(&ctx, &caller);
        assert!(matches!(r, Err(Error::PhoneTaken)));
        let r = change("18511521903", "1234").apply(&ctx, &caller);
        assert!(matches!(r, Err(Error::BadCode)));
        let phone = Phone::parse("18511521903", "phone").unwrap();
        codes::issue(&ctx, &phone, "ineww", 4, str::to_string).unwrap();
        change("18511521903", "1234").apply(&ctx, &caller).unwrap();
        let me = show(&ctx, &caller, MemberQuery::Own).unwrap();
        assert_eq!(me.account.phone.as_deref(), Some("18511521903"));
    }

    #[test]
    fn a_password_change_revokes_every_token_of_the_account() {
        let (ctx, _, _d) = testing::ctx();
        register(&ctx, "18511521901");
        let (caller, token) = login(&ctx, "18511521901");
        let change = |old: &str| ChangeOwnPassword {
            old: old.into(),
            new: Password::parse("654321", "pwd").unwrap(),
        };
        assert!(matches!(
            change("wrong!").apply(&ctx, &caller, None),
            Err(Error::WrongPassword)
        ));
        change("123456").apply(&ctx, &caller, None).unwrap();
        let cred = Credential::token(testing::PAIR, token);
        let r = crate::handlers::shared::session::authenticate(&ctx, Some(&cred));
        assert!(matches!(r, Err(Error::BadToken(_))));
    }

    #[test]
    fn an_account_keeps_ten_pairs_and_logout_drops_one_whole() {
        let (ctx, _, _d) = testing::ctx();
        register(&ctx, "18511521901");
        let mut last = None;
        for _ in 0..11 {
            last = Some(login(&ctx, "18511521901").0);
        }
        let count = |kind: &str| {
            ctx.store
                .read(|c| crate::store::tokens::count_of_kind(c, kind))
                .unwrap()
        };
        assert_eq!(count(testing::PAIR.kind), 10);
        assert_eq!(count("ineww_refresh"), 10);
        crate::command::sessions::Logout
            .apply(&ctx, &last.unwrap())
            .unwrap();
        assert_eq!(count(testing::PAIR.kind), 9);
        assert_eq!(count("ineww_refresh"), 9);
    }

    #[test]
    fn an_access_token_expires_after_thirty_days_and_a_user_id_must_own_it() {
        let (ctx, clock, _d) = testing::ctx();
        let uid = register(&ctx, "18511521901");
        let (_, token) = login(&ctx, "18511521901");
        let cred = |user_id: Option<String>| Credential::Token {
            policy: testing::PAIR,
            user_id,
            token: token.clone(),
        };
        let mine = Some(uid.simple().to_string());
        assert!(
            crate::handlers::shared::session::authenticate(&ctx, Some(&cred(mine.clone()))).is_ok()
        );
        let theirs = Some(Uuid::from_u128(5).simple().to_string());
        let r = crate::handlers::shared::session::authenticate(&ctx, Some(&cred(theirs)));
        assert!(matches!(r, Err(Error::BadToken(_))));
        clock.advance(chrono::Duration::seconds(
            testing::PAIR.lifetime_secs.unwrap(),
        ));
        let r = crate::handlers::shared::session::authenticate(&ctx, Some(&cred(mine)));
        assert!(matches!(r, Err(Error::TokenExpired)));
    }

    #[test]
    fn a_masked_phone_keeps_its_length_head_and_tail() {
        assert_eq!(mask_phone("18511521921"), "185****1921");
        assert_eq!(mask_phone("13412342644"), "134****2644");
        assert_eq!(mask_phone("123"), "***");
    }
}
