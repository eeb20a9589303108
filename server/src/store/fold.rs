//! Schema 14 keeps a record's fields and kept conflicts in one sealed value, `records.body`,
//! instead of a row per field in `fields` and `conflicts` (one seal, one open and one B-tree row
//! per record written or read, not one per field). Folding the rows of a database from before
//! needs the data key, which SQL migrations don't have, so the server does it on start, before
//! it serves: a batch of records per transaction, each sealed under the current key.
//!
//! The `fields` and `conflicts` tables are left in place, empty, until every deployment has
//! started a version that folds them. Replicas of an earlier version must be stopped before one
//! of this version starts: they would write rows this version no longer reads.

use super::Store;
use super::encode;
use super::sql::Db;
use crate::error::Result;

/// Records folded in one transaction.
const BATCH: i64 = 200;

/// Field rows of a record not folded yet. (Rows of a record with a body can only have been
/// written by an older replica left running, which the README says to stop first; they are not
/// waited for.)
const PENDING: &str = "SELECT 1 FROM fields f JOIN records r ON r.id = f.record_id WHERE r.body IS NULL
     UNION ALL SELECT 1 FROM conflicts c JOIN records r ON r.id = c.record_id WHERE r.body IS NULL LIMIT 1";

async fn pending(store: &Store) -> Result<bool> {
    store.read(|db| Ok(db.query_opt(PENDING, &[])?.is_some())).await
}

/// Folds every record still without a body; returns how many.
pub async fn fold_field_rows(store: &Store) -> Result<u64> {
    // Looked for first with a read: commands run beside a serving server (`tandem backup`) open
    // the store too, and must not queue for SQLite's one writer when there is nothing to fold.
    if !pending(store).await? {
        return Ok(0);
    }
    tracing::info!("folding records from an earlier version into one sealed value each (once; it serves after)");
    let mut folded = 0;
    let mut after = String::new();
    loop {
        let from = after.clone();
        match store.write(move |db| fold_batch(db, &from)).await? {
            Some((n, last)) => {
                folded += n;
                after = last;
            }
            None if pending(store).await? => {
                // Another replica starting beside this one holds the rest: this one serves only
                // once every record is folded, so it waits for that one and looks again.
                after.clear();
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            None => return Ok(folded),
        }
    }
}

/// Folds the next batch of records without a body after the id `after`: how many, and the
/// last id, or `None` when none is left.
fn fold_batch(db: &dyn Db, after: &str) -> Result<Option<(u64, String)>> {
    // Locked, and the body checked again when written: a replica starting beside this one
    // folds a record once, never over a newer body.
    let ids = db.query(
        "SELECT id FROM records WHERE id > ?1 AND body IS NULL ORDER BY id LIMIT ?2 FOR UPDATE",
        &[after.into(), BATCH.into()],
    )?;
    let mut last = None;
    for row in &ids {
        let id = row.string(0)?;
        let states = db.query(
            "SELECT 0, state FROM fields WHERE record_id = ?1 UNION ALL SELECT 1, state FROM conflicts WHERE record_id = ?1",
            &[(&id).into()],
        )?;
        let (mut fields, mut conflicts) = (Vec::new(), Vec::new());
        for state in &states {
            let opened = encode::read_field_state(&db.keyring().unseal(state.stored(1)?, &id)?)?;
            if state.int(0)? == 0 { fields.push(opened) } else { conflicts.push(opened) }
        }
        let body = db.seal(&encode::record_body(&fields, &conflicts)?, &id)?;
        db.execute("UPDATE records SET body = ?2 WHERE id = ?1 AND body IS NULL", &[(&id).into(), body])?;
        db.execute("DELETE FROM fields WHERE record_id = ?1", &[(&id).into()])?;
        db.execute("DELETE FROM conflicts WHERE record_id = ?1", &[(&id).into()])?;
        last = Some(id);
    }
    Ok(last.map(|last| (ids.len() as u64, last)))
}
