//! Sync against the real server: the young person's words win, retries apply once, gaps are
//! refused, rejections don't block, versions are checked, narrowing removes.

use reqwest::{Method, StatusCode};
use serde_json::json;
use tandem_shared::compact::CompactPullResponse;
use tandem_shared::packed::PackedPullResponse;
use tandem_shared::wire::{OpStatus, PullResponse};
use tandem_shared::{FieldName, FieldValue, Outcome, RecordKind, Visibility};
use tandem_tests::*;

fn title(t: &str) -> FieldValue {
    FieldValue::Title(t.into())
}

#[tokio::test]
async fn young_person_on_two_offline_devices_and_a_worker_edit_one_goal_and_the_young_persons_words_win() {
    let server = TestServer::start().await;
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    let mut tablet = server.signed_in(ASH.0, ASH.1).await;
    let mut worker = server.signed_in(SAM.0, SAM.1).await;
    let ash = phone.me();

    let goal = new_record();
    let op =
        phone.op(goal, RecordKind::Goal, ash, vec![title("Start college"), FieldValue::Visibility(Visibility::Worker)]);
    assert_eq!(phone.push(vec![op]).await.results[0].status, OpStatus::Applied);
    for c in [&mut phone, &mut tablet, &mut worker] {
        c.pull().await;
    }

    // All three edit the title offline, each based on what they last pulled.
    let from_worker = worker.op(goal, RecordKind::Goal, ash, vec![title("Apply to college (worker's wording)")]);
    let from_phone = phone.op(goal, RecordKind::Goal, ash, vec![title("Start college in September")]);
    let from_tablet = tablet.op(goal, RecordKind::Goal, ash, vec![title("Start college in September, doing art")]);

    // The worker gets signal first; then the phone; the tablet last.
    assert_eq!(worker.push(vec![from_worker]).await.results[0].status, OpStatus::Applied);
    assert_eq!(phone.push(vec![from_phone]).await.results[0].status, OpStatus::Merged);
    let tablet_answer = tablet.push(vec![from_tablet]).await;
    assert_eq!(tablet_answer.results[0].status, OpStatus::Merged, "the later of the owner's two writes wins");

    let sam = worker.me();
    for c in [&mut phone, &mut tablet, &mut worker] {
        c.pull().await;
        assert_eq!(c.text_of(goal, FieldName::Title), Some(title("Start college in September, doing art")));
        let record = &c.records[&goal];
        let kept: Vec<_> = record.conflicts.iter().map(|k| (k.value.clone(), k.author.person)).collect();
        assert!(kept.contains(&(title("Apply to college (worker's wording)"), sam)), "worker's words kept: {kept:?}");
        assert!(kept.contains(&(title("Start college in September"), ash)), "the phone's words kept too");
    }
    server.stop().await;
}

/// A worker changing a young person's words when nothing collided: applied (rule 1), and the
/// young person's words kept for them, through the real server and back to every device; the
/// young person taking them back lets the kept copy go from sight (it says what the goal says).
#[tokio::test]
async fn a_worker_changing_the_young_persons_words_keeps_theirs_for_them() {
    let server = TestServer::start().await;
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    let mut worker = server.signed_in(SAM.0, SAM.1).await;
    let ash = phone.me();
    let goal = new_record();
    let op = phone.op(
        goal,
        RecordKind::Goal,
        ash,
        vec![title("Get my own plaec"), FieldValue::Visibility(Visibility::Worker)],
    );
    phone.push(vec![op]).await;
    worker.pull().await;

    let fixed = worker.op(goal, RecordKind::Goal, ash, vec![title("Get my own place")]);
    assert_eq!(worker.push(vec![fixed]).await.results[0].status, OpStatus::Applied);
    for c in [&mut phone, &mut worker] {
        c.pull().await;
        assert_eq!(c.text_of(goal, FieldName::Title), Some(title("Get my own place")));
        let kept: Vec<_> = c.records[&goal].conflicts.iter().map(|k| (k.value.clone(), k.author.person)).collect();
        assert_eq!(kept, vec![(title("Get my own plaec"), ash)], "the young person's words kept");
    }

    // Taking them back is the young person's own write: theirs again, the worker's wording not kept.
    let back = phone.op(goal, RecordKind::Goal, ash, vec![title("Get my own plaec")]);
    assert_eq!(phone.push(vec![back]).await.results[0].status, OpStatus::Applied);
    phone.pull().await;
    let record = &phone.records[&goal];
    assert_eq!(record.field(FieldName::Title), Some(&title("Get my own plaec")));
    assert_eq!(record.fields[&FieldName::Title].author.person, ash);
    server.stop().await;
}

#[tokio::test]
async fn full_compact_and_packed_pulls_bring_the_same_records() {
    let server = TestServer::start().await;
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    let mut worker = server.signed_in(SAM.0, SAM.1).await;
    let dropin = server.signed_in(DROPIN.0, DROPIN.1).await;
    let ash = phone.me();
    let (goal, strength, private) = (new_record(), new_record(), new_record());
    let ops = vec![
        phone.op(goal, RecordKind::Goal, ash, vec![title("Start college"), FieldValue::Visibility(Visibility::Worker)]),
        phone.op(
            strength,
            RecordKind::Strength,
            ash,
            vec![FieldValue::Text("Drawing".into()), FieldValue::Visibility(Visibility::Team)],
        ),
        phone.op(private, RecordKind::Statement, ash, vec![FieldValue::Text("Only mine".into())]),
    ];
    phone.push(ops).await;
    worker.pull().await;
    // A conflict kept, so bodies carry conflicts as well as fields.
    let suggestion = worker.op(goal, RecordKind::Goal, ash, vec![title("Apply to college")]);
    let mine = phone.op(goal, RecordKind::Goal, ash, vec![title("Start college in September")]);
    worker.push(vec![suggestion]).await;
    phone.push(vec![mine]).await;

    let everything = [goal, strength, private];
    for (who, client, sees) in
        [("Ash", &phone, &everything[..]), ("Sam", &worker, &everything[..2]), ("drop-in", &dropin, &everything[1..2])]
    {
        let pull = |form: &'static str| async move {
            let (status, body) = client.call(Method::GET, &format!("/api/sync/pull?since=0{form}"), None).await;
            assert_eq!(status, StatusCode::OK, "{who}: {body}");
            body
        };
        let (full, compact, packed) = (pull("").await, pull("&form=compact").await, pull("&form=packed").await);
        let lean: PackedPullResponse = serde_json::from_value(pull("&form=lean").await).unwrap();
        assert!(lean.records.iter().all(|r| r.7.is_some()), "{who}: every record here has fields as made");
        let [full_bytes, compact_bytes, packed_bytes] = [&full, &compact, &packed].map(|b| b.to_string().len());
        let full: PullResponse = serde_json::from_value(full).unwrap();
        let compact: CompactPullResponse = serde_json::from_value(compact).unwrap();
        let packed: PackedPullResponse = serde_json::from_value(packed).unwrap();
        let got: Vec<_> = everything.iter().filter(|id| full.records.iter().any(|r| r.id == **id)).collect();
        assert_eq!(got, sees.iter().collect::<Vec<_>>(), "{who}");
        assert_eq!(compact.into_full(), full, "{who}");
        assert_eq!(packed.into_full().unwrap(), full, "{who}");
        assert_eq!(lean.into_full().unwrap(), full, "{who}");
        assert!(compact_bytes * 10 < full_bytes * 7, "{who}: {compact_bytes} against {full_bytes} bytes");
        assert!(packed_bytes < compact_bytes, "{who}: {packed_bytes} against {compact_bytes} bytes");
        if who == "Ash" {
            assert!(full.records.iter().any(|r| !r.conflicts.is_empty()), "a kept conflict is among them");
        }
    }
    let (status, body) = phone.call(Method::GET, "/api/sync/pull?since=0&form=tiny", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap_or("").contains("form"), "{body}");
    server.stop().await;
}

#[tokio::test]
async fn a_retried_push_is_applied_once_with_the_same_answer() {
    let server = TestServer::start().await;
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    let ash = phone.me();
    let a = new_record();
    let b = new_record();
    let ops = vec![
        phone.op(a, RecordKind::Strength, ash, vec![FieldValue::Text("I am kind".into())]),
        phone.op(b, RecordKind::Goal, ash, vec![title("Sleep better")]),
    ];
    let first = phone.push(ops.clone()).await;
    let after_first = server.fingerprint().await;
    // The response was lost on the bus; the phone sends the same batch again.
    let retry = phone.push(ops).await;
    assert_eq!(first, retry);
    assert_eq!(server.fingerprint().await, after_first, "nothing applied twice");
    assert_eq!(retry.last_applied, 2);
    server.stop().await;
}

#[tokio::test]
async fn an_operation_number_that_skips_ahead_is_refused_with_everything_after_it() {
    let server = TestServer::start().await;
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    let ash = phone.me();
    let (a, b, c) = (new_record(), new_record(), new_record());
    let op1 = phone.op(a, RecordKind::Strength, ash, vec![FieldValue::Text("one".into())]);
    let _lost = phone.op(b, RecordKind::Strength, ash, vec![FieldValue::Text("two".into())]);
    let op3 = phone.op(b, RecordKind::Strength, ash, vec![FieldValue::Text("three".into())]);
    let op4 = phone.op(c, RecordKind::Strength, ash, vec![FieldValue::Text("four".into())]);
    let answer = phone.push(vec![op1, op3, op4]).await;
    let statuses: Vec<_> = answer.results.iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![OpStatus::Applied, OpStatus::OutOfOrder, OpStatus::OutOfOrder]);
    assert_eq!(answer.last_applied, 1);
    phone.pull().await;
    assert!(phone.records.contains_key(&a));
    assert!(!phone.records.contains_key(&b) && !phone.records.contains_key(&c), "nothing after the gap was applied");
    server.stop().await;
}

#[tokio::test]
async fn a_rejected_operation_does_not_block_the_ones_behind_it() {
    let server = TestServer::start().await;
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    let ash = phone.me();
    let (a, b) = (new_record(), new_record());
    let bad = phone.op(a, RecordKind::Goal, ash, vec![title(&"x".repeat(500))]);
    let good = phone.op(b, RecordKind::Goal, ash, vec![title("Fine")]);
    let answer = phone.push(vec![bad, good]).await;
    assert_eq!(answer.results[0].status, OpStatus::Rejected);
    assert!(answer.results[0].reason.as_deref().unwrap_or("").contains("too long"), "{:?}", answer.results[0].reason);
    assert_eq!(answer.results[1].status, OpStatus::Applied);
    assert_eq!(answer.last_applied, 2);
    phone.pull().await;
    assert!(!phone.records.contains_key(&a));
    assert_eq!(phone.text_of(b, FieldName::Title), Some(title("Fine")));
    server.stop().await;
}

#[tokio::test]
async fn a_client_with_an_unsupported_protocol_gets_a_clear_version_error() {
    let server = TestServer::start().await;
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    let ash = phone.me();
    let op = phone.op(new_record(), RecordKind::Goal, ash, vec![title("x")]);
    let mut req = serde_json::to_value(phone.push_request(vec![op])).unwrap();
    req["protocol"] = json!(99);
    let before = server.fingerprint().await;
    let (status, body) = phone.call(Method::POST, "/api/sync/push", Some(req)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "unsupported_version");
    assert!(body["message"].as_str().unwrap().contains("update"));
    assert_eq!(server.fingerprint().await, before);

    let resp = phone
        .http
        .get(format!("{}/api/sync/pull?since=0", server.base))
        .bearer_auth(phone.token.as_ref().unwrap())
        .header("tandem-protocol", "0")
        .header("tandem-schema", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_version");
    server.stop().await;
}

#[tokio::test]
async fn narrowing_visibility_removes_the_record_from_the_workers_next_pull() {
    let server = TestServer::start().await;
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    let mut worker = server.signed_in(SAM.0, SAM.1).await;
    let ash = phone.me();
    let st = new_record();
    let op = phone.op(
        st,
        RecordKind::Statement,
        ash,
        vec![FieldValue::Text("I want to be asked first".into()), FieldValue::Visibility(Visibility::Worker)],
    );
    phone.push(vec![op]).await;
    phone.pull().await;
    worker.pull().await;
    assert!(worker.records.contains_key(&st));

    let op = phone.op(st, RecordKind::Statement, ash, vec![FieldValue::Visibility(Visibility::Private)]);
    phone.push(vec![op]).await;
    let pages = worker.pull().await;
    assert!(pages.iter().any(|p| p.removed.contains(&st)), "the worker is told to remove it");
    assert!(!worker.records.contains_key(&st));
    assert!(pages.iter().all(|p| p.records.iter().all(|r| r.id != st)), "and its words are not sent");
    server.stop().await;
}

#[tokio::test]
async fn a_private_record_never_reaches_a_worker_and_sharing_it_makes_it_appear() {
    let server = TestServer::start().await;
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    let mut worker = server.signed_in(SAM.0, SAM.1).await;
    let mut dropin = server.signed_in(DROPIN.0, DROPIN.1).await;
    let ash = phone.me();
    let goal = new_record();
    let op = phone.op(goal, RecordKind::Goal, ash, vec![title("Private thought")]);
    phone.push(vec![op]).await;
    worker.pull().await;
    dropin.pull().await;
    assert!(!worker.records.contains_key(&goal));
    phone.pull().await;
    let op = phone.op(goal, RecordKind::Goal, ash, vec![FieldValue::Visibility(Visibility::Worker)]);
    phone.push(vec![op]).await;
    worker.pull().await;
    dropin.pull().await;
    assert!(worker.records.contains_key(&goal));
    assert!(!dropin.records.contains_key(&goal), "worker-only is not team");
    phone.pull().await;
    let op = phone.op(goal, RecordKind::Goal, ash, vec![FieldValue::Visibility(Visibility::Team)]);
    phone.push(vec![op]).await;
    dropin.pull().await;
    assert!(dropin.records.contains_key(&goal));
    server.stop().await;
}

#[tokio::test]
async fn a_workers_new_record_reaches_the_young_person_as_a_suggestion_they_can_accept() {
    let server = TestServer::start().await;
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    let mut worker = server.signed_in(SAM.0, SAM.1).await;
    let ash = phone.me();
    let idea = new_record();
    let op =
        worker.op(idea, RecordKind::Strength, ash, vec![FieldValue::Text("You always turn up for your sister".into())]);
    assert_eq!(worker.push(vec![op]).await.results[0].status, OpStatus::Applied);
    phone.pull().await;
    assert!(phone.records[&idea].is_suggestion());
    let op = phone.op(idea, RecordKind::Strength, ash, vec![FieldValue::Accepted(true)]);
    phone.push(vec![op]).await;
    phone.pull().await;
    assert!(!phone.records[&idea].is_suggestion());

    // A worker can't share or accept on the young person's behalf.
    worker.pull().await;
    let op = worker.op(idea, RecordKind::Strength, ash, vec![FieldValue::Visibility(Visibility::Team)]);
    assert_eq!(worker.push(vec![op]).await.results[0].status, OpStatus::Rejected);
    server.stop().await;
}

#[tokio::test]
async fn a_device_clock_days_ahead_is_capped_so_it_cannot_win_every_tie() {
    let server = TestServer::start().await;
    let mut fast = server.signed_in(ASH.0, ASH.1).await;
    let ash = fast.me();
    let goal = new_record();
    fast.clock = tandem_shared::Hlc { ms: now_ms() + 3 * 86_400_000, count: 0 };
    let op = fast.op(goal, RecordKind::Goal, ash, vec![title("from the wrong clock")]);
    let answer = fast.push(vec![op]).await;
    let stored = answer.results[0].fields[0].stamp.hlc.ms;
    assert!(stored <= now_ms() + 1_000, "stored clock {stored} was capped at the server's time");
    server.stop().await;
}

#[tokio::test]
async fn worker_reads_and_changes_appear_in_the_young_persons_access_log() {
    let server = TestServer::start().await;
    let phone = server.signed_in(ASH.0, ASH.1).await;
    let mut worker = server.signed_in(SAM.0, SAM.1).await;
    let (_, before) = phone.call(Method::GET, "/api/me/access-log", None).await;
    assert_eq!(before.as_array().unwrap().len(), 0);
    worker.pull().await;
    let goal = *worker.records.iter().find(|(_, r)| r.owner == phone.me() && r.kind == RecordKind::Goal).unwrap().0;
    let op = worker.op(goal, RecordKind::Goal, phone.me(), vec![FieldValue::Why("To have a key of my own".into())]);
    let answer = worker.push(vec![op]).await;
    assert_eq!(answer.results[0].fields[0].outcome, Outcome::Applied);
    let (status, log) = phone.call(Method::GET, "/api/me/access-log", None).await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<_> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["who_name"].as_str().unwrap().to_owned(), e["action"].as_str().unwrap().to_owned()))
        .collect();
    assert!(actions.contains(&("Sam".into(), "read".into())), "{actions:?}");
    assert!(actions.contains(&("Sam".into(), "change".into())), "{actions:?}");
    server.stop().await;
}

/// Drop-in staff reading what a young person shares with the team is in that young person's
/// "who has seen my things", as a key worker's reading is: who, in what role, and how many.
#[tokio::test]
async fn drop_in_staffs_reads_appear_in_the_young_persons_access_log() {
    let server = TestServer::start().await;
    let mut phone = server.signed_in(KAI.0, KAI.1).await;
    let mut dropin = server.signed_in(DROPIN.0, DROPIN.1).await;
    phone.pull().await;
    let shared = phone.records.values().filter(|r| r.visibility() == Visibility::Team).count();
    assert!(shared > 0, "Kai shares something with the team in the demo");
    dropin.pull().await;
    let (_, me) = dropin.call(Method::GET, "/api/me", None).await;
    let (status, log) = phone.call(Method::GET, "/api/me/access-log", None).await;
    assert_eq!(status, StatusCode::OK, "{log}");
    let reads: Vec<&serde_json::Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["who_name"] == me["display_name"] && e["action"] == "read")
        .collect();
    assert_eq!(reads.len(), 1, "{log}");
    assert_eq!(reads[0]["role"], "drop_in_staff", "{log}");
    assert_eq!(reads[0]["records"], shared as i64, "{log}");
    server.stop().await;
}

#[tokio::test]
async fn live_events_tell_an_open_worker_screen_about_a_new_share() {
    let server = TestServer::start().await;
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    let worker = server.signed_in(SAM.0, SAM.1).await;
    // `listen` has already read the first event, which carries the current cursor.
    let mut hears = listen(&worker).await;
    let ash = phone.me();
    let op = phone.op(
        new_record(),
        RecordKind::Statement,
        ash,
        vec![FieldValue::Text("Ask me, not my mum".into()), FieldValue::Visibility(Visibility::Worker)],
    );
    phone.push(vec![op]).await;
    phone.pull().await;
    assert_eq!(next(&mut hears).await, Some(phone.cursor as i64), "the event names the cursor reached by the share");
    server.stop().await;
}

/// The server's count of open live-event streams (`/metrics`).
async fn open_streams(server: &TestServer) -> u64 {
    let text = reqwest::get(format!("{}/metrics", server.base)).await.unwrap().text().await.unwrap();
    let line = text.lines().find(|l| l.starts_with("tandem_sse_clients ")).expect("the gauge");
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_stream_whose_phone_has_gone_is_let_go_at_once_not_at_the_next_event() {
    let server = TestServer::start().await;
    let phone = server.signed_in(ASH.0, ASH.1).await;
    let hears = listen(&phone).await;
    assert_eq!(open_streams(&server).await, 1);
    // A phone moving between masts: its connection goes and nothing more is said to it.
    drop(hears);
    eventually("the stream to be let go", || async { open_streams(&server).await == 0 }).await;
    server.stop().await;
}

#[tokio::test]
async fn a_signed_out_devices_stream_ends_so_it_learns_nothing_more_of_when_they_write() {
    use futures_util::StreamExt;
    let server = TestServer::start().await;
    let lost_phone = server.signed_in(ASH.0, ASH.1).await;
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    let mut lost_hears = listen(&lost_phone).await;
    let lost = lost_phone.this_session_id().await;
    let (status, _) = phone.call(Method::POST, &format!("/api/me/sessions/{lost}/end"), None).await;
    assert_eq!(status, StatusCode::OK);
    // The stream says it was signed out (so a screen drops what it holds), then ends: whoever
    // has the phone hears nothing of the young person's private edits from here on.
    assert_eq!(next(&mut lost_hears).await, Some(i64::MAX));
    let ash = phone.me();
    let op = phone.op(new_record(), RecordKind::Goal, ash, vec![title("Private, mine")]);
    phone.push(vec![op]).await;
    let ended = tokio::time::timeout(std::time::Duration::from_secs(10), lost_hears.next()).await;
    assert_eq!(ended.expect("the stream ends within 10 s"), None, "the signed-out stream heard of a private edit");
    server.stop().await;
}

/// A push and a pull ask whether the session stands inside the job that serves them, not before:
/// a phone signed out elsewhere is told to sign in again, and its push writes nothing.
#[tokio::test]
async fn a_phone_signed_out_elsewhere_is_told_to_sign_in_again_and_its_push_writes_nothing() {
    let server = TestServer::start().await;
    let mut lost_phone = server.signed_in(ASH.0, ASH.1).await;
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    let lost = lost_phone.this_session_id().await;
    assert_eq!(phone.call(Method::POST, &format!("/api/me/sessions/{lost}/end"), None).await.0, StatusCode::OK);
    let before = server.fingerprint().await;
    let ash = lost_phone.me();
    let refused_id = new_record();
    let op = lost_phone.op(refused_id, RecordKind::Goal, ash, vec![title("Written by whoever found it")]);
    let refused = lost_phone.try_push(vec![op]).await.expect_err("a signed-out phone may not push");
    assert!(refused.starts_with("401") && refused.contains("sign in again"), "{refused}");
    assert_eq!(server.fingerprint().await, before, "nothing written");
    let pull = format!("/api/sync/pull?since=0&device={}", lost_phone.device);
    let (status, body) = lost_phone.call(Method::GET, &pull, None).await;
    assert_eq!((status, &body["error"]), (StatusCode::UNAUTHORIZED, &json!("unauthorized")), "{body}");
    // The phone still signed in syncs as before.
    let mine = new_record();
    let op = phone.op(mine, RecordKind::Goal, ash, vec![title("Mine")]);
    assert_eq!(phone.push(vec![op]).await.results[0].status, OpStatus::Applied);
    let pulled: Vec<_> = phone.pull().await.into_iter().flat_map(|p| p.records).map(|r| r.id).collect();
    assert!(pulled.contains(&mine) && !pulled.contains(&refused_id), "{pulled:?}");
    server.stop().await;
}

#[tokio::test]
async fn a_person_may_hold_only_so_many_live_streams_and_is_told_so_plainly() {
    let server = TestServer::start().await;
    let laptop = server.signed_in(SAM.0, SAM.1).await;
    let most = tandem_server::config::STREAMS_PER_PERSON;
    let mut open = Vec::new();
    for _ in 0..most {
        open.push(listen(&laptop).await);
    }
    let resp = laptop.request(Method::GET, "/api/sync/events").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().contains_key("retry-after"));
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "too_many_streams", "{body}");
    // Someone else is not held back by Sam's streams.
    let phone = server.signed_in(ASH.0, ASH.1).await;
    let _ash = listen(&phone).await;
    // One of Sam's goes: room for another, once the server has let it go.
    open.pop();
    let room =
        || async { laptop.request(Method::GET, "/api/sync/events").send().await.unwrap().status() == StatusCode::OK };
    eventually("room for another stream", room).await;
    server.stop().await;
}

#[tokio::test]
async fn an_event_names_the_change_and_this_copy_of_the_data_so_a_phone_holding_it_can_skip_the_pull() {
    use futures_util::StreamExt;
    let server = TestServer::start().await;
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    let resp = phone.request(Method::GET, "/api/sync/events").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let mut events = resp.bytes_stream().map(|chunk| String::from_utf8_lossy(&chunk.unwrap()).into_owned());
    let mut next_event = async || -> serde_json::Value {
        let text = tokio::time::timeout(std::time::Duration::from_secs(10), events.next()).await.unwrap().unwrap();
        let data = text.lines().find_map(|l| l.strip_prefix("data:")).expect("an event with data");
        serde_json::from_str(data.trim()).unwrap()
    };
    let connected = next_event().await;
    let health: serde_json::Value =
        reqwest::get(format!("{}/api/health", server.base)).await.unwrap().json().await.unwrap();
    assert!(health["generation"].as_str().is_some_and(|g| !g.is_empty()));
    assert_eq!(connected["generation"], health["generation"], "the connect event names this copy of the data");
    // What changed while nobody listened, alerts too, was not heard: no store may skip this one.
    assert_eq!(connected["cursor"].as_i64(), Some(i64::MAX), "the connect event is not about one change");
    let ash = phone.me();
    let op = phone.op(new_record(), RecordKind::Statement, ash, vec![FieldValue::Text("Text me, don't ring".into())]);
    assert_eq!(phone.push(vec![op]).await.results[0].status, OpStatus::Applied);
    phone.pull().await;
    let told = next_event().await;
    assert_eq!(told["generation"], health["generation"]);
    // The phone that made the change and pulled already holds it: the event says nothing newer.
    assert_eq!(told["cursor"].as_i64(), Some(phone.cursor as i64), "the event names the change it tells of");
    server.stop().await;
}

#[tokio::test]
async fn a_newly_assigned_worker_sees_what_was_shared_before_so_nobody_retells_their_story() {
    let server = TestServer::start().await;
    let mut priya = server.signed_in(PRIYA.0, PRIYA.1).await;
    priya.pull().await;
    let ash = server.signed_in(ASH.0, ASH.1).await;
    assert!(priya.records.values().all(|r| r.owner != ash.me()), "not Ash's worker yet");

    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let (status, body) = admin
        .call(Method::POST, "/api/admin/assignments", Some(json!({"worker": priya.me(), "young_person": ash.me()})))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Priya's next pull, from her old cursor, brings everything Ash shared with workers.
    priya.pull().await;
    let shared: Vec<_> = priya.records.values().filter(|r| r.owner == ash.me()).collect();
    assert_eq!(shared.len(), 4, "Ash's four shared demo items");
    assert!(shared.iter().all(|r| r.visibility() != Visibility::Private));
    let (_, me) = ash.call(Method::GET, "/api/me", None).await;
    let workers: Vec<_> =
        me["workers"].as_array().unwrap().iter().map(|w| w["display_name"].as_str().unwrap().to_owned()).collect();
    assert_eq!(workers, vec!["Priya", "Sam"], "Ash is told who now sees their things");
    server.stop().await;
}

#[tokio::test]
async fn ending_an_assignment_removes_everything_from_the_old_workers_devices_and_nothing_new_reaches_them() {
    let server = TestServer::start().await;
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    let mut sam = server.signed_in(SAM.0, SAM.1).await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let ash = phone.me();
    let shared = new_record();
    let op = phone.op(
        shared,
        RecordKind::Statement,
        ash,
        vec![FieldValue::Text("Only for Sam".into()), FieldValue::Visibility(Visibility::Worker)],
    );
    phone.push(vec![op]).await;
    sam.pull().await;
    let held: Vec<_> = sam.records.values().filter(|r| r.owner == ash).map(|r| r.id).collect();
    assert!(held.contains(&shared) && held.len() > 1, "Sam holds Ash's shared things: {held:?}");

    let (status, body) = admin
        .call(Method::POST, "/api/admin/assignments/end", Some(json!({"worker": sam.me(), "young_person": ash})))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let pages = sam.pull().await;
    let removed: Vec<_> = pages.iter().flat_map(|p| p.removed.iter().copied()).collect();
    for id in &held {
        assert!(removed.contains(id), "Sam's device is told to drop {id}");
    }
    assert!(pages.iter().all(|p| p.records.iter().all(|r| r.owner != ash)), "and is sent none of Ash's words");
    assert!(sam.records.values().all(|r| r.owner != ash));

    // Ash shares something new: it doesn't reach Sam, and Ash is told who sees their things now.
    let later = new_record();
    let op = phone.op(
        later,
        RecordKind::Strength,
        ash,
        vec![FieldValue::Text("Said after Sam left".into()), FieldValue::Visibility(Visibility::Worker)],
    );
    phone.push(vec![op]).await;
    let pages = sam.pull().await;
    assert!(pages.iter().all(|p| p.records.iter().all(|r| r.owner != ash)));
    let (_, me) = phone.call(Method::GET, "/api/me", None).await;
    let workers: Vec<_> = me["workers"].as_array().unwrap().iter().map(|w| w["display_name"].clone()).collect();
    assert!(!workers.iter().any(|n| n.as_str().is_some_and(|n| n.contains("Sam"))), "{workers:?}");

    // Ending it twice is a clear 404, not a silent success.
    let (status, body) = admin
        .call(Method::POST, "/api/admin/assignments/end", Some(json!({"worker": sam.me(), "young_person": ash})))
        .await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    server.stop().await;
}

#[tokio::test]
async fn a_newly_assigned_worker_gets_every_shared_record_even_across_many_pages() {
    let server = TestServer::start().await;
    let mut phone = server.signed_in(MO.0, MO.1).await;
    let mut priya = server.signed_in(PRIYA.0, PRIYA.1).await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let mo = phone.me();
    let mut made = std::collections::HashSet::new();
    for batch in 0..3 {
        let ops: Vec<_> = (0..200)
            .map(|i| {
                let id = new_record();
                made.insert(id);
                phone.op(
                    id,
                    RecordKind::Strength,
                    mo,
                    vec![FieldValue::Text(format!("Strength {batch}-{i}")), FieldValue::Visibility(Visibility::Worker)],
                )
            })
            .collect();
        phone.push(ops).await;
    }
    priya.pull().await;
    let before = priya.records.values().filter(|r| r.owner == mo).count();
    let (status, body) = admin
        .call(Method::POST, "/api/admin/assignments", Some(json!({"worker": priya.me(), "young_person": mo})))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A phone on a weak signal asks for the next page from the headers, as soon as they arrive:
    // every form names it.
    for form in ["full", "compact", "packed", "lean"] {
        let path = format!("/api/sync/pull?since={}&limit=1&form={form}", priya.cursor);
        let resp = priya.request(Method::GET, &path).send().await.expect("pull");
        let next_since = resp.headers().get("tandem-next-since").map(|v| v.to_str().unwrap().to_owned());
        let page: serde_json::Value = resp.json().await.expect("json");
        assert_eq!((page["more"].as_bool(), next_since), (Some(true), Some(page["cursor"].to_string())), "{form}");
    }
    let pages = priya.pull().await;
    assert!(pages.len() >= 3, "several pages: {}", pages.len());
    let seen: std::collections::HashSet<_> = priya.records.values().filter(|r| r.owner == mo).map(|r| r.id).collect();
    assert!(
        made.is_subset(&seen),
        "{} of {} shared records reached the new worker (had {before})",
        made.intersection(&seen).count(),
        made.len()
    );
    server.stop().await;
}

#[tokio::test]
async fn an_open_worker_screen_follows_caseload_changes_at_once_and_hears_nothing_of_someone_who_left() {
    let server = TestServer::start().await;
    let (mut ash, mut kai) = (server.signed_in(ASH.0, ASH.1).await, server.signed_in(KAI.0, KAI.1).await);
    let (sam, priya) = (server.signed_in(SAM.0, SAM.1).await, server.signed_in(PRIYA.0, PRIYA.1).await);
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let (mut sam_hears, mut priya_hears) = (listen(&sam).await, listen(&priya).await);
    let share = |phone: &mut Client, text: &str| {
        let me = phone.me();
        phone.op(
            new_record(),
            RecordKind::Statement,
            me,
            vec![FieldValue::Text(text.into()), FieldValue::Visibility(Visibility::Worker)],
        )
    };

    // Priya is given Ash: her open screen is told to pull, and then hears Ash's next share.
    let (status, body) = admin
        .call(Method::POST, "/api/admin/assignments", Some(json!({"worker": priya.me(), "young_person": ash.me()})))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(next(&mut priya_hears).await.is_some(), "told of the new assignment");
    // (Sam's screen too: Ash's workers' screens show who else works with them.)
    assert_eq!(next(&mut sam_hears).await, Some(i64::MAX), "an assignment is not one numbered change");
    let op = share(&mut ash, "Hello Priya");
    ash.push(vec![op]).await;
    ash.pull().await;
    assert_eq!(next(&mut priya_hears).await, Some(ash.cursor as i64), "hears the new young person's share");
    assert_eq!(next(&mut sam_hears).await, Some(ash.cursor as i64));

    // Sam stops being Ash's worker: told once (so his devices drop Ash's things), then nothing.
    let (status, body) = admin
        .call(Method::POST, "/api/admin/assignments/end", Some(json!({"worker": sam.me(), "young_person": ash.me()})))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(next(&mut sam_hears).await, Some(i64::MAX), "told once, so his devices drop Ash's things");
    let op = share(&mut ash, "Not for Sam any more");
    ash.push(vec![op]).await;
    let op = share(&mut kai, "For Sam");
    kai.push(vec![op]).await;
    kai.pull().await;
    // (The end may have reached his screen twice, as one of Ash's workers and as the worker
    // named: told between the two, the screen takes each.)
    let mut heard = next(&mut sam_hears).await;
    while heard == Some(i64::MAX) {
        heard = next(&mut sam_hears).await;
    }
    assert_eq!(heard, Some(kai.cursor as i64), "the first change Sam hears of next is Kai's, not Ash's");
    server.stop().await;
}

#[tokio::test]
async fn a_private_edit_is_not_even_announced_to_workers_or_drop_in_screens_and_a_shared_one_is() {
    let server = TestServer::start().await;
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    let (sam, dropin) = (server.signed_in(SAM.0, SAM.1).await, server.signed_in(DROPIN.0, DROPIN.1).await);
    let mut sam_hears = listen(&sam).await;
    let mut dropin_hears = listen(&dropin).await;
    let ash = phone.me();
    let private = phone.op(new_record(), RecordKind::Statement, ash, vec![FieldValue::Text("Just for me".into())]);
    phone.push(vec![private]).await;
    let team = phone.op(
        new_record(),
        RecordKind::Strength,
        ash,
        vec![FieldValue::Text("For everyone at the centre".into()), FieldValue::Visibility(Visibility::Team)],
    );
    phone.push(vec![team]).await;
    phone.pull().await;
    let after_team = phone.cursor as i64;
    // Events arrive in order, so the first each hears must be the shared change, not the private one.
    for hears in [&mut sam_hears, &mut dropin_hears] {
        assert_eq!(next(hears).await, Some(after_team), "the private edit was announced");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_cursor_past_the_last_change_is_refused_as_ahead_so_a_phone_of_a_restored_server_starts_again() {
    let server = TestServer::start().await;
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    let ash = phone.me();
    let op = phone.op(new_record(), RecordKind::Strength, ash, vec![FieldValue::Text("I keep trying".into())]);
    phone.push(vec![op]).await;
    phone.pull().await;
    let head = phone.cursor;
    assert!(head > 0);
    // At the head: nothing new, and that is all.
    let (status, body) = phone.call(Method::GET, &format!("/api/sync/pull?since={head}"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["records"], json!([]));
    // Past it: a cursor this database never gave out, as a phone holds after a restore from backup.
    for form in ["", "&form=compact", "&form=packed", "&form=lean"] {
        let (status, body) = phone.call(Method::GET, &format!("/api/sync/pull?since={}{form}", head + 500), None).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"], "cursor_ahead");
        assert!(body["message"].as_str().unwrap().contains("restored from a backup"), "{body}");
    }
    server.stop().await;
}

/// What a push keeps beside its records, on either backend: the change counter at the highest
/// number any record holds (a pull's cursor is read against it), and the latest clock stamped,
/// which a restarted server's clock starts from so it never stamps behind what it stored.
#[tokio::test]
async fn a_push_keeps_the_change_counter_and_the_latest_clock() {
    let server = TestServer::start().await;
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    let ash = phone.me();
    let kept = || {
        server.numbers([
            "SELECT value FROM change_seq",
            "SELECT max(changed_seq) FROM records",
            "SELECT ms FROM latest_clock",
        ])
    };
    let [before, _, _] = kept().await;
    for n in [1, 3] {
        // Past the millisecond the last push kept, so keeping this one's shows.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let ops: Vec<_> =
            (0..n).map(|i| phone.op(new_record(), RecordKind::Goal, ash, vec![title(&format!("Goal {i}"))])).collect();
        let latest = ops.last().unwrap().hlc;
        assert!(phone.push(ops).await.results.iter().all(|r| r.status == OpStatus::Applied));
        let [counter, highest, clock] = kept().await;
        assert_eq!(counter, highest, "the counter stands at the highest number stored");
        assert_eq!(counter, before + if n == 1 { 1 } else { 4 }, "one number for each record changed");
        assert!(
            clock >= latest.ms as i64 && clock <= now_ms() as i64,
            "the latest clock is kept: {clock} for {latest:?}"
        );
    }
    server.stop().await;
}
