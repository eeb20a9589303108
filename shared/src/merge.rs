//! The merge rule: how one field write lands on a record. The heart of Tandem.
//!
//! Fields merge one by one. A write names the version (stamp) of the field it was based on.
//!
//! 1. Based on the current version: applied.
//! 2. Concurrent (based on anything else): the owner's write beats a worker's, whatever the
//!    clocks say; between writes of the same side the later stamp (clock, then device) wins.
//! 3. The losing value is never dropped: it is kept in `Record::conflicts`, shown to both.
//!    The exception is a device's own earlier draft: a later write from the same device, based on
//!    the same version, replaces it without a conflict (it is one person changing their mind).
//!    So does the same person's next write from the same device over their current value,
//!    whatever version it names: a device shows its own unsent writes on top of what it last
//!    pulled, so it wrote seeing that value, and its base only lags while that value is on its
//!    way back (a step ticked, then the steps reworded before the tick came back).
//!    The young person's words (a title, a text, a why) that a worker writes over under rule 1
//!    are kept the same way, so the young person can see them and take them back; they go once
//!    the young person writes again from them.
//! 4. Deletion is the `deleted` field and merges like any other. A worker may delete only a
//!    record they made, and their delete counts only while the young person has written nothing
//!    to it (`Record::is_deleted`): once the young person's words are in it, a worker's delete
//!    cannot remove them, whichever arrived first. Workers never un-delete.
//! 5. Visibility and acceptance of a suggestion are the owner's alone.
//!
//! Every rule compares the write against state that any delivery order of the same writes
//! reaches, so the result is the same whatever order the writes arrive in (see the property
//! tests in `tests/merge_properties.rs`).

use crate::hlc::Stamp;
use crate::ids::{PersonId, RecordId};
use crate::record::{Author, FieldName, FieldState, FieldValue, Record, RecordKind, Side};
use crate::validate::{ValidationError, validate};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use ts_rs::TS;

/// One write of one field, as it reaches the merge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldWrite {
    pub value: FieldValue,
    /// The field version the writer saw; `None` if they never saw this field on the server.
    pub base: Option<Stamp>,
    pub author: Author,
    pub stamp: Stamp,
}

/// What happened to a write that was not refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Based on the current version, and now the current value.
    Applied,
    /// Concurrent with another write and won; the other value is kept as a conflict.
    Merged,
    /// Concurrent and lost; kept as a conflict that both sides can see.
    KeptAsConflict,
    /// This exact write was merged before; nothing changes.
    Duplicate,
    /// The same device already sent a later value based on the same version; nothing changes.
    Superseded,
}

/// A write the rule does not allow. The record is left exactly as it was.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum Refusal {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error("only the young person can change {0:?}")]
    OwnerOnly(FieldName),
    #[error("a worker can only delete something they made themselves")]
    NotCreator,
}

/// Merges `write` into `record`. Pure: the result depends only on the arguments.
pub fn apply(record: &mut Record, write: FieldWrite) -> Result<Outcome, Refusal> {
    let value = validate(record.kind, write.value)?;
    let write = FieldState { value, stamp: write.stamp, base: write.base, author: write.author };
    let name = write.value.name();
    let side = record.side_of(write.author.person);

    if side == Side::Worker {
        match write.value {
            FieldValue::Visibility(_) | FieldValue::Accepted(_) | FieldValue::Deleted(false) => {
                return Err(Refusal::OwnerOnly(name));
            }
            FieldValue::Deleted(true) if record.created_by.person != write.author.person => {
                return Err(Refusal::NotCreator);
            }
            _ => {}
        }
    }

    let current = match record.fields.get(&name) {
        Some(current) => current.clone(),
        None => {
            record.fields.insert(name, write);
            return Ok(Outcome::Applied);
        }
    };
    if current.stamp == write.stamp || record.conflicts.iter().any(|c| c.value.name() == name && c.stamp == write.stamp)
    {
        return Ok(Outcome::Duplicate);
    }
    let mut same_field = std::iter::once(&current).chain(record.conflicts.iter().filter(|c| c.value.name() == name));
    if same_field.any(|other| is_later_draft(other, &write)) || follows_on_same_device(&current, &write) {
        return Ok(Outcome::Superseded);
    }
    record.conflicts.retain(|c| c.value.name() != name || !is_later_draft(&write, c));

    if side == Side::Owner {
        record.owner_touched = true;
        // Their own words kept when a worker wrote over them are superseded by what they write
        // from them now (whichever of the two arrived first).
        let owner = record.owner;
        record.conflicts.retain(|c| c.value.name() != name || c.author.person != owner || Some(c.stamp) != write.base);
    }

    if write.base == Some(current.stamp) || is_later_draft(&write, &current) || follows_on_same_device(&write, &current)
    {
        let writes_over_their_words = side == Side::Worker
            && write.base == Some(current.stamp)
            && record.side_of(current.author.person) == Side::Owner
            && matches!(name, FieldName::Title | FieldName::Text | FieldName::Why);
        record.fields.insert(name, write);
        if writes_over_their_words {
            keep_conflict(record, current);
        }
        Ok(Outcome::Applied)
    } else if priority(record, &write) > priority(record, &current) {
        record.fields.insert(name, write);
        keep_conflict(record, current);
        Ok(Outcome::Merged)
    } else {
        keep_conflict(record, write);
        Ok(Outcome::KeptAsConflict)
    }
}

/// Concurrent writes are ordered by side first (owner above worker), then by stamp.
fn priority(record: &Record, state: &FieldState) -> (Side, Stamp) {
    (record.side_of(state.author.person), state.stamp)
}

/// `later` replaces `earlier` as the same device's next draft from the same starting point.
fn is_later_draft(later: &FieldState, earlier: &FieldState) -> bool {
    later.author.device == earlier.author.device && later.base == earlier.base && later.stamp > earlier.stamp
}

/// `later` is the same person's next write from the same device as `earlier`, which it was made
/// seeing (a device replays its unsent writes over what it pulled), whatever base it names.
fn follows_on_same_device(later: &FieldState, earlier: &FieldState) -> bool {
    later.author.person == earlier.author.person
        && later.author.device == earlier.author.device
        && later.stamp > earlier.stamp
}

/// Conflicts stay sorted by field then stamp, so equal histories compare equal.
fn keep_conflict(record: &mut Record, losing: FieldState) {
    let key = |c: &FieldState| (c.value.name(), c.stamp);
    let at = record.conflicts.partition_point(|c| key(c) < key(&losing));
    record.conflicts.insert(at, losing);
}

/// A new record made by `author`, with `values` set over the defaults, all at `stamp`.
/// The same permissions as `apply`: a worker's new record is a suggestion, and its visibility,
/// acceptance and deletion are not theirs to set.
pub fn create(
    id: RecordId,
    kind: RecordKind,
    owner: PersonId,
    author: Author,
    stamp: Stamp,
    values: Vec<FieldValue>,
) -> Result<Record, Refusal> {
    let mut record = Record::new(id, kind, owner, author, stamp);
    for value in values {
        let value = validate(kind, value)?;
        let name = value.name();
        if record.side_of(author.person) == Side::Worker
            && matches!(name, FieldName::Visibility | FieldName::Accepted | FieldName::Deleted)
        {
            return Err(Refusal::OwnerOnly(name));
        }
        record.fields.insert(name, FieldState { value, stamp, base: None, author });
    }
    Ok(record)
}

/// One operation from a device: every change lands on the record (made first if `existing` is
/// None), or none does. Returns the record as it now is and each change's outcome.
pub fn apply_operation(
    existing: Option<&Record>,
    op: &crate::wire::Operation,
    author: Author,
    stamp: Stamp,
) -> Result<(Record, Vec<(FieldName, Outcome)>), Refusal> {
    match existing {
        None => {
            let values = op.changes.iter().map(|c| c.set.clone()).collect();
            let record = create(op.record, op.kind, op.owner, author, stamp, values)?;
            Ok((record, op.changes.iter().map(|c| (c.set.name(), Outcome::Applied)).collect()))
        }
        Some(existing) => {
            let mut record = existing.clone();
            let mut outcomes = Vec::with_capacity(op.changes.len());
            for change in &op.changes {
                let write = FieldWrite { value: change.set.clone(), base: change.base, author, stamp };
                outcomes.push((change.set.name(), apply(&mut record, write)?));
            }
            Ok((record, outcomes))
        }
    }
}
