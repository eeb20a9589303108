//! How field states and stored answers are written to their TEXT columns.
//!
//! Compact JSON arrays, not the wire's objects: every push writes a row per changed field and an
//! answer per operation, and the object form repeated key names and the writer's device on every
//! one (about 280 bytes for a one-word field). Rows written in the object form by earlier versions
//! are still read: an array starts with `[`, an object with `{`. Other JSON columns (a record's
//! creator and first stamp, a conflict's stamp) go through `to_text` and `from_text` here too.

use crate::error::{ApiError, Result};
use tandem_shared::wire::{FieldResult, OpResult, OpStatus};
use tandem_shared::{Author, DeviceId, FieldName, FieldState, FieldValue, Hlc, Outcome, PersonId, Role, Stamp};

/// A field's name as stored in `fields.name` and `conflicts.field`: its JSON form, quotes and all
/// (as the first version stored it), without encoding it on every write.
pub fn field_key(name: FieldName) -> &'static str {
    match name {
        FieldName::Title => "\"title\"",
        FieldName::Why => "\"why\"",
        FieldName::Steps => "\"steps\"",
        FieldName::Ratings => "\"ratings\"",
        FieldName::Status => "\"status\"",
        FieldName::Text => "\"text\"",
        FieldName::NoticedBy => "\"noticed_by\"",
        FieldName::Meeting => "\"meeting\"",
        FieldName::Visibility => "\"visibility\"",
        FieldName::Deleted => "\"deleted\"",
        FieldName::Accepted => "\"accepted\"",
    }
}

/// A stamp as `[ms, count, device]`.
type StampRow = (u64, u32, DeviceId);

/// `[value, ms, count, device, base, person, role, author's device if not the stamp's]`.
type FieldRow = (FieldValue, u64, u32, DeviceId, Option<StampRow>, PersonId, Role, Option<DeviceId>);

/// `[status, reason, stamp shared by every field, [[field, outcome], ...]]`.
type AnswerRow = (OpStatus, Option<String>, Option<StampRow>, Vec<(FieldName, Outcome)>);

fn stamp_row(s: Stamp) -> StampRow {
    (s.hlc.ms, s.hlc.count, s.device)
}

fn stamp_of((ms, count, device): StampRow) -> Stamp {
    Stamp { hlc: Hlc { ms, count }, device }
}

pub fn to_text<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| ApiError::Internal(e.to_string()))
}

pub fn from_text<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| ApiError::Internal(format!("a stored value doesn't read back: {e}")))
}

pub fn field_state(state: &FieldState) -> Result<String> {
    let author_device = (state.author.device != state.stamp.device).then_some(state.author.device);
    let row: FieldRow = (
        state.value.clone(),
        state.stamp.hlc.ms,
        state.stamp.hlc.count,
        state.stamp.device,
        state.base.map(stamp_row),
        state.author.person,
        state.author.role,
        author_device,
    );
    to_text(&row)
}

pub fn read_field_state(text: &str) -> Result<FieldState> {
    if !text.starts_with('[') {
        return from_text(text);
    }
    let (value, ms, count, device, base, person, role, author_device): FieldRow = from_text(text)?;
    Ok(FieldState {
        value,
        stamp: stamp_of((ms, count, device)),
        base: base.map(stamp_of),
        author: Author { person, role, device: author_device.unwrap_or(device) },
    })
}

/// An operation's answer, kept so a retry gets the same one. Its number is the row's key.
pub fn answer(result: &OpResult) -> Result<String> {
    let stamp = result.fields.first().map(|f| f.stamp);
    if result.fields.iter().any(|f| Some(f.stamp) != stamp) {
        // Never made by a push today (one operation, one stamp), but kept whole if it were.
        return to_text(result);
    }
    let fields = result.fields.iter().map(|f| (f.field, f.outcome)).collect();
    to_text(&(result.status, result.reason.clone(), stamp.map(stamp_row), fields) as &AnswerRow)
}

pub fn read_answer(seq: u64, text: &str) -> Result<OpResult> {
    if !text.starts_with('[') {
        return from_text(text);
    }
    let (status, reason, stamp, fields): AnswerRow = from_text(text)?;
    let fields = match stamp.map(stamp_of) {
        Some(stamp) => fields.into_iter().map(|(field, outcome)| FieldResult { field, outcome, stamp }).collect(),
        None => vec![],
    };
    Ok(OpResult { seq, status, reason, fields })
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn stamp(ms: u64, device: DeviceId) -> Stamp {
        Stamp { hlc: Hlc { ms, count: 3 }, device }
    }

    #[test]
    fn a_field_state_reads_back_the_same_and_is_far_smaller_than_the_wire_form() {
        let (phone, laptop) = (DeviceId(Uuid::now_v7()), DeviceId(Uuid::now_v7()));
        let person = PersonId(Uuid::now_v7());
        for author_device in [phone, laptop] {
            let state = FieldState {
                value: FieldValue::Title("Get my own flat".into()),
                stamp: stamp(1_700_000_000_000, phone),
                base: Some(stamp(1_600_000_000_000, laptop)),
                author: Author { person, role: Role::YoungPerson, device: author_device },
            };
            let text = field_state(&state).unwrap();
            assert_eq!(read_field_state(&text).unwrap(), state);
            assert!(text.len() * 10 < serde_json::to_string(&state).unwrap().len() * 7, "{text}");
        }
    }

    #[test]
    fn field_keys_are_the_json_form_earlier_versions_stored() {
        use FieldName::*;
        for name in [Title, Why, Steps, Ratings, Status, Text, NoticedBy, Meeting, Visibility, Deleted, Accepted] {
            assert_eq!(field_key(name), serde_json::to_string(&name).unwrap());
        }
    }

    #[test]
    fn field_states_stored_by_earlier_versions_as_objects_still_read() {
        let device = DeviceId(Uuid::now_v7());
        let state = FieldState {
            value: FieldValue::Text("I like drawing".into()),
            stamp: stamp(1, device),
            base: None,
            author: Author { person: PersonId(Uuid::now_v7()), role: Role::KeyWorker, device },
        };
        assert_eq!(read_field_state(&serde_json::to_string(&state).unwrap()).unwrap(), state);
    }

    #[test]
    fn answers_read_back_the_same_in_either_form() {
        let s = stamp(42, DeviceId(Uuid::now_v7()));
        let applied = OpResult {
            seq: 7,
            status: OpStatus::KeptAsConflict,
            reason: None,
            fields: vec![
                FieldResult { field: FieldName::Title, outcome: Outcome::KeptAsConflict, stamp: s },
                FieldResult { field: FieldName::Why, outcome: Outcome::Applied, stamp: s },
            ],
        };
        let rejected = OpResult { seq: 8, status: OpStatus::Rejected, reason: Some("too long".into()), fields: vec![] };
        let mixed = OpResult {
            fields: vec![
                applied.fields[0].clone(),
                FieldResult { stamp: stamp(43, s.device), ..applied.fields[1].clone() },
            ],
            ..applied.clone()
        };
        for result in [applied, rejected, mixed] {
            assert_eq!(read_answer(result.seq, &answer(&result).unwrap()).unwrap(), result);
            assert_eq!(read_answer(result.seq, &serde_json::to_string(&result).unwrap()).unwrap(), result);
        }
    }
}
