//! The database file over time: one written by an earlier Tandem opens with this one, and the
//! write-ahead log gives its space back once writes stop.

use rusqlite::{Connection, params};
use tandem_server::store::{Store, people, sync};
use tandem_shared::{Author, DeviceId, FieldState, FieldValue, Hlc, PersonId, RecordId, Role, Stamp};
use uuid::Uuid;

const EARLIER: &[&str] = &[
    include_str!("../src/store/migrations/sqlite/0001_init.sql"),
    include_str!("../src/store/migrations/sqlite/0002_alerts.sql"),
    include_str!("../src/store/migrations/sqlite/0003_former_assignments.sql"),
];

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap()
}

fn state(value: FieldValue, ms: u64, author: Author) -> FieldState {
    FieldState { value, stamp: Stamp { hlc: Hlc { ms, count: 0 }, device: author.device }, base: None, author }
}

#[tokio::test]
async fn a_schema_3_database_opens_with_its_records_intact_and_the_clock_past_every_stored_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tandem.db");
    let (young, worker) = (PersonId(Uuid::now_v7()), PersonId(Uuid::now_v7()));
    let record = RecordId(Uuid::now_v7());
    let phone = Author { person: young, role: Role::YoungPerson, device: DeviceId(Uuid::now_v7()) };
    let laptop = Author { person: worker, role: Role::KeyWorker, device: DeviceId(Uuid::now_v7()) };
    let title = state(FieldValue::Title("Move into my own flat".into()), 1_000, phone);
    let visibility = state(FieldValue::Visibility(tandem_shared::Visibility::Worker), 1_000, phone);
    // The worker's losing version carries the later clock: the owner won anyway.
    let kept = state(FieldValue::Title("Find a flat".into()), 5_000, laptop);
    {
        let conn = Connection::open(&path).unwrap();
        for (i, sql) in EARLIER.iter().enumerate() {
            conn.execute_batch(sql).unwrap();
            conn.pragma_update(None, "user_version", (i + 1) as i64).unwrap();
        }
        for (id, role) in [(young, "young_person"), (worker, "key_worker")] {
            conn.execute(
                "INSERT INTO people (id, role, display_name, created_at) VALUES (?1, ?2, 'x', 0)",
                params![id.to_string(), role],
            )
            .unwrap();
        }
        conn.execute(
            "INSERT INTO records (id, owner_id, kind, created_by, created_stamp, owner_touched, visibility,
             widest_visibility, deleted, changed_seq) VALUES (?1, ?2, 'goal', ?3, ?4, 1, 'worker', 'worker', 0, 1)",
            params![record.to_string(), young.to_string(), json(&phone), json(&title.stamp)],
        )
        .unwrap();
        for s in [&title, &visibility] {
            conn.execute(
                "INSERT INTO fields (record_id, name, state) VALUES (?1, ?2, ?3)",
                params![record.to_string(), json(&s.value.name()), json(s)],
            )
            .unwrap();
        }
        conn.execute(
            "INSERT INTO conflicts (record_id, field, stamp, state) VALUES (?1, ?2, ?3, ?4)",
            params![record.to_string(), json(&kept.value.name()), json(&kept.stamp), json(&kept)],
        )
        .unwrap();
    }

    let store = Store::open(&path.display().to_string(), None).await.unwrap();
    let (loaded, latest) =
        store.write(move |tx| Ok((sync::load_record(tx, record)?, sync::latest_hlc(tx)?))).await.unwrap();
    let loaded = loaded.expect("the record is still there");
    assert_eq!(loaded.fields.get(&title.value.name()), Some(&title));
    assert_eq!(loaded.fields.get(&visibility.value.name()), Some(&visibility));
    assert_eq!(loaded.conflicts, vec![kept.clone()]);
    assert!(latest >= kept.stamp.hlc, "the clock starts at {latest:?}, behind a stored write");
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_burst_of_writes_and_a_quiet_moment_the_log_gives_its_space_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tandem.db");
    let wal = dir.path().join("tandem.db-wal");
    let store = Store::open(&path.display().to_string(), None).await.unwrap();
    store
        .write(|tx| {
            for i in 0..2_000 {
                let name = format!("person{i}");
                people::create(tx, Role::YoungPerson, Some(&name), &name, None, 0)?;
            }
            Ok(())
        })
        .await
        .unwrap();
    assert!(std::fs::metadata(&wal).unwrap().len() > 100_000, "the burst went through the log");
    // The checkpointer truncates it after a couple of quiet seconds; the deadline only stops a
    // broken one from hanging the suite.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::fs::metadata(&wal).unwrap().len() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the log still holds {} bytes",
            std::fs::metadata(&wal).unwrap().len()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let stored = store.read(|db| db.query_one("SELECT count(*) FROM people", &[])?.int(0)).await.unwrap();
    assert_eq!(stored, 2_000, "nothing was lost with the log");
}

/// The audit log is never pruned: one person's entries are read through its two indexes, not by
/// walking every entry, however long the service has run.
#[tokio::test]
async fn one_persons_audit_entries_are_read_through_their_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tandem.db").display().to_string();
    Store::open(&path, None).await.unwrap();
    let conn = Connection::open(&path).unwrap();
    let sql = tandem_server::store::audit::ONE_PERSON.replace("?1", "1000").replace("?2", "'p'").replace("?3", "200");
    let mut plan = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let steps: Vec<String> = plan.query_map([], |r| r.get::<_, String>(3)).unwrap().map(Result::unwrap).collect();
    let plan = steps.join("\n");
    for index in ["audit_log_by_subject", "audit_log_by_actor"] {
        assert!(
            plan.contains(&format!("USING COVERING INDEX {index}")) || plan.contains(&format!("USING INDEX {index}")),
            "{plan}"
        );
    }
    assert!(!plan.contains("SCAN a") && !plan.contains("SCAN audit_log"), "no walk along the log: {plan}");
}
