//! Data preparation through the server's own API: the accounts the scenarios read (registered
//! with op 1001, logged in with op 1003, filled with op 1005), the HelpAged and INEWW logins,
//! and the rooms. Logins hash argon2id, so accounts are prepared `AT_ONCE` at a time (the
//! server's bounded hash queue would refuse a larger burst).

use crate::client::{call, connect, opcode, send, text, typed_login, Shape};
use crate::scenario::{self, Prepared, BOOK_SIZES, SPREAD};
use crate::{Res, PASSWORD, PHONE};
use hyper::StatusCode;
use serde_json::{json, Value};
use std::net::SocketAddr;

/// The phone of the account whose logins the login probe measures.
pub const LOGIN_PHONE: &str = "13000000002";

/// Accounts prepared concurrently.
const AT_ONCE: usize = 4;

/// Contacts per op 1005 request when a book is filled.
const CHUNK: usize = 100;

/// The phone of spread account `i` (`1300000xxxx`).
fn spread_phone(i: usize) -> String {
    format!("1300000{:04}", 1000 + i)
}

/// Registers `phone`, logs it in, gives it `contacts` contacts with 2 phones and 2 mails each;
/// answers its JWT.
pub async fn account(addr: SocketAddr, phone: &str, contacts: usize) -> Res<String> {
    let register = json!({"op": 1001, "phone": phone, "password": PASSWORD, "name": "bench"});
    scenario::succeeded(&opcode(addr, None, register).await?)?;
    let login = json!({"op": 1003, "phone": phone, "password": PASSWORD});
    let answer = opcode(addr, None, login).await?;
    scenario::succeeded(&answer)?;
    let jwt = text(&answer["token"]["access_token"], &answer)?;
    let names: Vec<usize> = (0..contacts).collect();
    for chunk in names.chunks(CHUNK) {
        let users: Vec<Value> = chunk
            .iter()
            .map(|i| scenario::contact(&format!("contact{i}"), 2))
            .collect();
        let add = json!({"op": 1005, "users": users});
        scenario::succeeded(&opcode(addr, Some(&jwt), add).await?)?;
    }
    Ok(jwt)
}

/// Prepares the `SPREAD` accounts scenario a spreads over (10 contacts each), `AT_ONCE` at a
/// time; answers their JWTs in order.
pub async fn spread(addr: SocketAddr) -> Res<Vec<String>> {
    let tasks: Vec<_> = (0..AT_ONCE)
        .map(|lane| {
            tokio::spawn(async move {
                let mut jwts = Vec::new();
                for i in (lane..SPREAD).step_by(AT_ONCE) {
                    jwts.push((i, account(addr, &spread_phone(i), 10).await?));
                }
                Res::Ok(jwts)
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    all.sort_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, jwt)| jwt).collect())
}

/// A HelpAged token for `phone`.
pub async fn typed_token(addr: SocketAddr, phone: &str) -> Res<String> {
    let typed = call(
        addr,
        &Shape::post("/api/user/login", vec![], &typed_login(phone))?,
    )
    .await?;
    text(&typed["data"]["token"], &typed)
}

/// What the database-size phase reads: the spread accounts and a HelpAged token of the first.
pub async fn for_size(addr: SocketAddr) -> Res<(Vec<String>, String)> {
    let jwts = spread(addr).await?;
    Ok((jwts, typed_token(addr, &spread_phone(0)).await?))
}

/// Everything the scenarios and the scaling phases on the main database read.
pub async fn everything(addr: SocketAddr) -> Res<Prepared> {
    let jwts = spread(addr).await?;
    let jwt = account(addr, PHONE, 10).await?;
    // The login probe reads a book of its own, which scenario c does not grow.
    let probe_jwt = account(addr, LOGIN_PHONE, 10).await?;
    let mut books = vec![(BOOK_SIZES[0], jwts[0].clone())];
    for (i, &size) in BOOK_SIZES.iter().enumerate().skip(1) {
        let phone = format!("130000000{:02}", 10 + i);
        books.push((size, account(addr, &phone, size).await?));
    }
    let ineww_login = json!({"account": PHONE, "password": PASSWORD});
    let ineww = call(addr, &Shape::post("/ineww/session", vec![], &ineww_login)?).await?;
    prepare_rooms(addr).await?;
    Ok(Prepared {
        jwt,
        jwts,
        books,
        probe_jwt,
        typed: typed_token(addr, PHONE).await?,
        ineww: (
            text(&ineww["data"]["user"]["uid"], &ineww)?,
            text(&ineww["data"]["token"]["access_token"], &ineww)?,
        ),
    })
}

/// A rooms user who opens `scenario::ROOMS` active rooms.
async fn prepare_rooms(addr: SocketAddr) -> Res<()> {
    let user = json!({"username": "benchroom", "password": PASSWORD, "nickname": "bench"});
    let answer = call(addr, &Shape::post("/users/", vec![], &user)?).await?;
    let token = text(&answer["token"], &answer)?;
    for i in 0..scenario::ROOMS {
        let room = json!({"room_alias": format!("bench{i}"), "active": true, "token": token});
        let shape = Shape::post("/rooms/", vec![], &room)?;
        let mut sender = connect(addr).await?;
        let (status, bytes) = send(&mut sender, shape.request()?).await?;
        if status != StatusCode::CREATED {
            let text = String::from_utf8_lossy(&bytes);
            return Err(format!("creating room {i} answered HTTP {status}: {text}").into());
        }
    }
    Ok(())
}
