//! Words at rest, on both backends: stored sealed, refused without their key file, and re-sealed
//! under a new key while phones keep pushing.

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tandem_server::store::sql::Value;
use tandem_shared::wire::OpStatus;
use tandem_shared::{FieldName, FieldValue, RecordId, RecordKind, Visibility};
use tandem_tests::*;

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn a_copy_of_the_database_holds_none_of_the_words_young_people_and_workers_wrote() {
    let server = TestServer::start().await;
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    let mut sam = server.signed_in(SAM.0, SAM.1).await;
    let ash = phone.me();
    let goal = new_record();
    let op = phone.op(
        goal,
        RecordKind::Goal,
        ash,
        vec![FieldValue::Title("marmalade sky over the canal".into()), FieldValue::Visibility(Visibility::Worker)],
    );
    phone.push(vec![op]).await;
    sam.pull().await;
    // The worker's losing version is kept as a conflict: sealed too.
    let from_sam = sam.op(goal, RecordKind::Goal, ash, vec![FieldValue::Title("tangerine harbour plan".into())]);
    let from_ash = phone.op(goal, RecordKind::Goal, ash, vec![FieldValue::Title("violet lantern morning".into())]);
    sam.push(vec![from_sam]).await;
    assert_eq!(phone.push(vec![from_ash]).await.results[0].status, OpStatus::Merged);
    phone.pull().await;
    assert_eq!(phone.text_of(goal, FieldName::Title), Some(FieldValue::Title("violet lantern morning".into())));
    let kept = &phone.records[&goal].conflicts;
    assert_eq!(kept.len(), 1, "the worker's title is kept: {kept:?}");
    assert!(format!("{kept:?}").contains("tangerine harbour plan"), "{kept:?}");

    let copy = server.database_copy();
    for words in ["marmalade sky", "tangerine harbour", "violet lantern", "good listener"] {
        assert!(!contains(&copy, words), "{words:?} is readable in a copy of the database");
    }
    assert!(contains(&copy, "s3.1."), "the copy holds sealed values");
    server.stop().await;
}

#[tokio::test]
async fn a_copy_of_the_database_names_nobody_and_everyone_still_signs_in_by_name() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    // A member of staff, and a young person invited under one name who joins under another.
    let body = json!({"role": "key_worker", "name": "wrenna.holloway", "display_name": "Wrenna Holloway",
                      "password": "a first password for her"});
    let (status, made) = admin.call(Method::POST, "/api/admin/people", Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let (status, invite) = admin
        .call(Method::POST, "/api/admin/invites", Some(json!({"display_name": "Tobiah Fenwick-Ashe", "workers": []})))
        .await;
    assert_eq!(status, StatusCode::OK, "{invite}");
    let phone = server.device();
    let join = json!({"code": invite["code"], "name": "Tobiah Fenwick", "secret": "4826", "device": phone.device});
    let (status, joined) = phone.call(Method::POST, "/api/auth/join", Some(join)).await;
    assert_eq!(status, StatusCode::OK, "{joined}");

    let copy = server.database_copy();
    for name in ["Wrenna", "wrenna.holloway", "Tobiah", "tobiah", "Fenwick", "Priya", "New starter"] {
        assert!(!contains(&copy, name), "{name:?} is readable in a copy of the database");
    }
    // The sign-in key is keyed by the data key, not a hash anyone could make from a list of names.
    assert!(!contains(&copy, &tandem_server::auth::tokens::hash_secret("tobiah fenwick")));
    // Found by name, in any capitals, and shown by name to the admin.
    for (name, secret) in [("TOBIAH FENWICK", "4826"), ("Wrenna.Holloway", "a first password for her")] {
        server.signed_in(name, secret).await;
    }
    let (_, people) = admin.call(Method::GET, "/api/admin/people", None).await;
    let names: Vec<&str> = people.as_array().unwrap().iter().filter_map(|p| p["display_name"].as_str()).collect();
    assert!(names.contains(&"Wrenna Holloway") && names.contains(&"Tobiah Fenwick"), "{names:?}");
    server.stop().await;
}

/// A record's stored body: SQLite keeps it as bytes, PostgreSQL as text.
async fn stored_body(server: &TestServer, record: RecordId) -> Value {
    let id = record.to_string();
    server
        .store
        .read(move |db| Ok(db.query_one("SELECT body FROM records WHERE id = ?1", &[id.into()])?.0[0].clone()))
        .await
        .unwrap()
}

/// Stores `record`'s body as SQLite held sealed values before 2026-12-02 (`s3.ID.` then the
/// nonce and ciphertext in base64). False on PostgreSQL, whose column has always been text.
async fn back_to_text_form(server: &TestServer, record: RecordId) -> bool {
    let stored = stored_body(server, record).await;
    let Value::Bytes(raw) = stored else {
        assert!(postgres_server().is_some(), "SQLite keeps sealed bodies as bytes: {stored:?}");
        assert!(matches!(&stored, Value::Text(t) if t.starts_with("s3.1.")), "{stored:?}");
        return false;
    };
    let head = raw.iter().enumerate().filter(|(_, b)| **b == b'.').nth(1).unwrap().0 + 1;
    let text = String::from_utf8(raw[..head].to_vec()).unwrap() + &STANDARD_NO_PAD.encode(&raw[head..]);
    assert!(text.starts_with("s3.1."), "{text}");
    let id = record.to_string();
    server
        .store
        .write(move |db| db.execute("UPDATE records SET body = ?2 WHERE id = ?1", &[(&id).into(), (&text).into()]))
        .await
        .unwrap();
    assert!(matches!(stored_body(server, record).await, Value::Text(_)));
    true
}

#[tokio::test]
async fn words_sealed_as_text_before_sqlite_kept_bytes_still_open_and_are_written_as_bytes_when_changed() {
    let server = TestServer::start().await;
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    let ash = phone.me();
    let goal = new_record();
    let op = phone.op(goal, RecordKind::Goal, ash, vec![FieldValue::Title("copper kettle morning".into())]);
    phone.push(vec![op]).await;
    if !back_to_text_form(&server, goal).await {
        return;
    }

    let mut other_phone = server.signed_in(ASH.0, ASH.1).await;
    other_phone.pull().await;
    assert_eq!(other_phone.text_of(goal, FieldName::Title), Some(FieldValue::Title("copper kettle morning".into())));

    let edit = phone.op(goal, RecordKind::Goal, ash, vec![FieldValue::Title("copper kettle evening".into())]);
    assert_eq!(phone.push(vec![edit]).await.results[0].status, OpStatus::Applied);
    assert!(matches!(stored_body(&server, goal).await, Value::Bytes(_)), "a change is written as bytes again");
    other_phone.pull().await;
    assert_eq!(other_phone.text_of(goal, FieldName::Title), Some(FieldValue::Title("copper kettle evening".into())));
    server.stop().await;
}

#[tokio::test]
async fn without_its_data_key_file_an_encrypted_database_refuses_to_start_in_plain_words() {
    let server = TestServer::start().await;
    let (db, key) = (server.db.clone(), server.key_path());
    let missing = server.dir.path().join("elsewhere.data-key");
    let _files = server.stop_keeping_files().await;
    let refused = tandem_server::open_state(&db, Some(&key), Some(&missing), None, Default::default())
        .await
        .err()
        .expect("refused to start")
        .to_string();
    assert!(refused.contains("encrypted") && refused.contains("missing"), "{refused}");
    assert!(refused.contains("elsewhere.data-key"), "names the file it looked for: {refused}");
    assert!(!missing.exists(), "no new key was made over the old words");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotating_the_data_key_while_phones_push_loses_nothing_and_retires_the_old_key() {
    let server = TestServer::start().await;
    // A body as SQLite kept them before it kept bytes: re-sealed as bytes too.
    let mut first = server.signed_in(ASH.0, ASH.1).await;
    let older = new_record();
    let op = first.op(older, RecordKind::Goal, first.me(), vec![FieldValue::Title("written before".into())]);
    first.push(vec![op]).await;
    let sqlite = back_to_text_form(&server, older).await;
    // A staff member's two-step secret, and another half set up, are sealed again too.
    let priya = server.signed_in(PRIYA.0, PRIYA.1).await;
    let (_, set_up) = priya.call(Method::POST, "/api/me/two-step", None).await;
    let typed = set_up["secret"].as_str().unwrap().to_owned();
    let step = two_step_now();
    let confirmed = json!({ "code": two_step_code(&typed, step) });
    assert_eq!(priya.call(Method::POST, "/api/me/two-step/confirm", Some(confirmed)).await.0, StatusCode::OK);
    let (_, half) = server.signed_in(SAM.0, SAM.1).await.call(Method::POST, "/api/me/two-step", None).await;
    assert!(half["secret"].is_string());
    let finish = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut loaders = Vec::new();
    for who in [ASH, KAI] {
        let mut phone = server.signed_in(who.0, who.1).await;
        let finish = finish.clone();
        loaders.push(tokio::spawn(async move {
            let mut written = Vec::new();
            let mut n = 0;
            while !finish.load(std::sync::atomic::Ordering::SeqCst) {
                n += 1;
                let (id, text) = (new_record(), format!("{} wrote this, number {n}", phone.me()));
                let op = phone.op(id, RecordKind::Statement, phone.me(), vec![FieldValue::Text(text.clone())]);
                assert_eq!(phone.push(vec![op]).await.results[0].status, OpStatus::Applied);
                written.push((id, text));
                // A phone saves as someone types, not in a tight loop.
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            (phone, written)
        }));
    }
    // The command line, as an operator runs it, beside the running server.
    let out = tokio::process::Command::new(tandem_binary())
        .args(["--db", &server.db, "--data-key-file"])
        .arg(server.data_key_path())
        .arg("rotate-key")
        .env("TANDEM_LOG", "error")
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "rotate-key: {}", String::from_utf8_lossy(&out.stderr));
    // A little more load after the old key is gone.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    finish.store(true, std::sync::atomic::Ordering::SeqCst);

    let keys = std::fs::read_to_string(server.data_key_path()).unwrap();
    assert_eq!(keys.lines().count(), 1, "only the new key is left");
    assert!(keys.starts_with("2 "), "{keys}");
    let (total, sealed_new) = under_key_2(&server, "body", "records").await;
    assert_eq!(total, sealed_new, "every stored value is sealed under the new key");
    let (people, names_new) = under_key_2(&server, "display_name", "people").await;
    assert_eq!(people, names_new, "every name is sealed under the new key");
    // Found by name under the new key, with the old one gone from the file.
    for (name, secret) in [ASH, SAM, ("Kai", KAI.1)] {
        server.signed_in(name, secret).await;
    }
    let with_code = json!({ "name": PRIYA.0, "secret": PRIYA.1, "device": new_record().0, "code": two_step_code(&typed, step + 1) });
    let (status, body) = server.device().call(Method::POST, "/api/auth/sign-in", Some(with_code)).await;
    assert_eq!(status, StatusCode::OK, "her code opens under the new key: {body}");
    let (rows, in_use, half_set_up) = server
        .store
        .read(|db| {
            let row = db.query_one(
                "SELECT count(*), CAST(coalesce(sum(CASE WHEN CAST(two_step AS TEXT) LIKE 's3.2.%' THEN 1 ELSE 0 END), 0) AS BIGINT),
                    CAST(coalesce(sum(CASE WHEN CAST(two_step_pending AS TEXT) LIKE 's3.2.%' THEN 1 ELSE 0 END), 0) AS BIGINT)
                 FROM people WHERE two_step IS NOT NULL OR two_step_pending IS NOT NULL",
                &[],
            )?;
            Ok((row.int(0)?, row.int(1)?, row.int(2)?))
        })
        .await
        .unwrap();
    assert_eq!(
        (rows, in_use, half_set_up),
        (2, 1, 1),
        "the secret in use and the one half set up, both under the new key"
    );
    if sqlite {
        let bodies = server.store.read(|db| db.query("SELECT body FROM records", &[])).await.unwrap();
        assert!(bodies.iter().all(|r| matches!(r.0[0], Value::Bytes(_))), "SQLite keeps every body as bytes now");
    }
    first.pull().await;
    assert_eq!(first.text_of(older, FieldName::Title), Some(FieldValue::Title("written before".into())));
    for loader in loaders {
        let (phone, written) = loader.await.unwrap();
        assert!(!written.is_empty());
        // A new device of the same person pulls everything they wrote, through the new key.
        let mut again = server.device();
        again.token = phone.token.clone();
        again.pull().await;
        for (id, text) in &written {
            assert_eq!(again.text_of(*id, FieldName::Text), Some(FieldValue::Text(text.clone())), "{id:?} reads back");
        }
    }
    let (status, _) = server.device().call(Method::GET, "/api/health", None).await;
    assert!(status.is_success());
    server.stop().await;
}

/// Rows of `table`, and how many of them hold `column` sealed under data key 2.
async fn under_key_2(server: &TestServer, column: &str, table: &str) -> (i64, i64) {
    let sql = format!(
        "SELECT count(*), CAST(coalesce(sum(CASE WHEN CAST({column} AS TEXT) LIKE 's3.2.%' THEN 1 ELSE 0 END), 0) AS BIGINT) FROM {table}"
    );
    server
        .store
        .read(move |db| {
            let row = db.query_one(&sql, &[])?;
            Ok((row.int(0)?, row.int(1)?))
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn names_and_addresses_at_a_failed_sign_in_are_kept_only_under_a_keyed_hash() {
    let server = TestServer::start().await;
    let c = server.device();
    // Someone tries a young person's full name who has no account; it is counted toward a lockout.
    let typed = "Zainab Okafor-Reid";
    for attempt in 1..=6 {
        let (status, _) = c
            .call(Method::POST, "/api/auth/sign-in", Some(json!({"name": typed, "secret": "0000", "device": c.device})))
            .await;
        // Counted under the same key every time: locked after five, as any name is.
        let expected = if attempt <= 5 { StatusCode::UNAUTHORIZED } else { StatusCode::TOO_MANY_REQUESTS };
        assert_eq!(status, expected, "attempt {attempt}");
    }
    let copy = server.database_copy();
    let lowered = typed.to_lowercase();
    assert!(!contains(&copy, &lowered) && !contains(&copy, typed), "the typed name is in a copy of the database");
    // A plain hash would be reversed by hashing a list of names: it must not be what is stored.
    let plain_hash = tandem_server::auth::tokens::hash_secret(&lowered);
    assert!(!contains(&copy, &plain_hash), "the attempts are keyed by an unkeyed hash of the name");
    // And the address they came from (counted for its own limit) is kept the same way.
    let [rows] = server.numbers(["SELECT count(*) FROM signin_failures"]).await;
    assert_eq!(rows, 1, "the address's failures are counted");
    assert!(!contains(&copy, "127.0.0.1"), "the address is in a copy of the database");
    server.stop().await;
}
