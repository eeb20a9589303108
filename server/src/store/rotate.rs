//! `tandem rotate-key`: every stored word re-sealed under a new data key while servers serve.
//!
//! 1. A new key is added to the key file and becomes the one new writes use. Servers look at
//!    the file every second, so after a few seconds every replica seals with it.
//! 2. One pass in key order re-seals every value not under the new key (plain values from before
//!    encryption too), a batch per transaction. A value changed meanwhile is left alone: whoever
//!    changed it sealed it under the new key.
//! 3. Passes repeat until none is left under an old key (a replica slow to notice the new key
//!    could still have written one), then the old keys are taken out of the file.

use super::Store;
use super::sql::{Db, Value};
use crate::error::{ApiError, Result};
use std::time::Duration;

/// Values re-sealed in one transaction.
const BATCH: i64 = 200;
/// Tries of one batch while the database is busy: a minute at 200 ms apart.
const BUSY_RETRIES: u32 = 300;
/// Long enough for every server to have read the key file again (they look every second).
const NOTICE: Duration = Duration::from_secs(3);

/// The two tables that hold sealed values, with their keys.
struct Table {
    select: &'static str,
    update: &'static str,
    key_columns: usize,
}

const TABLES: [Table; 2] = [
    Table {
        // ?3 is not a key here; it is named so every batch binds the same parameters.
        select: "SELECT record_id, name, state FROM fields WHERE (record_id, name) > (?1, ?2) AND CAST(?3 AS TEXT) IS NOT NULL
                 ORDER BY record_id, name LIMIT ?4",
        update: "UPDATE fields SET state = ?3 WHERE record_id = ?1 AND name = ?2 AND state = ?4",
        key_columns: 2,
    },
    Table {
        select: "SELECT record_id, field, stamp, state FROM conflicts WHERE (record_id, field, stamp) > (?1, ?2, ?3)
                 ORDER BY record_id, field, stamp LIMIT ?4",
        update: "UPDATE conflicts SET state = ?4 WHERE record_id = ?1 AND field = ?2 AND stamp = ?3 AND state = ?5",
        key_columns: 3,
    },
];

/// Adds a new key, re-seals everything under it, retires the old keys. Returns how many values
/// were re-sealed.
pub async fn rotate_key(store: &Store) -> Result<u64> {
    let keys = store.keyring().clone();
    let internal = |e: super::StoreError| ApiError::Internal(e.to_string());
    keys.add_key().map_err(internal)?;
    tokio::time::sleep(NOTICE).await;
    let mut resealed = 0;
    loop {
        let mut stale = 0;
        for table in 0..TABLES.len() {
            let mut after: Vec<String> = vec![String::new(); 3];
            loop {
                let from = after.clone();
                let (seen, sealed, last) = reseal_with_retries(store, table, from).await?;
                stale += sealed;
                match last {
                    Some(last) if seen > 0 => after = last,
                    _ => break,
                }
            }
        }
        resealed += stale;
        if stale == 0 {
            break;
        }
        // Something was still under an old key: go round again until a pass finds none.
    }
    keys.retire_old().map_err(internal)?;
    Ok(resealed)
}

/// A batch that found the database busy (the server holding SQLite's one writer slot, or a
/// PostgreSQL restart) is tried again: rotation is slow work and can wait its turn.
async fn reseal_with_retries(
    store: &Store,
    table: usize,
    from: Vec<String>,
) -> Result<(usize, u64, Option<Vec<String>>)> {
    let mut attempts = 0;
    loop {
        let from = from.clone();
        match store.write(move |db| reseal_batch(db, &TABLES[table], &from)).await {
            Err(ApiError::StorageUnavailable(cause)) if attempts < BUSY_RETRIES => {
                attempts += 1;
                tracing::debug!(%cause, attempts, "database busy; re-sealing this batch again shortly");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            outcome => return outcome,
        }
    }
}

/// One batch after the key `after`: (rows seen, rows found under an old key, the last key seen).
/// A stale row that changed meanwhile is counted but not written: the next pass looks again.
fn reseal_batch(db: &dyn Db, table: &Table, after: &[String]) -> Result<(usize, u64, Option<Vec<String>>)> {
    let n = table.key_columns;
    let mut params: Vec<Value> = after.iter().map(Value::from).collect();
    params.push(BATCH.into());
    let rows = db.query(table.select, &params)?;
    let mut sealed = 0;
    let mut last = None;
    for row in &rows {
        let key: Vec<String> = (0..n).map(|i| row.string(i)).collect::<Result<_>>()?;
        let stored = row.text(n)?;
        if !db.keyring().is_current(stored) {
            let record = &key[0];
            let fresh = db.keyring().seal(&db.keyring().open_text(stored, record)?, record)?;
            let mut update: Vec<Value> = key.iter().map(Value::from).collect();
            update.push(fresh.into());
            update.push(stored.into());
            db.execute(table.update, &update)?;
            sealed += 1;
        }
        last = Some(key);
    }
    // Pad to three key columns (the fields table has two; its query ignores the third).
    let last = last.map(|mut k| {
        k.resize(3, String::new());
        k
    });
    Ok((rows.len(), sealed, last))
}
