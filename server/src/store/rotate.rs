//! `tandem rotate-key`: every stored word re-sealed under a new data key while servers serve.
//!
//! 1. A new key is added to the key file and becomes the one new writes use. Servers look at
//!    the file every second, so after a few seconds every replica seals with it.
//! 2. One pass in key order re-seals every value not under the new key (plain values from before
//!    encryption too), a batch per transaction. A value changed meanwhile is left alone: whoever
//!    changed it sealed it under the new key.
//! 3. Passes repeat until none is left under an old key (a replica slow to notice the new key
//!    could still have written one), then the old keys are taken out of the file.
//!
//! People's names go the same way, each with its sign-in key made again under the new key
//! (sign-in looks under every key loaded meanwhile, so nobody is locked out mid-rotation), and
//! staff's two-step secrets.

use super::sql::{Db, Value};
use super::{Store, people};
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

/// People's names after `?1`, in id order.
const SELECT_PEOPLE: &str =
    "SELECT id, name, display_name, sign_in_key FROM people WHERE id > ?1 AND names_sealed ORDER BY id LIMIT ?2";
/// A person's names re-sealed and their sign-in key made again, unless they changed meanwhile
/// (they joined, or chose another name).
const UPDATE_PEOPLE: &str = "UPDATE people SET name = ?2, display_name = ?3, sign_in_key = ?4
     WHERE id = ?1 AND display_name = ?5 AND (sign_in_key = ?6 OR (sign_in_key IS NULL AND ?6 IS NULL))";

/// What one batch did: values found under an old key, and the last id seen (`None` past the end).
type Batch = (u64, Option<String>);

/// Adds a new key, re-seals everything under it, retires the old keys. Returns how many values
/// were re-sealed.
pub async fn rotate_key(store: &Store) -> Result<u64> {
    let keys = store.keyring().clone();
    let internal = |e: super::StoreError| ApiError::Internal(e.to_string());
    keys.add_key().map_err(internal)?;
    tokio::time::sleep(NOTICE).await;
    let mut resealed = 0;
    loop {
        let stale =
            pass(store, reseal_batch).await? + pass(store, reseal_people).await? + pass(store, reseal_two_step).await?;
        resealed += stale;
        if stale == 0 {
            break;
        }
        // Something was still under an old key: go round again until a pass finds none.
    }
    keys.retire_old().map_err(internal)?;
    Ok(resealed)
}

/// One pass over a table, a batch at a time: how many values were found under an old key.
async fn pass(store: &Store, batch: fn(&dyn Db, &str) -> Result<Batch>) -> Result<u64> {
    let (mut stale, mut after) = (0, String::new());
    loop {
        let (sealed, last) = reseal_with_retries(store, after.clone(), batch).await?;
        stale += sealed;
        match last {
            Some(last) => after = last,
            None => return Ok(stale),
        }
    }
}

/// A batch that found the database busy (the server holding SQLite's one writer slot, or a
/// PostgreSQL restart) is tried again: rotation is slow work and can wait its turn.
async fn reseal_with_retries(store: &Store, from: String, batch: fn(&dyn Db, &str) -> Result<Batch>) -> Result<Batch> {
    let mut attempts = 0;
    loop {
        let from = from.clone();
        match store.write(move |db| batch(db, &from)).await {
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
fn reseal_batch(db: &dyn Db, after: &str) -> Result<Batch> {
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

/// One batch of people after the id `after`, as `reseal_batch` does for records: their names
/// re-sealed, and their sign-in key made again under the current key.
/// Staff's two-step secrets (`store::two_step`).
fn reseal_two_step(db: &dyn Db, after: &str) -> Result<Batch> {
    super::two_step::reseal(db, after, BATCH)
}

fn reseal_people(db: &dyn Db, after: &str) -> Result<Batch> {
    let rows = db.query(SELECT_PEOPLE, &[after.into(), BATCH.into()])?;
    let mut sealed = 0;
    let mut last = None;
    for row in &rows {
        let id = people::parse_id(row.text(0)?);
        let shown = row.stored(2)?;
        if !db.keyring().is_current(shown) {
            let name = row.opt_stored(1)?.map(|n| people::open_name(db, id, n)).transpose()?;
            let old_key = row.opt_text(3)?;
            // One left without a key (its name matched an older one's) stays without one.
            let key = old_key.and(name.as_deref()).map(|n| people::name_hash(db, n));
            db.execute(
                UPDATE_PEOPLE,
                &[
                    id.to_string().into(),
                    name.as_deref().map(|n| people::sealed_name(db, id, n)).transpose()?.unwrap_or(Value::Null),
                    people::sealed_name(db, id, &people::open_name(db, id, shown)?)?,
                    key.into(),
                    row.0[2].clone(),
                    old_key.into(),
                ],
            )?;
            sealed += 1;
        }
        last = Some(row.string(0)?);
    }
    Ok((sealed, last))
}
