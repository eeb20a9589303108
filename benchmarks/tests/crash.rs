//! A short crash test (a few SIGKILL cycles of the real debug binary) in the normal suite.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_server_mid_load_loses_no_acknowledged_operation_and_retries_converge() {
    // The tandem binary sits beside this test's deps folder: target/debug/tandem.
    let exe = std::env::current_exe().unwrap();
    let tandem = exe.parent().and_then(|d| d.parent()).unwrap().join("tandem");
    assert!(tandem.exists(), "build the server first: {}", tandem.display());
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let fleet = tandem_bench::prepare(&db, 6, 1);
    let r = tandem_bench::crash::run(&tandem, &db, &fleet, 6, 4, 42).await;
    println!(
        "crash test: {} cycles, {} acknowledged, {} lost, {} duplicated, {} integrity failures",
        r.cycles, r.acknowledged, r.lost, r.duplicated, r.integrity_failures
    );
    assert_eq!(r.cycles, 4);
    assert!(r.acknowledged > 0, "some work was acknowledged");
    assert_eq!((r.lost, r.duplicated, r.integrity_failures), (0, 0, 0));
}
