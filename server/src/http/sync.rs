//! `POST /api/sync/push`, `GET /api/sync/pull`, `GET /api/sync/events`.

use crate::auth::extract::{SyncToken, Syncer};
use crate::error::{ApiError, Result};
use crate::events::{Listener, NOT_ONE_CHANGE, Notice, Pending};
use crate::http::json::{ApiJson, ApiQuery};
use crate::http::pull_answer::{PullAnswer, PullForm};
use crate::state::AppState;
use crate::store::{self, access_log, people, sync};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::Stream;
use serde::Deserialize;
use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::atomic::Ordering::Relaxed;
use tandem_shared::wire::{OpStatus, PROTOCOL_VERSION, PushRequest, PushResponse, SCHEMA_VERSION};
use tandem_shared::{DeviceId, Role};
use utoipa::IntoParams;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/sync/push", post(push))
        .route("/api/sync/pull", get(pull))
        .route("/api/sync/events", get(events))
}

/// Most operations in one push; a phone offline for a week sends several batches.
pub const MAX_OPS_PER_PUSH: usize = 500;

/// Every sync request states its protocol and schema version: push in its body, the others in
/// `tandem-protocol` / `tandem-schema` headers.
fn check_version(protocol: Option<String>, schema: Option<String>) -> Result<()> {
    if protocol.as_deref() == Some(&*PROTOCOL_VERSION.to_string())
        && schema.as_deref() == Some(&*SCHEMA_VERSION.to_string())
    {
        return Ok(());
    }
    Err(ApiError::UnsupportedVersion {
        client: protocol.unwrap_or_else(|| "none".into()),
        schema: schema.unwrap_or_else(|| "none".into()),
    })
}

fn check_header_version(headers: &HeaderMap) -> Result<()> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    check_version(header("tandem-protocol"), header("tandem-schema"))
}

#[utoipa::path(post, path = "/api/sync/push", request_body = PushRequest, tag = "sync", security(("bearer" = [])),
    responses((status = 200, body = PushResponse), (status = 400, body = crate::error::ErrorBody),
              (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn push(
    State(state): State<AppState>,
    token: SyncToken,
    ApiJson(req): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>> {
    check_version(Some(req.protocol.to_string()), Some(req.schema.to_string()))?;
    if req.ops.iter().any(|op| op.seq == 0 || i64::try_from(op.seq).is_err()) {
        return Err(ApiError::BadRequest("operation numbers run from 1 to 2^63 - 1".into()));
    }
    if !clocks_in_range(&req) {
        return Err(ApiError::BadRequest("a clock reading is out of range".into()));
    }
    if req.ops.len() > MAX_OPS_PER_PUSH {
        return Err(ApiError::BadRequest(format!("send at most {MAX_OPS_PER_PUSH} changes at a time")));
    }
    let clock = state.clock.clone();
    let who = token.0.sync();
    let outcome = state
        .store
        .write(move |tx| {
            token.confirm(tx)?;
            // The clock is read, not held, while the batch is applied: on PostgreSQL several
            // pushes run at once, and one waiting on a row lock must not stop the others. Two
            // that start from the same reading only cap clocks the same way.
            let mut working = *clock.lock().unwrap_or_else(|p| p.into_inner());
            let outcome = sync::push(tx, who, &req, &mut working, store::now_ms() as u64)?;
            let mut clock = clock.lock().unwrap_or_else(|p| p.into_inner());
            *clock = (*clock).max(working);
            Ok(outcome)
        })
        .await?;
    for &(owner, cursor, audience) in &outcome.changed {
        state.publish(Notice { owner, cursor, audience, worker: None, people: false });
    }
    let m = &state.metrics;
    m.pushes.fetch_add(1, Relaxed);
    for r in &outcome.response.results {
        match r.status {
            OpStatus::Rejected | OpStatus::OutOfOrder => m.ops_rejected.fetch_add(1, Relaxed),
            _ => m.ops_applied.fetch_add(1, Relaxed),
        };
    }
    tracing::debug!(person = %who.person, ops = outcome.response.results.len(), "push");
    Ok(Json(outcome.response))
}

/// Clocks are stored as signed 64-bit numbers; anything larger is refused at the door.
fn clocks_in_range(req: &PushRequest) -> bool {
    let fits = |ms: u64| i64::try_from(ms).is_ok();
    req.ops.iter().all(|op| fits(op.hlc.ms) && op.changes.iter().all(|c| c.base.is_none_or(|b| fits(b.hlc.ms))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PullQuery {
    /// The cursor from the last pull; 0 for everything.
    #[serde(default)]
    pub since: u64,
    /// This device, to learn the last operation number the server has from it.
    #[param(value_type = Option<String>, format = Uuid)]
    pub device: Option<DeviceId>,
    /// Page size, 1–500 (default 200).
    pub limit: Option<usize>,
    /// `lean` for the packed form with each set of fields records still hold as they were made
    /// once a page too (`PackedPullResponse` with `as_made`): about two thirds of the packed
    /// form's size, what phones ask for first.
    /// `packed` for each person, device and write once a page, and records referring to them
    /// (`PackedPullResponse`): about a fifth of the full form's size, for phones on a weak signal.
    /// `compact` for records with their fields and conflicts as arrays (`CompactPullResponse`):
    /// about 60% of the size. `full` (the default) for `PullResponse`.
    #[serde(default)]
    #[param(inline)]
    pub form: PullForm,
}

#[utoipa::path(get, path = "/api/sync/pull", params(PullQuery), tag = "sync", security(("bearer" = [])),
    responses((status = 200, body = PullAnswer, headers(("tandem-next-since" = u64, description = "With a page after which more wait: the next page's `since` (the body's `cursor`), so the next page can be asked for before this one has all arrived."))), (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody),
        (status = 409, description = "`cursor_ahead`: the cursor is past this server's last change (it was restored from a backup); pull from 0", body = crate::error::ErrorBody)))]
pub async fn pull(
    State(state): State<AppState>,
    token: SyncToken,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<PullQuery>,
) -> Result<PullAnswer> {
    check_header_version(&headers)?;
    if i64::try_from(q.since).is_err() {
        return Err(ApiError::BadRequest("`since` is out of range".into()));
    }
    let page = q.limit.unwrap_or(sync::PAGE).clamp(1, 500);
    let who = token.0.sync();
    let (response, reads) = state
        .store
        .read(move |conn| {
            token.confirm(conn)?;
            let (page, reads) = sync::pull(conn, who, q.device, q.since, page)?;
            Ok((PullAnswer::of(page, q.form)?, reads))
        })
        .await?;
    if !reads.is_empty() {
        let actor = who.person;
        state
            .store
            .write(move |tx| {
                for (&young_person, &n) in &reads {
                    access_log::append(tx, young_person, actor, access_log::Action::Read, n, store::now_ms())?;
                }
                Ok(())
            })
            .await?;
    }
    state.metrics.pulls.fetch_add(1, Relaxed);
    Ok(response)
}

/// Server-sent events: `changes` with `{"cursor": N, "generation": G}` whenever something the
/// caller may see changes, so an open screen pulls at once unless its store already reaches
/// change N of this copy of the data (N is above every change number when the event is not
/// about one numbered change: on connect, for an alert, an account), and
/// `people`, with the same data, when who the caller works with or their account changed too (or,
/// for a young person, what they are shown about the service: its helplines, who is told of an
/// alert and when).
#[utoipa::path(get, path = "/api/sync/events", tag = "sync", security(("bearer" = [])),
    responses((status = 200, description = "text/event-stream of `changes` and `people` events"), (status = 401, body = crate::error::ErrorBody),
        (status = 429, description = "this person already holds the most live streams one server allows", body = crate::error::ErrorBody)))]
pub async fn events(
    State(state): State<AppState>,
    Syncer(caller): Syncer,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    check_header_version(&headers)?;
    let me = caller.person;
    let role = caller.role;
    let store = state.store.clone();
    let load_caseload = move || {
        let store = store.clone();
        async move {
            store.read(move |c| Ok(people::caseload_of(c, me)?.into_iter().map(|p| p.id).collect::<HashSet<_>>())).await
        }
    };
    let is_worker = role == Role::KeyWorker;
    // Listening starts before the caseload and the cursor are read, so nothing that changes
    // between those reads and the first event goes untold.
    let mut assignments = state.events.assignments();
    let mut missed = state.events.missed();
    let mut service = state.events.service();
    let mut closing = state.events.closing();
    let listener = match role {
        Role::YoungPerson => Listener::YoungPerson(me),
        Role::KeyWorker => Listener::KeyWorker(me),
        Role::DropInStaff => Listener::DropInStaff(me),
        Role::Admin => Listener::Nobody,
    };
    let most = crate::config::STREAMS_PER_PERSON;
    let mut subscription = state.events.listen(listener, most).ok_or(ApiError::TooManyStreams { most })?;
    if is_worker {
        subscription.follow(&load_caseload().await?);
    }
    // Named in every event, so a screen whose store already holds a change it is told of can
    // skip the pull: a restored copy (another generation) numbers its changes afresh.
    let mut generation = state.store.generation().await.unwrap_or_default();
    let data = state.store.clone();
    // Whether this stream's own sign-in still stands: asked when its person's sessions change.
    let (session, token_version) = (caller.session.clone(), caller.token_version);
    let still_signed_in = {
        let store = state.store.clone();
        move || {
            let (store, session) = (store.clone(), session.clone());
            async move {
                let live = store.read_quick(move |c| people::session_state(c, &session, me, token_version)).await;
                // A database that can't answer now is no reason to end it.
                !matches!(live, Ok(None))
            }
        }
    };
    let metrics = state.metrics.clone();
    metrics.sse_clients.fetch_add(1, Relaxed);
    let guard = SseGuard(metrics);
    let stream = async_stream(move |tx| async move {
        let _guard = guard;
        // `people`: who works with whom or an account changed too, so the screen asks for
        // /api/me again as well as pulling.
        let event = |cursor: i64, people: bool, generation: &str| {
            Event::default()
                .event(if people { "people" } else { "changes" })
                .data(serde_json::json!({ "cursor": cursor, "generation": generation }).to_string())
        };
        // On connect: what changed while nobody listened, alerts too, was not heard.
        if tx.send(event(NOT_ONE_CHANGE, false, &generation)).await.is_err() {
            return;
        }
        // In case word that an assignment changed (on another replica, or by a command) was lost.
        let mut refresh = tokio::time::interval_at(tokio::time::Instant::now() + CASELOAD_REFRESH, CASELOAD_REFRESH);
        loop {
            let mut maybe_restored = false;
            let told = tokio::select! {
                told = subscription.next() => Some(told),
                // Notices from other replicas may have been lost: pull to be sure.
                Ok(()) = missed.changed() => {
                    maybe_restored = true;
                    Some(Pending { cursor: NOT_ONE_CHANGE, people: true })
                }
                // The helplines, or who is told of an alert: the phone asks `/api/me` again.
                Ok(()) = service.changed(), if role == Role::YoungPerson => Some(Pending { cursor: NOT_ONE_CHANGE, people: true }),
                _ = closing.wait_for(|c| *c) => return,
                // The screen has gone (a phone between masts, a closed tab): let its place go
                // now, not at the next event for it, which may be days away.
                _ = tx.closed() => return,
                Ok(()) = assignments.changed(), if is_worker => None,
                _ = refresh.tick(), if is_worker => None,
            };
            // Who works with whom changed: a worker's screen follows its new caseload before it is
            // told, so whatever changes after the pull this prompts, it hears of.
            let caseload_changed = told.is_none_or(|t| t.people) || assignments.has_changed().unwrap_or(false);
            if is_worker && caseload_changed {
                assignments.borrow_and_update();
                if let Ok(caseload) = load_caseload().await {
                    subscription.follow(&caseload);
                }
            }
            let Some(told) = told else { continue };
            if maybe_restored {
                // Word from other replicas was lost: the database may have been restored under
                // this one meanwhile.
                generation = data.generation().await.unwrap_or_default();
            }
            if tx.send(event(told.cursor, told.people, &generation)).await.is_err() {
                return;
            }
            // Signed out there (a lost phone, "sign out everywhere", a new password, leaving):
            // told so above, its screen drops what it holds; the stream ends, so whoever holds
            // the device hears nothing more of when the young person writes.
            if told.people && !still_signed_in().await {
                return;
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(std::time::Duration::from_secs(15))))
}

/// How stale a worker stream's caseload may get if word of an assignment changed elsewhere (on
/// another replica, or by a command) was lost on the way.
const CASELOAD_REFRESH: std::time::Duration = std::time::Duration::from_secs(30);

struct SseGuard(std::sync::Arc<crate::metrics::Metrics>);
impl Drop for SseGuard {
    fn drop(&mut self) {
        self.0.sse_clients.fetch_sub(1, Relaxed);
    }
}

/// A stream fed by a task through a small channel; the task stops when the client goes.
fn async_stream<F, Fut>(f: F) -> impl Stream<Item = Result<Event, Infallible>>
where
    F: FnOnce(tokio::sync::mpsc::Sender<Event>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(f(tx));
    futures_util::StreamExt::map(tokio_stream::wrappers::ReceiverStream::new(rx), Ok)
}
