//! Staff signing in with their organisation's own account (OpenID Connect). A provider on
//! loopback stands in for Microsoft's or Google's: it publishes its configuration and keys,
//! sends the browser back with a code, and answers the code with an ID token signed RS256 by a
//! test key (`tests/fixtures/sso-provider-key.pem`), as the real ones do. Each test can make it
//! answer wrongly, as a forger or a misconfigured provider would.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode as Status};
use axum::response::{IntoResponse, Redirect};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header, jwk};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tandem_server::auth::oidc::SsoSettings;
use tandem_server::config::Settings;
use tandem_tests::*;

const CLIENT_ID: &str = "tandem-test";
const CLIENT_SECRET: &str = "a secret: with & odd = characters";

/// How the provider answers the next sign-in.
#[derive(Clone, Default, PartialEq)]
enum Answer {
    #[default]
    Right,
    WrongNonce,
    WrongAudience,
    WrongIssuer,
    Expired,
    /// Signed with the client secret (HS256), as an attacker who knows the algorithm list would try.
    Symmetric,
    /// Signed with a key the provider doesn't publish.
    UnknownKey,
    /// Auth time from before the sign-in started: the provider didn't ask the person again.
    Remembered,
}

#[derive(Default)]
struct Provider {
    origin: String,
    /// Who signs in at the provider next.
    subject: String,
    /// The provider's own session the next sign-in is given (its ID token's `sid`), if any.
    sid: Option<String>,
    /// How the provider says the next sign-in was made (its ID token's `amr`), if it says.
    amr: Option<Value>,
    answer: Answer,
    /// code → (subject, nonce, PKCE challenge, redirect_uri)
    codes: HashMap<String, (String, String, String, String)>,
    /// Every authorization request's query, and every token request's form and Basic credentials.
    authorize_queries: Vec<HashMap<String, String>>,
    token_requests: Vec<TokenRequest>,
}

type Shared = Arc<Mutex<Provider>>;
/// A token request's form, and the client id and secret it gave in Basic.
type TokenRequest = (HashMap<String, String>, Option<(String, String)>);

fn key() -> EncodingKey {
    EncodingKey::from_rsa_pem(include_bytes!("../fixtures/sso-provider-key.pem")).unwrap()
}

async fn provider() -> Shared {
    let shared: Shared = Arc::default();
    let app = axum::Router::new()
        .route(
            "/.well-known/openid-configuration",
            axum::routing::get(|State(p): State<Shared>| async move {
                let o = p.lock().unwrap().origin.clone();
                axum::Json(json!({
                    "issuer": o, "authorization_endpoint": format!("{o}/authorize"), "token_endpoint": format!("{o}/token"),
                    "jwks_uri": format!("{o}/jwks"), "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                }))
            }),
        )
        .route(
            "/jwks",
            axum::routing::get(|| async {
                let mut published = jwk::Jwk::from_encoding_key(&key(), Algorithm::RS256).unwrap();
                published.common.key_id = Some("k1".into());
                axum::Json(jwk::JwkSet { keys: vec![published] })
            }),
        )
        .route(
            "/authorize",
            axum::routing::get(|State(p): State<Shared>, Query(q): Query<HashMap<String, String>>| async move {
                let mut p = p.lock().unwrap();
                let code = uuid::Uuid::now_v7().to_string();
                let subject = p.subject.clone();
                p.codes.insert(code.clone(), (subject, q["nonce"].clone(), q["code_challenge"].clone(), q["redirect_uri"].clone()));
                p.authorize_queries.push(q.clone());
                let back = format!("{}?code={code}&state={}", q["redirect_uri"], urlencode(&q["state"]));
                Redirect::to(&back)
            }),
        )
        .route("/token", axum::routing::post(token))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    shared.lock().unwrap().origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    shared
}

fn urlencode(v: &str) -> String {
    let mut url = reqwest::Url::parse("x:").unwrap();
    url.query_pairs_mut().append_pair("", v);
    url.query().unwrap()[1..].to_owned()
}

fn form_decode(v: &str) -> String {
    reqwest::Url::parse(&format!("x:?a={v}")).unwrap().query_pairs().next().unwrap().1.into_owned()
}

async fn token(
    State(p): State<Shared>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> axum::response::Response {
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok()?.strip_prefix("Basic ").map(str::to_owned))
        .map(|b| {
            let pair = String::from_utf8(STANDARD.decode(b).unwrap()).unwrap();
            let (id, secret) = pair.split_once(':').unwrap();
            (form_decode(id), form_decode(secret))
        });
    let mut p = p.lock().unwrap();
    p.token_requests.push((form.clone(), basic.clone()));
    if basic != Some((CLIENT_ID.into(), CLIENT_SECRET.into())) {
        return (Status::UNAUTHORIZED, axum::Json(json!({"error": "invalid_client"}))).into_response();
    }
    // A code is used once, with the verifier whose challenge it was given for, to the same address.
    let Some((subject, nonce, challenge, redirect)) = p.codes.remove(&form["code"]) else {
        return (Status::BAD_REQUEST, axum::Json(json!({"error": "invalid_grant"}))).into_response();
    };
    let verifier_matches = URL_SAFE_NO_PAD.encode(sha256(form["code_verifier"].as_bytes())) == challenge;
    if !verifier_matches || form["redirect_uri"] != redirect {
        return (Status::BAD_REQUEST, axum::Json(json!({"error": "invalid_grant"}))).into_response();
    }
    let now = now_ms() / 1000;
    let mut claims = json!({"iss": p.origin, "aud": CLIENT_ID, "sub": subject, "nonce": nonce, "iat": now, "exp": now + 300, "auth_time": now});
    if let Some(sid) = &p.sid {
        claims["sid"] = json!(sid);
    }
    if let Some(amr) = &p.amr {
        claims["amr"] = amr.clone();
    }
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("k1".into());
    let mut signing = key();
    match p.answer {
        Answer::Right => {}
        Answer::WrongNonce => claims["nonce"] = json!("another sign-in's"),
        Answer::WrongAudience => claims["aud"] = json!("another-app"),
        Answer::WrongIssuer => claims["iss"] = json!("https://elsewhere.example"),
        Answer::Expired => claims["exp"] = json!(now - 3600),
        Answer::Remembered => claims["auth_time"] = json!(now - 3600),
        Answer::Symmetric => {
            header = Header::new(Algorithm::HS256);
            header.kid = Some("k1".into());
            signing = EncodingKey::from_secret(CLIENT_SECRET.as_bytes());
        }
        Answer::UnknownKey => header.kid = Some("not-published".into()),
    }
    let id_token = jsonwebtoken::encode(&header, &claims, &signing).unwrap();
    axum::Json(json!({"id_token": id_token, "access_token": "unused", "token_type": "Bearer"})).into_response()
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).to_vec()
}

async fn server_with(provider: &Shared) -> TestServer {
    server_trusting(provider, false).await
}

/// `trust_second_step`: as `--sso-trust-second-step`.
async fn server_trusting(provider: &Shared, trust_second_step: bool) -> TestServer {
    let issuer = provider.lock().unwrap().origin.clone();
    TestServer::start_with(Settings {
        failure_delay_ms: 1,
        sso: Some(SsoSettings {
            issuer,
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            name: "Northshire Council".into(),
            trust_second_step,
        }),
        ..Settings::default()
    })
    .await
}

/// A browser that doesn't follow redirects, so each step can be read.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Goes to the provider's URL as `subject` and back to Tandem's callback: where Tandem sends
/// the browser then (`/?sso=…` or `/?sso_error=…`).
async fn through_provider(server: &TestServer, provider: &Shared, url: &str, subject: &str) -> String {
    provider.lock().unwrap().subject = subject.into();
    let at_provider = browser().get(url).send().await.unwrap();
    assert!(at_provider.status().is_redirection(), "{}", at_provider.status());
    let back = at_provider.headers()["location"].to_str().unwrap().to_owned();
    assert!(back.starts_with(&format!("{}/api/auth/sso/callback?", server.base)), "{back}");
    let at_tandem = browser().get(&back).send().await.unwrap();
    assert_eq!(at_tandem.status(), StatusCode::SEE_OTHER);
    assert_eq!(at_tandem.headers()["referrer-policy"], "no-referrer");
    at_tandem.headers()["location"].to_str().unwrap().to_owned()
}

fn handoff(location: &str) -> String {
    location.strip_prefix("/?sso=").unwrap_or_else(|| panic!("not signed in at the provider: {location}")).to_owned()
}

/// Starts a sign-in on a new device, goes through the provider as `subject`, and finishes:
/// the finish's answer.
async fn sign_in_as(server: &TestServer, provider: &Shared, subject: &str) -> (StatusCode, Value, Client) {
    let mut device = server.device();
    let (status, started) =
        device.call(Method::POST, "/api/auth/sso/start", Some(json!({"device": device.device}))).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let to = through_provider(server, provider, started["url"].as_str().unwrap(), subject).await;
    let body = json!({"attempt": started["attempt"], "handoff": handoff(&to), "device": device.device});
    let (status, answer) = device.call(Method::POST, "/api/auth/sso/finish", Some(body)).await;
    if status == StatusCode::OK {
        device.take_tokens(&answer);
    }
    (status, answer, device)
}

/// `who` links the provider's `subject` to their account.
async fn link(server: &TestServer, provider: &Shared, who: &Client, subject: &str) -> (StatusCode, Value) {
    let (status, started) = who.call(Method::POST, "/api/me/sso/start", None).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let to = through_provider(server, provider, started["url"].as_str().unwrap(), subject).await;
    who.call(Method::POST, "/api/me/sso/finish", Some(json!({"attempt": started["attempt"], "handoff": handoff(&to)})))
        .await
}

#[tokio::test]
async fn a_staff_member_links_their_organisation_account_then_signs_in_with_it() {
    let provider = provider().await;
    let server = server_with(&provider).await;
    let (_, offered) = server.device().call(Method::GET, "/api/auth/sso", None).await;
    assert_eq!(offered, json!({"available": true, "name": "Northshire Council"}));

    // Not linked yet: told how to link, and no session made.
    let (status, answer, _) = sign_in_as(&server, &provider, "entra-sam").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert!(answer["message"].as_str().unwrap().contains("link it under Your account"), "{answer}");

    let sam = server.signed_in(SAM.0, SAM.1).await;
    let (_, before) = sam.call(Method::GET, "/api/me/sso", None).await;
    assert_eq!(before["linked_at"], Value::Null);
    let (status, linked) = link(&server, &provider, &sam, "entra-sam").await;
    assert_eq!(status, StatusCode::OK, "{linked}");
    assert!(linked["linked_at"].as_i64().is_some(), "{linked}");

    let (status, tokens, on_laptop) = sign_in_as(&server, &provider, "entra-sam").await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["person"], json!(sam.me()));
    assert_eq!(tokens["role"], "key_worker");
    let (status, caseload) = on_laptop.call(Method::GET, "/api/caseload", None).await;
    assert_eq!(status, StatusCode::OK, "{caseload}");
    // Its sign-in is a session like any other: listed, and ended from Sam's other device.
    let laptop_session = on_laptop.this_session_id().await;
    let (status, _) = sam.call(Method::POST, &format!("/api/me/sessions/{laptop_session}/end"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(on_laptop.call(Method::GET, "/api/me", None).await.0, StatusCode::UNAUTHORIZED);

    // What the provider was asked: the code flow with PKCE (S256), only `openid`, and to ask the
    // person again even if it remembers them (a shared tablet); the code then exchanged with the
    // client's credentials in Basic (form-encoded first) and the verifier.
    {
        let p = provider.lock().unwrap();
        let q = p.authorize_queries.last().unwrap();
        assert_eq!((q["response_type"].as_str(), q["scope"].as_str()), ("code", "openid"));
        assert_eq!((q["code_challenge_method"].as_str(), q["prompt"].as_str()), ("S256", "login"));
        assert_eq!(q["client_id"], CLIENT_ID);
        assert_eq!(q["redirect_uri"], format!("{}/api/auth/sso/callback", server.base));
        let (form, basic) = p.token_requests.last().unwrap();
        assert_eq!(basic.as_ref().map(|b| b.0.as_str()), Some(CLIENT_ID));
        assert!(!form.contains_key("client_secret"), "the secret went in Basic only");
    }

    // The admin's audit log says Sam linked it, and their people list who has.
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let (_, audit) = admin.call(Method::GET, "/api/admin/audit", None).await;
    assert!(audit.to_string().contains("linked their organisation account"), "{audit}");
    let linked = |people: &Value, id: String| {
        people.as_array().unwrap().iter().find(|p| p["id"] == id).unwrap()["sso_linked"].clone()
    };
    let (_, people) = admin.call(Method::GET, "/api/admin/people", None).await;
    assert_eq!(linked(&people, sam.me().to_string()), json!(true));
    assert_eq!(linked(&people, server.signed_in(PRIYA.0, PRIYA.1).await.me().to_string()), json!(false));

    // Unlinked, it no longer lets anyone in.
    let (status, after) = sam.call(Method::DELETE, "/api/me/sso", None).await;
    assert_eq!((status, &after["linked_at"]), (StatusCode::OK, &Value::Null));
    assert_eq!(sign_in_as(&server, &provider, "entra-sam").await.0, StatusCode::UNAUTHORIZED);
    server.stop().await;
}

#[tokio::test]
async fn a_sign_in_finishes_once_and_only_in_the_browser_that_started_it() {
    let provider = provider().await;
    let server = server_with(&provider).await;
    let sam = server.signed_in(SAM.0, SAM.1).await;
    assert_eq!(link(&server, &provider, &sam, "entra-sam").await.0, StatusCode::OK);

    // Someone starts a sign-in and sends Sam the provider's link: Sam signs in at the provider,
    // and the handoff reaches Sam's browser, which holds no attempt secret for it; the one who
    // started it holds the secret but never sees the handoff. Neither half alone finishes it.
    let attacker = server.device();
    let (_, started) =
        attacker.call(Method::POST, "/api/auth/sso/start", Some(json!({"device": attacker.device}))).await;
    let to = through_provider(&server, &provider, started["url"].as_str().unwrap(), "entra-sam").await;
    let guess = json!({"attempt": "a guess", "handoff": handoff(&to), "device": attacker.device});
    let (status, answer) = attacker.call(Method::POST, "/api/auth/sso/finish", Some(guess)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    // The wrong try used the attempt up: the real pair no longer works either.
    let real = json!({"attempt": started["attempt"], "handoff": handoff(&to), "device": attacker.device});
    assert_eq!(
        attacker.call(Method::POST, "/api/auth/sso/finish", Some(real.clone())).await.0,
        StatusCode::UNAUTHORIZED
    );

    // A right pair finishes once.
    let device = server.device();
    let (_, started) = device.call(Method::POST, "/api/auth/sso/start", Some(json!({"device": device.device}))).await;
    let to = through_provider(&server, &provider, started["url"].as_str().unwrap(), "entra-sam").await;
    let pair = json!({"attempt": started["attempt"], "handoff": handoff(&to), "device": device.device});
    assert_eq!(device.call(Method::POST, "/api/auth/sso/finish", Some(pair.clone())).await.0, StatusCode::OK);
    assert_eq!(device.call(Method::POST, "/api/auth/sso/finish", Some(pair)).await.0, StatusCode::UNAUTHORIZED);
    // The provider's answer is taken once too: the same return again is turned away.
    let (_, started) = device.call(Method::POST, "/api/auth/sso/start", Some(json!({"device": device.device}))).await;
    let at_provider = browser().get(started["url"].as_str().unwrap()).send().await.unwrap();
    let back = at_provider.headers()["location"].to_str().unwrap().to_owned();
    let first = browser().get(&back).send().await.unwrap();
    assert!(first.headers()["location"].to_str().unwrap().starts_with("/?sso="));
    let again = browser().get(&back).send().await.unwrap();
    assert_eq!(again.headers()["location"], "/?sso_error=expired");

    // A link Sam started can't be finished by Priya, nor used to sign in.
    let priya = server.signed_in(PRIYA.0, PRIYA.1).await;
    let (_, started) = sam.call(Method::POST, "/api/me/sso/start", None).await;
    let to = through_provider(&server, &provider, started["url"].as_str().unwrap(), "entra-priya").await;
    let (status, answer) = priya
        .call(Method::POST, "/api/me/sso/finish", Some(json!({"attempt": started["attempt"], "handoff": handoff(&to)})))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    let (_, started) = sam.call(Method::POST, "/api/me/sso/start", None).await;
    let to = through_provider(&server, &provider, started["url"].as_str().unwrap(), "entra-priya").await;
    let body = json!({"attempt": started["attempt"], "handoff": handoff(&to), "device": priya.device});
    assert_eq!(server.device().call(Method::POST, "/api/auth/sso/finish", Some(body)).await.0, StatusCode::BAD_REQUEST);

    // One organisation account links to one staff member.
    let (status, answer) = link(&server, &provider, &priya, "entra-sam").await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");

    // Starts from anywhere can't make the database keep more than so many sign-ins under way.
    let now = tandem_server::store::now_ms();
    server
        .store
        .write(move |tx| {
            tx.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
                 INSERT INTO sso_attempts (state_hash, attempt_hash, nonce, verifier, redirect_uri, started_at)
                 SELECT 's' || i, 'a' || i, 'n', 'v', 'r', ?1 FROM n",
                &[now.into()],
            )
        })
        .await
        .unwrap();
    let (status, answer) =
        device.call(Method::POST, "/api/auth/sso/start", Some(json!({"device": device.device}))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{answer}");
    assert_eq!(answer["error"], "too_many_attempts");
    server.stop().await;
}

#[tokio::test]
async fn an_id_token_not_signed_for_this_sign_in_lets_nobody_in() {
    let provider = provider().await;
    let server = server_with(&provider).await;
    let sam = server.signed_in(SAM.0, SAM.1).await;
    assert_eq!(link(&server, &provider, &sam, "entra-sam").await.0, StatusCode::OK);
    for wrong in [
        Answer::WrongNonce,
        Answer::WrongAudience,
        Answer::WrongIssuer,
        Answer::Expired,
        Answer::Symmetric,
        Answer::UnknownKey,
        Answer::Remembered,
    ] {
        provider.lock().unwrap().answer = wrong;
        let device = server.device();
        let (_, started) =
            device.call(Method::POST, "/api/auth/sso/start", Some(json!({"device": device.device}))).await;
        let to = through_provider(&server, &provider, started["url"].as_str().unwrap(), "entra-sam").await;
        assert_eq!(to, "/?sso_error=refused");
    }
    provider.lock().unwrap().answer = Answer::Right;
    assert_eq!(sign_in_as(&server, &provider, "entra-sam").await.0, StatusCode::OK, "the right answer still works");

    // The person cancelled at the provider; an answer for no sign-in started here.
    let device = server.device();
    let (_, started) = device.call(Method::POST, "/api/auth/sso/start", Some(json!({"device": device.device}))).await;
    let state = reqwest::Url::parse(started["url"].as_str().unwrap())
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let back = |query: String| {
        let url = format!("{}/api/auth/sso/callback?{query}", server.base);
        async move { browser().get(url).send().await.unwrap().headers()["location"].to_str().unwrap().to_owned() }
    };
    assert_eq!(back(format!("state={}&error=access_denied", urlencode(&state))).await, "/?sso_error=cancelled");
    assert_eq!(back("state=not-started-here&code=x".into()).await, "/?sso_error=expired");
    assert_eq!(back("code=x".into()).await, "/?sso_error=expired");
    server.stop().await;
}

#[tokio::test]
async fn only_active_staff_sign_in_this_way_and_the_services_two_step_is_the_providers() {
    let provider = provider().await;
    let server = server_with(&provider).await;
    let sam = server.signed_in(SAM.0, SAM.1).await;
    assert_eq!(link(&server, &provider, &sam, "entra-sam").await.0, StatusCode::OK);

    // Young people have no link to make.
    let ash = server.signed_in(ASH.0, ASH.1).await;
    assert_eq!(ash.call(Method::GET, "/api/me/sso", None).await.0, StatusCode::FORBIDDEN);
    assert_eq!(ash.call(Method::POST, "/api/me/sso/start", None).await.0, StatusCode::FORBIDDEN);

    // The service asks staff for two-step sign-in: a password sign-in must set it up first, and
    // so must a sign-in through the organisation's account whose token doesn't say it asked for
    // a second step; one whose token says so (`amr`) need not.
    server.store.write(|tx| tandem_server::store::two_step::set_required(tx, true)).await.unwrap();
    let by_password = server.signed_in(SAM.0, SAM.1).await;
    let (status, answer) = by_password.call(Method::GET, "/api/caseload", None).await;
    assert_eq!((status, answer["error"].as_str()), (StatusCode::FORBIDDEN, Some("two_step_setup_needed")));
    let (status, tokens, password_only) = sign_in_as(&server, &provider, "entra-sam").await;
    assert_eq!((status, &tokens["must_set_up_two_step"]), (StatusCode::OK, &json!(true)), "{tokens}");
    let (status, answer) = password_only.call(Method::GET, "/api/caseload", None).await;
    assert_eq!((status, answer["error"].as_str()), (StatusCode::FORBIDDEN, Some("two_step_setup_needed")));
    provider.lock().unwrap().amr = Some(json!(["pwd", "mfa"]));
    let (status, tokens, by_sso) = sign_in_as(&server, &provider, "entra-sam").await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert!(tokens.get("must_set_up_two_step").is_none(), "{tokens}");
    assert_eq!(by_sso.call(Method::GET, "/api/caseload", None).await.0, StatusCode::OK);

    // Deactivated by an admin: the organisation's account lets them in no more, and says no
    // more than for an account never linked. (The admin signs in by password: nothing asked.)
    server.store.write(|tx| tandem_server::store::two_step::set_required(tx, false)).await.unwrap();
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let (status, answer) = admin.call(Method::POST, &format!("/api/admin/people/{}/deactivate", sam.me()), None).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, refused, _) = sign_in_as(&server, &provider, "entra-sam").await;
    let (_, never_linked, _) = sign_in_as(&server, &provider, "entra-nobody").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused, never_linked);
    server.stop().await;
}

#[tokio::test]
async fn a_service_without_it_says_so_plainly() {
    let server = TestServer::start().await;
    let device = server.device();
    let (_, offered) = device.call(Method::GET, "/api/auth/sso", None).await;
    assert_eq!(offered, json!({"available": false, "name": null}));
    let (status, answer) =
        device.call(Method::POST, "/api/auth/sso/start", Some(json!({"device": device.device}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    let sam = server.signed_in(SAM.0, SAM.1).await;
    let (status, answer) = sam.call(Method::GET, "/api/me/sso", None).await;
    assert_eq!((status, answer["available"].as_bool()), (StatusCode::OK, Some(false)));
    let back = browser().get(format!("{}/api/auth/sso/callback?state=x&code=y", server.base)).send().await.unwrap();
    assert_eq!(back.headers()["location"], "/?sso_error=unavailable");
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let (status, answer) = admin.call(Method::PUT, "/api/admin/staff-sso", Some(json!({"only": true}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "nothing to sign in with instead: {answer}");
    let (_, policy) = admin.call(Method::GET, "/api/admin/staff-sso", None).await;
    assert_eq!(
        policy,
        json!({"available": false, "name": null, "only": false, "linked": 0, "session_hours": 12, "trusts_second_step": false, "latest_named_its_session": null, "problem": null})
    );
    server.stop().await;
}

#[tokio::test]
async fn a_sign_in_through_the_organisation_is_asked_again_after_a_working_day_and_a_password_one_is_not() {
    let provider = provider().await;
    let server = server_with(&provider).await;
    let sam = server.signed_in(SAM.0, SAM.1).await;
    assert_eq!(link(&server, &provider, &sam, "entra-sam").await.0, StatusCode::OK);
    let (status, _, mut by_sso) = sign_in_as(&server, &provider, "entra-sam").await;
    assert_eq!(status, StatusCode::OK);
    let mut by_password = server.signed_in(SAM.0, SAM.1).await;
    let renew = |c: &mut Client| {
        let (refresh, anyone) = (c.refresh.clone(), server.device());
        async move { anyone.call(Method::POST, "/api/auth/refresh", Some(json!({"refresh_token": refresh}))).await }
    };
    let (status, body) = renew(&mut by_sso).await;
    assert_eq!(status, StatusCode::OK, "renewed within the day: {body}");
    by_sso.take_tokens(&body);

    // Both sign-ins began 13 hours ago (the default lasts 12).
    let ago = tandem_server::store::now_ms() - 13 * 3600 * 1000;
    server.store.write(move |tx| tx.execute("UPDATE sessions SET created_at = ?1", &[ago.into()])).await.unwrap();
    let (status, body) = renew(&mut by_sso).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(by_sso.call(Method::GET, "/api/me", None).await.0, StatusCode::UNAUTHORIZED, "and the session is over");
    let (status, body) = renew(&mut by_password).await;
    assert_eq!(status, StatusCode::OK, "a password's sign-in lasts as before: {body}");
    by_password.take_tokens(&body);
    // Signing in through the organisation again is the way back.
    assert_eq!(sign_in_as(&server, &provider, "entra-sam").await.0, StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn a_service_can_ask_linked_staff_to_sign_in_only_with_the_organisations_account() {
    let provider = provider().await;
    let server = server_with(&provider).await;
    let mut sam = server.signed_in(SAM.0, SAM.1).await;
    assert_eq!(link(&server, &provider, &sam, "entra-sam").await.0, StatusCode::OK);
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let (_, policy) = admin.call(Method::GET, "/api/admin/staff-sso", None).await;
    assert_eq!(
        policy,
        json!({"available": true, "name": "Northshire Council", "only": false, "linked": 1, "session_hours": 12, "trusts_second_step": false, "latest_named_its_session": null, "problem": null})
    );
    let (status, policy) = admin.call(Method::PUT, "/api/admin/staff-sso", Some(json!({"only": true}))).await;
    assert_eq!((status, &policy["only"]), (StatusCode::OK, &json!(true)), "{policy}");
    let (_, audit) = admin.call(Method::GET, "/api/admin/audit", None).await;
    assert!(audit.to_string().contains("asked staff to sign in only with the organisation's account"), "{audit}");

    // Sam's password no longer signs them in (said only to someone who knows it)...
    let sign_in = |name: &'static str, secret: &'static str| {
        let device = server.device();
        async move {
            device
                .call(
                    Method::POST,
                    "/api/auth/sign-in",
                    Some(json!({"name": name, "secret": secret, "device": device.device})),
                )
                .await
        }
    };
    let (status, answer) = sign_in(SAM.0, SAM.1).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert!(answer["message"].as_str().unwrap().contains("Staff: sign in with"), "{answer}");
    let (status, answer) = sign_in(SAM.0, "not-sams-password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert_eq!(answer["message"], "that name and PIN don't match");
    // ...the device Sam signed in on with it is asked to sign in again at its next renewal...
    let (status, _) = server
        .device()
        .call(Method::POST, "/api/auth/refresh", Some(json!({"refresh_token": sam.refresh.clone()})))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(sam.call(Method::GET, "/api/me", None).await.0, StatusCode::UNAUTHORIZED);
    // ...and the organisation's sign-in is the way in; staff who haven't linked it still use
    // their password (to link it, among other things).
    let (status, tokens, by_sso) = sign_in_as(&server, &provider, "entra-sam").await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let (status, renewed) = server
        .device()
        .call(Method::POST, "/api/auth/refresh", Some(json!({"refresh_token": by_sso.refresh.clone()})))
        .await;
    assert_eq!(status, StatusCode::OK, "{renewed}");
    assert_eq!(sign_in(PRIYA.0, PRIYA.1).await.0, StatusCode::OK);
    // Nor can Sam unlink it to have the password back (someone who has left, still signed in
    // somewhere, would keep a way in the organisation no longer decides).
    let (status, answer) = by_sso.call(Method::DELETE, "/api/me/sso", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    let (_, still) = by_sso.call(Method::GET, "/api/me/sso", None).await;
    assert!(still["linked_at"].is_i64() && still["only"] == true, "{still}");

    // Let passwords in again: Sam's works as before.
    let (_, policy) = admin.call(Method::PUT, "/api/admin/staff-sso", Some(json!({"only": false}))).await;
    assert_eq!(policy["only"], false);
    sam.sign_in(SAM.0, SAM.1).await;
    server.stop().await;
}

/// A provider and a server on which Sam and Priya have linked their accounts there.
async fn sam_and_priya_linked() -> (Shared, TestServer, Client, Client) {
    let provider = provider().await;
    let server = server_with(&provider).await;
    let sam = server.signed_in(SAM.0, SAM.1).await;
    let priya = server.signed_in(PRIYA.0, PRIYA.1).await;
    assert_eq!(link(&server, &provider, &sam, "entra-sam").await.0, StatusCode::OK);
    assert_eq!(link(&server, &provider, &priya, "entra-priya").await.0, StatusCode::OK);
    (provider, server, sam, priya)
}

#[tokio::test]
async fn a_new_password_from_an_admin_lets_in_someone_the_organisation_gave_a_new_account() {
    let (provider, server, sam, priya) = sam_and_priya_linked().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    admin.call(Method::PUT, "/api/admin/staff-sso", Some(json!({"only": true}))).await;
    let password_sign_in = |secret: &'static str| {
        let device = server.device();
        async move {
            let body = json!({"name": SAM.0, "secret": secret, "device": device.device});
            device.call(Method::POST, "/api/auth/sign-in", Some(body)).await
        }
    };

    // The organisation gave Sam a new account (a new subject): it isn't linked, and Sam's
    // password is closed to them. Locked out, until an admin gives them a new first password,
    // which unlinks the old account so that the password lets them in.
    assert_eq!(sign_in_as(&server, &provider, "entra-sam-new").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(password_sign_in(SAM.1).await.0, StatusCode::FORBIDDEN);
    let (status, answer) = admin
        .call(
            Method::POST,
            &format!("/api/admin/people/{}/new-password", sam.me()),
            Some(json!({"password": "a-first-password"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, tokens) = password_sign_in("a-first-password").await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["must_change_password"], true);
    assert_eq!(
        sign_in_as(&server, &provider, "entra-sam").await.0,
        StatusCode::UNAUTHORIZED,
        "the old account is unlinked"
    );
    let (_, audit) = admin.call(Method::GET, "/api/admin/audit", None).await;
    assert!(audit.to_string().contains("their organisation account unlinked"), "{audit}");

    // Sam chooses their own password, links the new account, and signs in with it.
    let mut back = server.device();
    back.sign_in(SAM.0, "a-first-password").await;
    let (status, answer) = back
        .call(
            Method::POST,
            "/api/me/password",
            Some(json!({"current": "a-first-password", "new": "sams-own-password"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(link(&server, &provider, &back, "entra-sam-new").await.0, StatusCode::OK);
    assert_eq!(sign_in_as(&server, &provider, "entra-sam-new").await.0, StatusCode::OK);

    // Where passwords still sign linked staff in, a new password leaves the link as it was.
    admin.call(Method::PUT, "/api/admin/staff-sso", Some(json!({"only": false}))).await;
    let (status, _) = admin
        .call(
            Method::POST,
            &format!("/api/admin/people/{}/new-password", priya.me()),
            Some(json!({"password": "another-first-one"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sign_in_as(&server, &provider, "entra-priya").await.0, StatusCode::OK);
    server.stop().await;
}

/// Goes through the provider as `subject` from a new device: the attempt and handoff to finish.
async fn back_from_provider(server: &TestServer, provider: &Shared, subject: &str) -> (Client, Value) {
    let device = server.device();
    let (_, started) = device.call(Method::POST, "/api/auth/sso/start", Some(json!({"device": device.device}))).await;
    let to = through_provider(server, provider, started["url"].as_str().unwrap(), subject).await;
    let pair = json!({"attempt": started["attempt"], "handoff": handoff(&to), "device": device.device});
    (device, pair)
}

#[tokio::test]
async fn tandems_own_two_step_is_asked_when_the_organisation_didnt_say_it_asked_a_second_step() {
    let provider = provider().await;
    let server = server_with(&provider).await;
    let sam = server.signed_in(SAM.0, SAM.1).await;
    let (_, set_up) = sam.call(Method::POST, "/api/me/two-step", None).await;
    let typed = set_up["secret"].as_str().unwrap().to_owned();
    let step = two_step_now();
    let (status, body) =
        sam.call(Method::POST, "/api/me/two-step/confirm", Some(json!({"code": two_step_code(&typed, step)}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let recovery = body["recovery_codes"][0].as_str().unwrap().to_owned();
    assert_eq!(link(&server, &provider, &sam, "entra-sam").await.0, StatusCode::OK);

    // Its token says nothing of a second step: the finish asks for Tandem's code, and the same
    // pair can be sent again with it (a wrong code counts against the address, and the pair
    // still stands); once finished, the pair is spent.
    let (mut device, pair) = back_from_provider(&server, &provider, "entra-sam").await;
    let (status, answer) = device.call(Method::POST, "/api/auth/sso/finish", Some(pair.clone())).await;
    assert_eq!((status, answer["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("two_step_needed")), "{answer}");
    let with = |code: String| {
        let mut body = pair.clone();
        body["code"] = json!(code);
        body
    };
    let (status, answer) = device.call(Method::POST, "/api/auth/sso/finish", Some(with("000000".into()))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert_eq!(answer["error"], "unauthorized", "{answer}");
    let (status, tokens) =
        device.call(Method::POST, "/api/auth/sso/finish", Some(with(two_step_code(&typed, step + 1)))).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    device.take_tokens(&tokens);
    assert_eq!(device.call(Method::GET, "/api/caseload", None).await.0, StatusCode::OK);
    assert_eq!(device.call(Method::POST, "/api/auth/sso/finish", Some(pair.clone())).await.0, StatusCode::UNAUTHORIZED);

    // A recovery code does too, and the answer says how many are left.
    let (device, pair) = back_from_provider(&server, &provider, "entra-sam").await;
    let mut body = pair.clone();
    body["code"] = json!(recovery);
    let (status, tokens) = device.call(Method::POST, "/api/auth/sso/finish", Some(body)).await;
    assert_eq!((status, &tokens["recovery_codes_left"]), (StatusCode::OK, &json!(9)), "{tokens}");

    // A token that says the provider asked a second step needs no code.
    provider.lock().unwrap().amr = Some(json!(["pwd", "otp"]));
    let (device, pair) = back_from_provider(&server, &provider, "entra-sam").await;
    let (status, tokens) = device.call(Method::POST, "/api/auth/sso/finish", Some(pair)).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    server.stop().await;

    // Nor does any sign-in where the service trusts the provider to ask for one
    // (`--sso-trust-second-step`), whatever its tokens say.
    provider.lock().unwrap().amr = None;
    let server = server_trusting(&provider, true).await;
    let sam = server.signed_in(SAM.0, SAM.1).await;
    let (_, set_up) = sam.call(Method::POST, "/api/me/two-step", None).await;
    let typed = set_up["secret"].as_str().unwrap().to_owned();
    let code = two_step_code(&typed, two_step_now());
    assert_eq!(sam.call(Method::POST, "/api/me/two-step/confirm", Some(json!({"code": code}))).await.0, StatusCode::OK);
    assert_eq!(link(&server, &provider, &sam, "entra-sam").await.0, StatusCode::OK);
    let (device, pair) = back_from_provider(&server, &provider, "entra-sam").await;
    assert_eq!(device.call(Method::POST, "/api/auth/sso/finish", Some(pair)).await.0, StatusCode::OK);
    server.stop().await;
}

/// A back-channel logout token from the provider, as `change` leaves its claims.
fn logout_token(provider: &Shared, change: impl FnOnce(&mut Value)) -> String {
    let now = now_ms() / 1000;
    let mut claims = json!({
        "iss": provider.lock().unwrap().origin, "aud": CLIENT_ID, "iat": now, "exp": now + 120,
        "jti": uuid::Uuid::now_v7().to_string(),
        "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
    });
    change(&mut claims);
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("k1".into());
    jsonwebtoken::encode(&header, &claims, &key()).unwrap()
}

/// Posts a logout token as the provider does: a form, server to server.
async fn post_logout(server: &TestServer, token: &str) -> (StatusCode, Value) {
    let answer = reqwest::Client::new()
        .post(format!("{}/api/auth/sso/logout", server.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("logout_token={}", urlencode(token)))
        .send()
        .await
        .unwrap();
    (answer.status(), answer.json().await.unwrap())
}

async fn signed_in(c: &Client) -> bool {
    c.call(Method::GET, "/api/me", None).await.0 == StatusCode::OK
}

async fn sign_in_with_sid(server: &TestServer, provider: &Shared, subject: &str, sid: &str) -> Client {
    provider.lock().unwrap().sid = Some(sid.into());
    let (status, tokens, device) = sign_in_as(server, provider, subject).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    device
}

#[tokio::test]
async fn the_organisations_sign_out_ends_the_sessions_it_signed_in_and_no_others() {
    let (provider, server, sam, _) = sam_and_priya_linked().await;
    let laptop = sign_in_with_sid(&server, &provider, "entra-sam", "op-session-1").await;
    let phone = sign_in_with_sid(&server, &provider, "entra-sam", "op-session-2").await;
    let priyas = sign_in_with_sid(&server, &provider, "entra-priya", "op-session-3").await;

    // Tokens that don't check out end nothing, and say why in a JSON 400.
    let origin = provider.lock().unwrap().origin.clone();
    let hour_ago = now_ms() / 1000 - 3600;
    let forged = {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("k1".into());
        let claims = json!({"iss": origin, "aud": CLIENT_ID, "iat": now_ms() / 1000, "sub": "entra-sam",
            "events": {"http://schemas.openid.net/event/backchannel-logout": {}}});
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(CLIENT_SECRET.as_bytes())).unwrap()
    };
    // Sam's, with these claims changed.
    let sams = |changed: Value| {
        logout_token(&provider, |c| {
            c["sub"] = json!("entra-sam");
            for (claim, value) in changed.as_object().unwrap() {
                c[claim] = value.clone();
            }
        })
    };
    for (why, token) in [
        ("an ID token's nonce", sams(json!({"nonce": "n"}))),
        ("no logout event", sams(json!({"events": {}}))),
        ("another client's", sams(json!({"aud": "other-app"}))),
        ("another issuer's", sams(json!({"iss": "https://elsewhere.example"}))),
        ("issued an hour ago", sams(json!({"iat": hour_ago, "exp": hour_ago + 7200}))),
        ("expired", sams(json!({"exp": hour_ago}))),
        ("naming nobody", logout_token(&provider, |_| {})),
        ("signed with the client secret", forged),
        ("not a token", "not.a.token".to_owned()),
    ] {
        let (status, answer) = post_logout(&server, &token).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {answer}");
        assert_eq!(answer["error"], "invalid_request", "{why}: {answer}");
    }
    let as_json = reqwest::Client::new()
        .post(format!("{}/api/auth/sso/logout", server.base))
        .json(&json!({"logout_token": logout_token(&provider, |c| c["sub"] = json!("entra-sam"))}))
        .send()
        .await
        .unwrap();
    assert_eq!(as_json.status(), StatusCode::BAD_REQUEST, "the provider sends a form");
    assert!(signed_in(&laptop).await && signed_in(&phone).await && signed_in(&priyas).await);

    // Signed out of one session at the provider: the Tandem session it signed in ends, at once.
    let (status, answer) = post_logout(&server, &logout_token(&provider, |c| c["sid"] = json!("op-session-1"))).await;
    assert_eq!((status, &answer), (StatusCode::OK, &json!({"ok": true})));
    assert!(!signed_in(&laptop).await, "the laptop's session is over");
    assert!(signed_in(&phone).await && signed_in(&priyas).await);

    // Every session of Sam's (an administrator there ended them all: Sam has left), but not the
    // one Sam signed in with a password, which the provider never vouched for.
    let (status, _) = post_logout(&server, &logout_token(&provider, |c| c["sub"] = json!("entra-sam"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!signed_in(&phone).await);
    assert!(signed_in(&sam).await, "a password's session is the service's to end");
    assert!(signed_in(&priyas).await);
    // A logout for someone never linked is answered the same, ending nothing.
    let (status, _) = post_logout(&server, &logout_token(&provider, |c| c["sub"] = json!("entra-nobody"))).await;
    assert_eq!(status, StatusCode::OK);

    // A logout ends only sessions begun before it was issued: seen in transit and sent again
    // later, it can't end a sign-in made since. Priya's first session began 8 minutes ago; a
    // token issued 6 minutes ago (still fresh) ends it and not the one she signs in with now.
    let session = priyas.this_session_id().await;
    let ago = tandem_server::store::now_ms() - 8 * 60 * 1000;
    server
        .store
        .write(move |tx| {
            tx.execute("UPDATE sessions SET created_at = ?1 WHERE id = ?2", &[ago.into(), session.as_str().into()])
        })
        .await
        .unwrap();
    let priya_now = sign_in_with_sid(&server, &provider, "entra-priya", "op-session-3").await;
    let six_minutes_ago = now_ms() / 1000 - 6 * 60;
    let token = logout_token(&provider, |c| {
        c["sub"] = json!("entra-priya");
        c["iat"] = json!(six_minutes_ago);
    });
    assert_eq!(post_logout(&server, &token).await.0, StatusCode::OK);
    assert!(!signed_in(&priyas).await);
    assert!(signed_in(&priya_now).await, "begun after the token was issued");

    // The admin's audit log says who the organisation signed out.
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let (_, audit) = admin.call(Method::GET, "/api/admin/audit", None).await;
    assert!(audit.to_string().contains("signed out by the organisation's sign-in"), "{audit}");
    server.stop().await;
}

#[tokio::test]
async fn a_logout_to_a_service_without_organisation_sign_in_is_refused_plainly() {
    let server = TestServer::start().await;
    let answer = reqwest::Client::new()
        .post(format!("{}/api/auth/sso/logout", server.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("logout_token=x")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["error"], "not_found", "{body}");
    let answer = front_channel(&server, "?sid=s").await;
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    assert_eq!(answer.headers()["x-frame-options"], "DENY");
    server.stop().await;
}

/// Loads the front-channel logout address as the provider's sign-out page's frame does.
async fn front_channel(server: &TestServer, query: &str) -> reqwest::Response {
    reqwest::Client::new().get(format!("{}/api/auth/sso/frontchannel-logout{query}", server.base)).send().await.unwrap()
}

#[tokio::test]
async fn the_organisations_sign_out_page_ends_the_session_it_names_in_a_frame_only_it_may_show() {
    let (provider, server, sam, _) = sam_and_priya_linked().await;
    // The console says whether sign-ins name their session, which this logout needs (Entra's
    // ID tokens name it only once asked to): nothing to say before anyone signs in through it.
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let named =
        || async { admin.call(Method::GET, "/api/admin/staff-sso", None).await.1["latest_named_its_session"].clone() };
    assert_eq!(named().await, Value::Null);
    provider.lock().unwrap().sid = None;
    let unnamed = sign_in_as(&server, &provider, "entra-priya").await.2;
    assert_eq!(named().await, json!(false));
    let laptop = sign_in_with_sid(&server, &provider, "entra-sam", "entra-sid-1").await;
    assert_eq!(named().await, json!(true));
    let phone = sign_in_with_sid(&server, &provider, "entra-sam", "entra-sid-2").await;
    let priyas = sign_in_with_sid(&server, &provider, "entra-priya", "entra-sid-3").await;
    let origin = provider.lock().unwrap().origin.clone();

    // What can't be acted on is a JSON 400 saying why, and ends nothing.
    for (why, query) in [
        ("no session named", String::new()),
        ("an empty one", "?sid=".to_owned()),
        ("another provider's", format!("?sid=entra-sid-1&iss={}", urlencode("https://elsewhere.example"))),
        ("a session id too long to be one", format!("?sid={}", "x".repeat(300))),
    ] {
        let answer = front_channel(&server, &query).await;
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{why}");
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["error"], "invalid_request", "{why}: {body}");
    }
    // A session nobody signed in with is answered as any other, ending nothing.
    assert_eq!(front_channel(&server, "?sid=entra-sid-unknown").await.status(), StatusCode::OK);
    assert!(signed_in(&laptop).await && signed_in(&phone).await && signed_in(&priyas).await);

    // Microsoft Entra ID names only the session (no `iss`): that one ends, at once, and no other.
    let answer = front_channel(&server, "?sid=entra-sid-1").await;
    assert_eq!(answer.status(), StatusCode::OK);
    // Only the provider's own pages may frame it; everything else Tandem sends refuses framing.
    let headers = answer.headers().clone();
    assert_eq!(headers["content-security-policy"], format!("default-src 'none'; frame-ancestors {origin}").as_str());
    assert!(headers.get("x-frame-options").is_none(), "{headers:?}");
    assert_eq!(headers["cache-control"], "no-store");
    assert!(answer.text().await.unwrap().contains("Signed out of Tandem"));
    assert!(!signed_in(&laptop).await, "the laptop's session is over");
    assert!(signed_in(&phone).await && signed_in(&priyas).await && signed_in(&sam).await);
    let elsewhere = reqwest::Client::new().get(format!("{}/api/auth/sso", server.base)).send().await.unwrap();
    assert_eq!(elsewhere.headers()["x-frame-options"], "DENY");

    // With the issuer named too (the standard's form, as Keycloak sends it).
    let answer = front_channel(&server, &format!("?iss={}&sid=entra-sid-2", urlencode(&origin))).await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(!signed_in(&phone).await);
    assert!(signed_in(&priyas).await && signed_in(&sam).await, "a password's session is the service's to end");
    assert!(signed_in(&unnamed).await, "a session that named none is ended by no session's logout");

    let (_, audit) = admin.call(Method::GET, "/api/admin/audit", None).await;
    assert!(audit.to_string().contains("signed out by the organisation's sign-in"), "{audit}");
    server.stop().await;
}

#[tokio::test]
async fn the_console_says_when_the_organisations_sign_in_cant_be_read_and_stops_when_it_can() {
    // Nothing listens where the issuer points (a wrong address, or a firewall).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let nowhere: Shared = Arc::default();
    nowhere.lock().unwrap().origin = format!("http://127.0.0.1:{port}");
    let server = server_with(&nowhere).await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let (status, policy) = admin.call(Method::GET, "/api/admin/staff-sso", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(policy["problem"].as_str().is_some_and(|p| p.contains("couldn't be reached")), "{policy}");
    server.stop().await;

    // A provider whose settings name another issuer: not the one Tandem was given.
    let provider = provider().await;
    let server = server_with(&provider).await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let issuer = std::mem::replace(&mut provider.lock().unwrap().origin, "https://elsewhere.example".into());
    let problem = || async { admin.call(Method::GET, "/api/admin/staff-sso", None).await.1["problem"].clone() };
    let said = problem().await;
    assert!(said.as_str().is_some_and(|p| p.contains("calls itself \"https://elsewhere.example\"")), "{said}");
    // Put right at the provider: the console says nothing more, with no restart.
    provider.lock().unwrap().origin = issuer;
    assert_eq!(problem().await, Value::Null);
    server.stop().await;
}
