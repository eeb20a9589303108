//! Whether the service asks every staff member for two-step sign-in (`auth::two_step`).

use crate::auth::extract::Admin;
use crate::error::Result;
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
    /// Every staff member is asked for two-step sign-in: one without it who signs in can do
    /// nothing but set it up. Sessions from before go on until they next sign in.
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
    state
        .store
        .write(move |tx| {
            if two_step::required(tx)? == required {
                return Ok(());
            }
            two_step::set_required(tx, required)?;
            let (action, detail) = if required {
                ("asked every staff member for two-step sign-in", "from each one's next sign-in")
            } else {
                ("stopped asking staff for two-step sign-in", "those who have it keep it")
            };
            audit::append(tx, now, Some(admin.person), action, None, detail)
        })
        .await?;
    Ok(Json(StaffTwoStep { required }))
}
