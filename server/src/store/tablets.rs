//! Shared tablets an admin registered by name, and the sessions signed in on them.

use super::sql::Db;
use crate::error::{ApiError, Result};
use tandem_shared::PersonId;
use uuid::Uuid;

pub struct Tablet {
    pub id: String,
    pub name: String,
    pub registered_at: i64,
    /// The latest time any session on it renewed its sign-in.
    pub last_seen_at: Option<i64>,
}

/// Registers a tablet under `name` with the hash of the key it will keep; its id.
pub fn register(conn: &dyn Db, name: &str, key_hash: &str, by: PersonId, now: i64) -> Result<String> {
    if conn.query_opt("SELECT 1 FROM tablets WHERE name = ?1", &[name.into()])?.is_some() {
        return Err(ApiError::Conflict("a tablet already has that name".into()));
    }
    let id = Uuid::now_v7().to_string();
    conn.execute(
        "INSERT INTO tablets (id, name, key_hash, registered_at, registered_by) VALUES (?1, ?2, ?3, ?4, ?5)",
        &[(&id).into(), name.into(), key_hash.into(), now.into(), by.to_string().into()],
    )?;
    Ok(id)
}

/// Every registered tablet, by name.
pub fn list(conn: &dyn Db) -> Result<Vec<Tablet>> {
    conn.query(
        "SELECT t.id, t.name, t.registered_at, (SELECT max(s.last_seen_at) FROM sessions s WHERE s.tablet_id = t.id)
         FROM tablets t ORDER BY t.name",
        &[],
    )?
    .iter()
    .map(|r| Ok(Tablet { id: r.string(0)?, name: r.string(1)?, registered_at: r.int(2)?, last_seen_at: r.opt_int(3)? }))
    .collect()
}

/// The tablet holding the key with this hash: (id, name).
pub fn by_key(conn: &dyn Db, key_hash: &str) -> Result<Option<(String, String)>> {
    conn.query_opt("SELECT id, name FROM tablets WHERE key_hash = ?1", &[key_hash.into()])?
        .map(|r| Ok((r.string(0)?, r.string(1)?)))
        .transpose()
}

/// The ids of every tablet registered now.
pub fn ids(conn: &dyn Db) -> Result<std::collections::HashSet<String>> {
    conn.query("SELECT id FROM tablets", &[])?.iter().map(|r| r.string(0)).collect()
}

/// A session a removed tablet ended, and whose it was.
pub type EndedSession = (String, PersonId);

/// Ends every session on the tablet and forgets it (lost, or retired): its name and the sessions
/// it ended, or None.
pub fn remove(conn: &dyn Db, id: &str, now: i64) -> Result<Option<(String, Vec<EndedSession>)>> {
    let Some(row) = conn.query_opt("SELECT name FROM tablets WHERE id = ?1", &[id.into()])? else {
        return Ok(None);
    };
    let name = row.string(0)?;
    let ending: Vec<EndedSession> = conn
        .query("SELECT id, person_id FROM sessions WHERE tablet_id = ?1 AND revoked_at IS NULL", &[id.into()])?
        .iter()
        .map(|r| Ok((r.string(0)?, super::people::parse_id(r.text(1)?))))
        .collect::<Result<_>>()?;
    conn.execute(
        "UPDATE sessions SET revoked_at = coalesce(revoked_at, ?2), tablet_id = NULL WHERE tablet_id = ?1",
        &[id.into(), now.into()],
    )?;
    conn.execute("DELETE FROM tablets WHERE id = ?1", &[id.into()])?;
    Ok(Some((name, ending)))
}
