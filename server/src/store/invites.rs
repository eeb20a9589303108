//! Young people assigned to a key worker who haven't joined yet: who, until when their code
//! works; cancelling one; and retiring codes when a newer one is made or one is used.

use super::people::{name_in, parse_id};
use super::sql::Db;
use crate::error::Result;
use tandem_shared::PersonId;

pub struct OpenInvite {
    pub young_person: PersonId,
    pub display_name: String,
    /// When their newest code stops (or stopped) working, unix ms.
    pub expires_at: i64,
}

/// Young people assigned to `worker` who have not joined yet (whoever invited them: an admin, or
/// a worker who has since handed them over), each with their newest code's expiry, the latest
/// first.
pub fn waiting_to_join(conn: &dyn Db, worker: PersonId) -> Result<Vec<OpenInvite>> {
    conn.query(
        "SELECT p.id, p.display_name, coalesce(max(i.expires_at), 0) AS until FROM assignments a
         JOIN people p ON p.id = a.young_person_id
         LEFT JOIN invites i ON i.young_person_id = p.id AND i.used_at IS NULL
         WHERE a.worker_id = ?1 AND p.secret_hash IS NULL AND p.deactivated_at IS NULL
         GROUP BY p.id, p.display_name ORDER BY until DESC",
        &[worker.to_string().into()],
    )?
    .iter()
    .map(|r| {
        Ok(OpenInvite {
            young_person: parse_id(r.text(0)?),
            display_name: name_in(conn, r, 0, 1)?,
            expires_at: r.int(2)?,
        })
    })
    .collect()
}

/// Whether `young_person` is assigned to `worker` and has not joined yet: whose invite the
/// worker may renew or cancel.
pub fn is_waiting_for(conn: &dyn Db, worker: PersonId, young_person: PersonId) -> Result<bool> {
    Ok(conn
        .query_opt(
            "SELECT 1 FROM assignments a JOIN people p ON p.id = a.young_person_id
             WHERE a.worker_id = ?1 AND a.young_person_id = ?2 AND p.secret_hash IS NULL AND p.deactivated_at IS NULL
             FOR UPDATE",
            &[worker.to_string().into(), young_person.to_string().into()],
        )?
        .is_some())
}

/// Stops every unused code for `young_person` working: a lost card's code must not outlive the
/// code that replaced it, nor the one they joined or reset their PIN with.
pub fn retire_codes(conn: &dyn Db, young_person: PersonId, now: i64) -> Result<()> {
    conn.execute(
        "UPDATE invites SET expires_at = ?2 WHERE young_person_id = ?1 AND used_at IS NULL AND expires_at > ?2",
        &[young_person.to_string().into(), now.into()],
    )?;
    Ok(())
}

/// Cancels the invite of `young_person`, assigned to `worker` and not joined: that not-yet-person
/// is erased with anything a worker suggested for them, so those devices drop it too. False if
/// `worker` may not.
pub fn cancel(conn: &dyn Db, worker: PersonId, young_person: PersonId, now: i64) -> Result<bool> {
    if !is_waiting_for(conn, worker, young_person)? {
        return Ok(false);
    }
    super::erasure::erase(conn, young_person, Some(worker), super::erasure::Why::InviteCancelled, now)?;
    Ok(true)
}
