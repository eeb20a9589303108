//! Invites: a new young person's one-time code (assigned to workers when they join), and a new
//! code for someone who forgot their PIN.

use crate::accounts;
use crate::auth::extract::Admin;
use crate::error::Result;
use crate::http::json::ApiJson;
use crate::http::person_id;
use crate::state::AppState;
use crate::store::{self, audit};
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use tandem_shared::PersonId;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvite {
    /// What staff call them until they choose their own name.
    pub display_name: String,
    #[schema(value_type = Vec<String>)]
    pub workers: Vec<PersonId>,
}

#[derive(Serialize, ToSchema)]
pub struct Invite {
    #[schema(value_type = String, format = Uuid)]
    pub young_person: PersonId,
    /// Give this to the young person; it works once, for 7 days.
    pub code: String,
}

#[utoipa::path(post, path = "/api/admin/invites", request_body = NewInvite, tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Invite), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn invite(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(req): ApiJson<NewInvite>,
) -> Result<Json<Invite>> {
    let workers = req.workers.clone();
    let (young_person, code) = state
        .store
        .write(move |tx| {
            let now = store::now_ms();
            let (id, code) = accounts::invite_young_person(tx, &req.display_name, admin.person, &req.workers, now)?;
            audit::append(tx, now, Some(admin.person), "invited a young person", Some(id), "a one-time invite code")?;
            Ok((id, code))
        })
        .await?;
    if !workers.is_empty() {
        state.assignments_changed();
    }
    // Their key workers' open screens show them waiting to join.
    for worker in workers {
        state.announce_people(young_person, tandem_shared::Visibility::Worker, Some(worker));
    }
    Ok(Json(Invite { young_person, code }))
}

/// A new one-time code for a young person: to join, or, if they joined before and forgot their
/// PIN, to choose a new one (their other sessions end when they use it).
#[utoipa::path(post, path = "/api/admin/people/{id}/new-invite", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Invite), (status = 404, body = crate::error::ErrorBody)))]
pub async fn new_invite(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<Json<Invite>> {
    let person = person_id(&id)?;
    let code = state
        .store
        .write(move |tx| {
            let now = store::now_ms();
            let code = accounts::new_invite(tx, person, admin.person, now)?;
            audit::append(
                tx,
                now,
                Some(admin.person),
                "made a new invite code",
                Some(person),
                "to join or reset a PIN",
            )?;
            Ok(code)
        })
        .await?;
    Ok(Json(Invite { young_person: person, code }))
}
