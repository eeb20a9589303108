//! `/api/admin/...`: people, assignments, invites, session revocation. Admins only, and
//! nothing here reads a young person's records.

use crate::accounts;
use crate::auth::extract::Admin;
use crate::error::{ApiError, Result};
use crate::http::json::{ApiJson, ApiQuery};
use crate::http::person_id;
use crate::ledger::{self, Decision};
use crate::state::AppState;
use crate::store::support_lines::{self, SupportLine};
use crate::store::{self, alerts, audit, people};
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tandem_shared::{PersonId, Role};
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/people", get(list_people).post(create_staff))
        .route("/api/admin/invites", post(invite))
        .route("/api/admin/assignments", get(assignments).post(assign))
        .route("/api/admin/assignments/end", post(end_assignment))
        .route("/api/admin/assignments/hand-over", post(hand_over))
        .route("/api/admin/people/{id}/sessions", get(sessions))
        .route("/api/admin/people/{id}/sessions/{session}/end", post(end_session))
        .route("/api/admin/people/{id}/revoke", post(revoke))
        .route("/api/admin/people/{id}/close-case", post(close_case))
        .route("/api/admin/people/{id}/reopen-case", post(reopen_case))
        .route("/api/admin/audit", get(audit_log))
        .route("/api/admin/people/{id}/deactivate", post(deactivate))
        .route("/api/admin/people/{id}/reactivate", post(reactivate))
        .route("/api/admin/people/{id}/new-invite", post(new_invite))
        .route("/api/admin/people/{id}/new-password", post(new_password))
        .route("/api/admin/settings", get(settings).put(update_settings))
        .route("/api/admin/support-lines", get(support_lines).put(update_support_lines))
        .route("/api/admin/tablets", get(tablets).post(register_tablet))
        .route("/api/admin/tablets/{id}/remove", post(remove_tablet))
}

#[derive(Serialize, ToSchema)]
pub struct PersonSummary {
    #[schema(value_type = String, format = Uuid)]
    pub id: PersonId,
    #[schema(value_type = String)]
    pub role: Role,
    pub display_name: String,
    pub joined: bool,
    /// Their password or PIN was replaced after the backup the database was restored from, so the
    /// one it holds no longer works: they need a new first password, or a new invite code.
    pub needs_new_secret: bool,
    /// Deactivated: can't sign in.
    pub deactivated: bool,
    /// For a young person whose case is closed: when (unix ms).
    pub case_closed_at: Option<i64>,
    /// And when everything of theirs is erased, unless the case is reopened first (unix ms): the
    /// service's retention period after it closed.
    pub erased_at: Option<i64>,
}

#[utoipa::path(get, path = "/api/admin/people", tag = "admin", security(("bearer" = [])), responses((status = 200, body = [PersonSummary])))]
pub async fn list_people(State(state): State<AppState>, _admin: Admin) -> Result<Json<Vec<PersonSummary>>> {
    let retention_ms = state.settings.retention_ms;
    let list = state
        .store
        .read(move |db| {
            // One read of every young person's plan, not one a person (a service may have thousands).
            let plans = store::erasure::plans(db)?;
            Ok(people::list(db)?
                .into_iter()
                .map(|p| {
                    let case_closed_at = plans.get(&p.id).and_then(|plan| plan.case_closed_at);
                    PersonSummary {
                        id: p.id,
                        role: p.role,
                        joined: p.secret_hash.is_some(),
                        needs_new_secret: p.needs_new_secret(),
                        deactivated: p.deactivated(),
                        case_closed_at,
                        erased_at: case_closed_at.map(|closed| closed + retention_ms),
                        display_name: p.display_name,
                    }
                })
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(Json(list))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStaff {
    #[schema(value_type = String)]
    pub role: Role,
    pub name: String,
    pub display_name: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    #[schema(value_type = String, format = Uuid)]
    pub id: PersonId,
}

#[utoipa::path(post, path = "/api/admin/people", request_body = NewStaff, tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Created), (status = 400, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn create_staff(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(req): ApiJson<NewStaff>,
) -> Result<Json<Created>> {
    let password = staff_password(req.password).await?;
    let id = state
        .store
        .write(move |tx| {
            let now = store::now_ms();
            let id = accounts::create_staff(tx, req.role, &req.name, &req.display_name, &password, now)?;
            // A first password the admin knows: they choose their own at first sign-in.
            people::require_password_change(tx, id)?;
            audit::append(tx, now, Some(admin.person), "created staff", Some(id), people::role_str(req.role))?;
            Ok(id)
        })
        .await?;
    Ok(Json(Created { id }))
}

/// Checked and hashed off the async threads, before the write.
async fn staff_password(password: String) -> Result<accounts::StaffPassword> {
    tokio::task::spawn_blocking(move || accounts::StaffPassword::new(&password)).await?
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    /// A first password (at least 10 characters) to give them; they choose their own at once.
    pub password: String,
}

#[utoipa::path(post, path = "/api/admin/people/{id}/new-password", request_body = NewPassword, tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = crate::auth::Done), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn new_password(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewPassword>,
) -> Result<Json<crate::auth::Done>> {
    let person = person_id(&id)?;
    if person == admin.person {
        return Err(crate::error::ApiError::BadRequest("change your own password from your own screen".into()));
    }
    let password = staff_password(req.password).await?;
    let now = store::now_ms();
    state
        .store
        .write(move |tx| {
            accounts::new_staff_password(tx, person, &password, now)?;
            audit::append(
                tx,
                now,
                Some(admin.person),
                "set a new first password",
                Some(person),
                accounts::NEW_PASSWORD_DETAIL,
            )
        })
        .await?;
    ledger::note(&state.ledger, now, &[Decision::NewSecret(person), Decision::SignedOutEverywhere(person)]).await;
    Ok(Json(crate::auth::Done { ok: true }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvite {
    /// What staff call them until they choose their own name.
    pub display_name: String,
    #[schema(value_type = Vec<String>)]
    pub workers: Vec<PersonId>,
}

#[derive(Serialize, ToSchema)]
pub struct Invite {
    #[schema(value_type = String, format = Uuid)]
    pub young_person: PersonId,
    /// Give this to the young person; it works once, for 7 days.
    pub code: String,
}

#[utoipa::path(post, path = "/api/admin/invites", request_body = NewInvite, tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Invite), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn invite(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(req): ApiJson<NewInvite>,
) -> Result<Json<Invite>> {
    let workers = req.workers.clone();
    let (young_person, code) = state
        .store
        .write(move |tx| {
            let now = store::now_ms();
            let (id, code) = accounts::invite_young_person(tx, &req.display_name, admin.person, &req.workers, now)?;
            audit::append(tx, now, Some(admin.person), "invited a young person", Some(id), "a one-time invite code")?;
            Ok((id, code))
        })
        .await?;
    if !workers.is_empty() {
        state.assignments_changed();
    }
    // Their key workers' open screens show them waiting to join.
    for worker in workers {
        state.announce_people(young_person, tandem_shared::Visibility::Worker, Some(worker));
    }
    Ok(Json(Invite { young_person, code }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAssignment {
    #[schema(value_type = String, format = Uuid)]
    pub worker: PersonId,
    #[schema(value_type = String, format = Uuid)]
    pub young_person: PersonId,
}

#[utoipa::path(post, path = "/api/admin/assignments", request_body = NewAssignment, tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = crate::auth::Done), (status = 404, body = crate::error::ErrorBody)))]
pub async fn assign(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(req): ApiJson<NewAssignment>,
) -> Result<Json<crate::auth::Done>> {
    change_assignment(&state, admin.person, req, accounts::ASSIGN).await
}

/// A key worker stops supporting a young person: their devices drop what was shared with them
/// at their next pull (an open screen pulls at once), and nothing new reaches them.
#[utoipa::path(post, path = "/api/admin/assignments/end", request_body = NewAssignment, tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = crate::auth::Done), (status = 404, body = crate::error::ErrorBody)))]
pub async fn end_assignment(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(req): ApiJson<NewAssignment>,
) -> Result<Json<crate::auth::Done>> {
    change_assignment(&state, admin.person, req, accounts::UNASSIGN).await
}

/// Makes the change, then tells open screens that follow the young person to pull, so a change
/// of worker shows at once on both sides.
async fn change_assignment(
    state: &AppState,
    admin: PersonId,
    req: NewAssignment,
    change: accounts::AssignmentChange,
) -> Result<Json<crate::auth::Done>> {
    let NewAssignment { worker, young_person } = req;
    let now = store::now_ms();
    state
        .store
        .write(move |tx| {
            (change.apply)(tx, worker, young_person, now)?;
            audit::append(tx, now, Some(admin), change.action, Some(young_person), &format!("key worker {worker}"))
        })
        .await?;
    ledger::note(&state.ledger, now, &[(change.decision)(worker, young_person)]).await;
    state.assignments_changed();
    state.announce_people(young_person, tandem_shared::Visibility::Worker, Some(worker));
    Ok(Json(crate::auth::Done { ok: true }))
}

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

/// Support has ended: the young person is told on their phone, and everything of theirs is
/// erased when the organisation's retention period has passed (unless the case is reopened).
#[utoipa::path(post, path = "/api/admin/people/{id}/close-case", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = crate::auth::Done), (status = 404, body = crate::error::ErrorBody)))]
pub async fn close_case(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<Json<crate::auth::Done>> {
    set_case_closed(&state, admin.person, &id, true).await
}

#[utoipa::path(post, path = "/api/admin/people/{id}/reopen-case", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = crate::auth::Done), (status = 404, body = crate::error::ErrorBody)))]
pub async fn reopen_case(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<Json<crate::auth::Done>> {
    set_case_closed(&state, admin.person, &id, false).await
}

async fn set_case_closed(state: &AppState, admin: PersonId, id: &str, closed: bool) -> Result<Json<crate::auth::Done>> {
    let (person, now) = (person_id(id)?, store::now_ms());
    state.store.write(move |tx| accounts::set_case_closed(tx, admin, person, closed, now)).await?;
    let decision = if closed { Decision::CaseClosed(person) } else { Decision::CaseReopened(person) };
    ledger::note(&state.ledger, now, &[decision]).await;
    // Their open screens, and their key workers', look at /api/me again and show (or take down)
    // the notice.
    state.announce_people(person, tandem_shared::Visibility::Worker, None);
    Ok(Json(crate::auth::Done { ok: true }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Entries before this one (the `id` of the last entry of the page before); the latest if absent.
    pub before: Option<i64>,
    /// Only what this person did, or what was done to them.
    #[param(value_type = Option<String>, format = Uuid)]
    pub person: Option<PersonId>,
    /// Page size, 1–500 (default 200).
    pub limit: Option<i64>,
}

/// What admins did and what was erased, newest first, a page at a time. Nobody can change it.
#[utoipa::path(get, path = "/api/admin/audit", params(AuditQuery), tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = [audit::AuditEntry]), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn audit_log(
    State(state): State<AppState>,
    _admin: Admin,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Vec<audit::AuditEntry>>> {
    let page = audit::Page { before: q.before, person: q.person, limit: q.limit.unwrap_or(200).clamp(1, 500) };
    Ok(Json(state.store.read(move |db| audit::page(db, &page)).await?))
}

#[derive(Serialize, ToSchema)]
pub struct Assigned {
    #[schema(value_type = String, format = Uuid)]
    pub young_person: PersonId,
    pub display_name: String,
    pub workers: Vec<crate::http::me::PersonRef>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AssignmentsQuery {
    /// Only young people with no key worker (those to act on; the console's home counts them).
    pub without_key_worker: Option<bool>,
    /// Only the young people this key worker supports (the console names them when the worker leaves).
    #[param(value_type = Option<String>, format = Uuid)]
    pub key_worker: Option<PersonId>,
}

/// Every young person and their key workers.
#[utoipa::path(get, path = "/api/admin/assignments", tag = "admin", security(("bearer" = [])), params(AssignmentsQuery),
    responses((status = 200, body = [Assigned])))]
pub async fn assignments(
    State(state): State<AppState>,
    _admin: Admin,
    ApiQuery(q): ApiQuery<AssignmentsQuery>,
) -> Result<Json<Vec<Assigned>>> {
    let table = state.store.read(people::assignment_table).await?;
    let alone_only = q.without_key_worker.unwrap_or(false);
    Ok(Json(
        table
            .into_iter()
            .filter(|(_, _, workers)| !alone_only || workers.is_empty())
            .filter(|(_, _, workers)| q.key_worker.is_none_or(|w| workers.iter().any(|(id, _)| *id == w)))
            .map(|(young_person, display_name, workers)| Assigned {
                young_person,
                display_name,
                workers: workers
                    .into_iter()
                    .map(|(id, display_name)| crate::http::me::PersonRef::new(id, display_name))
                    .collect(),
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandOver {
    #[schema(value_type = String, format = Uuid)]
    pub young_person: PersonId,
    #[schema(value_type = String, format = Uuid)]
    pub from: PersonId,
    #[schema(value_type = String, format = Uuid)]
    pub to: PersonId,
}

/// One worker hands a young person over to another in one step: the new worker sees what was
/// shared with workers, the old one's devices drop it, and the young person is told who can see.
#[utoipa::path(post, path = "/api/admin/assignments/hand-over", request_body = HandOver, tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = crate::auth::Done), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn hand_over(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(req): ApiJson<HandOver>,
) -> Result<Json<crate::auth::Done>> {
    let HandOver { young_person, from, to } = req;
    if from == to {
        return Err(crate::error::ApiError::BadRequest("choose a different key worker to hand over to".into()));
    }
    let now = store::now_ms();
    state
        .store
        .write(move |tx| {
            accounts::unassign(tx, from, young_person, now)?;
            accounts::assign(tx, to, young_person, now)?;
            audit::append(
                tx,
                now,
                Some(admin.person),
                "handed over",
                Some(young_person),
                &format!("from key worker {from} to {to}"),
            )
        })
        .await?;
    ledger::note(
        &state.ledger,
        now,
        &[Decision::Unassigned { worker: from, young_person }, Decision::Assigned { worker: to, young_person }],
    )
    .await;
    state.assignments_changed();
    state.announce_people(young_person, tandem_shared::Visibility::Worker, Some(from));
    state.announce_people(young_person, tandem_shared::Visibility::Worker, Some(to));
    Ok(Json(crate::auth::Done { ok: true }))
}

#[derive(Serialize, ToSchema)]
pub struct SessionSummary {
    pub id: String,
    /// The random id the device gave itself (the first part is enough to tell devices apart).
    pub device: String,
    /// A shared tablet's name, if it is a registered one.
    pub tablet: Option<String>,
    /// Unix ms.
    pub started_at: i64,
    /// When it last renewed its sign-in (unix ms); at most one access-token lifetime ago if in use.
    pub last_seen_at: Option<i64>,
}

/// A person's signed-in devices.
#[utoipa::path(get, path = "/api/admin/people/{id}/sessions", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = [SessionSummary]), (status = 404, body = crate::error::ErrorBody)))]
pub async fn sessions(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
) -> Result<Json<Vec<SessionSummary>>> {
    let person = person_id(&id)?;
    let state_at = state.signed_in_at();
    let list = state
        .store
        .read(move |db| {
            people::by_id(db, person)?.ok_or(crate::error::ApiError::NotFound("no such person"))?;
            people::live_sessions(db, person, state_at)
        })
        .await?;
    Ok(Json(
        list.into_iter()
            .map(|(id, device, tablet, started_at, last_seen_at)| SessionSummary {
                id,
                device,
                tablet,
                started_at,
                last_seen_at,
            })
            .collect(),
    ))
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

/// Someone leaves: they can't sign in and every session ends; what they did stays on record.
#[utoipa::path(post, path = "/api/admin/people/{id}/deactivate", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid), Deactivate),
    responses((status = 200, body = crate::auth::Done), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn deactivate(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<Deactivate>,
) -> Result<Json<crate::auth::Done>> {
    set_active(&state, admin.person, &id, false, q.hand_over_to).await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Deactivate {
    /// For a key worker who leaves: another active key worker, given every young person they
    /// support in the same step, so none is left without one (each is told who can see now).
    #[param(value_type = Option<String>, format = Uuid)]
    pub hand_over_to: Option<PersonId>,
}

#[utoipa::path(post, path = "/api/admin/people/{id}/reactivate", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = crate::auth::Done), (status = 404, body = crate::error::ErrorBody)))]
pub async fn reactivate(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<Json<crate::auth::Done>> {
    set_active(&state, admin.person, &id, true, None).await
}

async fn set_active(
    state: &AppState,
    admin: PersonId,
    id: &str,
    active: bool,
    hand_over_to: Option<PersonId>,
) -> Result<Json<crate::auth::Done>> {
    let person = person_id(id)?;
    if person == admin {
        return Err(crate::error::ApiError::BadRequest("you can't deactivate yourself; ask another admin".into()));
    }
    let now = store::now_ms();
    let (released, handed_over, was_on_duty) = state
        .store
        .write(move |tx| {
            let handed_over = match hand_over_to {
                Some(to) => hand_over_everyone(tx, admin, person, to, now)?,
                None => Vec::new(),
            };
            if !people::set_active(tx, person, active, now)? {
                return Err(crate::error::ApiError::NotFound("no such person"));
            }
            if active {
                audit::append(tx, now, Some(admin), "reactivated", Some(person), "can sign in again")?;
                return Ok((Vec::new(), Vec::new(), false));
            }
            let was_on_duty = people::duty_worker(tx)? == Some(person);
            let released = accounts::deactivate(tx, Some(admin), person, now, accounts::DEACTIVATED_DETAIL)?;
            Ok((released, handed_over, was_on_duty))
        })
        .await?;
    // What it ended too: reactivating them later brings back neither their assignments nor duty.
    let mut decisions = vec![if active { Decision::Reactivated(person) } else { Decision::Deactivated(person) }];
    if let Some(worker) = hand_over_to {
        decisions.extend(handed_over.iter().map(|&young_person| Decision::Assigned { worker, young_person }));
    }
    decisions.extend(released.iter().map(|&young_person| Decision::Unassigned { worker: person, young_person }));
    if was_on_duty {
        decisions.push(Decision::DutyWorker(None));
        state.service_changed();
    }
    ledger::note(&state.ledger, now, &decisions).await;
    if !active {
        state.tell_own_screens(person);
    }
    if !released.is_empty() {
        state.assignments_changed();
    }
    for young_person in released {
        // Done whether or not the notice goes out: a screen that misses it catches up at its next start.
        state.announce_people(young_person, tandem_shared::Visibility::Worker, Some(person));
    }
    for young_person in handed_over {
        state.announce_people(young_person, tandem_shared::Visibility::Worker, hand_over_to);
    }
    Ok(Json(crate::auth::Done { ok: true }))
}

/// Gives `to` every young person `from` supports (before `from` is deactivated, which ends
/// `from`'s own assignments); returns those newly given.
fn hand_over_everyone(
    tx: &dyn store::sql::Db,
    admin: PersonId,
    from: PersonId,
    to: PersonId,
    now: i64,
) -> Result<Vec<PersonId>> {
    match people::by_id(tx, from)? {
        None => return Err(ApiError::NotFound("no such person")),
        Some(p) if p.role != Role::KeyWorker => {
            return Err(ApiError::BadRequest("only a key worker has young people to hand over".into()));
        }
        Some(_) => {}
    }
    let active_worker = people::by_id(tx, to)?.is_some_and(|p| p.role == Role::KeyWorker && !p.deactivated());
    if to == from || !active_worker {
        return Err(ApiError::BadRequest("hand over to another key worker who is active".into()));
    }
    let mut given = Vec::new();
    for young_person in people::caseload_of(tx, from)?.into_iter().map(|p| p.id) {
        if people::is_assigned(tx, to, young_person)? {
            continue;
        }
        accounts::assign(tx, to, young_person, now)?;
        let detail = format!("from key worker {from} to {to}, who was leaving");
        audit::append(tx, now, Some(admin), "handed over", Some(young_person), &detail)?;
        given.push(young_person);
    }
    Ok(given)
}

/// A new one-time code for a young person: to join, or, if they joined before and forgot their
/// PIN, to choose a new one (their other sessions end when they use it).
#[utoipa::path(post, path = "/api/admin/people/{id}/new-invite", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Invite), (status = 404, body = crate::error::ErrorBody)))]
pub async fn new_invite(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<Json<Invite>> {
    let person = person_id(&id)?;
    let code = state
        .store
        .write(move |tx| {
            let now = store::now_ms();
            let code = accounts::new_invite(tx, person, admin.person, now)?;
            audit::append(
                tx,
                now,
                Some(admin.person),
                "made a new invite code",
                Some(person),
                "to join or reset a PIN",
            )?;
            Ok(code)
        })
        .await?;
    Ok(Json(Invite { young_person: person, code }))
}

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
