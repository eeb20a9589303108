//! The sync protocol's messages, shared with the PWA as generated TypeScript.

use crate::hlc::{Hlc, Stamp};
use crate::ids::{DeviceId, PersonId, RecordId};
use crate::merge::Outcome;
use crate::record::{FieldValue, Record, RecordKind};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Bumped when the shape of sync messages changes incompatibly.
pub const PROTOCOL_VERSION: u32 = 1;
/// Bumped when record kinds or fields change incompatibly.
pub const SCHEMA_VERSION: u32 = 1;
/// The largest request body a server takes, in bytes; a phone sends its outbox in pushes well
/// under it.
pub const PUSH_BODY_MAX: usize = 1024 * 1024;

/// One field change inside an operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Change {
    pub set: FieldValue,
    /// The field version this change was based on (from the last pull), if any.
    pub base: Option<Stamp>,
}

/// One numbered operation from a device: changes to one record, made at one moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Operation {
    /// 1, 2, 3, … per device, with no gaps. At most 2^63 − 1 (stored as a signed 64-bit number).
    #[ts(type = "number")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 9_223_372_036_854_775_807_i64))]
    pub seq: u64,
    pub record: RecordId,
    pub kind: RecordKind,
    /// The young person the record belongs to.
    pub owner: PersonId,
    /// The device's clock when the change was made.
    pub hlc: Hlc,
    pub changes: Vec<Change>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// Must be `PROTOCOL_VERSION`; anything else is answered `unsupported_version`.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1))]
    pub protocol: u32,
    /// Must be `SCHEMA_VERSION`.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1))]
    pub schema: u32,
    pub device: DeviceId,
    pub ops: Vec<Operation>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OpStatus {
    /// Every change applied.
    Applied,
    /// Some change was concurrent with another and won; the other value is kept as a conflict.
    Merged,
    /// Some change lost to the young person's words and is kept as a conflict (a suggestion).
    KeptAsConflict,
    /// Not applied, for the reason given; the operations behind it still were.
    Rejected,
    /// Its number skips ahead of what the server has; neither it nor anything after it was applied.
    OutOfOrder,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldResult {
    pub field: crate::record::FieldName,
    pub outcome: Outcome,
    /// The version this write was stored under (its clock may have been capped by the server).
    pub stamp: Stamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpResult {
    #[ts(type = "number")]
    pub seq: u64,
    pub status: OpStatus,
    /// Why it was rejected, in words a person can act on.
    pub reason: Option<String>,
    pub fields: Vec<FieldResult>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    pub results: Vec<OpResult>,
    /// The highest operation number the server has from this device.
    #[ts(type = "number")]
    pub last_applied: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    /// Records changed after the cursor that the caller may see, as they are now.
    pub records: Vec<Record>,
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
