//! How safety alerts were answered: counts and waits, never who pressed the button.

use crate::auth::extract::Admin;
use crate::error::{ApiError, Result};
use crate::http::json::ApiQuery;
use crate::state::AppState;
use crate::store::{self, alerts};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SummaryQuery {
    /// The period, in days back from now: 1–365 (default 90).
    pub days: Option<i64>,
}

/// How the alerts of the last `days` days were answered: how many were seen within 15 minutes,
/// an hour, a day, or later, how many wait still and for how long, and how many the duty worker
/// was told of. No names: the young people who pressed it were told who would know.
#[utoipa::path(get, path = "/api/admin/alerts/summary", params(SummaryQuery), tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = alerts::AlertSummary), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn alert_summary(
    State(state): State<AppState>,
    _admin: Admin,
    ApiQuery(q): ApiQuery<SummaryQuery>,
) -> Result<Json<alerts::AlertSummary>> {
    let days = q.days.unwrap_or(90);
    if !(1..=365).contains(&days) {
        return Err(ApiError::BadRequest("`days` must be 1 to 365".into()));
    }
    let now = store::now_ms();
    let since = now - days * 86_400_000;
    Ok(Json(state.store.read(move |db| alerts::summary(db, since, now)).await?))
}
