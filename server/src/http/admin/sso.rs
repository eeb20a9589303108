//! Whether staff who have linked their organisation account may sign in only with it
//! (`auth::sso`): then their Tandem password no longer signs them in, and disabling their
//! account at the organisation (they left) is enough to stop new sign-ins.

use crate::auth::extract::Admin;
use crate::error::{ApiError, Result};
use crate::http::json::ApiJson;
use crate::state::AppState;
use crate::store::{self, audit, sso};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct StaffSso {
    /// The service has set up signing in with the organisation's account (`--sso-issuer`).
    pub available: bool,
    /// What staff call it.
    pub name: Option<String>,
    /// Staff who have linked theirs sign in only with it (their password is refused).
    pub only: bool,
    /// How many staff members (not deactivated) have linked theirs.
    pub linked: i64,
    /// How long a sign-in through it lasts before it is asked again (`--sso-session-hours`),
    /// unless the organisation's sign-in ends it first (back-channel logout).
    pub session_hours: i64,
    /// Its sign-ins stand in for Tandem's two-step whatever its tokens say
    /// (`--sso-trust-second-step`); otherwise only those whose tokens say a second step was asked.
    pub trusts_second_step: bool,
    /// Whether the latest sign-in through it named the provider's session (`sid`), which its
    /// logouts name to end it; none yet if nobody has signed in through it. Microsoft Entra ID
    /// names it only when asked (the optional claim `sid`), so its front-channel logout ends
    /// nothing until then.
    pub latest_named_its_session: Option<bool>,
    /// What stops staff signing in with it just now, if anything: its settings or keys can't be
    /// read (a wrong `--sso-issuer`, or this server can't reach it).
    pub problem: Option<String>,
}

/// How long the console waits for the provider before saying it didn't answer.
const PROVIDER_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffSsoChange {
    pub only: bool,
}

async fn answer(state: &AppState) -> Result<Json<StaffSso>> {
    let (only, linked, latest_named_its_session) =
        state.store.read(|db| Ok((sso::only(db)?, sso::linked_count(db)?, sso::latest_named_its_session(db)?))).await?;
    let name = state.sso.as_ref().map(|o| o.settings.name.clone());
    let trusts_second_step = state.sso.as_ref().is_some_and(|o| o.settings.trust_second_step);
    let session_hours = state.settings.sso_session_ms / 3_600_000;
    let problem = match &state.sso {
        None => None,
        Some(oidc) => match tokio::time::timeout(PROVIDER_WAIT, oidc.ready()).await {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e.to_string()),
            Err(_) => Some(format!("the provider didn't answer within {} seconds", PROVIDER_WAIT.as_secs())),
        },
    };
    Ok(Json(StaffSso {
        available: name.is_some(),
        name,
        only,
        linked,
        session_hours,
        trusts_second_step,
        latest_named_its_session,
        problem,
    }))
}

#[utoipa::path(get, path = "/api/admin/staff-sso", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = StaffSso)))]
pub async fn staff_sso(State(state): State<AppState>, _admin: Admin) -> Result<Json<StaffSso>> {
    answer(&state).await
}

#[utoipa::path(put, path = "/api/admin/staff-sso", request_body = StaffSsoChange, tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = StaffSso), (status = 400, body = crate::error::ErrorBody)))]
pub async fn update_staff_sso(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(req): ApiJson<StaffSsoChange>,
) -> Result<Json<StaffSso>> {
    if req.only && state.sso.is_none() {
        return Err(ApiError::BadRequest(
            "this service hasn't set up signing in with an organisation account (--sso-issuer)".into(),
        ));
    }
    let (only, now) = (req.only, store::now_ms());
    state
        .store
        .write(move |tx| {
            if sso::only(tx)? == only {
                return Ok(());
            }
            sso::set_only(tx, only)?;
            let (action, detail) = if only {
                ("asked staff to sign in only with the organisation's account", "those who have linked it")
            } else {
                ("let staff sign in with their password again", "as well as with the organisation's account")
            };
            audit::append(tx, now, Some(admin.person), action, None, detail)
        })
        .await?;
    answer(&state).await
}
