//! The compact form of records, for pulls (`form=compact`) and for the server's stored bodies.
//!
//! The full form repeats every key name, and the writer's person, role and device, on every
//! field: about 280 bytes for a one-word field. The compact form holds a record's fields and
//! kept conflicts as arrays (`RecordBody`), about 60% of the size. The server stores a
//! record's body in this same form, so it can send a body as it opened it, without reading it
//! into fields and writing them out again; and a phone on one bar of signal has less to fetch
//! and parse.

use crate::hlc::{Hlc, Stamp};
use crate::ids::{DeviceId, PersonId, RecordId};
use crate::record::{Author, FieldState, FieldValue, Record, RecordKind, Role};
use crate::wire::PullResponse;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A stamp as `[ms, count, device]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StampRow(#[ts(type = "number")] pub u64, pub u32, pub DeviceId);

impl From<Stamp> for StampRow {
    fn from(s: Stamp) -> StampRow {
        StampRow(s.hlc.ms, s.hlc.count, s.device)
    }
}

impl From<StampRow> for Stamp {
    fn from(StampRow(ms, count, device): StampRow) -> Stamp {
        Stamp { hlc: Hlc { ms, count }, device }
    }
}

/// A field's state as `[value, ms, count, device, base, person, role, author's device]`; the
/// author's device is null when it is the stamp's (always, for writes made today).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FieldRow(
    pub FieldValue,
    #[ts(type = "number")] pub u64,
    pub u32,
    pub DeviceId,
    pub Option<StampRow>,
    pub PersonId,
    pub Role,
    pub Option<DeviceId>,
);

impl From<&FieldState> for FieldRow {
    fn from(state: &FieldState) -> FieldRow {
        let author_device = (state.author.device != state.stamp.device).then_some(state.author.device);
        FieldRow(
            state.value.clone(),
            state.stamp.hlc.ms,
            state.stamp.hlc.count,
            state.stamp.device,
            state.base.map(StampRow::from),
            state.author.person,
            state.author.role,
            author_device,
        )
    }
}

impl From<FieldRow> for FieldState {
    fn from(FieldRow(value, ms, count, device, base, person, role, author_device): FieldRow) -> FieldState {
        FieldState {
            value,
            stamp: Stamp { hlc: Hlc { ms, count }, device },
            base: base.map(Stamp::from),
            author: Author { person, role, device: author_device.unwrap_or(device) },
        }
    }
}

/// A record's fields and kept conflicts: `[[field, ...], [conflict, ...]]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordBody(pub Vec<FieldRow>, pub Vec<FieldRow>);

impl RecordBody {
    pub fn of<'a>(
        fields: impl IntoIterator<Item = &'a FieldState>,
        conflicts: impl IntoIterator<Item = &'a FieldState>,
    ) -> RecordBody {
        RecordBody(
            fields.into_iter().map(FieldRow::from).collect(),
            conflicts.into_iter().map(FieldRow::from).collect(),
        )
    }

    /// Puts the fields and conflicts into `record`, conflicts in stamp order within each field.
    pub fn fill(self, record: &mut Record) {
        record.fields = self.0.into_iter().map(|row| (row.0.name(), FieldState::from(row))).collect();
        record.conflicts = self.1.into_iter().map(FieldState::from).collect();
        record.conflicts.sort_by_key(|c| (c.value.name(), c.stamp));
    }
}

/// A record in the compact form: as `Record`, with `body` in place of `fields` and `conflicts`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompactRecord {
    pub id: RecordId,
    pub kind: RecordKind,
    pub owner: PersonId,
    pub created_by: Author,
    pub created: Stamp,
    pub owner_touched: bool,
    pub body: RecordBody,
}

impl CompactRecord {
    pub fn into_record(self) -> Record {
        let mut record = Record {
            id: self.id,
            kind: self.kind,
            owner: self.owner,
            created_by: self.created_by,
            created: self.created,
            owner_touched: self.owner_touched,
            fields: Default::default(),
            conflicts: Vec::new(),
        };
        self.body.fill(&mut record);
        record
    }
}

/// A pull's answer in the compact form (`GET /api/sync/pull?form=compact`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompactPullResponse {
    pub records: Vec<CompactRecord>,
    pub removed: Vec<RecordId>,
    #[ts(type = "number")]
    pub cursor: u64,
    pub more: bool,
    #[ts(type = "number")]
    pub last_applied: u64,
}

impl CompactPullResponse {
    /// The same answer in the full form.
    pub fn into_full(self) -> PullResponse {
        PullResponse {
            records: self.records.into_iter().map(CompactRecord::into_record).collect(),
            removed: self.removed,
            cursor: self.cursor,
            more: self.more,
            last_applied: self.last_applied,
        }
    }
}

/// The rows' schemas: JSON Schema tuples (`prefixItems`), which the derive can't write.
#[cfg(feature = "openapi")]
pub(crate) mod schema {
    use super::{FieldRow, StampRow};
    use utoipa::openapi::schema::{AllOfBuilder, ArrayBuilder, ArrayItems, ObjectBuilder, OneOfBuilder, Schema, Type};
    use utoipa::openapi::{Ref, RefOr};
    use utoipa::{PartialSchema, ToSchema};

    pub(crate) fn named(name: &str) -> Schema {
        AllOfBuilder::new().item(Ref::from_schema_name(name)).into()
    }

    pub(crate) fn whole(maximum: i64) -> Schema {
        ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)).maximum(Some(maximum)).into()
    }

    pub(crate) fn or_null(schema: Schema) -> Schema {
        OneOfBuilder::new().item(schema).item(ObjectBuilder::new().schema_type(Type::Null)).into()
    }

    pub(crate) fn tuple(items: Vec<Schema>, description: &str) -> Schema {
        let n = items.len();
        ArrayBuilder::new()
            .prefix_items(items)
            .items(ArrayItems::False)
            .min_items(Some(n))
            .max_items(Some(n))
            .description(Some(description))
            .into()
    }

    fn stamp_row() -> Schema {
        tuple(vec![whole(i64::MAX), whole(u32::MAX.into()), named("DeviceId")], "A stamp: `[ms, count, device]`.")
    }

    impl PartialSchema for StampRow {
        fn schema() -> RefOr<Schema> {
            stamp_row().into()
        }
    }
    impl ToSchema for StampRow {}

    impl PartialSchema for FieldRow {
        fn schema() -> RefOr<Schema> {
            let items = vec![
                named("FieldValue"),
                whole(i64::MAX),
                whole(u32::MAX.into()),
                named("DeviceId"),
                or_null(stamp_row()),
                named("PersonId"),
                named("Role"),
                or_null(named("DeviceId")),
            ];
            tuple(items, "A field's state: `[value, ms, count, device, base, person, role, author's device or null]`.")
                .into()
        }
    }
    impl ToSchema for FieldRow {}
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::record::FieldName;
    use uuid::Uuid;

    fn stamp(ms: u64, device: DeviceId) -> Stamp {
        Stamp { hlc: Hlc { ms, count: 3 }, device }
    }

    /// A record as the server sends it in a compact pull (the server sends stored bodies as
    /// they are, so only tests build one from a record).
    pub(crate) fn compact(record: &Record) -> CompactRecord {
        CompactRecord {
            id: record.id,
            kind: record.kind,
            owner: record.owner,
            created_by: record.created_by,
            created: record.created,
            owner_touched: record.owner_touched,
            body: RecordBody::of(record.fields.values(), &record.conflicts),
        }
    }

    #[test]
    fn a_record_reads_back_the_same_from_the_compact_form_which_is_smaller() {
        let (phone, laptop) = (DeviceId(Uuid::now_v7()), DeviceId(Uuid::now_v7()));
        let person = PersonId(Uuid::now_v7());
        let author = Author { person, role: Role::YoungPerson, device: phone };
        let mut record = Record::new(RecordId(Uuid::now_v7()), RecordKind::Goal, person, author, stamp(1, phone));
        let title = FieldState {
            value: FieldValue::Title("Get my own flat".into()),
            stamp: stamp(1_700_000_000_000, phone),
            base: Some(stamp(1_600_000_000_000, laptop)),
            author,
        };
        record.fields.insert(FieldName::Title, title.clone());
        // Kept conflicts come back in stamp order within each field, whatever order they were in.
        let worker = Author { person: PersonId(Uuid::now_v7()), role: Role::KeyWorker, device: phone };
        let later =
            FieldState { value: FieldValue::Title("A flat".into()), stamp: stamp(9, laptop), author: worker, ..title };
        let earlier = FieldState { stamp: stamp(8, laptop), ..later.clone() };
        record.conflicts = vec![later, earlier];
        let compact = serde_json::to_string(&compact(&record)).unwrap();
        let back: CompactRecord = serde_json::from_str(&compact).unwrap();
        let back = back.into_record();
        record.conflicts.reverse();
        assert_eq!(back, record);
        let full = serde_json::to_string(&record).unwrap();
        assert!(compact.len() * 10 < full.len() * 7, "{} against {} bytes", compact.len(), full.len());
    }
}
