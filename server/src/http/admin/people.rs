//! People: the list admins see (names, roles and statuses, never records), staff accounts and
//! their passwords, closing and reopening a young person's case, deactivating someone (and
//! handing over the young people they supported).

use crate::accounts;
use crate::auth::extract::Admin;
use crate::error::{ApiError, Result};
use crate::http::json::{ApiJson, ApiQuery};
use crate::http::person_id;
use crate::ledger::{self, Decision};
use crate::state::AppState;
use crate::store::{self, audit, people};
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use tandem_shared::{PersonId, Role};
use utoipa::{IntoParams, ToSchema};

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
    /// Staff: signing in asks for a code from their authenticator app too.
    pub two_step: bool,
    /// Staff: they linked their organisation's own account, and can sign in with it.
    pub sso_linked: bool,
    /// Key workers: their signed-in devices that show a notification, with Tandem closed, when
    /// a young person asks for help (what the Safety alerts screen says of the duty worker).
    pub alert_devices: u32,
    /// For a young person whose case is closed: when (unix ms).
    pub case_closed_at: Option<i64>,
    /// And when everything of theirs is erased, unless the case is reopened first (unix ms): the
    /// service's retention period after it closed.
    pub erased_at: Option<i64>,
    /// Staff: when they were added (unix ms), for a review of who still needs access.
    pub added_at: Option<i64>,
    /// Staff: when they last used Tandem, signing in or still signed in (unix ms, to within an
    /// access token's life); none if they never have. (Never given for young people: admins see
    /// who they are, not how each uses it; `/api/admin/numbers` counts them.)
    pub last_active_at: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PeopleQuery {
    /// Only staff (the console's home looks for staff who haven't used Tandem for months, in a
    /// service of thousands of young people).
    pub staff: Option<bool>,
}

#[utoipa::path(get, path = "/api/admin/people", tag = "admin", security(("bearer" = [])), params(PeopleQuery),
    responses((status = 200, body = [PersonSummary])))]
pub async fn list_people(
    State(state): State<AppState>,
    _admin: Admin,
    ApiQuery(q): ApiQuery<PeopleQuery>,
) -> Result<Json<Vec<PersonSummary>>> {
    let staff_only = q.staff.unwrap_or(false);
    let retention_ms = state.settings.retention_ms;
    let list = state
        .store
        .read(move |db| {
            // One read of every young person's plan, not one a person (a service may have thousands).
            let plans = store::erasure::plans(db)?;
            let told = store::push::devices_by_person(db)?;
            let linked = store::sso::links(db)?;
            let activity = people::staff_activity(db)?;
            Ok(people::list(db)?
                .into_iter()
                .filter(|p| !staff_only || p.role != Role::YoungPerson)
                .map(|p| {
                    let case_closed_at = plans.get(&p.id).and_then(|plan| plan.case_closed_at);
                    let activity = activity.get(&p.id);
                    PersonSummary {
                        id: p.id,
                        role: p.role,
                        joined: p.secret_hash.is_some(),
                        needs_new_secret: p.needs_new_secret(),
                        deactivated: p.deactivated(),
                        two_step: p.two_step,
                        sso_linked: linked.contains_key(&p.id),
                        alert_devices: told.get(&p.id).copied().unwrap_or(0),
                        case_closed_at,
                        erased_at: case_closed_at.map(|closed| closed + retention_ms),
                        added_at: activity.map(|a| a.0),
                        last_active_at: activity.and_then(|a| a.1),
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
    let password = staff_password(req.password, vec![req.name.clone(), req.display_name.clone()]).await?;
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

/// Most staff added in one go: each first password is hashed slowly on purpose, a few at a time.
pub const SEVERAL_STAFF_MOST: usize = 50;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeveralStaff {
    /// 1 to 50 people, each as `POST /api/admin/people` takes one: all are added, or (if any
    /// line is refused) nobody is.
    pub people: Vec<NewStaff>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedSeveral {
    /// In the order they were sent.
    #[schema(value_type = Vec<String>)]
    pub ids: Vec<PersonId>,
}

/// A service starting out adds its staff from a list, not one form at a time. All or nothing:
/// a list half added would leave the admin working out who still needs adding.
#[utoipa::path(post, path = "/api/admin/people/several", request_body = SeveralStaff, tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = CreatedSeveral), (status = 400, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn create_several_staff(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(req): ApiJson<SeveralStaff>,
) -> Result<Json<CreatedSeveral>> {
    use futures_util::StreamExt;
    let list = req.people;
    if list.is_empty() || list.len() > SEVERAL_STAFF_MOST {
        return Err(ApiError::BadRequest(format!("send 1 to {SEVERAL_STAFF_MOST} people at a time")));
    }
    let names: Vec<String> = list.iter().map(|p| p.name.clone()).collect();
    let taken = state
        .store
        .read(move |db| names.iter().map(|n| Ok(people::by_name(db, n)?.is_some())).collect::<Result<Vec<bool>>>())
        .await?;
    // Every line's problems are told at once, so the list is mended in one go.
    let (list, problems) = tokio::task::spawn_blocking(move || {
        let problems = list_problems(&list, &taken);
        (list, problems)
    })
    .await?;
    if !problems.is_empty() {
        return Err(ApiError::BadRequest(nobody_added(&problems)));
    }
    // As many hashed together as there are cores: more would only queue and take more memory.
    // Each was checked above, so only hashed here.
    let at_once = std::thread::available_parallelism().map_or(2, |n| n.get());
    let hashing: Vec<_> = list
        .iter()
        .map(|p| {
            let password = p.password.clone();
            async move { tokio::task::spawn_blocking(move || accounts::StaffPassword::hash_checked(&password)).await? }
        })
        .collect();
    let passwords: Vec<accounts::StaffPassword> = futures_util::stream::iter(hashing)
        .buffered(at_once)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_>>()?;
    let ids = state
        .store
        .write(move |tx| {
            let taken: Vec<String> = list
                .iter()
                .enumerate()
                .filter_map(|(i, p)| match people::by_name(tx, &p.name) {
                    Ok(None) => None,
                    Ok(Some(_)) => Some(Ok(line_problem(i, p, "that sign-in name was taken meanwhile"))),
                    Err(e) => Some(Err(e)),
                })
                .collect::<Result<_>>()?;
            if !taken.is_empty() {
                return Err(ApiError::Conflict(nobody_added(&taken).into()));
            }
            let now = store::now_ms();
            let mut ids = Vec::with_capacity(list.len());
            for (p, password) in list.iter().zip(&passwords) {
                let id = accounts::create_staff(tx, p.role, &p.name, &p.display_name, password, now)?;
                people::require_password_change(tx, id)?;
                audit::append(tx, now, Some(admin.person), "created staff", Some(id), people::role_str(p.role))?;
                ids.push(id);
            }
            Ok(ids)
        })
        .await
        .map_err(|e| match e {
            // Another list's name committed between the check above and this one's insert
            // (PostgreSQL, two replicas or two admins at once): the database refused it, and
            // the whole list with it.
            ApiError::Conflict(said) if !said.starts_with("nobody was added") => ApiError::Conflict(
                "nobody was added: a sign-in name on the list was taken while it was being added; check the list again"
                    .into(),
            ),
            other => other,
        })?;
    Ok(Json(CreatedSeveral { ids }))
}

/// What is wrong with each line of a list (`taken`: whether each sign-in name is someone's).
fn list_problems(list: &[NewStaff], taken: &[bool]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut sign_in_keys = std::collections::HashSet::new();
    for (i, (p, taken)) in list.iter().zip(taken).enumerate() {
        let mut wrong = Vec::new();
        match accounts::check_new_staff(p.role, &p.name, &p.display_name) {
            Err(e) => wrong.push(e.to_string()),
            Ok((name, _)) if !sign_in_keys.insert(people::sign_in_key(&name)) => {
                wrong.push("the same sign-in name as a line above".to_owned());
            }
            Ok(_) if *taken => wrong.push("that sign-in name is taken".to_owned()),
            Ok(_) => {}
        }
        if let Err(e) = accounts::StaffPassword::check(&p.password, &[&p.name, &p.display_name]) {
            wrong.push(format!("its password: {e}"));
        }
        if !wrong.is_empty() {
            problems.push(line_problem(i, p, &wrong.join(", and ")));
        }
    }
    problems
}

/// One line of a list refused: numbered as the admin sees it, with the name they typed.
fn line_problem(index: usize, person: &NewStaff, problem: &str) -> String {
    format!("Line {} ({}): {problem}", index + 1, person.display_name.trim())
}

fn nobody_added(problems: &[String]) -> String {
    format!("nobody was added. {}", problems.join("; "))
}

/// Checked and hashed off the async threads, before the write.
async fn staff_password(password: String, about: Vec<String>) -> Result<accounts::StaffPassword> {
    tokio::task::spawn_blocking(move || {
        let about: Vec<&str> = about.iter().map(String::as_str).collect();
        accounts::StaffPassword::new(&password, &about)
    })
    .await?
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
    // Their names, for the check that the password isn't built from them (unknown: a 404 below).
    let names = state
        .store
        .read(move |db| Ok(people::by_id(db, person)?.map(|p| vec![p.name.unwrap_or_default(), p.display_name])))
        .await?
        .unwrap_or_default();
    let password = staff_password(req.password, names).await?;
    let now = store::now_ms();
    let unlinked = state
        .store
        .write(move |tx| {
            let unlinked = accounts::new_staff_password(tx, person, &password, now)?;
            let detail = accounts::new_password_detail(unlinked);
            audit::append(tx, now, Some(admin.person), "set a new first password", Some(person), &detail)?;
            Ok(unlinked)
        })
        .await?;
    ledger::note(&state.ledger, now, &accounts::new_password_decisions(person, unlinked)).await;
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

/// The service in numbers, for the console's home: counts only, never who.
#[derive(Serialize, ToSchema)]
pub struct ServiceNumbers {
    /// Young people who have joined, whose case is open and who are not deactivated.
    pub young_people: i64,
    /// Of them, those who used Tandem in the last 30 days.
    pub young_people_active: i64,
    /// Invited and not joined yet (their code may have run out).
    pub invited: i64,
    /// Young people whose case is closed (erased at the end of the retention period).
    pub cases_closed: i64,
    /// Staff who are not deactivated.
    pub staff: i64,
}

/// How many the service supports and how many use Tandem: what a service reports to those who
/// fund it, and a first sign of whether young people are taking to it.
#[utoipa::path(get, path = "/api/admin/numbers", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = ServiceNumbers), (status = 403, body = crate::error::ErrorBody)))]
pub async fn service_numbers(State(state): State<AppState>, _admin: Admin) -> Result<Json<ServiceNumbers>> {
    let since = store::now_ms() - ACTIVE_DAYS * 86_400_000;
    let numbers = state
        .store
        .read(move |db| {
            let row = db.query_one(
                "SELECT
                   coalesce(sum(CASE WHEN role = 'young_person' AND secret_hash IS NOT NULL AND case_closed_at IS NULL THEN 1 ELSE 0 END), 0),
                   coalesce(sum(CASE WHEN role = 'young_person' AND secret_hash IS NOT NULL AND case_closed_at IS NULL
                                      AND last_active_at >= ?1 THEN 1 ELSE 0 END), 0),
                   coalesce(sum(CASE WHEN role = 'young_person' AND secret_hash IS NULL THEN 1 ELSE 0 END), 0),
                   coalesce(sum(CASE WHEN role = 'young_person' AND case_closed_at IS NOT NULL THEN 1 ELSE 0 END), 0),
                   coalesce(sum(CASE WHEN role <> 'young_person' THEN 1 ELSE 0 END), 0)
                 FROM people WHERE deactivated_at IS NULL",
                &[since.into()],
            )?;
            Ok(ServiceNumbers {
                young_people: row.int(0)?,
                young_people_active: row.int(1)?,
                invited: row.int(2)?,
                cases_closed: row.int(3)?,
                staff: row.int(4)?,
            })
        })
        .await?;
    Ok(Json(numbers))
}

/// "Used Tandem lately", in the service's numbers.
const ACTIVE_DAYS: i64 = 30;
