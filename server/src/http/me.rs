//! `GET /api/me`, `GET /api/me/access-log`, `GET /api/caseload`.

use crate::auth::extract::{Caller, KeyWorker, YoungPerson};
use crate::error::{ApiError, Result};
use crate::state::AppState;
use crate::store::{access_log, people, sync};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use tandem_shared::{PersonId, Role};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/me", get(me))
        .route("/api/me/access-log", get(my_access_log))
        .route("/api/caseload", get(caseload))
}

#[derive(Serialize, ToSchema)]
pub struct PersonRef {
    #[schema(value_type = String, format = Uuid)]
    pub id: PersonId,
    pub display_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    #[schema(value_type = String, format = Uuid)]
    pub id: PersonId,
    #[schema(value_type = String)]
    pub role: Role,
    pub display_name: String,
    /// For a young person: the key workers who can see what you share with "my worker".
    pub workers: Vec<PersonRef>,
    /// For a key worker: the young people you support.
    pub caseload: Vec<PersonRef>,
}

fn refs(list: Vec<(PersonId, String)>) -> Vec<PersonRef> {
    list.into_iter().map(|(id, display_name)| PersonRef { id, display_name }).collect()
}

#[utoipa::path(get, path = "/api/me", tag = "me", security(("bearer" = [])), responses((status = 200, body = Me), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> Result<Json<Me>> {
    let me = state
        .store
        .read(move |conn| {
            let p = people::by_id(conn, caller.person)?.ok_or(ApiError::Unauthorized("please sign in again"))?;
            let workers = if p.role == Role::YoungPerson { refs(people::workers_of(conn, p.id)?) } else { vec![] };
            let caseload = if p.role == Role::KeyWorker { refs(people::caseload_of(conn, p.id)?) } else { vec![] };
            Ok(Me { id: p.id, role: p.role, display_name: p.display_name, workers, caseload })
        })
        .await?;
    Ok(Json(me))
}

#[utoipa::path(get, path = "/api/me/access-log", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = [access_log::Entry]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn my_access_log(
    State(state): State<AppState>,
    YoungPerson(caller): YoungPerson,
) -> Result<Json<Vec<access_log::Entry>>> {
    let entries = state.store.read(move |conn| access_log::for_young_person(conn, caller.person, 500)).await?;
    Ok(Json(entries))
}

#[derive(Serialize, ToSchema)]
pub struct CaseloadEntry {
    #[schema(value_type = String, format = Uuid)]
    pub id: PersonId,
    pub display_name: String,
    /// Items they have shared with you.
    pub shared: i64,
    /// The change number of their latest shared change; compare with your last pull's cursor.
    pub latest_change: i64,
}

#[utoipa::path(get, path = "/api/caseload", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = [CaseloadEntry]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn caseload(State(state): State<AppState>, KeyWorker(caller): KeyWorker) -> Result<Json<Vec<CaseloadEntry>>> {
    let entries = state.store.read(move |conn| sync::caseload_summary(conn, caller.person)).await?;
    let entries = entries
        .into_iter()
        .map(|(id, display_name, shared, latest_change)| CaseloadEntry { id, display_name, shared, latest_change })
        .collect();
    Ok(Json(entries))
}
