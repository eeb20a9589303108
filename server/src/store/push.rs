//! Staff devices that asked to be told when a young person asks for help (see `web_push`).

use super::sql::Db;
use crate::error::Result;
use tandem_shared::PersonId;

/// Keeps (or replaces) the push endpoint of a signed-in session.
pub fn subscribe(conn: &dyn Db, session: &str, endpoint: &str, now: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO push_subscriptions (session_id, endpoint, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (session_id) DO UPDATE SET endpoint = excluded.endpoint, created_at = excluded.created_at",
        &[session.into(), endpoint.into(), now.into()],
    )?;
    Ok(())
}

/// Subscriptions of sessions still signed in (not ended) of people not deactivated: the only
/// ones told, and the only ones counted.
const LIVE: &str = "push_subscriptions p JOIN sessions s ON s.id = p.session_id JOIN people who ON who.id = s.person_id
     WHERE s.revoked_at IS NULL AND who.deactivated_at IS NULL";

/// Stops pushes to a session's device.
pub fn forget(conn: &dyn Db, session: &str) -> Result<()> {
    conn.execute("DELETE FROM push_subscriptions WHERE session_id = ?1", &[session.into()])?;
    Ok(())
}

/// Whether this session's device is told.
pub fn is_on(conn: &dyn Db, session: &str) -> Result<bool> {
    Ok(conn.query_opt("SELECT 1 FROM push_subscriptions WHERE session_id = ?1", &[session.into()])?.is_some())
}

/// How many signed-in devices each person has told of alerts (people with none are absent).
pub fn devices_by_person(conn: &dyn Db) -> Result<std::collections::HashMap<PersonId, u32>> {
    conn.query(&format!("SELECT s.person_id, count(*) FROM {LIVE} GROUP BY s.person_id"), &[])?
        .iter()
        .map(|row| Ok((super::people::parse_id(row.text(0)?), u32::try_from(row.int(1)?).unwrap_or(u32::MAX))))
        .collect()
}

/// The devices to tell for each of `people`, as (session, endpoint).
pub fn endpoints_of(conn: &dyn Db, people: &[PersonId]) -> Result<Vec<(String, String)>> {
    let sql = format!("SELECT p.session_id, p.endpoint FROM {LIVE} AND s.person_id = ?1");
    let mut devices = Vec::new();
    for person in people {
        for row in conn.query(&sql, &[person.to_string().into()])? {
            devices.push((row.text(0)?.to_owned(), row.text(1)?.to_owned()));
        }
    }
    Ok(devices)
}
