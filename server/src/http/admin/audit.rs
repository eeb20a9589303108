//! The audit log: every admin action, read-only.

use crate::auth::extract::Admin;
use crate::error::Result;
use crate::http::json::ApiQuery;
use crate::state::AppState;
use crate::store::audit;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use tandem_shared::PersonId;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Entries before this one (the `id` of the last entry of the page before); the latest if absent.
    pub before: Option<i64>,
    /// Only what this person did, or what was done to them.
    #[param(value_type = Option<String>, format = Uuid)]
    pub person: Option<PersonId>,
    /// Page size, 1–500 (default 200).
    pub limit: Option<i64>,
}

/// What admins did and what was erased, newest first, a page at a time. Nobody can change it.
#[utoipa::path(get, path = "/api/admin/audit", params(AuditQuery), tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = [audit::AuditEntry]), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn audit_log(
    State(state): State<AppState>,
    _admin: Admin,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Vec<audit::AuditEntry>>> {
    let page = audit::Page { before: q.before, person: q.person, limit: q.limit.unwrap_or(200).clamp(1, 500) };
    Ok(Json(state.store.read(move |db| audit::page(db, &page)).await?))
}
