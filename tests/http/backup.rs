//! Online backups: a copy taken while clients keep writing over HTTP holds every write
//! acknowledged before it began; a restore (stop, replace the file, start) serves that copy;
//! `switchboard backup` refuses what it must; the server's scheduled backups keep the newest
//! `backup_keep` and touch no other file.

use crate::support::binary::Binary;
use crate::support::checks::strs;
use crate::support::pb::*;
use crate::support::{Conn, Resp, Server};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use switchboard::store::backup::copy_file;
use switchboard::store::{accounts, contacts, seed, Store};
use tokio::task::JoinHandle;

const CHEAP: &str = "argon2_m_cost_kib = 64\nargon2_t_cost = 1\nlog = \"warn\"\n";

/// `switchboard backup --db DB --out OUT` with `extra` arguments.
fn backup_command(db: &Path, out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("backup")
        .arg("--db")
        .arg(db)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .expect("run switchboard backup")
}

/// `PRAGMA integrity_check` of the file at `path`, its rows joined.
fn integrity(path: &Path) -> String {
    let c = rusqlite::Connection::open(path).unwrap();
    let rows: Vec<String> = c
        .prepare("PRAGMA integrity_check")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    rows.join("; ")
}

/// `POST /phonebooks` on a keep-alive connection with `Authorization: JWT <token>`.
async fn post_auth(conn: &mut Conn, body: &Value, token: &str) -> Resp {
    let auth = format!("JWT {token}");
    let headers = [
        ("content-type", "application/json"),
        ("authorization", &auth),
    ];
    let bytes = body.to_string();
    conn.request("POST", "/phonebooks", &headers, bytes.as_bytes())
        .await
        .expect("an answer")
}

/// Clients writing without pause over HTTP: two register accounts, one adds contacts to the
/// book of `token`. Every acknowledged write is recorded.
struct Load {
    /// Phones whose registration was acknowledged.
    phones: Arc<Mutex<Vec<String>>>,
    /// Uids of acknowledged contacts.
    uids: Arc<Mutex<Vec<String>>>,
    /// Acknowledged writes of both kinds.
    acks: Arc<AtomicU64>,
    /// Tells the clients to end.
    stop: Arc<AtomicBool>,
    /// The clients.
    clients: Vec<JoinHandle<()>>,
}

impl Load {
    fn start(s: &Server, token: &str) -> Load {
        let load = Load {
            phones: Arc::default(),
            uids: Arc::default(),
            acks: Arc::default(),
            stop: Arc::default(),
            clients: Vec::new(),
        };
        let mut clients = Vec::new();
        for client in 0..2u32 {
            let (phones, acks, stop) = (load.phones.clone(), load.acks.clone(), load.stop.clone());
            let addr = s.addr;
            clients.push(tokio::spawn(async move {
                let mut conn = Conn::open(addr).await.unwrap();
                for i in 0.. {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let phone = format!("139{client:02}{i:06}");
                    let body = json!({"op": 1001, "phone": phone, "password": PASSWORD});
                    conn.post(&body).await.expect("an answer").ok_json();
                    phones.lock().unwrap().push(phone);
                    acks.fetch_add(1, Ordering::SeqCst);
                }
            }));
        }
        let (uids, acks, stop) = (load.uids.clone(), load.acks.clone(), load.stop.clone());
        let (addr, token) = (s.addr, token.to_string());
        clients.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await.unwrap();
            for i in 0.. {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let body = json!({"op": 1005, "users": [{"name": format!("c{i}")}]});
                let v = post_auth(&mut conn, &body, &token).await.ok_json();
                let uid = v["users"][0]["uid"].as_str().expect("uid").to_string();
                uids.lock().unwrap().push(uid);
                acks.fetch_add(1, Ordering::SeqCst);
            }
        }));
        Load { clients, ..load }
    }

    /// The phones and uids acknowledged so far.
    fn acked(&self) -> (Vec<String>, Vec<String>) {
        let phones = self.phones.lock().unwrap().clone();
        (phones, self.uids.lock().unwrap().clone())
    }

    /// Ends the clients; answers how many writes were acknowledged in all.
    async fn stop(self) -> u64 {
        self.stop.store(true, Ordering::SeqCst);
        for c in self.clients {
            c.await.expect("a client failed");
        }
        self.acks.load(Ordering::SeqCst)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_under_a_write_load_holds_every_write_acknowledged_before_it_began() {
    if crate::support::postgres::sqlite_only("the online backup of the database file") {
        return;
    }
    // Arrange: a database of many pages, clients writing over HTTP without pause
    let s = Server::builder()
        .database(|db| {
            seed::seed(db, 4_000, 2, |_| {}).expect("seed");
        })
        .start()
        .await;
    let (_, token) = s.pb().account("13800000000").await;
    let load = Load::start(&s, &token);
    while load.acks.load(Ordering::SeqCst) < 20 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    // Act: a backup begins once the acknowledged writes are noted; each of its steps waits
    // for one more acknowledgement, so writes land between all of them
    let (before_phones, before_uids) = load.acked();
    let acked_before = load.acks.load(Ordering::SeqCst);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("copy.db");
    let (db, target, acks) = (s.db_path().clone(), out.clone(), load.acks.clone());
    let (copied, steps) = tokio::task::spawn_blocking(move || {
        let mut steps = 0;
        let copied = copy_file(&db, &target, false, &mut |done, total| {
            steps += u64::from(done < total);
            let seen = acks.load(Ordering::SeqCst);
            let deadline = Instant::now() + Duration::from_secs(30);
            while acks.load(Ordering::SeqCst) == seen {
                assert!(Instant::now() < deadline, "the clients stopped writing");
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        (copied, steps)
    })
    .await
    .unwrap();
    let acked_in_all = load.stop().await;
    s.pb().register("13700000000").await;

    // Assert: a multi-step backup finished while writes went on, and the copy is whole and
    // holds every write acknowledged before it began, and none made after it ended
    let copied = copied.expect("the backup finished under load");
    assert!(
        steps >= 2,
        "{copied:?} in {steps} steps: not a multi-step backup"
    );
    assert!(
        acked_in_all > acked_before + steps,
        "no writes during the backup"
    );
    assert_eq!(integrity(&out), "ok");
    let copy = Store::open(&out, 1).unwrap();
    let owner = copy
        .read(|c| accounts::by_phone(c, "13800000000"))
        .unwrap()
        .expect("the book's owner")
        .0
        .pk;
    for phone in &before_phones {
        let found = copy.read(|c| accounts::by_phone(c, phone)).unwrap();
        assert!(found.is_some(), "acknowledged account {phone} missing");
    }
    for uid in &before_uids {
        let found = copy.read(|c| contacts::owns(c, owner, uid)).unwrap();
        assert!(found, "acknowledged contact {uid} missing");
    }
    let later = copy.read(|c| accounts::by_phone(c, "13700000000")).unwrap();
    assert!(later.is_none(), "a write made after the backup is in it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restored_backup_serves_what_was_acknowledged_before_the_backup_and_nothing_after() {
    // Arrange: the real server; an account with one contact
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("switchboard.db");
    let copy = dir.path().join("backup.db");
    let mut server = Binary::start(&db, CHEAP).await;
    let mut conn = server.connect().await;
    let register = |phone: &str| json!({"op": 1001, "phone": phone, "password": PASSWORD});
    let login = |phone: &str| json!({"op": 1003, "phone": phone, "password": PASSWORD});
    let add = |name: &str| json!({"op": 1005, "users": [{"name": name}]});
    conn.post(&register("13800000001")).await.unwrap().ok_json();
    let v = conn.post(&login("13800000001")).await.unwrap().ok_json();
    let token = v["token"]["access_token"].as_str().unwrap().to_string();
    post_auth(&mut conn, &add("before"), &token).await.ok_json();

    // Act: back up the live server with the command, write more, then restore: stop,
    // replace the file (deleting -wal and -shm), start
    let (from, to) = (db.clone(), copy.clone());
    let made = tokio::task::spawn_blocking(move || backup_command(&from, &to, &[]))
        .await
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    conn.post(&register("13800000002")).await.unwrap().ok_json();
    post_auth(&mut conn, &add("after"), &token).await.ok_json();
    drop(conn);
    server.terminate();
    assert_eq!(server.wait_exit().await.code(), Some(0));
    for sidecar in ["switchboard.db-wal", "switchboard.db-shm"] {
        let _ = std::fs::remove_file(dir.path().join(sidecar));
    }
    std::fs::copy(&copy, &db).unwrap();
    let restored = Binary::start(&db, CHEAP).await;

    // Assert: the account logs in and sees its book as it was at the backup; the account
    // registered after the backup does not exist
    let mut conn = restored.connect().await;
    let v = conn.post(&login("13800000001")).await.unwrap().ok_json();
    let token = v["token"]["access_token"].as_str().unwrap().to_string();
    let book = post_auth(&mut conn, &json!({"op": 1009}), &token)
        .await
        .ok_json();
    assert_eq!(strs(&book["users"], "name"), ["before"], "{book}");
    let r = conn.post(&login("13800000002")).await.unwrap();
    assert_eq!(r.json()["ret"], -1, "{r:?}");
}

#[test]
fn the_backup_command_refuses_to_overwrite_and_fails_cleanly_without_a_source() {
    // Arrange: a database no server has open
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db");
    let store = Store::open(&db, 1).unwrap();
    let put = |v: &[u8]| {
        store
            .write(|tx| switchboard::store::settings::put(tx, "k", v))
            .unwrap()
    };
    put(b"1");
    let out = dir.path().join("copy.db");
    let stderr = |o: &Output| String::from_utf8_lossy(&o.stderr).into_owned();

    // A missing source: a message, a failure, nothing created
    let absent = dir.path().join("absent.db");
    let r = backup_command(&absent, &out, &[]);
    assert!(!r.status.success());
    assert!(stderr(&r).contains("no database at"), "{}", stderr(&r));
    assert!(!absent.exists() && !out.exists());

    // A backup: a one-line summary on stdout, no progress on a stderr that is no terminal
    let r = backup_command(&db, &out, &[]);
    assert!(r.status.success(), "{}", stderr(&r));
    assert_eq!(stderr(&r), "");
    let summary = String::from_utf8(r.stdout).unwrap();
    let size = std::fs::metadata(&out).unwrap().len();
    assert!(summary.starts_with("backed up "), "{summary}");
    assert!(summary.contains(&format!(": {size} bytes, ")), "{summary}");
    assert!(summary.ends_with(" ms\n") && summary.lines().count() == 1);
    let first = std::fs::read(&out).unwrap();

    // An existing --out: refused and kept, unless --force
    put(b"2");
    let r = backup_command(&db, &out, &[]);
    assert!(!r.status.success());
    assert!(
        stderr(&r).contains("already exists (--force"),
        "{}",
        stderr(&r)
    );
    assert_eq!(std::fs::read(&out).unwrap(), first);
    let r = backup_command(&db, &out, &["--force"]);
    assert!(r.status.success(), "{}", stderr(&r));
    let copy = Store::open(&out, 1).unwrap();
    let k = copy
        .read(|c| switchboard::store::settings::get(c, "k"))
        .unwrap();
    assert_eq!(k, Some(b"2".to_vec()));

    // A destination that cannot be written
    let r = backup_command(&db, &dir.path().join("no/such/dir/copy.db"), &[]);
    assert!(!r.status.success());
    assert!(stderr(&r).contains("cannot write"), "{}", stderr(&r));
}

/// The names of the server's backups in `dir` (`switchboard-20261205T140000Z.db`), sorted.
fn backup_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.len() == 31 && n.starts_with("switchboard-2") && n.ends_with("Z.db"))
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_backups_appear_and_only_the_newest_backup_keep_remain() {
    if crate::support::postgres::sqlite_only("the scheduled backup of the database file") {
        return;
    }
    // Arrange: a backup directory holding files of the operator's. `Config::check`, which
    // refuses less than a minute, runs where a configuration is loaded; the in-process server
    // takes this one as it is.
    let backups = tempfile::tempdir().unwrap();
    let foreign = ["notes.txt", "switchboard-manual.db", "switchboard.db"];
    for f in foreign {
        std::fs::write(backups.path().join(f), f).unwrap();
    }
    let dir: PathBuf = backups.path().to_path_buf();
    let s = Server::with(move |c| {
        c.backup_dir = Some(dir);
        c.backup_every = Duration::from_secs(1);
        c.backup_keep = 2;
    })
    .await;

    // Act: an account, then three backups that began after it
    s.pb().register("13800000001").await;
    let existing: BTreeSet<String> = backup_names(backups.path()).into_iter().collect();
    let mut seen = existing.clone();
    let deadline = Instant::now() + Duration::from_secs(60);
    while seen.len() < existing.len() + 3 {
        assert!(Instant::now() < deadline, "only {seen:?} after a minute");
        seen.extend(backup_names(backups.path()));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    s.stop().await;

    // Assert: the two newest remain, whole, the newest with the account; the operator's
    // files are untouched
    let left = backup_names(backups.path());
    seen.extend(left.iter().cloned());
    let newest: Vec<String> = seen.iter().rev().take(2).rev().cloned().collect();
    assert_eq!(left, newest, "seen {seen:?}");
    for name in &left {
        assert_eq!(integrity(&backups.path().join(name)), "ok");
    }
    let copy = Store::open(&backups.path().join(&left[1]), 1).unwrap();
    let found = copy.read(|c| accounts::by_phone(c, "13800000001")).unwrap();
    assert!(found.is_some(), "the newest backup lacks the account");
    for f in foreign {
        let kept = std::fs::read_to_string(backups.path().join(f)).unwrap();
        assert_eq!(kept, f);
    }
}
