//! Staff's two-step sign-in: each one's authenticator secret, sealed under the data key and bound
//! to its person (a copy of the database can't make their codes), and the last step whose code
//! was used, so a code seen over a shoulder can't sign in a second time on any replica.

use super::people::parse_id;
use super::sql::Db;
use crate::error::Result;
use tandem_shared::PersonId;

fn context(id: PersonId) -> String {
    format!("two-step of {id}")
}

/// Their secret in use, opened; `None` if two-step sign-in is off.
pub fn secret(conn: &dyn Db, id: PersonId) -> Result<Option<String>> {
    opened(conn, id, "SELECT two_step FROM people WHERE id = ?1")
}

/// The secret being set up (shown, not yet confirmed with a code), opened.
pub fn pending(conn: &dyn Db, id: PersonId) -> Result<Option<String>> {
    opened(conn, id, "SELECT two_step_pending FROM people WHERE id = ?1")
}

fn opened(conn: &dyn Db, id: PersonId, sql: &str) -> Result<Option<String>> {
    let Some(row) = conn.query_opt(sql, &[id.to_string().into()])? else { return Ok(None) };
    row.opt_stored(0)?.map(|s| conn.keyring().unseal(s, &context(id))).transpose()
}

/// Keeps a new secret to confirm, replacing one set up before and never confirmed.
pub fn set_pending(conn: &dyn Db, id: PersonId, secret: &str) -> Result<()> {
    conn.execute(
        "UPDATE people SET two_step_pending = ?2 WHERE id = ?1",
        &[id.to_string().into(), conn.seal(secret, &context(id))?],
    )?;
    Ok(())
}

/// The secret set up becomes the one in use, its code at `step` counted as used. False if there
/// was none to confirm.
pub fn confirm(conn: &dyn Db, id: PersonId, step: i64) -> Result<bool> {
    let n = conn.execute(
        "UPDATE people SET two_step = two_step_pending, two_step_pending = NULL, two_step_used = ?2
         WHERE id = ?1 AND two_step_pending IS NOT NULL",
        &[id.to_string().into(), step.into()],
    )?;
    Ok(n > 0)
}

/// Takes the code of `step` as used: false if it, or a later one, already was.
pub fn use_step(conn: &dyn Db, id: PersonId, step: i64) -> Result<bool> {
    let n = conn.execute(
        "UPDATE people SET two_step_used = ?2 WHERE id = ?1 AND two_step IS NOT NULL
         AND (two_step_used IS NULL OR two_step_used < ?2)",
        &[id.to_string().into(), step.into()],
    )?;
    Ok(n > 0)
}

/// Two-step sign-in off (the staff member's choice, or an admin's new password for someone who
/// lost their phone), its recovery codes gone with it: false if it was off and nothing was being
/// set up.
pub fn turn_off(conn: &dyn Db, id: PersonId) -> Result<bool> {
    conn.execute("DELETE FROM two_step_recovery WHERE person_id = ?1", &[id.to_string().into()])?;
    let n = conn.execute(
        "UPDATE people SET two_step = NULL, two_step_pending = NULL, two_step_used = NULL
         WHERE id = ?1 AND (two_step IS NOT NULL OR two_step_pending IS NOT NULL)",
        &[id.to_string().into()],
    )?;
    Ok(n > 0)
}

/// Whether the service asks every staff member for two-step sign-in.
pub fn required(conn: &dyn Db) -> Result<bool> {
    conn.query_one("SELECT staff_two_step FROM service_settings WHERE id = 1", &[])?.bool(0)
}

pub fn set_required(conn: &dyn Db, required: bool) -> Result<()> {
    conn.execute("UPDATE service_settings SET staff_two_step = ?1 WHERE id = 1", &[required.into()])?;
    Ok(())
}

/// Replaces this person's recovery codes with these (hashed, as `auth::tokens::hash_secret`).
pub fn set_recovery(conn: &dyn Db, id: PersonId, hashes: &[String]) -> Result<()> {
    conn.execute("DELETE FROM two_step_recovery WHERE person_id = ?1", &[id.to_string().into()])?;
    for hash in hashes {
        conn.execute(
            "INSERT INTO two_step_recovery (person_id, code_hash) VALUES (?1, ?2)",
            &[id.to_string().into(), hash.as_str().into()],
        )?;
    }
    Ok(())
}

/// Takes one recovery code (by its hash): false if it is not one of theirs, or was used. Deleted
/// in the sign-in's transaction, so two replicas can't both take it.
pub fn use_recovery(conn: &dyn Db, id: PersonId, hash: &str) -> Result<bool> {
    let n = conn.execute(
        "DELETE FROM two_step_recovery WHERE person_id = ?1 AND code_hash = ?2",
        &[id.to_string().into(), hash.into()],
    )?;
    Ok(n > 0)
}

/// How many recovery codes this person has left.
pub fn recovery_left(conn: &dyn Db, id: PersonId) -> Result<i64> {
    conn.query_one("SELECT COUNT(*) FROM two_step_recovery WHERE person_id = ?1", &[id.to_string().into()])?.int(0)
}

/// Active staff without two-step sign-in: those a service asking it of everyone stops.
pub fn staff_without(conn: &dyn Db) -> Result<Vec<PersonId>> {
    let rows = conn.query(
        "SELECT id FROM people WHERE role <> 'young_person' AND two_step IS NULL AND deactivated_at IS NULL",
        &[],
    )?;
    rows.iter().map(|row| Ok(parse_id(row.text(0)?))).collect()
}

/// Whether this person has two-step sign-in on.
pub fn is_on(conn: &dyn Db, id: PersonId) -> Result<bool> {
    let row = conn.query_opt("SELECT two_step IS NOT NULL FROM people WHERE id = ?1", &[id.to_string().into()])?;
    row.map(|r| r.bool(0)).transpose().map(|on| on.unwrap_or(false))
}

/// People after `?1` with a secret, in id order (for `rotate-key`).
const SELECT_SEALED: &str = "SELECT id, two_step, two_step_pending FROM people
     WHERE id > ?1 AND (two_step IS NOT NULL OR two_step_pending IS NOT NULL) ORDER BY id LIMIT ?2";

/// A secret re-sealed, unless it changed meanwhile (one statement a column, each cached).
const UPDATE_SECRET: &str = "UPDATE people SET two_step = ?2 WHERE id = ?1 AND two_step = ?3";
const UPDATE_PENDING: &str = "UPDATE people SET two_step_pending = ?2 WHERE id = ?1 AND two_step_pending = ?3";

/// One batch of `rotate-key`: secrets not under the current key sealed again, unless they changed
/// meanwhile. Returns (how many were found under an old key, the last id seen).
pub fn reseal(conn: &dyn Db, after: &str, batch: i64) -> Result<(u64, Option<String>)> {
    let rows = conn.query(SELECT_SEALED, &[after.into(), batch.into()])?;
    let (mut stale, mut last) = (0, None);
    for row in &rows {
        let id = parse_id(row.text(0)?);
        for (i, update) in [(1, UPDATE_SECRET), (2, UPDATE_PENDING)] {
            let Some(stored) = row.opt_stored(i)? else { continue };
            if conn.keyring().is_current(stored) {
                continue;
            }
            let fresh = conn.seal(&conn.keyring().unseal(stored, &context(id))?, &context(id))?;
            conn.execute(update, &[id.to_string().into(), fresh, row.0[i].clone()])?;
            stale += 1;
        }
        last = Some(row.string(0)?);
    }
    Ok((stale, last))
}
