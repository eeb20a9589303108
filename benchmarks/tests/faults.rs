//! The fault tests against the real debug binary (see `tandem_bench::faults`).

use std::path::PathBuf;

fn tandem() -> PathBuf {
    // The tandem binary sits beside this test's deps folder: target/debug/tandem.
    let exe = std::env::current_exe().unwrap();
    let tandem = exe.parent().and_then(|d| d.parent()).unwrap().join("tandem");
    assert!(tandem.exists(), "build the server first: {}", tandem.display());
    tandem
}

async fn check(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    match tandem_bench::faults::run(name, &tandem(), dir.path()).await {
        Ok(figures) => println!("{name}: {figures}"),
        Err(failure) => panic!("{name}: {failure}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_lost_after_commit_is_retried_and_applied_once() {
    check("dropped-responses").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_duplicated_and_out_of_order_apply_once_in_device_order() {
    check("duplicated-reordered").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_clocks_a_day_fast_or_slow_neither_win_unfairly_nor_lose_words() {
    check("clock-skew").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_listeners_reconnect_after_restarts_and_miss_nothing() {
    check("restart-listeners").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_pushes_clearly_and_recovers_when_space_returns() {
    check("disk-full").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_database_is_refused_plainly_and_serves_once_writable() {
    check("read-only").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_load_holds_everything_acknowledged_before_it() {
    check("backup-under-load").await;
}
