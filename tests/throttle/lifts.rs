//! What lifts a lock before its cooldown ends: a password reset by code (how a locked-out
//! owner gets back in) and the operator's `switchboard user unlock`. Each test acts at the
//! instant the account was locked, so only the lift can let the login through.

use super::*;
use crate::support::pb::PbResp;
use std::process::{Command, Output};

/// The password a reset sets.
const NEW: &str = "112233";

#[tokio::test]
async fn a_password_reset_by_code_lifts_the_lock() {
    // Arrange: locked now; a reset code queued to the phone
    let s = locked_account().await;
    let code = s.pb().reset_code(PHONE).await;

    // Act: PhoneBooks 1002 with the code
    s.pb().reset(PHONE, &code, NEW).await.ok_json();

    // Assert: the new password logs in at once, in every dialect
    for d in DIALECTS {
        let r = d.login(&s, PHONE, NEW, None).await;
        assert_accepted(d, &r);
    }
}

/// Runs the real `switchboard` binary with `args`, off the test's thread.
async fn switchboard(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(&args)
            .env_remove("RUST_LOG")
            .output()
            .expect("run switchboard")
    })
    .await
    .expect("the command's thread")
}

/// `switchboard user unlock --db <the server's database> --phone PHONE`.
async fn unlock(s: &Server) -> Output {
    unlock_phone(s, PHONE).await
}

/// `switchboard user unlock --db <the server's database> --phone <phone>`.
async fn unlock_phone(s: &Server, phone: &str) -> Output {
    let [flag, db] = s.database_args();
    let args = ["user", "unlock", &flag, &db, "--phone", phone];
    switchboard(args.map(str::to_string).to_vec()).await
}

#[tokio::test]
async fn switchboard_user_unlock_lifts_the_lock_while_the_server_runs() {
    // Arrange: locked now
    let s = locked_account().await;

    // Act: the operator's command on the running server's database (SQLite WAL)
    let out = unlock(&s).await;

    // Assert: it says so, and the right password logs in at once
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{:?}: {said} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        said,
        format!("{PHONE} is unlocked; its failed password checks are forgotten\n")
    );
    let r = Dialect::Ineww.login(&s, PHONE, RIGHT, None).await;
    assert_accepted(Dialect::Ineww, &r);
}

#[tokio::test]
async fn switchboard_user_unlock_of_an_account_without_failures_or_of_no_account_says_so() {
    // Arrange
    let s = with_account().await;

    // Act
    let nothing = unlock(&s).await;
    let nobody = unlock_phone(&s, "13999999999").await;

    // Assert
    assert!(nothing.status.success(), "{nothing:?}");
    assert_eq!(
        String::from_utf8_lossy(&nothing.stdout),
        format!("{PHONE} had no failed password checks to forget\n")
    );
    assert!(!nobody.status.success(), "{nobody:?}");
    assert!(
        String::from_utf8_lossy(&nobody.stderr).contains("no account with phone 13999999999"),
        "{nobody:?}"
    );
}
