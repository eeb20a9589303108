//! Who works with whom: assigning, ending an assignment, and handing over from one worker to
//! another in one step.

use crate::accounts;
use crate::auth::extract::Admin;
use crate::error::Result;
use crate::http::json::{ApiJson, ApiQuery};
use crate::ledger::{self, Decision};
use crate::state::AppState;
use crate::store::{self, audit, people};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use tandem_shared::PersonId;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAssignment {
    #[schema(value_type = String, format = Uuid)]
    pub worker: PersonId,
    #[schema(value_type = String, format = Uuid)]
    pub young_person: PersonId,
}

#[utoipa::path(post, path = "/api/admin/assignments", request_body = NewAssignment, tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = crate::auth::Done), (status = 404, body = crate::error::ErrorBody)))]
pub async fn assign(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(req): ApiJson<NewAssignment>,
) -> Result<Json<crate::auth::Done>> {
    change_assignment(&state, admin.person, req, accounts::ASSIGN).await
}

/// A key worker stops supporting a young person: their devices drop what was shared with them
/// at their next pull (an open screen pulls at once), and nothing new reaches them.
#[utoipa::path(post, path = "/api/admin/assignments/end", request_body = NewAssignment, tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = crate::auth::Done), (status = 404, body = crate::error::ErrorBody)))]
pub async fn end_assignment(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(req): ApiJson<NewAssignment>,
) -> Result<Json<crate::auth::Done>> {
    change_assignment(&state, admin.person, req, accounts::UNASSIGN).await
}

/// Makes the change, then tells open screens that follow the young person to pull, so a change
/// of worker shows at once on both sides.
async fn change_assignment(
    state: &AppState,
    admin: PersonId,
    req: NewAssignment,
    change: accounts::AssignmentChange,
) -> Result<Json<crate::auth::Done>> {
    let NewAssignment { worker, young_person } = req;
    let now = store::now_ms();
    state
        .store
        .write(move |tx| {
            (change.apply)(tx, worker, young_person, now)?;
            audit::append(tx, now, Some(admin), change.action, Some(young_person), &format!("key worker {worker}"))
        })
        .await?;
    ledger::note(&state.ledger, now, &[(change.decision)(worker, young_person)]).await;
    state.assignments_changed();
    state.announce_people(young_person, tandem_shared::Visibility::Worker, Some(worker));
    Ok(Json(crate::auth::Done { ok: true }))
}

#[derive(Serialize, ToSchema)]
pub struct Assigned {
    #[schema(value_type = String, format = Uuid)]
    pub young_person: PersonId,
    pub display_name: String,
    pub workers: Vec<crate::http::me::PersonRef>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AssignmentsQuery {
    /// Only young people with no key worker (those to act on; the console's home counts them).
    pub without_key_worker: Option<bool>,
    /// Only the young people this key worker supports (the console names them when the worker leaves).
    #[param(value_type = Option<String>, format = Uuid)]
    pub key_worker: Option<PersonId>,
}

/// Every young person and their key workers.
#[utoipa::path(get, path = "/api/admin/assignments", tag = "admin", security(("bearer" = [])), params(AssignmentsQuery),
    responses((status = 200, body = [Assigned])))]
pub async fn assignments(
    State(state): State<AppState>,
    _admin: Admin,
    ApiQuery(q): ApiQuery<AssignmentsQuery>,
) -> Result<Json<Vec<Assigned>>> {
    let table = state.store.read(people::assignment_table).await?;
    let alone_only = q.without_key_worker.unwrap_or(false);
    Ok(Json(
        table
            .into_iter()
            .filter(|(_, _, workers)| !alone_only || workers.is_empty())
            .filter(|(_, _, workers)| q.key_worker.is_none_or(|w| workers.iter().any(|(id, _)| *id == w)))
            .map(|(young_person, display_name, workers)| Assigned {
                young_person,
                display_name,
                workers: workers
                    .into_iter()
                    .map(|(id, display_name)| crate::http::me::PersonRef::new(id, display_name))
                    .collect(),
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandOver {
    #[schema(value_type = String, format = Uuid)]
    pub young_person: PersonId,
    #[schema(value_type = String, format = Uuid)]
    pub from: PersonId,
    #[schema(value_type = String, format = Uuid)]
    pub to: PersonId,
}

/// One worker hands a young person over to another in one step: the new worker sees what was
/// shared with workers, the old one's devices drop it, and the young person is told who can see.
#[utoipa::path(post, path = "/api/admin/assignments/hand-over", request_body = HandOver, tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = crate::auth::Done), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn hand_over(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(req): ApiJson<HandOver>,
) -> Result<Json<crate::auth::Done>> {
    let HandOver { young_person, from, to } = req;
    if from == to {
        return Err(crate::error::ApiError::BadRequest("choose a different key worker to hand over to".into()));
    }
    let now = store::now_ms();
    state
        .store
        .write(move |tx| {
            accounts::unassign(tx, from, young_person, now)?;
            accounts::assign(tx, to, young_person, now)?;
            audit::append(
                tx,
                now,
                Some(admin.person),
                "handed over",
                Some(young_person),
                &format!("from key worker {from} to {to}"),
            )
        })
        .await?;
    ledger::note(
        &state.ledger,
        now,
        &[Decision::Unassigned { worker: from, young_person }, Decision::Assigned { worker: to, young_person }],
    )
    .await;
    state.assignments_changed();
    state.announce_people(young_person, tandem_shared::Visibility::Worker, Some(from));
    state.announce_people(young_person, tandem_shared::Visibility::Worker, Some(to));
    Ok(Json(crate::auth::Done { ok: true }))
}
