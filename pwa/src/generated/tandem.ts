// Generated from the tandem-shared crate. Do not edit: run
// `TANDEM_WRITE_TS=1 cargo test -p tandem-shared --test typescript`.

export const PROTOCOL_VERSION = 1;
export const SCHEMA_VERSION = 1;
export const PUSH_BODY_MAX = 1048576;

export type PersonId = string;

export type DeviceId = string;

export type RecordId = string;

export type Hlc = { 
/**
 * Milliseconds since the Unix epoch, as this clock believes it.
 */
ms: number, 
/**
 * Orders events within the same millisecond.
 */
count: number, };

export type Stamp = { hlc: Hlc, device: DeviceId, };

export type RecordKind = "goal" | "strength" | "statement";

export type Role = "young_person" | "key_worker" | "drop_in_staff" | "admin";

export type Visibility = "private" | "worker" | "team";

export type GoalStatus = "active" | "achieved" | "paused" | "let_go";

export type NoticedBy = "me" | "my_worker" | "someone_else";

export type Step = { text: string, done: boolean, };

export type Rating = { 
/**
 * `YYYY-MM-DD`.
 */
date: string, 
/**
 * 0–10. Like every domain limit, checked per operation: a push carrying 11 is answered with
 * that operation rejected (and the ones behind it applied), not refused as a whole.
 */
score: number, };

export type FieldValue = { "field": "title", "value": string } | { "field": "why", "value": string } | { "field": "steps", "value": Array<Step> } | { "field": "ratings", "value": Array<Rating> } | { "field": "status", "value": GoalStatus } | { "field": "text", "value": string } | { "field": "noticed_by", "value": NoticedBy } | { "field": "meeting", "value": string | null } | { "field": "visibility", "value": Visibility } | { "field": "deleted", "value": boolean } | { "field": "accepted", "value": boolean };

export type FieldName = "title" | "why" | "steps" | "ratings" | "status" | "text" | "noticed_by" | "meeting" | "visibility" | "deleted" | "accepted";

export type Side = "worker" | "owner";

export type Author = { person: PersonId, role: Role, device: DeviceId, };

export type FieldState = { value: FieldValue, stamp: Stamp, 
/**
 * The version the writer saw when they wrote this (None for a record's first write).
 */
base: Stamp | null, author: Author, };

export type Record = { id: RecordId, kind: RecordKind, owner: PersonId, created_by: Author, created: Stamp, 
/**
 * Set once the owner has written anything; from then on only the owner may delete it.
 */
owner_touched: boolean, fields: { [key in FieldName]?: FieldState }, 
/**
 * Losing writes, in stamp order within each field.
 */
conflicts: Array<FieldState>, };

export type Outcome = "applied" | "merged" | "kept_as_conflict" | "duplicate" | "superseded";

export type Change = { set: FieldValue, 
/**
 * The field version this change was based on (from the last pull), if any.
 */
base: Stamp | null, };

export type Operation = { 
/**
 * 1, 2, 3, … per device, with no gaps. At most 2^63 − 1 (stored as a signed 64-bit number).
 */
seq: number, record: RecordId, kind: RecordKind, 
/**
 * The young person the record belongs to.
 */
owner: PersonId, 
/**
 * The device's clock when the change was made.
 */
hlc: Hlc, changes: Array<Change>, };

export type PushRequest = { 
/**
 * Must be `PROTOCOL_VERSION`; anything else is answered `unsupported_version`.
 */
protocol: number, 
/**
 * Must be `SCHEMA_VERSION`.
 */
schema: number, device: DeviceId, ops: Array<Operation>, };

export type OpStatus = "applied" | "merged" | "kept_as_conflict" | "rejected" | "out_of_order";

export type FieldResult = { field: FieldName, outcome: Outcome, 
/**
 * The version this write was stored under (its clock may have been capped by the server).
 */
stamp: Stamp, };

export type OpResult = { seq: number, status: OpStatus, 
/**
 * Why it was rejected, in words a person can act on.
 */
reason: string | null, fields: Array<FieldResult>, };

export type PushResponse = { results: Array<OpResult>, 
/**
 * The highest operation number the server has from this device.
 */
last_applied: number, };

export type PullResponse = { 
/**
 * Records changed after the cursor that the caller may see, as they are now.
 */
records: Array<Record>, 
/**
 * Records the caller could see before and may no longer see.
 */
removed: Array<RecordId>, 
/**
 * Pass as `since` next time.
 */
cursor: number, 
/**
 * More pages wait; pull again at once.
 */
more: boolean, 
/**
 * The highest operation number the server has from the calling device.
 */
last_applied: number, };

export type StampRow = [number, number, DeviceId];

export type FieldRow = [FieldValue, number, number, DeviceId, StampRow | null, PersonId, Role, DeviceId | null];

export type RecordBody = [Array<FieldRow>, Array<FieldRow>];

export type CompactRecord = { id: RecordId, kind: RecordKind, owner: PersonId, created_by: Author, created: Stamp, owner_touched: boolean, body: RecordBody, };

export type CompactPullResponse = { records: Array<CompactRecord>, removed: Array<RecordId>, cursor: number, more: boolean, last_applied: number, };

export type BaseRow = [number, number, number];

export type WriteRow = [number, number, number, number, Role, number | null, BaseRow | null];

export type PackedField = [FieldValue, number];

export type PackedRecord = [RecordId, RecordKind, number, number, boolean, Array<PackedField>, Array<PackedField>, (number)?];

export type PackedPullResponse = { 
/**
 * Every person the page's records and writes name, once each.
 */
people: Array<PersonId>, 
/**
 * Every device the page's writes name, once each.
 */
devices: Array<DeviceId>, 
/**
 * Every write the page's records were made and changed by, once each.
 */
writes: Array<WriteRow>, 
/**
 * As `PullResponse`'s records, packed.
 */
records: Array<PackedRecord>, 
/**
 * With `form=lean`: each set of fields records were made with and still hold as made (a
 * new statement's visibility, not deleted, no meeting), once a page. Never words: those are
 * sent with each record.
 */
as_made?: Array<Array<FieldValue>>, 
/**
 * Records the caller could see before and may no longer see.
 */
removed: Array<RecordId>, 
/**
 * Pass as `since` next time.
 */
cursor: number, 
/**
 * More pages wait; pull again at once.
 */
more: boolean, 
/**
 * The highest operation number the server has from the calling device.
 */
last_applied: number, };
