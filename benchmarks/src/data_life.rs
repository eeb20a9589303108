//! Figures for protecting a young person's data: whether sign-in time gives away which names
//! exist, and what sealing words at rest costs.

use crate::server::{Server, free_port};
use crate::{ms, percentile, prepare};
use std::path::Path;
use std::time::{Duration, Instant};
use tandem_server::store::seal::{Keyring, Stored};

/// Tries of each kind of name.
pub const TRIES: usize = 20;

pub struct SigninTimes {
    pub known_ms: f64,
    pub unknown_ms: f64,
}

impl SigninTimes {
    /// Median time for an unknown name ÷ for a known one (goal: 0.9–1.1).
    pub fn ratio(&self) -> f64 {
        self.unknown_ms / self.known_ms
    }
}

/// `TRIES` real names (each has a PIN and is tried once with a wrong one) and `TRIES` names
/// nobody has, taken in turn against the real server. Every try is refused; only time differs.
pub async fn signin_times(tandem: &Path, dir: &Path) -> Result<SigninTimes, String> {
    let db = dir.join("signin.db");
    let _ = prepare(&db, TRIES, 1);
    let hash = tandem_server::auth::passwords::hash("6159").map_err(|e| e.to_string())?;
    let conn = rusqlite::Connection::open(&db).map_err(|e| e.to_string())?;
    conn.execute("UPDATE people SET secret_hash = ?1 WHERE role = 'young_person'", [hash])
        .map_err(|e| e.to_string())?;
    drop(conn);
    let port = free_port();
    let server = Server::start(tandem, &db, port).await;
    let http = reqwest::Client::new();
    let try_once = |name: String| {
        let (http, base) = (http.clone(), server.base.clone());
        async move {
            let body = serde_json::json!({"name": name, "secret": "0000", "device": uuid::Uuid::now_v7()});
            let started = Instant::now();
            let resp =
                http.post(format!("{base}/api/auth/sign-in")).json(&body).send().await.map_err(|e| e.to_string())?;
            let took = started.elapsed();
            if resp.status() != reqwest::StatusCode::UNAUTHORIZED {
                return Err(format!("a wrong PIN for {name} was answered {}", resp.status()));
            }
            Ok::<Duration, String>(took)
        }
    };
    // One of each first, so neither kind pays for a cold start.
    try_once("warm-up-known".into()).await?;
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..TRIES {
        known.push(try_once(format!("young{i}")).await?);
        unknown.push(try_once(format!("nobody-called-{i}")).await?);
    }
    server.terminate().await;
    known.sort();
    unknown.sort();
    Ok(SigninTimes { known_ms: ms(percentile(&known, 0.5)), unknown_ms: ms(percentile(&unknown, 0.5)) })
}

pub struct SealCost {
    pub seal_us: f64,
    pub open_us: f64,
    pub plain_bytes: usize,
    pub sealed_bytes: usize,
}

/// Sealing and opening a typical record's body (AES-256-GCM, as the server does for every
/// record it writes or reads): a statement with its words, meeting, audience and the
/// record's "deleted" and "accepted" flags, in the stored form (store::encode), on one core.
pub fn seal_cost(dir: &Path) -> Result<SealCost, String> {
    const N: u32 = 20_000;
    let keys = Keyring::open(&dir.join("seal-bench.data-key"), false).map_err(|e| e.to_string())?;
    let record = uuid::Uuid::now_v7().to_string();
    let stamp = r#"1796029557494,0,"01a22bb4-2ace-73b7-983c-c80ca0a41e60",null,"01a22bb4-2aa2-7499-bbd5-46cf290ffa91","young_person",null"#;
    let fields = [
        r#"{"field":"text","value":"I want you to know that I find mornings hard and I do better when you text before you come round"}"#,
        r#"{"field":"meeting","value":"Review"}"#,
        r#"{"field":"visibility","value":"worker"}"#,
        r#"{"field":"deleted","value":false}"#,
        r#"{"field":"accepted","value":true}"#,
    ];
    let plain = format!("[[{}],[]]", fields.map(|f| format!("[{f},{stamp}]")).join(","));
    let started = Instant::now();
    // As SQLite keeps them (bytes; PostgreSQL's text adds base64 each way).
    let mut sealed = Vec::new();
    for _ in 0..N {
        sealed = keys.seal(&plain, &record).map_err(|e| e.to_string())?.into_bytes();
    }
    let seal_us = started.elapsed().as_secs_f64() * 1e6 / f64::from(N);
    let started = Instant::now();
    for _ in 0..N {
        let opened = keys.unseal(Stored::Bytes(&sealed), &record).map_err(|e| e.to_string())?;
        if opened.len() != plain.len() {
            return Err("a sealed value did not open to what was sealed".into());
        }
    }
    let open_us = started.elapsed().as_secs_f64() * 1e6 / f64::from(N);
    Ok(SealCost { seal_us, open_us, plain_bytes: plain.len(), sealed_bytes: sealed.len() })
}

/// Young people in the start-up figure, and ended sessions the ledger notes for each (visits on
/// a shared tablet, each ended at sign-out).
pub const LEDGER_YOUNG: usize = 2_000;
const SESSIONS_EACH: usize = 10;
const STARTS: usize = 3;

pub struct StartTimes {
    pub lines: usize,
    /// Median time from starting the process to its first healthy answer.
    pub without_ms: f64,
    pub with_ms: f64,
}

/// What the ledger costs a start: the same database of `LEDGER_YOUNG` young people started
/// `STARTS` times with no ledger, then with one noting a service's lifetime of decisions about
/// each (assigned, kept their account, signed out everywhere, a new PIN, ten ended sessions), all
/// already true in the database, as at any start but the first after a restore. Every start
/// checks each decision against the database before it serves. `db`: a SQLite path or an empty
/// PostgreSQL database's URL.
pub async fn start_with_ledger(tandem: &Path, db: &str, dir: &Path, name: &str) -> Result<StartTimes, String> {
    use tandem_server::ledger::{Decision, Entry, Ledger};
    let (key, data_key) = (dir.join(format!("{name}.key")), dir.join(format!("{name}.data-key")));
    let _ = std::fs::remove_file(Ledger::beside(&data_key).path());
    let long_ago = tandem_server::store::now_ms() - 3_600_000;
    let fleet = crate::prepare_in(db, &key, Some(&data_key), LEDGER_YOUNG, 20);
    let without_ms = median_start(tandem, db, &key, &data_key).await?;

    let mut entries = Vec::new();
    for (i, young) in fleet.young.iter().enumerate() {
        let (yp, worker) = (young.id, fleet.workers[i % fleet.workers.len()].id);
        // Before their sessions began, so signing out everywhere ends none of today's.
        let at = long_ago + i as i64;
        for decision in [
            Decision::Assigned { worker, young_person: yp },
            Decision::Kept(yp),
            Decision::SignedOutEverywhere(yp),
            Decision::NewSecret(yp),
        ] {
            entries.push(Entry { decision, at });
        }
        for _ in 0..SESSIONS_EACH {
            entries.push(Entry { decision: Decision::SessionEnded(uuid::Uuid::now_v7()), at });
        }
    }
    Ledger::beside(&data_key).record(&entries).map_err(|e| e.to_string())?;
    let with_ms = median_start(tandem, db, &key, &data_key).await?;
    Ok(StartTimes { lines: entries.len(), without_ms, with_ms })
}

async fn median_start(tandem: &Path, db: &str, key: &Path, data_key: &Path) -> Result<f64, String> {
    let mut took = Vec::new();
    for _ in 0..STARTS {
        let port = free_port();
        let mut cmd = tokio::process::Command::new(tandem);
        cmd.arg("--db").arg(db).arg("--data-key-file").arg(data_key);
        cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--key-file"]).arg(key);
        let started = Instant::now();
        let server = Server::spawn(cmd, port).await?;
        took.push(started.elapsed());
        server.terminate().await;
    }
    took.sort();
    Ok(ms(percentile(&took, 0.5)))
}
