//! `tandem subject-access`: everything held about one person, in a file the service can read and
//! send, on either backend: their words (private, deleted and kept ones too), who worked with
//! them, their alerts, who read their things, their devices and the audit log; the copy itself
//! logged; nobody else's words in a copy of a staff member.

use reqwest::{Method, StatusCode};
use serde_json::json;
use tandem_shared::{FieldName, FieldValue, RecordKind, Visibility};
use tandem_tests::*;

fn subject_access(server: &TestServer, person: &str, to: &std::path::Path) -> (bool, String) {
    let out = std::process::Command::new(tandem_binary())
        .args(["--db", &server.db, "--data-key-file"])
        .arg(server.data_key_path())
        .args(["subject-access", "--person", person, "--to"])
        .arg(to)
        .env("TANDEM_LOG", "error")
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
}

#[tokio::test]
async fn a_copy_of_everything_held_about_a_young_person_holds_their_words_and_who_saw_them_and_is_logged() {
    let server = TestServer::start().await;
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    let mut sam = server.signed_in(SAM.0, SAM.1).await;
    let ash = phone.me();

    // A goal both change at once: Ash's words win, Sam's are kept.
    let goal = new_record();
    let made = phone.op(
        goal,
        RecordKind::Goal,
        ash,
        vec![FieldValue::Title("Pass my theory test".into()), FieldValue::Visibility(Visibility::Worker)],
    );
    phone.push(vec![made]).await;
    sam.pull().await;
    let sams = sam.op(goal, RecordKind::Goal, ash, vec![FieldValue::Title("Book the theory test".into())]);
    let ashs = phone.op(goal, RecordKind::Goal, ash, vec![FieldValue::Title("Pass my theory test in May".into())]);
    sam.push(vec![sams]).await;
    phone.push(vec![ashs]).await;
    sam.pull().await;
    assert_eq!(sam.text_of(goal, FieldName::Title), Some(FieldValue::Title("Pass my theory test in May".into())));
    // Something only for Ash, and something Ash deleted.
    let private = new_record();
    let note =
        phone.op(private, RecordKind::Statement, ash, vec![FieldValue::Text("Only mine: the bus scares me".into())]);
    let gone = new_record();
    let written = phone.op(gone, RecordKind::Strength, ash, vec![FieldValue::Text("Thrown away words".into())]);
    phone.push(vec![note, written]).await;
    let deleted = phone.op(gone, RecordKind::Strength, ash, vec![FieldValue::Deleted(true)]);
    phone.push(vec![deleted]).await;
    let (status, _) =
        phone.call(Method::POST, "/api/alerts", Some(json!({"id": uuid::Uuid::now_v7(), "raised_at": now_ms()}))).await;
    assert_eq!(status, StatusCode::OK);

    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("ash.txt");
    let (ok, said) = subject_access(&server, "ash", &to);
    assert!(ok, "{said}");
    let copy = std::fs::read_to_string(&to).unwrap();
    for held in [
        "Everything Tandem holds about ash",
        "Sign-in name: ash",
        "Last used Tandem (signed in, or renewed a sign-in): ",
        "Sam (key worker), since ",
        "Title (them, ",
        "): Pass my theory test in May",
        "Title (kept (a version that lost to another), Sam (key worker), ",
        "): Book the theory test",
        "Only mine: the bus scares me",
        "Who can see it: only them",
        "; deleted ",
        "Thrown away words",
        "not seen yet",
        "Sam (key worker) read ",
        "the server, saved everything held about them (a subject access request)",
    ] {
        assert!(copy.contains(held), "{held:?} in:\n{copy}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&to).unwrap().permissions().mode() & 0o777, 0o600, "only its owner reads it");
    }

    // Ash sees that a copy was made, beside Sam's looks (it may have been asked for on their behalf).
    let (_, seen) = phone.call(Method::GET, "/api/me/access-log", None).await;
    let copy_made = &seen[0];
    assert_eq!((copy_made["action"].as_str(), copy_made["role"].as_str()), (Some("copy"), Some("service")), "{seen}");
    // The demo's five things of Ash's, and the three above.
    assert!(copy_made["who"].is_null() && copy_made["records"] == 8, "{seen}");
    assert!(seen.as_array().unwrap().iter().any(|e| e["action"] == "read" && e["who_name"] == "Sam"), "{seen}");
    assert!(copy.contains("the service made a copy of everything held about them (8 of their things)"), "{copy}");

    // The copy is in the audit log the admins read.
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let (_, audit) = admin.call(Method::GET, &format!("/api/admin/audit?person={ash}"), None).await;
    assert_eq!(audit[0]["action"], "saved everything held about them (a subject access request)", "{audit}");

    // A file already there is kept as it was; someone unknown is said so, and no file is left.
    let (ok, said) = subject_access(&server, "ash", &to);
    assert!(!ok && said.contains("is there already"), "{said}");
    assert_eq!(std::fs::read_to_string(&to).unwrap(), copy);
    let nobody = dir.path().join("nobody.txt");
    let (ok, said) = subject_access(&server, "nobody-here", &nobody);
    assert!(!ok && said.contains("nobody is called"), "{said}");
    assert!(!nobody.exists());

    // A copy about Sam says what is held about Sam, and holds none of Ash's words.
    let sams_copy = dir.path().join("sam.txt");
    let (ok, said) = subject_access(&server, "sam", &sams_copy);
    assert!(ok, "{said}");
    let about_sam = std::fs::read_to_string(&sams_copy).unwrap();
    assert!(about_sam.contains("Role: key worker") && about_sam.contains("signed in "), "{about_sam}");
    for not_theirs in ["theory test", "Only mine", "Thrown away"] {
        assert!(!about_sam.contains(not_theirs), "{not_theirs:?} in:\n{about_sam}");
    }
    let [copies] = server.numbers(["SELECT count(*) FROM copies_made"]).await;
    assert_eq!(copies, 1, "noted for the young person only");

    // Erased, the note of the copy goes with everything else of Ash's.
    let (status, body) = phone.call(Method::POST, "/api/me/erasure", Some(json!({"now": true}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let [copies] = server.numbers(["SELECT count(*) FROM copies_made"]).await;
    assert_eq!(copies, 0);
    server.stop().await;
}
