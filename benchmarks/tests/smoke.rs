//! The load generator, small and short, so it cannot rot: every acknowledged operation must be
//! in the database exactly once. Asserts correctness, never speed.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_load_is_fully_acknowledged_and_every_acknowledged_operation_is_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tandem.db");
    let fleet = tandem_bench::prepare(&db, 9, 2);
    let state =
        tandem_server::open_state(&db.display().to_string(), None, None, None, Default::default()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(tandem_server::serve(listener, state, async {
        let _ = rx.await;
    }));

    // Devices start at random moments within 0.3 s, so the staggered-arrival path runs too.
    let report =
        tandem_bench::run(std::slice::from_ref(&base), &fleet, 10, 3, 20, std::time::Duration::from_millis(300)).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.devices, 10);
    assert!(report.ops_sent >= 9 * 3 * 20);
    assert_eq!(report.ops_acknowledged, report.ops_sent, "every valid operation was acknowledged");
    assert!(report.sse_connections >= 1);
    tandem_bench::verify_acknowledged(&db, &report.acknowledged).unwrap();

    let _ = tx.send(());
    let _ = server.await;
}
