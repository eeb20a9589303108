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
use super::sql::Db;
use crate::error::{ApiError, Result};
use std::time::Duration;

/// Values re-sealed in one transaction.
const BATCH: i64 = 200;
/// Tries of one batch while the database is busy: a minute at 200 ms apart.
const BUSY_RETRIES: u32 = 300;
/// Long enough for every server to have read the key file again (they look every second).
const NOTICE: Duration = Duration::from_secs(3);

/// Record bodies after `?1`, in id order.
const SELECT: &str = "SELECT id, body FROM records WHERE id > ?1 AND body IS NOT NULL ORDER BY id LIMIT ?2";
/// A body re-sealed, unless it changed meanwhile.
const UPDATE: &str = "UPDATE records SET body = ?2 WHERE id = ?1 AND body = ?3";

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
        let mut after = String::new();
        loop {
            let (sealed, last) = reseal_with_retries(store, after.clone()).await?;
            stale += sealed;
            match last {
                Some(last) => after = last,
                None => break,
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
async fn reseal_with_retries(store: &Store, from: String) -> Result<(u64, Option<String>)> {
    let mut attempts = 0;
    loop {
        let from = from.clone();
        match store.write(move |db| reseal_batch(db, &from)).await {
            Err(ApiError::StorageUnavailable(cause)) if attempts < BUSY_RETRIES => {
                attempts += 1;
                tracing::debug!(%cause, attempts, "database busy; re-sealing this batch again shortly");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            outcome => return outcome,
        }
    }
}

/// One batch after the id `after`: (bodies found under an old key, the last id seen or `None`
/// past the end). A stale body that changed meanwhile is counted but not written: the next pass
/// looks again.
fn reseal_batch(db: &dyn Db, after: &str) -> Result<(u64, Option<String>)> {
    let rows = db.query(SELECT, &[after.into(), BATCH.into()])?;
    let mut sealed = 0;
    let mut last = None;
    for row in &rows {
        let (id, stored) = (row.string(0)?, row.stored(1)?);
        if !db.keyring().is_current(stored) {
            let fresh = db.seal(&db.keyring().unseal(stored, &id)?, &id)?;
            db.execute(UPDATE, &[(&id).into(), fresh, row.0[1].clone()])?;
            sealed += 1;
        }
        last = Some(id);
    }
    Ok((sealed, last))
}
