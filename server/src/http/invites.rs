//! `/api/invites`: a key worker invites a young person they will support (the code is shown
//! once, on a card with no name or organisation on it), sees who hasn't joined yet, makes a new
//! code for one (a lost card, a code run out), and cancels one.

use crate::accounts;
use crate::auth::extract::KeyWorker;
use crate::error::{ApiError, Result};
use crate::http::json::ApiJson;
use crate::state::AppState;
use crate::store::{self, audit, invites};
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tandem_shared::PersonId;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/invites", get(list).post(create))
        .route("/api/invites/{young_person}/new-code", post(new_code))
        .route("/api/invites/{young_person}/cancel", post(cancel))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvite {
    /// What you call them until they choose their own name. Not on the card.
    pub display_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedInvite {
    #[schema(value_type = String, format = Uuid)]
    pub young_person: PersonId,
    /// Give this to the young person; it works once, until `expires_at`. It is never shown again.
    pub code: String,
    /// Unix ms.
    pub expires_at: i64,
}

#[derive(Serialize, ToSchema)]
pub struct OpenInvite {
    #[schema(value_type = String, format = Uuid)]
    pub young_person: PersonId,
    pub display_name: String,
    /// When their newest code stops working (unix ms); in the past when it has run out.
    pub expires_at: i64,
}

/// Makes a one-time code for a new young person, who is assigned to you when they join.
#[utoipa::path(post, path = "/api/invites", request_body = NewInvite, tag = "invites", security(("bearer" = [])),
    responses((status = 200, body = CreatedInvite), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    KeyWorker(me): KeyWorker,
    ApiJson(req): ApiJson<NewInvite>,
) -> Result<Json<CreatedInvite>> {
    let now = store::now_ms();
    let (young_person, code) = state
        .store
        .write(move |tx| {
            let (id, code) = accounts::invite_young_person(tx, &req.display_name, me.person, &[me.person], now)?;
            audit::append(tx, now, Some(me.person), "invited a young person", Some(id), "a one-time invite code")?;
            Ok((id, code))
        })
        .await?;
    state.assignments_changed();
    // Their caseload on every device of theirs shows the young person waiting to join (a screen
    // that misses the notice catches up at its next start).
    state.announce_people(young_person, tandem_shared::Visibility::Worker, Some(me.person));
    Ok(Json(CreatedInvite { young_person, code, expires_at: now + accounts::INVITE_DAYS * 86_400_000 }))
}

/// Young people assigned to you who haven't joined yet, with when their code stops working.
#[utoipa::path(get, path = "/api/invites", tag = "invites", security(("bearer" = [])),
    responses((status = 200, body = [OpenInvite]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(State(state): State<AppState>, KeyWorker(me): KeyWorker) -> Result<Json<Vec<OpenInvite>>> {
    let waiting = state.store.read(move |db| invites::waiting_to_join(db, me.person)).await?;
    Ok(Json(
        waiting
            .into_iter()
            .map(|i| OpenInvite {
                young_person: i.young_person,
                display_name: i.display_name,
                expires_at: i.expires_at,
            })
            .collect(),
    ))
}

/// A new code for a young person assigned to you who hasn't joined yet; their earlier codes stop working.
#[utoipa::path(post, path = "/api/invites/{young_person}/new-code", tag = "invites", security(("bearer" = [])),
    params(("young_person" = String, Path, format = Uuid)),
    responses((status = 200, body = CreatedInvite), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn new_code(
    State(state): State<AppState>,
    KeyWorker(me): KeyWorker,
    Path(young_person): Path<String>,
) -> Result<Json<CreatedInvite>> {
    let yp = super::person_id(&young_person)?;
    let now = store::now_ms();
    let code = state
        .store
        .write(move |tx| {
            if !invites::is_waiting_for(tx, me.person, yp)? {
                return Err(ApiError::NotFound("nobody you support is waiting to join with that id"));
            }
            let code = accounts::new_invite(tx, yp, me.person, now)?;
            audit::append(
                tx,
                now,
                Some(me.person),
                "made a new invite code",
                Some(yp),
                "earlier codes no longer work",
            )?;
            Ok(code)
        })
        .await?;
    Ok(Json(CreatedInvite { young_person: yp, code, expires_at: now + accounts::INVITE_DAYS * 86_400_000 }))
}

/// Cancels the invite of a young person assigned to you who hasn't joined: the code stops working.
#[utoipa::path(post, path = "/api/invites/{young_person}/cancel", tag = "invites", security(("bearer" = [])),
    params(("young_person" = String, Path, format = Uuid)),
    responses((status = 200, body = crate::auth::Done), (status = 404, body = crate::error::ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    KeyWorker(me): KeyWorker,
    Path(young_person): Path<String>,
) -> Result<Json<crate::auth::Done>> {
    let yp = super::person_id(&young_person)?;
    let now = store::now_ms();
    state
        .store
        .write(move |tx| {
            if !invites::cancel(tx, me.person, yp, now)? {
                return Err(ApiError::NotFound("nobody you support is waiting to join with that id"));
            }
            Ok(())
        })
        .await?;
    crate::ledger::note(&state.ledger, now, &[crate::ledger::Decision::Erased(yp)]).await;
    state.assignments_changed();
    state.announce_people(yp, tandem_shared::Visibility::Worker, Some(me.person));
    Ok(Json(crate::auth::Done { ok: true }))
}
