//! What the admin console and a key worker's invite screen stand on: a worker's invites and the
//! young people waiting to join, hand-over in one step, and ending one device's session.

use reqwest::{Method, StatusCode};
use serde_json::json;
use tandem_shared::wire::OpStatus;
use tandem_shared::{FieldValue, PersonId, RecordId, RecordKind, Visibility};
use tandem_tests::*;

async fn join(server: &TestServer, code: &str, name: &str) -> (StatusCode, Client) {
    let mut phone = server.device();
    let (status, tokens) = phone
        .call(
            Method::POST,
            "/api/auth/join",
            Some(json!({"code": code, "name": name, "secret": "1397", "device": phone.device})),
        )
        .await;
    if status.is_success() {
        phone.take_tokens(&tokens);
    }
    (status, phone)
}

#[tokio::test]
async fn a_key_worker_invites_a_young_person_who_joins_into_their_caseload_and_can_cancel_another() {
    let server = TestServer::start().await;
    let sam = server.signed_in(SAM.0, SAM.1).await;
    let priya = server.signed_in(PRIYA.0, PRIYA.1).await;
    let mut sam_hears = listen(&sam).await;
    let (status, made) = sam.call(Method::POST, "/api/invites", Some(json!({"display_name": "River"}))).await;
    assert_eq!(status, StatusCode::OK, "{made}");
    assert!(next(&mut sam_hears).await.is_some(), "Sam's open screens show River waiting");
    let week = 7 * 86_400_000;
    assert!((made["expires_at"].as_i64().unwrap() - now_ms() as i64 - week).abs() < 60_000, "a week: {made}");
    let waiting =
        |list: &serde_json::Value, name: &str| list.as_array().unwrap().iter().any(|i| i["display_name"] == name);
    let (_, open) = sam.call(Method::GET, "/api/invites", None).await;
    assert!(waiting(&open, "River"), "{open}");
    let (_, open_for_priya) = priya.call(Method::GET, "/api/invites", None).await;
    assert!(!waiting(&open_for_priya, "River"), "only the young people Sam supports: {open_for_priya}");

    let (status, river) = join(&server, made["code"].as_str().unwrap(), "river.j").await;
    assert_eq!(status, StatusCode::OK);
    let (_, me) = sam.call(Method::GET, "/api/me", None).await;
    assert!(me["caseload"].to_string().contains(&river.me().to_string()), "in Sam's caseload: {me}");
    let (_, open) = sam.call(Method::GET, "/api/invites", None).await;
    assert!(!waiting(&open, "River"), "someone who joined is no longer waiting: {open}");

    // A second invite, cancelled: the code stops working; only a worker who supports them can cancel it.
    let (_, second) = sam.call(Method::POST, "/api/invites", Some(json!({"display_name": "Skye"}))).await;
    let id = second["young_person"].as_str().unwrap();
    let (status, _) = priya.call(Method::POST, &format!("/api/invites/{id}/cancel"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = sam.call(Method::POST, &format!("/api/invites/{id}/cancel"), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = join(&server, second["code"].as_str().unwrap(), "skye.k").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a cancelled code does not work");
    let (status, body) = sam.call(Method::POST, "/api/invites", Some(json!({"display_name": ""}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    server.stop().await;
}

#[tokio::test]
async fn a_worker_makes_a_new_code_for_someone_waiting_to_join_and_only_the_newest_code_works() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let sam = server.signed_in(SAM.0, SAM.1).await;
    let priya = server.signed_in(PRIYA.0, PRIYA.1).await;
    // Invited by the service, for Sam to hand over: Sam sees them waiting, on an open screen too.
    let mut sam_hears = listen(&sam).await;
    let (status, first) = admin
        .call(Method::POST, "/api/admin/invites", Some(json!({"display_name": "Noor", "workers": [sam.me()]})))
        .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert!(next(&mut sam_hears).await.is_some(), "Sam's open screen is told");
    let id = first["young_person"].as_str().unwrap().to_string();
    let (_, open) = sam.call(Method::GET, "/api/invites", None).await;
    let noor = open.as_array().unwrap().iter().find(|i| i["young_person"] == id.as_str()).cloned();
    assert!(
        noor.is_some_and(|n| n["display_name"] == "Noor" && n["expires_at"].as_i64() > Some(now_ms() as i64)),
        "{open}"
    );

    // The card is lost: a new code from Sam; the lost one stops working. Priya doesn't support Noor.
    let (status, _) = priya.call(Method::POST, &format!("/api/invites/{id}/new-code"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, second) = sam.call(Method::POST, &format!("/api/invites/{id}/new-code"), None).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(second["young_person"], id.as_str());
    assert_ne!(second["code"], first["code"]);
    let (status, _) = join(&server, first["code"].as_str().unwrap(), "noor.lost").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the lost card's code no longer works");
    let (status, noor) = join(&server, second["code"].as_str().unwrap(), "noor.a").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(noor.me().to_string(), id);
    let (status, _) = sam.call(Method::POST, &format!("/api/invites/{id}/new-code"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "joined: a new PIN is the service's to give");

    // The same holds for a PIN reset: of two codes made in turn, only the second resets it.
    let ash = server.signed_in(ASH.0, ASH.1).await;
    let reset = format!("/api/admin/people/{}/new-invite", ash.me());
    let (_, older) = admin.call(Method::POST, &reset, None).await;
    let (_, newer) = admin.call(Method::POST, &reset, None).await;
    let (status, _) = join(&server, older["code"].as_str().unwrap(), "ash.taken").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "an older reset code can't take over the account");
    let (status, _) = join(&server, newer["code"].as_str().unwrap(), "ash.again").await;
    assert_eq!(status, StatusCode::OK);
    let (_, audit) = admin.call(Method::GET, "/api/admin/audit", None).await;
    assert!(audit.to_string().contains("made a new invite code"), "{audit}");

    // Someone deactivated can't come back in with a code made before (or after) it.
    let (_, spare) = admin.call(Method::POST, &reset, None).await;
    let (status, _) = admin.call(Method::POST, &format!("/api/admin/people/{}/deactivate", ash.me()), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = join(&server, spare["code"].as_str().unwrap(), "ash.back").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a deactivated person's code does not work");
    let (status, body) = admin.call(Method::POST, &reset, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no new code for someone deactivated: {body}");
    server.stop().await;
}

#[tokio::test]
async fn cancelling_an_invite_takes_the_suggestions_made_for_them_too() {
    let server = TestServer::start().await;
    let mut sam = server.signed_in(SAM.0, SAM.1).await;
    let (_, made) = sam.call(Method::POST, "/api/invites", Some(json!({"display_name": "Remy"}))).await;
    let remy: tandem_shared::PersonId = serde_json::from_value(made["young_person"].clone()).unwrap();
    // Sam suggests a goal before Remy has joined.
    let goal = new_record();
    let op = sam.op(goal, RecordKind::Goal, remy, vec![FieldValue::Title("Get a bus pass".into())]);
    assert_eq!(sam.push(vec![op]).await.results[0].status, tandem_shared::wire::OpStatus::Applied);
    sam.pull().await;
    assert!(sam.records.contains_key(&goal));

    let (status, body) = sam.call(Method::POST, &format!("/api/invites/{remy}/cancel"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    sam.pull().await;
    assert!(!sam.records.contains_key(&goal), "the suggestion went with the invite");
    let (_, open) = sam.call(Method::GET, "/api/invites", None).await;
    assert!(!open.to_string().contains("Remy"), "{open}");
    server.stop().await;
}

#[tokio::test]
async fn a_hand_over_moves_a_young_person_from_one_worker_to_another_in_one_step() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let mut ash = server.signed_in(ASH.0, ASH.1).await;
    let mut sam = server.signed_in(SAM.0, SAM.1).await;
    let mut priya = server.signed_in(PRIYA.0, PRIYA.1).await;
    let goal = new_record();
    let op = ash.op(
        goal,
        RecordKind::Goal,
        ash.me(),
        vec![FieldValue::Title("Get my CSCS card".into()), FieldValue::Visibility(Visibility::Worker)],
    );
    ash.push(vec![op]).await;
    sam.pull().await;
    priya.pull().await;
    assert!(sam.records.contains_key(&goal) && !priya.records.contains_key(&goal));

    let body = json!({"young_person": ash.me(), "from": sam.me(), "to": priya.me()});
    let (status, resp) = admin.call(Method::POST, "/api/admin/assignments/hand-over", Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{resp}");
    sam.pull().await;
    priya.pull().await;
    assert!(!sam.records.contains_key(&goal), "Sam's devices drop it");
    assert!(priya.records.contains_key(&goal), "Priya sees what was shared with workers");
    let (_, me) = ash.call(Method::GET, "/api/me", None).await;
    let workers: Vec<&str> =
        me["workers"].as_array().unwrap().iter().map(|w| w["display_name"].as_str().unwrap()).collect();
    assert_eq!(workers, ["Priya"], "{me}");
    let (_, table) = admin.call(Method::GET, "/api/admin/assignments", None).await;
    let row = table.as_array().unwrap().iter().find(|r| r["young_person"] == ash.me().to_string()).unwrap();
    assert_eq!(row["workers"].as_array().unwrap().len(), 1, "{row}");
    let (_, audit) = admin.call(Method::GET, "/api/admin/audit", None).await;
    assert_eq!(audit[0]["action"], "handed over", "{audit}");
    assert!(!audit.to_string().contains("CSCS"), "no content in the audit log");

    // From someone who isn't their worker: refused, nothing changes.
    let body = json!({"young_person": ash.me(), "from": sam.me(), "to": priya.me()});
    let (status, _) = admin.call(Method::POST, "/api/admin/assignments/hand-over", Some(body)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let body = json!({"young_person": ash.me(), "from": priya.me(), "to": priya.me()});
    let (status, _) = admin.call(Method::POST, "/api/admin/assignments/hand-over", Some(body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    server.stop().await;
}

#[tokio::test]
async fn an_admin_sees_a_persons_devices_and_ends_one_without_touching_the_other() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let phone = server.signed_in(KAI.0, KAI.1).await;
    let tablet = server.signed_in(KAI.0, KAI.1).await;
    let kai = phone.me();
    let (_, list) = admin.call(Method::GET, &format!("/api/admin/people/{kai}/sessions"), None).await;
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 2, "{list:?}");
    assert!(list.iter().all(|s| s["last_seen_at"].as_i64().is_some()));
    let lost = list.iter().find(|s| s["device"] == phone.device.to_string()).expect("the phone is listed");
    // The lost phone has Tandem open: it is told at once (and pulls, and is refused).
    let mut phone_hears = listen(&phone).await;
    let (status, _) = admin
        .call(Method::POST, &format!("/api/admin/people/{kai}/sessions/{}/end", lost["id"].as_str().unwrap()), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(next(&mut phone_hears).await.is_some(), "the lost phone's open screen is told");
    assert_eq!(
        phone.call(Method::GET, "/api/me", None).await.0,
        StatusCode::UNAUTHORIZED,
        "the lost phone is signed out"
    );
    assert_eq!(tablet.call(Method::GET, "/api/me", None).await.0, StatusCode::OK, "the other device is not");
    let (_, list) = admin.call(Method::GET, &format!("/api/admin/people/{kai}/sessions"), None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    server.stop().await;
}

/// Whose young people each key worker has, by display name: `{"Sam": ["ash", "kai"]}`.
async fn caseloads(admin: &Client) -> std::collections::BTreeMap<String, Vec<String>> {
    let (_, table) = admin.call(Method::GET, "/api/admin/assignments", None).await;
    let mut by_worker: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for row in table.as_array().unwrap() {
        for worker in row["workers"].as_array().unwrap() {
            let name = worker["display_name"].as_str().unwrap().to_owned();
            by_worker.entry(name).or_default().push(row["display_name"].as_str().unwrap().to_owned());
        }
    }
    by_worker.values_mut().for_each(|v| v.sort());
    by_worker
}

#[tokio::test]
async fn a_key_worker_who_leaves_hands_every_young_person_of_theirs_to_another_in_the_same_step() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let (sam, priya, ash) = (
        server.signed_in(SAM.0, SAM.1).await,
        server.signed_in(PRIYA.0, PRIYA.1).await,
        server.signed_in(ASH.0, ASH.1).await,
    );
    let before = caseloads(&admin).await;
    let sams = before["Sam"].clone();
    assert!(sams.contains(&"ash".to_owned()), "{before:?}");
    // The console names them when Sam leaves: his alone, as the whole table says.
    let (_, his) = admin.call(Method::GET, &format!("/api/admin/assignments?key_worker={}", sam.me()), None).await;
    let mut his: Vec<String> =
        his.as_array().unwrap().iter().map(|y| y["display_name"].as_str().unwrap().to_owned()).collect();
    his.sort();
    assert_eq!(his, sams);
    let deactivate = |query: String| {
        let admin = &admin;
        let path = format!("/api/admin/people/{}/deactivate{query}", sam.me());
        async move { admin.call(Method::POST, &path, None).await }
    };

    // Refused, changing nothing: to Sam himself, to someone who is no key worker, to an unknown id.
    for (to, says) in [
        (sam.me().to_string(), "another key worker"),
        (ash.me().to_string(), "another key worker"),
        (uuid::Uuid::now_v7().to_string(), "another key worker"),
        ("not-an-id".to_owned(), "query"),
    ] {
        let (status, answer) = deactivate(format!("?hand_over_to={to}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{to}: {answer}");
        assert!(answer["message"].as_str().unwrap().contains(says), "{says}: {answer}");
    }
    let (status, answer) = admin
        .call(Method::POST, &format!("/api/admin/people/{}/deactivate?hand_over_to={}", ash.me(), priya.me()), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a young person has nobody to hand over: {answer}");
    assert_eq!(caseloads(&admin).await, before, "nothing changed");
    assert_eq!(sam.call(Method::GET, "/api/me", None).await.0, StatusCode::OK, "Sam is still here");

    let mut ash_hears = listen(&ash).await;
    let (status, answer) = deactivate(format!("?hand_over_to={}", priya.me())).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(next(&mut ash_hears).await.is_some(), "Ash's open screen is told");
    let after = caseloads(&admin).await;
    assert!(!after.contains_key("Sam"), "{after:?}");
    let mut expected: Vec<String> = before["Priya"].iter().chain(&sams).cloned().collect();
    expected.sort();
    expected.dedup();
    assert_eq!(after["Priya"], expected, "every one of Sam's is Priya's now");
    let (_, me) = ash.call(Method::GET, "/api/me", None).await;
    let workers: Vec<&str> =
        me["workers"].as_array().unwrap().iter().map(|w| w["display_name"].as_str().unwrap()).collect();
    assert_eq!(workers, ["Priya"], "Ash is told who can see now: {me}");
    assert_eq!(sam.call(Method::GET, "/api/me", None).await.0, StatusCode::UNAUTHORIZED, "Sam is signed out");
    let (_, audit) = admin.call(Method::GET, "/api/admin/audit", None).await;
    let handed = audit.as_array().unwrap().iter().filter(|e| e["action"] == "handed over").count();
    assert_eq!(handed, sams.iter().filter(|y| !before["Priya"].contains(y)).count(), "{audit}");

    // Priya leaves too, handing over to nobody: the console's list of those with no key worker
    // holds every one of them, and only them.
    let alone = || async {
        let (status, list) = admin.call(Method::GET, "/api/admin/assignments?without_key_worker=true", None).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let mut names: Vec<String> =
            list.as_array().unwrap().iter().map(|y| y["display_name"].as_str().unwrap().to_owned()).collect();
        names.sort();
        names
    };
    assert!(alone().await.is_empty());
    assert_eq!(
        admin.call(Method::POST, &format!("/api/admin/people/{}/deactivate", priya.me()), None).await.0,
        StatusCode::OK
    );
    assert_eq!(alone().await, expected);
    server.stop().await;
}

#[tokio::test]
async fn a_deactivated_person_is_signed_out_and_refused_exactly_as_an_unknown_name_until_reactivated() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let priya = server.signed_in(PRIYA.0, PRIYA.1).await;
    let mut laptop_hears = listen(&priya).await;
    let path = |what: &str| format!("/api/admin/people/{}/{what}", priya.me());
    assert_eq!(admin.call(Method::POST, &path("deactivate"), None).await.0, StatusCode::OK);
    assert!(next(&mut laptop_hears).await.is_some(), "her open laptop is told, and finds itself signed out");
    assert_eq!(priya.call(Method::GET, "/api/me", None).await.0, StatusCode::UNAUTHORIZED, "signed out at once");
    let mut again = server.device();
    let (status, refused) = again
        .call(
            Method::POST,
            "/api/auth/sign-in",
            Some(json!({"name": PRIYA.0, "secret": PRIYA.1, "device": again.device})),
        )
        .await;
    let (_, unknown) = again
        .call(
            Method::POST,
            "/api/auth/sign-in",
            Some(json!({"name": "nobody-here", "secret": PRIYA.1, "device": again.device})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused, unknown, "the same answer as for a name nobody has");
    let (_, people) = admin.call(Method::GET, "/api/admin/people", None).await;
    let row = people.as_array().unwrap().iter().find(|p| p["id"] == priya.me().to_string()).unwrap();
    assert_eq!(row["deactivated"], true);
    assert_eq!(admin.call(Method::POST, &path("reactivate"), None).await.0, StatusCode::OK);
    again.sign_in(PRIYA.0, PRIYA.1).await;
    let (status, _) = admin.call(Method::POST, &format!("/api/admin/people/{}/deactivate", admin.me()), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "not yourself");
    server.stop().await;
}

#[tokio::test]
async fn staff_an_admin_adds_choose_their_own_password_before_anything_else() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let body =
        json!({"role": "key_worker", "name": "morgan", "display_name": "Morgan", "password": "given by the admin"});
    assert_eq!(admin.call(Method::POST, "/api/admin/people", Some(body)).await.0, StatusCode::OK);
    let mut morgan = server.device();
    let (status, tokens) = morgan
        .call(
            Method::POST,
            "/api/auth/sign-in",
            Some(json!({"name": "morgan", "secret": "given by the admin", "device": morgan.device})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tokens["must_change_password"], true);
    morgan.take_tokens(&tokens);
    let (status, body) = morgan.call(Method::GET, "/api/caseload", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body["message"].as_str().unwrap().contains("password"), "{body}");
    assert_eq!(morgan.call(Method::GET, "/api/me", None).await.0, StatusCode::OK);
    let (status, _) = morgan
        .call(Method::POST, "/api/me/password", Some(json!({"current": "wrong one", "new": "only morgan knows this"})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = morgan
        .call(Method::POST, "/api/me/password", Some(json!({"current": "given by the admin", "new": "short"})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = morgan
        .call(
            Method::POST,
            "/api/me/password",
            Some(json!({"current": "given by the admin", "new": "only morgan knows this"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(morgan.call(Method::GET, "/api/caseload", None).await.0, StatusCode::OK);
    let later = server.device();
    let (status, tokens) = later
        .call(
            Method::POST,
            "/api/auth/sign-in",
            Some(json!({"name": "morgan", "secret": "only morgan knows this", "device": later.device})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(tokens.get("must_change_password").is_none(), "{tokens}");
    server.stop().await;
}

#[tokio::test]
async fn a_new_code_for_a_young_person_who_joined_resets_their_pin_and_ends_their_old_sessions() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let old_phone = server.signed_in(ASH.0, ASH.1).await;
    let (status, made) =
        admin.call(Method::POST, &format!("/api/admin/people/{}/new-invite", old_phone.me()), None).await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let (status, phone) = join(&server, made["code"].as_str().unwrap(), ASH.0).await;
    assert_eq!(status, StatusCode::OK, "they keep their name");
    assert_eq!(phone.me(), old_phone.me(), "the same person, with everything of theirs");
    assert_eq!(
        old_phone.call(Method::GET, "/api/me", None).await.0,
        StatusCode::UNAUTHORIZED,
        "the old phone is signed out"
    );
    let mut with_old_pin = server.device();
    let (status, _) = with_old_pin
        .call(
            Method::POST,
            "/api/auth/sign-in",
            Some(json!({"name": ASH.0, "secret": ASH.1, "device": with_old_pin.device})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    with_old_pin.sign_in(ASH.0, "1397").await;
    server.stop().await;
}

/// A key worker who forgot their password (and locked themselves out guessing) is given a first
/// one again from the console: whoever held their old sessions is out, they choose their own at
/// once, and the audit log says it happened without the password.
#[tokio::test]
async fn an_admin_gives_staff_who_forgot_their_password_a_first_one_again() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let old_laptop = server.signed_in(SAM.0, SAM.1).await;
    let sam = old_laptop.me();
    let guesser = server.device();
    for _ in 0..6 {
        let body = json!({"name": SAM.0, "secret": "not it at all", "device": guesser.device});
        guesser.call(Method::POST, "/api/auth/sign-in", Some(body)).await;
    }
    let new_password = |who: PersonId, password: &'static str| {
        let admin = &admin;
        async move {
            let path = format!("/api/admin/people/{who}/new-password");
            admin.call(Method::POST, &path, Some(json!({"password": password}))).await
        }
    };
    let before = server.fingerprint().await;
    for (who, password, why) in [
        (sam, "short", "too short"),
        (server.signed_in(ASH.0, ASH.1).await.me(), "a long enough password", "young people get a code"),
        (admin.me(), "a long enough password", "not their own"),
    ] {
        let (status, body) = new_password(who, password).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {body}");
    }
    assert_eq!(server.fingerprint().await, before, "a refusal changes nothing");

    let (status, body) = new_password(sam, "given at the desk today").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(old_laptop.call(Method::GET, "/api/me", None).await.0, StatusCode::UNAUTHORIZED, "old sessions end");
    let mut laptop = server.device();
    let (status, tokens) = laptop
        .call(
            Method::POST,
            "/api/auth/sign-in",
            Some(json!({"name": SAM.0, "secret": "given at the desk today", "device": laptop.device})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "the lockout from the guesses is lifted: {tokens}");
    assert_eq!(tokens["must_change_password"], true);
    laptop.take_tokens(&tokens);
    assert_eq!(laptop.call(Method::GET, "/api/caseload", None).await.0, StatusCode::FORBIDDEN, "not until they choose");
    let (_, audit) = admin.call(Method::GET, "/api/admin/audit", None).await;
    assert_eq!(audit[0]["action"], "set a new first password", "{audit}");
    assert!(!audit.to_string().contains("given at the desk"), "{audit}");

    assert_eq!(admin.call(Method::POST, &format!("/api/admin/people/{sam}/deactivate"), None).await.0, StatusCode::OK);
    assert_eq!(new_password(sam, "another long password").await.0, StatusCode::BAD_REQUEST, "reactivate first");
    server.stop().await;
}

/// A young person signed out on a phone still holding unsent words, their PIN forgotten: a new
/// code lets them back in on that phone, and what waited there is sent. A code for anyone else is
/// refused without being spent, so nobody else takes over those words.
#[tokio::test]
async fn a_forgotten_pin_is_reset_on_the_phone_holding_unsent_words_and_only_by_their_own_code() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    let ash = phone.me();
    let (first, second) = (new_record(), new_record());
    let sent = phone.op(first, RecordKind::Strength, ash, vec![FieldValue::Text("I listen well".into())]);
    phone.push(vec![sent]).await;
    let waiting = phone.op(second, RecordKind::Strength, ash, vec![FieldValue::Text("I keep going".into())]);
    assert_eq!(phone.call(Method::POST, "/api/auth/sign-out-everywhere", None).await.0, StatusCode::OK);

    let (_, noor) =
        admin.call(Method::POST, "/api/admin/invites", Some(json!({"display_name": "Noor", "workers": []}))).await;
    let (_, reset) = admin.call(Method::POST, &format!("/api/admin/people/{ash}/new-invite"), None).await;
    let join_here = |code: &serde_json::Value| json!({"code": code, "name": ASH.0, "secret": "6419", "device": phone.device, "for_person": ash});
    let before = server.fingerprint().await;
    let (status, body) = phone.call(Method::POST, "/api/auth/join", Some(join_here(&noor["code"]))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body["message"].as_str().unwrap().contains("has not been used"), "{body}");
    assert_eq!(server.fingerprint().await, before, "nothing changed, and Noor's code is unspent");
    assert_eq!(join(&server, noor["code"].as_str().unwrap(), "noor.a").await.0, StatusCode::OK);

    let (status, tokens) = phone.call(Method::POST, "/api/auth/join", Some(join_here(&reset["code"]))).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    phone.take_tokens(&tokens);
    assert_eq!(phone.me(), ash);
    let answer = phone.push(vec![waiting]).await;
    assert_eq!(answer.results[0].status, tandem_shared::wire::OpStatus::Applied, "{:?}", answer.results);
    phone.pull().await;
    assert!(phone.records.contains_key(&first) && phone.records.contains_key(&second));
    server.stop().await;
}

#[tokio::test]
async fn a_young_person_with_no_key_worker_reaches_the_duty_worker_when_the_service_names_one() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let priya = server.signed_in(PRIYA.0, PRIYA.1).await;
    let (_, made) =
        admin.call(Method::POST, "/api/admin/invites", Some(json!({"display_name": "Noor", "workers": []}))).await;
    let (_, noor) = join(&server, made["code"].as_str().unwrap(), "noor.a").await;
    let (_, me) = noor.call(Method::GET, "/api/me", None).await;
    assert_eq!(me["alerts_go_to"], json!([]), "nobody to tell yet: {me}");

    let (status, _) = admin.call(Method::PUT, "/api/admin/settings", Some(json!({"duty_worker": noor.me()}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "only a key worker can be the duty worker");
    let (status, _) = admin.call(Method::PUT, "/api/admin/settings", Some(json!({"duty_worker": priya.me()}))).await;
    assert_eq!(status, StatusCode::OK);
    let (_, me) = noor.call(Method::GET, "/api/me", None).await;
    assert_eq!(me["alerts_go_to"][0]["display_name"], "Priya", "{me}");

    let alert = uuid::Uuid::now_v7();
    let (status, _) = noor.call(Method::POST, "/api/alerts", Some(json!({"id": alert, "raised_at": now_ms()}))).await;
    assert_eq!(status, StatusCode::OK);
    let (_, for_priya) = priya.call(Method::GET, "/api/alerts", None).await;
    assert_eq!(for_priya[0]["young_person_name"], "noor.a", "{for_priya}");
    let sam = server.signed_in(SAM.0, SAM.1).await;
    let (_, for_sam) = sam.call(Method::GET, "/api/alerts", None).await;
    assert!(!for_sam.to_string().contains("noor.a"), "not Sam's: {for_sam}");
    let (status, _) = priya.call(Method::POST, &format!("/api/alerts/{alert}/seen"), None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, mine) = noor.call(Method::GET, "/api/alerts", None).await;
    assert_eq!(mine[0]["seen_by_name"], "Priya", "{mine}");
    server.stop().await;
}

#[tokio::test]
async fn the_helplines_the_service_names_reach_its_young_people_and_a_bad_list_changes_nothing() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let ash = server.signed_in(ASH.0, ASH.1).await;
    let sam = server.signed_in(SAM.0, SAM.1).await;
    let (_, me) = ash.call(Method::GET, "/api/me", None).await;
    let names = |me: &serde_json::Value| -> Vec<String> {
        me["support_lines"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(names(&me), ["Childline", "Shout", "Samaritans"], "the demo's: {me}");
    assert_eq!(me["support_lines"][1]["reach"], "text", "{me}");
    let (_, theirs) = sam.call(Method::GET, "/api/me", None).await;
    assert_eq!(theirs["support_lines"], json!([]), "shown to young people only: {theirs}");

    let mut ash_hears = listen(&ash).await;
    let ours = json!([{"name": " Out of hours ", "reach": "call", "number": "+44 20 7946 0000", "note": "Our own team, 6pm to 8am."}]);
    let (status, stored) = admin.call(Method::PUT, "/api/admin/support-lines", Some(ours)).await;
    assert_eq!(status, StatusCode::OK, "{stored}");
    assert!(next(&mut ash_hears).await.is_some(), "Ash's open screen is told to ask again");
    assert_eq!(stored[0]["name"], "Out of hours", "trimmed: {stored}");
    let (_, me) = ash.call(Method::GET, "/api/me", None).await;
    assert_eq!(names(&me), ["Out of hours"], "{me}");
    assert_eq!(me["support_lines"][0]["number"], "+44 20 7946 0000", "{me}");

    let line = json!({"name": "A line", "reach": "call", "number": "0800 1111"});
    let mut bad_number = line.clone();
    bad_number["number"] = json!("call 0800");
    for (body, says) in [
        (json!([line, line, line, line, line]), "at most 4"),
        (json!([line, bad_number]), "support line 2: the number"),
        (json!([{"name": "A line", "reach": "email", "number": "0800 1111"}]), "reach"),
        (json!({"lines": [line]}), "expected a sequence"),
    ] {
        let (status, answer) = admin.call(Method::PUT, "/api/admin/support-lines", Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert!(answer["message"].as_str().unwrap().contains(says), "{says}: {answer}");
    }
    let (_, kept) = admin.call(Method::GET, "/api/admin/support-lines", None).await;
    assert_eq!(kept[0]["name"], "Out of hours", "a refused list changes nothing: {kept}");
    assert_eq!(kept.as_array().unwrap().len(), 1, "{kept}");

    let (status, _) = admin.call(Method::PUT, "/api/admin/support-lines", Some(json!([]))).await;
    assert_eq!(status, StatusCode::OK);
    let (_, me) = ash.call(Method::GET, "/api/me", None).await;
    assert_eq!(me["support_lines"], json!([]), "{me}");
    let (_, audit) = admin.call(Method::GET, "/api/admin/audit", None).await;
    assert_eq!(audit[0]["action"], "set who young people can talk to now", "{audit}");
    assert_eq!(audit[0]["detail"], "none", "{audit}");
    assert_eq!(audit[1]["detail"], "Out of hours", "{audit}");
    server.stop().await;
}

#[tokio::test]
async fn a_deactivated_key_worker_is_nobodys_worker_so_a_safety_alert_reaches_someone_who_can_answer() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let priya = server.signed_in(PRIYA.0, PRIYA.1).await;
    let sam = server.signed_in(SAM.0, SAM.1).await;
    let ash = server.signed_in(ASH.0, ASH.1).await;
    let (_, me) = ash.call(Method::GET, "/api/me", None).await;
    assert_eq!(me["alerts_go_to"][0]["display_name"], "Sam", "{me}");
    let (status, _) = admin.call(Method::PUT, "/api/admin/settings", Some(json!({"duty_worker": priya.me()}))).await;
    assert_eq!(status, StatusCode::OK);

    // Sam leaves the service.
    let (status, _) = admin.call(Method::POST, &format!("/api/admin/people/{}/deactivate", sam.me()), None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, me) = ash.call(Method::GET, "/api/me", None).await;
    assert_eq!(me["workers"], json!([]), "Sam is no longer Ash's worker: {me}");
    assert_eq!(me["alerts_go_to"][0]["display_name"], "Priya", "the duty worker is told instead: {me}");
    let alert = uuid::Uuid::now_v7();
    let (status, _) = ash.call(Method::POST, "/api/alerts", Some(json!({"id": alert, "raised_at": now_ms()}))).await;
    assert_eq!(status, StatusCode::OK);
    let (_, for_priya) = priya.call(Method::GET, "/api/alerts", None).await;
    assert!(for_priya.to_string().contains(&alert.to_string()), "{for_priya}");
    let (_, assignments) = admin.call(Method::GET, "/api/admin/assignments", None).await;
    assert!(!assignments.to_string().contains(&sam.me().to_string()), "{assignments}");
    let body = json!({"worker": sam.me(), "young_person": ash.me()});
    let (status, body) = admin.call(Method::POST, "/api/admin/assignments", Some(body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "nobody is assigned to a deactivated worker: {body}");

    // The duty worker leaves too: nobody is named, and the young person's app can say so.
    let (status, _) = admin.call(Method::POST, &format!("/api/admin/people/{}/deactivate", priya.me()), None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, settings) = admin.call(Method::GET, "/api/admin/settings", None).await;
    assert!(settings["duty_worker"].is_null(), "{settings}");
    let (_, me) = ash.call(Method::GET, "/api/me", None).await;
    assert_eq!(me["alerts_go_to"], json!([]), "{me}");
    let (_, audit) = admin.call(Method::GET, "/api/admin/audit", None).await;
    assert!(audit.to_string().contains("their key worker was deactivated"), "{audit}");
    server.stop().await;
}

#[tokio::test]
async fn a_registered_shared_tablet_is_named_at_sign_in_seen_by_admins_and_removed_with_its_sessions() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let (status, tablet) =
        admin.call(Method::POST, "/api/admin/tablets", Some(json!({"name": "  Front desk tablet "}))).await;
    assert_eq!(status, StatusCode::OK, "{tablet}");
    assert_eq!(tablet["name"], "Front desk tablet");
    let key = tablet["key"].as_str().unwrap().to_owned();
    // Names are unique and not empty; a wrong body is a 400, not a 500.
    let (status, _) = admin.call(Method::POST, "/api/admin/tablets", Some(json!({"name": "Front desk tablet"}))).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = admin.call(Method::POST, "/api/admin/tablets", Some(json!({"name": "  "}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = admin.call(Method::POST, "/api/admin/tablets", Some(json!({"name": 7}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A young person signs in on it: the session is the tablet's, and says so.
    let mut visit = server.device();
    let sign_in =
        |key: Option<&str>, device| json!({"name": KAI.0, "secret": KAI.1, "device": device, "tablet_key": key});
    let (status, tokens) = visit.call(Method::POST, "/api/auth/sign-in", Some(sign_in(Some(&key), visit.device))).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["tablet"], "Front desk tablet");
    visit.take_tokens(&tokens);
    // A phone, or a made-up key, is no tablet.
    let phone = server.device();
    let (_, tokens) = phone.call(Method::POST, "/api/auth/sign-in", Some(sign_in(None, phone.device))).await;
    assert!(tokens.get("tablet").is_none(), "{tokens}");
    let (_, tokens) = phone.call(Method::POST, "/api/auth/sign-in", Some(sign_in(Some("made-up"), phone.device))).await;
    assert!(tokens.get("tablet").is_none(), "{tokens}");

    // Kai's own list of devices, and the admin's, name the tablet; the phone is just a device.
    let kai = visit.me();
    let (_, mine) = visit.call(Method::GET, "/api/me/sessions", None).await;
    let here = mine.as_array().unwrap().iter().find(|s| s["this_device"] == true).unwrap();
    assert_eq!(here["tablet"], "Front desk tablet", "{mine}");
    assert_eq!(
        mine.as_array().unwrap().iter().filter(|s| s["tablet"].is_null()).count(),
        2,
        "the phone signed in twice: {mine}"
    );
    let (_, seen) = admin.call(Method::GET, &format!("/api/admin/people/{kai}/sessions"), None).await;
    assert_eq!(seen.as_array().unwrap().iter().filter(|s| s["tablet"] == "Front desk tablet").count(), 1, "{seen}");

    let (_, list) = admin.call(Method::GET, "/api/admin/tablets", None).await;
    let listed = &list.as_array().unwrap()[0];
    assert_eq!(listed["name"], "Front desk tablet");
    assert!(listed["last_seen_at"].as_i64().is_some(), "someone used it: {list}");
    assert!(listed.get("key").is_none(), "the key is shown once only: {list}");

    // Lost: removing it ends the visit's session (its open screen is told at once), and the key
    // names nothing any more.
    let mut visit_hears = listen(&visit).await;
    let id = listed["id"].as_str().unwrap();
    let (status, _) = admin.call(Method::POST, &format!("/api/admin/tablets/{id}/remove"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(next(&mut visit_hears).await.is_some(), "the visit's open screen is told");
    assert_eq!(visit.call(Method::GET, "/api/me", None).await.0, StatusCode::UNAUTHORIZED);
    // Noted in the ledger beside the data key, so a restored backup can't bring the visit back.
    let ledger = server.ledger();
    let visit_session = here["id"].as_str().unwrap();
    assert!(ledger.lines().any(|l| l.starts_with(&format!("session-ended {visit_session} "))), "{ledger}");
    let (_, tokens) = phone.call(Method::POST, "/api/auth/sign-in", Some(sign_in(Some(&key), phone.device))).await;
    assert!(tokens.get("tablet").is_none(), "{tokens}");
    let (status, _) = admin.call(Method::POST, &format!("/api/admin/tablets/{id}/remove"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, audit) = admin.call(Method::GET, "/api/admin/audit", None).await;
    for action in ["registered a shared tablet", "removed a shared tablet"] {
        assert!(audit.as_array().unwrap().iter().any(|e| e["action"] == action), "{action}: {audit}");
    }
    server.stop().await;
}

#[tokio::test]
async fn the_audit_log_reads_a_page_at_a_time_and_by_person() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let mut invited = Vec::new();
    for name in ["Arden", "Bo"] {
        let (status, made) =
            admin.call(Method::POST, "/api/admin/invites", Some(json!({"display_name": name, "workers": []}))).await;
        assert_eq!(status, StatusCode::OK, "{made}");
        invited.push(made["young_person"].as_str().unwrap().to_owned());
    }
    let arden = &invited[0];
    let (status, _) = admin.call(Method::POST, &format!("/api/admin/people/{arden}/close-case"), None).await;
    assert_eq!(status, StatusCode::OK);

    let (_, everything) = admin.call(Method::GET, "/api/admin/audit", None).await;
    let everything = everything.as_array().unwrap().clone();
    assert!(everything.len() >= 3, "{everything:?}");
    let ids: Vec<i64> = everything.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");

    // Page by page, one entry each, until nothing is left: the same entries, in the same order.
    let (mut paged, mut before) = (Vec::new(), None::<i64>);
    loop {
        let path = match before {
            Some(id) => format!("/api/admin/audit?limit=1&before={id}"),
            None => "/api/admin/audit?limit=1".to_owned(),
        };
        let (status, page) = admin.call(Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let Some(entry) = page.as_array().unwrap().first().cloned() else { break };
        assert_eq!(page.as_array().unwrap().len(), 1);
        before = entry["id"].as_i64();
        paged.push(entry);
    }
    assert_eq!(paged, everything);

    // One person's entries: what was done to Arden, and nothing about Bo.
    let (status, theirs) = admin.call(Method::GET, &format!("/api/admin/audit?person={arden}"), None).await;
    assert_eq!(status, StatusCode::OK, "{theirs}");
    let actions: Vec<&str> = theirs.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["closed a case", "invited a young person"], "{theirs}");
    assert!(theirs.as_array().unwrap().iter().all(|e| e["subject"] == arden.as_str()), "{theirs}");

    for bad in ["limit=many", "person=someone", "before=soon", "who=me"] {
        let (status, body) = admin.call(Method::GET, &format!("/api/admin/audit?{bad}"), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{bad}: {body}");
    }
    let sam = server.signed_in(SAM.0, SAM.1).await;
    assert_eq!(sam.call(Method::GET, &format!("/api/admin/audit?person={arden}"), None).await.0, StatusCode::FORBIDDEN);
    server.stop().await;
}

/// What `/api/me` says a key worker last saw of `young_person` (null: never looked).
async fn looked_at(worker: &Client, young_person: PersonId) -> serde_json::Value {
    let (_, me) = worker.call(Method::GET, "/api/me", None).await;
    let entry = me["caseload"].as_array().and_then(|c| c.iter().find(|p| p["id"] == young_person.to_string()).cloned());
    entry.unwrap_or_else(|| panic!("{young_person} is in the caseload: {me}"))["looked_at"].clone()
}

/// "New since you last looked" follows a key worker from one device to another: a look on the
/// laptop is in the caseload the phone reads; a look from a device that was offline doesn't take
/// a later one back; a wrong request is refused and changes nothing; and the look goes with the
/// assignment (handed over and back, it starts again).
#[tokio::test]
async fn a_key_workers_look_at_a_young_persons_page_follows_them_to_their_other_devices() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let laptop = server.signed_in(SAM.0, SAM.1).await;
    let phone = server.signed_in(SAM.0, SAM.1).await;
    let priya = server.signed_in(PRIYA.0, PRIYA.1).await;
    let ash = server.signed_in(ASH.0, ASH.1).await.me();
    let mo = server.signed_in(MO.0, MO.1).await.me();
    assert_eq!(looked_at(&phone, ash).await, serde_json::Value::Null);

    let look = |at: serde_json::Value| Some(json!({ "at": at }));
    let (status, resp) = laptop.call(Method::POST, &format!("/api/caseload/{ash}/looked"), look(json!(2_000))).await;
    assert_eq!(status, StatusCode::OK, "{resp}");
    assert_eq!(looked_at(&phone, ash).await, 2_000);
    let (_, caseload) = phone.call(Method::GET, "/api/caseload", None).await;
    let entry = caseload.as_array().unwrap().iter().find(|p| p["id"] == ash.to_string()).unwrap();
    assert_eq!(entry["looked_at"], 2_000, "{caseload}");

    // The phone was offline when it looked, before the laptop did.
    let (status, _) = phone.call(Method::POST, &format!("/api/caseload/{ash}/looked"), look(json!(1_000))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(looked_at(&laptop, ash).await, 2_000, "an earlier look never takes a later one back");

    let before = server.fingerprint().await;
    let wrong = [
        (format!("/api/caseload/{ash}/looked"), look(json!(-1)), StatusCode::BAD_REQUEST),
        (format!("/api/caseload/{ash}/looked"), look(json!("yesterday")), StatusCode::BAD_REQUEST),
        (format!("/api/caseload/{ash}/looked"), Some(json!({"at": 3_000, "who": "me"})), StatusCode::BAD_REQUEST),
        ("/api/caseload/not-an-id/looked".to_owned(), look(json!(3_000)), StatusCode::BAD_REQUEST),
        // Priya's, not Sam's: reads as nobody there.
        (format!("/api/caseload/{mo}/looked"), look(json!(3_000)), StatusCode::NOT_FOUND),
    ];
    for (path, body, want) in wrong {
        let (status, resp) = laptop.call(Method::POST, &path, body.clone()).await;
        assert_eq!(status, want, "{path} {body:?}: {resp}");
        assert!(resp["error"].is_string() && resp["message"].is_string(), "{resp}");
    }
    assert_eq!(server.fingerprint().await, before);
    assert_eq!(looked_at(&phone, ash).await, 2_000);

    // A device whose clock is years ahead can't hide what is new until then: kept as now.
    let (status, _) = phone.call(Method::POST, &format!("/api/caseload/{ash}/looked"), look(json!(i64::MAX))).await;
    assert_eq!(status, StatusCode::OK);
    let kept = looked_at(&laptop, ash).await.as_i64().unwrap();
    assert!((2_000..=now_ms() as i64).contains(&kept), "{kept}");

    // Handed over: Priya hasn't looked; handed back, Sam starts again too.
    for (from, to) in [(laptop.me(), priya.me()), (priya.me(), laptop.me())] {
        let body = json!({"young_person": ash, "from": from, "to": to});
        let (status, resp) = admin.call(Method::POST, "/api/admin/assignments/hand-over", Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{resp}");
        if to == priya.me() {
            assert_eq!(looked_at(&priya, ash).await, serde_json::Value::Null);
        }
    }
    assert_eq!(looked_at(&phone, ash).await, serde_json::Value::Null);
    server.stop().await;
}

/// "New since you last looked" for drop-in staff: a look on one device is in the list another
/// reads (a shared tablet keeps nothing of theirs once lent), kept apart from a key worker's;
/// only for young people who share something with the team: once they stop, they are off the
/// list and a look at them is refused.
#[tokio::test]
async fn drop_in_staffs_look_at_what_a_young_person_shares_with_the_team_follows_them() {
    let server = TestServer::start().await;
    let tablet = server.signed_in(DROPIN.0, DROPIN.1).await;
    let desk = server.signed_in(DROPIN.0, DROPIN.1).await;
    let ash = server.signed_in(ASH.0, ASH.1).await.me();
    let sam = server.signed_in(SAM.0, SAM.1).await;
    // Kai shares with the team in the demo; Ash doesn't.
    let mut kai = server.signed_in(KAI.0, KAI.1).await;
    let kai_id = kai.me();
    assert_eq!(looked_at(&desk, kai_id).await, serde_json::Value::Null);

    let look = |at: i64| Some(json!({ "at": at }));
    let (status, resp) = tablet.call(Method::POST, &format!("/api/caseload/{kai_id}/looked"), look(2_000)).await;
    assert_eq!(status, StatusCode::OK, "{resp}");
    assert_eq!(looked_at(&desk, kai_id).await, 2_000, "the same staff member's other device");
    let (status, _) = desk.call(Method::POST, &format!("/api/caseload/{kai_id}/looked"), look(1_000)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(looked_at(&tablet, kai_id).await, 2_000, "an earlier look never takes a later one back");

    // Someone who shares nothing with the team reads as nobody there, and nothing is written.
    let before = server.fingerprint().await;
    let (status, resp) = desk.call(Method::POST, &format!("/api/caseload/{ash}/looked"), look(3_000)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{resp}");
    assert!(resp["message"].as_str().unwrap().contains("team"), "{resp}");
    assert_eq!(server.fingerprint().await, before);

    // A key worker's look is theirs, on the assignment: not the team's, and not the other way.
    let (status, _) = sam.call(Method::POST, &format!("/api/caseload/{kai_id}/looked"), look(5_000)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(looked_at(&desk, kai_id).await, 2_000);
    assert_eq!(looked_at(&sam, kai_id).await, 5_000);

    // Kai stops sharing with the team: gone from the list, and a look at them is refused.
    kai.pull().await;
    let shared: Vec<(RecordId, RecordKind)> =
        kai.records.values().filter(|r| r.visibility() == Visibility::Team).map(|r| (r.id, r.kind)).collect();
    assert!(!shared.is_empty());
    let ops = shared
        .iter()
        .map(|(id, kind)| kai.op(*id, *kind, kai_id, vec![FieldValue::Visibility(Visibility::Worker)]))
        .collect();
    assert!(kai.push(ops).await.results.iter().all(|r| r.status == OpStatus::Applied));
    let (_, me) = desk.call(Method::GET, "/api/me", None).await;
    assert!(!me["caseload"].to_string().contains(&kai_id.to_string()), "{me}");
    let (status, _) = desk.call(Method::POST, &format!("/api/caseload/{kai_id}/looked"), look(6_000)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    server.stop().await;
}

/// The notices `who` has put away, as `/api/me` says.
async fn put_away(who: &Client) -> Vec<String> {
    let (status, me) = who.call(Method::GET, "/api/me", None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let mut keys: Vec<String> = me["put_away"]
        .as_array()
        .unwrap_or_else(|| panic!("{me}"))
        .iter()
        .map(|k| k.as_str().unwrap().to_owned())
        .collect();
    keys.sort();
    keys
}

/// A notice of collided words put away on one device stays put away on the person's others (a
/// shared tablet keeps nothing between visits, so the server remembers): a young person's about
/// their own things, a key worker's about what their young people share with them. Anything
/// else is refused, all of it, and changes nothing; a worker's go when they stop supporting them.
#[tokio::test]
async fn notices_put_away_on_one_device_stay_put_away_on_the_others() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    let tablet = server.signed_in(ASH.0, ASH.1).await;
    let (laptop, sam_phone) = (server.signed_in(SAM.0, SAM.1).await, server.signed_in(SAM.0, SAM.1).await);
    let (priya, mo, dropin) = (
        server.signed_in(PRIYA.0, PRIYA.1).await,
        server.signed_in(MO.0, MO.1).await,
        server.signed_in(DROPIN.0, DROPIN.1).await,
    );
    let ash = phone.me();
    let (shared, private) = (new_record(), new_record());
    let goal = |title: &str, visibility| vec![FieldValue::Title(title.into()), FieldValue::Visibility(visibility)];
    let ops = vec![
        phone.op(shared, RecordKind::Goal, ash, goal("Get my provisional licence", Visibility::Worker)),
        phone.op(private, RecordKind::Goal, ash, goal("Sort things out with my sister", Visibility::Private)),
    ];
    assert!(phone.push(ops).await.results.iter().all(|r| r.status == OpStatus::Applied));
    let device = uuid::Uuid::now_v7();
    let notice = |record: RecordId, field: &str, ms: u64| format!("{record}/{field}/{ms}.0/{device}");
    let put = |notices: Vec<String>| Some(json!({ "notices": notices }));
    assert_eq!(put_away(&tablet).await, Vec::<String>::new());

    let mine = vec![notice(shared, "title", 5), notice(private, "why", 6)];
    let (status, body) = phone.call(Method::POST, "/api/me/put-away", put(mine.clone())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(put_away(&tablet).await, mine, "the tablet at Ash's next visit");
    let (status, _) = tablet.call(Method::POST, "/api/me/put-away", put(mine[..1].to_vec())).await;
    assert_eq!(status, StatusCode::OK, "put away on two devices: still one");
    assert_eq!(put_away(&phone).await, mine);

    let sams = vec![notice(shared, "title", 7)];
    let (status, body) = laptop.call(Method::POST, "/api/me/put-away", put(sams.clone())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(put_away(&sam_phone).await, sams);
    assert_eq!(put_away(&phone).await, mine, "each person's own");

    let before = server.fingerprint().await;
    let many: Vec<String> = (0..201).map(|ms| notice(shared, "title", ms)).collect();
    let wrong = [
        // Ash's private goal: not Sam's to see. With one he may: all refused.
        (&laptop, put(vec![notice(shared, "why", 8), notice(private, "title", 8)]), StatusCode::NOT_FOUND),
        (&priya, put(vec![notice(shared, "title", 9)]), StatusCode::NOT_FOUND),
        (&mo, put(vec![notice(shared, "title", 9)]), StatusCode::NOT_FOUND),
        (&phone, put(vec![notice(new_record(), "title", 9)]), StatusCode::NOT_FOUND),
        (&dropin, put(vec![notice(shared, "title", 9)]), StatusCode::FORBIDDEN),
        (&phone, put(vec![notice(shared, "colour", 9)]), StatusCode::BAD_REQUEST),
        (&phone, put(vec![format!("{shared}/title")]), StatusCode::BAD_REQUEST),
        (&phone, put(many), StatusCode::BAD_REQUEST),
        (&phone, Some(json!({ "notices": "all of them" })), StatusCode::BAD_REQUEST),
        (&phone, Some(json!({ "keys": [] })), StatusCode::BAD_REQUEST),
    ];
    for (who, body, want) in wrong {
        let (status, resp) = who.call(Method::POST, "/api/me/put-away", body.clone()).await;
        assert_eq!(status, want, "{body:?}: {resp}");
        assert!(resp["error"].is_string() && resp["message"].is_string(), "{resp}");
    }
    assert_eq!((put_away(&laptop).await, put_away(&phone).await), (sams.clone(), mine.clone()));
    assert_eq!(server.fingerprint().await, before);

    // Sam no longer supports Ash: what he put away about Ash's things goes; Ash's stays.
    let body = json!({"worker": laptop.me(), "young_person": ash});
    let (status, resp) = admin.call(Method::POST, "/api/admin/assignments/end", Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{resp}");
    assert_eq!(put_away(&sam_phone).await, Vec::<String>::new());
    assert_eq!(put_away(&phone).await, mine);
    server.stop().await;
}

#[tokio::test]
async fn the_audit_log_saved_as_a_spreadsheet_holds_every_entry_and_its_own_saving_and_runs_no_formula() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    // A display name someone typed as a spreadsheet formula.
    let body = json!({"role": "key_worker", "name": "trick", "display_name": "=HYPERLINK(\"http://x\",\"Open\")",
                      "password": "kettle orbit parsley"});
    let (status, made) = admin.call(Method::POST, "/api/admin/people", Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let (status, saved) = admin.call(Method::POST, "/api/admin/audit/export", Some(json!({}))).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let csv = saved["csv"].as_str().unwrap();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "\u{feff}when (UTC),who,what,about whom,detail");
    // Every entry the console pages through, and first (newest) the saving itself.
    let (_, on_screen) = admin.call(Method::GET, "/api/admin/audit?limit=500", None).await;
    assert_eq!(lines.len() - 1, on_screen.as_array().unwrap().len(), "{csv}");
    assert_eq!(saved["entries"].as_u64(), Some((lines.len() - 1) as u64));
    assert!(
        lines[1].contains("\"Alex (admin)\",\"saved the audit log as a spreadsheet\",\"\",\"everyone's entries\""),
        "{}",
        lines[1]
    );
    assert_eq!(on_screen[0]["action"], "saved the audit log as a spreadsheet");
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://x\"\",\"\"Open\"\")\""), "the formula is kept as text: {csv}");
    assert!(saved["file_name"].as_str().unwrap().starts_with("tandem-audit-log-20"), "{saved}");

    // One person's part: only entries by or about them.
    let trick = made["id"].as_str().unwrap();
    let (_, theirs) = admin.call(Method::POST, "/api/admin/audit/export", Some(json!({"person": trick}))).await;
    let rows: Vec<&str> = theirs["csv"].as_str().unwrap().split("\r\n").skip(1).filter(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 2, "created, and this saving of their entries: {rows:?}");
    assert!(rows[0].contains("one person's entries") && rows[1].contains("created staff"), "{rows:?}");
    // Unknown fields are refused, as everywhere.
    let (status, _) = admin.call(Method::POST, "/api/admin/audit/export", Some(json!({"who": trick}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_admin_adds_a_list_of_staff_in_one_go_and_a_list_with_any_problem_adds_nobody() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let line = |role: &str, name: &str, display_name: &str, password: &str| json!({"role": role, "name": name, "display_name": display_name, "password": password});
    let before = server.fingerprint().await;
    // Problems on every line but the first: each is told, at once, and nobody is added.
    let list = json!({"people": [
        line("key_worker", "rowan", "Rowan Ellis", "kettle orbit parsley"),
        line("young_person", "someone", "Someone", "kettle orbit parsley"),
        line("key_worker", "Rowan", "Rowan Again", "kettle orbit parsley"),
        line("drop_in_staff", "jo", "Jo", "Password123!"),
        line("admin", SAM.0, "Sam Twice", "kettle orbit parsley"),
        line("key_worker", "x", "  ", "short"),
    ]});
    let (status, refused) = admin.call(Method::POST, "/api/admin/people/several", Some(list)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    let message = refused["message"].as_str().unwrap();
    assert!(message.starts_with("nobody was added. "), "{message}");
    assert!(!message.contains("Line 1 "), "the first line is fine: {message}");
    for told in [
        "Line 2 (Someone): young people join with an invite code",
        "Line 3 (Rowan Again): the same sign-in name as a line above",
        "Line 4 (Jo): its password: ",
        "Line 5 (Sam Twice): that sign-in name is taken",
        "Line 6 (): a name needs 2 to 40 letters",
        "and its password: choose something between 10",
    ] {
        assert!(message.contains(told), "{told:?} in {message}");
    }
    assert_eq!(server.fingerprint().await, before, "nobody was added");

    // None, or more than a service adds at once, is refused as well.
    let many: Vec<_> =
        (0..51).map(|i| line("key_worker", &format!("w{i}"), &format!("W {i}"), "kettle orbit parsley")).collect();
    for people in [json!([]), json!(many)] {
        let (status, body) =
            admin.call(Method::POST, "/api/admin/people/several", Some(json!({"people": people}))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body["message"].as_str().unwrap().contains("1 to 50 people"), "{body}");
    }

    // A good list: everyone is added, in order, each with a first password they must change.
    let list = json!({"people": [
        line("key_worker", "rowan", "Rowan Ellis", "kettle orbit parsley"),
        line("drop_in_staff", "jo", "Jo Byrne", "lantern quilt walrus fern"),
        line("admin", "dee", "Dee Okafor", "cactus harbor violin moss"),
    ]});
    let (status, made) = admin.call(Method::POST, "/api/admin/people/several", Some(list.clone())).await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let ids: Vec<&str> = made["ids"].as_array().unwrap().iter().map(|id| id.as_str().unwrap()).collect();
    assert_eq!(ids.len(), 3);
    let (_, people) = admin.call(Method::GET, "/api/admin/people", None).await;
    for (id, (role, display_name)) in
        ids.iter().zip([("key_worker", "Rowan Ellis"), ("drop_in_staff", "Jo Byrne"), ("admin", "Dee Okafor")])
    {
        let row = people.as_array().unwrap().iter().find(|p| p["id"] == *id).expect("listed");
        assert_eq!((row["role"].as_str().unwrap(), row["display_name"].as_str().unwrap()), (role, display_name));
    }
    let jo = server.device();
    let (status, tokens) = jo
        .call(
            Method::POST,
            "/api/auth/sign-in",
            Some(json!({"name": "jo", "secret": "lantern quilt walrus fern", "device": jo.device})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["must_change_password"], true);
    let (_, audit) = admin.call(Method::GET, "/api/admin/audit?limit=10", None).await;
    let created: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "created staff")
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    let mut created = created;
    created.sort();
    assert_eq!(created, ["admin", "drop_in_staff", "key_worker"], "one entry each, with their role: {audit}");

    // The same list again: every name is taken now.
    let before = server.fingerprint().await;
    let (status, body) = admin.call(Method::POST, "/api/admin/people/several", Some(list)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["message"].as_str().unwrap().matches("that sign-in name is taken").count(), 3, "{body}");
    assert_eq!(server.fingerprint().await, before);

    // Two admins' lists sharing a name, sent at once: one is added whole, the other not at all.
    let first = json!({"people": [line("key_worker", "ira", "Ira", "kettle orbit parsley"),
                                  line("key_worker", "shared", "Shared", "kettle orbit parsley")]});
    let second = json!({"people": [line("key_worker", "shared", "Shared", "kettle orbit parsley"),
                                   line("key_worker", "bex", "Bex", "kettle orbit parsley")]});
    let count = |people: &serde_json::Value| people.as_array().unwrap().len();
    let (_, people) = admin.call(Method::GET, "/api/admin/people", None).await;
    let (a, b) = tokio::join!(
        admin.call(Method::POST, "/api/admin/people/several", Some(first)),
        admin.call(Method::POST, "/api/admin/people/several", Some(second)),
    );
    let statuses = [a.0, b.0];
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{a:?} {b:?}");
    let refused = if a.0 == StatusCode::OK { &b } else { &a };
    assert!([StatusCode::BAD_REQUEST, StatusCode::CONFLICT].contains(&refused.0), "{refused:?}");
    assert!(refused.1["message"].as_str().unwrap().starts_with("nobody was added"), "{refused:?}");
    let (_, after) = admin.call(Method::GET, "/api/admin/people", None).await;
    assert_eq!(count(&after), count(&people) + 2, "one list whole, none of the other");
    server.stop().await;
}

#[tokio::test]
async fn the_people_list_says_when_each_staff_member_last_used_tandem_and_nothing_of_how_young_people_use_it() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let body =
        json!({"role": "drop_in_staff", "name": "quiet", "display_name": "Quiet", "password": "kettle orbit parsley"});
    let (status, quiet) = admin.call(Method::POST, "/api/admin/people", Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{quiet}");
    let before = now_ms() as i64;
    let mut sam = server.signed_in(SAM.0, SAM.1).await;
    let ash = server.signed_in(ASH.0, ASH.1).await;
    let row = |people: &serde_json::Value, id: String| {
        people.as_array().unwrap().iter().find(|p| p["id"] == id).cloned().expect("listed")
    };
    let (_, people) = admin.call(Method::GET, "/api/admin/people", None).await;
    let sams = row(&people, sam.me().to_string());
    let signed_in_at = sams["last_active_at"].as_i64().expect("Sam has used it");
    assert!(signed_in_at >= before, "{sams}");
    assert!(sams["added_at"].as_i64().unwrap() < signed_in_at);
    let quiets = row(&people, quiet["id"].as_str().unwrap().to_owned());
    assert!(quiets["last_active_at"].is_null() && quiets["added_at"].as_i64().unwrap() <= before, "{quiets}");
    let ashs = row(&people, ash.me().to_string());
    assert!(ashs["last_active_at"].is_null() && ashs["added_at"].is_null(), "not kept for young people: {ashs}");

    // Renewing a sign-in (a screen left open, a phone coming back) is using it too.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let refresh = sam.refresh.clone().unwrap();
    let (status, tokens) = sam.call(Method::POST, "/api/auth/refresh", Some(json!({"refresh_token": refresh}))).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    sam.take_tokens(&tokens);
    let (_, people) = admin.call(Method::GET, "/api/admin/people", None).await;
    let renewed_at = row(&people, sam.me().to_string())["last_active_at"].as_i64().unwrap();
    assert!(renewed_at > signed_in_at, "{renewed_at} after {signed_in_at}");
    // Only staff, when asked: the console's home looks for those to review.
    let (_, staff) = admin.call(Method::GET, "/api/admin/people?staff=true", None).await;
    let roles: std::collections::BTreeSet<&str> =
        staff.as_array().unwrap().iter().map(|p| p["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["admin", "drop_in_staff", "key_worker"].into(), "{staff}");
    assert_eq!(admin.call(Method::GET, "/api/admin/people?staf=true", None).await.0, StatusCode::BAD_REQUEST);
    server.stop().await;
}

#[tokio::test]
async fn the_service_in_numbers_counts_who_has_joined_uses_it_is_invited_or_closed_and_names_nobody() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let numbers = || async {
        let (status, body) = admin.call(Method::GET, "/api/admin/numbers", None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let n = |k: &str| body[k].as_i64().unwrap();
        [n("young_people"), n("young_people_active"), n("invited"), n("cases_closed"), n("staff")]
    };
    let [joined, active, invited, closed, staff] = numbers().await;
    assert_eq!((joined, closed), (3, 0), "the demo's three young people");
    assert!(invited >= 1 && staff >= 4);

    // Ash uses it; Kai's case closes; someone new is invited.
    let ash = server.signed_in(ASH.0, ASH.1).await;
    let kai = server.signed_in(KAI.0, KAI.1).await.me();
    let (status, _) = admin.call(Method::POST, &format!("/api/admin/people/{kai}/close-case"), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) =
        admin.call(Method::POST, "/api/admin/invites", Some(json!({"display_name": "New", "workers": []}))).await;
    assert_eq!(status, StatusCode::OK);
    let now = numbers().await;
    assert_eq!(now, [joined - 1, active + 1, invited + 1, closed + 1, staff], "Kai's use counts no more once closed");
    let (_, body) = admin.call(Method::GET, "/api/admin/numbers", None).await;
    assert!(!body.to_string().contains(&ash.me().to_string()) && !body.to_string().contains("ash"), "{body}");
    assert_eq!(ash.call(Method::GET, "/api/admin/numbers", None).await.0, StatusCode::FORBIDDEN);
    server.stop().await;
}
