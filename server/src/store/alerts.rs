//! "I don't feel safe right now" alerts.

use super::people::parse_id;
use crate::error::Result;
use rusqlite::{Connection, params};
use serde::Serialize;
use tandem_shared::PersonId;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Alert {
    pub id: String,
    #[schema(value_type = String, format = Uuid)]
    pub young_person: PersonId,
    pub young_person_name: String,
    /// When they pressed it (unix ms, their phone's clock).
    pub raised_at: i64,
    /// When it reached the server (unix ms).
    pub received_at: i64,
    /// The worker who has seen it, if any.
    pub seen_by_name: Option<String>,
    pub seen_at: Option<i64>,
}

/// Records an alert; a resend of the same id changes nothing. Returns whether it is new.
pub fn raise(conn: &Connection, id: &str, young_person: PersonId, raised_at: i64, now: i64) -> Result<bool> {
    let n = conn.execute(
        "INSERT OR IGNORE INTO alerts (id, young_person_id, raised_at, received_at) VALUES (?1, ?2, ?3, ?4)",
        params![id, young_person.to_string(), raised_at, now],
    )?;
    Ok(n > 0)
}

const SELECT: &str =
    "SELECT a.id, a.young_person_id, yp.display_name, a.raised_at, a.received_at, w.display_name, a.seen_at
     FROM alerts a JOIN people yp ON yp.id = a.young_person_id LEFT JOIN people w ON w.id = a.seen_by";

fn row(r: &rusqlite::Row) -> rusqlite::Result<Alert> {
    Ok(Alert {
        id: r.get(0)?,
        young_person: parse_id(&r.get::<_, String>(1)?),
        young_person_name: r.get(2)?,
        raised_at: r.get(3)?,
        received_at: r.get(4)?,
        seen_by_name: r.get(5)?,
        seen_at: r.get(6)?,
    })
}

/// A young person's own alerts, newest first.
pub fn of_young_person(conn: &Connection, young_person: PersonId) -> Result<Vec<Alert>> {
    let mut stmt =
        conn.prepare(&format!("{SELECT} WHERE a.young_person_id = ?1 ORDER BY a.received_at DESC LIMIT 50"))?;
    Ok(stmt.query_map([young_person.to_string()], row)?.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Alerts from a worker's caseload: every unseen one, and those seen in the last week.
pub fn for_worker(conn: &Connection, worker: PersonId, now: i64) -> Result<Vec<Alert>> {
    let mut stmt = conn.prepare(&format!(
        "{SELECT} WHERE a.young_person_id IN (SELECT young_person_id FROM assignments WHERE worker_id = ?1)
           AND (a.seen_at IS NULL OR a.seen_at > ?2) ORDER BY a.received_at DESC"
    ))?;
    Ok(stmt.query_map(params![worker.to_string(), now - 7 * 86_400_000], row)?.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Marks an alert seen by a worker assigned to its young person. Returns its young person, or
/// None if there is no such alert in this worker's caseload.
pub fn mark_seen(conn: &Connection, id: &str, worker: PersonId, now: i64) -> Result<Option<PersonId>> {
    let yp: Option<String> = super::OptionalRow::optional(conn.query_row(
        "UPDATE alerts SET seen_by = coalesce(seen_by, ?2), seen_at = coalesce(seen_at, ?3)
         WHERE id = ?1 AND young_person_id IN (SELECT young_person_id FROM assignments WHERE worker_id = ?2)
         RETURNING young_person_id",
        params![id, worker.to_string(), now],
        |r| r.get(0),
    ))?;
    Ok(yp.map(|s| parse_id(&s)))
}
