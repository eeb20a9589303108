//! Shared tablets: registering, listing and removing them (ending any visit open on one).

use crate::auth::extract::Admin;
use crate::error::Result;
use crate::http::json::ApiJson;
use crate::ledger::{self, Decision};
use crate::state::AppState;
use crate::store::{self, audit};
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use tandem_shared::PersonId;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTablet {
    /// What staff call it: "Front desk tablet". Shown on its sign-in screen; never a person's name.
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct RegisteredTablet {
    pub id: String,
    pub name: String,
    /// Kept by the tablet (the admin registers it from the tablet itself) and sent when someone
    /// signs in on it. Shown once.
    pub key: String,
}

#[derive(Serialize, ToSchema)]
pub struct TabletSummary {
    pub id: String,
    pub name: String,
    /// Unix ms.
    pub registered_at: i64,
    /// When someone signed in on it last renewed their sign-in (unix ms).
    pub last_seen_at: Option<i64>,
}

/// Registers the device the admin is using as a named shared tablet: everyone who signs in on
/// it gets a shared-tablet session (nothing kept after sign-out, locked when idle).
#[utoipa::path(post, path = "/api/admin/tablets", request_body = NewTablet, tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = RegisteredTablet), (status = 400, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn register_tablet(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(req): ApiJson<NewTablet>,
) -> Result<Json<RegisteredTablet>> {
    let name = req.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(crate::error::ApiError::BadRequest("a tablet's name is 1 to 60 characters".into()));
    }
    let (key, key_hash) = crate::auth::tokens::new_secret();
    let id = {
        let name = name.clone();
        state
            .store
            .write(move |tx| {
                let now = store::now_ms();
                let id = store::tablets::register(tx, &name, &key_hash, admin.person, now)?;
                audit::append(tx, now, Some(admin.person), "registered a shared tablet", None, &name)?;
                Ok(id)
            })
            .await?
    };
    Ok(Json(RegisteredTablet { id, name, key }))
}

#[utoipa::path(get, path = "/api/admin/tablets", tag = "admin", security(("bearer" = [])), responses((status = 200, body = [TabletSummary])))]
pub async fn tablets(State(state): State<AppState>, _admin: Admin) -> Result<Json<Vec<TabletSummary>>> {
    let list = state.store.read(store::tablets::list).await?;
    Ok(Json(
        list.into_iter()
            .map(|t| TabletSummary {
                id: t.id,
                name: t.name,
                registered_at: t.registered_at,
                last_seen_at: t.last_seen_at,
            })
            .collect(),
    ))
}

/// A lost or retired tablet: every session on it ends, and it signs people in as an ordinary
/// device (it forgets its name at the next sign-in).
#[utoipa::path(post, path = "/api/admin/tablets/{id}/remove", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = crate::auth::Done), (status = 404, body = crate::error::ErrorBody)))]
pub async fn remove_tablet(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<Json<crate::auth::Done>> {
    let now = store::now_ms();
    let tablet = Decision::tablet_removed(&id);
    let ended = state
        .store
        .write(move |tx| {
            let (name, ended) =
                store::tablets::remove(tx, &id, now)?.ok_or(crate::error::ApiError::NotFound("no such tablet"))?;
            audit::append(tx, now, Some(admin.person), "removed a shared tablet", None, &name)?;
            Ok(ended)
        })
        .await?;
    let sessions = ended.iter().filter_map(|(s, _)| Decision::session_ended(s));
    ledger::note(&state.ledger, now, &tablet.into_iter().chain(sessions).collect::<Vec<_>>()).await;
    // A stolen tablet with someone's visit open on it: told at once.
    let people: std::collections::HashSet<PersonId> = ended.into_iter().map(|(_, person)| person).collect();
    for person in people {
        state.tell_own_screens(person);
    }
    Ok(Json(crate::auth::Done { ok: true }))
}
