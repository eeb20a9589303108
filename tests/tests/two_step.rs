//! Two-step sign-in for staff: set up with a code, asked for at sign-in, each code once, wrong
//! codes counted like wrong passwords, turned off with the password or by an admin's new
//! password, sealed at rest, and not for young people.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tandem_tests::*;

/// Sets up two-step sign-in for the signed-in `staff`: the secret as typed, and the step its
/// confirming code was for (used up).
async fn turn_on(staff: &Client) -> (String, u64) {
    let (status, set_up) = staff.call(Method::POST, "/api/me/two-step", None).await;
    assert_eq!(status, StatusCode::OK, "{set_up}");
    let typed = set_up["secret"].as_str().unwrap().to_owned();
    let step = two_step_now();
    let (status, body) = staff
        .call(Method::POST, "/api/me/two-step/confirm", Some(json!({ "code": two_step_code(&typed, step) })))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (typed, step)
}

async fn sign_in_with(server: &TestServer, who: (&str, &str), code: Option<String>) -> (StatusCode, Value) {
    let phone = server.device();
    let mut body = json!({ "name": who.0, "secret": who.1, "device": uuid::Uuid::now_v7() });
    if let Some(code) = code {
        body["code"] = json!(code);
    }
    phone.call(Method::POST, "/api/auth/sign-in", Some(body)).await
}

/// How many devices are signed in as the person `staff` is signed in as.
async fn sessions(staff: &Client) -> usize {
    let (_, sessions) = staff.call(Method::GET, "/api/me/sessions", None).await;
    sessions.as_array().expect("a list of sessions").len()
}

#[tokio::test]
async fn once_on_a_right_password_is_not_enough_and_each_code_signs_in_once() {
    let server = TestServer::start().await;
    let sam = server.signed_in(SAM.0, SAM.1).await;
    let (status, set_up) = sam.call(Method::POST, "/api/me/two-step", None).await;
    assert_eq!(status, StatusCode::OK, "{set_up}");
    let typed = set_up["secret"].as_str().unwrap();
    assert_eq!(typed.split(' ').count(), 8, "32 characters in groups of four: {typed}");
    let address = set_up["address"].as_str().unwrap();
    assert!(
        address.starts_with(&format!("otpauth://totp/Tandem:sam?secret={}&issuer=Tandem", typed.replace(' ', ""))),
        "{address}"
    );

    // Set up but not confirmed: nothing has changed at sign-in.
    let wrong = format!("{:06}", (two_step_code(typed, two_step_now()).parse::<u32>().unwrap() + 1) % 1_000_000);
    let (status, body) = sam.call(Method::POST, "/api/me/two-step/confirm", Some(json!({ "code": wrong }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap().contains("clock"), "{body}");
    assert_eq!(sign_in_with(&server, SAM, None).await.0, StatusCode::OK);
    let (_, me) = sam.call(Method::GET, "/api/me", None).await;
    assert_eq!(me["two_step"], false);

    let step = two_step_now();
    let (status, body) =
        sam.call(Method::POST, "/api/me/two-step/confirm", Some(json!({ "code": two_step_code(typed, step) }))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, me) = sam.call(Method::GET, "/api/me", None).await;
    assert_eq!(me["two_step"], true);

    // The right password alone is asked for a code, and no session is made.
    let before = sessions(&sam).await;
    let (status, body) = sign_in_with(&server, SAM, None).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("two_step_needed")), "{body}");
    assert!(body.get("access_token").is_none());
    // A wrong password is refused as ever, whether or not a code comes with it: the code is never
    // asked for before the password is right.
    let (status, body) = sign_in_with(&server, (SAM.0, "not-the-password"), None).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthorized")), "{body}");
    let (status, _) = sign_in_with(&server, SAM, Some(wrong.clone())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(sessions(&sam).await, before, "no session for a sign-in without its code");
    // The code that confirmed it is used up; the next one signs in, once.
    let (status, body) = sign_in_with(&server, SAM, Some(two_step_code(typed, step))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a used code: {body}");
    assert!(body["message"].as_str().unwrap().contains("each works once"), "{body}");
    let next = two_step_code(typed, step + 1);
    let (status, body) = sign_in_with(&server, SAM, Some(next.clone())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.get("recovery_codes_left").is_none(), "the app's code is not a recovery code: {body}");
    assert_eq!(sign_in_with(&server, SAM, Some(next)).await.0, StatusCode::UNAUTHORIZED, "seen over a shoulder");
    assert_eq!(sessions(&sam).await, before + 1, "one sign-in, with its code");

    // Young people's accounts can't turn it on: their PIN is how they reach their own words.
    let ash = server.signed_in(ASH.0, ASH.1).await;
    for (path, body) in [
        ("/api/me/two-step", None),
        ("/api/me/two-step/confirm", Some(json!({ "code": "123456" }))),
        ("/api/me/two-step/off", Some(json!({ "password": ASH.1 }))),
    ] {
        let (status, answer) = ash.call(Method::POST, path, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {answer}");
    }
    server.stop().await;
}

#[tokio::test]
async fn wrong_codes_count_as_wrong_passwords_and_lock_the_name() {
    let server = TestServer::start().await;
    let (typed, step) = turn_on(&server.signed_in(SAM.0, SAM.1).await).await;
    let wrong = format!("{:06}", (two_step_code(&typed, step + 1).parse::<u32>().unwrap() + 7) % 1_000_000);
    for _ in 0..5 {
        assert_eq!(sign_in_with(&server, SAM, Some(wrong.clone())).await.0, StatusCode::UNAUTHORIZED);
    }
    // Someone who has the password can't go on guessing codes: the name is locked.
    let (status, body) = sign_in_with(&server, SAM, Some(two_step_code(&typed, step + 1))).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("too_many_attempts")), "{body}");
    server.stop().await;
}

#[tokio::test]
async fn it_goes_off_with_the_password_or_with_an_admins_new_password_and_the_audit_log_says_so() {
    let server = TestServer::start().await;
    let sam = server.signed_in(SAM.0, SAM.1).await;
    turn_on(&sam).await;
    // A device left signed in can't turn it off.
    let (status, body) = sam.call(Method::POST, "/api/me/two-step/off", Some(json!({ "password": "a guess" }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(sign_in_with(&server, SAM, None).await.0, StatusCode::UNAUTHORIZED, "still on");
    let (status, body) = sam.call(Method::POST, "/api/me/two-step/off", Some(json!({ "password": SAM.1 }))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(sign_in_with(&server, SAM, None).await.0, StatusCode::OK, "a password alone again");

    // Lost phone, authenticator and all: an admin's new first password turns it off.
    turn_on(&sam).await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let (_, people) = admin.call(Method::GET, "/api/admin/people", None).await;
    let listed = people.as_array().unwrap().iter().find(|p| p["display_name"] == "Sam").expect("Sam listed");
    assert_eq!(listed["two_step"], true, "admins see who has it on: {listed}");
    let (status, body) = admin
        .call(
            Method::POST,
            &format!("/api/admin/people/{}/new-password", sam.me()),
            Some(json!({ "password": "a-first-password" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = sign_in_with(&server, (SAM.0, "a-first-password"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["must_change_password"], true);

    let (_, audit) = admin.call(Method::GET, "/api/admin/audit", None).await;
    let actions: Vec<&str> = audit.as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    for action in ["turned on two-step sign-in", "turned off two-step sign-in", "set a new first password"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    assert!(audit.to_string().contains("two-step sign-in off"), "the new password's line says so: {audit}");
    server.stop().await;
}

#[tokio::test]
async fn the_secret_is_sealed_at_rest() {
    let server = TestServer::start().await;
    let (typed, _) = turn_on(&server.signed_in(SAM.0, SAM.1).await).await;
    // What is stored is the secret's bytes as base64, sealed: neither that nor the typed form is
    // in a copy of the database.
    let base32 = typed.replace(' ', "");
    let bytes = base32_bytes(&base32);
    let base64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &bytes);
    let copy = server.database_copy();
    for plain in [base32.as_bytes(), base64.as_bytes(), &bytes[..]] {
        assert!(!copy.windows(plain.len()).any(|w| w == plain), "the secret is in a copy of the database");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_service_that_asks_for_it_lets_a_staff_sign_in_without_it_do_nothing_but_set_it_up() {
    let server = TestServer::start().await;
    let earlier = server.signed_in(SAM.0, SAM.1).await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let (_, policy) = admin.call(Method::GET, "/api/admin/staff-two-step", None).await;
    assert_eq!(policy, json!({ "required": false }));
    // Not by an admin without it: asking it of everyone would shut them out of the console.
    let on = json!({ "required": true });
    let (status, body) = admin.call(Method::PUT, "/api/admin/staff-two-step", Some(on.clone())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap().contains("your own account first"), "{body}");
    assert_eq!(admin.call(Method::GET, "/api/admin/staff-two-step", None).await.1, json!({ "required": false }));
    turn_on(&admin).await;
    let (status, body) = admin.call(Method::PUT, "/api/admin/staff-two-step", Some(on)).await;
    assert_eq!((status, body), (StatusCode::OK, json!({ "required": true })));

    // A session from before is asked too, from its next request; a young person is not asked.
    let (status, body) = earlier.call(Method::GET, "/api/sync/pull?since=0", None).await;
    assert_eq!((status, &body["error"]), (StatusCode::FORBIDDEN, &json!("two_step_setup_needed")), "{body}");
    assert_eq!(earlier.call(Method::GET, "/api/me", None).await.1["must_set_up_two_step"], true);
    let ash = server.signed_in(ASH.0, ASH.1).await;
    assert_eq!(ash.call(Method::GET, "/api/sync/pull?since=0", None).await.0, StatusCode::OK);
    assert_eq!(admin.call(Method::GET, "/api/admin/audit", None).await.0, StatusCode::OK, "the admin has it");

    // A staff sign-in without it: told so, and able to do nothing else.
    let mut desk = server.device();
    let (status, tokens) = desk
        .call(
            Method::POST,
            "/api/auth/sign-in",
            Some(json!({ "name": DROPIN.0, "secret": DROPIN.1, "device": desk.device })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["must_set_up_two_step"], true);
    desk.take_tokens(&tokens);
    let (status, body) = desk.call(Method::GET, "/api/sync/pull?since=0", None).await;
    assert_eq!((status, &body["error"]), (StatusCode::FORBIDDEN, &json!("two_step_setup_needed")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("two-step"), "{body}");
    let (status, me) = desk.call(Method::GET, "/api/me", None).await;
    assert_eq!((status, &me["must_set_up_two_step"]), (StatusCode::OK, &json!(true)), "{me}");

    // Set up in that same session: it opens.
    let (typed, step) = turn_on(&desk).await;
    assert_eq!(desk.call(Method::GET, "/api/sync/pull?since=0", None).await.0, StatusCode::OK);
    let (_, me) = desk.call(Method::GET, "/api/me", None).await;
    assert_eq!(me["must_set_up_two_step"], false);
    let (status, tokens) = sign_in_with(&server, DROPIN, Some(two_step_code(&typed, step + 1))).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert!(tokens.get("must_set_up_two_step").is_none(), "{tokens}");

    // A new worker with a first password an admin set: their own password first, then this.
    let first =
        json!({ "role": "key_worker", "name": "new.worker", "display_name": "New", "password": "a-first-password" });
    assert_eq!(admin.call(Method::POST, "/api/admin/people", Some(first)).await.0, StatusCode::OK);
    let mut new_worker = server.device();
    let body = json!({ "name": "new.worker", "secret": "a-first-password", "device": new_worker.device });
    let (_, tokens) = new_worker.call(Method::POST, "/api/auth/sign-in", Some(body)).await;
    assert_eq!(
        (&tokens["must_change_password"], &tokens["must_set_up_two_step"]),
        (&json!(true), &json!(true)),
        "{tokens}"
    );
    new_worker.take_tokens(&tokens);
    assert_eq!(
        new_worker.call(Method::POST, "/api/me/two-step", None).await.0,
        StatusCode::FORBIDDEN,
        "the password first"
    );
    let own = json!({ "current": "a-first-password", "new": "their-own-password" });
    let (status, body) = new_worker.call(Method::POST, "/api/me/password", Some(own)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = new_worker.call(Method::GET, "/api/sync/pull?since=0", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "then two-step sign-in: {body}");
    assert!(body["message"].as_str().unwrap().contains("two-step"), "{body}");

    // Asked of everyone, it stays on: turning it off is refused, password or not.
    let (status, body) = desk.call(Method::POST, "/api/me/two-step/off", Some(json!({ "password": DROPIN.1 }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap().contains("stays on"), "{body}");
    assert_eq!(sign_in_with(&server, DROPIN, None).await.0, StatusCode::UNAUTHORIZED, "still asks for a code");

    // No longer asked: the session from before opens again, with no new sign-in.
    let off = json!({ "required": false });
    assert_eq!(admin.call(Method::PUT, "/api/admin/staff-two-step", Some(off)).await.0, StatusCode::OK);
    assert_eq!(earlier.call(Method::GET, "/api/sync/pull?since=0", None).await.0, StatusCode::OK);
    assert_eq!(earlier.call(Method::GET, "/api/me", None).await.1["must_set_up_two_step"], false);

    let (_, audit) = admin.call(Method::GET, "/api/admin/audit", None).await;
    assert!(audit.to_string().contains("asked every staff member for two-step sign-in"), "{audit}");
    assert!(audit.to_string().contains("stopped asking staff for two-step sign-in"), "{audit}");
    server.stop().await;
}

/// Signs Sam in with `code`: the answer's status.
async fn signs_in(server: &TestServer, code: &str) -> StatusCode {
    sign_in_with(server, SAM, Some(code.to_owned())).await.0
}

fn codes_in(answer: &Value) -> Vec<String> {
    let codes = answer["recovery_codes"].as_array().unwrap_or_else(|| panic!("recovery codes in {answer}"));
    codes.iter().map(|c| c.as_str().expect("a code").to_owned()).collect()
}

#[tokio::test]
async fn a_recovery_code_signs_in_once_in_place_of_the_apps_code_and_new_ones_replace_the_old() {
    let server = TestServer::start().await;
    let sam = server.signed_in(SAM.0, SAM.1).await;
    let (_, set_up) = sam.call(Method::POST, "/api/me/two-step", None).await;
    let code = two_step_code(set_up["secret"].as_str().unwrap(), two_step_now());
    let (status, on) = sam.call(Method::POST, "/api/me/two-step/confirm", Some(json!({ "code": code }))).await;
    assert_eq!(status, StatusCode::OK, "{on}");
    let first = codes_in(&on);
    assert_eq!(first.len(), 10);
    assert_eq!(first.iter().collect::<std::collections::HashSet<_>>().len(), 10, "all different: {first:?}");
    assert_eq!(sam.call(Method::GET, "/api/me", None).await.1["two_step_recovery_left"], 10);

    // Typed as read off paper (small letters, spaces): it signs in, once.
    let loosely = first[0].to_lowercase().replace('-', " ");
    let (status, tokens) = sign_in_with(&server, SAM, Some(loosely)).await;
    assert_eq!((status, &tokens["recovery_codes_left"]), (StatusCode::OK, &json!(9)), "{tokens}");
    assert_eq!(signs_in(&server, &first[0]).await, StatusCode::UNAUTHORIZED, "used");
    assert_eq!(signs_in(&server, "ABCD-EFGH-JKLM").await, StatusCode::UNAUTHORIZED, "made up");
    assert_eq!(sam.call(Method::GET, "/api/me", None).await.1["two_step_recovery_left"], 9);

    // Someone else's codes are theirs alone.
    let desk = server.signed_in(DROPIN.0, DROPIN.1).await;
    let (_, set_up) = desk.call(Method::POST, "/api/me/two-step", None).await;
    let code = two_step_code(set_up["secret"].as_str().unwrap(), two_step_now());
    let (_, theirs) = desk.call(Method::POST, "/api/me/two-step/confirm", Some(json!({ "code": code }))).await;
    assert_eq!(signs_in(&server, &codes_in(&theirs)[0]).await, StatusCode::UNAUTHORIZED);

    // A new set needs the password, and the old set stops working.
    let (status, body) =
        sam.call(Method::POST, "/api/me/two-step/recovery-codes", Some(json!({ "password": "a guess" }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, renewed) =
        sam.call(Method::POST, "/api/me/two-step/recovery-codes", Some(json!({ "password": SAM.1 }))).await;
    assert_eq!(status, StatusCode::OK, "{renewed}");
    let second = codes_in(&renewed);
    assert_eq!(signs_in(&server, &first[1]).await, StatusCode::UNAUTHORIZED, "the old set");
    assert_eq!(signs_in(&server, &second[0]).await, StatusCode::OK);

    // Kept only as hashes.
    let copy = server.database_copy();
    for code in &second {
        for form in [code.clone(), code.replace('-', "")] {
            assert!(!copy.windows(form.len()).any(|w| w == form.as_bytes()), "{form} is in a copy of the database");
        }
    }

    // Off, they go with it: on again, the codes from before don't work.
    let (status, _) = sam.call(Method::POST, "/api/me/two-step/off", Some(json!({ "password": SAM.1 }))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(sam.call(Method::GET, "/api/me", None).await.1.get("two_step_recovery_left").is_none());
    let (status, body) =
        sam.call(Method::POST, "/api/me/two-step/recovery-codes", Some(json!({ "password": SAM.1 }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "not on: {body}");
    turn_on(&sam).await;
    assert_eq!(signs_in(&server, &second[1]).await, StatusCode::UNAUTHORIZED, "from before it was off");

    let ash = server.signed_in(ASH.0, ASH.1).await;
    let (status, _) =
        ash.call(Method::POST, "/api/me/two-step/recovery-codes", Some(json!({ "password": ASH.1 }))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "not for young people");

    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let (_, audit) = admin.call(Method::GET, "/api/admin/audit", None).await;
    let audit = audit.to_string();
    for said in ["signed in with a two-step recovery code", "9 left", "made new two-step recovery codes"] {
        assert!(audit.contains(said), "{said} in {audit}");
    }
    server.stop().await;
}
