//! The `tandem` binary itself: `serve --demo` on a fresh database prints sign-ins that work,
//! and `backup` copies a live database.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Running(Child);
impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn serve_demo_starts_on_a_fresh_database_and_every_printed_sign_in_works() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fresh.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--db"])
        .arg(&db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _running = Running(child);
    let mut lines = BufReader::new(stdout).lines();
    let mut base = None;
    let mut logins = Vec::new();
    let mut code = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("Tandem demo is running at ") {
            base = Some(rest.trim_end_matches('/').to_owned());
        }
        if let (Some(n), Some(p)) = (line.find("name: "), line.find("PIN/password: ")) {
            let name = line[n + 6..p].trim().to_owned();
            logins.push((name, line[p + 14..].trim().to_owned()));
        }
        if let Some(rest) = line.strip_prefix("A new young person can join with invite code ") {
            code = Some(rest.trim().to_owned());
            break;
        }
    }
    let base = base.expect("printed its address");
    assert_eq!(logins.len(), 7, "{logins:?}");
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if http.get(format!("{base}/api/health")).send().await.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    for (name, secret) in &logins {
        let resp = http
            .post(format!("{base}/api/auth/sign-in"))
            .json(&serde_json::json!({"name": name, "secret": secret, "device": uuid::Uuid::now_v7()}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "sign in as {name}");
    }
    let resp = http
        .post(format!("{base}/api/auth/join"))
        .json(&serde_json::json!({"code": code.expect("printed an invite"), "name": "newcomer", "secret": "6042", "device": uuid::Uuid::now_v7()}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "the printed invite code works");
    let newcomer: serde_json::Value = resp.json().await.unwrap();

    // A backup taken while it runs opens and holds the same people.
    let copy = dir.path().join("copy.db");
    let status = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("--db")
        .arg(&db)
        .args(["backup", "--to"])
        .arg(&copy)
        .status()
        .unwrap();
    assert!(status.success());
    let people = |p: &std::path::Path| -> i64 {
        let conn = rusqlite::Connection::open_with_flags(p, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        conn.query_row("SELECT count(*) FROM people WHERE secret_hash IS NOT NULL", [], |r| r.get(0)).unwrap()
    };
    assert_eq!(people(&copy), 8, "7 demo people and the newcomer");
    assert_eq!(people(&copy), people(&db));

    // The newcomer deletes their account after the backup: the ledger beside the data key
    // notes it, so the copy, once restored, can't bring them back.
    let resp = http
        .post(format!("{base}/api/me/erasure"))
        .bearer_auth(newcomer["access_token"].as_str().unwrap())
        .json(&serde_json::json!({"now": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "erased");
    assert_eq!(people(&db), 7);

    // The copy is a generation of its own (restored, devices can tell it has gone back in time),
    // and `tandem restored` gives a database a new one.
    let generation = |p: &std::path::Path| -> String {
        let conn = rusqlite::Connection::open_with_flags(p, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        conn.query_row("SELECT id FROM generation", [], |r| r.get(0)).unwrap()
    };
    let health: serde_json::Value = http.get(format!("{base}/api/health")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["generation"].as_str(), Some(generation(&db).as_str()), "{health}");
    assert_ne!(generation(&copy), generation(&db));
    let before = generation(&copy);
    let out = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("--db")
        .arg(&copy)
        .arg("--data-key-file")
        .arg(format!("{}.data-key", db.display()))
        .arg("restored")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("From the ledger: erased again: 1;"), "{said}");
    assert!(said.contains("so the one restored no longer works: 0"), "{said}");
    assert_ne!(generation(&copy), before);
    assert_eq!(people(&copy), 7, "the newcomer, erased after the backup, is gone from the restored copy");
}

#[test]
fn admin_commands_create_staff_invite_and_assign() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("admin.db");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_tandem"))
            .arg("--db")
            .arg(&db)
            .args(args)
            .env("TANDEM_PASSWORD", "a long password here")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (ok, out) = run(&["create-staff", "--role", "admin", "--name", "boss", "--display-name", "Boss"]);
    assert!(ok, "{out}");
    let (ok, out) = run(&["create-staff", "--role", "key-worker", "--name", "lee", "--display-name", "Lee"]);
    assert!(ok, "{out}");
    let (ok, out) = run(&["invite", "--display-name", "Robin", "--worker", "lee"]);
    assert!(ok && out.contains("invite code"), "{out}");
    let robin = out.split('(').nth(1).and_then(|s| s.split(')').next()).expect("the new person's id").to_owned();
    let (ok, out) = run(&["unassign", "--worker", "lee", "--young-person", &robin]);
    assert!(ok && out.contains("unassigned"), "{out}");
    let (ok, out) = run(&["unassign", "--worker", "lee", "--young-person", &robin]);
    assert!(!ok && out.contains("isn't assigned"), "a second time says so: {out}");
    let (ok, out) = run(&["assign", "--worker", "lee", "--young-person", &robin]);
    assert!(ok, "{out}");
    let (ok, out) = run(&["create-staff", "--role", "key-worker", "--name", "lee", "--display-name", "Lee again"]);
    assert!(!ok && out.contains("taken"), "a clear error: {out}");
    // A first password a guesser would try first is refused, and nobody is made.
    let easy = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("--db")
        .arg(&db)
        .args(["create-staff", "--role", "key-worker", "--name", "kim", "--display-name", "Kim"])
        .env("TANDEM_PASSWORD", "Welcome2026!")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&easy.stderr);
    assert!(!easy.status.success() && said.contains("too easy to guess"), "{said}");
    let (ok, out) = run(&["revoke", "--person", "nobody-here"]);
    assert!(!ok && out.contains("nobody"), "{out}");
    let (ok, out) = run(&["revoke", "--person", "lee"]);
    assert!(ok, "{out}");

    // Every change is in the audit log, marked as made at the command line; refusals are not.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut stmt = conn
        .prepare("SELECT action FROM audit_log WHERE actor_id IS NULL AND detail LIKE '%(from the command line)' ORDER BY id")
        .unwrap();
    let actions: Vec<String> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    assert_eq!(
        actions,
        [
            "created staff",
            "created staff",
            "invited a young person",
            "ended an assignment",
            "assigned",
            "ended every session"
        ]
    );
}
