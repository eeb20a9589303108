//! Crash test: the real server is killed with SIGKILL at random moments under load and started
//! again. After each restart every operation it had acknowledged must be stored exactly once and
//! the database must pass `PRAGMA integrity_check`; devices then retry what was not acknowledged,
//! with the same operation numbers, and everything converges.

use crate::server::{Server, free_port};
use crate::{Device, Fleet};
use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;
use tandem_shared::wire::Operation;
use tandem_shared::{DeviceId, PersonId};

pub struct CrashReport {
    pub cycles: usize,
    pub acknowledged: usize,
    pub lost: usize,
    pub duplicated: usize,
    pub integrity_failures: usize,
}

/// Counts how often each acknowledged operation is stored, and checks integrity.
fn check(db: &Path, acknowledged: &HashSet<(DeviceId, u64)>) -> (usize, usize, bool) {
    let ok = crate::integrity(db).is_ok();
    let counts = crate::applied_runs(db).expect("read the kept runs");
    let (mut lost, mut duplicated) = (0, 0);
    for (device, seq) in acknowledged {
        match counts.get(&(device.to_string(), *seq)).copied().unwrap_or(0) {
            0 => lost += 1,
            1 => {}
            _ => duplicated += 1,
        }
    }
    (lost, duplicated, ok)
}

/// Runs `cycles` kill-and-restart cycles with `devices` phones pushing continuously.
pub async fn run(tandem: &Path, db: &Path, fleet: &Fleet, devices: usize, cycles: usize, seed: u64) -> CrashReport {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let mut phones: Vec<(Device, PersonId, Vec<Operation>)> =
        fleet.young.iter().take(devices).map(|p| (Device::new(&http, &base, &p.token), p.id, Vec::new())).collect();
    let mut acknowledged: HashSet<(DeviceId, u64)> = HashSet::new();
    let mut report = CrashReport { cycles: 0, acknowledged: 0, lost: 0, duplicated: 0, integrity_failures: 0 };
    let mut rng = seed.max(1);
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for _cycle in 0..cycles {
        let server = Server::start(tandem, db, port).await;
        let kill_after = Duration::from_millis(50 + next() % 400);
        let deadline = tokio::time::Instant::now() + kill_after;
        // Every phone keeps pushing: first whatever was not acknowledged, then new work.
        let mut tasks = Vec::new();
        for (mut dev, owner, mut pending) in phones.drain(..) {
            tasks.push(tokio::spawn(async move {
                let mut acked = Vec::new();
                while tokio::time::Instant::now() < deadline + Duration::from_millis(200) {
                    if pending.is_empty() {
                        pending = crate::night_offline(&mut dev, owner, 10).0;
                    }
                    match dev.push(pending.clone()).await {
                        Ok((answer, _)) => {
                            acked.extend(crate::acknowledged(&answer).map(|seq| (dev.id, seq)));
                            pending.retain(|op| op.seq > answer.last_applied);
                        }
                        Err(_) => break,
                    }
                }
                (dev, owner, pending, acked)
            }));
        }
        tokio::time::sleep_until(deadline).await;
        server.kill().await;
        for t in tasks {
            let (dev, owner, pending, acked) = t.await.expect("phone");
            acknowledged.extend(acked);
            phones.push((dev, owner, pending));
        }
        report.cycles += 1;
        let (lost, duplicated, ok) = check(db, &acknowledged);
        report.lost = report.lost.max(lost);
        report.duplicated = report.duplicated.max(duplicated);
        if !ok {
            report.integrity_failures += 1;
        }
    }
    // Signal returns for good: every phone's retries go through, with the same numbers.
    let server = Server::start(tandem, db, port).await;
    for (dev, _, pending) in &mut phones {
        for _ in 0..5 {
            if pending.is_empty() {
                break;
            }
            if let Ok((answer, _)) = dev.push(pending.clone()).await {
                acknowledged.extend(crate::acknowledged(&answer).map(|seq| (dev.id, seq)));
                pending.retain(|op| op.seq > answer.last_applied);
            }
        }
        report.lost += pending.len();
    }
    server.kill().await;
    let (lost, duplicated, ok) = check(db, &acknowledged);
    report.lost = report.lost.max(lost);
    report.duplicated = report.duplicated.max(duplicated);
    if !ok {
        report.integrity_failures += 1;
    }
    report.acknowledged = acknowledged.len();
    report
}
