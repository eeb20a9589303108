//! The admin commands against a PostgreSQL URL, while a replica serves from the same database:
//! what the command line writes, the running server sees. (On SQLite, `server/tests/cli.rs`.)
//! Needs PostgreSQL; its name starts with `two_replicas_`, so the SQLite pass leaves it out.

use std::process::Command;
use tandem_tests::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_and_the_admin_commands_share_one_postgres_database() {
    assert!(postgres_server().is_some(), "needs PostgreSQL: set TANDEM_TEST_POSTGRES");
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(dir.path()).await;
    let key = dir.path().join("tandem.key");
    let server = Process::start(&db, &key, true).await;
    let tandem = tandem_binary();
    let run = |args: &[&str]| {
        let out = Command::new(&tandem)
            .args(["--db", &db, "--data-key-file"])
            .arg(key.with_extension("data-key"))
            .args(args)
            .env("TANDEM_PASSWORD", "a long password here")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (ok, out) = run(&["create-staff", "--role", "key-worker", "--name", "lee", "--display-name", "Lee"]);
    assert!(ok, "{out}");
    let (ok, out) = run(&["create-staff", "--role", "key-worker", "--name", "LEE", "--display-name", "Lee again"]);
    assert!(!ok && out.contains("taken"), "names are unique without regard to case: {out}");
    let (ok, out) = run(&["invite", "--display-name", "Robin", "--worker", "lee"]);
    assert!(ok && out.contains("invite code"), "{out}");
    let robin = out.split('(').nth(1).and_then(|s| s.split(')').next()).expect("the new person's id").to_owned();
    let code = out.split("code for").nth(1).and_then(|s| s.split(": ").nth(1)).and_then(|s| s.lines().next());
    let (ok, out) = run(&["unassign", "--worker", "lee", "--young-person", &robin]);
    assert!(ok && out.contains("unassigned"), "{out}");
    let (ok, out) = run(&["assign", "--worker", "lee", "--young-person", &robin]);
    assert!(ok, "{out}");
    let (ok, out) = run(&["backup", "--to", "/tmp/never-written.db"]);
    assert!(!ok && out.contains("pg_dump"), "backup points to PostgreSQL's own tools: {out}");
    // After a pg_restore, `restored` gives the database a new generation, which the running
    // replica reports at once (devices compare it when their sign-in is refused).
    let generation = || async {
        let health: serde_json::Value =
            reqwest::get(format!("{}/api/health", server.base)).await.unwrap().json().await.unwrap();
        health["generation"].as_str().expect("a generation").to_owned()
    };
    let before = generation().await;
    let (ok, out) = run(&["restored"]);
    assert!(ok && out.contains("From the ledger: erased again: 0;"), "{out}");
    assert_ne!(generation().await, before);

    // The running server sees all of it: Lee signs in, Robin joins and is in Lee's caseload.
    let mut lee = Client::new(&server.base);
    lee.sign_in("Lee", "a long password here").await;
    let mut robin_phone = Client::new(&server.base);
    let (status, body) = robin_phone
        .call(
            reqwest::Method::POST,
            "/api/auth/join",
            Some(serde_json::json!({"code": code.expect("printed a code"), "name": "robin", "secret": "3816", "device": robin_phone.device})),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    robin_phone.take_tokens(&body);
    let (status, caseload) = lee.call(reqwest::Method::GET, "/api/caseload", None).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert_eq!(caseload[0]["id"].as_str(), Some(robin.as_str()), "{caseload}");
    // Assignments changed at the command line reach Lee's open screen on the running server at
    // once (through the database, as replicas tell each other), and his caseload follows.
    let mut hears = listen(&lee).await;
    let (ok, out) = run(&["unassign", "--worker", "lee", "--young-person", &robin]);
    assert!(ok, "{out}");
    next(&mut hears).await.expect("Lee's open screen is told to sync after the unassignment");
    let (_, caseload) = lee.call(reqwest::Method::GET, "/api/caseload", None).await;
    assert_eq!(caseload.as_array().map(Vec::len), Some(0), "{caseload}");
    let (ok, out) = run(&["assign", "--worker", "lee", "--young-person", &robin]);
    assert!(ok, "{out}");
    next(&mut hears).await.expect("and again after the assignment");
    let (_, caseload) = lee.call(reqwest::Method::GET, "/api/caseload", None).await;
    assert_eq!(caseload[0]["id"].as_str(), Some(robin.as_str()), "{caseload}");

    let (ok, out) = run(&["revoke", "--person", "robin"]);
    assert!(ok, "{out}");
    let (status, _) = robin_phone.call(reqwest::Method::GET, "/api/me", None).await;
    assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED, "revoked from the command line, refused by the server");
    server.kill().await;
}
