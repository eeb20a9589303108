//! People, assignments, invites and sessions.

use super::OptionalRow;
use crate::error::Result;
use rusqlite::{Connection, params};
use tandem_shared::{PersonId, Role};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct Person {
    pub id: PersonId,
    pub role: Role,
    pub name: Option<String>,
    pub display_name: String,
    pub secret_hash: Option<String>,
    pub token_version: i64,
    pub failed_signins: i64,
    pub locked_until: i64,
}

pub fn role_str(role: Role) -> &'static str {
    match role {
        Role::YoungPerson => "young_person",
        Role::KeyWorker => "key_worker",
        Role::DropInStaff => "drop_in_staff",
        Role::Admin => "admin",
    }
}

fn parse_role(s: &str) -> Role {
    match s {
        "young_person" => Role::YoungPerson,
        "key_worker" => Role::KeyWorker,
        "drop_in_staff" => Role::DropInStaff,
        _ => Role::Admin,
    }
}

pub fn parse_id(s: &str) -> PersonId {
    PersonId(Uuid::parse_str(s).unwrap_or_default())
}

const PERSON_COLUMNS: &str = "id, role, name, display_name, secret_hash, token_version, failed_signins, locked_until";
// Spelled out (not format!) so they can be cached prepared statements.
const BY_NAME: &str = "SELECT id, role, name, display_name, secret_hash, token_version, failed_signins, locked_until FROM people WHERE name = ?1";
const BY_ID: &str = "SELECT id, role, name, display_name, secret_hash, token_version, failed_signins, locked_until FROM people WHERE id = ?1";

fn person_from_row(row: &rusqlite::Row) -> rusqlite::Result<Person> {
    Ok(Person {
        id: parse_id(&row.get::<_, String>(0)?),
        role: parse_role(&row.get::<_, String>(1)?),
        name: row.get(2)?,
        display_name: row.get(3)?,
        secret_hash: row.get(4)?,
        token_version: row.get(5)?,
        failed_signins: row.get(6)?,
        locked_until: row.get(7)?,
    })
}

pub fn create(
    conn: &Connection,
    role: Role,
    name: Option<&str>,
    display_name: &str,
    secret_hash: Option<&str>,
    now: i64,
) -> Result<PersonId> {
    let id = PersonId(Uuid::now_v7());
    conn.prepare_cached(
        "INSERT INTO people (id, role, name, display_name, secret_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![id.to_string(), role_str(role), name, display_name, secret_hash, now])?;
    Ok(id)
}

pub fn by_name(conn: &Connection, name: &str) -> Result<Option<Person>> {
    conn.prepare_cached(BY_NAME)?.query_row([name], person_from_row).optional()
}

pub fn by_id(conn: &Connection, id: PersonId) -> Result<Option<Person>> {
    conn.prepare_cached(BY_ID)?.query_row([id.to_string()], person_from_row).optional()
}

pub fn list(conn: &Connection) -> Result<Vec<Person>> {
    let mut stmt = conn.prepare(&format!("SELECT {PERSON_COLUMNS} FROM people ORDER BY created_at"))?;
    let rows = stmt.query_map([], person_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn set_credentials(conn: &Connection, id: PersonId, name: &str, secret_hash: &str) -> Result<()> {
    conn.prepare_cached("UPDATE people SET name = ?2, secret_hash = ?3, display_name = ?2 WHERE id = ?1")?
        .execute(params![id.to_string(), name, secret_hash])?;
    Ok(())
}

/// Counts a failed sign-in; locks the account for `lock_ms` once `limit` failures have built up.
pub fn record_failed_signin(conn: &Connection, id: PersonId, now: i64, limit: i64, lock_ms: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE people SET failed_signins = failed_signins + 1,
             locked_until = CASE WHEN failed_signins + 1 >= ?2 THEN ?3 ELSE locked_until END
         WHERE id = ?1",
    )?
    .execute(params![id.to_string(), limit, now + lock_ms])?;
    Ok(())
}

pub fn clear_failed_signins(conn: &Connection, id: PersonId) -> Result<()> {
    conn.prepare_cached("UPDATE people SET failed_signins = 0, locked_until = 0 WHERE id = ?1")?
        .execute([id.to_string()])?;
    Ok(())
}

pub fn assign(conn: &Connection, worker: PersonId, young_person: PersonId, now: i64) -> Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO assignments (worker_id, young_person_id, since) VALUES (?1, ?2, ?3)")?
        .execute(params![worker.to_string(), young_person.to_string(), now])?;
    conn.prepare_cached("DELETE FROM former_assignments WHERE worker_id = ?1 AND young_person_id = ?2")?
        .execute(params![worker.to_string(), young_person.to_string()])?;
    Ok(())
}

/// Ends an assignment; false if there was none.
pub fn unassign(conn: &Connection, worker: PersonId, young_person: PersonId, now: i64) -> Result<bool> {
    let ended = conn
        .prepare_cached("DELETE FROM assignments WHERE worker_id = ?1 AND young_person_id = ?2")?
        .execute(params![worker.to_string(), young_person.to_string()])?;
    if ended == 0 {
        return Ok(false);
    }
    conn.prepare_cached(
        "INSERT OR REPLACE INTO former_assignments (worker_id, young_person_id, ended_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![worker.to_string(), young_person.to_string(), now])?;
    Ok(true)
}

pub fn is_assigned(conn: &Connection, worker: PersonId, young_person: PersonId) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM assignments WHERE worker_id = ?1 AND young_person_id = ?2")?
        .query_row(params![worker.to_string(), young_person.to_string()], |_| Ok(()))
        .optional()?
        .is_some())
}

/// (id, display name) of the workers assigned to a young person.
pub fn workers_of(conn: &Connection, young_person: PersonId) -> Result<Vec<(PersonId, String)>> {
    let mut stmt = conn.prepare(
        "SELECT p.id, p.display_name FROM assignments a JOIN people p ON p.id = a.worker_id
         WHERE a.young_person_id = ?1 ORDER BY p.display_name",
    )?;
    let rows = stmt.query_map([young_person.to_string()], |r| Ok((parse_id(&r.get::<_, String>(0)?), r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// (id, display name) of the young people assigned to a worker.
pub fn caseload_of(conn: &Connection, worker: PersonId) -> Result<Vec<(PersonId, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.id, p.display_name FROM assignments a JOIN people p ON p.id = a.young_person_id
         WHERE a.worker_id = ?1 ORDER BY p.display_name",
    )?;
    let rows = stmt.query_map([worker.to_string()], |r| Ok((parse_id(&r.get::<_, String>(0)?), r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn create_invite(
    conn: &Connection,
    code_hash: &str,
    young_person: PersonId,
    by: PersonId,
    expires_at: i64,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO invites (code_hash, young_person_id, created_by, expires_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![code_hash, young_person.to_string(), by.to_string(), expires_at])?;
    Ok(())
}

/// Spends an unused, unexpired invite; returns the young person it was for.
pub fn take_invite(conn: &Connection, code_hash: &str, now: i64) -> Result<Option<PersonId>> {
    let yp: Option<String> = conn
        .prepare_cached(
            "UPDATE invites SET used_at = ?2 WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2
             RETURNING young_person_id",
        )?
        .query_row(params![code_hash, now], |r| r.get(0))
        .optional()?;
    Ok(yp.map(|s| parse_id(&s)))
}

pub fn create_session(conn: &Connection, person: PersonId, device: &str, now: i64) -> Result<String> {
    let id = Uuid::now_v7().to_string();
    conn.prepare_cached("INSERT INTO sessions (id, person_id, device_id, created_at) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![id, person.to_string(), device, now])?;
    Ok(id)
}

pub fn store_refresh_token(conn: &Connection, token_hash: &str, session: &str, expires_at: i64) -> Result<()> {
    conn.prepare_cached("INSERT INTO refresh_tokens (token_hash, session_id, expires_at) VALUES (?1, ?2, ?3)")?
        .execute(params![token_hash, session, expires_at])?;
    Ok(())
}

pub enum RefreshUse {
    /// Valid and now spent: (session, person).
    Fresh(String, PersonId),
    /// Already spent: someone is replaying it. The session is revoked.
    Reused,
    /// Unknown, expired, or its session was ended.
    Invalid,
}

/// Spends a refresh token. Re-use of a spent token revokes its whole session (the family).
pub fn spend_refresh_token(conn: &Connection, token_hash: &str, now: i64) -> Result<RefreshUse> {
    type TokenRow = (String, i64, Option<i64>, String, Option<i64>);
    let row: Option<TokenRow> = conn
        .prepare_cached(
            "SELECT t.session_id, t.expires_at, t.used_at, s.person_id, s.revoked_at
             FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.token_hash = ?1",
        )?
        .query_row([token_hash], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .optional()?;
    let Some((session, expires_at, used_at, person, revoked_at)) = row else {
        return Ok(RefreshUse::Invalid);
    };
    if used_at.is_some() {
        revoke_session(conn, &session, now)?;
        return Ok(RefreshUse::Reused);
    }
    if revoked_at.is_some() || expires_at <= now {
        return Ok(RefreshUse::Invalid);
    }
    conn.prepare_cached("UPDATE refresh_tokens SET used_at = ?2 WHERE token_hash = ?1")?
        .execute(params![token_hash, now])?;
    Ok(RefreshUse::Fresh(session, parse_id(&person)))
}

pub fn revoke_session(conn: &Connection, session: &str, now: i64) -> Result<()> {
    conn.prepare_cached("UPDATE sessions SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL")?
        .execute(params![session, now])?;
    Ok(())
}

/// Ends every session of a person at once: revokes them and bumps the token version, so
/// access tokens already handed out stop working too.
pub fn revoke_all(conn: &Connection, person: PersonId, now: i64) -> Result<()> {
    conn.prepare_cached("UPDATE sessions SET revoked_at = ?2 WHERE person_id = ?1 AND revoked_at IS NULL")?
        .execute(params![person.to_string(), now])?;
    conn.prepare_cached("UPDATE people SET token_version = token_version + 1 WHERE id = ?1")?
        .execute([person.to_string()])?;
    Ok(())
}

/// Whether an access token's session and token version still stand.
pub fn session_is_live(conn: &Connection, session: &str, person: PersonId, token_version: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM sessions s JOIN people p ON p.id = s.person_id
             WHERE s.id = ?1 AND s.person_id = ?2 AND s.revoked_at IS NULL AND p.token_version = ?3",
        )?
        .query_row(params![session, person.to_string(), token_version], |_| Ok(()))
        .optional()?
        .is_some())
}
