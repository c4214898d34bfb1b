//! HelpAged devices and fall notices: binding, device tokens, who is alerted and who may read.

use crate::support::checks::*;
use crate::support::typed::*;
use crate::support::Server;
use serde_json::{json, Value};

/// Adds a device as `token`'s account; returns its device_id.
async fn add_device(s: &Server, token: &str, name: &str) -> String {
    let v = ok(s
        .typed()
        .at("/api/device", token)
        .send("device", "add", json!({"device": name}))
        .await);
    let id = v["data"]["device_id"]
        .as_str()
        .expect("device_id")
        .to_string();
    assert!(
        id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );
    id
}

/// Adds a device as `token`'s account and binds it to that account; returns its device_id.
async fn bound_device(s: &Server, token: &str, name: &str) -> String {
    let id = add_device(s, token, name).await;
    bind(s, token, &id).await;
    id
}

async fn bind(s: &Server, token: &str, device_id: &str) {
    ok(s.typed()
        .at("/api/device", token)
        .send("device", "bind", json!({"device_id": device_id}))
        .await);
}

async fn upload(s: &Server, device_token: &str) -> Value {
    s.typed()
        .at("/api/notice", device_token)
        .send(
            "notice",
            "upload",
            json!({"base64": PNG_1X1, "content": "fell in the kitchen"}),
        )
        .await
}

async fn notices(s: &Server, token: &str, mode: i64) -> Value {
    ok(s.typed()
        .at("/api/get/notice", token)
        .send("notice", "get", json!({"mode": mode}))
        .await)
}

#[tokio::test]
async fn a_notice_upload_with_a_user_token_is_refused_with_minus_104() {
    let s = Server::start().await;
    let token = s.typed().account("13750687050").await;
    let device = bound_device(&s, &token, "camera1").await;
    let v = upload(&s, &token).await;
    assert_status(&v, -104);
    assert_eq!(v["message"], "Error device_id token");
    assert_eq!(v["id"], -1);
    assert_eq!(notices(&s, &token, 2).await["data"]["num"], 0);
    assert!(s.outbox("13750687050").is_empty());
    // Nor is a device token a user token.
    assert_status(&s.typed().info(&device).await, 1);
    let v = s
        .typed()
        .at("/api/get/notice", &device)
        .send("notice", "get", json!({"mode": 2}))
        .await;
    assert_status(&v, -101);
}

#[tokio::test]
async fn a_notice_upload_alerts_every_bound_account_through_the_code_sender() {
    let s = Server::start().await;
    let owner = s.typed().account("13750687051").await;
    let first = s.typed().account("13750687052").await;
    let second = s.typed().account("13750687053").await;
    let _bystander = s.typed().account("13750687054").await;
    let device = add_device(&s, &owner, "camera1").await;
    bind(&s, &first, &device).await;
    bind(&s, &second, &device).await;

    let v = ok(upload(&s, &device).await);
    assert_eq!(v["message"], "Successful");
    let list = notices(&s, &first, 0).await;
    assert_eq!(list["data"]["num"], 1, "{list}");
    let event_id = list["data"]["list"][0]["event_id"].as_str().unwrap();
    assert_eq!(list["data"]["list"][0]["pic_name"], v["data"]["pic_name"]);
    for phone in ["13750687052", "13750687053"] {
        let out = s.outbox(phone);
        assert_eq!(out.len(), 1, "{phone}: {out:?}");
        assert_eq!(out[0].purpose, "fall_alert");
        assert_eq!(out[0].code, event_id);
    }
    // Adding a device does not bind it: its unbound owner and a bystander get nothing.
    assert!(s.outbox("13750687051").is_empty());
    assert!(s.outbox("13750687054").is_empty());
}

#[tokio::test]
async fn notice_info_and_sign_refuse_a_notice_of_a_device_the_caller_has_not_bound() {
    let s = Server::start().await;
    let owner = s.typed().account("13750687055").await;
    let stranger = s.typed().account("13750687056").await;
    let device = bound_device(&s, &owner, "camera1").await;
    // The stranger has a device of its own, so "not bound" is about this notice only.
    bound_device(&s, &stranger, "camera2").await;
    ok(upload(&s, &device).await);
    let event_id = notices(&s, &owner, 0).await["data"]["list"][0]["event_id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = s.typed().at("/api/get/notice", &stranger);

    let info = body("notice", "info", json!({"event_id": event_id}));
    let v = path.post(&info).await;
    assert_status(&v, 200);
    assert_eq!(v["message"], "GetNotice error");
    let sign = body("notice", "sign", json!({"event_id": event_id}));
    let v = path.post(&sign).await;
    assert_status(&v, 100);
    assert_eq!(v["message"], "Error event_id");
    assert_eq!(notices(&s, &stranger, 2).await["data"]["num"], 0);
    // The owner's notice is untouched by the stranger's attempts.
    assert_eq!(notices(&s, &owner, 0).await["data"]["num"], 1);
}

#[tokio::test]
async fn device_info_answers_only_a_device_the_caller_has_bound() {
    let s = Server::start().await;
    let me = s.typed().account("13750687045").await;
    let other = s.typed().account("13750687046").await;
    let mine = bound_device(&s, &me, "camera1").await;
    let theirs = bound_device(&s, &other, "camera9").await;
    let unbound = add_device(&s, &me, "camera2").await;
    let path = s.typed().at("/api/device", &me);
    let info = |data: Value| body("device", "info", data);

    let found = json!({"id": 1, "status": 0, "message": "Successful",
                       "data": {"device_id": mine, "device_name": "camera1"}});
    for data in [
        json!({"device_id": mine}),
        json!({"device_id": mine.to_uppercase()}),
        json!({"device_name": "camera1"}),
        json!({"device_id": mine, "device_name": "camera1"}),
    ] {
        assert_eq!(path.post(&info(data.clone())).await, found, "{data}");
    }
    // Another account's device answers exactly like an unknown one.
    let none = json!({"id": 1, "status": 101, "message": "No Such Device", "data": {}});
    for data in [
        json!({"device_id": theirs}),
        json!({"device_name": "camera9"}),
        json!({"device_id": unbound}),
        json!({"device_id": "0".repeat(32)}),
        json!({"device_id": mine, "device_name": "camera2"}),
    ] {
        assert_eq!(path.post(&info(data.clone())).await, none, "{data}");
    }
    // The list carries the same id.
    let v = ok(path.send("device", "list", json!({})).await);
    let item = &v["data"]["list"][0];
    assert_eq!(keys(item), ["device_id", "device", "bindtime"]);
    assert_eq!(item["device_id"], mine.as_str());
}

#[tokio::test]
async fn notice_get_without_a_bound_device_is_101_not_bind_device() {
    let s = Server::start().await;
    let token = s.typed().account("13750687047").await;
    // Adding a device is not binding it.
    add_device(&s, &token, "camera1").await;
    let want = json!({"id": 1, "status": 101, "message": "not bind device", "data": {}});
    for path in ["/api/get/notice", "/"] {
        for mode in [0, 1, 2] {
            let get = body("notice", "get", json!({"mode": mode}));
            let v = s.typed().post(&format!("{path}?token={token}"), &get).await;
            assert_eq!(v, want, "{path} mode {mode}");
        }
    }
}

#[tokio::test]
async fn notice_info_marks_a_notice_read_only_when_it_succeeds() {
    let s = Server::start().await;
    let owner = s.typed().account("13750687057").await;
    let late = s.typed().account("13750687058").await;
    let device = bound_device(&s, &owner, "camera1").await;
    ok(upload(&s, &device).await);
    let event_id = notices(&s, &owner, 0).await["data"]["list"][0]["event_id"]
        .as_str()
        .unwrap()
        .to_string();
    let info = body("notice", "info", json!({"event_id": event_id}));
    let unknown = body(
        "notice",
        "info",
        json!({"event_id": "00d176d2fb76fbdb6b930ccdc3c46a3a"}),
    );

    // Failures: an unknown event for the owner, the real event for a non-binder.
    assert_status(
        &s.typed().at("/api/get/notice", &owner).post(&unknown).await,
        200,
    );
    assert_status(
        &s.typed().at("/api/get/notice", &late).post(&info).await,
        200,
    );
    assert_eq!(notices(&s, &owner, 0).await["data"]["num"], 1);
    // The non-binder binds now: its failed read left nothing marked.
    bind(&s, &late, &device).await;
    assert_eq!(notices(&s, &late, 0).await["data"]["num"], 1);
    assert_eq!(notices(&s, &late, 1).await["data"]["num"], 0);

    // Success marks it read (and carries the picture).
    let v = ok(s.typed().at("/api/get/notice", &late).post(&info).await);
    assert_eq!(v["data"]["base64"], PNG_1X1);
    assert_eq!(notices(&s, &late, 0).await["data"]["num"], 0);
    assert_eq!(notices(&s, &late, 1).await["data"]["num"], 1);
    let sign = body("notice", "sign", json!({"event_id": event_id}));
    let v = s.typed().at("/api/get/notice", &late).post(&sign).await;
    assert_status(&v, 101);
}
