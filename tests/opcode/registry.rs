//! `opcodes.toml` is the live registry: every opcode row is reachable over HTTP and asks for
//! what the row says (token, required fields); the three extensions are marked as such.

use crate::support::pb::*;
use crate::support::Server;
use serde_json::json;
use std::collections::BTreeSet;

/// One opcode row of `opcodes.toml`.
struct Row {
    op: i64,
    auth: bool,
    required: Vec<String>,
    extension: bool,
}

fn opcode_rows() -> Vec<Row> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("opcodes.toml");
    let text = std::fs::read_to_string(&path).expect("read opcodes.toml");
    let table: toml::Table = text.parse().expect("opcodes.toml is TOML");
    table["route"]
        .as_array()
        .expect("[[route]] rows")
        .iter()
        .filter(|r| r.get("dialect").and_then(|d| d.as_str()) == Some("opcode"))
        .map(|r| Row {
            op: r["op"].as_integer().expect("op"),
            auth: r.get("auth").and_then(|a| a.as_bool()).unwrap_or(false),
            required: r
                .get("required")
                .and_then(|a| a.as_array())
                .map(|a| a.iter().map(|f| f.as_str().unwrap().to_string()).collect())
                .unwrap_or_default(),
            extension: r
                .get("extension")
                .and_then(|e| e.as_bool())
                .unwrap_or(false),
        })
        .collect()
}

#[test]
fn the_registry_serves_every_documented_op_and_marks_every_other_as_an_extension() {
    let rows = opcode_rows();
    // The document's ops; 1002, 1004 and 1008 it names but the original server never built.
    let documented = BTreeSet::from([
        1001, 1002, 1003, 1004, 1005, 1006, 10061, 10062, 1007, 1008, 1009, 1010,
    ]);
    let built = BTreeSet::from([1001, 1003, 1005, 1006, 10061, 10062, 1007, 1009, 1010]);

    let ops: BTreeSet<i64> = rows.iter().map(|r| r.op).collect();
    let extensions: BTreeSet<i64> = rows.iter().filter(|r| r.extension).map(|r| r.op).collect();
    let open: BTreeSet<i64> = rows.iter().filter(|r| !r.auth).map(|r| r.op).collect();

    assert_eq!(rows.len(), ops.len(), "no op registered twice");
    assert!(
        ops.is_superset(&documented),
        "missing: {:?}",
        documented.difference(&ops)
    );
    // An op is an extension exactly when the original server did not build it: ours (1011
    // and any added after it) included.
    let not_built: BTreeSet<i64> = ops.difference(&built).copied().collect();
    assert_eq!(extensions, not_built);
    assert!(extensions.contains(&1011));
    assert_eq!(open, BTreeSet::from([1001, 1002, 1003]));
}

#[tokio::test]
async fn every_opcode_row_is_reachable_and_asks_for_its_required_fields_and_token() {
    // Arrange
    let app = Server::start().await;
    let (_, token) = app.pb().account("13000000001").await;
    let mut rows = opcode_rows();
    rows.sort_by_key(|r| r.op == 1004); // logout last: it revokes the token

    for row in &rows {
        // Act: the bare op, with a valid token
        let resp = app.pb().post_auth(json!({"op": row.op}), &token).await;

        // Assert
        let v = resp.json();
        assert_ne!(v["msg"], "no method", "op {} is not routed", row.op);
        match row.required.first() {
            Some(first) => {
                let msg = resp.failure(200);
                let aliases = match (row.op, first.as_str()) {
                    (1001, "phone") => vec!["phone empty".to_string()],
                    (1003, "phone") => vec!["login phone empty".to_string()],
                    _ => vec![format!("missing field: {first}")],
                };
                assert!(aliases.contains(&msg), "op {}: {msg}", row.op);
            }
            None => assert_eq!(v["ret"], 0, "op {}: {v}", row.op),
        }
        if row.auth && row.required.is_empty() {
            let bare = app.pb().post(json!({"op": row.op})).await;
            assert_eq!(bare.failure(401), "missing Authorization header");
        }
    }
}

#[tokio::test]
async fn ops_without_a_token_ignore_an_authorization_header() {
    let app = Server::start().await;
    app.pb().register("13000000001").await;

    let resp = app
        .pb()
        .post_to(
            "/phonebooks",
            json!({"op": 1003, "phone": "13000000001", "password": PASSWORD}),
            Some("JWT garbage"),
        )
        .await;

    resp.ok_json();
}
