//! People, devices and writes for merge tests.
#![allow(dead_code)]

use tandem_shared::merge::FieldWrite;
use tandem_shared::{Author, DeviceId, FieldValue, Hlc, PersonId, Record, RecordId, RecordKind, Role, Stamp};
use uuid::Uuid;

pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub const OWNER: PersonId = PersonId(Uuid::from_u128(1));
pub const WORKER: PersonId = PersonId(Uuid::from_u128(2));
pub const OTHER_WORKER: PersonId = PersonId(Uuid::from_u128(3));

pub fn owner_on(device: u128) -> Author {
    Author { person: OWNER, role: Role::YoungPerson, device: DeviceId(id(100 + device)) }
}
pub fn worker_on(device: u128) -> Author {
    Author { person: WORKER, role: Role::KeyWorker, device: DeviceId(id(200 + device)) }
}
pub fn other_worker() -> Author {
    Author { person: OTHER_WORKER, role: Role::KeyWorker, device: DeviceId(id(300)) }
}

pub fn stamp(author: Author, ms: u64) -> Stamp {
    Stamp { hlc: Hlc { ms, count: 0 }, device: author.device }
}

/// A goal made by `author` at time 1.
pub fn goal_by(author: Author) -> Record {
    Record::new(RecordId(id(9)), RecordKind::Goal, OWNER, author, stamp(author, 1))
}

pub fn write(author: Author, ms: u64, value: FieldValue, base: Option<Stamp>) -> FieldWrite {
    FieldWrite { value, base, author, stamp: stamp(author, ms) }
}

pub fn title(t: &str) -> FieldValue {
    FieldValue::Title(t.to_owned())
}

pub fn base_of(record: &Record, field: tandem_shared::FieldName) -> Option<Stamp> {
    record.fields.get(&field).map(|f| f.stamp)
}
