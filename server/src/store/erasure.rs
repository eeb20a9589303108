//! Erasing a young person: every row of theirs goes, not only a tombstone. What stays is the
//! random id of each erased record (so the devices that held it drop it) and an audit entry that
//! says it happened, without their words or their name.

use super::sql::Db;
use super::{audit, sync};
use crate::error::Result;
use tandem_shared::PersonId;

/// Why someone's data is erased: they asked, their case was closed long enough ago, or their
/// invite was cancelled before they joined (what a worker suggested for them goes with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    Asked,
    CaseClosed,
    InviteCancelled,
    /// Erased at `at` (unix ms), then brought back by restoring a copy of the database made
    /// before then (see `ledger`).
    AgainAfterRestore {
        at: i64,
    },
}

/// What went, for the audit log and the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erased {
    /// Their sign-in name, so the caller can also forget failed sign-ins under it.
    pub name: Option<String>,
    pub records: usize,
    pub alerts: i64,
}

/// Erases the young person `who` and everything of theirs, in the caller's transaction. `None`
/// when there is no such young person (already erased, e.g. by another replica's job).
pub fn erase(db: &dyn Db, who: PersonId, actor: Option<PersonId>, why: Why, now: i64) -> Result<Option<Erased>> {
    let id = who.to_string();
    let Some(person) =
        db.query_opt("SELECT name FROM people WHERE id = ?1 AND role = 'young_person' FOR UPDATE", &[(&id).into()])?
    else {
        return Ok(None);
    };
    let name = person.opt_stored(0)?.map(|n| super::people::open_name(db, who, n)).transpose()?;
    // Lets this transaction, and only it, remove their access log (see the trigger).
    db.execute("UPDATE people SET erasing = TRUE WHERE id = ?1", &[(&id).into()])?;

    let records: Vec<String> = db
        .query("SELECT id FROM records WHERE owner_id = ?1 ORDER BY id", &[(&id).into()])?
        .iter()
        .map(|r| r.string(0))
        .collect::<Result<_>>()?;
    if !records.is_empty() {
        let first = sync::take_change_numbers(db, records.len() as i64)?;
        for (seq, record) in (first..).zip(&records) {
            db.execute(
                "INSERT INTO erased_records (record_id, changed_seq) VALUES (?1, ?2)",
                &[record.into(), seq.into()],
            )?;
        }
    }
    let alerts = db.query_one("SELECT count(*) FROM alerts WHERE young_person_id = ?1", &[(&id).into()])?.int(0)?;
    for statement in [
        // Their own, and their workers' about their records.
        "DELETE FROM put_away WHERE person_id = ?1 OR record_id IN (SELECT id FROM records WHERE owner_id = ?1)",
        "DELETE FROM team_looks WHERE young_person_id = ?1",
        "DELETE FROM conflicts WHERE record_id IN (SELECT id FROM records WHERE owner_id = ?1)",
        "DELETE FROM fields WHERE record_id IN (SELECT id FROM records WHERE owner_id = ?1)",
        "DELETE FROM records WHERE owner_id = ?1",
        "DELETE FROM applied_batches WHERE device_id IN (SELECT id FROM devices WHERE person_id = ?1)",
        "DELETE FROM devices WHERE person_id = ?1",
        "DELETE FROM refresh_tokens WHERE session_id IN (SELECT id FROM sessions WHERE person_id = ?1)",
        "DELETE FROM sessions WHERE person_id = ?1",
        "DELETE FROM invites WHERE young_person_id = ?1",
        "DELETE FROM assignments WHERE young_person_id = ?1",
        "DELETE FROM former_assignments WHERE young_person_id = ?1",
        "DELETE FROM alerts WHERE young_person_id = ?1",
        "DELETE FROM access_log WHERE young_person_id = ?1",
        "DELETE FROM copies_made WHERE young_person_id = ?1",
        "DELETE FROM people WHERE id = ?1",
    ] {
        db.execute(statement, &[(&id).into()])?;
    }
    let because = match why {
        Why::Asked => "they asked".to_owned(),
        Why::CaseClosed => "their case was closed and the retention period ended".to_owned(),
        Why::InviteCancelled => "their invite was cancelled before they joined".to_owned(),
        Why::AgainAfterRestore { at } => format!(
            "again: they were erased at {at} (unix ms), and the database was restored from a copy made before then"
        ),
    };
    let detail = format!(
        "erased a young person and everything of theirs ({} records, {alerts} alerts): {because}",
        records.len()
    );
    audit::append(db, now, actor, "erased", Some(who), &detail)?;
    Ok(Some(Erased { name, records: records.len(), alerts }))
}

/// Which of `ids` are young people the database holds.
pub fn still_present(db: &dyn Db, ids: &[PersonId]) -> Result<Vec<PersonId>> {
    let mut present = Vec::new();
    for id in ids {
        if db
            .query_opt("SELECT 1 FROM people WHERE id = ?1 AND role = 'young_person'", &[id.to_string().into()])?
            .is_some()
        {
            present.push(*id);
        }
    }
    Ok(present)
}

/// The young people whose erasure is due: asked before `asked_before`, or case closed before
/// `closed_before` (unix ms).
pub fn due(db: &dyn Db, asked_before: i64, closed_before: i64) -> Result<Vec<PersonId>> {
    db.query(
        "SELECT id FROM people WHERE role = 'young_person'
           AND ((erasure_asked_at IS NOT NULL AND erasure_asked_at <= ?1)
             OR (case_closed_at IS NOT NULL AND case_closed_at <= ?2))
         ORDER BY id",
        &[asked_before.into(), closed_before.into()],
    )?
    .iter()
    .map(|r| Ok(super::people::parse_id(r.text(0)?)))
    .collect()
}

/// Why `who` is still due for erasure, checked again under their row's lock (a sign-in may have
/// cancelled their request since `due` listed them).
pub fn still_due(db: &dyn Db, who: PersonId, asked_before: i64, closed_before: i64) -> Result<Option<Why>> {
    let Some(row) = db.query_opt(
        "SELECT erasure_asked_at, case_closed_at FROM people WHERE id = ?1 AND role = 'young_person' FOR UPDATE",
        &[who.to_string().into()],
    )?
    else {
        return Ok(None);
    };
    Ok(match (row.opt_int(0)?, row.opt_int(1)?) {
        (Some(asked), _) if asked <= asked_before => Some(Why::Asked),
        (_, Some(closed)) if closed <= closed_before => Some(Why::CaseClosed),
        _ => None,
    })
}

/// Where a young person's data stands: when their case closed and when they asked to go.
#[derive(Debug, Clone, Copy, Default)]
pub struct Plan {
    pub case_closed_at: Option<i64>,
    pub erasure_asked_at: Option<i64>,
}

/// Every young person's plan, by who they are: the young people the database holds.
pub fn plans(db: &dyn Db) -> Result<std::collections::HashMap<PersonId, Plan>> {
    let rows = db.query("SELECT id, case_closed_at, erasure_asked_at FROM people WHERE role = 'young_person'", &[])?;
    rows.iter()
        .map(|r| {
            Ok((
                super::people::parse_id(r.text(0)?),
                Plan { case_closed_at: r.opt_int(1)?, erasure_asked_at: r.opt_int(2)? },
            ))
        })
        .collect()
}

pub fn plan_of(db: &dyn Db, who: PersonId) -> Result<Plan> {
    let row =
        db.query_opt("SELECT case_closed_at, erasure_asked_at FROM people WHERE id = ?1", &[who.to_string().into()])?;
    Ok(match row {
        Some(r) => Plan { case_closed_at: r.opt_int(0)?, erasure_asked_at: r.opt_int(1)? },
        None => Plan::default(),
    })
}

/// Marks that `who` asked to be erased at `now` (keeps an earlier request's time).
pub fn ask(db: &dyn Db, who: PersonId, now: i64) -> Result<()> {
    db.execute(
        "UPDATE people SET erasure_asked_at = coalesce(erasure_asked_at, ?2) WHERE id = ?1",
        &[who.to_string().into(), now.into()],
    )?;
    Ok(())
}

/// Withdraws `who`'s request to be erased; true if there was one.
pub fn cancel_request(db: &dyn Db, who: PersonId) -> Result<bool> {
    let n = db.execute(
        "UPDATE people SET erasure_asked_at = NULL WHERE id = ?1 AND erasure_asked_at IS NOT NULL",
        &[who.to_string().into()],
    )?;
    Ok(n > 0)
}

/// Closes (`Some(now)`) or reopens (`None`) a young person's case; false if there is no such
/// young person.
pub fn set_case_closed(db: &dyn Db, who: PersonId, closed_at: Option<i64>) -> Result<bool> {
    let n = db.execute(
        "UPDATE people SET case_closed_at = ?2 WHERE id = ?1 AND role = 'young_person'",
        &[who.to_string().into(), closed_at.into()],
    )?;
    Ok(n > 0)
}
