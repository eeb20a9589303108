//! "I don't feel safe right now": reaches the young person's key workers only, once, and the
//! young person is told when it was seen.

use reqwest::{Method, StatusCode};
use serde_json::json;
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
