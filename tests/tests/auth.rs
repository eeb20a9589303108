//! Tokens and sign-in: expiry, forgery, refresh rotation and re-use, sign-out, lockout, joining.

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tandem_tests::*;

fn claims(me: &str, exp_offset: i64) -> Value {
    let now = (now_ms() / 1000) as i64;
    json!({ "sub": me, "role": "young_person", "sid": "x", "tv": 0, "aud": "tandem-access", "iat": now, "exp": now + exp_offset })
}

async fn me_with(server: &TestServer, token: &str) -> (StatusCode, Value, Option<String>) {
    let resp = reqwest::Client::new().get(format!("{}/api/me", server.base)).bearer_auth(token).send().await.unwrap();
    let status = resp.status();
    let www = resp.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned());
    (status, resp.json().await.unwrap_or(Value::Null), www)
}

#[tokio::test]
async fn an_expired_token_is_refused_with_a_clear_401() {
    let server = TestServer::start().await;
    let phone = server.signed_in(ASH.0, ASH.1).await;
    let key = std::fs::read(server.key_path()).unwrap();
    // Signed with the real key, so only its age is wrong.
    let expired = encode(
        &Header::new(Algorithm::HS256),
        &claims(&phone.me().to_string(), -3600),
        &EncodingKey::from_secret(&key),
    )
    .unwrap();
    let (status, body, www) = me_with(&server, &expired).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "unauthorized");
    assert!(body["message"].as_str().unwrap().contains("expired"));
    assert_eq!(www.as_deref(), Some("Bearer"));
}

#[tokio::test]
async fn forged_tokens_are_refused() {
    let server = TestServer::start().await;
    let phone = server.signed_in(ASH.0, ASH.1).await;
    let me = phone.me().to_string();
    let wrong_key = encode(
        &Header::new(Algorithm::HS256),
        &claims(&me, 600),
        &EncodingKey::from_secret(b"not the server's key at all...."),
    )
    .unwrap();
    let header = base64_url(r#"{"alg":"none","typ":"JWT"}"#);
    let alg_none = format!("{header}.{}.", base64_url(&claims(&me, 600).to_string()));
    let real = phone.token.clone().unwrap();
    let mut parts: Vec<String> = real.split('.').map(str::to_owned).collect();
    parts[1] = base64_url(
        &json!({"sub": me, "role": "admin", "sid": "x", "tv": 0, "aud": "tandem-access", "exp": 9999999999u64})
            .to_string(),
    );
    let tampered = parts.join(".");
    for (what, token) in [
        ("wrong key", wrong_key),
        ("alg none", alg_none),
        ("tampered claims", tampered),
        ("garbage", "abc.def.ghi".into()),
    ] {
        let (status, body, _) = me_with(&server, &token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}");
        assert_eq!(body["error"], "unauthorized", "{what}");
    }
}

fn base64_url(s: &str) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let b = s.as_bytes();
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &c)| acc | (c as u32) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[tokio::test]
async fn refresh_tokens_rotate_and_reuse_of_a_spent_one_ends_the_session() {
    let server = TestServer::start().await;
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    let first = phone.refresh.clone().unwrap();
    let (status, body) = phone.call(Method::POST, "/api/auth/refresh", Some(json!({"refresh_token": first}))).await;
    assert_eq!(status, StatusCode::OK);
    // Every renewal names this copy of the data, as /api/health does (a restored backup has
    // another: devices compare the two when a renewal is refused).
    let (_, health) = phone.call(Method::GET, "/api/health", None).await;
    assert!(body["generation"].as_str().is_some_and(|g| g.len() >= 16), "{body}");
    assert_eq!(body["generation"], health["generation"]);
    phone.take_tokens(&body);
    let second = phone.refresh.clone().unwrap();
    assert_ne!(first, second);
    assert_eq!(phone.call(Method::GET, "/api/me", None).await.0, StatusCode::OK);
    let (status, body) = phone.call(Method::POST, "/api/auth/refresh", Some(json!({"refresh_token": second}))).await;
    assert_eq!(status, StatusCode::OK);
    phone.take_tokens(&body);
    let third = phone.refresh.clone().unwrap();

    // Someone replays the first (stolen) token after the phone has moved on: refused, and the
    // whole session ends.
    let (status, body) = phone.call(Method::POST, "/api/auth/refresh", Some(json!({"refresh_token": first}))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "unauthorized");
    assert_eq!(
        phone.call(Method::POST, "/api/auth/refresh", Some(json!({"refresh_token": third}))).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        phone.call(Method::GET, "/api/me", None).await.0,
        StatusCode::UNAUTHORIZED,
        "the access token died with its session"
    );
    // The ledger beside the data key notes the ended session once (a restored backup can't bring
    // it back), however often the stolen token is replayed.
    for _ in 0..3 {
        let (status, _) = phone.call(Method::POST, "/api/auth/refresh", Some(json!({"refresh_token": first}))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let ledger = server.ledger();
    assert_eq!(ledger.lines().filter(|l| l.starts_with("session-ended ")).count(), 1, "{ledger}");
}

#[tokio::test]
async fn a_refresh_retried_after_its_answer_was_lost_is_answered_again_and_the_lost_answer_withdrawn() {
    let server = TestServer::start().await;
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    let first = phone.refresh.clone().unwrap();
    // The server spends the token and answers, but the answer never reaches the phone.
    let (status, lost) = phone.call(Method::POST, "/api/auth/refresh", Some(json!({"refresh_token": first}))).await;
    assert_eq!(status, StatusCode::OK);
    // Signal back: the phone tries again with the token it still holds, and is answered.
    let (status, body) = phone.call(Method::POST, "/api/auth/refresh", Some(json!({"refresh_token": first}))).await;
    assert_eq!(status, StatusCode::OK, "a retry is not a theft: {body}");
    assert_ne!(body["refresh_token"], lost["refresh_token"]);
    phone.take_tokens(&body);
    assert_eq!(phone.call(Method::GET, "/api/me", None).await.0, StatusCode::OK);

    // The lost answer's token was withdrawn: whoever presents it ends the session.
    let (status, _) =
        phone.call(Method::POST, "/api/auth/refresh", Some(json!({"refresh_token": lost["refresh_token"]}))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(phone.call(Method::GET, "/api/me", None).await.0, StatusCode::UNAUTHORIZED, "the session ended");
}

#[tokio::test]
async fn sign_out_ends_this_device_and_sign_out_everywhere_ends_all() {
    let server = TestServer::start().await;
    let phone = server.signed_in(ASH.0, ASH.1).await;
    let tablet = server.signed_in(ASH.0, ASH.1).await;
    let laptop = server.signed_in(ASH.0, ASH.1).await;
    assert_eq!(phone.call(Method::POST, "/api/auth/sign-out", None).await.0, StatusCode::OK);
    assert_eq!(phone.call(Method::GET, "/api/me", None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(tablet.call(Method::GET, "/api/me", None).await.0, StatusCode::OK);
    assert_eq!(tablet.call(Method::POST, "/api/auth/sign-out-everywhere", None).await.0, StatusCode::OK);
    assert_eq!(laptop.call(Method::GET, "/api/me", None).await.0, StatusCode::UNAUTHORIZED);
    let (status, _) =
        laptop.call(Method::POST, "/api/auth/refresh", Some(json!({"refresh_token": laptop.refresh}))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// Someone who fears another person has their phone, or left it signed in somewhere, can see
/// where they are signed in and end it there; never anyone else's.
#[tokio::test]
async fn a_person_signs_out_one_of_their_own_devices_and_never_anyone_elses() {
    let server = TestServer::start().await;
    let phone = server.signed_in(ASH.0, ASH.1).await;
    let taken = server.signed_in(ASH.0, ASH.1).await;
    let kai = server.signed_in(KAI.0, KAI.1).await;
    let (status, list) = phone.call(Method::GET, "/api/me/sessions", None).await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(list.iter().filter(|s| s["this_device"] == true).count(), 1, "{list:?}");
    let other = list.iter().find(|s| s["this_device"] == false).unwrap()["id"].as_str().unwrap().to_owned();
    let end = format!("/api/me/sessions/{other}/end");

    // Another person can neither end it nor learn that it exists.
    let (status, body) = kai.call(Method::POST, &end, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    assert_eq!(taken.call(Method::GET, "/api/me", None).await.0, StatusCode::OK);

    assert_eq!(phone.call(Method::POST, &end, None).await.0, StatusCode::OK);
    assert_eq!(taken.call(Method::GET, "/api/me", None).await.0, StatusCode::UNAUTHORIZED);
    let (status, _) =
        taken.call(Method::POST, "/api/auth/refresh", Some(json!({"refresh_token": taken.refresh}))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(phone.call(Method::GET, "/api/me", None).await.0, StatusCode::OK, "this phone stays signed in");
    let (_, list) = phone.call(Method::GET, "/api/me/sessions", None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(phone.call(Method::POST, &end, None).await.0, StatusCode::NOT_FOUND, "already ended");
}

/// A device left unused until it can no longer renew its sign-in is not listed as signed in
/// (to its owner or to an admin): the list says where someone really can be signed in.
#[tokio::test]
async fn a_sign_in_past_its_renewal_is_not_listed_as_signed_in() {
    let settings = tandem_server::config::Settings { access_ttl_secs: 2, refresh_ttl_secs: 2, ..Default::default() };
    let server = TestServer::start_with(settings).await;
    let _old = server.signed_in(ASH.0, ASH.1).await;
    let ash = _old.me();
    tokio::time::sleep(std::time::Duration::from_millis(3_000)).await;
    let phone = server.signed_in(ASH.0, ASH.1).await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let (status, list) = phone.call(Method::GET, "/api/me/sessions", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["this_device"], true);
    let (_, listed) = admin.call(Method::GET, &format!("/api/admin/people/{ash}/sessions"), None).await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
}

#[tokio::test]
async fn repeated_bad_pins_lock_the_account_even_against_the_right_pin() {
    let server = TestServer::start().await;
    let c = server.device();
    for attempt in 1..=5 {
        let (status, body) = c
            .call(Method::POST, "/api/auth/sign-in", Some(json!({"name": "ash", "secret": "0000", "device": c.device})))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {attempt}: {body}");
    }
    let (status, body) = c
        .call(Method::POST, "/api/auth/sign-in", Some(json!({"name": "ash", "secret": ASH.1, "device": c.device})))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"], "too_many_attempts");
    // Other people are not locked out by it.
    let (status, _) = c
        .call(Method::POST, "/api/auth/sign-in", Some(json!({"name": "kai", "secret": KAI.1, "device": c.device})))
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn one_address_guessing_across_many_names_is_slowed_to_a_stop() {
    let settings =
        tandem_server::config::Settings { failure_delay_ms: 0, address_failure_limit: 8, ..Default::default() };
    let server = TestServer::start_with(settings).await;
    let c = server.device();
    for i in 0..8 {
        let (status, _) = c
            .call(
                Method::POST,
                "/api/auth/sign-in",
                Some(json!({"name": format!("nobody{i}"), "secret": "0000", "device": c.device})),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = c
        .call(Method::POST, "/api/auth/sign-in", Some(json!({"name": "kai", "secret": KAI.1, "device": c.device})))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
}

/// Sign-in with a wrong PIN, the request arriving as if through a proxy that says it came from `from`.
async fn wrong_pin_from(c: &Client, from: &str, secret: &str) -> StatusCode {
    let body = json!({"name": "kai", "secret": secret, "device": c.device});
    let resp = c.request(Method::POST, "/api/auth/sign-in").header("x-forwarded-for", from).json(&body).send().await;
    resp.expect("request").status()
}

#[tokio::test]
async fn behind_a_trusted_proxy_one_persons_guesses_do_not_turn_away_everyone_else() {
    // The test's own connections come from 127.0.0.1: here, the load balancer.
    let settings = tandem_server::config::Settings {
        failure_delay_ms: 0,
        address_failure_limit: 3,
        lock_after_failures: 100,
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..Default::default()
    };
    let server = TestServer::start_with(settings).await;
    let c = server.device();
    for _ in 0..3 {
        assert_eq!(wrong_pin_from(&c, "203.0.113.7", "0000").await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(wrong_pin_from(&c, "203.0.113.7", KAI.1).await, StatusCode::TOO_MANY_REQUESTS, "the guesser is stopped");
    assert_eq!(
        wrong_pin_from(&c, "198.51.100.20", KAI.1).await,
        StatusCode::OK,
        "someone else, through the same proxy, is not"
    );
    // What a caller writes left of the proxy's own entry is not believed.
    assert_eq!(
        wrong_pin_from(&c, "198.51.100.20, 203.0.113.7", KAI.1).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the proxy saw 203.0.113.7"
    );
}

#[tokio::test]
async fn without_a_trusted_proxy_the_forwarded_header_hides_nobody() {
    let settings = tandem_server::config::Settings {
        failure_delay_ms: 0,
        address_failure_limit: 3,
        lock_after_failures: 100,
        ..Default::default()
    };
    let server = TestServer::start_with(settings).await;
    let c = server.device();
    for i in 0..3 {
        assert_eq!(wrong_pin_from(&c, &format!("203.0.113.{i}"), "0000").await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        wrong_pin_from(&c, "198.51.100.20", KAI.1).await,
        StatusCode::TOO_MANY_REQUESTS,
        "a made-up X-Forwarded-For changes nothing: the connection's own address is counted"
    );
}

#[tokio::test]
async fn a_signed_in_phone_cannot_be_used_to_guess_its_owners_pin() {
    let settings = tandem_server::config::Settings { failure_delay_ms: 0, ..Default::default() };
    let server = TestServer::start_with(settings).await;
    let kai = server.signed_in(KAI.0, KAI.1).await;
    let change = |current: &str| json!({"current": current, "new": "64193"});
    for guess in ["0000", "1111", "2222", "3333", "4444"] {
        let (status, body) = kai.call(Method::POST, "/api/me/password", Some(change(guess))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    }
    let (status, body) = kai.call(Method::POST, "/api/me/password", Some(change(KAI.1))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "locked after five wrong PINs, even the right one: {body}");
    let other = server.device();
    let (status, _) = other
        .call(Method::POST, "/api/auth/sign-in", Some(json!({"name": KAI.0, "secret": KAI.1, "device": other.device})))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the same lock as signing in");
}

#[tokio::test]
async fn changing_a_pin_with_the_right_one_clears_earlier_wrong_tries() {
    let settings = tandem_server::config::Settings { failure_delay_ms: 0, ..Default::default() };
    let server = TestServer::start_with(settings).await;
    let kai = server.signed_in(KAI.0, KAI.1).await;
    for guess in ["0000", "1111", "2222", "3333"] {
        let (status, _) =
            kai.call(Method::POST, "/api/me/password", Some(json!({"current": guess, "new": "64193"}))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    let (status, body) =
        kai.call(Method::POST, "/api/me/password", Some(json!({"current": KAI.1, "new": "64193"}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let other = server.device();
    let (status, _) = other
        .call(Method::POST, "/api/auth/sign-in", Some(json!({"name": KAI.0, "secret": "9999", "device": other.device})))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "one wrong sign-in after: counted from nothing, not locked");
    let (status, _) = other
        .call(
            Method::POST,
            "/api/auth/sign-in",
            Some(json!({"name": KAI.0, "secret": "64193", "device": other.device})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn one_address_guessing_invite_codes_is_stopped_too() {
    let settings =
        tandem_server::config::Settings { failure_delay_ms: 0, address_failure_limit: 8, ..Default::default() };
    let server = TestServer::start_with(settings).await;
    let c = server.device();
    let join = |code: String| {
        let body = json!({"code": code, "name": "guesser", "secret": "0000", "device": c.device});
        c.call(Method::POST, "/api/auth/join", Some(body))
    };
    for i in 0..8 {
        let (status, body) = join(format!("WRONG-CODE-{i:04}")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert!(body["message"].as_str().unwrap().contains("ask your worker for a new one"), "{body}");
    }
    let (status, body) = join(server.invite_code.clone()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "even a real code, from this address, for now: {body}");
    let (status, _) = server
        .device()
        .call(Method::POST, "/api/auth/sign-in", Some(json!({"name": "kai", "secret": KAI.1, "device": c.device})))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "one count for the address, whatever was guessed");
}

#[tokio::test]
async fn an_invite_code_works_once_and_the_new_young_person_can_sign_in() {
    let server = TestServer::start().await;
    let mut c = server.device();
    let code = server.invite_code.to_lowercase().replace('-', " ");
    let (status, body) = c
        .call(
            Method::POST,
            "/api/auth/join",
            Some(json!({"code": code, "name": "river", "secret": "5038", "device": c.device})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    c.take_tokens(&body);
    let (_, me) = c.call(Method::GET, "/api/me", None).await;
    assert_eq!(me["role"], "young_person");
    assert_eq!(me["workers"][0]["display_name"], "Sam", "they are told who their worker is");
    let again = server.device();
    let before = server.fingerprint().await;
    let (status, body) = again
        .call(
            Method::POST,
            "/api/auth/join",
            Some(json!({"code": server.invite_code, "name": "other", "secret": "5038", "device": again.device})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a spent code is a failed credential: {body}");
    assert_eq!(server.fingerprint().await, before);
    server.signed_in("river", "5038").await;
}

#[tokio::test]
async fn the_signing_key_is_made_on_first_start_readable_only_by_its_owner_and_kept_out_of_the_database() {
    use std::os::unix::fs::PermissionsExt;
    let server = TestServer::start().await;
    let phone = server.signed_in(ASH.0, ASH.1).await;
    let key = std::fs::read(server.key_path()).unwrap();
    assert!(key.len() >= 32, "a key of {} bytes", key.len());
    let mode = std::fs::metadata(server.key_path()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "key file mode {mode:o}");
    // Neither the database nor its write-ahead log holds the key (so a backup can't mint tokens).
    for suffix in ["", "-wal"] {
        let path = format!("{}{suffix}", server.db_path().display());
        let bytes = std::fs::read(&path).unwrap_or_default();
        assert!(!bytes.windows(32).any(|w| w == &key[..32]), "the key is inside {path}");
    }
    // A second start reads the same key: tokens issued before it still work.
    let again = tandem_server::auth::tokens::Keys::load_or_create(&server.key_path()).unwrap();
    assert!(again.verify_access(phone.token.as_deref().unwrap()).is_ok());
    assert_eq!(std::fs::read(server.key_path()).unwrap(), key, "the key file was not rewritten");
}

/// Whether a name belongs to someone must not show: an unknown name is checked against a
/// password hash as a known one is, answered the same, and locked after the same failures.
#[tokio::test]
async fn an_unknown_name_goes_through_the_same_password_check_answer_and_lockout_as_a_known_one() {
    let server = TestServer::start().await;
    let c = server.device();
    let checks = || async {
        let text = reqwest::get(format!("{}/metrics", server.base)).await.unwrap().text().await.unwrap();
        let line = text.lines().find(|l| l.starts_with("tandem_password_checks_total ")).expect("the counter");
        line.rsplit(' ').next().unwrap().parse::<u64>().unwrap()
    };
    let mut answers = Vec::new();
    for name in ["ash", "nobody-by-this-name"] {
        for attempt in 1..=6 {
            let before = checks().await;
            let (status, body) = c
                .call(
                    Method::POST,
                    "/api/auth/sign-in",
                    Some(json!({"name": name, "secret": "0000", "device": c.device})),
                )
                .await;
            let checked = checks().await - before;
            answers.push((attempt, status, body["error"].clone(), body["message"].clone(), checked));
        }
    }
    let (known, unknown) = answers.split_at(6);
    assert_eq!(known, unknown, "a known and an unknown name were told apart");
    assert_eq!(known[0].4, 1, "the password hash was checked");
    assert_eq!(known[4].1, StatusCode::UNAUTHORIZED);
    assert_eq!(known[5].1, StatusCode::TOO_MANY_REQUESTS, "locked after five failures, known or not");
}

#[tokio::test]
async fn a_wrong_invite_code_never_says_whether_a_name_is_taken() {
    let server = TestServer::start().await;
    let c = server.device();
    for name in ["ash", "nobody-by-this-name"] {
        let (status, body) = c
            .call(
                Method::POST,
                "/api/auth/join",
                Some(json!({"code": "WRON-GCOD-E123", "name": name, "secret": "3816", "device": c.device})),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: {body}");
    }
    // With a real code, a taken name is refused and the code is still good for another name.
    let join = |name: &str| json!({"code": server.invite_code, "name": name, "secret": "3816", "device": c.device});
    assert_eq!(c.call(Method::POST, "/api/auth/join", Some(join("ash"))).await.0, StatusCode::CONFLICT);
    assert_eq!(c.call(Method::POST, "/api/auth/join", Some(join("robin"))).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_young_persons_sign_in_names_their_key_workers_so_a_new_phone_needn_t_wait_to_ask() {
    let server = TestServer::start().await;
    let c = server.device();
    let sign_in = |name: &str, secret: &str| json!({"name": name, "secret": secret, "device": c.device});
    let (status, ash) = c.call(Method::POST, "/api/auth/sign-in", Some(sign_in(ASH.0, ASH.1))).await;
    assert_eq!(status, StatusCode::OK, "{ash}");
    let (_, me) = server.signed_in(ASH.0, ASH.1).await.call(Method::GET, "/api/me", None).await;
    assert_eq!(ash["workers"], me["workers"], "as /api/me names them");
    assert_eq!(ash["workers"][0]["display_name"], "Sam", "{ash}");
    // Joining with a code from Sam: Sam, from the first answer.
    let join = json!({"code": server.invite_code, "name": "robin", "secret": "3816", "device": c.device});
    let (status, robin) = c.call(Method::POST, "/api/auth/join", Some(join)).await;
    assert_eq!(status, StatusCode::OK, "{robin}");
    assert_eq!(robin["workers"][0]["display_name"], "Sam", "{robin}");
    // Staff are told nothing of the kind (their caseload is /api/me's), nor is a renewal.
    let (_, sam) = c.call(Method::POST, "/api/auth/sign-in", Some(sign_in(SAM.0, SAM.1))).await;
    assert!(sam.get("workers").is_none(), "{sam}");
    let (_, renewed) =
        c.call(Method::POST, "/api/auth/refresh", Some(json!({"refresh_token": ash["refresh_token"]}))).await;
    assert!(renewed.get("workers").is_none() && renewed.get("access_token").is_some(), "{renewed}");
}

#[tokio::test]
async fn a_real_invite_code_cant_be_used_to_list_who_is_supported() {
    let settings =
        tandem_server::config::Settings { failure_delay_ms: 0, address_failure_limit: 3, ..Default::default() };
    let server = TestServer::start_with(settings).await;
    let c = server.device();
    let join = |name: &str| json!({"code": server.invite_code, "name": name, "secret": "3816", "device": c.device});
    // A code found on a lost card, tried with the names of people who might be supported: each
    // taken one is refused (the young person holding it must choose another) and counted.
    for name in ["ash", "kai", "mo"] {
        assert_eq!(c.call(Method::POST, "/api/auth/join", Some(join(name))).await.0, StatusCode::CONFLICT, "{name}");
    }
    let (status, body) = c.call(Method::POST, "/api/auth/join", Some(join("robin"))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "stopped, as after wrong codes: {body}");
    let (status, _) = server
        .device()
        .call(Method::POST, "/api/auth/sign-in", Some(json!({"name": "kai", "secret": KAI.1, "device": c.device})))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "one count for the address");
}

#[tokio::test]
async fn failed_sign_ins_are_forgotten_once_they_no_longer_count() {
    let server = TestServer::start().await;
    let c = server.device();
    let fail = |name: &'static str| {
        let c = &c;
        async move {
            let body = json!({"name": name, "secret": "0000", "device": c.device});
            c.call(Method::POST, "/api/auth/sign-in", Some(body)).await.0
        }
    };
    assert_eq!(fail("ash").await, StatusCode::UNAUTHORIZED);
    // Five in a row lock a name for 15 minutes.
    for _ in 0..5 {
        fail("kai").await;
    }
    assert_eq!(fail("kai").await, StatusCode::TOO_MANY_REQUESTS);
    // [addresses, names]
    let kept = || server.numbers(["SELECT count(*) FROM signin_failures", "SELECT count(*) FROM signin_attempts"]);
    assert_eq!(kept().await, [1, 2], "one address, two names counted");
    let forget = |at| tandem_server::retention::forget_old_sign_in_failures(&server.store, at);
    let now = tandem_server::store::now_ms();
    assert_eq!(forget(now).await.unwrap(), 0, "everything still counts");
    let window = tandem_server::auth::ADDRESS_WINDOW_MS;
    assert_eq!(forget(now + window + 1_000).await.unwrap(), 1, "the address's window has passed: forgotten");
    assert_eq!(kept().await, [0, 2], "the names' counts still hold");
    let day_later = now + tandem_server::retention::NAME_FAILURES_KEPT_MS + 1_000;
    assert_eq!(forget(day_later).await.unwrap(), 2, "a day after their last failure, with no lock left");
    assert_eq!(kept().await, [0, 0]);
}

/// Every renewal adds a refresh token; once expired they are forgotten, with the sessions they
/// leave over, except the last one seen on a shared tablet (its "last used").
#[tokio::test]
async fn expired_sign_ins_are_forgotten_except_a_tablets_last_use() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let (status, tablet) =
        admin.call(Method::POST, "/api/admin/tablets", Some(json!({"name": "Drop-in tablet"}))).await;
    assert_eq!(status, StatusCode::OK, "{tablet}");
    let key = tablet["key"].as_str().unwrap().to_owned();
    // Two visits on the tablet, then a phone that renews its sign-in twice.
    for _ in 0..2 {
        let visit = server.device();
        let body = json!({"name": KAI.0, "secret": KAI.1, "device": visit.device, "tablet_key": key});
        assert_eq!(visit.call(Method::POST, "/api/auth/sign-in", Some(body)).await.0, StatusCode::OK);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    for _ in 0..2 {
        let token = phone.refresh.clone().unwrap();
        let (status, body) = phone.call(Method::POST, "/api/auth/refresh", Some(json!({"refresh_token": token}))).await;
        assert_eq!(status, StatusCode::OK);
        phone.take_tokens(&body);
    }
    // [tokens, sessions, a tablet's sessions]
    let kept = || {
        server.numbers([
            "SELECT count(*) FROM refresh_tokens",
            "SELECT count(*) FROM sessions",
            "SELECT count(*) FROM sessions WHERE tablet_id IS NOT NULL",
        ])
    };
    // Admin 1 + tablet 2 + phone 3 tokens; admin, two visits and the phone.
    assert_eq!(kept().await, [6, 4, 2]);
    let forget = |at| tandem_server::retention::forget_expired_sign_ins(&server.store, at);
    let now = tandem_server::store::now_ms();
    assert_eq!(forget(now).await.unwrap(), (0, 0), "nothing has expired");
    assert_eq!(kept().await, [6, 4, 2]);
    assert_eq!(phone.call(Method::GET, "/api/me", None).await.0, StatusCode::OK, "still signed in");

    let ttl = tandem_server::config::Settings::default().refresh_ttl_secs;
    let expired = now + i64::try_from(ttl).unwrap() * 1000 + 1_000;
    assert_eq!(forget(expired).await.unwrap(), (6, 3), "every token; the admin, the phone and the first visit");
    assert_eq!(kept().await, [0, 1, 1], "the tablet's last visit stays");
    assert_eq!(forget(expired).await.unwrap(), (0, 0), "nothing left to forget");
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let (_, list) = admin.call(Method::GET, "/api/admin/tablets", None).await;
    assert!(list[0]["last_seen_at"].is_i64(), "the tablet still says when it was last used: {list}");
}

#[tokio::test]
async fn a_young_persons_open_screens_are_told_of_a_sign_in_elsewhere_and_me_names_it() {
    let server = TestServer::start().await;
    let phone = server.signed_in(ASH.0, ASH.1).await;
    let mut phone_hears = listen(&phone).await;
    let (status, me) = phone.call(Method::GET, "/api/me", None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let sign_ins = me["sign_ins"].as_array().unwrap();
    assert_eq!(sign_ins.len(), 1, "one device so far: {me}");
    assert_eq!(sign_ins[0]["this_device"], true);

    let other = server.signed_in(ASH.0, ASH.1).await;
    assert_eq!(next(&mut phone_hears).await, Some(i64::MAX), "the open phone is told at once");
    let (_, me) = phone.call(Method::GET, "/api/me", None).await;
    let others: Vec<_> = me["sign_ins"].as_array().unwrap().iter().filter(|s| s["this_device"] == false).collect();
    assert_eq!(others.len(), 1, "{me}");
    let other_session = other.this_session_id().await;
    assert_eq!(others[0]["id"], other_session, "the new sign-in, by the id the phone can end it with");

    // Ended from the phone: it is gone from the list.
    let (status, body) = phone.call(Method::POST, &format!("/api/me/sessions/{other_session}/end"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, me) = phone.call(Method::GET, "/api/me", None).await;
    assert_eq!(me["sign_ins"].as_array().unwrap().len(), 1, "{me}");

    server.stop().await;
}

#[tokio::test]
async fn staff_open_screens_are_told_of_a_sign_in_elsewhere_too() {
    let server = TestServer::start().await;
    let laptop = server.signed_in(SAM.0, SAM.1).await;
    let mut laptop_hears = listen(&laptop).await;
    let (_, me) = laptop.call(Method::GET, "/api/me", None).await;
    assert_eq!(me["sign_ins"].as_array().unwrap().len(), 1, "the laptop alone: {me}");

    // A staff password reaches many young people's records: a sign-in elsewhere is told too.
    let _elsewhere = server.signed_in(SAM.0, SAM.1).await;
    assert_eq!(next(&mut laptop_hears).await, Some(i64::MAX), "the open laptop is told at once");
    let (_, me) = laptop.call(Method::GET, "/api/me", None).await;
    let list = me["sign_ins"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{me}");
    assert_eq!(list.iter().filter(|s| s["this_device"] == true).count(), 1, "{me}");
    server.stop().await;
}

#[tokio::test]
async fn each_sign_in_says_what_kind_of_device_it_was_made_on() {
    let server = TestServer::start().await;
    let phone_agent = "Mozilla/5.0 (Linux; Android 13; SM-A145R) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36";
    let mut phone = server.device();
    let resp = phone
        .request(Method::POST, "/api/auth/sign-in")
        .header(reqwest::header::USER_AGENT, phone_agent)
        .json(&json!({"name": ASH.0, "secret": ASH.1, "device": phone.device}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    phone.take_tokens(&resp.json::<Value>().await.unwrap());
    // A client that says nothing recognisable (this test's own HTTP client).
    let laptop = server.signed_in(ASH.0, ASH.1).await;

    let (_, mine) = laptop.call(Method::GET, "/api/me/sessions", None).await;
    let kinds: Vec<_> =
        mine.as_array().unwrap().iter().map(|s| (s["this_device"].clone(), s["device_kind"].clone())).collect();
    assert!(kinds.contains(&(json!(false), json!("Android phone (Samsung Internet)"))), "{mine}");
    assert!(kinds.contains(&(json!(true), Value::Null)), "{mine}");

    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let (_, theirs) = admin.call(Method::GET, &format!("/api/admin/people/{}/sessions", phone.me()), None).await;
    assert!(
        theirs.as_array().unwrap().iter().any(|s| s["device_kind"] == "Android phone (Samsung Internet)"),
        "{theirs}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_name_signs_in_whatever_its_capitals_or_accents_encoding_and_is_taken_the_same_way() {
    let server = TestServer::start().await;
    let sam = server.signed_in(SAM.0, SAM.1).await;
    let c = server.device();
    let join = |name: &str, code: &str| json!({"code": code, "name": name, "secret": "3816", "device": c.device});
    let code = || async {
        let (status, made) = sam.call(Method::POST, "/api/invites", Some(json!({"display_name": "New"}))).await;
        assert_eq!(status, StatusCode::OK, "{made}");
        made["code"].as_str().unwrap().to_owned()
    };
    let sign_in = |name: &str| {
        let body = json!({"name": name, "secret": "3816", "device": c.device});
        let c = &c;
        async move { c.call(Method::POST, "/api/auth/sign-in", Some(body)).await.0 }
    };

    // Joined as "Émile": its first letter is a capital SQLite's lower() doesn't know.
    let (status, body) = c.call(Method::POST, "/api/auth/join", Some(join("Émile", &code().await))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A phone that doesn't capitalise, one that does everything, and a keyboard that sends the
    // accent as a separate mark: the same person each time.
    for typed in ["Émile", "émile", "ÉMILE", " e\u{301}mile "] {
        assert_eq!(sign_in(typed).await, StatusCode::OK, "{typed:?}");
    }
    assert_eq!(sign_in("emile").await, StatusCode::UNAUTHORIZED, "an accent is part of the name");
    // Nobody else can take the name in other capitals.
    let other = code().await;
    assert_eq!(c.call(Method::POST, "/api/auth/join", Some(join("ÉMILE", &other))).await.0, StatusCode::CONFLICT);

    // A name joined with its accent as a separate mark is kept with it joined (a mark alone is
    // not a letter, so it was refused before), and signs in either way.
    let (status, body) = c.call(Method::POST, "/api/auth/join", Some(join("Zoe\u{308}", &other))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let people = server.store.read(|db| tandem_server::store::people::list(db)).await.unwrap();
    let stored = people.iter().find(|p| p.display_name.starts_with("Zo")).and_then(|p| p.name.clone());
    assert_eq!(stored.as_deref(), Some("Zo\u{eb}"), "kept as one letter");
    for typed in ["Zoë", "ZOË", "zoe\u{308}"] {
        assert_eq!(sign_in(typed).await, StatusCode::OK, "{typed:?}");
    }

    // An apostrophe, curled as an iPhone types it, signs in straight from another phone; a Hindi
    // name needs its vowel signs and virama, which are marks, not letters.
    for (joined, typed) in [("Siobhán O’Neill", "siobhán o'neill"), ("कृष्ण", "कृष्ण")] {
        let (status, body) = c.call(Method::POST, "/api/auth/join", Some(join(joined, &code().await))).await;
        assert_eq!(status, StatusCode::OK, "{joined}: {body}");
        assert_eq!(sign_in(typed).await, StatusCode::OK, "{typed:?}");
    }
    // A name starting with a mark (it has no letter to sit on) is refused, saying what a name needs.
    let (status, body) = c.call(Method::POST, "/api/auth/join", Some(join("\u{301}ab", &code().await))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap().contains("letters or numbers"), "{body}");
}

#[tokio::test]
async fn a_pin_or_password_a_guesser_would_try_first_is_refused_and_nothing_is_spent() {
    let server = TestServer::start().await;
    let phone = server.device();
    let join =
        |secret: &str| json!({"code": server.invite_code, "name": "robin", "secret": secret, "device": phone.device});
    // A young person: a run, a repeat, a year and a common password are each refused, saying why.
    for (secret, why) in [
        ("1234", "lots of people use it"),
        ("1111", "it repeats itself"),
        ("2468", "it goes in order"),
        ("2007", "it's a year"),
        ("iloveyou", "lots of people use it"),
    ] {
        let (status, body) = phone.call(Method::POST, "/api/auth/join", Some(join(secret))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{secret}: {body}");
        assert_eq!(body["error"], "easy_to_guess", "{secret}: {body}");
        assert!(body["message"].as_str().unwrap().contains(why), "{secret}: {body}");
    }
    // The code was not spent by any of them, and nobody was made.
    let (status, joined) = phone.call(Method::POST, "/api/auth/join", Some(join("4826"))).await;
    assert_eq!(status, StatusCode::OK, "{joined}");
    let mut robin = server.device();
    robin.sign_in("robin", "4826").await;
    let (status, body) =
        robin.call(Method::POST, "/api/me/password", Some(json!({"current": "4826", "new": "0000"}))).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("easy_to_guess")), "{body}");
    robin.sign_in("robin", "4826").await;

    // Staff: an admin's first password, and a password of one's own, need zxcvbn's score 3.
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let staff = |password: &str| json!({"role": "key_worker", "name": "jordan", "display_name": "Jordan", "password": password});
    let (status, body) = admin.call(Method::POST, "/api/admin/people", Some(staff("Welcome2026!"))).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("easy_to_guess")), "{body}");
    let (status, people) = admin.call(Method::GET, "/api/admin/people", None).await;
    assert_eq!(status, StatusCode::OK, "{people}");
    assert!(!people.to_string().contains("jordan"), "nobody was made: {people}");
    let (status, body) = admin.call(Method::POST, "/api/admin/people", Some(staff("kettle orbit parsley"))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let sam = server.signed_in(SAM.0, SAM.1).await;
    let (status, body) =
        sam.call(Method::POST, "/api/me/password", Some(json!({"current": SAM.1, "new": "Password123!"}))).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("easy_to_guess")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("three or four words"), "{body}");
    server.signed_in(SAM.0, SAM.1).await;
    // Nor one built from the name it is for, set by an admin or chosen by a young person.
    let id = server.signed_in(PRIYA.0, PRIYA.1).await.me();
    let (status, body) = admin
        .call(Method::POST, &format!("/api/admin/people/{id}/new-password"), Some(json!({"password": "Priya2026!"})))
        .await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("easy_to_guess")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("it has a name Tandem knows in it"), "{body}");
    let (status, body) =
        robin.call(Method::POST, "/api/me/password", Some(json!({"current": "4826", "new": "Robin77"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap().contains("it has your name, or Tandem's, in it"), "{body}");
}

/// Gives `who` this PIN or password as if chosen before Tandem refused easy ones.
async fn chosen_before_the_rule(server: &TestServer, who: tandem_shared::PersonId, secret: &str) {
    let hash = tandem_server::auth::passwords::hash(secret).unwrap();
    server
        .store
        .write(move |tx| tandem_server::store::people::set_password(tx, who, &hash, now_ms() as i64))
        .await
        .unwrap();
}

#[tokio::test]
async fn an_easy_pin_chosen_before_still_signs_in_and_is_said_and_staff_must_change_an_easy_password() {
    let server = TestServer::start().await;
    let sign_in = |name: &str, secret: &str| {
        let c = server.device();
        let body = json!({"name": name, "secret": secret, "device": c.device});
        async move { c.call(Method::POST, "/api/auth/sign-in", Some(body)).await }
    };
    // Today's demo PINs and passwords are not easy: nothing is said.
    for (name, secret) in [ASH, SAM] {
        let (status, tokens) = sign_in(name, secret).await;
        assert_eq!(status, StatusCode::OK, "{tokens}");
        assert!(
            tokens.get("secret_easy_to_guess").is_none() && tokens.get("must_change_password").is_none(),
            "{tokens}"
        );
    }
    // A young person's easy PIN: signed in, told, and nothing else asked of them.
    let ash = server.signed_in(ASH.0, ASH.1).await;
    chosen_before_the_rule(&server, ash.me(), "1234").await;
    let (status, tokens) = sign_in(ASH.0, "1234").await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["secret_easy_to_guess"], true, "{tokens}");
    assert!(tokens.get("must_change_password").is_none(), "{tokens}");
    let mut phone = server.device();
    phone.take_tokens(&tokens);
    assert_eq!(phone.call(Method::GET, "/api/me", None).await.0, StatusCode::OK);
    // Not said of a wrong PIN, which is refused as ever.
    let (status, wrong) = sign_in(ASH.0, "1111").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{wrong}");
    assert!(wrong.get("secret_easy_to_guess").is_none(), "{wrong}");

    // Staff with an easy password: nothing but choosing a new one until they have.
    let priya = server.signed_in(PRIYA.0, PRIYA.1).await;
    chosen_before_the_rule(&server, priya.me(), "Password123!").await;
    let (status, tokens) = sign_in(PRIYA.0, "Password123!").await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(
        (tokens["secret_easy_to_guess"].as_bool(), tokens["must_change_password"].as_bool()),
        (Some(true), Some(true))
    );
    let mut laptop = server.device();
    laptop.take_tokens(&tokens);
    assert_eq!(laptop.call(Method::GET, "/api/caseload", None).await.0, StatusCode::FORBIDDEN);
    let change = json!({"current": "Password123!", "new": "kettle orbit parsley"});
    let (status, body) = laptop.call(Method::POST, "/api/me/password", Some(change)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, tokens) = sign_in(PRIYA.0, "kettle orbit parsley").await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert!(tokens.get("secret_easy_to_guess").is_none() && tokens.get("must_change_password").is_none(), "{tokens}");
}

#[tokio::test]
async fn a_person_changes_the_name_others_see_at_once_and_the_name_they_sign_in_with_only_with_their_pin() {
    let server = TestServer::start().await;
    let mut ash = server.signed_in(ASH.0, ASH.1).await;
    let sam = server.signed_in(SAM.0, SAM.1).await;
    let mut sams_screen = listen(&sam).await;

    // What others see: no PIN needed, and Sam's open screen is told to look again.
    let (status, body) = ash.call(Method::POST, "/api/me/names", Some(json!({"display_name": "  Ashley "}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    next(&mut sams_screen).await.expect("Sam's open screen is told");
    let (_, me) = ash.call(Method::GET, "/api/me", None).await;
    assert_eq!(me["display_name"], "Ashley");
    let (_, caseload) = sam.call(Method::GET, "/api/caseload", None).await;
    assert!(caseload.as_array().unwrap().iter().any(|p| p["display_name"] == "Ashley"), "{caseload}");

    // A new sign-in name: refused without the PIN, with a wrong one, or when someone has it;
    // nothing changes until it is right.
    let before = server.fingerprint().await;
    for (body, status, said) in [
        (json!({"display_name": "Ashley", "name": "ashley.r"}), StatusCode::BAD_REQUEST, "give your PIN"),
        (
            json!({"display_name": "Ashley", "name": "ashley.r", "current": "0000"}),
            StatusCode::BAD_REQUEST,
            "isn't right",
        ),
        (json!({"display_name": "Ashley", "name": "KAI", "current": ASH.1}), StatusCode::CONFLICT, "taken"),
        (json!({"display_name": "", "name": "ashley.r", "current": ASH.1}), StatusCode::BAD_REQUEST, "1 to 60"),
        (json!({"display_name": "Ashley", "name": "a", "current": ASH.1}), StatusCode::BAD_REQUEST, "2 to 40"),
        (json!({"display_name": "Ashley", "nickname": "x"}), StatusCode::BAD_REQUEST, "nickname"),
    ] {
        let (got, answer) = ash.call(Method::POST, "/api/me/names", Some(body.clone())).await;
        assert_eq!(got, status, "{body}: {answer}");
        assert!(answer["message"].as_str().unwrap().contains(said), "{body}: {answer}");
    }
    let [failures] = server.numbers(["SELECT count(*) FROM signin_failures"]).await;
    assert!(failures >= 1, "the wrong PIN counted as a failed sign-in");
    assert_eq!(server.fingerprint().await, before, "nothing changed");
    let (status, body) = ash
        .call(
            Method::POST,
            "/api/me/names",
            Some(json!({"display_name": "Ashley", "name": "ashley.r", "current": ASH.1})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut phone = server.device();
    phone.sign_in("Ashley.R", ASH.1).await;
    assert_eq!(phone.me(), ash.me());
    let (status, _) = server
        .device()
        .call(
            Method::POST,
            "/api/auth/sign-in",
            Some(json!({"name": "ash", "secret": ASH.1, "device": uuid::Uuid::now_v7()})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old name signs nobody in");
    ash.pull().await;

    // A key worker's new name reaches the young people they support.
    let mut ashs_screen = listen(&ash).await;
    let (status, _) = sam.call(Method::POST, "/api/me/names", Some(json!({"display_name": "Samir"}))).await;
    assert_eq!(status, StatusCode::OK);
    next(&mut ashs_screen).await.expect("Ash's open screen is told");
    let (_, me) = ash.call(Method::GET, "/api/me", None).await;
    assert_eq!(me["workers"][0]["display_name"], "Samir", "{me}");

    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let (_, audit) = admin.call(Method::GET, &format!("/api/admin/audit?person={}", ash.me()), None).await;
    let changes: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "changed their own name")
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    assert_eq!(changes, ["the name others see and the name they sign in with", "the name others see"], "{audit}");
    server.stop().await;
}
