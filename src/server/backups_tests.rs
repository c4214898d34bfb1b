//! Tests of [`super`]: names, the first wait, and backups driven one tick at a time.

use super::*;
use crate::store::{settings, Store};
use chrono::TimeZone as _;

fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 5, h, m, s).unwrap()
}

/// Files in `dir`, by name, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_backup_is_named_by_its_utc_time_and_only_such_names_are_backups() {
    assert_eq!(file_name(at(14, 0, 0)), "switchboard-20261205T140000Z.db");
    assert_eq!(
        taken_at("switchboard-20261205T140000Z.db"),
        Some(at(14, 0, 0))
    );
    for foreign in [
        "switchboard.db",
        "switchboard-manual.db",
        "switchboard-20261205T140000Z.db-wal",
        "switchboard-20261205T140000Z.db.partial",
        ".switchboard-20261205T140000Z.db.x1Yz.partial",
        "switchboard-20261305T140000Z.db",
        "switchboard-2026125T14000Z.db",
        "switchboard-20261205T140000.db",
        "other-20261205T140000Z.db",
    ] {
        assert_eq!(taken_at(foreign), None, "{foreign} taken for a backup");
    }
}

#[test]
fn the_first_backup_is_due_a_period_after_the_newest_one() {
    let day = Duration::from_secs(86_400);
    let hour = Duration::from_secs(3_600);
    assert_eq!(first_wait(None, at(12, 0, 0), day), Duration::ZERO);
    assert_eq!(
        first_wait(Some(at(11, 0, 0)), at(12, 0, 0), day),
        day - hour
    );
    assert_eq!(
        first_wait(Some(at(10, 0, 0)), at(12, 0, 0), hour),
        Duration::ZERO
    );
    // A newest backup "in the future" (the clock was set back) waits one period, not more.
    assert_eq!(first_wait(Some(at(13, 0, 0)), at(12, 0, 0), hour), hour);
}

#[test]
fn each_tick_adds_a_backup_and_only_the_newest_are_kept_among_untouched_files() {
    // Arrange: a live store, and a backup directory that holds other files too
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db");
    let store = Store::open(&db, 1).unwrap();
    let backups_dir = dir.path().join("backups");
    std::fs::create_dir(&backups_dir).unwrap();
    let foreign = ["notes.txt", "switchboard-manual.db", "switchboard.db"];
    for f in foreign {
        std::fs::write(backups_dir.join(f), b"not mine").unwrap();
    }
    let plan = Plan {
        db,
        dir: backups_dir.clone(),
        every: Duration::from_secs(3_600),
        keep: 2,
    };

    // Act: four ticks, each after a new write
    let mut made = Vec::new();
    for (i, hour) in [1, 2, 3, 4].into_iter().enumerate() {
        let value = i.to_string();
        store
            .write(|tx| settings::put(tx, "tick", value.as_bytes()))
            .unwrap();
        made.push(plan.once(at(hour, 0, 0)).expect("a backup"));
    }

    // Assert: the two newest backups and every foreign file remain
    assert_eq!(
        made.iter().map(|m| m.pruned).collect::<Vec<_>>(),
        [0, 0, 1, 1]
    );
    let mut expected = vec![
        "switchboard-20261205T030000Z.db".to_string(),
        "switchboard-20261205T040000Z.db".to_string(),
    ];
    expected.extend(foreign.map(String::from));
    expected.sort();
    assert_eq!(names(&backups_dir), expected);
    for f in foreign {
        assert_eq!(std::fs::read(backups_dir.join(f)).unwrap(), b"not mine");
    }
    let last = Store::open(&made[3].path, 1).unwrap();
    let tick = last.read(|c| settings::get(c, "tick")).unwrap();
    assert_eq!(tick, Some(b"3".to_vec()));
    assert_eq!(newest(&backups_dir), Some(at(4, 0, 0)));
}

#[test]
fn a_failed_backup_deletes_no_older_backup() {
    // Arrange: no database; two older backups, one more than kept
    let dir = tempfile::tempdir().unwrap();
    let plan = Plan {
        db: dir.path().join("absent.db"),
        dir: dir.path().to_path_buf(),
        every: Duration::from_secs(60),
        keep: 1,
    };
    let old = [file_name(at(1, 0, 0)), file_name(at(2, 0, 0))];
    for name in &old {
        std::fs::write(dir.path().join(name), b"old").unwrap();
    }

    // Act
    let failed = plan.once(at(3, 0, 0));

    // Assert
    let error = failed.err().expect("no database, no backup");
    assert!(error.contains("no database"), "{error}");
    assert_eq!(names(dir.path()), old);
}

#[test]
fn a_missing_backup_directory_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db");
    drop(Store::open(&db, 1).unwrap());
    let plan = Plan {
        db,
        dir: dir.path().join("new").join("backups"),
        every: Duration::from_secs(60),
        keep: 1,
    };

    plan.once(at(1, 0, 0)).expect("a backup");

    assert_eq!(names(&plan.dir), [file_name(at(1, 0, 0))]);
}
