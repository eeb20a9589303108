//! The record of every worker's read or change of a young person's records.

use super::people::{self, parse_id};
use super::sql::Db;
use crate::error::Result;
use serde::Serialize;
use tandem_shared::PersonId;

#[derive(Debug, Clone, Copy)]
pub enum Action {
    Read,
    Change,
}

pub fn append(
    conn: &dyn Db,
    young_person: PersonId,
    actor: PersonId,
    action: Action,
    records: usize,
    now: i64,
) -> Result<()> {
    let action = match action {
        Action::Read => "read",
        Action::Change => "change",
    };
    conn.execute(
        "INSERT INTO access_log (young_person_id, actor_id, action, records, at) VALUES (?1, ?2, ?3, ?4, ?5)",
        &[
            young_person.to_string().into(),
            actor.to_string().into(),
            action.into(),
            (records as i64).into(),
            now.into(),
        ],
    )?;
    Ok(())
}

/// Notes that the service made a copy of everything held about `young_person` (`records` of
/// theirs among it) for a subject access request.
pub fn note_copy(conn: &dyn Db, young_person: PersonId, records: usize, now: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO copies_made (young_person_id, records, at) VALUES (?1, ?2, ?3)",
        &[young_person.to_string().into(), (records as i64).into(), now.into()],
    )?;
    Ok(())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Entry {
    /// None for the service itself (a copy of everything, `copy`).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub who: Option<PersonId>,
    pub who_name: String,
    /// Theirs (`key_worker`, `drop_in_staff`), or `service` for a copy.
    pub role: String,
    /// `read`, `change`, or `copy`: the service made a copy of everything held about you, for a
    /// subject access request (one you made, or one made for you).
    pub action: String,
    /// How many of your things they read or changed.
    pub records: i64,
    /// Unix milliseconds.
    pub at: i64,
}

/// The newest `limit` entries, newest first, copies made among them.
pub fn for_young_person(conn: &dyn Db, young_person: PersonId, limit: i64) -> Result<Vec<Entry>> {
    let mut entries = looks(conn, young_person, limit)?;
    let copies = conn.query(
        "SELECT records, at FROM copies_made WHERE young_person_id = ?1 ORDER BY id DESC LIMIT ?2",
        &[young_person.to_string().into(), limit.into()],
    )?;
    for copy in &copies {
        entries.push(Entry {
            who: None,
            who_name: "the service".into(),
            role: "service".into(),
            action: "copy".into(),
            records: copy.int(0)?,
            at: copy.int(1)?,
        });
    }
    // Stable: entries at the same moment stay in the order each list had them.
    entries.sort_by_key(|e| std::cmp::Reverse(e.at));
    entries.truncate(limit.max(0) as usize);
    Ok(entries)
}

fn looks(conn: &dyn Db, young_person: PersonId, limit: i64) -> Result<Vec<Entry>> {
    let rows = conn.query(
        "SELECT l.actor_id, p.display_name, p.role, l.action, l.records, l.at
         FROM access_log l JOIN people p ON p.id = l.actor_id
         WHERE l.young_person_id = ?1 ORDER BY l.id DESC LIMIT ?2",
        &[young_person.to_string().into(), limit.into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(Entry {
                who: Some(parse_id(r.text(0)?)),
                who_name: people::name_in(conn, r, 0, 1)?,
                role: r.string(2)?,
                action: r.string(3)?,
                records: r.int(4)?,
                at: r.int(5)?,
            })
        })
        .collect()
}
