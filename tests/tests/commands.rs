//! A `tandem` command run beside a serving server, on either backend: what it changes reaches
//! open screens at once, not at their next sync. (PostgreSQL: the command's notice, as replicas
//! tell each other; SQLite: the server sees another process wrote to its file.)

use std::process::Command;
use tandem_server::store;
use tandem_tests::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assignment_ended_at_the_command_line_reaches_the_workers_open_screen() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(dir.path()).await;
    let key = dir.path().join("tandem.key");
    let server = Process::start(&db, &key, true).await;
    let mut sam = Client::new(&server.base);
    sam.sign_in(SAM.0, SAM.1).await;
    let (_, caseload) = sam.call(reqwest::Method::GET, "/api/caseload", None).await;
    let before = caseload.as_array().map(Vec::len).unwrap_or(0);
    let ash = caseload
        .as_array()
        .and_then(|c| c.iter().find(|p| p["display_name"] == "ash"))
        .and_then(|p| p["id"].as_str())
        .unwrap_or_else(|| panic!("ash is in Sam's caseload: {caseload}"))
        .to_owned();

    let mut hears = listen(&sam).await;
    // The server's own writes (Ash's private notes, which Sam is never told of) and its
    // checkpoints are not taken for a command's.
    let mut phone = Client::new(&server.base);
    phone.sign_in(ASH.0, ASH.1).await;
    let me = phone.me();
    let writing = async {
        for i in 0..25 {
            let op = phone.op(
                new_record(),
                tandem_shared::RecordKind::Strength,
                me,
                vec![text(&format!("private note {i}"))],
            );
            phone.push(vec![op]).await;
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        // Then quiet: SQLite's checkpointer empties the log after two seconds (which changes
        // what SQLite tells the writer of other connections' writes), and the server writes again.
        if !store::is_postgres_url(&db) {
            let log = std::path::PathBuf::from(format!("{db}-wal"));
            let emptied = async {
                while std::fs::metadata(&log).map_or(0, |m| m.len()) > 0 {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            };
            tokio::time::timeout(std::time::Duration::from_secs(30), emptied).await.expect("the log emptied");
            let op = phone.op(new_record(), tandem_shared::RecordKind::Strength, me, vec![text("after the quiet")]);
            phone.push(vec![op]).await;
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    };
    let heard = tokio::select! {
        () = writing => None,
        heard = next_cursor(&mut hears) => Some(heard),
    };
    assert_eq!(heard, None, "Sam's screen was told of something while only the server wrote");

    let out = Command::new(tandem_binary())
        .args(["--db", &db, "--data-key-file"])
        .arg(key.with_extension("data-key"))
        .args(["unassign", "--worker", "sam", "--young-person", &ash])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    next(&mut hears).await.expect("Sam's open screen is told at once");
    let (_, caseload) = sam.call(reqwest::Method::GET, "/api/caseload", None).await;
    assert_eq!(caseload.as_array().map(Vec::len), Some(before - 1), "{caseload}");
    server.kill().await;
}

fn text(words: &str) -> tandem_shared::FieldValue {
    tandem_shared::FieldValue::Text(words.into())
}

async fn next_cursor(hears: &mut (impl futures_util::Stream<Item = i64> + Unpin)) -> Option<i64> {
    futures_util::StreamExt::next(hears).await
}

/// The only admin forgot their password: the command line gives them a first one again, beside a
/// serving server, and they must choose their own at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_gives_a_locked_out_admin_a_first_password_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(dir.path()).await;
    let key = dir.path().join("tandem.key");
    let server = Process::start(&db, &key, true).await;
    let mut old = Client::new(&server.base);
    old.sign_in(ADMIN.0, ADMIN.1).await;
    let out = Command::new(tandem_binary())
        .args(["--db", &db, "--data-key-file"])
        .arg(key.with_extension("data-key"))
        .args(["new-password", "--person", "admin"])
        .env("TANDEM_PASSWORD", "written on paper once")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(old.call(reqwest::Method::GET, "/api/me", None).await.0, reqwest::StatusCode::UNAUTHORIZED);
    let fresh = Client::new(&server.base);
    let body = serde_json::json!({"name": "admin", "secret": "written on paper once", "device": fresh.device});
    let (status, tokens) = fresh.call(reqwest::Method::POST, "/api/auth/sign-in", Some(body)).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{tokens}");
    assert_eq!(tokens["must_change_password"], true);
    server.kill().await;
}

/// A young person forgot their PIN and no admin is signed in: the command line makes them a new
/// code, beside a serving server. With it they choose a new PIN and keep their things; the old
/// PIN stops working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_makes_a_young_person_a_new_code_for_a_forgotten_pin() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(dir.path()).await;
    let key = dir.path().join("tandem.key");
    let server = Process::start(&db, &key, true).await;
    let mut before = Client::new(&server.base);
    before.sign_in(ASH.0, ASH.1).await;
    let had = before.pull().await.iter().map(|p| p.records.len()).sum::<usize>();
    assert!(had > 0, "the demo gives ash things");

    let out = Command::new(tandem_binary())
        .args(["--db", &db, "--data-key-file"])
        .arg(key.with_extension("data-key"))
        .args(["new-code", "--person", "ash"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    let code = said.split_whitespace().nth(4).expect("the code is printed").to_owned();

    let mut phone = Client::new(&server.base);
    let body = serde_json::json!({"code": code, "name": "ash", "secret": "5917", "device": phone.device});
    let (status, tokens) = phone.call(reqwest::Method::POST, "/api/auth/join", Some(body)).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{said} {tokens}");
    phone.take_tokens(&tokens);
    let has = phone.pull().await.iter().map(|p| p.records.len()).sum::<usize>();
    assert_eq!(has, had, "everything of theirs is still theirs");
    let stale = Client::new(&server.base);
    let body = serde_json::json!({"name": "ash", "secret": ASH.1, "device": stale.device});
    assert_eq!(
        stale.call(reqwest::Method::POST, "/api/auth/sign-in", Some(body)).await.0,
        reqwest::StatusCode::UNAUTHORIZED,
        "the old PIN stops working"
    );

    // Nobody of that name: said plainly, nothing made.
    let out = Command::new(tandem_binary())
        .args(["--db", &db, "--data-key-file"])
        .arg(key.with_extension("data-key"))
        .args(["new-code", "--person", "nobody-here"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("nobody is called"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    server.kill().await;
}

/// The ledger named apart from the keys (`TANDEM_LEDGER`, `--ledger`; the keys may be read-only):
/// the server and a command beside it both note their decisions there, and a start whose ledger
/// can't be written stops, saying so, instead of serving with decisions going unnoted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ledger_named_apart_from_the_keys_takes_the_servers_and_the_commands_decisions() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(dir.path()).await;
    let key = dir.path().join("tandem.key");
    std::fs::create_dir(dir.path().join("ledgers")).unwrap();
    let ledger = dir.path().join("ledgers").join("tandem.ledger");
    let server = Process::start_with_env(&db, &key, true, &[("TANDEM_LEDGER", ledger.as_os_str())]).await;

    let mut phone = Client::new(&server.base);
    phone.sign_in(ASH.0, ASH.1).await;
    assert_eq!(phone.call(reqwest::Method::POST, "/api/auth/sign-out", None).await.0, reqwest::StatusCode::OK);
    let out = Command::new(tandem_binary())
        .args(["--db", &db, "--data-key-file"])
        .arg(key.with_extension("data-key"))
        .arg("--ledger")
        .arg(&ledger)
        .args(["new-password", "--person", "admin"])
        .env("TANDEM_PASSWORD", "written on paper once")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let noted = std::fs::read_to_string(&ledger).unwrap();
    for word in ["session-ended ", "new-secret ", "signed-out "] {
        assert!(noted.lines().any(|l| l.starts_with(word)), "no {word}line in {noted}");
    }
    assert!(!dir.path().join("tandem.data-key.ledger").exists(), "nothing noted beside the keys");
    server.kill().await;

    let missing = dir.path().join("not-mounted").join("tandem.ledger");
    let start = tokio::process::Command::new(tandem_binary())
        .args(["--db", &db, "--data-key-file"])
        .arg(key.with_extension("data-key"))
        .arg("--ledger")
        .arg(&missing)
        .args(["serve", "--listen", "127.0.0.1:0", "--key-file"])
        .arg(&key)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(std::time::Duration::from_secs(60), start)
        .await
        .expect("a start with a ledger it can't write stops instead of serving")
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(said.contains("can't be written") && said.contains("--ledger") && said.contains("not-mounted"), "{said}");

    // A command that would decide something refuses before it does, and changes nothing.
    let before = assignments(&db, &key).await;
    let out = Command::new(tandem_binary())
        .args(["--db", &db, "--data-key-file"])
        .arg(key.with_extension("data-key"))
        .arg("--ledger")
        .arg(&missing)
        .args(["unassign", "--worker", "priya", "--young-person", "mo"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && said.contains("can't be written"), "{said}");
    assert_eq!(assignments(&db, &key).await, before, "Priya still works with Mo");
}

/// Who works with whom, as the database says (opened as a store, beside no server).
async fn assignments(db: &str, key: &std::path::Path) -> Vec<(String, usize)> {
    let store = tandem_server::store::Store::open(db, Some(&key.with_extension("data-key"))).await.unwrap();
    let table = store.read(tandem_server::store::people::assignment_table).await.unwrap();
    table.into_iter().map(|(_, name, workers)| (name, workers.len())).collect()
}
