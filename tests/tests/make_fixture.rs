//! Makes tests/fixtures/schema-13 (run once, at the schema it names; see its README).

use tandem_shared::{FieldValue, RecordKind, Visibility};
use tandem_tests::*;

#[tokio::test]
async fn make_upgrade_fixture() {
    let Ok(out) = std::env::var("TANDEM_WRITE_UPGRADE_FIXTURE") else { return };
    let server = TestServer::start().await;
    let mut ash_phone = server.signed_in(ASH.0, ASH.1).await;
    let mut sam = server.signed_in(SAM.0, SAM.1).await;
    let ash = ash_phone.me();
    let goal = new_record();
    let op = ash_phone.op(
        goal,
        RecordKind::Goal,
        ash,
        vec![FieldValue::Title("Get a bike".into()), FieldValue::Visibility(Visibility::Worker)],
    );
    ash_phone.push(vec![op]).await;
    sam.pull().await;
    ash_phone.pull().await;
    let from_sam = sam.op(goal, RecordKind::Goal, ash, vec![FieldValue::Title("Get a bike for college".into())]);
    let from_ash = ash_phone.op(
        goal,
        RecordKind::Goal,
        ash,
        vec![FieldValue::Title("Get a bike, a blue one".into()), FieldValue::Why("To get about".into())],
    );
    sam.push(vec![from_sam]).await;
    ash_phone.push(vec![from_ash]).await;
    let gone = new_record();
    let make = ash_phone.op(gone, RecordKind::Strength, ash, vec![FieldValue::Text("A thing I took back".into())]);
    let delete = ash_phone.op(gone, RecordKind::Strength, ash, vec![FieldValue::Deleted(true)]);
    ash_phone.push(vec![make, delete]).await;

    let mut ash_new = server.signed_in(ASH.0, ASH.1).await;
    let mut sam_new = server.signed_in(SAM.0, SAM.1).await;
    ash_new.pull().await;
    sam_new.pull().await;
    let pulls = serde_json::json!({
        "ash": ash_new.records.values().collect::<Vec<_>>(),
        "sam": sam_new.records.values().collect::<Vec<_>>(),
    });
    let out = std::path::PathBuf::from(out).join(if postgres_server().is_some() { "postgres" } else { "sqlite" });
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("pulls.json"), serde_json::to_string_pretty(&pulls).unwrap()).unwrap();
    std::fs::copy(server.key_path(), out.join("tandem.db.key")).unwrap();
    std::fs::copy(server.data_key_path(), out.join("tandem.db.data-key")).unwrap();
    if postgres_server().is_some() {
        let pg_bin = std::env::var("PG_BIN").unwrap();
        let dump = std::process::Command::new(format!("{pg_bin}/pg_dump"))
            .args(["--no-owner", "--no-privileges"])
            .arg(&server.db)
            .output()
            .unwrap();
        assert!(dump.status.success());
        std::fs::write(out.join("dump.sql"), dump.stdout).unwrap();
    } else {
        let target = out.join("tandem.db");
        let _ = std::fs::remove_file(&target);
        let target_text = target.display().to_string();
        server
            .store
            .read(move |db| {
                db.execute(&format!("VACUUM INTO '{target_text}'"), &[])?;
                Ok(())
            })
            .await
            .unwrap();
    }
    server.stop().await;
}
