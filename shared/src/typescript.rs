//! The TypeScript the PWA uses, generated from these types so the two can't drift apart.

use crate::compact::{CompactPullResponse, CompactRecord, FieldRow, RecordBody, StampRow};
use crate::hlc::{Hlc, Stamp};
use crate::ids::{DeviceId, PersonId, RecordId};
use crate::merge::Outcome;
use crate::packed::{BaseRow, PackedField, PackedPullResponse, PackedRecord, WriteRow};
use crate::record::*;
use crate::wire::*;
use ts_rs::{Config, TS};

/// Every exported type as one TypeScript module.
pub fn bindings() -> String {
    let cfg = Config::new();
    let decls = [
        PersonId::decl(&cfg),
        DeviceId::decl(&cfg),
        RecordId::decl(&cfg),
        Hlc::decl(&cfg),
        Stamp::decl(&cfg),
        RecordKind::decl(&cfg),
        Role::decl(&cfg),
        Visibility::decl(&cfg),
        GoalStatus::decl(&cfg),
        NoticedBy::decl(&cfg),
        Step::decl(&cfg),
        Rating::decl(&cfg),
        FieldValue::decl(&cfg),
        FieldName::decl(&cfg),
        Side::decl(&cfg),
        Author::decl(&cfg),
        FieldState::decl(&cfg),
        Record::decl(&cfg),
        Outcome::decl(&cfg),
        Change::decl(&cfg),
        Operation::decl(&cfg),
        PushRequest::decl(&cfg),
        OpStatus::decl(&cfg),
        FieldResult::decl(&cfg),
        OpResult::decl(&cfg),
        PushResponse::decl(&cfg),
        PullResponse::decl(&cfg),
        StampRow::decl(&cfg),
        FieldRow::decl(&cfg),
        RecordBody::decl(&cfg),
        CompactRecord::decl(&cfg),
        CompactPullResponse::decl(&cfg),
        BaseRow::decl(&cfg),
        WriteRow::decl(&cfg),
        PackedField::decl(&cfg),
        PackedRecord::decl(&cfg),
        PackedPullResponse::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from the tandem-shared crate. Do not edit: run\n// `TANDEM_WRITE_TS=1 cargo test -p tandem-shared --test typescript`.\n\n",
    );
    out.push_str(&format!(
        "export const PROTOCOL_VERSION = {PROTOCOL_VERSION};\nexport const SCHEMA_VERSION = {SCHEMA_VERSION};\nexport const PUSH_BODY_MAX = {PUSH_BODY_MAX};\n\n"
    ));
    for decl in decls {
        out.push_str("export ");
        out.push_str(&decl);
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}
