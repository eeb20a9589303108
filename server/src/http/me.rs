//! `GET /api/me`, `GET /api/me/access-log`, `POST /api/me/erasure`, `GET /api/caseload`, notices
//! put away (`POST /api/me/put-away`), and a person's own signed-in devices (`GET
//! /api/me/sessions`, `POST /api/me/sessions/{id}/end`).

use crate::auth::extract::{Caller, KeyWorker, YoungPerson};
use crate::error::{ApiError, Result};
use crate::http::json::ApiJson;
use crate::state::AppState;
use crate::store::support_lines::{self, SupportLine};
use crate::store::{access_log, alerts, erasure, notices, people, sync};
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tandem_shared::{PersonId, Role};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/me", get(me))
        .route("/api/me/access-log", get(my_access_log))
        .route("/api/me/erasure", post(erase_me))
        .route("/api/caseload", get(caseload))
        .route("/api/caseload/{young_person}/looked", post(looked))
        .route("/api/me/put-away", post(put_away))
        .route("/api/me/sessions", get(my_sessions))
        .route("/api/me/sessions/{session}/end", post(end_my_session))
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct PersonRef {
    #[schema(value_type = String, format = Uuid)]
    pub id: PersonId,
    pub display_name: String,
    /// In a key worker's caseload: whether they have joined (false: their invite is unused).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub joined: Option<bool>,
    /// In a key worker's caseload: when the service closed their case (unix ms), and when
    /// everything of theirs will be erased for it. (A young person's own request to be deleted
    /// is theirs, and not told to anyone.)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_closed_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub erase_at: Option<i64>,
    /// In a key worker's caseload, or drop-in staff's list: the latest change you had seen when
    /// you last looked at their page, on any device (unix ms); what changed after it is new to you.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub looked_at: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    #[schema(value_type = String, format = Uuid)]
    pub id: PersonId,
    #[schema(value_type = String)]
    pub role: Role,
    pub display_name: String,
    /// For a young person: the key workers who can see what you share with "my worker".
    pub workers: Vec<PersonRef>,
    /// For a key worker: the young people you support. For drop-in staff: the young people who
    /// share something with the team.
    pub caseload: Vec<PersonRef>,
    /// For a young person: who is told if you press "I don't feel safe": your key workers, or
    /// the service's duty worker when you have none (empty: nobody can be told through Tandem).
    pub alerts_go_to: Vec<PersonRef>,
    /// For a young person with key workers: who else is told if none of them has seen their
    /// alert in time (the service's duty worker), and after how many minutes.
    pub alerts_escalate: Option<Escalation>,
    /// For a young person: helplines the service names, to talk to someone now (an alert waits
    /// for a key worker to look).
    pub support_lines: Vec<SupportLine>,
    /// For a young person: when the service's workers are at work, if it has said (an alert
    /// outside them may not be seen until they are back).
    pub working_hours: Option<crate::store::working_hours::WorkingHours>,
    /// For a young person: when the service closed your case (unix ms), if it has.
    pub case_closed_at: Option<i64>,
    /// For a young person: when everything of yours will be erased (unix ms), if it will.
    pub erase_at: Option<i64>,
    /// For a young person or a key worker: the notices of collided words you have put away, on
    /// any device (`record/field/ms.count/device`, naming the kept version each was about).
    pub put_away: Vec<String>,
    /// The devices signed in as you now, this one too, so the app can show one it hasn't seen
    /// before that signed in after it (someone else may know your PIN or password).
    pub sign_ins: Vec<MySession>,
    /// For staff: signing in asks for a code from an authenticator app too.
    pub two_step: bool,
    /// For staff with two-step sign-in: how many of their one-time recovery codes are left.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub two_step_recovery_left: Option<i64>,
    /// For staff: the service asks for two-step sign-in and this session was made without it, so
    /// it can do nothing else until it is set up.
    pub must_set_up_two_step: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Escalation {
    pub to: PersonRef,
    pub after_minutes: u32,
}

impl PersonRef {
    /// Someone named, outside a caseload (whether they joined isn't said).
    pub fn new(id: PersonId, display_name: String) -> PersonRef {
        PersonRef { id, display_name, joined: None, case_closed_at: None, erase_at: None, looked_at: None }
    }
}

pub fn refs(list: Vec<(PersonId, String)>) -> Vec<PersonRef> {
    list.into_iter().map(|(id, display_name)| PersonRef::new(id, display_name)).collect()
}

#[utoipa::path(get, path = "/api/me", tag = "me", security(("bearer" = [])), responses((status = 200, body = Me), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> Result<Json<Me>> {
    let (settings, signed_in_at) = (state.settings.clone(), state.signed_in_at());
    let me = state
        .store
        .read(move |conn| {
            let p = people::by_id(conn, caller.person)?.ok_or(ApiError::Unauthorized("please sign in again"))?;
            let workers = if p.role == Role::YoungPerson { refs(people::workers_of(conn, p.id)?) } else { vec![] };
            let caseload = match p.role {
                Role::KeyWorker => people::caseload_of(conn, p.id)?
                    .into_iter()
                    .map(|p| PersonRef {
                        id: p.id,
                        display_name: p.display_name,
                        joined: Some(p.joined),
                        case_closed_at: p.case_closed_at,
                        erase_at: p.case_closed_at.map(|t| t + settings.retention_ms),
                        looked_at: p.looked_at,
                    })
                    .collect(),
                Role::DropInStaff => people::sharing_with_team(conn, p.id)?
                    .into_iter()
                    .map(|p| PersonRef { looked_at: p.looked_at, ..PersonRef::new(p.id, p.display_name) })
                    .collect(),
                _ => vec![],
            };
            let plan = erasure::plan_of(conn, p.id)?;
            let put_away = match p.role {
                Role::YoungPerson | Role::KeyWorker => notices::put_away_by(conn, p.id)?,
                _ => vec![],
            };
            let alerts_go_to = match (p.role, workers.is_empty()) {
                (Role::YoungPerson, false) => workers.clone(),
                (Role::YoungPerson, true) => match people::duty_worker(conn)? {
                    Some(d) => {
                        people::by_id(conn, d)?.map(|w| PersonRef::new(w.id, w.display_name)).into_iter().collect()
                    }
                    None => vec![],
                },
                _ => vec![],
            };
            let alerts_escalate = match (p.role, workers.is_empty(), alerts::escalate_after(conn)?) {
                // Not when the duty worker is one of their own: they are told at once anyway.
                (Role::YoungPerson, false, Some(after_minutes)) => match people::duty_worker(conn)? {
                    Some(duty) if workers.iter().all(|w| w.id != duty) => people::by_id(conn, duty)?
                        .map(|d| Escalation { to: PersonRef::new(d.id, d.display_name), after_minutes }),
                    _ => None,
                },
                _ => None,
            };
            let support_lines = if p.role == Role::YoungPerson { support_lines::list(conn)? } else { vec![] };
            let working_hours =
                if p.role == Role::YoungPerson { crate::store::working_hours::get(conn)? } else { None };
            let sign_ins = my_sessions_in(conn, &caller, signed_in_at)?;
            let two_step_recovery_left =
                if p.two_step { Some(crate::store::two_step::recovery_left(conn, p.id)?) } else { None };
            Ok(Me {
                id: p.id,
                role: p.role,
                display_name: p.display_name,
                workers,
                caseload,
                alerts_go_to,
                alerts_escalate,
                support_lines,
                working_hours,
                case_closed_at: plan.case_closed_at,
                erase_at: erase_at(&settings, plan),
                put_away,
                sign_ins,
                two_step: p.two_step,
                two_step_recovery_left,
                must_set_up_two_step: caller.must_set_up_two_step,
            })
        })
        .await?;
    Ok(Json(me))
}

/// The day a plan comes due under today's settings: the earlier of its two clocks.
fn erase_at(settings: &crate::config::Settings, plan: erasure::Plan) -> Option<i64> {
    let asked = plan.erasure_asked_at.map(|t| t + settings.cooling_off_ms);
    let closed = plan.case_closed_at.map(|t| t + settings.retention_ms);
    asked.into_iter().chain(closed).min()
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseMe {
    /// Erase everything at once, with no time to change your mind.
    pub now: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Erasure {
    /// Everything of yours has gone.
    pub erased: bool,
    /// When it will go (unix ms), unless you sign in before then.
    pub erase_at: Option<i64>,
}

/// A young person deletes their account: at once, or after the cooling-off. Either way every
/// session of theirs ends now; signing in before the day keeps the account.
#[utoipa::path(post, path = "/api/me/erasure", request_body = EraseMe, tag = "me", security(("bearer" = [])),
    responses((status = 200, body = Erasure), (status = 403, body = crate::error::ErrorBody)))]
pub async fn erase_me(
    State(state): State<AppState>,
    YoungPerson(caller): YoungPerson,
    ApiJson(req): ApiJson<EraseMe>,
) -> Result<Json<Erasure>> {
    let (who, now) = (caller.person, crate::store::now_ms());
    if req.now {
        state
            .store
            .write(move |tx| crate::accounts::erase_young_person(tx, who, Some(who), erasure::Why::Asked, now))
            .await?;
        tracing::info!(person = %who, "a young person erased their account");
        crate::ledger::note(&state.ledger, now, &[crate::ledger::Decision::Erased(who)]).await;
        crate::retention::tell_screens(&state, who);
        state.store.forget_erased().await;
        return Ok(Json(Erasure { erased: true, erase_at: None }));
    }
    state.store.write(move |tx| crate::accounts::ask_to_be_erased(tx, who, now)).await?;
    crate::ledger::note(&state.ledger, now, &[crate::ledger::Decision::AskedToGo(who)]).await;
    // Signed out everywhere: their other devices find out at once.
    state.tell_own_screens(who);
    Ok(Json(Erasure { erased: false, erase_at: Some(now + state.settings.cooling_off_ms) }))
}

#[utoipa::path(get, path = "/api/me/access-log", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = [access_log::Entry]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn my_access_log(
    State(state): State<AppState>,
    YoungPerson(caller): YoungPerson,
) -> Result<Json<Vec<access_log::Entry>>> {
    let entries = state.store.read(move |conn| access_log::for_young_person(conn, caller.person, 500)).await?;
    Ok(Json(entries))
}

/// One of my signed-in devices.
#[derive(Serialize, ToSchema)]
pub struct MySession {
    pub id: String,
    /// The device asking.
    pub this_device: bool,
    /// What kind of device it said it was at sign-in ("Android phone (Chrome)"), if it said.
    pub device_kind: Option<String>,
    /// A shared tablet's name, if it is a registered one.
    pub tablet: Option<String>,
    /// Unix ms.
    pub started_at: i64,
    /// When it last renewed its sign-in (unix ms).
    pub last_seen_at: Option<i64>,
}

/// Where I am signed in: someone who fears another person has their phone can see it and end it.
#[utoipa::path(get, path = "/api/me/sessions", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = [MySession]), (status = 401, body = crate::error::ErrorBody)))]
pub async fn my_sessions(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<MySession>>> {
    let at = state.signed_in_at();
    Ok(Json(state.store.read(move |conn| my_sessions_in(conn, &caller, at)).await?))
}

fn my_sessions_in(conn: &dyn crate::store::sql::Db, caller: &Caller, at: people::SignedInAt) -> Result<Vec<MySession>> {
    let list = people::live_sessions(conn, caller.person, at)?;
    Ok(list
        .into_iter()
        .map(|s| MySession {
            this_device: s.id == caller.session,
            id: s.id,
            device_kind: s.device_kind,
            tablet: s.tablet,
            started_at: s.started_at,
            last_seen_at: s.last_seen_at,
        })
        .collect())
}

/// Signs one of my devices out: at once if open (its screen is told), else at its next request; what it holds stays
/// hidden behind signing in again.
#[utoipa::path(post, path = "/api/me/sessions/{session}/end", tag = "me", security(("bearer" = [])),
    params(("session" = String, Path)),
    responses((status = 200, body = crate::auth::Done), (status = 404, body = crate::error::ErrorBody)))]
pub async fn end_my_session(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(session): axum::extract::Path<String>,
) -> Result<Json<crate::auth::Done>> {
    let (person, now) = (caller.person, crate::store::now_ms());
    let id = session.clone();
    let ended = state.store.write(move |tx| people::end_session(tx, person, &id, now)).await?;
    // Someone else's session (or one already ended) reads as not found: nothing to learn from it.
    if !ended {
        return Err(ApiError::NotFound("no such signed-in device of yours"));
    }
    crate::auth::note_session_ended(&state, &session, now).await;
    state.tell_own_screens(person);
    Ok(Json(crate::auth::Done { ok: true }))
}

#[derive(Serialize, ToSchema)]
pub struct CaseloadEntry {
    #[schema(value_type = String, format = Uuid)]
    pub id: PersonId,
    pub display_name: String,
    /// Items they have shared with you.
    pub shared: i64,
    /// The change number of their latest shared change; compare with your last pull's cursor.
    pub latest_change: i64,
    /// The latest change you had seen when you last looked at their page (unix ms), if you have.
    pub looked_at: Option<i64>,
}

#[utoipa::path(get, path = "/api/caseload", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = [CaseloadEntry]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn caseload(State(state): State<AppState>, KeyWorker(caller): KeyWorker) -> Result<Json<Vec<CaseloadEntry>>> {
    let entries = state.store.read(move |conn| sync::caseload_summary(conn, caller.person)).await?;
    let entries = entries
        .into_iter()
        .map(|s| CaseloadEntry {
            id: s.id,
            display_name: s.display_name,
            shared: s.shared,
            latest_change: s.latest_change,
            looked_at: s.looked_at,
        })
        .collect();
    Ok(Json(entries))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Looked {
    /// The latest change you have now seen on their page (unix ms): what changed after it is new.
    pub at: i64,
}

/// A key worker, or drop-in staff, has looked at a young person's page: "new since you last
/// looked" follows them to their other devices, and past lending a shared tablet. (Not a read of
/// the young person's things: pulls log those.)
#[utoipa::path(post, path = "/api/caseload/{young_person}/looked", request_body = Looked, tag = "me",
    security(("bearer" = [])), params(("young_person" = String, Path, format = Uuid)),
    responses((status = 200, body = crate::auth::Done), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn looked(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(young_person): axum::extract::Path<String>,
    ApiJson(req): ApiJson<Looked>,
) -> Result<Json<crate::auth::Done>> {
    let team = match caller.role {
        Role::KeyWorker => false,
        Role::DropInStaff => true,
        _ => return Err(ApiError::Forbidden("only a key worker or drop-in staff can do this")),
    };
    let young_person = super::person_id(&young_person)?;
    if req.at < 0 {
        return Err(ApiError::BadRequest("`at` is a time in unix milliseconds, not below 0".into()));
    }
    // No look from the future (a device's clock days ahead): it would hide what is new until then.
    let (staff, at) = (caller.person, req.at.min(crate::store::now_ms()));
    let marked = state
        .store
        .write(move |tx| {
            if team {
                people::mark_team_looked(tx, staff, young_person, at)
            } else {
                people::mark_looked(tx, staff, young_person, at)
            }
        })
        .await?;
    if !marked {
        let nobody =
            if team { "no one of that id shares anything with the team" } else { "no one of that id in your caseload" };
        return Err(ApiError::NotFound(nobody));
    }
    Ok(Json(crate::auth::Done { ok: true }))
}

/// The most notices one request may put away: a screen shows a few at a time.
const MAX_PUT_AWAY: usize = 200;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutAway {
    /// Notices read and put away ("OK, got it"), each named `record/field/ms.count/device` (the
    /// record, and the field and stamp of the version kept).
    pub notices: Vec<String>,
}

/// A young person or key worker has read and put away notices of collided words: their other
/// devices, and a shared tablet at their next visit, no longer show them. All or none: a notice
/// about a record you can't see refuses the lot.
#[utoipa::path(post, path = "/api/me/put-away", request_body = PutAway, tag = "me", security(("bearer" = [])),
    responses((status = 200, body = crate::auth::Done), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn put_away(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<PutAway>,
) -> Result<Json<crate::auth::Done>> {
    if !matches!(caller.role, Role::YoungPerson | Role::KeyWorker) {
        return Err(ApiError::Forbidden("only young people and key workers have notices to put away"));
    }
    if req.notices.len() > MAX_PUT_AWAY {
        return Err(ApiError::BadRequest(format!("put away at most {MAX_PUT_AWAY} notices at a time")));
    }
    let notices = req
        .notices
        .iter()
        .map(|key| notices::Notice::parse(key))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| ApiError::BadRequest("each notice is named `record/field/ms.count/device`".into()))?;
    let (person, role) = (caller.person, caller.role);
    state.store.write(move |tx| notices::put_away(tx, person, role, &notices)).await?;
    Ok(Json(crate::auth::Done { ok: true }))
}
