//! `POST /api/alerts` (a young person: "I don't feel safe right now"), `GET /api/alerts`,
//! `POST /api/alerts/{id}/seen` (a key worker). Both sides hear of changes over the live feed.

use crate::auth::extract::{Caller, KeyWorker, YoungPerson};
use crate::error::{ApiError, Result};
use crate::http::json::ApiJson;
use crate::state::AppState;
use crate::store::{self, alerts, alerts::Alert};
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tandem_shared::Role;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/alerts", get(list).post(raise)).route("/api/alerts/{id}/seen", post(seen))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RaiseAlert {
    /// A UUID made on the phone when the button was pressed, so a resend is the same alert.
    #[schema(format = Uuid)]
    pub id: uuid::Uuid,
    /// When it was pressed (unix ms, the phone's clock). A number, since some clients send `1.0`.
    #[schema(minimum = 0.0)]
    pub raised_at: f64,
}

/// Tells the young person's open screens, and their workers', that something changed. An alert
/// is for the young person's workers, whatever their records' sharing. The alert is already
/// stored; if the notice can't be sent, screens still see it at their next pull. Returns who
/// the alert is for: their key workers, or with none the duty worker (if the service named one).
async fn notify(state: &AppState, owner: tandem_shared::PersonId) -> Vec<tandem_shared::PersonId> {
    let (workers, duty) = state
        .store
        .read(move |db| {
            let workers: Vec<_> = crate::store::people::workers_of(db, owner)?.into_iter().map(|(id, _)| id).collect();
            let duty = if workers.is_empty() { crate::store::people::duty_worker(db)? } else { None };
            Ok((workers, duty))
        })
        .await
        .unwrap_or_default();
    state.announce(owner, tandem_shared::Visibility::Worker, duty);
    if workers.is_empty() { duty.into_iter().collect() } else { workers }
}

/// Tells the duty worker of alerts nobody has seen in the time the service allows (a round of
/// the once-a-minute job, on every replica: each alert is escalated once). Their open screens,
/// the key workers' and the young person's hear of it.
pub async fn escalate_due(state: &AppState) -> Result<usize> {
    if !state.store.read(alerts::may_escalate).await? {
        return Ok(0);
    }
    let Some((duty, young_people)) = state.store.write(move |tx| alerts::escalate_due(tx, store::now_ms())).await?
    else {
        return Ok(0);
    };
    for &owner in &young_people {
        tracing::warn!(young_person = %owner, "nobody saw \"I don't feel safe\" in time; the duty worker is told too");
        state.announce(owner, tandem_shared::Visibility::Worker, Some(duty));
    }
    if !young_people.is_empty() {
        crate::web_push::tell(state, vec![duty]);
    }
    Ok(young_people.len())
}

#[utoipa::path(post, path = "/api/alerts", request_body = RaiseAlert, tag = "alerts", security(("bearer" = [])),
    responses((status = 200, body = [Alert]), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn raise(
    State(state): State<AppState>,
    YoungPerson(caller): YoungPerson,
    ApiJson(req): ApiJson<RaiseAlert>,
) -> Result<Json<Vec<Alert>>> {
    let me = caller.person;
    let id = req.id.to_string();
    if !req.raised_at.is_finite() || req.raised_at < 0.0 {
        return Err(ApiError::BadRequest("`raised_at` must be a time in milliseconds".into()));
    }
    let raised_at = req.raised_at as i64;
    let (fresh, mine) = state
        .store
        .write(move |tx| {
            let fresh = alerts::raise(tx, &id, me, raised_at, store::now_ms())?;
            Ok((fresh, alerts::of_young_person(tx, me)?))
        })
        .await?;
    if fresh {
        tracing::warn!(young_person = %me, "a young person raised \"I don't feel safe\"");
        let told = notify(&state, me).await;
        // Their devices with Tandem closed too, where they asked to be (`web_push`).
        crate::web_push::tell(&state, told);
    }
    Ok(Json(mine))
}

#[utoipa::path(get, path = "/api/alerts", tag = "alerts", security(("bearer" = [])),
    responses((status = 200, body = [Alert]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<Alert>>> {
    let me = caller.person;
    let list = match caller.role {
        Role::YoungPerson => state.store.read(move |c| alerts::of_young_person(c, me)).await?,
        Role::KeyWorker => state.store.read(move |c| alerts::for_worker(c, me, store::now_ms())).await?,
        _ => return Err(ApiError::Forbidden("alerts go to a young person's key workers")),
    };
    Ok(Json(list))
}

#[utoipa::path(post, path = "/api/alerts/{id}/seen", tag = "alerts", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = [Alert]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn seen(
    State(state): State<AppState>,
    KeyWorker(caller): KeyWorker,
    Path(id): Path<String>,
) -> Result<Json<Vec<Alert>>> {
    let me = caller.person;
    let yp = state.store.write(move |tx| alerts::mark_seen(tx, &id, me, store::now_ms())).await?;
    let yp = yp.ok_or(ApiError::NotFound("no such alert from anyone you support"))?;
    let _ = notify(&state, yp).await;
    Ok(Json(state.store.read(move |c| alerts::for_worker(c, me, store::now_ms())).await?))
}
