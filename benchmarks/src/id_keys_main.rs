//! `tandem-id-keys`: what storing ids as 16-byte blobs instead of 36-character text would buy the
//! push path's record writes in SQLite, before anyone rewrites the store for it. It writes the
//! `records` table as the server does (same columns, indexes, foreign key to `people`, pragmas)
//! with both kinds of key, in turn, and prints the time per record write.
//!
//! `cargo run --release -p tandem-bench --bin tandem-id-keys` (`BODY=1200` for another body size
//! in bytes). Durability is off (`synchronous = OFF`) so the figure is SQLite's CPU per write, not
//! the disk's flush.

use rusqlite::types::Value;
use rusqlite::{Connection, params};
use std::time::Instant;

const WRITES_PER_COMMIT: u64 = 150;
const COMMITS: u64 = 40;
const OWNERS: u64 = 1_000;
const ROUNDS: usize = 7;

fn key(i: u64, blob: bool) -> Value {
    let bytes = uuid::Uuid::from_u64_pair(i.wrapping_mul(0x9E37_79B9_7F4A_7C15), i ^ 0xDEAD_BEEF);
    if blob { Value::Blob(bytes.as_bytes().to_vec()) } else { Value::Text(bytes.to_string()) }
}

/// Microseconds per record write: `stored` records to start with, then a third new records and
/// two thirds edits (new body, next change number), as pushes do.
fn run(dir: &std::path::Path, blob: bool, stored: u64) -> rusqlite::Result<f64> {
    let path = dir.join(format!("ids-{blob}-{stored}.db"));
    let _ = std::fs::remove_file(&path);
    let mut conn = Connection::open(&path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.pragma_update(None, "cache_size", -32_000)?;
    let ty = if blob { "BLOB" } else { "TEXT" };
    conn.execute_batch(&format!(
        "CREATE TABLE people (id {ty} PRIMARY KEY, name TEXT NOT NULL);
         CREATE TABLE records (id {ty} PRIMARY KEY, owner_id {ty} NOT NULL REFERENCES people(id),
             kind TEXT NOT NULL, created_by TEXT NOT NULL, created_stamp TEXT NOT NULL,
             owner_touched INTEGER NOT NULL, visibility TEXT NOT NULL, widest_visibility TEXT NOT NULL,
             deleted INTEGER NOT NULL, changed_seq INTEGER NOT NULL, body TEXT);
         CREATE INDEX records_by_owner_change ON records(owner_id, changed_seq);
         CREATE INDEX records_team_by_change ON records(changed_seq) WHERE widest_visibility = 'team';"
    ))?;
    let total = stored + COMMITS * WRITES_PER_COMMIT;
    let ids: Vec<Value> = (0..total).map(|i| key(i, blob)).collect();
    let owners: Vec<Value> = (0..OWNERS).map(|i| key(1 << 40 | i, blob)).collect();
    // A sealed body's size in the load runs (base64 of ~1,200 bytes).
    let body = "x".repeat(std::env::var("BODY").ok().and_then(|v| v.parse().ok()).unwrap_or(1_600));
    let insert = "INSERT INTO records VALUES (?1, ?2, 'goal', '{\"role\":\"young_person\"}', '{\"hlc\":1}', 1, 'key_worker', 'key_worker', 0, ?3, ?4)";
    let tx = conn.transaction()?;
    for (i, owner) in owners.iter().enumerate() {
        tx.execute("INSERT INTO people VALUES (?1, ?2)", params![owner, format!("person {i}")])?;
    }
    for i in 0..stored {
        tx.execute(insert, params![ids[i as usize], owners[(i % OWNERS) as usize], i as i64, body])?;
    }
    tx.commit()?;
    let (mut seq, mut next) = (stored as i64, stored);
    let started = Instant::now();
    for commit in 0..COMMITS {
        let tx = conn.transaction()?;
        for k in 0..WRITES_PER_COMMIT {
            seq += 1;
            if k % 3 == 0 {
                let owner = &owners[(next % OWNERS) as usize];
                tx.prepare_cached(insert)?.execute(params![ids[next as usize], owner, seq, body])?;
                next += 1;
            } else {
                let target = (commit * 7_919 + k * 104_729) % next;
                tx.prepare_cached("UPDATE records SET changed_seq = ?2, body = ?3 WHERE id = ?1")?.execute(params![
                    ids[target as usize],
                    seq,
                    body
                ])?;
            }
        }
        tx.commit()?;
    }
    let took = started.elapsed();
    drop(conn);
    let _ = std::fs::remove_file(&path);
    Ok(took.as_secs_f64() * 1e6 / (COMMITS * WRITES_PER_COMMIT) as f64)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> rusqlite::Result<()> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    println!(
        "{} cores; {COMMITS} commits of {WRITES_PER_COMMIT} record writes, {ROUNDS} rounds in turn, medians",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    for stored in [2_000, 20_000] {
        let (mut text, mut blob) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            text.push(run(dir.path(), false, stored)?);
            blob.push(run(dir.path(), true, stored)?);
        }
        let (t, b) = (median(text), median(blob));
        println!(
            "{stored} records stored: text ids {t:.1} µs per write, 16-byte ids {b:.1} µs ({:+.0}%)",
            (b / t - 1.0) * 100.0
        );
    }
    Ok(())
}
