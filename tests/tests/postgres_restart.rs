//! PostgreSQL stopped and started again under two replicas. In a test binary of its own: it
//! stops the database every other test in its binary would be using. Needs PostgreSQL (its name
//! starts with `two_replicas_`, left to the PostgreSQL pass like those in `replicas.rs`).

use reqwest::StatusCode;
use std::time::Duration;
use tandem_shared::wire::OpStatus;
use tandem_shared::{FieldValue, RecordKind};
use tandem_tests::*;

/// PostgreSQL stopped under load: replicas answer 503 (and say so on /api/health), then recover
/// by themselves when it is back, with nothing acknowledged lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_ride_out_a_postgres_restart_and_lose_nothing_acknowledged() {
    let (Ok(pg_dir), Ok(pg_bin)) = (std::env::var("PG_DIR"), std::env::var("PG_BIN")) else {
        panic!("needs the throwaway cluster from scripts/postgres.sh (PG_DIR, PG_BIN)");
    };
    let pg_ctl = |action: &str| {
        let command = format!("{pg_bin}/pg_ctl -D {pg_dir}/data -l {pg_dir}/log -w -m fast {action} >/dev/null");
        let status = if running_as_root() {
            std::process::Command::new("su").args(["postgres", "-s", "/bin/sh", "-c", &command]).status()
        } else {
            std::process::Command::new("sh").args(["-c", &command]).status()
        };
        assert!(status.unwrap().success(), "pg_ctl {action}");
    };
    let a = TestServer::start().await;
    let b = a.replica().await;
    // Load throughout: phones on both replicas push a new statement, and on any refusal send
    // the same batch again until it is acknowledged.
    let finish = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut loaders = Vec::new();
    for (who, server) in [(KAI, &a), (MO, &b), (KAI, &b), (MO, &a)] {
        let mut phone = server.signed_in(who.0, who.1).await;
        let finish = finish.clone();
        loaders.push(tokio::spawn(async move {
            let (mut acknowledged, mut refused) = (Vec::new(), 0);
            while !finish.load(std::sync::atomic::Ordering::SeqCst) {
                let op =
                    phone.op(new_record(), RecordKind::Statement, phone.me(), vec![FieldValue::Text("load".into())]);
                loop {
                    match phone.try_push(vec![op.clone()]).await {
                        Ok(answer) => {
                            assert_eq!(answer.results[0].status, OpStatus::Applied, "{answer:?}");
                            break;
                        }
                        Err(_) => {
                            refused += 1;
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    }
                }
                acknowledged.push(op.seq);
            }
            (phone.device, acknowledged, refused)
        }));
    }
    let mut phone = a.signed_in(ASH.0, ASH.1).await;
    let ash = phone.me();
    let mut acknowledged = Vec::new();
    for _ in 0..5 {
        let op = phone.op(new_record(), RecordKind::Statement, ash, vec![FieldValue::Text("before".into())]);
        phone.push(vec![op.clone()]).await;
        acknowledged.push(op.record);
    }
    pg_ctl("stop");
    let http = reqwest::Client::new();
    for server in [&a, &b] {
        let health = http.get(format!("{}/api/health", server.base)).send().await.unwrap();
        assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE, "health says the database is gone");
    }
    let during = phone.op(new_record(), RecordKind::Statement, ash, vec![FieldValue::Text("during".into())]);
    let refused = phone.try_push(vec![during.clone()]).await.unwrap_err();
    assert!(refused.starts_with("503"), "a push while the database is down: {refused}");
    assert!(refused.contains("storage_unavailable"), "{refused}");
    pg_ctl("start");
    // Recovery needs no restart of either replica.
    for server in [&a, &b] {
        let mut healthy = false;
        for _ in 0..200 {
            let r = http.get(format!("{}/api/health", server.base)).send().await.unwrap();
            if r.status() == StatusCode::OK {
                healthy = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(healthy, "{} recovered by itself", server.base);
    }
    // The refused push, retried with the same number, lands once; on either replica.
    phone.base = b.base.clone();
    let answer = phone.try_push(vec![during.clone()]).await.expect("the retry lands");
    assert_eq!(answer.results[0].status, OpStatus::Applied);
    acknowledged.push(during.record);
    phone.pull().await;
    for id in &acknowledged {
        assert!(phone.records.contains_key(id), "acknowledged record {id:?} is there");
    }
    finish.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut refusals = 0;
    for loader in loaders {
        let (device, acknowledged, refused) = loader.await.unwrap();
        refusals += refused;
        let stored = a.applied_counts(device).await;
        for seq in &acknowledged {
            assert_eq!(stored.get(seq), Some(&1), "acknowledged operation {seq} is stored once");
        }
        assert_eq!(stored.len(), acknowledged.len(), "nothing applied that wasn't acknowledged in the end");
    }
    assert!(refusals > 0, "the load met the outage");
    b.stop().await;
    a.stop().await;
}

/// Whether this test runs as root (then PostgreSQL's tools run as the `postgres` user).
fn running_as_root() -> bool {
    std::env::var("USER").map(|u| u == "root").unwrap_or(false)
        || std::process::Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0"))
}
