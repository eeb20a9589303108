//! The packed form of a pull's page (`form=packed`), for a phone on one bar of signal.
//!
//! In the compact form every field repeats its writer's person and device ids and its stamp:
//! a record with a line of words is about 1,240 bytes, most of them ids, and a young person's
//! first sync of a thousand records is over a megabyte. Here each person and device id is sent
//! once per page, and each write (a stamp with its author and base) once, and fields refer to
//! them by position: about a third of the bytes. Only ids, stamps and roles are shared between
//! records; words are never packed together (see "No compression of words" in the README).
//!
//! The lean variant (`form=lean`, what phones ask for) also leaves out of each record the fields
//! it still holds as it was made (a new statement's visibility, not deleted, no meeting…), and
//! lists each such set once a page: about 60% of the packed form's bytes again.

use crate::compact::RecordBody;
use crate::hlc::{Hlc, Stamp};
use crate::ids::{DeviceId, PersonId, RecordId};
use crate::record::{Author, FieldState, FieldValue, Record, RecordKind, Role};
use crate::wire::PullResponse;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use ts_rs::TS;

/// A base stamp as `[ms, count, device]`, the device a position in the page's `devices`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
pub struct BaseRow(#[ts(type = "number")] pub u64, pub u32, pub u32);

/// A write as `[ms, count, device, person, role, author's device or null, base or null]`: ids
/// are positions in the page's `devices` and `people`; the author's device is null when it is
/// the stamp's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
pub struct WriteRow(
    #[ts(type = "number")] pub u64,
    pub u32,
    pub u32,
    pub u32,
    pub Role,
    pub Option<u32>,
    pub Option<BaseRow>,
);

/// A field's state as `[value, write]`, the write a position in the page's `writes`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PackedField(pub FieldValue, pub u32);

/// A record as `[id, kind, owner, created, owner_touched, fields, conflicts, as_made]`: the
/// owner a position in `people`, `created` (the creating write, with no base) one in `writes`,
/// and `as_made`, when present, one in `as_made`: fields the record still holds as it was made,
/// with the creating write, left out of `fields`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PackedRecord(
    pub RecordId,
    pub RecordKind,
    pub u32,
    pub u32,
    pub bool,
    pub Vec<PackedField>,
    pub Vec<PackedField>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub Option<u32>,
);

/// A pull's answer in the packed form (`GET /api/sync/pull?form=packed`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackedPullResponse {
    /// Every person the page's records and writes name, once each.
    pub people: Vec<PersonId>,
    /// Every device the page's writes name, once each.
    pub devices: Vec<DeviceId>,
    /// Every write the page's records were made and changed by, once each.
    pub writes: Vec<WriteRow>,
    /// As `PullResponse`'s records, packed.
    pub records: Vec<PackedRecord>,
    /// With `form=lean`: each set of fields records were made with and still hold as made (a
    /// new statement's visibility, not deleted, no meeting), once a page. Never words: those are
    /// sent with each record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<Vec<FieldValue>>>", optional)]
    pub as_made: Vec<Vec<FieldValue>>,
    /// Records the caller could see before and may no longer see.
    pub removed: Vec<RecordId>,
    /// Pass as `since` next time.
    #[ts(type = "number")]
    pub cursor: u64,
    /// More pages wait; pull again at once.
    pub more: bool,
    /// The highest operation number the server has from the calling device.
    #[ts(type = "number")]
    pub last_applied: u64,
}

/// Builds a page's tables as records are added.
#[derive(Default)]
pub struct Packer {
    page: PackedPullResponse,
    /// Fields as made go to `as_made` (`form=lean`), not each record's `fields`.
    lean: bool,
    people: HashMap<PersonId, u32>,
    devices: HashMap<DeviceId, u32>,
    writes: HashMap<WriteRow, u32>,
    /// The last write asked for and its position: a record's fields are mostly one write's.
    last: Option<(Stamp, Author, Option<Stamp>, u32)>,
}

fn position<K: std::hash::Hash + Eq + Copy>(seen: &mut HashMap<K, u32>, list: &mut Vec<K>, key: K) -> u32 {
    *seen.entry(key).or_insert_with(|| {
        list.push(key);
        (list.len() - 1) as u32
    })
}

impl Packer {
    /// For `form=lean`.
    pub fn lean() -> Packer {
        Packer { lean: true, ..Packer::default() }
    }

    fn person(&mut self, id: PersonId) -> u32 {
        position(&mut self.people, &mut self.page.people, id)
    }

    fn device(&mut self, id: DeviceId) -> u32 {
        position(&mut self.devices, &mut self.page.devices, id)
    }

    fn write(&mut self, stamp: Stamp, author: Author, base: Option<Stamp>) -> u32 {
        if let Some((s, a, b, at)) = self.last
            && (s, a, b) == (stamp, author, base)
        {
            return at;
        }
        let row = WriteRow(
            stamp.hlc.ms,
            stamp.hlc.count,
            self.device(stamp.device),
            self.person(author.person),
            author.role,
            (author.device != stamp.device).then(|| self.device(author.device)),
            base.map(|b| BaseRow(b.hlc.ms, b.hlc.count, self.device(b.device))),
        );
        let at = position(&mut self.writes, &mut self.page.writes, row);
        self.last = Some((stamp, author, base, at));
        at
    }

    fn field(&mut self, state: FieldState) -> PackedField {
        let write = self.write(state.stamp, state.author, state.base);
        PackedField(state.value, write)
    }

    /// Adds a record: its head (`fields` and `conflicts` are not read) and its body.
    pub fn add(&mut self, head: &Record, body: RecordBody) {
        let owner = self.person(head.owner);
        let created = self.write(head.created, head.created_by, None);
        let mut fields: Vec<PackedField> = body.0.into_iter().map(|row| self.field(row.into())).collect();
        let conflicts = body.1.into_iter().map(|row| self.field(row.into())).collect();
        let as_made = if self.lean {
            let (made, changed): (Vec<_>, Vec<_>) =
                fields.into_iter().partition(|f| f.1 == created && !f.0.holds_words());
            fields = changed;
            let made: Vec<FieldValue> = made.into_iter().map(|f| f.0).collect();
            // A page's records are mostly made alike: few sets, found by looking.
            let sets = &mut self.page.as_made;
            (!made.is_empty()).then(|| match sets.iter().position(|set| *set == made) {
                Some(at) => at as u32,
                None => {
                    sets.push(made);
                    (sets.len() - 1) as u32
                }
            })
        } else {
            None
        };
        self.page.records.push(PackedRecord(
            head.id,
            head.kind,
            owner,
            created,
            head.owner_touched,
            fields,
            conflicts,
            as_made,
        ));
    }

    pub fn finish(self, removed: Vec<RecordId>, cursor: u64, more: bool, last_applied: u64) -> PackedPullResponse {
        PackedPullResponse { removed, cursor, more, last_applied, ..self.page }
    }
}

/// A position that names nothing in its table: a page that doesn't hold together.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("the packed page refers to {0} {1}, which it doesn't hold")]
pub struct Unpacked(&'static str, u32);

impl PackedPullResponse {
    /// The same answer in the full form.
    pub fn into_full(self) -> Result<PullResponse, Unpacked> {
        let person = |i: u32| self.people.get(i as usize).copied().ok_or(Unpacked("person", i));
        let device = |i: u32| self.devices.get(i as usize).copied().ok_or(Unpacked("device", i));
        let write = |i: u32| -> Result<(Stamp, Author, Option<Stamp>), Unpacked> {
            let WriteRow(ms, count, stamp_device, by, role, author_device, base) =
                *self.writes.get(i as usize).ok_or(Unpacked("write", i))?;
            let stamp_device = device(stamp_device)?;
            let author = Author { person: person(by)?, role, device: author_device.map_or(Ok(stamp_device), device)? };
            let base = base
                .map(|BaseRow(ms, count, d)| Ok(Stamp { hlc: Hlc { ms, count }, device: device(d)? }))
                .transpose()?;
            Ok((Stamp { hlc: Hlc { ms, count }, device: stamp_device }, author, base))
        };
        let state = |PackedField(value, w): &PackedField| -> Result<FieldState, Unpacked> {
            let (stamp, author, base) = write(*w)?;
            Ok(FieldState { value: value.clone(), stamp, base, author })
        };
        let mut records = Vec::with_capacity(self.records.len());
        for PackedRecord(id, kind, owner, created_at, owner_touched, fields, conflicts, as_made) in &self.records {
            let (created, created_by, _) = write(*created_at)?;
            let made = match as_made {
                Some(i) => self.as_made.get(*i as usize).ok_or(Unpacked("set of fields as made", *i))?.as_slice(),
                None => &[],
            };
            let made = made.iter().map(|value| PackedField(value.clone(), *created_at));
            let mut record = Record {
                id: *id,
                kind: *kind,
                owner: person(*owner)?,
                created_by,
                created,
                owner_touched: *owner_touched,
                fields: made
                    .chain(fields.iter().cloned())
                    .map(|f| state(&f).map(|s| (s.value.name(), s)))
                    .collect::<Result<_, _>>()?,
                conflicts: conflicts.iter().map(state).collect::<Result<_, _>>()?,
            };
            record.conflicts.sort_by_key(|c| (c.value.name(), c.stamp));
            records.push(record);
        }
        Ok(PullResponse {
            records,
            removed: self.removed,
            cursor: self.cursor,
            more: self.more,
            last_applied: self.last_applied,
        })
    }
}

/// The rows' schemas: JSON Schema tuples (`prefixItems`), which the derive can't write.
#[cfg(feature = "openapi")]
mod schema {
    use super::{BaseRow, PackedField, PackedRecord, WriteRow};
    use crate::compact::schema::{named, or_null, tuple, whole};
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{ArrayBuilder, ArrayItems, ObjectBuilder, Schema, Type};
    use utoipa::{PartialSchema, ToSchema};

    fn position() -> Schema {
        whole(u32::MAX.into())
    }

    fn base_row() -> Schema {
        tuple(vec![whole(i64::MAX), whole(u32::MAX.into()), position()], "A base stamp: `[ms, count, device]`.")
    }

    impl PartialSchema for BaseRow {
        fn schema() -> RefOr<Schema> {
            base_row().into()
        }
    }
    impl ToSchema for BaseRow {}

    impl PartialSchema for WriteRow {
        fn schema() -> RefOr<Schema> {
            let items = vec![
                whole(i64::MAX),
                whole(u32::MAX.into()),
                position(),
                position(),
                named("Role"),
                or_null(position()),
                or_null(base_row()),
            ];
            tuple(
                items,
                "A write: `[ms, count, device, person, role, author's device or null, base or null]`, people and devices as positions in the page's lists.",
            )
            .into()
        }
    }
    impl ToSchema for WriteRow {}

    fn packed_field() -> Schema {
        tuple(vec![named("FieldValue"), position()], "A field's state: `[value, write]`.")
    }

    impl PartialSchema for PackedField {
        fn schema() -> RefOr<Schema> {
            packed_field().into()
        }
    }
    impl ToSchema for PackedField {}

    impl PartialSchema for PackedRecord {
        fn schema() -> RefOr<Schema> {
            let fields = || ArrayBuilder::new().items(RefOr::T(packed_field())).into();
            let items = vec![
                named("RecordId"),
                named("RecordKind"),
                position(),
                position(),
                ObjectBuilder::new().schema_type(Type::Boolean).into(),
                fields(),
                fields(),
                position(),
            ];
            ArrayBuilder::new()
                .prefix_items(items)
                .items(ArrayItems::False)
                .min_items(Some(7))
                .max_items(Some(8))
                .description(Some(
                    "A record: `[id, kind, owner, created, owner_touched, fields, conflicts]`, and with `form=lean` `as_made` when it has fields as made.",
                ))
                .into()
        }
    }
    impl ToSchema for PackedRecord {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compact::RecordBody;
    use crate::compact::tests::compact;
    use crate::record::{FieldName, Visibility};
    use uuid::Uuid;

    fn stamp(ms: u64, device: DeviceId) -> Stamp {
        Stamp { hlc: Hlc { ms, count: 3 }, device }
    }

    /// A thousand records as a young person's phone writes them: words, then the fields every
    /// new record has, all from one write; and one a worker changed, with a kept conflict.
    fn page() -> Vec<Record> {
        let (phone, laptop) = (DeviceId(Uuid::now_v7()), DeviceId(Uuid::now_v7()));
        let (young, worker) = (PersonId(Uuid::now_v7()), PersonId(Uuid::now_v7()));
        let mine = Author { person: young, role: Role::YoungPerson, device: phone };
        let theirs = Author { person: worker, role: Role::KeyWorker, device: laptop };
        let mut records: Vec<Record> = (0..1000)
            .map(|n| {
                let made = stamp(1_700_000_000_000 + n, phone);
                let mut r = Record::new(RecordId(Uuid::now_v7()), RecordKind::Statement, young, mine, made);
                for value in [
                    FieldValue::Text(format!("Number {n}: something I want you to know, in my own words.")),
                    FieldValue::Meeting(None),
                    FieldValue::Visibility(Visibility::Worker),
                    FieldValue::Deleted(false),
                ] {
                    r.fields.insert(value.name(), FieldState { value, stamp: made, base: None, author: mine });
                }
                r
            })
            .collect();
        let changed = &mut records[7];
        let before = changed.fields[&FieldName::Text].clone();
        let reworded = FieldState {
            value: FieldValue::Text("Their words".into()),
            stamp: Stamp { hlc: Hlc { ms: 1_800_000_000_000, count: 0 }, device: laptop },
            base: Some(before.stamp),
            // Written on the laptop and sent from another of the worker's devices.
            author: Author { device: DeviceId(Uuid::now_v7()), ..theirs },
        };
        changed.conflicts = vec![reworded.clone(), FieldState { stamp: stamp(5, laptop), ..reworded }];
        records
    }

    fn packed(records: &[Record]) -> PackedPullResponse {
        let mut packer = Packer::default();
        for r in records {
            packer.add(r, RecordBody::of(r.fields.values(), &r.conflicts));
        }
        packer.finish(vec![RecordId(Uuid::now_v7())], 42, true, 7)
    }

    #[test]
    fn a_page_reads_back_the_same_from_the_packed_form_in_a_third_of_the_compact_forms_bytes() {
        let records = page();
        let page = packed(&records);
        let wire = serde_json::to_string(&page).unwrap();
        let back: PackedPullResponse = serde_json::from_str(&wire).unwrap();
        let full = back.into_full().unwrap();
        let mut expected = records.clone();
        for r in &mut expected {
            r.conflicts.sort_by_key(|c| (c.value.name(), c.stamp));
        }
        assert_eq!(full.records, expected);
        assert_eq!((full.removed, full.cursor, full.more, full.last_applied), (page.removed.clone(), 42, true, 7));
        // Two people and three devices, each once; a write per new record and the worker's two.
        assert_eq!((page.people.len(), page.devices.len(), page.writes.len()), (2, 3, 1002));
        let compact: usize = records.iter().map(|r| serde_json::to_string(&compact(r)).unwrap().len()).sum();
        assert!(wire.len() * 5 < compact * 2, "{} against {compact} bytes", wire.len());
    }

    #[test]
    fn a_lean_page_sends_each_set_of_fields_as_made_once_never_words_and_reads_back_the_same() {
        let mut records = page();
        // One record's visibility changed after it was made: sent with it, not as made.
        let visibility = records[3].fields.get_mut(&FieldName::Visibility).unwrap();
        *visibility = FieldState {
            value: FieldValue::Visibility(Visibility::Private),
            stamp: Stamp { hlc: Hlc { ms: 1_900_000_000_000, count: 0 }, device: visibility.stamp.device },
            base: Some(visibility.stamp),
            author: visibility.author,
        };
        let mut packer = Packer::lean();
        for r in &records {
            packer.add(r, RecordBody::of(r.fields.values(), &r.conflicts));
        }
        let lean = packer.finish(Vec::new(), 42, false, 7);
        let wire = serde_json::to_string(&lean).unwrap();
        let back: PackedPullResponse = serde_json::from_str(&wire).unwrap();
        let mut expected = records.clone();
        for r in &mut expected {
            r.conflicts.sort_by_key(|c| (c.value.name(), c.stamp));
        }
        assert_eq!(back.into_full().unwrap().records, expected);
        let as_made = |v: Visibility| {
            vec![
                FieldValue::Meeting(None),
                FieldValue::Visibility(v),
                FieldValue::Deleted(false),
                FieldValue::Accepted(true),
            ]
        };
        let mut changed = as_made(Visibility::Worker);
        changed.remove(1);
        assert_eq!(lean.as_made, vec![as_made(Visibility::Worker), changed]);
        assert_eq!(lean.records[3].7, Some(1));
        assert!(lean.records.iter().all(|r| r.5.iter().any(|f| f.0.holds_words())), "words go with each record");
        let packed = serde_json::to_string(&packed(&records)).unwrap();
        assert!(wire.len() * 4 < packed.len() * 3, "{} against {} bytes", wire.len(), packed.len());
        // Without `form=lean`, nothing is left out.
        assert!(
            !packed.contains("as_made")
                && serde_json::from_str::<PackedPullResponse>(&packed).unwrap().records.iter().all(|r| r.7.is_none())
        );
    }

    #[test]
    fn a_position_outside_its_table_is_refused_not_followed() {
        let mut page = packed(&page()[..2]);
        page.records[1].2 = 9;
        assert_eq!(page.clone().into_full().unwrap_err(), Unpacked("person", 9));
        page.records[1].2 = 0;
        page.writes[0].2 = 40;
        assert_eq!(page.into_full().unwrap_err(), Unpacked("device", 40));
    }
}
