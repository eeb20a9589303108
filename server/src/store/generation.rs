//! Which copy of the data this is.
//!
//! A restored backup has gone back in time: sign-ins renewed since it was taken are unknown to
//! it, so devices holding them are asked to sign in again. A device asked that normally drops
//! what it pulled (a lost phone whose session was ended), but then the words its person sent
//! after the backup, which the restored server lacks, would be lost everywhere. Each copy
//! therefore has its own generation: devices learn it at sign-in and compare it when a sign-in
//! is refused; a different one means "restored", and they keep their words to give back.

use super::sql::Db;
use crate::error::Result;

pub fn current(conn: &dyn Db) -> Result<String> {
    conn.query_one("SELECT id FROM generation", &[])?.string(0)
}

/// A new generation, for a copy about to be restored or just restored.
pub fn fresh() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// Marks this database as a restored copy (`tandem restored`).
pub fn renew(conn: &dyn Db) -> Result<()> {
    conn.execute("UPDATE generation SET id = ?1", &[fresh().into()])?;
    Ok(())
}
