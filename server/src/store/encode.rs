//! How records and stored answers are written to their TEXT columns.
//!
//! A record's fields and kept conflicts are one value, `records.body` (sealed as a whole, see
//! store::seal), in the compact form compact pulls send (`tandem_shared::compact::RecordBody`),
//! so a pull can send a body as it opened it. Before schema 14 each field was a row of its own in `fields` or
//! `conflicts`, in the same array form or, earlier still, the object form; those still read (an
//! array starts with `[`, an object with `{`) so the server can fold them into bodies on start.
//! Other JSON columns (a record's creator and first stamp) go through `to_text` and `from_text`.

use crate::error::{ApiError, Result};
use tandem_shared::compact::{FieldRow, RecordBody, StampRow};
use tandem_shared::wire::{FieldResult, OpResult, OpStatus};
use tandem_shared::{FieldName, FieldState, Outcome, Stamp};

/// `[status, reason, stamp shared by every field, [[field, outcome], ...]]`.
type AnswerRow = (OpStatus, Option<String>, Option<StampRow>, Vec<(FieldName, Outcome)>);

pub fn to_text<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| ApiError::Internal(e.to_string()))
}

pub fn from_text<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| ApiError::Internal(format!("a stored value doesn't read back: {e}")))
}

/// A record's fields and kept conflicts, as `records.body` holds them before sealing.
pub fn record_body<'a>(
    fields: impl IntoIterator<Item = &'a FieldState>,
    conflicts: impl IntoIterator<Item = &'a FieldState>,
) -> Result<String> {
    to_text(&RecordBody::of(fields, conflicts))
}

/// (fields, kept conflicts) from a `records.body` once opened.
pub fn read_record_body(text: &str) -> Result<RecordBody> {
    from_text(text)
}

/// One field as a row of the `fields` or `conflicts` tables held it before schema 14.
pub fn read_field_state(text: &str) -> Result<FieldState> {
    if !text.starts_with('[') {
        return from_text(text);
    }
    from_text::<FieldRow>(text).map(FieldState::from)
}

/// A push's answers to the run of operations it applied, kept so a retry gets the same ones:
/// a JSON array, in order (the first operation's number is the row's key).
pub fn answers(results: &[OpResult]) -> Result<String> {
    let each: Vec<String> = results.iter().map(answer).collect::<Result<_>>()?;
    Ok(format!("[{}]", each.join(",")))
}

fn answer(result: &OpResult) -> Result<String> {
    let stamp = result.fields.first().map(|f| f.stamp);
    if result.fields.iter().any(|f| Some(f.stamp) != stamp) {
        // Never made by a push today (one operation, one stamp), but kept whole if it were.
        return to_text(result);
    }
    let fields = result.fields.iter().map(|f| (f.field, f.outcome)).collect();
    to_text(&(result.status, result.reason.clone(), stamp.map(StampRow::from), fields) as &AnswerRow)
}

/// One kept answer: the compact array, or the wire's object (earlier versions stored some).
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum StoredAnswer {
    Compact(AnswerRow),
    Whole(OpResult),
}

/// The answers kept by `answers`, numbered from `first_seq`.
pub fn read_answers(first_seq: u64, text: &str) -> Result<Vec<OpResult>> {
    let stored: Vec<StoredAnswer> = from_text(text)?;
    let numbered = (first_seq..).zip(stored).map(|(seq, answer)| match answer {
        StoredAnswer::Whole(result) => OpResult { seq, ..result },
        StoredAnswer::Compact((status, reason, stamp, fields)) => {
            let fields = match stamp.map(Stamp::from) {
                Some(stamp) => {
                    fields.into_iter().map(|(field, outcome)| FieldResult { field, outcome, stamp }).collect()
                }
                None => vec![],
            };
            OpResult { seq, status, reason, fields }
        }
    });
    Ok(numbered.collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tandem_shared::{Author, DeviceId, FieldValue, Hlc, PersonId, Role};
    use uuid::Uuid;

    fn stamp(ms: u64, device: DeviceId) -> Stamp {
        Stamp { hlc: Hlc { ms, count: 3 }, device }
    }

    #[test]
    fn a_record_body_reads_back_the_same_and_is_far_smaller_than_the_wire_form() {
        let (phone, laptop) = (DeviceId(Uuid::now_v7()), DeviceId(Uuid::now_v7()));
        let person = PersonId(Uuid::now_v7());
        for author_device in [phone, laptop] {
            let state = FieldState {
                value: FieldValue::Title("Get my own flat".into()),
                stamp: stamp(1_700_000_000_000, phone),
                base: Some(stamp(1_600_000_000_000, laptop)),
                author: Author { person, role: Role::YoungPerson, device: author_device },
            };
            let kept = FieldState { value: FieldValue::Title("Get a flat".into()), ..state.clone() };
            let text = record_body([&state], [&kept]).unwrap();
            let RecordBody(fields, conflicts) = read_record_body(&text).unwrap();
            let states = |rows: Vec<FieldRow>| rows.into_iter().map(FieldState::from).collect::<Vec<_>>();
            assert_eq!((states(fields), states(conflicts)), (vec![state.clone()], vec![kept.clone()]));
            let wire = serde_json::to_string(&(&state, &kept)).unwrap();
            assert!(text.len() * 10 < wire.len() * 7, "{text}");
            // Rows of the per-field tables before schema 14 held one such array each.
            let row = serde_json::to_string(&FieldRow::from(&state)).unwrap();
            assert_eq!(read_field_state(&row).unwrap(), state);
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
    fn a_runs_answers_read_back_the_same_in_either_form() {
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
            seq: 9,
            fields: vec![
                applied.fields[0].clone(),
                FieldResult { stamp: stamp(43, s.device), ..applied.fields[1].clone() },
            ],
            ..applied.clone()
        };
        let run = [applied, rejected, mixed];
        assert_eq!(read_answers(7, &answers(&run).unwrap()).unwrap(), run);
        // Earlier versions kept some answers whole, one per row; migration 15 made each a run of one.
        for result in &run {
            let whole = format!("[{}]", serde_json::to_string(result).unwrap());
            assert_eq!(read_answers(result.seq, &whole).unwrap(), std::slice::from_ref(result));
        }
    }
}
