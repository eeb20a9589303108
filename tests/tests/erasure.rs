//! A young person's data has an end, on both backends: they delete their account (at once, or
//! after a cooling-off they can cancel by signing in), or support ends and the retention period
//! passes. Then every row of theirs goes, their workers' devices drop their records, and a copy
//! of the database holds neither their name nor anything they wrote.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;
use tandem_server::config::Settings;
use tandem_shared::wire::OpStatus;
use tandem_shared::{FieldValue, PersonId, RecordId, RecordKind, Visibility};
use tandem_tests::*;

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// A young person with a name nothing else in the database could hold, joined on their phone,
/// supported by Sam, who holds a record they wrote (shared with workers), a suggestion Sam made
/// for them, an alert they raised, and an access log of Sam's reads.
struct Supported {
    phone: Client,
    sam: Client,
    admin: Client,
    id: PersonId,
    records: Vec<RecordId>,
    display_name: &'static str,
    name: &'static str,
}

async fn supported_young_person(server: &TestServer) -> Supported {
    let (display_name, name) = ("Oriel Quillfeather", "oriel.quill");
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let mut sam = server.signed_in(SAM.0, SAM.1).await;
    let (status, invite) = admin
        .call(Method::POST, "/api/admin/invites", Some(json!({"display_name": display_name, "workers": [sam.me()]})))
        .await;
    assert_eq!(status, StatusCode::OK, "{invite}");
    let mut phone = server.device();
    let (status, tokens) = phone
        .call(
            Method::POST,
            "/api/auth/join",
            Some(json!({"code": invite["code"], "name": name, "secret": "6419", "device": phone.device})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    phone.take_tokens(&tokens);
    let id = phone.me();

    let (mine, suggestion) = (new_record(), new_record());
    let op = phone.op(
        mine,
        RecordKind::Statement,
        id,
        vec![FieldValue::Text("I feel safest at my nan's on Sundays".into()), FieldValue::Visibility(Visibility::Team)],
    );
    assert_eq!(phone.push(vec![op]).await.results[0].status, OpStatus::Applied);
    let op = sam.op(suggestion, RecordKind::Goal, id, vec![FieldValue::Title("Visit the college open day".into())]);
    assert_eq!(sam.push(vec![op]).await.results[0].status, OpStatus::Applied);
    let (status, _) =
        phone.call(Method::POST, "/api/alerts", Some(json!({"id": uuid::Uuid::now_v7(), "raised_at": now_ms()}))).await;
    assert_eq!(status, StatusCode::OK);
    sam.pull().await;
    assert!(sam.records.contains_key(&mine) && sam.records.contains_key(&suggestion));
    // Each has put away a notice about what they wrote (rows naming the person and the record).
    for who in [&phone, &sam] {
        let notice = format!("{mine}/text/{}.0/{}", now_ms(), who.device);
        let (status, body) = who.call(Method::POST, "/api/me/put-away", Some(json!({"notices": [notice]}))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // Drop-in staff have looked at what they share with the team (a row naming them).
    let dropin = server.signed_in(DROPIN.0, DROPIN.1).await;
    let (status, body) =
        dropin.call(Method::POST, &format!("/api/caseload/{id}/looked"), Some(json!({"at": now_ms()}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, log) = phone.call(Method::GET, "/api/me/access-log", None).await;
    assert!(!log.as_array().unwrap().is_empty(), "Sam's reads are logged: {log}");
    // A mistyped PIN is counted under their name: that count is theirs too.
    let (status, _) = phone
        .call(Method::POST, "/api/auth/sign-in", Some(json!({"name": name, "secret": "0000", "device": phone.device})))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(failed_sign_ins_under(server, name).await, 1);
    // Names are sealed at rest like words, so even now a copy holds neither: what the searches
    // after an erasure look for is a name written somewhere in plain (an audit line, the ledger).
    let copy = server.database_copy();
    assert!(
        !contains(&copy, name) && !contains(&copy, "Quillfeather"),
        "their name is readable in a copy of the database"
    );
    Supported { phone, sam, admin, id, records: vec![mine, suggestion], display_name, name }
}

/// Rows counting failed sign-ins under `name` (kept under a hash keyed by the data key).
async fn failed_sign_ins_under(server: &TestServer, name: &'static str) -> i64 {
    server
        .store
        .read(move |db| {
            let key = db.keyring().name_key(name);
            db.query_one("SELECT count(*) FROM signin_attempts WHERE name_hash = ?1", &[(&key).into()])?.int(0)
        })
        .await
        .unwrap()
}

/// Every table row that names the person, or holds one of their records.
async fn rows_left(server: &TestServer, who: PersonId, records: &[RecordId]) -> i64 {
    let (who, records) = (who.to_string(), records.iter().map(|r| r.to_string()).collect::<Vec<_>>());
    server
        .store
        .read(move |db| {
            let mut n = 0;
            for sql in [
                "SELECT count(*) FROM people WHERE id = ?1",
                "SELECT count(*) FROM records WHERE owner_id = ?1",
                "SELECT count(*) FROM sessions WHERE person_id = ?1",
                "SELECT count(*) FROM devices WHERE person_id = ?1",
                "SELECT count(*) FROM assignments WHERE young_person_id = ?1",
                "SELECT count(*) FROM former_assignments WHERE young_person_id = ?1",
                "SELECT count(*) FROM invites WHERE young_person_id = ?1",
                "SELECT count(*) FROM alerts WHERE young_person_id = ?1",
                "SELECT count(*) FROM access_log WHERE young_person_id = ?1",
                "SELECT count(*) FROM copies_made WHERE young_person_id = ?1",
                "SELECT count(*) FROM put_away WHERE person_id = ?1",
                "SELECT count(*) FROM team_looks WHERE young_person_id = ?1",
            ] {
                n += db.query_one(sql, &[(&who).into()])?.int(0)?;
            }
            // By id too: a record a worker made for them is theirs as well.
            for record in &records {
                n += db.query_one("SELECT count(*) FROM records WHERE id = ?1", &[record.into()])?.int(0)?;
                n += db.query_one("SELECT count(*) FROM put_away WHERE record_id = ?1", &[record.into()])?.int(0)?;
            }
            Ok(n)
        })
        .await
        .unwrap()
}

/// None of `traces` is in a copy of the database. The files follow the tables once the
/// write-ahead log is emptied, which an erasure does just after its commit and which waits for
/// readers: give it a few seconds.
async fn assert_no_trace(server: &TestServer, traces: &[&str]) {
    let mut left: Vec<&str> = traces.to_vec();
    for _ in 0..100 {
        let copy = server.database_copy();
        left = traces.iter().copied().filter(|t| contains(&copy, t)).collect();
        if left.is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{left:?} still in a copy of the database");
}

/// How a sign-in as `name` with `secret` from a new device is answered.
async fn sign_in_answer(server: &TestServer, name: &str, secret: &str) -> StatusCode {
    let device = server.device();
    let body = json!({"name": name, "secret": secret, "device": device.device});
    device.call(Method::POST, "/api/auth/sign-in", Some(body)).await.0
}

/// After an erasure: nothing of theirs in the tables or in a copy of the database, their
/// sessions are over, Sam's device drops their records and his caseload no longer has them, and
/// the audit log says it happened without saying who they were.
async fn assert_erased(server: &TestServer, yp: &mut Supported) {
    assert_eq!(rows_left(server, yp.id, &yp.records).await, 0, "every row of theirs is gone");
    // Noted outside the database, by their random id alone, for a restore to erase them again.
    let listed = server.ledger();
    assert!(listed.contains(&yp.id.to_string()), "{listed}");
    assert!(!listed.contains(yp.name) && !listed.contains("Oriel"), "{listed}");
    assert_eq!(failed_sign_ins_under(server, yp.name).await, 0, "failed sign-ins under their name are forgotten");
    assert_no_trace(server, &[yp.display_name, yp.name, "Quillfeather"]).await;
    let (status, _) = yp.phone.call(Method::GET, "/api/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "their sessions have ended");
    let pages = yp.sam.pull().await;
    let removed: Vec<_> = pages.iter().flat_map(|p| p.removed.clone()).collect();
    for record in &yp.records {
        assert!(removed.contains(record), "Sam's device is told to drop {record:?}");
        assert!(!yp.sam.records.contains_key(record));
    }
    let (_, me) = yp.sam.call(Method::GET, "/api/me", None).await;
    assert!(!me["caseload"].to_string().contains(&yp.id.to_string()), "{me}");
    // A change Sam made offline to their record is refused plainly, not a server error.
    let op = yp.sam.op(yp.records[1], RecordKind::Goal, yp.id, vec![FieldValue::Title("late edit".into())]);
    assert_eq!(yp.sam.push(vec![op]).await.results[0].status, OpStatus::Rejected);

    let (_, audit) = yp.admin.call(Method::GET, "/api/admin/audit", None).await;
    let erased: Vec<&Value> = audit.as_array().unwrap().iter().filter(|e| e["action"] == "erased").collect();
    assert_eq!(erased.len(), 1, "{audit}");
    assert_eq!(erased[0]["subject"], yp.id.to_string());
    assert!(erased[0]["detail"].as_str().unwrap().contains("2 records"), "{audit}");
    assert!(!audit.to_string().contains("Oriel"), "the audit log doesn't name them: {audit}");
}

#[tokio::test]
async fn a_young_person_who_deletes_their_account_at_once_leaves_no_trace() {
    let server = TestServer::start().await;
    let mut yp = supported_young_person(&server).await;
    let (status, body) = yp.phone.call(Method::POST, "/api/me/erasure", Some(json!({"now": true}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["erased"], true);
    assert_erased(&server, &mut yp).await;
    // Their name is free and nothing answers differently for it.
    assert_eq!(sign_in_answer(&server, yp.name, "6419").await, StatusCode::UNAUTHORIZED);
    server.stop().await;
}

#[tokio::test]
async fn asking_to_be_deleted_signs_out_everywhere_and_signing_in_again_keeps_the_account() {
    let server = TestServer::start().await;
    let yp = supported_young_person(&server).await;
    let before = now_ms() as i64;
    let (status, body) = yp.phone.call(Method::POST, "/api/me/erasure", Some(json!({"now": false}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["erased"], false);
    let week = 7 * 86_400_000;
    let erase_at = body["erase_at"].as_i64().unwrap();
    assert!((before + week..=now_ms() as i64 + week).contains(&erase_at), "a week from now: {body}");
    assert_eq!(yp.phone.call(Method::GET, "/api/me", None).await.0, StatusCode::UNAUTHORIZED, "signed out");
    assert!(rows_left(&server, yp.id, &yp.records).await > 0, "nothing is erased during the cooling-off");
    let (_, sams) = yp.sam.call(Method::GET, "/api/me", None).await;
    let entry = sams["caseload"].as_array().unwrap().iter().find(|p| p["id"] == json!(yp.id)).cloned().unwrap();
    assert!(entry.get("erase_at").is_none(), "asking to be deleted is the young person's own business: {entry}");

    let mut phone = server.device();
    let (status, tokens) = phone
        .call(
            Method::POST,
            "/api/auth/sign-in",
            Some(json!({"name": yp.name, "secret": "6419", "device": phone.device})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tokens["erasure_cancelled"], true, "they are told their account stays: {tokens}");
    phone.take_tokens(&tokens);
    let (_, me) = phone.call(Method::GET, "/api/me", None).await;
    assert!(me["erase_at"].is_null(), "{me}");
    phone.pull().await;
    assert!(phone.records.contains_key(&yp.records[0]), "their things are all still there");
    // A later sign-in says nothing of it.
    let (_, tokens) = phone
        .call(
            Method::POST,
            "/api/auth/sign-in",
            Some(json!({"name": yp.name, "secret": "6419", "device": phone.device})),
        )
        .await;
    assert!(tokens.get("erasure_cancelled").is_none(), "{tokens}");
    server.stop().await;
}

#[tokio::test]
async fn after_the_cooling_off_the_erasure_job_erases_them() {
    let settings =
        Settings { cooling_off_ms: 0, erasure_check_every: Duration::from_millis(50), ..Settings::default() };
    let server = TestServer::start_with(settings).await;
    let mut yp = supported_young_person(&server).await;
    let (status, _) = yp.phone.call(Method::POST, "/api/me/erasure", Some(json!({"now": false}))).await;
    assert_eq!(status, StatusCode::OK);
    wait_until_erased(&server, &yp).await;
    assert_erased(&server, &mut yp).await;
    server.stop().await;
}

#[tokio::test]
async fn a_closed_case_is_shown_to_the_young_person_and_erased_after_the_retention_period() {
    // A long retention first: the young person sees when their things will go.
    let server = TestServer::start().await;
    let yp = supported_young_person(&server).await;
    let closed_at = now_ms() as i64;
    let (status, body) = yp.admin.call(Method::POST, &format!("/api/admin/people/{}/close-case", yp.id), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, me) = yp.phone.call(Method::GET, "/api/me", None).await;
    let retention = Settings::default().retention_ms;
    assert!(me["case_closed_at"].as_i64().unwrap() >= closed_at, "{me}");
    assert_eq!(me["erase_at"].as_i64().unwrap(), me["case_closed_at"].as_i64().unwrap() + retention);
    // Their key worker is told too, so nobody goes on working with them unaware.
    let entry = |me: &serde_json::Value| {
        me["caseload"].as_array().unwrap().iter().find(|p| p["id"] == json!(yp.id)).cloned().expect("in the caseload")
    };
    let (_, sams) = yp.sam.call(Method::GET, "/api/me", None).await;
    assert_eq!(entry(&sams)["case_closed_at"], me["case_closed_at"], "{sams}");
    assert_eq!(entry(&sams)["erase_at"], me["erase_at"], "{sams}");
    // The admin's list of people says when, too.
    let listed = |people: serde_json::Value| {
        people.as_array().unwrap().iter().find(|p| p["id"] == json!(yp.id)).cloned().unwrap()
    };
    let (_, people) = yp.admin.call(Method::GET, "/api/admin/people", None).await;
    assert_eq!(listed(people)["erased_at"], me["erase_at"]);
    // Reopened: no erasure planned.
    let (status, _) = yp.admin.call(Method::POST, &format!("/api/admin/people/{}/reopen-case", yp.id), None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, me) = yp.phone.call(Method::GET, "/api/me", None).await;
    assert!(me["erase_at"].is_null() && me["case_closed_at"].is_null(), "{me}");
    let (_, sams) = yp.sam.call(Method::GET, "/api/me", None).await;
    assert!(entry(&sams).get("case_closed_at").is_none(), "{sams}");
    let (_, people) = yp.admin.call(Method::GET, "/api/admin/people", None).await;
    assert!(listed(people)["erased_at"].is_null());
    // Only admins close cases, and only young people's.
    let (status, _) = yp.sam.call(Method::POST, &format!("/api/admin/people/{}/close-case", yp.id), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = yp.admin.call(Method::POST, &format!("/api/admin/people/{}/close-case", yp.sam.me()), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = yp.admin.call(Method::POST, "/api/admin/people/not-an-id/close-case", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    server.stop().await;

    // A retention period of nothing: the job erases them as soon as the case closes.
    let settings = Settings { retention_ms: 0, erasure_check_every: Duration::from_millis(50), ..Settings::default() };
    let server = TestServer::start_with(settings).await;
    let mut yp = supported_young_person(&server).await;
    let (status, _) = yp.admin.call(Method::POST, &format!("/api/admin/people/{}/close-case", yp.id), None).await;
    assert_eq!(status, StatusCode::OK);
    wait_until_erased(&server, &yp).await;
    assert_erased(&server, &mut yp).await;
    let (_, audit) = yp.admin.call(Method::GET, "/api/admin/audit", None).await;
    let erased = audit.as_array().unwrap().iter().find(|e| e["action"] == "erased").unwrap();
    assert!(erased["actor"].is_null(), "the server did it: {erased}");
    assert!(erased["detail"].as_str().unwrap().contains("retention"), "{erased}");
    assert!(audit.as_array().unwrap().iter().any(|e| e["action"] == "closed a case"), "{audit}");
    server.stop().await;
}

async fn wait_until_erased(server: &TestServer, yp: &Supported) {
    for _ in 0..400 {
        let (_, people) = yp.admin.call(Method::GET, "/api/admin/people", None).await;
        if !people.to_string().contains(&yp.id.to_string()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the erasure job never erased {}", server.base);
}

#[tokio::test]
async fn a_ledger_that_cant_be_read_stops_the_server_starting_in_plain_words() {
    let server = TestServer::start().await;
    let (db, key, data_key) = (server.db.clone(), server.key_path(), server.data_key_path());
    let files = server.stop_keeping_files().await;
    // A file it can write to but not read (not text: another file copied over it).
    std::fs::write(files.path().join("tandem.db.data-key.ledger"), [0xff, 0xfe, 0x00, 0x9f]).unwrap();
    let refused = tandem_server::open_state(&db, Some(&key), Some(&data_key), None, Default::default())
        .await
        .err()
        .expect("refused to start")
        .to_string();
    assert!(refused.contains("the ledger") && refused.contains("tandem.db.data-key.ledger"), "{refused}");
    assert!(refused.contains("can't be read") && refused.contains("put it back"), "{refused}");
}

/// A backup of the server's database, as a service takes one: SQLite's online backup (what
/// `tandem backup` makes), or a `pg_dump`.
enum Backup {
    Sqlite(tempfile::TempDir),
    Postgres(Vec<u8>),
}

impl Backup {
    fn take(server: &TestServer) -> Backup {
        if postgres_server().is_some() {
            return Backup::Postgres(server.database_copy());
        }
        let dir = tempfile::tempdir().unwrap();
        server.store.backup_to(&dir.path().join("backup.db")).expect("backup");
        Backup::Sqlite(dir)
    }

    fn holds(&self, words: &str) -> bool {
        match self {
            Backup::Sqlite(dir) => contains(&std::fs::read(dir.path().join("backup.db")).unwrap(), words),
            Backup::Postgres(dump) => contains(dump, words),
        }
    }

    /// Puts the backup in place as a new database beside the keys in `dir`, as after a lost disk.
    async fn restore(&self, dir: &std::path::Path) -> String {
        match self {
            Backup::Sqlite(from) => {
                let db = dir.join("restored.db");
                std::fs::copy(from.path().join("backup.db"), &db).unwrap();
                db.display().to_string()
            }
            Backup::Postgres(dump) => {
                let db = fresh_database(dir).await;
                let file = dir.join("dump.sql");
                std::fs::write(&file, dump).unwrap();
                let pg_bin = std::env::var("PG_BIN").expect("PG_BIN names PostgreSQL's tools (scripts/postgres.sh)");
                let out = std::process::Command::new(format!("{pg_bin}/psql"))
                    .args(["-q", "-v", "ON_ERROR_STOP=1", "-d", &db, "-f"])
                    .arg(&file)
                    .output()
                    .unwrap();
                assert!(out.status.success(), "restore: {}", String::from_utf8_lossy(&out.stderr));
                db
            }
        }
    }
}

#[tokio::test]
async fn an_erasure_made_after_a_backup_is_made_again_when_that_backup_is_restored() {
    let server = TestServer::start().await;
    let yp = supported_young_person(&server).await;
    let backup = Backup::take(&server);
    // Their id, that is: their name is sealed, as their words are.
    assert!(backup.holds(&yp.id.to_string()), "the backup holds them, as any backup made before would");
    let (status, body) = yp.phone.call(Method::POST, "/api/me/erasure", Some(json!({"now": true}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(server.ledger().contains(&yp.id.to_string()));

    // The disk is lost; the service restores last night's backup beside the same key files.
    let dir = server.stop_keeping_files().await;
    let db = backup.restore(dir.path()).await;
    let restored = TestServer::start_existing(dir, db).await;

    assert_eq!(rows_left(&restored, yp.id, &yp.records).await, 0, "erased again before serving");
    assert_no_trace(&restored, &[yp.display_name, yp.name]).await;
    assert_eq!(sign_in_answer(&restored, yp.name, "6419").await, StatusCode::UNAUTHORIZED, "not to the restored copy");
    let mut sam = restored.signed_in(SAM.0, SAM.1).await;
    sam.pull().await;
    for record in &yp.records {
        assert!(!sam.records.contains_key(record), "Sam's new device gets nothing of theirs");
    }
    let again = done_again(&restored).await;
    assert_eq!(again.len(), 1, "the audit log says it was done again: {again:?}");
    assert_eq!(
        (again[0]["action"].as_str(), again[0]["subject"].as_str()),
        (Some("erased"), Some(&*yp.id.to_string()))
    );
    restored.stop().await;
}

/// The audit log's entries for what a start did again after a restore.
async fn done_again(server: &TestServer) -> Vec<Value> {
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let (_, audit) = admin.call(Method::GET, "/api/admin/audit", None).await;
    let entries = audit.as_array().unwrap().iter();
    entries.filter(|e| e["detail"].as_str().unwrap().contains("restored from a copy made before")).cloned().collect()
}

/// When each young person asked to be erased, and when their case closed, as the database says.
async fn plan_of(server: &TestServer, who: PersonId) -> (Option<i64>, Option<i64>) {
    server
        .store
        .read(move |db| {
            let row = db.query_one(
                "SELECT erasure_asked_at, case_closed_at FROM people WHERE id = ?1",
                &[who.to_string().into()],
            )?;
            Ok((row.opt_int(0)?, row.opt_int(1)?))
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn requests_to_be_erased_case_closures_and_changes_of_mind_made_after_a_backup_hold_after_it_is_restored() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let (ash, kai, mut mo) = (
        server.signed_in(ASH.0, ASH.1).await,
        server.signed_in(KAI.0, KAI.1).await,
        server.signed_in(MO.0, MO.1).await,
    );
    // Mo asks to be erased, and the backup is taken during the cooling-off.
    let (status, _) = mo.call(Method::POST, "/api/me/erasure", Some(json!({"now": false}))).await;
    assert_eq!(status, StatusCode::OK);
    let backup = Backup::take(&server);

    // Then: Ash asks to go; Kai's case is closed; Mo signs in, and so keeps their account.
    let (status, _) = ash.call(Method::POST, "/api/me/erasure", Some(json!({"now": false}))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = admin.call(Method::POST, &format!("/api/admin/people/{}/close-case", kai.me()), None).await;
    assert_eq!(status, StatusCode::OK);
    mo.sign_in(MO.0, MO.1).await;
    let before = [plan_of(&server, ash.me()).await, plan_of(&server, kai.me()).await, plan_of(&server, mo.me()).await];
    assert!(before[0].0.is_some() && before[1].1.is_some() && before[2] == (None, None), "{before:?}");

    let dir = server.stop_keeping_files().await;
    let db = backup.restore(dir.path()).await;
    let restored = TestServer::start_existing(dir, db).await;
    let after =
        [plan_of(&restored, ash.me()).await, plan_of(&restored, kai.me()).await, plan_of(&restored, mo.me()).await];
    assert_eq!(after, before, "each decision holds as it was made, at the time it was made");
    // Asking to go signs them out everywhere: so it does again.
    let mut ash_again = restored.device();
    (ash_again.token, ash_again.person) = (ash.token.clone(), ash.person);
    assert_eq!(ash_again.call(Method::GET, "/api/me", None).await.0, StatusCode::UNAUTHORIZED);

    let again = done_again(&restored).await;
    let mut actions: Vec<&str> = again.iter().map(|e| e["action"].as_str().unwrap()).collect();
    actions.sort_unstable();
    assert_eq!(actions, ["asked to be erased", "closed a case", "kept their account"], "{again:?}");
    restored.stop().await;
}

/// Who may get in is decided after a backup too: a lost phone's session ended, a worker who
/// left deactivated, a young person's worker changed, a PIN changed because someone saw it,
/// "sign out everywhere". Restoring that backup must not open a door any of them closed.
#[tokio::test]
async fn who_can_get_in_as_decided_after_a_backup_holds_after_it_is_restored() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let (lost_phone, priya, kai, dropin) = (
        server.signed_in(ASH.0, ASH.1).await,
        server.signed_in(PRIYA.0, PRIYA.1).await,
        server.signed_in(KAI.0, KAI.1).await,
        server.signed_in(DROPIN.0, DROPIN.1).await,
    );
    let (sam, mo) = (server.signed_in(SAM.0, SAM.1).await.me(), server.signed_in(MO.0, MO.1).await.me());
    let done = |(status, body): (StatusCode, Value)| assert_eq!(status, StatusCode::OK, "{body}");
    // Priya is on duty for young people with no key worker; the drop-in has a shared tablet.
    done(admin.call(Method::PUT, "/api/admin/settings", Some(json!({"duty_worker": priya.me()}))).await);
    let (_, tablet) = admin.call(Method::POST, "/api/admin/tablets", Some(json!({"name": "Front desk tablet"}))).await;
    let backup = Backup::take(&server);

    let ash = lost_phone.me();
    let (_, sessions) = admin.call(Method::GET, &format!("/api/admin/people/{ash}/sessions"), None).await;
    let session = sessions[0]["id"].as_str().expect("Ash's phone is signed in").to_owned();
    done(admin.call(Method::POST, &format!("/api/admin/people/{ash}/sessions/{session}/end"), None).await);
    // Priya leaves (Mo, hers, is left with nobody; nobody is on duty) and Sam takes Mo on, and duty.
    done(admin.call(Method::POST, &format!("/api/admin/people/{}/deactivate", priya.me()), None).await);
    done(admin.call(Method::PUT, "/api/admin/settings", Some(json!({"duty_worker": sam}))).await);
    // The tablet is stolen.
    done(
        admin.call(Method::POST, &format!("/api/admin/tablets/{}/remove", tablet["id"].as_str().unwrap()), None).await,
    );
    let pair = |young_person: PersonId| Some(json!({"worker": sam, "young_person": young_person}));
    done(admin.call(Method::POST, "/api/admin/assignments", pair(mo)).await);
    // Kai no longer works with Sam, and changes their PIN: someone saw it.
    done(admin.call(Method::POST, "/api/admin/assignments/end", pair(kai.me())).await);
    done(kai.call(Method::POST, "/api/me/password", Some(json!({"current": KAI.1, "new": "5791"}))).await);
    done(dropin.call(Method::POST, "/api/auth/sign-out-everywhere", None).await);
    let assignments = |server: &TestServer| {
        let store = server.store.clone();
        async move {
            let table = store.read(tandem_server::store::people::assignment_table).await.unwrap();
            let mut pairs: Vec<(PersonId, PersonId)> =
                table.into_iter().flat_map(|(yp, _, workers)| workers.into_iter().map(move |(w, _)| (w, yp))).collect();
            pairs.sort();
            pairs
        }
    };
    let decided = assignments(&server).await;

    let dir = server.stop_keeping_files().await;
    let db = backup.restore(dir.path()).await;
    let restored = TestServer::start_existing(dir, db).await;

    let mut lost_phone_again = restored.device();
    let (status, _) = lost_phone_again
        .call(Method::POST, "/api/auth/refresh", Some(json!({"refresh_token": lost_phone.refresh})))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the lost phone's sign-in can't be renewed");
    (lost_phone_again.token, lost_phone_again.person) = (lost_phone.token.clone(), lost_phone.person);
    for (who, old) in
        [("the lost phone", &lost_phone_again), ("Priya's laptop", &priya), ("the drop-in tablet", &dropin)]
    {
        let mut again = restored.device();
        (again.token, again.person) = (old.token.clone(), old.person);
        assert_eq!(again.call(Method::GET, "/api/me", None).await.0, StatusCode::UNAUTHORIZED, "{who}");
    }
    assert_eq!(sign_in_answer(&restored, PRIYA.0, PRIYA.1).await, StatusCode::UNAUTHORIZED, "Priya left");
    assert_eq!(assignments(&restored).await, decided, "Sam has Mo, not Kai; Priya nobody");
    let admin = restored.signed_in(ADMIN.0, ADMIN.1).await;
    let (_, settings) = admin.call(Method::GET, "/api/admin/settings", None).await;
    assert_eq!(settings["duty_worker"], json!(sam), "Sam is on duty, not Priya");
    let (_, tablets) = admin.call(Method::GET, "/api/admin/tablets", None).await;
    assert_eq!(tablets, json!([]), "the stolen tablet stays removed");
    // Kai's PIN from before the backup no longer works; the one they chose since is unknown to
    // the copy. A new invite code lets them choose one again.
    assert_eq!(sign_in_answer(&restored, KAI.0, KAI.1).await, StatusCode::UNAUTHORIZED);
    let mut again: Vec<String> =
        done_again(&restored).await.iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect();
    again.sort_unstable();
    let expected = [
        "assigned",
        "deactivated",
        "ended a session",
        "ended an assignment",
        "ended every session",
        "named a duty worker",
        "removed a shared tablet",
    ];
    assert_eq!(again, expected, "each made again, and said so in the audit log");

    // Starting again on a database that agrees with the ledger changes nothing.
    let db = restored.db.clone();
    let restored = TestServer::start_existing(restored.stop_keeping_files().await, db).await;
    assert_eq!(done_again(&restored).await.len(), expected.len());
    assert_eq!(assignments(&restored).await, decided);
    let admin = restored.signed_in(ADMIN.0, ADMIN.1).await;
    let (_, settings) = admin.call(Method::GET, "/api/admin/settings", None).await;
    assert_eq!(settings["duty_worker"], json!(sam));
    let (_, audit) = admin.call(Method::GET, &format!("/api/admin/audit?person={}", kai.me()), None).await;
    assert!(audit.to_string().contains("make them a new invite code"), "the audit log says what to do: {audit}");
    let needs_new = |people: &Value| -> Vec<String> {
        let people = people.as_array().unwrap().iter().filter(|p| p["needs_new_secret"] == true);
        people.map(|p| p["display_name"].as_str().unwrap().to_owned()).collect()
    };
    let (_, people) = admin.call(Method::GET, "/api/admin/people", None).await;
    assert_eq!(needs_new(&people), ["kai"], "the console's list says who needs one: {people}");
    let (status, invite) = admin.call(Method::POST, &format!("/api/admin/people/{}/new-invite", kai.me()), None).await;
    assert_eq!(status, StatusCode::OK, "{invite}");
    let phone = restored.device();
    let joined = json!({"code": invite["code"], "name": KAI.0, "secret": "8024", "device": phone.device});
    let (status, tokens) = phone.call(Method::POST, "/api/auth/join", Some(joined)).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(sign_in_answer(&restored, KAI.0, "8024").await, StatusCode::OK);
    let (_, people) = admin.call(Method::GET, "/api/admin/people", None).await;
    assert!(needs_new(&people).is_empty(), "{people}");
    let (_, audit) = admin.call(Method::GET, &format!("/api/admin/audit?person={}", kai.me()), None).await;
    let lost =
        audit.as_array().unwrap().iter().filter(|e| e["action"] == "a later password or PIN was lost in a restore");
    assert_eq!(lost.count(), 1, "said once, not again at each start: {audit}");
    restored.stop().await;
}

/// A start prunes the ledger of lines no restore could need, and a backup restored after it
/// still comes back as decided: Priya, who left, came back and left again, gone; the young
/// person erased, with the notes about them before that gone; a sign-in ended longer ago than
/// one lasts forgotten.
#[tokio::test]
async fn a_start_prunes_the_ledger_and_a_restore_after_it_still_makes_every_decision_hold() {
    let server = TestServer::start().await;
    let yp = supported_young_person(&server).await;
    let backup = Backup::take(&server);
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let priya = server.signed_in(PRIYA.0, PRIYA.1).await.me();
    // Priya took them on for a while (until she left).
    let pair = Some(json!({"worker": priya, "young_person": yp.id}));
    assert_eq!(admin.call(Method::POST, "/api/admin/assignments", pair).await.0, StatusCode::OK);
    for action in ["deactivate", "reactivate", "deactivate"] {
        let (status, body) = admin.call(Method::POST, &format!("/api/admin/people/{priya}/{action}"), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body) = yp.phone.call(Method::POST, "/api/me/erasure", Some(json!({"now": true}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let long_ago = tandem_server::store::now_ms() - 40 * 86_400_000;
    let old_session = uuid::Uuid::now_v7();
    let ledger = tandem_server::ledger::Ledger::beside(&server.data_key_path());
    let mut file = std::fs::OpenOptions::new().append(true).open(ledger.path()).unwrap();
    std::io::Write::write_all(&mut file, format!("session-ended {old_session} {long_ago}\n").as_bytes()).unwrap();
    let lines_about = |ledger: &str, id: &str| ledger.lines().filter(|l| l.contains(id)).count();
    let here_or_not = |ledger: &str| ledger.lines().filter(|l| l.contains(&format!("activated {priya} "))).count();
    let before = server.ledger();
    assert_eq!(here_or_not(&before), 3, "{before}");
    assert!(lines_about(&before, &yp.id.to_string()) > 1, "{before}");

    let db = server.db.clone();
    let started = TestServer::start_existing(server.stop_keeping_files().await, db).await;
    let after = started.ledger();
    assert_eq!(here_or_not(&after), 1, "only the latest about Priya being here: {after}");
    assert!(after.contains(&format!("deactivated {priya} ")), "{after}");
    assert_eq!(lines_about(&after, &yp.id.to_string()), 1, "only their erasure: {after}");
    assert!(after.starts_with(&format!("erased {} ", yp.id)) || after.contains(&format!("\nerased {} ", yp.id)));
    assert!(!after.contains(&old_session.to_string()), "{after}");

    // The disk is lost; last night's backup (from before all of it) is restored.
    let dir = started.stop_keeping_files().await;
    let db = backup.restore(dir.path()).await;
    let restored = TestServer::start_existing(dir, db).await;
    assert_eq!(rows_left(&restored, yp.id, &yp.records).await, 0, "erased again");
    assert_eq!(sign_in_answer(&restored, PRIYA.0, PRIYA.1).await, StatusCode::UNAUTHORIZED, "Priya left");
    let mut again: Vec<String> =
        done_again(&restored).await.iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect();
    again.sort_unstable();
    // Priya's leaving ended her assignments (the demo's young person's, too): ended again.
    assert_eq!(again, ["deactivated", "ended an assignment", "erased"]);
    restored.stop().await;
}

/// A decision whose note in the ledger failed (a full disk) stands against an earlier one the
/// ledger holds: an assignment ended then is not made again at the next start.
#[tokio::test]
async fn an_assignment_ended_without_a_note_is_not_made_again_at_the_next_start() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let (sam, mo) = (server.signed_in(SAM.0, SAM.1).await.me(), server.signed_in(MO.0, MO.1).await.me());
    let pair = Some(json!({"worker": sam, "young_person": mo}));
    assert_eq!(admin.call(Method::POST, "/api/admin/assignments", pair).await.0, StatusCode::OK);
    assert!(server.ledger().contains(&format!("assigned {mo} ")));
    // Ended, as the server does, but with no line in the ledger.
    let ended = tandem_server::store::now_ms() + 1;
    server.store.write(move |tx| tandem_server::accounts::unassign(tx, sam, mo, ended)).await.unwrap();

    let db = server.db.clone();
    let again = TestServer::start_existing(server.stop_keeping_files().await, db).await;
    let assigned = again.store.read(move |db| tandem_server::store::people::is_assigned(db, sam, mo)).await.unwrap();
    assert!(!assigned, "the ending stands");
    assert!(done_again(&again).await.is_empty());
    again.stop().await;
}

/// The same for a reactivation: the deactivation the ledger noted before it is not made again.
#[tokio::test]
async fn a_reactivation_without_a_note_is_not_undone_at_the_next_start() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let priya = server.signed_in(PRIYA.0, PRIYA.1).await.me();
    let (status, _) = admin.call(Method::POST, &format!("/api/admin/people/{priya}/deactivate"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(server.ledger().contains(&format!("deactivated {priya} ")));
    // Reactivated, as the server does, but with no line in the ledger.
    let at = tandem_server::store::now_ms() + 1;
    let reactivated = server.store.write(move |tx| tandem_server::store::people::set_active(tx, priya, true, at));
    assert!(reactivated.await.unwrap());

    let db = server.db.clone();
    let again = TestServer::start_existing(server.stop_keeping_files().await, db).await;
    let person = again.store.read(move |db| tandem_server::store::people::by_id(db, priya)).await.unwrap().unwrap();
    assert!(!person.deactivated(), "the reactivation stands");
    assert!(done_again(&again).await.is_empty());
    again.signed_in(PRIYA.0, PRIYA.1).await;
    again.stop().await;
}

/// Replicas share one ledger (every replica's `--ledger`, here beside the one data key file they
/// share): decisions made on each, after a backup, all hold when that backup is restored under
/// whichever replica starts first, on its own.
#[tokio::test]
async fn two_replicas_decisions_made_on_either_hold_when_a_backup_is_restored_under_one() {
    let a = TestServer::start().await;
    let b = a.replica().await;
    let yp = supported_young_person(&a).await;
    let kai_on_b = b.signed_in(KAI.0, KAI.1).await;
    let backup = Backup::take(&a);

    // On A: the young person deletes their account. On B: Priya leaves; Kai signs out.
    let (status, body) = yp.phone.call(Method::POST, "/api/me/erasure", Some(json!({"now": true}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let admin_on_b = b.signed_in(ADMIN.0, ADMIN.1).await;
    let priya = b.signed_in(PRIYA.0, PRIYA.1).await.me();
    let (status, body) = admin_on_b.call(Method::POST, &format!("/api/admin/people/{priya}/deactivate"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(kai_on_b.call(Method::POST, "/api/auth/sign-out", None).await.0, StatusCode::OK);
    let ledger = a.ledger();
    for line in [format!("erased {}", yp.id), format!("deactivated {priya}"), "session-ended ".to_owned()] {
        assert!(ledger.lines().any(|l| l.starts_with(&line)), "{line} in the one ledger: {ledger}");
    }

    // The database is lost; the backup is restored and A starts on it alone (B's machine is down).
    b.stop().await;
    let dir = a.stop_keeping_files().await;
    let db = backup.restore(dir.path()).await;
    let restored = TestServer::start_existing(dir, db).await;
    assert_eq!(rows_left(&restored, yp.id, &yp.records).await, 0, "A's erasure made again");
    assert_no_trace(&restored, &[yp.display_name, yp.name]).await;
    assert_eq!(sign_in_answer(&restored, PRIYA.0, PRIYA.1).await, StatusCode::UNAUTHORIZED, "B's deactivation holds");
    let mut kai_again = restored.device();
    let (status, _) =
        kai_again.call(Method::POST, "/api/auth/refresh", Some(json!({"refresh_token": kai_on_b.refresh}))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "B's ended session stays ended");
    (kai_again.token, kai_again.person) = (kai_on_b.token.clone(), kai_on_b.person);
    assert_eq!(kai_again.call(Method::GET, "/api/me", None).await.0, StatusCode::UNAUTHORIZED);
    restored.stop().await;
}
