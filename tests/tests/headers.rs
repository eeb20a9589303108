//! Security headers on every response: API, errors and the app itself.

use tandem_server::config::Settings;
use tandem_tests::*;

async fn headers_of(server: &TestServer, path: &str) -> reqwest::header::HeaderMap {
    reqwest::get(format!("{}{path}", server.base)).await.unwrap().headers().clone()
}

#[tokio::test]
async fn every_response_forbids_framing_inline_script_sniffing_referrers_and_location() {
    let server = TestServer::start().await;
    for path in ["/api/health", "/api/nothing-here", "/", "/api/openapi.json"] {
        let h = headers_of(&server, path).await;
        let csp = h.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(h.get("referrer-policy").unwrap(), "no-referrer", "{path}");
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff", "{path}");
        assert_eq!(h.get("x-frame-options").unwrap(), "DENY", "{path}");
        let permissions = h.get("permissions-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(permissions.contains("geolocation=()") && permissions.contains("camera=()"), "{path}: {permissions}");
        // Plain http on loopback: HSTS would be ignored, and would pin a developer's browser.
        assert!(h.get("strict-transport-security").is_none(), "{path}");
    }
}

#[tokio::test]
async fn behind_a_tls_proxy_every_response_carries_hsts() {
    let server = TestServer::start_with(Settings { hsts: true, ..Settings::default() }).await;
    for path in ["/api/health", "/api/nothing-here", "/"] {
        let h = headers_of(&server, path).await;
        let hsts = h.get("strict-transport-security").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(hsts.starts_with("max-age=31536000"), "{path}: {hsts:?}");
    }
}

#[tokio::test]
async fn no_api_answer_may_be_cached_and_the_apps_own_files_keep_their_caching() {
    let server = TestServer::start().await;
    let ash = server.signed_in(ASH.0, ASH.1).await;
    for path in ["/api/me", "/api/sync/pull?since=0", "/api/me/access-log", "/api/nothing-here", "/api/health"] {
        let resp = ash.request(reqwest::Method::GET, path).send().await.unwrap();
        let cache = resp.headers().get("cache-control").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert_eq!(cache, "no-store", "{path}");
    }
    let refused = reqwest::Client::new()
        .post(format!("{}/api/auth/sign-in", server.base))
        .json(&serde_json::json!({"name": "ash", "secret": "0000", "device": uuid::Uuid::now_v7()}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.headers().get("cache-control").unwrap(), "no-store", "sign-in answers too");
    let shell = headers_of(&server, "/").await;
    assert_ne!(
        shell.get("cache-control").map(|v| v.to_str().unwrap()),
        Some("no-store"),
        "the app shell can be cached"
    );
}

#[tokio::test]
async fn the_apps_files_go_gzipped_to_a_browser_that_asks_and_api_answers_never_do() {
    let server = TestServer::start().await;
    let http = reqwest::Client::new();
    let get = |path: String, gzip: bool| {
        let mut req = http.get(format!("{}{path}", server.base));
        if gzip {
            req = req.header("accept-encoding", "gzip");
        }
        async move {
            let resp = req.send().await.unwrap();
            let encoding = resp.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_owned());
            (encoding, resp.bytes().await.unwrap().to_vec())
        }
    };
    let (_, shell) = get("/".into(), false).await;
    let shell = String::from_utf8(shell).unwrap();
    let script =
        shell.split('"').find(|s| s.starts_with("/assets/") && s.ends_with(".js")).expect("the shell loads a script");
    let (plain_encoding, plain) = get(script.into(), false).await;
    let (encoding, zipped) = get(script.into(), true).await;
    assert_eq!(plain_encoding, None, "only when asked");
    assert_eq!(encoding.as_deref(), Some("gzip"));
    assert!(zipped.len() * 2 < plain.len(), "{} gzipped against {} bytes", zipped.len(), plain.len());
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&zipped[..]), &mut unzipped).unwrap();
    assert_eq!(unzipped, plain);

    // A pull holds a worker's suggestions beside the young person's words: its length must not
    // depend on how alike they are.
    let ash = server.signed_in(ASH.0, ASH.1).await;
    for path in [
        "/api/sync/pull?since=0",
        "/api/sync/pull?since=0&form=compact",
        "/api/sync/pull?since=0&form=packed",
        "/api/sync/pull?since=0&form=lean",
        "/api/me",
    ] {
        let resp = ash.request(reqwest::Method::GET, path).header("accept-encoding", "gzip").send().await.unwrap();
        assert_eq!(resp.headers().get("content-encoding"), None, "{path}");
        assert!(resp.json::<serde_json::Value>().await.is_ok(), "{path}");
    }
}

#[tokio::test]
async fn metrics_answer_this_machine_but_not_anyone_through_the_proxy() {
    let get = |base: String| async move {
        let resp = reqwest::get(format!("{base}/metrics")).await.unwrap();
        (resp.status(), resp.text().await.unwrap())
    };
    let alone = TestServer::start().await;
    let (status, body) = get(alone.base.clone()).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(body.contains("tandem_push_requests_total"), "{body}");

    // The test's connections come from 127.0.0.1: here, the proxy that relays the world.
    let behind =
        TestServer::start_with(Settings { trusted_proxies: vec!["127.0.0.1".parse().unwrap()], ..Settings::default() })
            .await;
    let (status, body) = get(behind.base.clone()).await;
    assert_eq!(status, reqwest::StatusCode::NOT_FOUND);
    assert!(!body.contains("tandem_") && body.contains("nothing at that address"), "{body}");
}
