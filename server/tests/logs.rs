//! Secrets never reach the logs: the real binary at `debug` level, through join, sign-in,
//! a push of a young person's words, a pull, a refresh and a failed sign-in.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Running(Child);
impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const PASSPHRASE: &str = "purple otter kettle";
const WORDS: &str = "Nobody else should read these words";
const STAFF_PASSWORD: &str = "demo-worker-pass";

#[tokio::test]
async fn logs_at_debug_level_hold_no_pins_passwords_tokens_codes_or_record_text() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("tandem.log");
    let child = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--db"])
        .arg(dir.path().join("logs.db"))
        .env("TANDEM_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    let (mut base, mut code) = (String::new(), String::new());
    for line in BufReader::new(running.0.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("Tandem demo is running at ") {
            base = rest.trim_end_matches('/').to_owned();
        }
        if let Some(rest) = line.strip_prefix("A new young person can join with invite code ") {
            code = rest.trim().to_owned();
            break;
        }
    }
    let http = reqwest::Client::new();
    let post = |path: &str, token: Option<&str>, body: Value| {
        let mut req = http.post(format!("{base}{path}")).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        async move {
            let resp = req.send().await.unwrap();
            (resp.status().as_u16(), resp.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let device = uuid::Uuid::now_v7();
    let (status, joined) =
        post("/api/auth/join", None, json!({"code": code, "name": "robin", "secret": PASSPHRASE, "device": device}))
            .await;
    assert_eq!(status, 200, "{joined}");
    let access = joined["access_token"].as_str().unwrap().to_owned();
    let refresh = joined["refresh_token"].as_str().unwrap().to_owned();
    let op = json!({"seq": 1, "record": uuid::Uuid::now_v7(), "kind": "goal", "owner": joined["person"],
        "hlc": {"ms": 1_700_000_000_000u64, "count": 0},
        "changes": [{"set": {"field": "title", "value": WORDS}, "base": null},
                    {"set": {"field": "visibility", "value": "worker"}, "base": null}]});
    let (status, pushed) =
        post("/api/sync/push", Some(&access), json!({"protocol": 1, "schema": 1, "device": device, "ops": [op]})).await;
    assert_eq!(status, 200, "{pushed}");
    let (status, again) = post("/api/auth/refresh", None, json!({"refresh_token": refresh})).await;
    assert_eq!(status, 200, "{again}");
    let (status, staff) =
        post("/api/auth/sign-in", None, json!({"name": "sam", "secret": STAFF_PASSWORD, "device": device})).await;
    assert_eq!(status, 200, "{staff}");
    let pull = http
        .get(format!("{base}/api/sync/pull?since=0"))
        .bearer_auth(staff["access_token"].as_str().unwrap())
        .header("tandem-protocol", "1")
        .header("tandem-schema", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(pull.status(), 200);
    let (status, _) =
        post("/api/auth/sign-in", None, json!({"name": "robin", "secret": "wrong passphrase", "device": device})).await;
    assert_eq!(status, 401);
    drop(running);

    let logged = std::fs::read_to_string(&log).unwrap();
    // The log is there and detailed (so the checks below could fail).
    assert!(logged.contains("DEBUG") && logged.contains("/api/sync/push"), "debug logs were written:\n{logged}");
    let secrets = [
        ("the passphrase", PASSPHRASE.to_owned()),
        ("the wrong passphrase", "wrong passphrase".to_owned()),
        ("a staff password", STAFF_PASSWORD.to_owned()),
        ("the invite code", code.clone()),
        ("an access token", access.clone()),
        ("a refresh token", refresh.clone()),
        ("a refreshed token", again["refresh_token"].as_str().unwrap().to_owned()),
        ("a staff token", staff["access_token"].as_str().unwrap().to_owned()),
        ("the young person's words", WORDS.to_owned()),
    ];
    for (what, secret) in secrets {
        assert!(!secret.is_empty());
        assert!(!logged.contains(&secret), "{what} appears in the log");
    }
    // The JWT signature alone would be enough to forge nothing, but its payload names the session.
    let signature = access.rsplit('.').next().unwrap();
    assert!(!logged.contains(signature), "a token signature appears in the log");
}
