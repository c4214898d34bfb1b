//! A client session of each dialect, as its app would send it (register with a code where the
//! dialect asks one, log in, a few reads and writes), through whatever the [`Server`]'s
//! helpers are aimed at ([`super::front::aim`]); codes are read from the server's own outbox,
//! as a phone reads its SMS. Each asserts the answers its app relies on.

use super::typed::{ok, PASS};
use super::{pb, Server};
use serde_json::{json, Value};

/// PhoneBooks: register, log in, add and read contacts, reset the password with a code, log
/// in with the new one.
pub async fn phonebooks(s: &Server, phone: &str) {
    let p = s.pb();
    p.register(phone).await;
    let (_, token) = p.login(phone, pb::PASSWORD).await;
    let uid = p.add_contact(&token, "li").await;
    assert_eq!(
        p.list(&token).await["users"].as_array().map(Vec::len),
        Some(1)
    );
    let r = p.get_contacts(&token, &[&uid]).await;
    assert_eq!(r.json()["ret"], 0, "{r:?}");
    let code = p.reset_code(phone).await;
    let r = p.reset(phone, &code, "654321").await;
    assert_eq!(r.json()["ret"], 0, "{r:?}");
    p.login(phone, "654321").await;
}

/// HelpAged: an SMS code proven as MD5(code + rand), register, log in, read and update the
/// profile, add and list a device.
pub async fn helpaged(s: &Server, phone: &str) {
    let t = s.typed();
    t.register(phone).await;
    let token = t.login(phone, PASS).await;
    ok(t.info(&token).await);
    ok(t.doki(&token).await);
    ok(
        t.update_info(&token, json!({"phone": phone, "nickname": "gran"}))
            .await,
    );
    let added = ok(t
        .at("/api/device", &token)
        .send("device", "add", json!({"device": "cam"}))
        .await);
    let device = added["data"]["device_id"]
        .as_str()
        .expect("device_id")
        .to_string();
    ok(t.at("/api/device", &token)
        .send("device", "bind", json!({"device_id": device}))
        .await);
    let list = ok(t
        .at("/api/device", &token)
        .send("device", "list", json!({}))
        .await);
    assert_eq!(list["data"]["num"], 1, "{list}");
}

/// INEWW: a code, register, read the session, update the profile, log in again, log out.
pub async fn ineww(s: &Server, phone: &str) {
    let i = s.ineww();
    let user = i.register(phone).await;
    let r = i.by(&user, "GET", "/ineww/session").await;
    assert_eq!(r.status, 200, "{r:?}");
    let path = format!("/ineww/user/{}", user.uid);
    let r = s
        .json("PUT", &path, &user.headers(), json!({"signature": "hello"}))
        .await;
    assert_eq!(r.status, 204, "{r:?}");
    let r = i.by(&user, "GET", &format!("{path}/index")).await;
    assert_eq!(r.status, 200, "{r:?}");
    let token = i.access_token(phone, super::ineww::PASSWORD).await;
    let bearer = format!("Bearer {token}");
    let r = s
        .send(
            "DELETE",
            "/ineww/session",
            &[("Authorization", bearer.as_str())],
            b"",
        )
        .await;
    assert_eq!(r.status, 204, "{r:?}");
}

/// rooms: register, log in, open a room, list and read it, close it, log in by a code.
pub async fn rooms(s: &Server, username: &str, phone: &str) {
    let r = s.rooms();
    r.register(username, Some(phone)).await;
    let login = r.login(username, super::rooms::PASSWORD).await;
    assert_eq!(login.status, 200, "{login:?}");
    let token = super::rooms::user(&login).token;
    let pk = r.room(&token, &format!("{username}-room"), true).await;
    let list = s.get("/rooms/?page=1").await;
    assert_eq!(list.status, 200, "{list:?}");
    let one = s.get(&format!("/rooms/{pk}/")).await;
    assert_eq!(one.status, 200, "{one:?}");
    let closed = r
        .with_token(
            "PUT",
            &format!("/rooms/{pk}/"),
            &token,
            json!({"active": false}),
        )
        .await;
    assert_eq!(closed.status, 200, "{closed:?}");
    let sent = r
        .json("POST", "/phonelogin/", json!({"phone": phone}))
        .await;
    assert_eq!(sent.status, 200, "{sent:?}");
    let code = s.code_for(phone);
    let by_code = s
        .get(&format!("/phonelogin/?phone={phone}&captcha={code}"))
        .await;
    assert_eq!(by_code.status, 200, "{by_code:?}");
}

/// v4.0: a register code, register (form), log in (GET query), check the phone.
pub async fn v4(s: &Server, phone: &str) {
    let v = s.v4();
    let code = v.sendsms(phone, 0).await;
    let form = format!("phone={phone}&name=yu&password=123456&device_identifier=d1&code={code}");
    let r = v.form("/api/v4.0/register", &form).await;
    assert_eq!(r.code(), json!(200), "{r:?}");
    let r = s
        .get(&format!(
            "/api/v4.0/login?phone={phone}&password=123456&device_identifier=d2"
        ))
        .await;
    assert_eq!(r.code(), json!(200), "{r:?}");
    assert_eq!(
        r.json()["data"]["change_device"],
        Value::Bool(true),
        "{r:?}"
    );
    let r = s
        .get(&format!("/api/v4.0/isregister/{phone}?expect=1"))
        .await;
    assert_eq!(r.code(), json!(200), "{r:?}");
}

/// One session of every dialect, each on its own phones (`n` tells runs apart).
pub async fn every_dialect(s: &Server, n: u32) {
    let phone = |d: u32| format!("13{n:02}{d:07}");
    phonebooks(s, &phone(1)).await;
    helpaged(s, &phone(2)).await;
    ineww(s, &phone(3)).await;
    rooms(s, &format!("user{n}"), &phone(4)).await;
    v4(s, &phone(5)).await;
}

/// A session of every dialect that needs no verification code (two servers each send their
/// own, so a mirrored code-proving request cannot agree): accounts are made through
/// PhoneBooks and rooms, and log in everywhere (accounts are shared).
pub async fn every_dialect_without_codes(s: &Server, n: u32) {
    let phone = |d: u32| format!("13{n:02}{d:07}");
    let p = s.pb();
    p.register(&phone(1)).await;
    let (_, jwt) = p.login(&phone(1), pb::PASSWORD).await;
    let uid = p.add_contact(&jwt, "li").await;
    p.list(&jwt).await;
    assert_eq!(p.get_contacts(&jwt, &[&uid]).await.json()["ret"], 0);
    let t = s.typed();
    let token = t.account(&phone(2)).await;
    ok(t.info(&token).await);
    ok(
        t.update_info(&token, json!({"phone": phone(2), "nickname": "gran"}))
            .await,
    );
    ok(t.at("/api/device", &token)
        .send("device", "add", json!({"device": "cam"}))
        .await);
    let i = s.ineww();
    let r = i.login(&phone(1), pb::PASSWORD).await;
    let user = super::ineww::user(&r);
    assert_eq!(i.by(&user, "GET", "/ineww/session").await.status, 200);
    let r = s
        .get(&format!(
            "/api/v4.0/login?phone={}&password=123456&device_identifier=d",
            phone(1)
        ))
        .await;
    assert_eq!(r.code(), json!(200), "{r:?}");
    assert_eq!(
        s.get(&format!("/api/v4.0/isregister/{}?expect=1", phone(1)))
            .await
            .code(),
        json!(200)
    );
    let rooms = s.rooms();
    rooms.register(&format!("user{n}"), None).await;
    let login = rooms
        .login(&format!("user{n}"), super::rooms::PASSWORD)
        .await;
    let token = super::rooms::user(&login).token;
    let pk = rooms.room(&token, &format!("room{n}"), true).await;
    assert_eq!(s.get("/rooms/?page=1").await.status, 200);
    assert_eq!(s.get(&format!("/rooms/{pk}/")).await.status, 200);
}
