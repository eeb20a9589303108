//! Signed-in devices: a person's sessions, ending one (a lost phone) or all of them.

use crate::accounts;
use crate::auth::extract::Admin;
use crate::error::Result;
use crate::http::person_id;
use crate::ledger::{self, Decision};
use crate::state::AppState;
use crate::store::{self, audit, people};
use axum::Json;
use axum::extract::{Path, State};

#[utoipa::path(post, path = "/api/admin/people/{id}/revoke", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = crate::auth::Done), (status = 404, body = crate::error::ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<Json<crate::auth::Done>> {
    let (person, now) = (person_id(&id)?, store::now_ms());
    state
        .store
        .write(move |tx| {
            accounts::revoke(tx, person, now)?;
            audit::append(tx, now, Some(admin.person), "ended every session", Some(person), "lost device or leaving")
        })
        .await?;
    ledger::note(&state.ledger, now, &[Decision::SignedOutEverywhere(person)]).await;
    state.tell_own_screens(person);
    Ok(Json(crate::auth::Done { ok: true }))
}

/// A person's signed-in devices.
#[utoipa::path(get, path = "/api/admin/people/{id}/sessions", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = [people::LiveSession]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn sessions(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
) -> Result<Json<Vec<people::LiveSession>>> {
    let person = person_id(&id)?;
    let state_at = state.signed_in_at();
    let list = state
        .store
        .read(move |db| {
            people::by_id(db, person)?.ok_or(crate::error::ApiError::NotFound("no such person"))?;
            people::live_sessions(db, person, state_at)
        })
        .await?;
    Ok(Json(list))
}

/// Ends one device's session (a lost phone): signed out at once if open (its screen is told), else at its next request.
#[utoipa::path(post, path = "/api/admin/people/{id}/sessions/{session}/end", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid), ("session" = String, Path)),
    responses((status = 200, body = crate::auth::Done), (status = 404, body = crate::error::ErrorBody)))]
pub async fn end_session(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path((id, session)): Path<(String, String)>,
) -> Result<Json<crate::auth::Done>> {
    let (person, now) = (person_id(&id)?, store::now_ms());
    let ending = session.clone();
    state
        .store
        .write(move |tx| {
            if !people::end_session(tx, person, &ending, now)? {
                return Err(crate::error::ApiError::NotFound("no such signed-in device"));
            }
            audit::append(
                tx,
                now,
                Some(admin.person),
                "ended a device's session",
                Some(person),
                "lost device or leaving",
            )
        })
        .await?;
    crate::auth::note_session_ended(&state, &session, now).await;
    state.tell_own_screens(person);
    Ok(Json(crate::auth::Done { ok: true }))
}
