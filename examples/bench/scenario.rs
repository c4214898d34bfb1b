//! The request bodies and what a correct Switchboard answer to each looks like.

use crate::Res;
use serde_json::{json, Value};

/// One load scenario: the same request is sent to both servers.
pub struct Scenario {
    /// Label in the table.
    pub label: &'static str,
    /// HTTP method.
    pub method: hyper::Method,
    /// Path and query.
    pub path: String,
    /// Extra headers (credentials).
    pub headers: Vec<(&'static str, String)>,
    /// `Authorization` values, one picked at random for each request (none when empty): the
    /// load spreads over that many accounts.
    pub auths: Vec<String>,
    /// The JSON body, if any (the baseline echoes it, or `{}` for none).
    pub body: Option<Value>,
    /// Checks one Switchboard answer before the load.
    pub check: fn(&Value) -> Res<()>,
    /// During the load only answers containing this count (all 200s when `None`).
    pub success: Option<&'static [u8]>,
    /// Required Switchboard/baseline ratio, if any.
    pub target: Option<f64>,
}

/// Credentials the preparation obtained.
pub struct Prepared {
    /// PhoneBooks JWT of the account whose book scenario c grows.
    pub jwt: String,
    /// PhoneBooks JWTs of the `SPREAD` accounts scenario a spreads over (10 contacts each).
    pub jwts: Vec<String>,
    /// PhoneBooks JWTs of the answer-size accounts, with the size of their books.
    pub books: Vec<(usize, String)>,
    /// PhoneBooks JWT of the login probe's account, whose book keeps its 10 contacts.
    pub probe_jwt: String,
    /// HelpAged token.
    pub typed: String,
    /// INEWW uid (32 hex) and access token.
    pub ineww: (String, String),
}

/// Accounts scenario a spreads over.
pub const SPREAD: usize = 100;

/// Contacts in each book the answer-size table lists.
pub const BOOK_SIZES: [usize; 3] = [10, 100, 1000];

/// Rooms created for the rooms listing scenario.
pub const ROOMS: usize = 100;

const RET_OK: &[u8] = b"\"ret\":0";

fn post(label: &'static str, body: Value, p: &Prepared) -> Scenario {
    Scenario {
        label,
        method: hyper::Method::POST,
        path: "/".into(),
        headers: vec![("authorization", format!("JWT {}", p.jwt))],
        auths: vec![],
        body: Some(body),
        check: succeeded,
        success: Some(RET_OK),
        target: None,
    }
}

/// Every load scenario, with the issues' targets.
pub fn all(p: &Prepared) -> Vec<Scenario> {
    vec![
        Scenario {
            target: Some(0.50),
            ..list(
                "a. op 1009, list 10 contacts, a random one of 100 accounts",
                &p.jwts,
            )
        },
        Scenario {
            check: no_method,
            success: None,
            target: Some(0.95),
            ..post("b. unknown op 9999", json!({"op": 9999}), p)
        },
        Scenario {
            target: Some(0.15),
            ..post(
                "c. op 1005, add 1 contact",
                json!({"op": 1005, "users": [contact("bench", 1)]}),
                p,
            )
        },
        Scenario {
            label: "d. HelpAged GET /api/user/info?token=",
            ..info(&p.typed)
        },
        Scenario {
            label: "e. INEWW GET /ineww/session (USER-ID + ACCESS-TOKEN)",
            method: hyper::Method::GET,
            path: "/ineww/session".into(),
            headers: vec![
                ("user-id", p.ineww.0.clone()),
                ("access-token", p.ineww.1.clone()),
            ],
            body: None,
            auths: vec![],
            check: ineww_session,
            success: Some(b"\"200001\""),
            target: Some(0.50),
        },
        Scenario {
            label: "f. rooms GET /rooms/?page=1 (100 active rooms)",
            method: hyper::Method::GET,
            path: "/rooms/?page=1".into(),
            headers: vec![],
            body: None,
            auths: vec![],
            check: rooms_page,
            success: Some(b"\"status\":\"SUCCESS\""),
            target: Some(0.50),
        },
    ]
}

/// Op 1009 for a random one of the accounts `jwts` name, each with 10 contacts.
pub fn list(label: &'static str, jwts: &[String]) -> Scenario {
    Scenario {
        label,
        method: hyper::Method::POST,
        path: "/".into(),
        headers: vec![],
        auths: jwts.iter().map(|t| format!("JWT {t}")).collect(),
        body: Some(json!({"op": 1009})),
        check: ten_contacts,
        success: Some(RET_OK),
        target: None,
    }
}

/// HelpAged `GET /api/user/info` with this token.
pub fn info(token: &str) -> Scenario {
    Scenario {
        label: "HelpAged GET /api/user/info?token=",
        method: hyper::Method::GET,
        path: format!("/api/user/info?token={token}"),
        headers: vec![],
        auths: vec![],
        body: None,
        check: typed_profile,
        success: Some(b"\"status\":0"),
        target: Some(0.50),
    }
}

/// Op 1009 for the one account `jwt` names, whose book has any size.
pub fn book(jwt: &str) -> Scenario {
    Scenario {
        label: "op 1009",
        auths: vec![format!("JWT {jwt}")],
        check: succeeded,
        ..list("op 1009", &[])
    }
}

fn rooms_page(v: &Value) -> Res<()> {
    let listed = v["results"].as_array().map_or(0, Vec::len);
    let total = v["total"].as_str().and_then(|t| t.parse::<usize>().ok());
    if v["status"] == "SUCCESS" && total == Some(ROOMS) && listed == 30 {
        Ok(())
    } else {
        Err(format!("GET /rooms/?page=1 answered {v}").into())
    }
}

fn typed_profile(v: &Value) -> Res<()> {
    if v["status"] == 0 && v["data"]["phone"].is_string() {
        Ok(())
    } else {
        Err(format!("GET /api/user/info answered {v}").into())
    }
}

fn ineww_session(v: &Value) -> Res<()> {
    if v["code"] == "200001" && v["data"]["uid"].is_string() {
        Ok(())
    } else {
        Err(format!("GET /ineww/session answered {v}").into())
    }
}

/// A contact with `n` phones and `n` mails.
pub fn contact(name: &str, n: usize) -> Value {
    let phones: Vec<Value> = (0..n)
        .map(|i| json!({"phone": format!("1350376880{i}")}))
        .collect();
    let mails: Vec<Value> = (0..n)
        .map(|i| json!({"mail": format!("{name}.{i}@example.com")}))
        .collect();
    json!({"name": name, "phones": phones, "mails": mails})
}

/// `ret` 0, else an error quoting the answer.
pub fn succeeded(v: &Value) -> Res<()> {
    if v["ret"] == 0 {
        Ok(())
    } else {
        Err(format!("unexpected answer {v}").into())
    }
}

fn ten_contacts(v: &Value) -> Res<()> {
    succeeded(v)?;
    let users = v["users"].as_array().map(Vec::as_slice).unwrap_or_default();
    let full = |u: &Value| {
        u["phones"].as_array().map(Vec::len) == Some(2)
            && u["mails"].as_array().map(Vec::len) == Some(2)
    };
    if users.len() == 10 && users.iter().all(full) {
        Ok(())
    } else {
        Err(format!("op 1009 did not list 10 contacts with 2 phones and 2 mails: {v}").into())
    }
}

fn no_method(v: &Value) -> Res<()> {
    if *v == json!({"ret": -1, "msg": "no method"}) {
        Ok(())
    } else {
        Err(format!("unknown op answered {v}").into())
    }
}
