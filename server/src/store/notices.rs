//! Notices put away: which notices of collided words ("your words stay", "your version was kept
//! as a suggestion") someone has read and put away, so that none shows again on another device
//! of theirs, or on a shared tablet at their next visit (which keeps nothing between visits).

use super::people;
use super::sql::Db;
use crate::error::{ApiError, Result};
use tandem_shared::{FieldName, PersonId, RecordId, Role};

/// One notice: a kept version of one field of one record, named as the app names it
/// (`record/field/ms.count/device`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub record: RecordId,
    /// The rest of the name after the record: `field/ms.count/device`.
    rest: String,
}

impl Notice {
    /// `None` unless `key` is a notice's name, each part what it should be.
    pub fn parse(key: &str) -> Option<Notice> {
        let mut parts = key.split('/');
        let record = RecordId::parse(parts.next()?).ok()?;
        let field = parts.next()?;
        let (ms, count) = parts.next()?.split_once('.')?;
        let device = uuid::Uuid::parse_str(parts.next()?).ok()?;
        if parts.next().is_some() {
            return None;
        }
        serde_json::from_value::<FieldName>(serde_json::Value::String(field.to_owned())).ok()?;
        let (ms, count): (u64, u32) = (ms.parse().ok()?, count.parse().ok()?);
        // Written again from its parts, so one notice has one name however it was sent.
        Some(Notice { record, rest: format!("{field}/{ms}.{count}/{device}") })
    }

    pub fn key(&self) -> String {
        format!("{}/{}", self.record, self.rest)
    }
}

/// Puts `notices` away for `person`: all of them, or none if any is about a record they can't
/// see (a young person: their own; a key worker: those the young people they support share
/// with them).
pub fn put_away(db: &dyn Db, person: PersonId, role: Role, notices: &[Notice]) -> Result<()> {
    let me = person.to_string();
    // Each record is checked once: a record's notices (one a field) usually come together.
    let mut seen = std::collections::BTreeSet::new();
    for notice in notices {
        let record = notice.record.to_string();
        if seen.insert(notice.record) && !can_see(db, person, role, &record)? {
            return Err(ApiError::NotFound("no record of that id that you can see"));
        }
        db.execute(
            "INSERT INTO put_away (person_id, record_id, notice) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            &[(&me).into(), record.into(), (&notice.rest).into()],
        )?;
    }
    Ok(())
}

/// Whether `person` sees `record`: a young person their own; a key worker what the young people
/// they support share with them.
fn can_see(db: &dyn Db, person: PersonId, role: Role, record: &str) -> Result<bool> {
    let row = db.query_opt("SELECT owner_id, visibility FROM records WHERE id = ?1", &[record.into()])?;
    Ok(match (role, row) {
        (Role::YoungPerson, Some(row)) => people::parse_id(row.text(0)?) == person,
        (Role::KeyWorker, Some(row)) => {
            row.text(1)? != "private" && people::is_assigned(db, person, people::parse_id(row.text(0)?))?
        }
        _ => false,
    })
}

/// The notices `person` has put away, by name.
pub fn put_away_by(db: &dyn Db, person: PersonId) -> Result<Vec<String>> {
    db.query(
        "SELECT record_id, notice FROM put_away WHERE person_id = ?1 ORDER BY record_id, notice",
        &[person.to_string().into()],
    )?
    .iter()
    .map(|row| Ok(format!("{}/{}", row.text(0)?, row.text(1)?)))
    .collect()
}

/// A key worker's put-away notices about `young_person`'s records, when they no longer support
/// them: the records have gone from their devices, and what they read of them needn't stay.
pub fn forget_about(db: &dyn Db, worker: PersonId, young_person: PersonId) -> Result<()> {
    db.execute(
        "DELETE FROM put_away WHERE person_id = ?1 AND record_id IN (SELECT id FROM records WHERE owner_id = ?2)",
        &[worker.to_string().into(), young_person.to_string().into()],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_is_read_from_its_name_only_when_every_part_is_right() {
        let (record, device) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        let key = format!("{record}/title/1764633600000.3/{device}");
        assert_eq!(Notice::parse(&key).map(|n| n.key()), Some(key.clone()));
        // Written again from its parts: one notice, one name.
        let upper = format!("{}/title/1764633600000.3/{}", record.to_string().to_uppercase(), device);
        assert_eq!(Notice::parse(&upper).map(|n| n.key()), Some(key));
        for bad in [
            String::new(),
            format!("{record}/title/1764633600000.3"),
            format!("{record}/title/1764633600000.3/{device}/more"),
            format!("{record}/colour/1764633600000.3/{device}"),
            format!("{record}/title/1764633600000/{device}"),
            format!("{record}/title/-1.3/{device}"),
            format!("{record}/title/1.x/{device}"),
            format!("not-a-record/title/1.3/{device}"),
            format!("{record}/title/1.3/not-a-device"),
        ] {
            assert_eq!(Notice::parse(&bad), None, "{bad}");
        }
    }
}
