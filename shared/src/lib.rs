//! Tandem's domain, shared by the server and (through generated TypeScript) the PWA.
//!
//! Pure: no I/O, no clock reads. Time comes in as arguments, so every rule here is
//! testable as a function of its inputs.

#![forbid(unsafe_code)]

pub mod compact;
pub mod hlc;
pub mod ids;
pub mod merge;
pub mod packed;
pub mod record;
pub mod typescript;
pub mod validate;
pub mod wire;

pub use hlc::{Hlc, Stamp};
pub use ids::{DeviceId, PersonId, RecordId};
pub use merge::{FieldWrite, Outcome, Refusal, apply, create};
pub use record::{
    Author, FieldName, FieldState, FieldValue, GoalStatus, NoticedBy, Rating, Record, RecordKind, Role, Side, Step,
    Visibility,
};
pub use validate::ValidationError;
