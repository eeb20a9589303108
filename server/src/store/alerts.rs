//! "I don't feel safe right now" alerts.

use super::people::{self, parse_id};
use super::sql::{Db, Row};
use crate::error::Result;
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
    /// When, nobody having seen it, the duty worker was told too (unix ms).
    pub escalated_at: Option<i64>,
}

/// Records an alert; a resend of the same id changes nothing. Returns whether it is new.
pub fn raise(conn: &dyn Db, id: &str, young_person: PersonId, raised_at: i64, now: i64) -> Result<bool> {
    let n = conn.execute(
        "INSERT INTO alerts (id, young_person_id, raised_at, received_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        &[id.into(), young_person.to_string().into(), raised_at.into(), now.into()],
    )?;
    Ok(n > 0)
}

const SELECT: &str =
    "SELECT a.id, a.young_person_id, yp.display_name, a.raised_at, a.received_at, w.display_name, a.seen_at,
            a.escalated_at, a.seen_by
     FROM alerts a JOIN people yp ON yp.id = a.young_person_id LEFT JOIN people w ON w.id = a.seen_by";

fn row(conn: &dyn Db, r: &Row) -> Result<Alert> {
    Ok(Alert {
        id: r.string(0)?,
        young_person: parse_id(r.text(1)?),
        young_person_name: people::name_in(conn, r, 1, 2)?,
        raised_at: r.int(3)?,
        received_at: r.int(4)?,
        seen_by_name: people::opt_name_in(conn, r, 8, 5)?,
        seen_at: r.opt_int(6)?,
        escalated_at: r.opt_int(7)?,
    })
}

/// A young person's own alerts, newest first.
pub fn of_young_person(conn: &dyn Db, young_person: PersonId) -> Result<Vec<Alert>> {
    let sql = format!("{SELECT} WHERE a.young_person_id = ?1 ORDER BY a.received_at DESC LIMIT 50");
    conn.query(&sql, &[young_person.to_string().into()])?.iter().map(|r| row(conn, r)).collect()
}

/// The alerts that reach worker ?1: from their caseload, and, for the duty worker, from young
/// people with no key worker at all and those nobody saw in time.
const ROUTED_TO: &str = "(a.young_person_id IN (SELECT young_person_id FROM assignments WHERE worker_id = ?1)
     OR ((a.escalated_at IS NOT NULL
          OR NOT EXISTS (SELECT 1 FROM assignments x WHERE x.young_person_id = a.young_person_id))
         AND EXISTS (SELECT 1 FROM service_settings s WHERE s.duty_worker_id = ?1)))";

/// Alerts routed to a worker: every unseen one, and those seen in the last week.
pub fn for_worker(conn: &dyn Db, worker: PersonId, now: i64) -> Result<Vec<Alert>> {
    let sql =
        format!("{SELECT} WHERE {ROUTED_TO} AND (a.seen_at IS NULL OR a.seen_at > ?2) ORDER BY a.received_at DESC");
    conn.query(&sql, &[worker.to_string().into(), (now - 7 * 86_400_000).into()])?
        .iter()
        .map(|r| row(conn, r))
        .collect()
}

/// Marks an alert seen by a worker assigned to its young person. Returns its young person, or
/// None if there is no such alert in this worker's caseload.
pub fn mark_seen(conn: &dyn Db, id: &str, worker: PersonId, now: i64) -> Result<Option<PersonId>> {
    let row = conn.query_opt(
        "UPDATE alerts SET seen_by = coalesce(seen_by, ?2), seen_at = coalesce(seen_at, ?3)
         WHERE id = ?1 AND (young_person_id IN (SELECT young_person_id FROM assignments WHERE worker_id = ?2)
           OR ((alerts.escalated_at IS NOT NULL
                OR NOT EXISTS (SELECT 1 FROM assignments x WHERE x.young_person_id = alerts.young_person_id))
               AND EXISTS (SELECT 1 FROM service_settings s WHERE s.duty_worker_id = ?2)))
         RETURNING young_person_id",
        &[id.into(), worker.to_string().into(), now.into()],
    )?;
    row.map(|r| Ok(parse_id(r.text(0)?))).transpose()
}

/// Minutes an alert may go unseen before the duty worker is told too; None: never.
pub fn escalate_after(conn: &dyn Db) -> Result<Option<u32>> {
    let row = conn.query_opt("SELECT escalate_after_minutes FROM service_settings WHERE id = 1", &[])?;
    Ok(row.map(|r| r.opt_int(0)).transpose()?.flatten().map(|m| m as u32))
}

pub fn set_escalate_after(conn: &dyn Db, minutes: Option<u32>) -> Result<()> {
    conn.execute(
        "UPDATE service_settings SET escalate_after_minutes = ?1 WHERE id = 1",
        &[minutes.map(i64::from).into()],
    )?;
    Ok(())
}

/// Tells the duty worker of every alert unseen for longer than the service allows since it was
/// pressed (or reached the server, if the phone's clock says later), unless they are already
/// one of the young person's workers, or the young person has none (then they were told at
/// once). Once per alert: the row is marked in the same statement. Returns the duty worker and
/// the young people whose alerts were escalated now.
pub fn escalate_due(conn: &dyn Db, now: i64) -> Result<Option<(PersonId, Vec<PersonId>)>> {
    let (Some(duty), Some(minutes)) = (super::people::duty_worker(conn)?, escalate_after(conn)?) else {
        return Ok(None);
    };
    let pressed_before = now - i64::from(minutes) * 60_000;
    let young_people = conn
        .query(
            "UPDATE alerts SET escalated_at = ?1
             WHERE seen_at IS NULL AND escalated_at IS NULL
               AND (CASE WHEN raised_at < received_at THEN raised_at ELSE received_at END) <= ?3
               AND EXISTS (SELECT 1 FROM assignments x WHERE x.young_person_id = alerts.young_person_id)
               AND NOT EXISTS (SELECT 1 FROM assignments x
                               WHERE x.young_person_id = alerts.young_person_id AND x.worker_id = ?2)
             RETURNING young_person_id",
            &[now.into(), duty.to_string().into(), pressed_before.into()],
        )?
        .iter()
        .map(|r| Ok(parse_id(r.text(0)?)))
        .collect::<Result<Vec<_>>>()?;
    Ok((!young_people.is_empty()).then_some((duty, young_people)))
}

/// Whether the service asks for escalation, names someone to tell, and any alert waits to be
/// seen: the escalation round (a write) is skipped otherwise, as it is by default.
pub fn may_escalate(conn: &dyn Db) -> Result<bool> {
    if escalate_after(conn)?.is_none() || super::people::duty_worker(conn)?.is_none() {
        return Ok(false);
    }
    Ok(conn.query_opt("SELECT 1 FROM alerts WHERE seen_at IS NULL AND escalated_at IS NULL LIMIT 1", &[])?.is_some())
}

/// How the alerts that reached the server in a period were answered: counts and waits only, no
/// names, so a service can see whether the promise young people are given ("they will see it
/// when they next look") is kept, without anyone learning who pressed it.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct AlertSummary {
    /// The start of the period (unix ms): alerts that reached the server since then. Alerts of
    /// young people since erased went with them and are not counted.
    pub since: i64,
    pub raised: u32,
    /// Seen by a worker within 15 minutes of reaching the server.
    pub seen_in_15_minutes: u32,
    /// Seen after 15 minutes, within the hour.
    pub seen_in_15_to_60_minutes: u32,
    /// Seen after an hour, within a day.
    pub seen_in_1_to_24_hours: u32,
    /// Seen more than a day after reaching the server.
    pub seen_after_a_day: u32,
    /// Nobody has seen them yet.
    pub not_seen_yet: u32,
    /// Alerts the duty worker was told of because nobody had seen them in time (seen since or not).
    pub told_duty_worker: u32,
    /// How long the longest-waiting unseen alert has waited so far, in minutes.
    pub longest_wait_minutes: Option<i64>,
}

/// [`AlertSummary`] of the alerts that reached the server at `since` or later.
pub fn summary(conn: &dyn Db, since: i64, now: i64) -> Result<AlertSummary> {
    let rows =
        conn.query("SELECT received_at, seen_at, escalated_at FROM alerts WHERE received_at >= ?1", &[since.into()])?;
    let mut s = AlertSummary { since, ..AlertSummary::default() };
    for r in &rows {
        let (received, seen, escalated) = (r.int(0)?, r.opt_int(1)?, r.opt_int(2)?);
        s.raised += 1;
        s.told_duty_worker += u32::from(escalated.is_some());
        const MINUTE: i64 = 60_000;
        match seen.map(|at| at - received) {
            Some(wait) if wait <= 15 * MINUTE => s.seen_in_15_minutes += 1,
            Some(wait) if wait <= 60 * MINUTE => s.seen_in_15_to_60_minutes += 1,
            Some(wait) if wait <= 24 * 60 * MINUTE => s.seen_in_1_to_24_hours += 1,
            Some(_) => s.seen_after_a_day += 1,
            None => {
                s.not_seen_yet += 1;
                let waited = (now - received).max(0) / MINUTE;
                s.longest_wait_minutes = Some(s.longest_wait_minutes.map_or(waited, |w| w.max(waited)));
            }
        }
    }
    Ok(s)
}
