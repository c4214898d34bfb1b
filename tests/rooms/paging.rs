//! rooms paging: counts as strings, the size used, only active rooms, a cap of 100.

use crate::support::Server;
use serde_json::json;

#[tokio::test]
async fn paging_counts_only_active_rooms_and_cuts_the_page_size_to_100() {
    let s = Server::start().await;
    let me = s.rooms().register("me", None).await;
    for i in 0..105 {
        s.rooms().room(&me.token, &format!("open-{i}"), true).await;
    }
    for i in 0..3 {
        s.rooms()
            .room(&me.token, &format!("closed-{i}"), false)
            .await;
    }
    let page = |q: &'static str| {
        let s = &s;
        async move { s.send("GET", &format!("/rooms/{q}"), &[], b"").await.json() }
    };
    let v = page("?page=1&pageSize=3").await;
    assert_eq!(
        (
            v["pageSize"].clone(),
            v["currentPage"].clone(),
            v["totalPage"].clone(),
            v["total"].clone()
        ),
        (json!("3"), json!("1"), json!("35"), json!("105"))
    );
    assert_eq!(v["results"].as_array().unwrap().len(), 3);
    let v = page("").await;
    assert_eq!(
        (v["pageSize"].clone(), v["totalPage"].clone()),
        (json!("30"), json!("4"))
    );
    let v = page("?page=4").await;
    assert_eq!(v["results"].as_array().unwrap().len(), 15);
    let v = page("?pageSize=500").await;
    assert_eq!(
        (v["pageSize"].clone(), v["totalPage"].clone()),
        (json!("100"), json!("2"))
    );
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 100);
    assert!(results.iter().all(|r| r["active"] == json!(true)));
    assert!(results
        .iter()
        .all(|r| r["pk"].is_string() && r["roomid"].is_string()));
    let v = page("?page=3&pageSize=100").await;
    assert_eq!(
        (v["currentPage"].clone(), v["results"].clone()),
        (json!("3"), json!([]))
    );
}
