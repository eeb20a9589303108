//! A key worker's device told, with Tandem closed, that a young person has asked for help (Web
//! Push): through a push service of the server's list only, with a VAPID token signed by the
//! server's key, and nothing in it that says who or what. A fake push service on loopback
//! stands in for Google's or Mozilla's and records what reaches it.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode as Status};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tandem_server::config::Settings;
use tandem_tests::*;

/// What reached the fake push service: (path, headers, body).
type Received = Arc<Mutex<Vec<(String, HeaderMap, Vec<u8>)>>>;

/// A push service on a loopback port: answers 201, or 410 for a path starting `gone`. Returns
/// its origin and what it has received.
async fn push_service() -> (String, Received) {
    let received: Received = Arc::default();
    let app = axum::Router::new()
        .route(
            "/{device}",
            axum::routing::post(
                |State(got): State<Received>,
                 Path(device): Path<String>,
                 headers: HeaderMap,
                 body: axum::body::Bytes| async move {
                    let gone = device.starts_with("gone");
                    got.lock().unwrap().push((device, headers, body.to_vec()));
                    if gone { Status::GONE } else { Status::CREATED }
                },
            ),
        )
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (origin, received)
}

fn reached(received: &Received, device: &str) -> usize {
    received.lock().unwrap().iter().filter(|(d, _, _)| d == device).count()
}

async fn server_calling(origin: &str) -> TestServer {
    TestServer::start_with(Settings {
        push_services: vec![origin.to_owned()],
        erasure_check_every: Duration::from_millis(50),
        ..Settings::default()
    })
    .await
}

async fn turn_on(worker: &Client, endpoint: &str) -> Value {
    let (status, body) = worker.call(Method::PUT, "/api/me/notifications", Some(json!({"endpoint": endpoint}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn raise(young_person: &Client, raised_at: u64) {
    let alert = json!({"id": uuid::Uuid::now_v7(), "raised_at": raised_at});
    assert_eq!(young_person.call(Method::POST, "/api/alerts", Some(alert)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_workers_device_is_told_of_an_alert_with_nothing_in_it_and_a_token_signed_by_the_servers_key() {
    let (origin, received) = push_service().await;
    let server = server_calling(&origin).await;
    let ash = server.signed_in(ASH.0, ASH.1).await;
    let sam = server.signed_in(SAM.0, SAM.1).await;
    let priya = server.signed_in(PRIYA.0, PRIYA.1).await;
    let (status, before) = sam.call(Method::GET, "/api/me/notifications", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(before["on"], false);
    let key = before["key"].as_str().unwrap().to_owned();
    let on = turn_on(&sam, &format!("{origin}/sam-laptop")).await;
    assert_eq!(on, json!({"on": true, "key": key, "available": true}));
    assert_eq!(sam.call(Method::GET, "/api/me/notifications", None).await.1["on"], true);
    // Priya's device asked too, but Ash is not hers to support.
    turn_on(&priya, &format!("{origin}/priya-phone")).await;

    raise(&ash, now_ms()).await;
    eventually("Sam's laptop to be told", || async { reached(&received, "sam-laptop") == 1 }).await;
    // Sent at the same moment as Sam's would be; give a stray one time to arrive before saying none did.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(reached(&received, "priya-phone"), 0, "not Priya's young person");

    let (_, headers, body) = received.lock().unwrap()[0].clone();
    assert!(body.is_empty(), "a push carries nothing: {body:?}");
    assert_eq!(
        headers.get_all("content-length").iter().collect::<Vec<_>>(),
        ["0"],
        "a length, once: some push services need it"
    );
    assert_eq!(headers["urgency"], "high");
    assert_eq!(headers["ttl"], "43200");
    let everything = format!("{headers:?}");
    assert!(!everything.to_lowercase().contains("ash") && !everything.contains(&ash.me().to_string()), "{everything}");
    // VAPID (RFC 8292): an ES256 token for this push service, from the key the app subscribed with.
    let auth = headers["authorization"].to_str().unwrap();
    let (token, k) = auth.strip_prefix("vapid t=").unwrap().split_once(", k=").unwrap();
    assert_eq!(k, key);
    use base64::Engine;
    let point = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(k).unwrap();
    assert_eq!((point.len(), point[0]), (65, 4), "an uncompressed P-256 point");
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let public = DecodingKey::from_ec_components(&b64(&point[1..33]), &b64(&point[33..])).unwrap();
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_audience(&[&origin]);
    validation.set_required_spec_claims(&["exp", "aud", "sub"]);
    let claims = jsonwebtoken::decode::<Value>(token, &public, &validation).expect("signed by the server's key").claims;
    assert!(claims["sub"].as_str().unwrap().starts_with("mailto:"), "{claims}");
    server.stop().await;
}

#[tokio::test]
async fn signing_out_or_turning_it_off_stops_pushes_and_a_subscription_the_service_says_is_gone_is_forgotten() {
    let (origin, received) = push_service().await;
    let server = server_calling(&origin).await;
    let ash = server.signed_in(ASH.0, ASH.1).await;
    let (gone, off, signed_out, still) = (
        server.signed_in(SAM.0, SAM.1).await,
        server.signed_in(SAM.0, SAM.1).await,
        server.signed_in(SAM.0, SAM.1).await,
        server.signed_in(SAM.0, SAM.1).await,
    );
    for (device, path) in [(&gone, "gone-phone"), (&off, "off"), (&signed_out, "signed-out"), (&still, "still")] {
        turn_on(device, &format!("{origin}/{path}")).await;
    }
    let (status, body) = off.call(Method::DELETE, "/api/me/notifications", None).await;
    assert_eq!((status, body["on"].clone()), (StatusCode::OK, json!(false)));
    assert_eq!(signed_out.call(Method::POST, "/api/auth/sign-out", None).await.0, StatusCode::OK);

    raise(&ash, now_ms()).await;
    eventually("the devices still asking to be told", || async {
        reached(&received, "still") == 1 && reached(&received, "gone-phone") == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(reached(&received, "off"), 0, "turned off");
    assert_eq!(reached(&received, "signed-out"), 0, "signed out");
    // The push service said that subscription is gone: the device is shown it is off.
    eventually("the gone subscription to be forgotten", || async {
        gone.call(Method::GET, "/api/me/notifications", None).await.1["on"] == false
    })
    .await;
    raise(&ash, now_ms()).await;
    eventually("the second alert", || async { reached(&received, "still") == 2 }).await;
    assert_eq!(reached(&received, "gone-phone"), 1, "not sent again");
    server.stop().await;
}

#[tokio::test]
async fn the_duty_worker_is_told_of_an_alert_nobody_saw_in_time() {
    let (origin, received) = push_service().await;
    let server = server_calling(&origin).await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let ash = server.signed_in(ASH.0, ASH.1).await;
    let priya = server.signed_in(PRIYA.0, PRIYA.1).await;
    let duty = json!({"duty_worker": priya.me(), "escalate_after_minutes": 30});
    assert_eq!(admin.call(Method::PUT, "/api/admin/settings", Some(duty)).await.0, StatusCode::OK);
    turn_on(&priya, &format!("{origin}/priya-phone")).await;
    // The admin can see that the duty worker will hear of one with Tandem closed.
    let (_, people) = admin.call(Method::GET, "/api/admin/people", None).await;
    let devices = |name: &str| {
        people.as_array().unwrap().iter().find(|p| p["display_name"] == name).unwrap()["alert_devices"].clone()
    };
    assert_eq!((devices("Priya"), devices("Sam")), (json!(1), json!(0)), "{people}");
    raise(&ash, now_ms() - 31 * 60_000).await;
    eventually("the duty worker's phone to be told", || async { reached(&received, "priya-phone") == 1 }).await;
    server.stop().await;
}

#[tokio::test]
async fn only_a_key_workers_device_may_ask_and_only_through_an_allowed_push_service() {
    // The default list: the browsers' own push services.
    let server = TestServer::start().await;
    let sam = server.signed_in(SAM.0, SAM.1).await;
    for bad in [
        json!({"endpoint": "http://127.0.0.1:9/anything"}),
        json!({"endpoint": "https://fcm.googleapis.com.example.org/x"}),
        json!({"endpoint": "http://fcm.googleapis.com/fcm/send/x"}),
        json!({"endpoint": "file:///etc/passwd"}),
        json!({"endpoint": 7}),
        json!({"endpoint": "https://fcm.googleapis.com/fcm/send/x", "keys": {}}),
        json!({}),
    ] {
        let (status, body) = sam.call(Method::PUT, "/api/me/notifications", Some(bad.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(body["error"].is_string(), "{body}");
    }
    assert_eq!(sam.call(Method::GET, "/api/me/notifications", None).await.1["on"], false, "nothing kept");
    turn_on(&sam, "https://fcm.googleapis.com/fcm/send/abc:def").await;
    for who in [ASH, DROPIN, ADMIN] {
        let client = server.signed_in(who.0, who.1).await;
        for method in [Method::GET, Method::DELETE] {
            assert_eq!(
                client.call(method.clone(), "/api/me/notifications", None).await.0,
                StatusCode::FORBIDDEN,
                "{}",
                who.0
            );
        }
    }
    // A service that lets its server call no push service: nothing to turn on, and the app is told.
    let off = TestServer::start_with(Settings { push_services: vec![], ..Settings::default() }).await;
    let worker = off.signed_in(SAM.0, SAM.1).await;
    assert_eq!(worker.call(Method::GET, "/api/me/notifications", None).await.1["available"], false);
    let (status, _) = worker
        .call(Method::PUT, "/api/me/notifications", Some(json!({"endpoint": "https://fcm.googleapis.com/fcm/send/x"})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    off.stop().await;
    let nobody = Client::new(&server.base);
    assert_eq!(nobody.call(Method::GET, "/api/me/notifications", None).await.0, StatusCode::UNAUTHORIZED);
    server.stop().await;
}
