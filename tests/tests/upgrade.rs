//! A database written by an earlier Tandem opens in this one: its migrations run on start, and
//! every young person's words read back exactly as that version served them, on both backends.
//! The fixtures and how they were made: tests/fixtures/README.md.

use tandem_server::store::sql::Value;
use tandem_shared::{FieldName, FieldValue, RecordKind};
use tandem_tests::*;

// The demo's PINs when the fixtures were made. Today's demo has others: these would now be
// refused as easy to guess if chosen, but a PIN chosen before still signs in.
const ASH: (&str, &str) = ("ash", "2468");
const KAI: (&str, &str) = ("kai", "1357");
const MO: (&str, &str) = ("mo", "9876");

/// Copies the fixture made at schema `version` into a new folder and starts a server on it.
async fn upgraded_server(version: &str) -> (TestServer, serde_json::Value) {
    let (db, keys, expected) = restored(version).await;
    (TestServer::start_existing(keys, db).await, expected)
}

/// The fixture's database restored (a file copy, or a fresh PostgreSQL database), a folder
/// holding its keys, and what each person's pull said before the upgrade.
async fn restored(version: &str) -> (String, tempfile::TempDir, serde_json::Value) {
    let backend = if postgres_server().is_some() { "postgres" } else { "sqlite" };
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(version).join(backend);
    let dir = tempfile::tempdir().unwrap();
    for key in ["tandem.db.key", "tandem.db.data-key"] {
        std::fs::copy(fixture.join(key), dir.path().join(key)).unwrap();
    }
    let db = fresh_database(dir.path()).await;
    if postgres_server().is_some() {
        let pg_bin = std::env::var("PG_BIN").expect("PG_BIN names PostgreSQL's tools (scripts/postgres.sh)");
        let restored = std::process::Command::new(format!("{pg_bin}/psql"))
            .args(["-q", "-v", "ON_ERROR_STOP=1", "-d", &db, "-f"])
            .arg(fixture.join("dump.sql"))
            .output()
            .unwrap();
        assert!(restored.status.success(), "restore: {}", String::from_utf8_lossy(&restored.stderr));
    } else {
        std::fs::copy(fixture.join("tandem.db"), &db).unwrap();
    }
    let expected = serde_json::from_str(&std::fs::read_to_string(fixture.join("pulls.json")).unwrap()).unwrap();
    (db, dir, expected)
}

/// `ash` and `sam` on new devices, each having pulled what the earlier version served them.
async fn served_as_before(server: &TestServer, expected: &serde_json::Value) -> (Client, Client) {
    let mut ash = server.signed_in(ASH.0, ASH.1).await;
    let mut sam = server.signed_in(SAM.0, SAM.1).await;
    ash.pull().await;
    sam.pull().await;
    for (who, client) in [("ash", &ash), ("sam", &sam)] {
        let got = serde_json::to_value(client.records.values().collect::<Vec<_>>()).unwrap();
        assert_eq!(got, expected[who], "{who}'s records as the earlier version served them");
    }
    (ash, sam)
}

/// `ash` edits the goal that holds `sam`'s kept version; `sam` pulls the edit, and the kept
/// version is unchanged. Returns the goal.
async fn edit_reaches_the_worker(ash: &mut Client, sam: &mut Client) -> tandem_shared::RecordId {
    let goal = ash.records.values().find(|r| r.kind == RecordKind::Goal && !r.conflicts.is_empty()).unwrap().id;
    let edit = ash.op(goal, RecordKind::Goal, ash.me(), vec![FieldValue::Why("So I can get to college".into())]);
    ash.push(vec![edit]).await;
    sam.pull().await;
    assert_eq!(sam.text_of(goal, FieldName::Why), Some(FieldValue::Why("So I can get to college".into())));
    assert_eq!(sam.records[&goal].conflicts, ash.records[&goal].conflicts, "kept versions unchanged by the edit");
    goal
}

/// A folder with a copy of the keys in `from`, for a second replica.
fn keys_copy(from: &std::path::Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for key in ["tandem.db.key", "tandem.db.data-key"] {
        std::fs::copy(from.join(key), dir.path().join(key)).unwrap();
    }
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_starting_together_on_a_schema_13_database_fold_it_once_and_serve_the_same() {
    assert!(postgres_server().is_some(), "replicas need PostgreSQL: set TANDEM_TEST_POSTGRES");
    let (db, keys, expected) = restored("schema-13").await;
    let other_keys = keys_copy(keys.path());
    let (a, b) = tokio::join!(TestServer::start_existing(keys, db.clone()), TestServer::start_existing(other_keys, db));
    for server in [&a, &b] {
        let mut ash = server.signed_in(ASH.0, ASH.1).await;
        ash.pull().await;
        let got = serde_json::to_value(ash.records.values().collect::<Vec<_>>()).unwrap();
        assert_eq!(got, expected["ash"], "each replica serves what the earlier version did");
    }
    let left = a
        .store
        .read(|db| db.query_one("SELECT (SELECT count(*) FROM fields) + (SELECT count(*) FROM conflicts)", &[])?.int(0))
        .await
        .unwrap();
    assert_eq!(left, 0);
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn a_database_from_schema_13_reads_back_every_record_conflict_and_kept_answer_and_takes_new_edits() {
    let (server, expected) = upgraded_server("schema-13").await;
    let (mut ash, mut sam) = served_as_before(&server, &expected).await;
    // Every record's fields now live in its one sealed body; the per-field rows are gone.
    let (bodies, records, rows_left) = server
        .store
        .read(|db| {
            let sealed =
                db.query_one("SELECT count(*) FROM records WHERE CAST(body AS TEXT) LIKE 's3.%'", &[])?.int(0)?;
            let records = db.query_one("SELECT count(*) FROM records", &[])?.int(0)?;
            let left = db.query_one("SELECT (SELECT count(*) FROM fields) + (SELECT count(*) FROM conflicts)", &[])?;
            Ok((sealed, records, left.int(0)?))
        })
        .await
        .unwrap();
    assert_eq!((bodies, rows_left), (records, 0), "every record folded into a sealed body");
    let kept = ash.records.values().filter(|r| !r.conflicts.is_empty()).count();
    assert!(kept >= 1, "the fixture holds a kept conflict");

    // A phone that retries operations it sent before the upgrade gets the answers it got then
    // (kept one row per operation before schema 15, one row per push since).
    let me = ash.me();
    let earlier = server
        .store
        .read(move |db| {
            let row = db.query_one(
                "SELECT a.device_id, a.first_seq FROM applied_batches a JOIN devices d ON d.id = a.device_id
                 WHERE d.person_id = ?1 ORDER BY a.first_seq LIMIT 1",
                &[me.to_string().into()],
            )?;
            Ok((row.string(0)?, row.int(1)? as u64))
        })
        .await
        .unwrap();
    let mut old_phone = server.signed_in(ASH.0, ASH.1).await;
    old_phone.device = tandem_shared::DeviceId(earlier.0.parse().unwrap());
    old_phone.seq = earlier.1 - 1;
    let goal_id = ash.records.values().find(|r| r.kind == RecordKind::Goal).unwrap().id;
    let retry = old_phone.op(goal_id, RecordKind::Goal, me, vec![FieldValue::Title("not applied again".into())]);
    let answer = old_phone.push(vec![retry]).await;
    assert_eq!(answer.results.len(), 1);
    assert!(answer.results[0].reason.is_none() && !answer.results[0].fields.is_empty(), "{answer:?}");
    ash.pull().await;
    assert_ne!(ash.text_of(goal_id, FieldName::Title), Some(FieldValue::Title("not applied again".into())));

    // The upgraded records take new edits, which reach the worker.
    edit_reaches_the_worker(&mut ash, &mut sam).await;
    server.stop().await;
}

#[tokio::test]
async fn a_database_from_schema_26_with_words_sealed_as_text_reads_back_and_is_written_as_bytes_from_then_on() {
    let (server, expected) = upgraded_server("schema-26").await;
    // Every body as that version kept it: base64 text, on both backends.
    let bodies = || async {
        let rows = server.store.read(|db| db.query("SELECT id, body FROM records", &[])).await.unwrap();
        rows.into_iter().map(|r| (r.string(0).unwrap(), r.0[1].clone())).collect::<Vec<_>>()
    };
    let before = bodies().await;
    assert!(before.len() >= 3, "the fixture holds records: {before:?}");
    assert!(before.iter().all(|(_, b)| matches!(b, Value::Text(t) if t.starts_with("s3.1."))), "{before:?}");
    // When each person last used Tandem is filled in from the sessions that database knew.
    let [people, matching, active] = server
        .numbers([
            "SELECT count(*) FROM people",
            "SELECT count(*) FROM people p WHERE p.last_active_at IS NOT DISTINCT FROM
               (SELECT max(coalesce(s.last_seen_at, s.created_at)) FROM sessions s WHERE s.person_id = p.id)",
            "SELECT count(*) FROM people WHERE last_active_at IS NOT NULL",
        ])
        .await;
    assert_eq!((matching, active), (people, 2), "the two who had signed in, and nobody else");

    let (mut ash, mut sam) = served_as_before(&server, &expected).await;

    // An edit is sealed as this database keeps sealed values now, and reaches the worker.
    let goal = edit_reaches_the_worker(&mut ash, &mut sam).await;
    let after = bodies().await;
    let edited = &after.iter().find(|(id, _)| *id == goal.to_string()).unwrap().1;
    if postgres_server().is_some() {
        assert!(matches!(edited, Value::Text(_)), "PostgreSQL's column stays text: {edited:?}");
    } else {
        assert!(matches!(edited, Value::Bytes(b) if b.starts_with(b"s3.1.")), "SQLite now keeps bytes: {edited:?}");
    }
    let untouched =
        after.iter().filter(|(id, _)| *id != goal.to_string()).all(|(id, b)| before.contains(&(id.clone(), b.clone())));
    assert!(untouched, "records nobody changed are left as they were");
    server.stop().await;
}

/// Runs `sql` on a restored database before any server of this version has opened it.
fn change_before_upgrade(db: &str, sql: &str) {
    if postgres_server().is_some() {
        let pg_bin = std::env::var("PG_BIN").expect("PG_BIN names PostgreSQL's tools (scripts/postgres.sh)");
        let out = std::process::Command::new(format!("{pg_bin}/psql"))
            .args(["-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql])
            .output()
            .unwrap();
        assert!(out.status.success(), "psql: {}", String::from_utf8_lossy(&out.stderr));
    } else {
        rusqlite::Connection::open(db).unwrap().execute_batch(sql).unwrap();
    }
}

#[tokio::test]
async fn names_from_before_sign_in_whatever_their_capitals_and_the_first_of_two_that_now_match_keeps_it() {
    let (db, keys, _) = restored("schema-26").await;
    // Names that version's SQLite couldn't sign in (it lower-cased only A to Z): kai as "Émile"
    // with its accent joined, mo as the same name with the accent a separate mark, which that
    // version stored as a different name. And priya's sign-in name as one that looks sealed, as
    // any name of letters, numbers and dots might: it is still read as the plain name it is.
    change_before_upgrade(
        &db,
        "UPDATE people SET name = 'Émile' WHERE name = 'kai'; UPDATE people SET name = 'E\u{301}mile' WHERE name = 'mo';
         UPDATE people SET name = 's3.1.priya' WHERE name = 'priya';",
    );
    let server = TestServer::start_existing(keys, db).await;
    let sign_in = |name: &'static str, secret: &'static str| {
        let c = server.device();
        async move {
            let body = serde_json::json!({"name": name, "secret": secret, "device": c.device});
            c.call(reqwest::Method::POST, "/api/auth/sign-in", Some(body)).await.0
        }
    };
    // Kai's account is the older (the demo makes kai before mo): the name is theirs.
    assert_eq!(sign_in("émile", KAI.1).await, reqwest::StatusCode::OK);
    assert_eq!(sign_in("ÉMILE", KAI.1).await, reqwest::StatusCode::OK);
    assert_eq!(sign_in("émile", MO.1).await, reqwest::StatusCode::UNAUTHORIZED, "the later one can't take it");
    let keys =
        server.store.read(|db| db.query("SELECT sign_in_key FROM people WHERE name IS NOT NULL", &[])).await.unwrap();
    let keys: Vec<Option<String>> = keys.iter().map(|r| r.opt_text(0).unwrap().map(str::to_owned)).collect();
    let emile = server.store.read(|db| Ok(tandem_server::store::people::name_hash(db, "émile"))).await.unwrap();
    assert_eq!(keys.iter().filter(|k| k.as_ref() == Some(&emile)).count(), 1, "{keys:?}");
    assert_eq!(keys.iter().filter(|k| k.is_none()).count(), 1, "only mo is left without a key: {keys:?}");
    // Their names, stored in plain before, are sealed now: a copy of the database names nobody.
    let copy = server.database_copy();
    for name in ["mile", "Priya", "New starter"] {
        assert!(
            !copy.windows(name.len()).any(|w| w == name.as_bytes()),
            "{name:?} is readable in a copy of the database"
        );
    }
    // Everyone else signs in as before, in any capitals.
    for (name, secret) in [ASH, SAM, ("ASH", ASH.1), ("S3.1.Priya", PRIYA.1)] {
        assert_eq!(sign_in(name, secret).await, reqwest::StatusCode::OK, "{name}");
    }
    server.stop().await;
}
