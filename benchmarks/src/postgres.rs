//! The load test against PostgreSQL, with one and with two `tandem serve` replicas behind a
//! (client-side) round robin, on the same workload as the SQLite rows.

use crate::server::{Server, free_port};
use crate::{ms, percentile, prepare_in, run, verify_acknowledged_in};
use std::path::Path;
use std::time::Duration;
use tokio::process::Command;

pub struct PgRow {
    pub replicas: usize,
    pub n: usize,
    pub ops: usize,
    pub ops_per_sec: f64,
    pub push: [f64; 3],
    pub pull: [f64; 3],
    /// CPU seconds of all replicas together per wall second (PostgreSQL's own not included).
    pub tandem_cores: f64,
    pub errors: usize,
}

async fn psql(server: &str, sql: &str) -> Result<(), String> {
    let bin =
        std::env::var("PG_BIN").map_err(|_| "PG_BIN names PostgreSQL's tools (scripts/postgres.sh)".to_owned())?;
    let out = Command::new(format!("{bin}/psql"))
        .args([&format!("{server}/postgres"), "-qc", sql])
        .output()
        .await
        .map_err(|e| e.to_string())?;
    if out.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) }
}

/// A new empty database `name` on `server` (dropped first if a run before left it): its URL.
pub async fn fresh_database(server: &str, name: &str) -> Result<String, String> {
    psql(server, &format!("DROP DATABASE IF EXISTS {name}")).await?;
    psql(server, &format!("CREATE DATABASE {name}")).await?;
    Ok(format!("{server}/{name}"))
}

pub async fn drop_database(server: &str, name: &str) -> Result<(), String> {
    psql(server, &format!("DROP DATABASE IF EXISTS {name}")).await
}

/// `n` devices (as in the SQLite rows: 9 phones to 1 worker laptop) on `replicas` replicas of one
/// fresh database on the PostgreSQL server `server` (`postgres://user@host:port`).
pub async fn load(tandem: &Path, server: &str, dir: &Path, replicas: usize, n: usize) -> Result<PgRow, String> {
    let name = format!("tandem_bench_{replicas}_{n}_{}", std::process::id());
    let url = fresh_database(server, &name).await?;
    let (key, data_key) = (dir.join(format!("{name}.key")), dir.join(format!("{name}.data-key")));
    let fleet = prepare_in(&url, &key, Some(&data_key), 900, 100);
    let mut servers = Vec::new();
    for _ in 0..replicas {
        let port = free_port();
        let mut cmd = Command::new(tandem);
        cmd.arg("--db").arg(&url).arg("--data-key-file").arg(&data_key);
        cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--key-file"]).arg(&key);
        servers.push(Server::spawn(cmd, port).await?);
    }
    let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();
    let cpu_before: f64 = servers.iter().map(Server::cpu_secs).sum();
    let report = run(&bases, &fleet, n, 5, 20, Duration::ZERO).await;
    let cpu = servers.iter().map(Server::cpu_secs).sum::<f64>() - cpu_before;
    let mut kinds: Vec<&String> = report.errors.iter().collect();
    kinds.sort();
    kinds.dedup();
    for e in kinds.iter().take(3) {
        eprintln!("  error ({replicas} replicas, N={n}): {e}");
    }
    for s in servers {
        s.terminate().await;
    }
    verify_acknowledged_in(&url, &data_key, &report.acknowledged).await?;
    drop_database(server, &name).await?;
    let (mut push, mut pull) = (report.push_latencies.clone(), report.pull_latencies.clone());
    push.sort();
    pull.sort();
    let p = |v: &[Duration]| [ms(percentile(v, 0.5)), ms(percentile(v, 0.95)), ms(percentile(v, 0.99))];
    Ok(PgRow {
        replicas,
        n: report.devices,
        ops: report.ops_acknowledged,
        ops_per_sec: report.ops_acknowledged as f64 / report.wall.as_secs_f64(),
        push: p(&push),
        pull: p(&pull),
        tandem_cores: cpu / report.wall.as_secs_f64(),
        errors: report.errors.len(),
    })
}
