//! Several `tandem serve` replicas on one PostgreSQL, none of them special: the young person's
//! phone on one, the worker on another, and everything behaves as on one server. Faults: a
//! replica killed under load, PostgreSQL stopped and started under load.
//!
//! These need PostgreSQL (`TANDEM_TEST_POSTGRES`, set by `scripts/test-all.sh`); every test's
//! name starts with `two_replicas_` so the SQLite pass can leave them to the PostgreSQL one.

use reqwest::{Method, StatusCode};
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;
use tandem_shared::wire::OpStatus;
use tandem_shared::{DeviceId, FieldName, FieldValue, RecordId, RecordKind, Visibility};
use tandem_tests::*;

fn title(t: &str) -> FieldValue {
    FieldValue::Title(t.into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_serve_the_young_person_and_the_worker_exactly_as_one_server_would() {
    let a = TestServer::start().await;
    let b = a.replica().await;
    let mut phone = a.signed_in(ASH.0, ASH.1).await;
    let mut sam = b.signed_in(SAM.0, SAM.1).await;
    let ash = phone.me();
    let mut sam_hears = listen(&sam).await;

    // A share on replica A reaches the worker's open screen on replica B.
    let goal = new_record();
    let op =
        phone.op(goal, RecordKind::Goal, ash, vec![title("Get a job"), FieldValue::Visibility(Visibility::Worker)]);
    assert_eq!(phone.push(vec![op]).await.results[0].status, OpStatus::Applied);
    phone.pull().await;
    assert_eq!(next(&mut sam_hears).await, Some(phone.cursor as i64), "B's open screen heard A's change");

    // A private edit on A is neither announced on B nor pulled there.
    let private = phone.op(new_record(), RecordKind::Statement, ash, vec![FieldValue::Text("Only mine".into())]);
    phone.push(vec![private.clone()]).await;
    sam.pull().await;
    assert!(sam.records.contains_key(&goal), "the shared goal reached B");
    assert!(!sam.records.contains_key(&private.record), "a private statement reached the worker");

    // Both edit the title from the same version; the worker gets signal first, on B.
    let from_sam = sam.op(goal, RecordKind::Goal, ash, vec![title("Apply for jobs (worker's wording)")]);
    let from_ash = phone.op(goal, RecordKind::Goal, ash, vec![title("Get a job I like")]);
    assert_eq!(sam.push(vec![from_sam]).await.results[0].status, OpStatus::Applied);
    assert_eq!(phone.push(vec![from_ash]).await.results[0].status, OpStatus::Merged);
    for c in [&mut phone, &mut sam] {
        c.pull().await;
        assert_eq!(c.text_of(goal, FieldName::Title), Some(title("Get a job I like")), "the young person's words win");
        let kept: Vec<_> = c.records[&goal].conflicts.iter().map(|k| k.value.clone()).collect();
        assert_eq!(kept, vec![title("Apply for jobs (worker's wording)")], "the worker's words are kept");
    }

    // The young person, on A, sees what the worker did on B.
    let (status, log) = phone.call(Method::GET, "/api/me/access-log", None).await;
    assert_eq!(status, StatusCode::OK);
    let actions: HashSet<(String, String)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["who_name"].as_str().unwrap().to_owned(), e["action"].as_str().unwrap().to_owned()))
        .collect();
    assert!(actions.contains(&("Sam".into(), "read".into())) && actions.contains(&("Sam".into(), "change".into())));

    // The helplines changed by an admin on B reach the young person's open screen on A.
    let mut ash_hears = listen(&phone).await;
    let admin = b.signed_in(ADMIN.0, ADMIN.1).await;
    let lines = serde_json::json!([{"name": "Night line", "reach": "call", "number": "0800 1111"}]);
    assert_eq!(admin.call(Method::PUT, "/api/admin/support-lines", Some(lines)).await.0, StatusCode::OK);
    assert!(next(&mut ash_hears).await.is_some(), "A's open screen heard B's change");
    let (_, me) = phone.call(Method::GET, "/api/me", None).await;
    assert_eq!(me["support_lines"][0]["name"], "Night line", "{me}");
    b.stop().await;
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_share_refresh_token_reuse_lockout_and_address_limits() {
    let a = TestServer::start().await;
    let b = a.replica().await;
    let phone = a.signed_in(ASH.0, ASH.1).await;
    // Spent on A, its successor spent on A too, then the first replayed on B: B sees it spent
    // (and not a retry: what it was exchanged for has been used) and ends the session.
    let refresh = serde_json::json!({ "refresh_token": phone.refresh.clone().unwrap() });
    let (status, fresh) = phone.call(Method::POST, "/api/auth/refresh", Some(refresh.clone())).await;
    assert_eq!(status, StatusCode::OK);
    let (status, fresh) = phone
        .call(Method::POST, "/api/auth/refresh", Some(serde_json::json!({ "refresh_token": fresh["refresh_token"] })))
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut on_b = b.device();
    on_b.token = phone.token.clone();
    let (status, _) = on_b.call(Method::POST, "/api/auth/refresh", Some(refresh)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a replayed token is refused on the other replica");
    let (status, _) = phone
        .call(Method::POST, "/api/auth/refresh", Some(serde_json::json!({ "refresh_token": fresh["refresh_token"] })))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the replay ended the session for every replica");

    // Wrong PINs alternating between replicas lock the account on both.
    for i in 0..5 {
        let server = if i % 2 == 0 { &a } else { &b };
        let (status, _) = server
            .device()
            .call(
                Method::POST,
                "/api/auth/sign-in",
                Some(serde_json::json!({"name": KAI.0, "secret": "0000", "device": DeviceId(uuid::Uuid::now_v7())})),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    for server in [&a, &b] {
        let (status, _) = server
            .device()
            .call(
                Method::POST,
                "/api/auth/sign-in",
                Some(serde_json::json!({"name": KAI.0, "secret": KAI.1, "device": DeviceId(uuid::Uuid::now_v7())})),
            )
            .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "locked on every replica, even with the right PIN");
    }
    b.stop().await;
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_given_the_same_batch_at_once_apply_it_once_and_answer_alike() {
    let a = TestServer::start().await;
    let b = a.replica().await;
    let mut phone = a.signed_in(ASH.0, ASH.1).await;
    let ash = phone.me();
    let goal = new_record();
    for round in 0..20 {
        let op = phone.op(goal, RecordKind::Goal, ash, vec![title(&format!("Version {round}"))]);
        // The same device's retry, through B, while the first attempt may still be running on A.
        let mut retrying = b.device();
        retrying.token = phone.token.clone();
        retrying.device = phone.device;
        let (first, retry) = tokio::join!(phone.try_push(vec![op.clone()]), retrying.try_push(vec![op]));
        let (first, retry) = (first.unwrap(), retry.unwrap());
        assert_eq!(first.last_applied, phone.seq);
        assert_eq!(retry.last_applied, phone.seq);
        assert_eq!(first.results, retry.results, "the retry is answered as the first attempt was");
    }
    let applied = a.applied_counts(phone.device).await;
    assert_eq!(applied, (1..=20).map(|seq| (seq, 1)).collect(), "each operation applied exactly once");
    phone.pull().await;
    assert_eq!(phone.text_of(goal, FieldName::Title), Some(title("Version 19")));
    b.stop().await;
    a.stop().await;
}

/// Writers on both replicas at once, a reader pulling from both in turn: every change is seen
/// exactly once. (Change numbers that committed out of order would let a cursor pass one that
/// was still uncommitted, and the reader would never see it.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_never_let_a_pull_skip_a_change_while_writers_on_both_commit() {
    let a = TestServer::start().await;
    let b = a.replica().await;
    let servers = [&a, &b];
    let mut writers = Vec::new();
    for (i, who) in [ASH, KAI, MO, ASH, KAI, MO].into_iter().enumerate() {
        writers.push(servers[i % 2].signed_in(who.0, who.1).await);
    }
    let mut reader = a.signed_in(DROPIN.0, DROPIN.1).await;
    let bases = [a.base.clone(), b.base.clone()];
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::new();
    for mut w in writers {
        tasks.push(tokio::spawn(async move {
            let mut written = Vec::new();
            for n in 0..25 {
                let id = new_record();
                let text = FieldValue::Text(format!("strength {n}"));
                let op = w.op(id, RecordKind::Strength, w.me(), vec![text, FieldValue::Visibility(Visibility::Team)]);
                assert_eq!(w.push(vec![op]).await.results[0].status, OpStatus::Applied);
                written.push(id);
            }
            written
        }));
    }
    let watcher = {
        let done = done.clone();
        tokio::spawn(async move {
            let mut seen: BTreeMap<RecordId, usize> = BTreeMap::new();
            let mut turn = 0;
            loop {
                let last = done.load(std::sync::atomic::Ordering::SeqCst);
                reader.base = bases[turn % 2].clone();
                turn += 1;
                let (status, body) =
                    reader.call(Method::GET, &format!("/api/sync/pull?since={}&limit=7", reader.cursor), None).await;
                assert_eq!(status, StatusCode::OK, "{body}");
                let page: tandem_shared::wire::PullResponse = serde_json::from_value(body).unwrap();
                for r in &page.records {
                    *seen.entry(r.id).or_default() += 1;
                }
                reader.cursor = page.cursor;
                if last && !page.more {
                    return seen;
                }
            }
        })
    };
    let mut written = Vec::new();
    for t in tasks {
        written.extend(t.await.unwrap());
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let seen = watcher.await.unwrap();
    let demo_team_records = seen.len() - written.iter().filter(|id| seen.contains_key(id)).count();
    for id in &written {
        assert_eq!(seen.get(id), Some(&1), "record {id:?} was seen {:?} times", seen.get(id));
    }
    assert!(seen.values().all(|&n| n == 1), "something was seen twice");
    assert_eq!(seen.len(), written.len() + demo_team_records);
    b.stop().await;
    a.stop().await;
}

/// Phones push to replica A until it is SIGKILLed, then retry the same batches through B.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_one_killed_under_load_loses_nothing_acknowledged_and_retries_apply_once() {
    assert!(postgres_server().is_some(), "needs PostgreSQL: set TANDEM_TEST_POSTGRES");
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(dir.path()).await;
    let key = dir.path().join("tandem.key");
    let a = Process::start(&db, &key, true).await;
    let b = Process::start(&db, &key, false).await;
    let bases = [a.base.clone(), b.base.clone()];
    let mut tasks = Vec::new();
    for who in [ASH, KAI, MO, ASH] {
        let mut phone = Client::new(&bases[0]);
        phone.sign_in(who.0, who.1).await;
        let b_base = bases[1].clone();
        tasks.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            let mut pending = None;
            let deadline = tokio::time::Instant::now() + Duration::from_secs(4);
            while tokio::time::Instant::now() < deadline {
                let ops = match pending.take() {
                    Some(ops) => ops,
                    None => {
                        let id = new_record();
                        vec![phone.op(id, RecordKind::Statement, phone.me(), vec![FieldValue::Text("keep me".into())])]
                    }
                };
                match phone.try_push(ops.clone()).await {
                    Ok(answer) => {
                        assert!(answer.results.iter().all(|r| r.status == OpStatus::Applied), "{answer:?}");
                        acknowledged.extend(ops.iter().map(|o| o.seq));
                    }
                    Err(_) => {
                        // A is gone: the same batch, same numbers, through B.
                        phone.base = b_base.clone();
                        pending = Some(ops);
                    }
                }
            }
            if let Some(ops) = pending {
                let answer = phone.try_push(ops.clone()).await.expect("B takes the last retry");
                acknowledged.extend(ops.iter().map(|o| o.seq));
                assert!(answer.results.iter().all(|r| r.status == OpStatus::Applied));
            }
            (phone.device, phone.seq, acknowledged)
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    a.kill().await;
    let mut phones = Vec::new();
    for t in tasks {
        phones.push(t.await.unwrap());
    }
    let (client, connection) = tokio_postgres::connect(&db, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    for (device, sent, acknowledged) in phones {
        assert!(!acknowledged.is_empty());
        let rows = client
            .query("SELECT first_seq, last_seq FROM applied_batches WHERE device_id = $1", &[&device.to_string()])
            .await
            .unwrap();
        let mut stored: BTreeMap<i64, i64> = BTreeMap::new();
        for row in &rows {
            for seq in row.get::<_, i64>(0)..=row.get::<_, i64>(1) {
                *stored.entry(seq).or_default() += 1;
            }
        }
        for seq in &acknowledged {
            assert_eq!(stored.get(&(*seq as i64)), Some(&1), "operation {seq} of {device:?} stored once");
        }
        assert_eq!(stored.len() as u64, sent, "every operation sent was applied, once");
    }
    b.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_reach_postgres_over_tls_and_check_its_certificate() {
    let ca = std::env::var("TANDEM_TEST_POSTGRES_CA").expect("scripts/postgres.sh names the cluster's certificate");
    let dir = tempfile::tempdir().unwrap();
    let plain = fresh_database(dir.path()).await;
    let (signing, data) = (dir.path().join("tandem.key"), dir.path().join("tandem.data-key"));
    // The cluster's certificate is signed by itself: without its CA it isn't trusted, and
    // nothing is sent over a connection that could be someone else's.
    let untrusted = tandem_server::open_state(
        &format!("{plain}?sslmode=require"),
        Some(&signing),
        Some(&data),
        None,
        Default::default(),
    )
    .await
    .err()
    .expect("refused")
    .to_string();
    assert!(untrusted.contains("certificate") && untrusted.contains("sslrootcert"), "{untrusted}");

    let a = TestServer::start_on(format!("{plain}?sslmode=verify-full&sslrootcert={ca}")).await;
    let b = a.replica().await;
    let mut phone = a.signed_in(ASH.0, ASH.1).await;
    let sam = b.signed_in(SAM.0, SAM.1).await;
    let mut sam_hears = listen(&sam).await;
    let op = phone.op(
        new_record(),
        RecordKind::Goal,
        phone.me(),
        vec![title("Learn to drive"), FieldValue::Visibility(Visibility::Worker)],
    );
    assert_eq!(phone.push(vec![op]).await.results[0].status, OpStatus::Applied);
    phone.pull().await;
    assert_eq!(next(&mut sam_hears).await, Some(phone.cursor as i64), "live notices cross replicas over TLS");

    // Every connection the replicas hold to this database is encrypted.
    let name = plain.rsplit('/').next().unwrap().to_owned();
    let (client, connection) = tokio_postgres::connect(&plain, tokio_postgres::NoTls).await.unwrap();
    let driver = tokio::spawn(connection);
    let row = client
        .query_one(
            "SELECT count(*) FILTER (WHERE s.ssl), count(*) FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
             WHERE a.application_name = 'tandem' AND a.datname = $1",
            &[&name],
        )
        .await
        .unwrap();
    let (encrypted, all): (i64, i64) = (row.get(0), row.get(1));
    assert!(all >= 3, "both replicas' pools and live-notice connections: {all}");
    assert_eq!(encrypted, all, "a replica connected in the clear");
    drop(client);
    let _ = driver.await;
    b.stop().await;
    a.stop().await;
}
