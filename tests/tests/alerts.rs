//! "I don't feel safe right now": reaches the young person's key workers only, once, and the
//! young person is told when it was seen.

use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;
use tandem_server::config::Settings;
use tandem_tests::*;

#[tokio::test]
async fn an_alert_reaches_only_the_young_persons_workers_once_and_its_seeing_is_reported_back() {
    let server = TestServer::start().await;
    let ash = server.signed_in(ASH.0, ASH.1).await;
    let sam = server.signed_in(SAM.0, SAM.1).await;
    let priya = server.signed_in(PRIYA.0, PRIYA.1).await;
    let dropin = server.signed_in(DROPIN.0, DROPIN.1).await;
    let id = uuid::Uuid::now_v7();
    let body = json!({"id": id, "raised_at": now_ms()});
    let (status, _) = ash.call(Method::POST, "/api/alerts", Some(body.clone())).await;
    assert_eq!(status, StatusCode::OK);
    // Sent again after a lost response: still one alert.
    let (_, mine) = ash.call(Method::POST, "/api/alerts", Some(body)).await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert!(mine[0]["seen_at"].is_null());

    let (_, for_sam) = sam.call(Method::GET, "/api/alerts", None).await;
    assert_eq!(for_sam.as_array().unwrap().len(), 1);
    assert_eq!(for_sam[0]["young_person_name"], "ash");
    let (_, for_priya) = priya.call(Method::GET, "/api/alerts", None).await;
    assert_eq!(for_priya.as_array().unwrap().len(), 0, "not Priya's young person");
    assert_eq!(dropin.call(Method::GET, "/api/alerts", None).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        sam.call(Method::POST, "/api/alerts", Some(json!({"id": uuid::Uuid::now_v7(), "raised_at": 1}))).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(priya.call(Method::POST, &format!("/api/alerts/{id}/seen"), None).await.0, StatusCode::NOT_FOUND);

    let (status, _) = sam.call(Method::POST, &format!("/api/alerts/{id}/seen"), None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, mine) = ash.call(Method::GET, "/api/alerts", None).await;
    assert_eq!(mine[0]["seen_by_name"], "Sam");
    assert!(mine[0]["seen_at"].is_i64());
    server.stop().await;
}

#[tokio::test]
async fn an_alert_nobody_sees_in_time_reaches_the_duty_worker_too_once_and_only_if_the_service_asks() {
    let settings = Settings { erasure_check_every: Duration::from_millis(50), ..Settings::default() };
    let server = TestServer::start_with(settings).await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let ash = server.signed_in(ASH.0, ASH.1).await;
    let sam = server.signed_in(SAM.0, SAM.1).await;
    let priya = server.signed_in(PRIYA.0, PRIYA.1).await;
    let (_, me) = ash.call(Method::GET, "/api/me", None).await;
    assert!(me["alerts_escalate"].is_null(), "the service hasn't asked for it: {me}");

    let ask = |minutes: serde_json::Value| json!({"duty_worker": priya.me(), "escalate_after_minutes": minutes});
    for bad in [json!(4), json!(1441), json!(-1), json!("soon")] {
        let (status, body) = admin.call(Method::PUT, "/api/admin/settings", Some(ask(bad.clone()))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    let no_duty = json!({"duty_worker": null, "escalate_after_minutes": 30});
    let (status, body) = admin.call(Method::PUT, "/api/admin/settings", Some(no_duty)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "nobody to tell: {body}");
    let (_, settings) = admin.call(Method::GET, "/api/admin/settings", None).await;
    assert_eq!(settings, json!({"duty_worker": null, "escalate_after_minutes": null}), "refused, nothing changed");

    let (status, _) = admin.call(Method::PUT, "/api/admin/settings", Some(ask(json!(30)))).await;
    assert_eq!(status, StatusCode::OK);
    let (_, me) = ash.call(Method::GET, "/api/me", None).await;
    assert_eq!(me["alerts_escalate"], json!({"to": {"id": priya.me(), "display_name": "Priya"}, "after_minutes": 30}));

    // Pressed 31 minutes ago (sent when the phone found signal), and one pressed now.
    let mut priya_hears = listen(&priya).await;
    let (late, fresh) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let thirty_one_minutes_ago = now_ms() - 31 * 60_000;
    for (id, at) in [(late, thirty_one_minutes_ago), (fresh, now_ms())] {
        let (status, _) = ash.call(Method::POST, "/api/alerts", Some(json!({"id": id, "raised_at": at}))).await;
        assert_eq!(status, StatusCode::OK);
    }
    next(&mut priya_hears).await.expect("the duty worker's open screen hears of it");
    let (_, for_priya) = priya.call(Method::GET, "/api/alerts", None).await;
    let ids: Vec<&str> = for_priya.as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    // Both were judged in the round that escalated one: the fresh one is not late yet.
    assert_eq!(ids, [late.to_string().as_str()], "{for_priya}");
    let (_, mine) = ash.call(Method::GET, "/api/alerts", None).await;
    let escalated = |list: &serde_json::Value, id: uuid::Uuid| {
        list.as_array().unwrap().iter().find(|a| a["id"] == id.to_string()).unwrap()["escalated_at"].as_i64()
    };
    let when = escalated(&mine, late).expect("the young person's phone can say who else was told");
    assert!(escalated(&mine, fresh).is_none(), "{mine}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, mine) = ash.call(Method::GET, "/api/alerts", None).await;
    assert_eq!(escalated(&mine, late), Some(when), "escalated once, however many rounds pass");

    // The duty worker can say they've seen it; the young person is told who did.
    let (status, _) = priya.call(Method::POST, &format!("/api/alerts/{late}/seen"), None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, mine) = ash.call(Method::GET, "/api/alerts", None).await;
    assert_eq!(mine.as_array().unwrap().iter().find(|a| a["id"] == late.to_string()).unwrap()["seen_by_name"], "Priya");
    // Seen in time by the key worker: never escalated. Not Priya's to mark seen meanwhile.
    let (status, _) = priya.call(Method::POST, &format!("/api/alerts/{fresh}/seen"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = sam.call(Method::POST, &format!("/api/alerts/{fresh}/seen"), None).await;
    assert_eq!(status, StatusCode::OK);

    // The duty worker who is the young person's own worker is not told twice.
    let (status, _) = admin
        .call(Method::PUT, "/api/admin/settings", Some(json!({"duty_worker": sam.me(), "escalate_after_minutes": 5})))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, me) = ash.call(Method::GET, "/api/me", None).await;
    assert!(me["alerts_escalate"].is_null(), "Sam is told anyway: {me}");
    // Ash's late alert, then Mo's (Priya's young person): the round that tells Sam of Mo's has
    // judged Ash's too.
    let mo = server.signed_in(MO.0, MO.1).await;
    let mut sam_hears = listen(&sam).await;
    let (own, other) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    for (who, id) in [(&ash, own), (&mo, other)] {
        let body = json!({"id": id, "raised_at": thirty_one_minutes_ago});
        assert_eq!(who.call(Method::POST, "/api/alerts", Some(body)).await.0, StatusCode::OK);
    }
    loop {
        next(&mut sam_hears).await.expect("Sam's screen hears of Mo's alert");
        let (_, for_sam) = sam.call(Method::GET, "/api/alerts", None).await;
        if for_sam.to_string().contains(&other.to_string()) {
            break;
        }
    }
    let (_, mine) = ash.call(Method::GET, "/api/alerts", None).await;
    assert!(escalated(&mine, own).is_none(), "{mine}");
    let (_, audit) = admin.call(Method::GET, "/api/admin/audit", None).await;
    assert!(audit.to_string().contains("set when the duty worker is told of alerts nobody has seen"), "{audit}");
    assert!(audit.to_string().contains("after 5 minutes"), "{audit}");
    server.stop().await;
}

#[tokio::test]
async fn admins_see_how_alerts_were_answered_in_counts_and_waits_never_who() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let summary = |query: &'static str| {
        let admin = &admin;
        async move { admin.call(Method::GET, &format!("/api/admin/alerts/summary{query}"), None).await }
    };
    let (status, none) = summary("").await;
    assert_eq!(status, StatusCode::OK, "{none}");
    assert_eq!((none["raised"].as_i64(), none["longest_wait_minutes"].is_null()), (Some(0), true), "{none}");

    // One pressed now and seen at once, through the app.
    let ash = server.signed_in(ASH.0, ASH.1).await;
    let sam = server.signed_in(SAM.0, SAM.1).await;
    let id = uuid::Uuid::now_v7();
    assert_eq!(
        ash.call(Method::POST, "/api/alerts", Some(json!({"id": id, "raised_at": now_ms()}))).await.0,
        StatusCode::OK
    );
    assert_eq!(sam.call(Method::POST, &format!("/api/alerts/{id}/seen"), None).await.0, StatusCode::OK);

    // Earlier ones, as weeks of use leave them: (reached the server, seen, duty worker told).
    const MINUTE: i64 = 60_000;
    let (now, day) = (now_ms() as i64, 24 * 60 * MINUTE);
    let earlier = [
        (now - 3 * day, Some(now - 3 * day + 40 * MINUTE), None),
        (now - 2 * day, Some(now - 2 * day + 5 * 60 * MINUTE), Some(now - 2 * day + 30 * MINUTE)),
        (now - 10 * day, Some(now - 8 * day), None),
        (now - 3 * 60 * MINUTE, None, Some(now - 2 * 60 * MINUTE)),
        (now - 200 * day, Some(now - 200 * day + MINUTE), None),
    ];
    let young_person = ash.me().to_string();
    for (received, seen, escalated) in earlier {
        let young_person = young_person.clone();
        server
            .store
            .write(move |db| {
                db.execute(
                    "INSERT INTO alerts (id, young_person_id, raised_at, received_at, seen_at, escalated_at)
                     VALUES (?1, ?2, ?3, ?3, ?4, ?5)",
                    &[
                        uuid::Uuid::now_v7().to_string().into(),
                        young_person.clone().into(),
                        received.into(),
                        seen.into(),
                        escalated.into(),
                    ],
                )
            })
            .await
            .unwrap();
    }

    let (status, s) = summary("").await;
    assert_eq!(status, StatusCode::OK, "{s}");
    let count = |field: &str| s[field].as_i64().unwrap_or_else(|| panic!("{field} in {s}"));
    assert_eq!(count("raised"), 5, "the last 90 days: {s}");
    assert_eq!(count("seen_in_15_minutes"), 1, "{s}");
    assert_eq!(count("seen_in_15_to_60_minutes"), 1, "{s}");
    assert_eq!(count("seen_in_1_to_24_hours"), 1, "{s}");
    assert_eq!(count("seen_after_a_day"), 1, "{s}");
    assert_eq!(count("not_seen_yet"), 1, "{s}");
    assert_eq!(count("told_duty_worker"), 2, "{s}");
    assert!((180..190).contains(&count("longest_wait_minutes")), "waiting about three hours: {s}");
    let said = s.to_string();
    assert!(!said.contains(&young_person) && !said.contains("ash"), "nobody is named: {s}");

    let (_, year) = summary("?days=365").await;
    assert_eq!(year["raised"], 6, "{year}");
    for bad in ["?days=0", "?days=366", "?days=soon", "?who=ash"] {
        let (status, body) = summary(bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(body["message"].is_string(), "{body}");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_service_says_its_working_hours_and_young_people_are_told_them() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let ash = server.signed_in(ASH.0, ASH.1).await;
    let (_, me) = ash.call(Method::GET, "/api/me", None).await;
    assert!(me["working_hours"].is_null(), "none said yet: {me}");

    let hours = json!({"days": [5, 1, 2, 3, 4], "start_minute": 540, "end_minute": 1020, "time_zone": "Europe/London"});
    let (status, stored) = admin.call(Method::PUT, "/api/admin/working-hours", Some(hours)).await;
    assert_eq!(status, StatusCode::OK, "{stored}");
    assert_eq!(stored["days"], json!([1, 2, 3, 4, 5]), "{stored}");
    let (_, me) = ash.call(Method::GET, "/api/me", None).await;
    assert_eq!(me["working_hours"], stored, "the young person's phone is told them");
    let (_, read) = admin.call(Method::GET, "/api/admin/working-hours", None).await;
    assert_eq!(read, stored);
    let (_, sam_me) = server.signed_in(SAM.0, SAM.1).await.call(Method::GET, "/api/me", None).await;
    assert!(sam_me["working_hours"].is_null(), "staff have no use for it in /api/me: {sam_me}");

    for bad in [
        json!({"days": [], "start_minute": 540, "end_minute": 1020, "time_zone": "UTC"}),
        json!({"days": [1], "start_minute": 1020, "end_minute": 540, "time_zone": "UTC"}),
        json!({"days": [1], "start_minute": 540, "end_minute": 1020, "time_zone": "London"}),
        json!({"days": [9], "start_minute": 540, "end_minute": 1020, "time_zone": "UTC"}),
        json!({"days": [1], "start_minute": -5, "end_minute": 1020, "time_zone": "UTC"}),
        json!({"days": [1], "start_minute": 540, "end_minute": 1020, "time_zone": "UTC", "lunch": true}),
        json!("9 to 5"),
    ] {
        let (status, body) = admin.call(Method::PUT, "/api/admin/working-hours", Some(bad.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(body["message"].is_string(), "{body}");
    }
    let (_, read) = admin.call(Method::GET, "/api/admin/working-hours", None).await;
    assert_eq!(read, stored, "nothing refused was kept");

    let (status, cleared) = admin.call(Method::PUT, "/api/admin/working-hours", Some(json!(null))).await;
    assert_eq!((status, cleared), (StatusCode::OK, json!(null)));
    let (_, me) = ash.call(Method::GET, "/api/me", None).await;
    assert!(me["working_hours"].is_null(), "{me}");
    let (_, audit) = admin.call(Method::GET, "/api/admin/audit", None).await;
    let said = audit.as_array().unwrap().iter().filter(|e| e["action"] == "set the service's working hours").count();
    assert_eq!(said, 2, "each change in the audit log: {audit}");
    server.stop().await;
}
