//! `GET`/`PUT`/`DELETE /api/me/notifications`: a key worker's device asks to be told, with
//! Tandem closed, when a young person they support (or, as duty worker, anyone's) asks for help.
//! What is sent is in `web_push`; the device is told nothing else this way.

use crate::auth::extract::KeyWorker;
use crate::error::{ApiError, Result};
use crate::http::json::ApiJson;
use crate::state::AppState;
use crate::store::{self, push};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/me/notifications", get(status).put(turn_on).delete(turn_off))
}

#[derive(Serialize, ToSchema)]
pub struct Notifications {
    /// This device is told when a young person asks for help.
    pub on: bool,
    /// The server's public key (VAPID, base64url): the browser's `applicationServerKey`.
    pub key: String,
    /// False when the server may call no push service (`--push-service ''`): nothing can be turned on.
    pub available: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Subscribe {
    /// The push subscription's endpoint, at the browser's push service (`PushSubscription.endpoint`).
    pub endpoint: String,
}

fn answer(state: &AppState, on: bool) -> Json<Notifications> {
    Json(Notifications { on, key: state.push.public_key().to_owned(), available: state.push.services().any() })
}

#[utoipa::path(get, path = "/api/me/notifications", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = Notifications), (status = 403, body = crate::error::ErrorBody)))]
pub async fn status(State(state): State<AppState>, KeyWorker(caller): KeyWorker) -> Result<Json<Notifications>> {
    let on = state.store.read(move |db| push::is_on(db, &caller.session)).await?;
    Ok(answer(&state, on))
}

#[utoipa::path(put, path = "/api/me/notifications", request_body = Subscribe, tag = "me", security(("bearer" = [])),
    responses((status = 200, body = Notifications), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn turn_on(
    State(state): State<AppState>,
    KeyWorker(caller): KeyWorker,
    ApiJson(req): ApiJson<Subscribe>,
) -> Result<Json<Notifications>> {
    if state.push.services().origin_of(&req.endpoint).is_none() {
        return Err(ApiError::BadRequest(
            "`endpoint` must be an https address at a browser's push service this server may call".into(),
        ));
    }
    state.store.write(move |tx| push::subscribe(tx, &caller.session, &req.endpoint, store::now_ms())).await?;
    Ok(answer(&state, true))
}

#[utoipa::path(delete, path = "/api/me/notifications", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = Notifications), (status = 403, body = crate::error::ErrorBody)))]
pub async fn turn_off(State(state): State<AppState>, KeyWorker(caller): KeyWorker) -> Result<Json<Notifications>> {
    state.store.write(move |tx| push::forget(tx, &caller.session)).await?;
    Ok(answer(&state, false))
}
