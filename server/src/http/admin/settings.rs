//! The service's settings for safety alerts: the duty worker, when they are told of an alert
//! nobody has seen, and the helplines young people are shown.

use crate::auth::extract::Admin;
use crate::error::{ApiError, Result};
use crate::http::json::ApiJson;
use crate::ledger::{self, Decision};
use crate::state::AppState;
use crate::store::support_lines::{self, SupportLine};
use crate::store::working_hours::{self, WorkingHours};
use crate::store::{self, alerts, audit, people};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use tandem_shared::{PersonId, Role};
use utoipa::ToSchema;

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceSettings {
    /// The key worker told when a young person with no key worker says they don't feel safe.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub duty_worker: Option<PersonId>,
    /// If a young person's key workers haven't seen their alert after this many minutes (5 to
    /// 1440), the duty worker is told too. Absent or null: never.
    #[serde(default)]
    pub escalate_after_minutes: Option<u32>,
}

#[utoipa::path(get, path = "/api/admin/settings", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = ServiceSettings)))]
pub async fn settings(State(state): State<AppState>, _admin: Admin) -> Result<Json<ServiceSettings>> {
    let (duty_worker, escalate) =
        state.store.read(|db| Ok((people::duty_worker(db)?, alerts::escalate_after(db)?))).await?;
    // A duty worker deactivated since leaves nobody to tell: the setting rests until one is named.
    Ok(Json(ServiceSettings { duty_worker, escalate_after_minutes: duty_worker.and(escalate) }))
}

#[utoipa::path(put, path = "/api/admin/settings", request_body = ServiceSettings, tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = ServiceSettings), (status = 400, body = crate::error::ErrorBody)))]
pub async fn update_settings(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(req): ApiJson<ServiceSettings>,
) -> Result<Json<ServiceSettings>> {
    let (duty, escalate, now) = (req.duty_worker, req.escalate_after_minutes, store::now_ms());
    if escalate.is_some_and(|m| !(5..=1440).contains(&m)) {
        return Err(ApiError::BadRequest("`escalate_after_minutes` must be 5 to 1440 minutes".into()));
    }
    if escalate.is_some() && duty.is_none() {
        return Err(ApiError::BadRequest("name a duty worker to tell when nobody has seen an alert".into()));
    }
    state
        .store
        .write(move |tx| {
            if let Some(w) = duty
                && !people::by_id(tx, w)?.is_some_and(|p| p.role == Role::KeyWorker && !p.deactivated())
            {
                return Err(ApiError::BadRequest("the duty worker must be an active key worker".into()));
            }
            let before = (people::duty_worker(tx)?, alerts::escalate_after(tx)?);
            people::set_duty_worker(tx, duty)?;
            alerts::set_escalate_after(tx, escalate)?;
            if before.0 != duty {
                let detail = if duty.is_some() { "a duty worker is told" } else { "nobody is told" };
                let action = "set who is told of alerts from young people with no key worker";
                audit::append(tx, now, Some(admin.person), action, duty, detail)?;
            }
            if before.1 != escalate {
                let detail = escalate.map_or("never".to_owned(), |m| format!("after {m} minutes"));
                let action = "set when the duty worker is told of alerts nobody has seen";
                audit::append(tx, now, Some(admin.person), action, duty, &detail)?;
            }
            Ok(())
        })
        .await?;
    ledger::note(&state.ledger, now, &[Decision::DutyWorker(duty)]).await;
    state.service_changed();
    Ok(Json(ServiceSettings { duty_worker: duty, escalate_after_minutes: escalate }))
}

#[utoipa::path(get, path = "/api/admin/support-lines", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = [SupportLine])))]
pub async fn support_lines(State(state): State<AppState>, _admin: Admin) -> Result<Json<Vec<SupportLine>>> {
    Ok(Json(state.store.read(support_lines::list).await?))
}

/// Replaces the helplines young people are shown beside "I don't feel safe right now".
#[utoipa::path(put, path = "/api/admin/support-lines", request_body = [SupportLine], tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = [SupportLine]), (status = 400, body = crate::error::ErrorBody)))]
pub async fn update_support_lines(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(lines): ApiJson<Vec<SupportLine>>,
) -> Result<Json<Vec<SupportLine>>> {
    let now = store::now_ms();
    let stored = state
        .store
        .write(move |tx| {
            let stored = support_lines::replace(tx, &lines)?;
            let names = stored.iter().map(|l| l.name.as_str()).collect::<Vec<_>>().join(", ");
            let detail = if names.is_empty() { "none".to_owned() } else { names };
            audit::append(tx, now, Some(admin.person), "set who young people can talk to now", None, &detail)?;
            Ok(stored)
        })
        .await?;
    state.service_changed();
    Ok(Json(stored))
}

#[utoipa::path(get, path = "/api/admin/working-hours", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Option<WorkingHours>)))]
pub async fn working_hours(State(state): State<AppState>, _admin: Admin) -> Result<Json<Option<WorkingHours>>> {
    Ok(Json(state.store.read(working_hours::get).await?))
}

/// Sets when the service's workers are at work (null: no set hours). A young person who says
/// they don't feel safe outside them is told their worker may not see it until they are back.
#[utoipa::path(put, path = "/api/admin/working-hours", request_body = Option<WorkingHours>, tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Option<WorkingHours>), (status = 400, body = crate::error::ErrorBody)))]
pub async fn update_working_hours(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(hours): ApiJson<Option<WorkingHours>>,
) -> Result<Json<Option<WorkingHours>>> {
    let now = store::now_ms();
    let stored = state
        .store
        .write(move |tx| {
            let stored = working_hours::set(tx, hours.as_ref())?;
            let detail = match &stored {
                Some(h) => {
                    format!("days {:?}, minutes {} to {}, {}", h.days, h.start_minute, h.end_minute, h.time_zone)
                }
                None => "none".to_owned(),
            };
            audit::append(tx, now, Some(admin.person), "set the service's working hours", None, &detail)?;
            Ok(stored)
        })
        .await?;
    state.service_changed();
    Ok(Json(stored))
}
