//! The physical limit on this machine: a bare rusqlite loop that writes as many rows, of the same
//! total size, with the same durability (WAL, `synchronous=FULL`) and the same number of commits
//! as Tandem did in a load run, and does nothing else. Tandem's time ÷ this time is the fraction
//! of the disk-and-SQLite limit it reaches, a figure that carries from one machine to another.

use std::path::Path;
use std::time::{Duration, Instant};

/// The rows a run wrote to the tables a push writes, and their total size in bytes.
pub struct Written {
    pub rows: u64,
    pub bytes: u64,
}

/// Counts the rows of the push path's tables in a Tandem database, and their bytes.
pub fn written(db: &Path) -> Result<Written, String> {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| e.to_string())?;
    let tables = [
        (
            "records",
            "length(id) + length(owner_id) + length(kind) + length(created_by) + length(created_stamp) + length(visibility) + length(widest_visibility) + length(body) + 24",
        ),
        ("applied_batches", "length(device_id) + length(results) + 16"),
        ("access_log", "length(young_person_id) + length(actor_id) + length(action) + 24"),
    ];
    let (mut rows, mut bytes) = (0u64, 0u64);
    for (table, size) in tables {
        let (n, b): (i64, i64) = conn
            .query_row(&format!("SELECT count(*), coalesce(sum({size}), 0) FROM {table}"), [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(|e| e.to_string())?;
        rows += n as u64;
        bytes += b as u64;
    }
    Ok(Written { rows, bytes })
}

/// Writes `rows` rows of `bytes` in total in `commits` commits into a fresh database in `dir`,
/// one row per primary-key insert, and returns how long it took.
pub fn bare_loop(dir: &Path, rows: u64, bytes: u64, commits: u64) -> Result<Duration, String> {
    let path = dir.join("ceiling.db");
    let _ = std::fs::remove_file(&path);
    let mut conn = rusqlite::Connection::open(&path).map_err(|e| e.to_string())?;
    let err = |e: rusqlite::Error| e.to_string();
    conn.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
    conn.pragma_update(None, "synchronous", "FULL").map_err(err)?;
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)", []).map_err(err)?;
    let size = (bytes / rows.max(1)) as usize;
    let per_commit = rows.div_ceil(commits.max(1)).max(1);
    // Not all zeros, so nothing compresses or short-cuts.
    let payload: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
    let started = Instant::now();
    let mut written = 0;
    while written < rows {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(err)?;
        {
            let mut insert = tx.prepare_cached("INSERT INTO t (payload) VALUES (?1)").map_err(err)?;
            for _ in 0..per_commit.min(rows - written) {
                insert.execute([&payload]).map_err(err)?;
                written += 1;
            }
        }
        tx.commit().map_err(err)?;
    }
    let took = started.elapsed();
    drop(conn);
    let _ = std::fs::remove_file(&path);
    Ok(took)
}
