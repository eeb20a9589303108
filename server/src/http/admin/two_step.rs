//! Whether the service asks every staff member for two-step sign-in (`auth::two_step`).

use crate::auth::extract::Admin;
use crate::error::{ApiError, Result};
use crate::http::json::ApiJson;
use crate::state::AppState;
use crate::store::{self, audit, two_step};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffTwoStep {
    /// Every staff member is asked for two-step sign-in: one without it can do nothing but set it
    /// up, from their next request (sessions already open are asked too). Only an admin who has
    /// it on may turn this on, so asking it of everyone never shuts them out of the console.
    pub required: bool,
}

#[utoipa::path(get, path = "/api/admin/staff-two-step", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = StaffTwoStep)))]
pub async fn staff_two_step(State(state): State<AppState>, _admin: Admin) -> Result<Json<StaffTwoStep>> {
    let required = state.store.read(|db| two_step::required(db)).await?;
    Ok(Json(StaffTwoStep { required }))
}

#[utoipa::path(put, path = "/api/admin/staff-two-step", request_body = StaffTwoStep, tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = StaffTwoStep), (status = 400, body = crate::error::ErrorBody)))]
pub async fn update_staff_two_step(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(req): ApiJson<StaffTwoStep>,
) -> Result<Json<StaffTwoStep>> {
    let (required, now) = (req.required, store::now_ms());
    let stopped = state
        .store
        .write(move |tx| {
            if two_step::required(tx)? == required {
                return Ok(vec![]);
            }
            if required && !two_step::is_on(tx, admin.person)? {
                return Err(ApiError::BadRequest(
                    "turn on two-step sign-in for your own account first (under Your account); then you can ask it of every staff member".into(),
                ));
            }
            two_step::set_required(tx, required)?;
            let (action, detail) = if required {
                ("asked every staff member for two-step sign-in", "those without it must set it up first")
            } else {
                ("stopped asking staff for two-step sign-in", "those who have it keep it")
            };
            audit::append(tx, now, Some(admin.person), action, None, detail)?;
            if required { two_step::staff_without(tx) } else { Ok(vec![]) }
        })
        .await?;
    // Their open screens ask who they are again now, and show the set-up screen at once.
    for person in stopped {
        state.tell_own_screens(person);
    }
    Ok(Json(StaffTwoStep { required }))
}
