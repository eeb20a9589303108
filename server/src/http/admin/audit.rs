//! The audit log: every admin action, read-only.

use crate::auth::extract::Admin;
use crate::error::Result;
use crate::http::json::ApiJson;
use crate::http::json::ApiQuery;
use crate::state::AppState;
use crate::store::audit;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
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

#[derive(Deserialize, utoipa::ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    /// Only what this person did, or what was done to them; everyone's if absent.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub person: Option<PersonId>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Exported {
    /// A name to save it under, with the day (UTC) it was made.
    pub file_name: String,
    /// Every entry, newest first, as a spreadsheet reads it: comma-separated, UTF-8 with a byte
    /// order mark (so a spreadsheet shows names in any alphabet), times in UTC.
    pub csv: String,
    pub entries: usize,
}

/// The whole audit log (or one person's part of it) as a spreadsheet, for whoever reviews it
/// away from the console. It names staff and young people, so saving it is itself an entry in
/// the log (a POST for that reason), made before the entries are read, so the file holds it too.
#[utoipa::path(post, path = "/api/admin/audit/export", request_body = ExportRequest, tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Exported), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn export_audit_log(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(req): ApiJson<ExportRequest>,
) -> Result<Json<Exported>> {
    let now = crate::store::now_ms();
    let person = req.person;
    let whose = if person.is_some() { "one person's entries" } else { "everyone's entries" };
    state
        .store
        .write(move |tx| {
            audit::append(tx, now, Some(admin.person), "saved the audit log as a spreadsheet", person, whose)
        })
        .await?;
    // One read, so the file is the log as it stood at one moment.
    let entries = state.store.read(move |db| audit::all(db, person)).await?;
    let mut csv = String::from("\u{feff}when (UTC),who,what,about whom,detail\r\n");
    for e in &entries {
        let who = e.actor_name.as_deref().unwrap_or(if e.actor.is_some() { "someone erased" } else { "the server" });
        let about = match (&e.subject_name, e.subject) {
            (Some(name), _) => name.clone(),
            // An erased person is named only by their random id (see `store::audit`).
            (None, Some(id)) => id.to_string(),
            (None, None) => String::new(),
        };
        let row = [crate::store::utc(e.at), who.to_owned(), e.action.clone(), about, e.detail.clone()];
        csv.push_str(&row.iter().map(|cell| csv_cell(cell)).collect::<Vec<_>>().join(","));
        csv.push_str("\r\n");
    }
    let file_name = format!("tandem-audit-log-{}.csv", &crate::store::utc(now)[..10]);
    Ok(Json(Exported { file_name, entries: entries.len(), csv }))
}

/// One cell, quoted. A cell a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, a tab
/// or a return first) is kept as text with a leading apostrophe: a display name is typed by
/// people, and a name like `=HYPERLINK(…)` must not run when the file is opened.
fn csv_cell(text: &str) -> String {
    let guarded = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() };
    format!("\"{}\"", guarded.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_is_quoted_and_never_a_formula() {
        assert_eq!(csv_cell("Sam"), "\"Sam\"");
        assert_eq!(csv_cell("said \"hi\", then left"), "\"said \"\"hi\"\", then left\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-1"), "\"'-1\"");
    }
}
