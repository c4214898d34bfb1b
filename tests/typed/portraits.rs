//! HelpAged portraits: a bad upload stores nothing; a fetch answers the stored, default, error
//! or ban image by phone and Referer.

use crate::support::typed::*;
use crate::support::Server;
use serde_json::json;
use switchboard::media::{ban_portrait, default_portrait, error_portrait};

#[tokio::test]
async fn a_portrait_that_is_not_base64_or_not_an_image_is_refused_and_nothing_is_stored() {
    let s = Server::start().await;
    let token = s.typed().account("13750687060").await;
    let path = s.typed().at("/api/portrait", &token);
    for bad in [
        "%%% not base64 %%%",
        "aGVsbG8=",
        "data:image/png;base64,aGVsbG8=",
        "",
    ] {
        let v = path
            .send("portrait", "upload", json!({"base64": bad}))
            .await;
        assert_eq!(
            v,
            json!({"id": 1, "status": -204, "message": "Arg's value error", "data": {}}),
            "{bad:?}"
        );
    }
    assert_eq!(s.rows("portraits"), 0);
    let r = s.get("/api/get/portrait/13750687060").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("image/png"));
    assert_eq!(r.body, default_portrait());
}

#[tokio::test]
async fn a_portrait_fetch_answers_the_stored_default_error_or_ban_image() {
    let s = Server::start().await;
    let token = s.typed().account("13750687061").await;
    let v = ok(s
        .typed()
        .at("/api/portrait", &token)
        .send("portrait", "upload", json!({"base64": PNG_1X1}))
        .await);
    assert_eq!(v["data"]["url"], "./api/get/portrait/13750687061");

    let cases: [(&str, Option<&str>, Vec<u8>); 7] = [
        ("/api/get/portrait/13750687061", None, png_bytes()),
        (
            "/api/get/portrait/13750687061",
            Some("http://www.helpaged.cn/x"),
            png_bytes(),
        ),
        (
            "/api/get/portrait/13750687061",
            Some("http://localhost:3000/page"),
            png_bytes(),
        ),
        (
            "/api/get/portrait/13750687061",
            Some("http://evil.example.com/helpaged.cn"),
            ban_portrait().to_vec(),
        ),
        (
            "/api/get/portrait/13750687061",
            Some("http://helpaged.cn.evil.com/"),
            ban_portrait().to_vec(),
        ),
        (
            "/api/get/portrait/13750687069",
            None,
            default_portrait().to_vec(),
        ),
        (
            "/api/get/portrait/1375068706x",
            None,
            error_portrait().to_vec(),
        ),
    ];
    for (path, referer, want) in cases {
        let headers: Vec<(&str, &str)> = referer.iter().map(|r| ("Referer", *r)).collect();
        let r = s.send("GET", path, &headers, b"").await;
        assert_eq!(r.status, 200, "{path} {referer:?}");
        assert_eq!(
            r.header("content-type"),
            Some("image/png"),
            "{path} {referer:?}"
        );
        assert!(
            r.body == want,
            "{path} with Referer {referer:?}: wrong image"
        );
    }
    // The three placeholders are three different pictures.
    assert_ne!(default_portrait(), error_portrait());
    assert_ne!(default_portrait(), ban_portrait());
    assert_ne!(error_portrait(), ban_portrait());
}
