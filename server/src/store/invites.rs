//! Invites a key worker has open: who for, until when; and cancelling one.

use super::people::parse_id;
use super::sql::Db;
use crate::error::Result;
use tandem_shared::PersonId;

pub struct OpenInvite {
    pub young_person: PersonId,
    pub display_name: String,
    pub expires_at: i64,
}

/// Invites `by` made that are neither used nor expired, newest first.
pub fn open_by(conn: &dyn Db, by: PersonId, now: i64) -> Result<Vec<OpenInvite>> {
    conn.query(
        "SELECT i.young_person_id, p.display_name, i.expires_at FROM invites i JOIN people p ON p.id = i.young_person_id
         WHERE i.created_by = ?1 AND i.used_at IS NULL AND i.expires_at > ?2 AND p.secret_hash IS NULL
         ORDER BY i.expires_at DESC",
        &[by.to_string().into(), now.into()],
    )?
    .iter()
    .map(|r| Ok(OpenInvite { young_person: parse_id(r.text(0)?), display_name: r.string(1)?, expires_at: r.int(2)? }))
    .collect()
}

/// Cancels the invites `by` made for `young_person` who has not joined, and removes that
/// not-yet-person (they never wrote anything). False if there is no such invite of theirs.
pub fn cancel(conn: &dyn Db, by: PersonId, young_person: PersonId) -> Result<bool> {
    let (by, yp) = (by.to_string(), young_person.to_string());
    let theirs = conn.query_opt(
        "SELECT 1 FROM invites i JOIN people p ON p.id = i.young_person_id
         WHERE i.young_person_id = ?1 AND i.created_by = ?2 AND p.secret_hash IS NULL FOR UPDATE",
        &[(&yp).into(), (&by).into()],
    )?;
    if theirs.is_none() {
        return Ok(false);
    }
    for statement in [
        "DELETE FROM invites WHERE young_person_id = ?1",
        "DELETE FROM assignments WHERE young_person_id = ?1",
        "DELETE FROM former_assignments WHERE young_person_id = ?1",
        "DELETE FROM people WHERE id = ?1 AND secret_hash IS NULL",
    ] {
        conn.execute(statement, &[(&yp).into()])?;
    }
    Ok(true)
}
