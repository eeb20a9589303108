//! The audit log: what admins did and what the server erased. Never anyone's words, and never a
//! young person's name (an erased young person is named only by their random id).

use super::people::{self, parse_id};
use super::sql::Db;
use crate::error::Result;
use serde::Serialize;
use tandem_shared::PersonId;

pub fn append(
    conn: &dyn Db,
    now: i64,
    actor: Option<PersonId>,
    action: &str,
    subject: Option<PersonId>,
    detail: &str,
) -> Result<()> {
    conn.execute(
        "INSERT INTO audit_log (at, actor_id, action, subject_id, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        &[
            now.into(),
            actor.map(|a| a.to_string()).into(),
            action.into(),
            subject.map(|s| s.to_string()).into(),
            detail.into(),
        ],
    )?;
    Ok(())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// Its place in the log: ask for entries `before` it for the page after this one.
    pub id: i64,
    pub at: i64,
    /// Who did it; absent when the server did it (the retention job).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub actor: Option<PersonId>,
    pub actor_name: Option<String>,
    pub action: String,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub subject: Option<PersonId>,
    /// The subject's display name while they still exist; erased people have none.
    pub subject_name: Option<String>,
    pub detail: String,
}

/// Which entries to read: those before entry `before` (all, if `None`), done by or to `person`
/// (anyone's, if `None`), at most `limit`, the latest first.
pub struct Page {
    pub before: Option<i64>,
    pub person: Option<PersonId>,
    pub limit: i64,
}

/// What every page reads of an entry, and from where.
macro_rules! entries {
    ($where:literal) => {
        concat!(
            "SELECT a.id, a.at, a.actor_id, actor.display_name, a.action, a.subject_id, subject.display_name, a.detail
             FROM audit_log a
             LEFT JOIN people actor ON actor.id = a.actor_id
             LEFT JOIN people subject ON subject.id = a.subject_id
             WHERE ",
            $where,
            " ORDER BY a.id DESC LIMIT ?3"
        )
    };
}

/// Everyone's entries before ?1 (`?2` unused, for one set of parameters).
const EVERYONE: &str = entries!("a.id < ?1 AND ?2 = ''");
/// One person's entries before ?1: the latest ?3 done to them and the latest ?3 done by them,
/// each read through its index (`audit_log_by_subject`, `audit_log_by_actor`).
pub const ONE_PERSON: &str = entries!(
    "a.id IN (SELECT id FROM (SELECT id FROM audit_log WHERE subject_id = ?2 AND id < ?1 ORDER BY id DESC LIMIT ?3) AS to_them
              UNION ALL
              SELECT id FROM (SELECT id FROM audit_log WHERE actor_id = ?2 AND id < ?1 ORDER BY id DESC LIMIT ?3) AS by_them)"
);

/// Every entry (by or about `person`, if named), newest first, read a page at a time.
pub fn all(conn: &dyn Db, person: Option<PersonId>) -> Result<Vec<AuditEntry>> {
    const PAGE: i64 = 1000;
    let mut all: Vec<AuditEntry> = Vec::new();
    loop {
        let read = page(conn, &Page { before: all.last().map(|e| e.id), person, limit: PAGE })?;
        let done = read.len() < PAGE as usize;
        all.extend(read);
        if done {
            return Ok(all);
        }
    }
}

pub fn page(conn: &dyn Db, page: &Page) -> Result<Vec<AuditEntry>> {
    // No entry is spelled as a value no entry has.
    let before = page.before.unwrap_or(i64::MAX);
    let (sql, person) = match page.person {
        Some(p) => (ONE_PERSON, p.to_string()),
        None => (EVERYONE, String::new()),
    };
    let rows = conn.query(sql, &[before.into(), person.into(), page.limit.into()])?;
    rows.iter()
        .map(|r| {
            Ok(AuditEntry {
                id: r.int(0)?,
                at: r.int(1)?,
                actor: r.opt_text(2)?.map(parse_id),
                actor_name: people::opt_name_in(conn, r, 2, 3)?,
                action: r.string(4)?,
                subject: r.opt_text(5)?.map(parse_id),
                subject_name: people::opt_name_in(conn, r, 5, 6)?,
                detail: r.string(7)?,
            })
        })
        .collect()
}
