//! INEWW wire conformance over a real in-process server: paths exactly as documented (no
//! trailing slash), failure bodies as the original sent them (`data` `{}`, no `message`),
//! field rules, credentials, bad bodies and the masked phone of another user's index page.

mod support;

use support::ineww::{Ineww, InewwResp, User};
use support::Server;
use switchboard::registry::{Dialect, Methods, Registry, WireKey};

/// Every INEWW row of the registry: method and path pattern.
fn rows() -> Vec<(String, String)> {
    Registry::builtin()
        .unwrap()
        .routes()
        .iter()
        .filter(|r| r.dialect == Dialect::Ineww)
        .map(|r| match &r.key {
            WireKey::Rest(Methods::One(m), p) => (m.clone(), p.clone()),
            other => panic!("an INEWW row keyed {other}"),
        })
        .collect()
}

/// The pattern with `<uid>` filled with `me`'s uid.
fn concrete(pattern: &str, me: &User) -> String {
    pattern.replace("<uid>", &me.uid)
}

#[tokio::test]
async fn a_trailing_slash_added_to_any_ineww_path_is_an_unknown_path() {
    let s = Server::start().await;
    let me = s.register("18511522001").await;
    let rows = rows();
    assert_eq!(rows.len(), 11);
    for (method, pattern) in rows {
        let path = concrete(&pattern, &me);
        let r = s
            .send(&method, &format!("{path}/"), &me.headers(), b"")
            .await;
        assert_eq!(
            (r.status, r.code()),
            (404, "404000".into()),
            "{method} {path}/"
        );
        let r = s
            .send(&method, &format!("{path}//"), &me.headers(), b"")
            .await;
        assert_eq!(
            (r.status, r.code()),
            (404, "404000".into()),
            "{method} {path}//"
        );
        // Without it, the path is served (whatever the answer to an empty request is).
        let r = s.send(&method, &path, &me.headers(), b"").await;
        assert!(
            r.status != 404 || r.code() == "404001",
            "{method} {path}: {r:?}"
        );
    }
    // The other REST dialects still tolerate one added or left off.
    let r = s
        .send("GET", "/api/v4.0/isregister/18511522001/", &[], b"")
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = s.send("GET", "/rooms", &[], b"").await;
    assert_eq!(r.status, 200, "{r:?}");
    s.healthy().await;
}
