//! The three record kinds and the state the server keeps for each record, field by field.

use crate::hlc::Stamp;
use crate::ids::{DeviceId, PersonId, RecordId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Goal,
    Strength,
    Statement,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    YoungPerson,
    KeyWorker,
    DropInStaff,
    Admin,
}

/// Who a record is shared with. Everything starts `Private`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Only the young person.
    #[default]
    Private,
    /// The young person and their assigned key workers.
    Worker,
    /// Also the drop-in staff of the organisation.
    Team,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GoalStatus {
    #[default]
    Active,
    Achieved,
    Paused,
    LetGo,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NoticedBy {
    #[default]
    Me,
    MyWorker,
    SomeoneElse,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub text: String,
    pub done: bool,
}

/// One progress rating, as in goal-based outcome measures: a date and a score 0–10.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Rating {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// 0–10. Like every domain limit, checked per operation: a push carrying 11 is answered with
    /// that operation rejected (and the ones behind it applied), not refused as a whole.
    pub score: u8,
}

/// A field's name and typed value together, so a value can't be written to the wrong field.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "field", content = "value", rename_all = "snake_case", deny_unknown_fields)]
pub enum FieldValue {
    Title(String),
    Why(String),
    Steps(Vec<Step>),
    Ratings(Vec<Rating>),
    Status(GoalStatus),
    Text(String),
    NoticedBy(NoticedBy),
    /// The meeting a statement is marked for, if any. `value` must be present: `null` clears it.
    #[serde(deserialize_with = "present_option")]
    Meeting(Option<String>),
    Visibility(Visibility),
    Deleted(bool),
    /// For a worker's suggestion: whether the young person has taken it as theirs.
    Accepted(bool),
}

impl FieldValue {
    /// Whether this holds someone's words (a title, words, steps, ratings, a meeting's name):
    /// such values are never shared between records on the wire (see `packed.rs`).
    pub fn holds_words(&self) -> bool {
        match self {
            FieldValue::Title(_) | FieldValue::Why(_) | FieldValue::Text(_) => true,
            FieldValue::Steps(steps) => !steps.is_empty(),
            FieldValue::Ratings(ratings) => !ratings.is_empty(),
            FieldValue::Meeting(meeting) => meeting.is_some(),
            FieldValue::Status(_)
            | FieldValue::NoticedBy(_)
            | FieldValue::Visibility(_)
            | FieldValue::Deleted(_)
            | FieldValue::Accepted(_) => false,
        }
    }
}

/// An `Option` whose key must be present (null or a string), unlike serde's default of treating a
/// missing key as `None`: a write that forgot its value is refused, not taken as "clear it".
fn present_option<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    use serde::de::Error;
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::String(s) => Ok(Some(s)),
        other => Err(D::Error::custom(format!("expected a meeting name or null, not {other}"))),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldName {
    Title,
    Why,
    Steps,
    Ratings,
    Status,
    Text,
    NoticedBy,
    Meeting,
    Visibility,
    Deleted,
    Accepted,
}

impl FieldValue {
    pub fn name(&self) -> FieldName {
        match self {
            FieldValue::Title(_) => FieldName::Title,
            FieldValue::Why(_) => FieldName::Why,
            FieldValue::Steps(_) => FieldName::Steps,
            FieldValue::Ratings(_) => FieldName::Ratings,
            FieldValue::Status(_) => FieldName::Status,
            FieldValue::Text(_) => FieldName::Text,
            FieldValue::NoticedBy(_) => FieldName::NoticedBy,
            FieldValue::Meeting(_) => FieldName::Meeting,
            FieldValue::Visibility(_) => FieldName::Visibility,
            FieldValue::Deleted(_) => FieldName::Deleted,
            FieldValue::Accepted(_) => FieldName::Accepted,
        }
    }
}

impl RecordKind {
    /// The fields a record of this kind has, and the value each starts with.
    pub fn default_fields(self) -> Vec<FieldValue> {
        let mut fields = match self {
            RecordKind::Goal => vec![
                FieldValue::Title(String::new()),
                FieldValue::Why(String::new()),
                FieldValue::Steps(Vec::new()),
                FieldValue::Ratings(Vec::new()),
                FieldValue::Status(GoalStatus::Active),
            ],
            RecordKind::Strength => vec![FieldValue::Text(String::new()), FieldValue::NoticedBy(NoticedBy::Me)],
            RecordKind::Statement => {
                vec![FieldValue::Text(String::new()), FieldValue::Meeting(None)]
            }
        };
        fields.extend([
            FieldValue::Visibility(Visibility::Private),
            FieldValue::Deleted(false),
            FieldValue::Accepted(true),
        ]);
        fields
    }

    pub fn has_field(self, name: FieldName) -> bool {
        self.default_fields().iter().any(|f| f.name() == name)
    }
}

/// Which side of the merge rule a writer is on, relative to the record's owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Anyone who is not the owner (key workers, drop-in staff). Orders below `Owner`.
    Worker,
    /// The young person the record belongs to.
    Owner,
}

/// Who made a write: person, role and device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Author {
    pub person: PersonId,
    pub role: Role,
    pub device: DeviceId,
}

/// A field's current value with its last writer. `stamp` is the field's version: a write
/// based on it is sequential, one based on anything else is concurrent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldState {
    pub value: FieldValue,
    pub stamp: Stamp,
    /// The version the writer saw when they wrote this (None for a record's first write).
    pub base: Option<Stamp>,
    pub author: Author,
}

/// A record as the server holds it. Conflicts are the losing values, kept and shown to both sides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Record {
    pub id: RecordId,
    pub kind: RecordKind,
    pub owner: PersonId,
    pub created_by: Author,
    pub created: Stamp,
    /// Set once the owner has written anything; from then on only the owner may delete it.
    pub owner_touched: bool,
    pub fields: BTreeMap<FieldName, FieldState>,
    /// Losing writes, in stamp order within each field.
    pub conflicts: Vec<FieldState>,
}

impl Record {
    /// A new record with every field at its default, written by its creator at `stamp`.
    /// A worker's new record is a suggestion: not yet accepted, and visible to workers so its
    /// maker can see it.
    pub fn new(id: RecordId, kind: RecordKind, owner: PersonId, author: Author, stamp: Stamp) -> Record {
        let by_owner = author.person == owner;
        let fields = kind
            .default_fields()
            .into_iter()
            .map(|value| {
                let value = match value {
                    FieldValue::Accepted(_) => FieldValue::Accepted(by_owner),
                    FieldValue::Visibility(_) if !by_owner => FieldValue::Visibility(Visibility::Worker),
                    other => other,
                };
                (value.name(), FieldState { value, stamp, base: None, author })
            })
            .collect();
        Record {
            id,
            kind,
            owner,
            created_by: author,
            created: stamp,
            owner_touched: by_owner,
            fields,
            conflicts: Vec::new(),
        }
    }

    pub fn side_of(&self, person: PersonId) -> Side {
        if person == self.owner { Side::Owner } else { Side::Worker }
    }

    pub fn field(&self, name: FieldName) -> Option<&FieldValue> {
        self.fields.get(&name).map(|state| &state.value)
    }

    pub fn visibility(&self) -> Visibility {
        match self.field(FieldName::Visibility) {
            Some(FieldValue::Visibility(v)) => *v,
            _ => Visibility::Private,
        }
    }

    /// Deleted by the owner, or by the worker who made it before the owner wrote anything to it.
    /// Computed rather than stored, so a worker's delete and the owner's edit agree in any order.
    pub fn is_deleted(&self) -> bool {
        match self.fields.get(&FieldName::Deleted) {
            Some(FieldState { value: FieldValue::Deleted(true), author, .. }) => {
                self.side_of(author.person) == Side::Owner || !self.owner_touched
            }
            _ => false,
        }
    }

    /// A worker's record the young person has not yet taken up.
    pub fn is_suggestion(&self) -> bool {
        matches!(self.field(FieldName::Accepted), Some(FieldValue::Accepted(false)))
    }
}
