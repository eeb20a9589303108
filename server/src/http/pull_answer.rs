//! A pull's answer in the form the caller asked for: full (`PullResponse`, the default),
//! compact (`CompactPullResponse`, whose bodies are sent as the store opened them), packed
//! (`PackedPullResponse`, each id and write once a page, for a phone on a weak signal), or lean
//! (the packed form with each set of fields as made once a page too, what phones ask for).

use crate::error::{ApiError, Result};
use crate::store::sync;
use axum::Json;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tandem_shared::compact::CompactPullResponse;
use tandem_shared::packed::PackedPullResponse;
use tandem_shared::wire::PullResponse;
use tandem_shared::{Author, PersonId, RecordId, RecordKind, Stamp};
use utoipa::openapi::schema::{AnyOfBuilder, Schema};
use utoipa::openapi::{Ref, RefOr};

/// Which form a pull answers in (`?form=`).
#[derive(Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PullForm {
    #[default]
    Full,
    Compact,
    Packed,
    Lean,
}

/// A pull's answer in the form asked for.
#[derive(Serialize)]
#[serde(untagged)]
pub enum PullAnswer {
    Full(PullResponse),
    Compact(CompactPage),
    Packed(PackedPullResponse),
}

/// Either form (`anyOf`, not the derive's `oneOf`: an empty page fits both).
impl utoipa::PartialSchema for PullAnswer {
    fn schema() -> RefOr<Schema> {
        AnyOfBuilder::new()
            .item(Ref::from_schema_name("PullResponse"))
            .item(Ref::from_schema_name("CompactPullResponse"))
            .item(Ref::from_schema_name("PackedPullResponse"))
            .description(Some("`PullResponse`, `CompactPullResponse` with `form=compact`, or `PackedPullResponse` with `form=packed` or `form=lean`."))
            .into()
    }
}

impl utoipa::ToSchema for PullAnswer {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        use utoipa::PartialSchema;
        schemas.push(("PullResponse".into(), PullResponse::schema()));
        schemas.push(("CompactPullResponse".into(), CompactPullResponse::schema()));
        schemas.push(("PackedPullResponse".into(), PackedPullResponse::schema()));
        <PullResponse as utoipa::ToSchema>::schemas(schemas);
        <CompactPullResponse as utoipa::ToSchema>::schemas(schemas);
        <PackedPullResponse as utoipa::ToSchema>::schemas(schemas);
    }
}

/// `CompactPullResponse` with each body as the store opened it: already in the compact form,
/// so it is sent without being read and written again.
#[derive(Serialize)]
pub struct CompactPage {
    records: Vec<CompactRecordOut>,
    removed: Vec<RecordId>,
    cursor: u64,
    more: bool,
    last_applied: u64,
}

#[derive(Serialize)]
struct CompactRecordOut {
    id: RecordId,
    kind: RecordKind,
    owner: PersonId,
    created_by: Author,
    created: Stamp,
    owner_touched: bool,
    body: Box<RawValue>,
}

impl PullAnswer {
    pub fn of(page: sync::Page, form: PullForm) -> Result<PullAnswer> {
        match form {
            PullForm::Full => return page.full().map(PullAnswer::Full),
            PullForm::Packed => return page.packed(false).map(PullAnswer::Packed),
            PullForm::Lean => return page.packed(true).map(PullAnswer::Packed),
            PullForm::Compact => {}
        }
        let records = page
            .records
            .into_iter()
            .map(|(r, body)| {
                let body = RawValue::from_string(body)
                    .map_err(|e| ApiError::Internal(format!("a stored body isn't JSON: {e}")))?;
                Ok(CompactRecordOut {
                    id: r.id,
                    kind: r.kind,
                    owner: r.owner,
                    created_by: r.created_by,
                    created: r.created,
                    owner_touched: r.owner_touched,
                    body,
                })
            })
            .collect::<Result<_>>()?;
        let (removed, cursor, more, last_applied) = (page.removed, page.cursor, page.more, page.last_applied);
        Ok(PullAnswer::Compact(CompactPage { records, removed, cursor, more, last_applied }))
    }
}

/// Sent with a page after which more wait: the `since` of the next page, in a header so a device
/// on a weak signal can ask for that page as soon as this one starts to arrive, instead of a
/// round trip later, once all of it has.
const NEXT_SINCE: &str = "tandem-next-since";

impl PullAnswer {
    /// The next page's `since`, when there is one.
    fn next_since(&self) -> Option<u64> {
        let (cursor, more) = match self {
            PullAnswer::Full(p) => (p.cursor, p.more),
            PullAnswer::Compact(p) => (p.cursor, p.more),
            PullAnswer::Packed(p) => (p.cursor, p.more),
        };
        more.then_some(cursor)
    }
}

impl IntoResponse for PullAnswer {
    fn into_response(self) -> Response {
        let next = self.next_since();
        let mut response = Json(self).into_response();
        if let Some(since) = next {
            response.headers_mut().insert(NEXT_SINCE, since.into());
        }
        response
    }
}
