//! Joining, signing in, refreshing and signing out.

pub mod address;
pub mod device_kind;
pub mod extract;
pub mod guessable;
pub mod oidc;
pub mod passwords;
pub mod sso;
pub mod tokens;
pub mod totp;
pub mod two_step;

use crate::error::{ApiError, Result};
use crate::http::json::ApiJson;
use crate::ledger::{self, Decision};
use crate::state::AppState;
use crate::store::{self, people, people::RefreshUse};
use address::ClientAddress;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use extract::Caller;
use guessable::Chooser;
use serde::{Deserialize, Serialize};
use tandem_shared::{DeviceId, PersonId, Role};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/join", post(join))
        .route("/api/auth/sign-in", post(sign_in))
        .route("/api/auth/refresh", post(refresh))
        .route("/api/auth/sign-out", post(sign_out))
        .route("/api/auth/sign-out-everywhere", post(sign_out_everywhere))
        .route("/api/me/password", post(change_password))
        .route("/api/me/names", post(change_names))
        .merge(two_step::router())
        .merge(sso::router())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinRequest {
    /// The invite code from your worker, like `ABCD-EFGH-JKLM`.
    #[schema(min_length = 1, max_length = 40)]
    pub code: String,
    /// The name you'll sign in with: 2–40 letters, numbers, spaces, `.`, `_` or `-`.
    #[schema(pattern = "^[A-Za-z0-9][A-Za-z0-9 ._-]{0,38}[A-Za-z0-9._-]$")]
    pub name: String,
    /// A PIN or passphrase you choose (at least 4 characters).
    #[schema(min_length = 4, max_length = 128)]
    pub secret: String,
    #[schema(value_type = String, format = Uuid)]
    pub device: DeviceId,
    /// Set by a phone that still holds someone's unsent words (their PIN forgotten, a new code in
    /// hand): the code must be theirs, or nothing happens and the code stays unspent.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub for_person: Option<PersonId>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub name: String,
    /// PIN, passphrase or password.
    pub secret: String,
    #[schema(value_type = String, format = Uuid)]
    pub device: DeviceId,
    /// The key a registered shared tablet keeps: the session is then that tablet's.
    #[serde(default)]
    pub tablet_key: Option<String>,
    /// Staff with two-step sign-in: the 6-digit code their authenticator app shows, or one of
    /// their recovery codes. Without it a right name and password are answered 401
    /// `two_step_needed`.
    #[serde(default)]
    #[schema(max_length = 16)]
    pub code: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct Tokens {
    pub access_token: String,
    /// Single use: each refresh returns a new one. Using a spent one ends the session, unless it is
    /// a retry within 60 s whose answer was lost (the new one it was exchanged for not yet used).
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    #[schema(value_type = String, format = Uuid)]
    pub person: PersonId,
    #[schema(value_type = String)]
    pub role: Role,
    pub display_name: String,
    /// This sign-in withdrew the young person's request to delete their account.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub erasure_cancelled: bool,
    /// The password was set by an admin, or is one a guesser would try first: choose your own
    /// (`POST /api/me/password`) first.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub must_change_password: bool,
    /// At sign-in: the PIN or password just given is one a guesser would try first (chosen
    /// before Tandem refused those). Staff must choose another (`must_change_password` is set
    /// too); a young person is asked to.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub secret_easy_to_guess: bool,
    /// At sign-in: the service asks staff for two-step sign-in, and this staff member has not set
    /// it up: this session can do nothing else until they do (`POST /api/me/two-step`, then `/confirm`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub must_set_up_two_step: bool,
    /// Signed in with a two-step recovery code in place of the app's: how many are left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_codes_left: Option<i64>,
    /// Signed in on this registered shared tablet (its name); absent on a phone, or when the
    /// tablet's registration was removed (the app then forgets it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tablet: Option<String>,
    /// Which copy of the data signed this in (`/api/health` says the current one): when a later
    /// refresh is refused and the server's generation has changed, the server was restored from
    /// a backup, and the device keeps what it holds to give back rather than forgetting it.
    pub generation: String,
    /// A young person's key workers, as `GET /api/me` names them, at sign-in and join: a new
    /// phone knows who can see their shared things from its first pull, without waiting for
    /// that second request (on one bar of signal, one that can hang).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<Vec<crate::http::me::PersonRef>>,
}

pub const PIN_MIN: usize = 4;
pub const SECRET_MAX: usize = 128;

/// Trimmed sign-in name of 2–40 characters: letters (with their accents and vowel signs, as
/// Hindi or Arabic names need), digits, spaces, `-`, `_`, `.` and apostrophes (O'Neill, or
/// O’Neill as a phone's keyboard curls it), each accented letter kept as one character (NFC:
/// some keyboards send "ë" as "e" and a separate mark).
pub fn check_name(name: &str) -> Result<String> {
    use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};
    let name: String = name.trim().nfc().collect();
    let allowed =
        |c: char| c.is_alphanumeric() || is_combining_mark(c) || matches!(c, ' ' | '-' | '_' | '.' | '\'' | '’');
    let ok =
        (2..=40).contains(&name.chars().count()) && name.chars().all(allowed) && !name.starts_with(is_combining_mark);
    if ok {
        Ok(name)
    } else {
        Err(ApiError::BadRequest(
            "a name needs 2 to 40 letters or numbers (spaces and - _ . ' can go in it too)".into(),
        ))
    }
}

pub fn check_secret(secret: &str, min: usize) -> Result<()> {
    let n = secret.chars().count();
    if n < min || n > SECRET_MAX {
        return Err(ApiError::BadRequest(format!("choose something between {min} and {SECRET_MAX} characters long")));
    }
    Ok(())
}

/// What kind of device is signing in, from its browser's description of itself.
fn kind_of_device(headers: &axum::http::HeaderMap) -> Option<String> {
    let agent = headers.get(axum::http::header::USER_AGENT)?.to_str().ok()?;
    device_kind::from_user_agent(agent)
}

/// Issues an access token and a first refresh token for a new session.
fn open_session(
    conn: &dyn crate::store::sql::Db,
    state: &AppState,
    person: &people::Person,
    (device, kind): (DeviceId, Option<&str>),
    tablet: Option<(String, String)>,
    via_sso: Option<&oidc::Vouched>,
) -> Result<Tokens> {
    let now = store::now_ms();
    let device = device.to_string();
    let on = people::SessionDevice { id: &device, kind, tablet: tablet.as_ref().map(|t| t.0.as_str()) };
    let sid = people::create_session(conn, person.id, on, now)?;
    if let Some(vouched) = via_sso {
        store::sso::mark_session(conn, &sid, vouched)?;
    }
    let workers = match person.role {
        Role::YoungPerson => Some(crate::http::me::refs(people::workers_of(conn, person.id)?)),
        _ => None,
    };
    let must_set_up_two_step = !via_sso.is_some_and(|v| v.second_step)
        && person.role != Role::YoungPerson
        && !person.two_step
        && store::two_step::required(conn)?;
    Ok(Tokens { tablet: tablet.map(|t| t.1), workers, must_set_up_two_step, ..issue(conn, state, person, &sid, now)? })
}

fn issue(
    conn: &dyn crate::store::sql::Db,
    state: &AppState,
    person: &people::Person,
    sid: &str,
    now: i64,
) -> Result<Tokens> {
    let s = &state.settings;
    let access = state.keys.issue_access(
        person.id,
        person.role,
        sid,
        person.token_version,
        (now / 1000) as u64,
        s.access_ttl_secs,
    )?;
    let (refresh, hash) = tokens::new_secret();
    people::store_refresh_token(conn, &hash, sid, now, now + (s.refresh_ttl_secs as i64) * 1000)?;
    Ok(Tokens {
        access_token: access,
        refresh_token: refresh,
        expires_in: s.access_ttl_secs,
        person: person.id,
        role: person.role,
        display_name: person.display_name.clone(),
        erasure_cancelled: false,
        must_change_password: person.must_change_password,
        secret_easy_to_guess: false,
        must_set_up_two_step: false,
        recovery_codes_left: None,
        tablet: None,
        generation: crate::store::generation::current(conn)?,
        workers: None,
    })
}

const WRONG_CODE: ApiError =
    ApiError::Unauthorized("that invite code isn't right, or has run out; ask your worker for a new one");
const NAME_TAKEN: ApiError = ApiError::Conflict(std::borrow::Cow::Borrowed("that name is taken; try another"));

const SOMEONE_ELSES_CODE: ApiError = ApiError::Forbidden(
    "this phone holds someone else's things, and that code is for another person; it has not been used",
);

/// Too many failed sign-ins or joins from this address lately: turned away before any work.
async fn refuse_blocked_address(state: &AppState, address: &str) -> Result<()> {
    let (limit, now, address) = (i64::from(state.settings.address_failure_limit), store::now_ms(), address.to_owned());
    let blocked =
        state.store.read_quick(move |db| people::address_blocked(db, &address, limit, ADDRESS_WINDOW_MS, now));
    match blocked.await? {
        Some(retry_after_secs) => Err(ApiError::TooManyAttempts { retry_after_secs: retry_after_secs as u64 }),
        None => Ok(()),
    }
}

/// The name's failures and lock (`people::signin_attempts`): refused while it is locked.
fn refuse_locked((_, locked_until): (i64, i64), now: i64) -> Result<()> {
    if locked_until > now {
        return Err(ApiError::TooManyAttempts { retry_after_secs: ((locked_until - now) / 1000).max(1) as u64 });
    }
    Ok(())
}

/// A wrong PIN or password, counted for the name and for the address; then a wait that grows
/// with each failure in a row, to slow guessing.
async fn count_wrong_secret(
    state: &AppState,
    address: String,
    name_hash: String,
    failures: i64,
    now: i64,
) -> Result<()> {
    let s = state.settings.clone();
    state
        .store
        .write(move |tx| {
            people::address_failed(tx, &address, ADDRESS_WINDOW_MS, now)?;
            people::record_failed_signin(tx, &name_hash, now, s.lock_after_failures, s.lock_ms)
        })
        .await?;
    let delay = state.settings.failure_delay_ms * (failures as u64 + 1).min(10);
    tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    Ok(())
}

#[utoipa::path(post, path = "/api/auth/join", request_body = JoinRequest, tag = "auth",
    responses((status = 200, body = Tokens), (status = 400, body = crate::error::ErrorBody),
              (status = 401, description = "The invite code is wrong or spent", body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn join(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: axum::http::HeaderMap,
    ApiJson(req): ApiJson<JoinRequest>,
) -> Result<Json<Tokens>> {
    let kind = kind_of_device(&headers);
    let name = check_name(&req.name)?;
    check_secret(&req.secret, PIN_MIN)?;
    let code_hash = tokens::hash_secret(&tokens::normalise_invite_code(&req.code));
    // A wrong code counts against the address as a wrong PIN does, and is turned away before the
    // password hash runs: guessing codes costs the guesser, not the server's cores.
    refuse_blocked_address(&state, &address).await?;
    let usable = {
        let code_hash = code_hash.clone();
        state.store.read_quick(move |db| people::invite_usable(db, &code_hash, store::now_ms())).await?
    };
    if !usable {
        state.store.write(move |tx| people::address_failed(tx, &address, ADDRESS_WINDOW_MS, store::now_ms())).await?;
        tokio::time::sleep(std::time::Duration::from_millis(state.settings.failure_delay_ms)).await;
        return Err(WRONG_CODE);
    }
    // Checked once the code is known to be good, so only someone holding one can make the
    // server weigh a secret, and a refused PIN leaves the code unspent for the next try.
    let hash = {
        let name = name.clone();
        tokio::task::spawn_blocking(move || {
            guessable::refuse_guessable(&req.secret, Chooser::YoungPerson, &[&name])?;
            passwords::hash(&req.secret)
        })
        .await??
    };
    let st = state.clone();
    let joined = state
        .store
        .write(move |tx| {
            let now = store::now_ms();
            // Spent here, in case another join took it since the check above. It is checked
            // before the name, so only someone holding a real code learns whether a name is
            // taken (and the code stays unspent: the refusal rolls this back).
            let yp = people::take_invite(tx, &code_hash, now)?.ok_or(WRONG_CODE)?;
            if req.for_person.is_some_and(|p| p != yp) {
                return Err(SOMEONE_ELSES_CODE);
            }
            // A code for someone who joined before resets their PIN (and may keep their name).
            if people::by_name(tx, &name)?.is_some_and(|p| p.id != yp) {
                return Err(NAME_TAKEN);
            }
            let before = people::by_id(tx, yp)?;
            // Deactivation retires their codes; this holds even for one that slipped past.
            if before.as_ref().is_some_and(|p| p.deactivated()) {
                return Err(WRONG_CODE);
            }
            let reset = before.is_some_and(|p| p.secret_hash.is_some());
            if reset {
                people::revoke_all(tx, yp, now)?;
            }
            people::set_credentials(tx, yp, &name, &hash, now)?;
            let person = people::by_id(tx, yp)?.ok_or(ApiError::Internal("invited person missing".into()))?;
            let tokens = open_session(tx, &st, &person, (req.device, kind.as_deref()), None, None)?;
            Ok((tokens, reset, now))
        })
        .await;
    // Whoever holds a real code learns whether a name is taken, and keeps the code to try
    // another: each refusal counts against their address as a wrong code does, so a code found
    // on a lost card can't be used to list who is supported.
    if let Err(ApiError::Conflict(_)) = &joined {
        state.store.write(move |tx| people::address_failed(tx, &address, ADDRESS_WINDOW_MS, store::now_ms())).await?;
        tokio::time::sleep(std::time::Duration::from_millis(state.settings.failure_delay_ms)).await;
    }
    let (tokens, reset, at) = joined?;
    // A PIN chosen again (a first one: a copy from before holds none to stop working).
    if reset {
        let person = tokens.person;
        ledger::note(&state.ledger, at, &[Decision::NewSecret(person), Decision::SignedOutEverywhere(person)]).await;
    }
    tracing::info!(person = %tokens.person, "young person joined");
    // Their key workers' open screens show them as joined now. The join has happened whether or
    // not the notice goes out: a screen that misses it catches up at its next start.
    state.announce_people(tokens.person, tandem_shared::Visibility::Worker, None);
    Ok(Json(tokens))
}

#[utoipa::path(post, path = "/api/auth/sign-in", request_body = SignInRequest, tag = "auth",
    responses((status = 200, body = Tokens), (status = 401, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn sign_in(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: axum::http::HeaderMap,
    ApiJson(req): ApiJson<SignInRequest>,
) -> Result<Json<Tokens>> {
    let kind = kind_of_device(&headers);
    refuse_blocked_address(&state, &address).await?;
    // One path for every name, known or not: the same lookups, the same password check (against
    // a stand-in hash when nobody has the name), the same counting, locking, delay and message.
    // Whether someone is supported by the service is itself sensitive.
    let name_hash = state.store.keyring().name_key(&people::sign_in_key(&req.name));
    let (person, (failures, locked_until)) = {
        let (name, name_hash) = (req.name.clone(), name_hash.clone());
        state.store.read(move |db| Ok((people::by_name(db, &name)?, people::signin_attempts(db, &name_hash)?))).await?
    };
    let now = store::now_ms();
    refuse_locked((failures, locked_until), now)?;
    // Deactivated people take the stand-in path too: refused exactly as an unknown name.
    let person = person.filter(|p| p.secret_hash.is_some() && !p.deactivated());
    let stored = person.as_ref().and_then(|p| p.secret_hash.clone());
    let chooser = person.as_ref().map(|p| Chooser::of(p.role));
    let names =
        person.as_ref().map(|p| [p.name.clone().unwrap_or_default(), p.display_name.clone()]).unwrap_or_default();
    let secret = req.secret;
    state.metrics.password_checks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    // Only the right secret is weighed (chosen before Tandem refused easy ones, it may be one).
    let (ok, easy_to_guess) = tokio::task::spawn_blocking(move || match (stored, chooser) {
        (Some(stored), Some(chooser)) if passwords::verify(&secret, &stored) => {
            (true, guessable::refuse_guessable(&secret, chooser, &[&names[0], &names[1]]).is_err())
        }
        (Some(_), _) => (false, false),
        (None, _) => (passwords::verify_dummy(&secret), false),
    })
    .await?;
    let Some(person) = person.filter(|_| ok) else {
        count_wrong_secret(&state, address, name_hash, failures, now).await?;
        return Err(ApiError::Unauthorized("that name and PIN don't match"));
    };
    // The service asks staff who linked their organisation account to sign in with it: told only
    // once the password is right, as two-step is.
    if let Some(issuer) = state.sso.as_ref().map(|o| o.settings.issuer.clone()) {
        let id = person.id;
        if state.store.read(move |db| store::sso::password_closed_to(db, id, Some(&issuer))).await? {
            return Err(ApiError::Forbidden(sso::USE_ORGANISATION));
        }
    }
    // Two-step sign-in: asked for only once the password is right, so only someone who knows it
    // learns that a code is needed.
    let code = match (person.two_step, req.code) {
        (false, _) => None,
        (true, None) => return Err(ApiError::TwoStepNeeded),
        (true, Some(code)) => Some(code),
    };
    let st = state.clone();
    let tablet_key = req.tablet_key.map(|k| tokens::hash_secret(k.trim()));
    let (hash_for_count, address_for_count) = (name_hash.clone(), address.clone());
    let tokens = state
        .store
        .write(move |tx| {
            if let Some(code) = &code
                && !two_step::code_takes(tx, person.id, code, store::now_ms())?
            {
                return Ok(None);
            }
            let recovery_codes_left = match &code {
                Some(code) if !totp::looks_like_code(code) => Some(store::two_step::recovery_left(tx, person.id)?),
                _ => None,
            };
            people::clear_failed_signins(tx, &name_hash)?;
            let tablet = match &tablet_key {
                Some(hash) => crate::store::tablets::by_key(tx, hash)?,
                None => None,
            };
            // Signing in is how a young person changes their mind about deleting their account.
            let cancelled = crate::store::erasure::cancel_request(tx, person.id)?;
            if cancelled {
                let now = store::now_ms();
                crate::store::audit::append(
                    tx,
                    now,
                    Some(person.id),
                    "kept their account",
                    Some(person.id),
                    "signed in before the erasure",
                )?;
            }
            // Staff choose a new one before anything else, as after an admin's first password.
            let staff_must_change = easy_to_guess && person.role != Role::YoungPerson;
            if staff_must_change {
                people::require_password_change(tx, person.id)?;
            }
            let device = (req.device, kind.as_deref());
            let opened = open_session(tx, &st, &person, device, tablet.clone(), None)?;
            Ok(Some(Tokens {
                erasure_cancelled: cancelled,
                recovery_codes_left,
                must_change_password: opened.must_change_password || staff_must_change,
                secret_easy_to_guess: easy_to_guess,
                ..opened
            }))
        })
        .await?;
    // A wrong code (or one used already) counts as a wrong password does.
    let Some(tokens) = tokens else {
        count_wrong_secret(&state, address_for_count, hash_for_count, failures, now).await?;
        return Err(ApiError::Unauthorized(two_step::WRONG_CODE));
    };
    tracing::info!(person = %tokens.person, "signed in");
    if tokens.erasure_cancelled {
        ledger::note(&state.ledger, store::now_ms(), &[Decision::Kept(tokens.person)]).await;
    }
    // Their other open screens show the new sign-in now: someone else may know their PIN or
    // password (a staff account reaches many young people's records).
    state.tell_own_screens(tokens.person);
    Ok(Json(tokens))
}

#[utoipa::path(post, path = "/api/auth/refresh", request_body = RefreshRequest, tag = "auth",
    responses((status = 200, body = Tokens), (status = 401, body = crate::error::ErrorBody)))]
pub async fn refresh(State(state): State<AppState>, ApiJson(req): ApiJson<RefreshRequest>) -> Result<Json<Tokens>> {
    let hash = tokens::hash_secret(req.refresh_token.trim());
    let st = state.clone();
    // Spent and replaced in one transaction, so a token is never spent without its successor
    // being kept (a retry of it can then withdraw that successor; see spend_refresh_token). A
    // re-use is answered from a committed transaction, so the session stays ended although the
    // request fails.
    let spent = state
        .store
        .write(move |tx| {
            let now = store::now_ms();
            Ok(match people::spend_refresh_token(tx, &hash, now)? {
                // Asked to sign in again rather than renewed: what the device holds unsent waits
                // for that sign-in.
                RefreshUse::Fresh(sid, person) if sign_in_asked_again(tx, &st, &sid, person, now)? => {
                    people::end_session(tx, person, &sid, now)?;
                    Err(RefreshUse::Invalid)
                }
                RefreshUse::Fresh(sid, person) => match people::by_id(tx, person)? {
                    Some(p) => Ok(issue(tx, &st, &p, &sid, now)?),
                    None => Err(RefreshUse::Invalid),
                },
                refused => Err(refused),
            })
        })
        .await?;
    match spent {
        Ok(tokens) => Ok(Json(tokens)),
        Err(RefreshUse::Reused(ended)) => {
            tracing::warn!("a spent refresh token was used again; its session is ended");
            // Once: replaying the token again adds nothing to the ledger.
            if let Some(session) = ended {
                note_session_ended(&state, &session, store::now_ms()).await;
            }
            Err(ApiError::Unauthorized(
                "this sign-in was used somewhere else, so it has been ended; please sign in again",
            ))
        }
        Err(_) => Err(ApiError::Unauthorized("please sign in again")),
    }
}

/// Whether a session is asked to sign in again rather than renewed: one through the
/// organisation's account once it is a working day old (so the organisation's sign-in keeps
/// deciding who is staff: someone who has left can't carry on), and one by a password the
/// service no longer takes from them (it asks them to use the organisation's account), so the
/// service's choice reaches devices already signed in.
fn sign_in_asked_again(
    tx: &dyn crate::store::sql::Db,
    state: &AppState,
    session: &str,
    person: PersonId,
    now: i64,
) -> Result<bool> {
    match (store::sso::how_signed_in(tx, session)?, &state.sso) {
        (Some((true, began)), _) => Ok(began < now - state.settings.sso_session_ms),
        (Some((false, _)), Some(oidc)) => store::sso::password_closed_to(tx, person, Some(&oidc.settings.issuer)),
        _ => Ok(false),
    }
}

#[derive(Serialize, ToSchema)]
pub struct Done {
    pub ok: bool,
}

#[utoipa::path(post, path = "/api/auth/sign-out", tag = "auth", security(("bearer" = [])), responses((status = 200, body = Done)))]
pub async fn sign_out(State(state): State<AppState>, caller: Caller) -> Result<Json<Done>> {
    let (sid, now) = (caller.session.clone(), store::now_ms());
    if state.store.write(move |tx| people::revoke_session(tx, &sid, now)).await? {
        note_session_ended(&state, &caller.session, now).await;
    }
    Ok(Json(Done { ok: true }))
}

#[utoipa::path(post, path = "/api/auth/sign-out-everywhere", tag = "auth", security(("bearer" = [])), responses((status = 200, body = Done)))]
pub async fn sign_out_everywhere(State(state): State<AppState>, caller: Caller) -> Result<Json<Done>> {
    let now = store::now_ms();
    state.store.write(move |tx| people::revoke_all(tx, caller.person, now)).await?;
    ledger::note(&state.ledger, now, &[Decision::SignedOutEverywhere(caller.person)]).await;
    state.tell_own_screens(caller.person);
    Ok(Json(Done { ok: true }))
}

/// Notes in the ledger that `session` was ended at `at`, so a restored database can't bring it
/// back.
pub async fn note_session_ended(state: &AppState, session: &str, at: i64) {
    let ended: Vec<Decision> = Decision::session_ended(session).into_iter().collect();
    ledger::note(&state.ledger, at, &ended).await;
}

/// How long failed sign-ins from one network address count towards its limit.
pub const ADDRESS_WINDOW_MS: i64 = 15 * 60 * 1000;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    pub current: String,
    pub new: String,
}

/// Choose a new password (or PIN), giving the current one. Required after an admin set a first one.
#[utoipa::path(post, path = "/api/me/password", request_body = NewPassword, tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Done), (status = 400, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    caller: extract::Caller,
    ApiJson(req): ApiJson<NewPassword>,
) -> Result<Json<Done>> {
    let min = if caller.role == Role::YoungPerson { PIN_MIN } else { crate::accounts::STAFF_PASSWORD_MIN };
    check_secret(&req.new, min)?;
    if req.new == req.current {
        return Err(ApiError::BadRequest("choose a different one from the one you have now".into()));
    }
    let CurrentSecret { name_hash, names } = check_current_secret(&state, address, &caller, req.current).await?;
    let (who, new) = (caller.person, req.new);
    let chooser = Chooser::of(caller.role);
    let hash = tokio::task::spawn_blocking(move || {
        guessable::refuse_guessable(&new, chooser, &[&names[0], &names[1]])?;
        passwords::hash(&new)
    })
    .await??;
    let now = store::now_ms();
    state
        .store
        .write(move |tx| {
            people::clear_failed_signins(tx, &name_hash)?;
            people::set_password(tx, who, &hash, now)
        })
        .await?;
    ledger::note(&state.ledger, now, &[Decision::NewSecret(who)]).await;
    Ok(Json(Done { ok: true }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNames {
    /// The name others see them by (1 to 60 characters).
    pub display_name: String,
    /// A new name to sign in with, if they want one (none, or empty: the one they have stays).
    pub name: Option<String>,
    /// Their PIN or password now: asked only with a new sign-in name.
    pub current: Option<String>,
}

/// A person's own names: what others see them as (a young person may come to be called something
/// else; a member of staff may change theirs), and the name they sign in with. A new sign-in name
/// needs their PIN or password, as a new PIN does: a device left open must not become a way to
/// lock its owner out.
#[utoipa::path(post, path = "/api/me/names", request_body = NewNames, tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Done), (status = 400, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody)))]
pub async fn change_names(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    caller: extract::Caller,
    ApiJson(req): ApiJson<NewNames>,
) -> Result<Json<Done>> {
    let display_name = crate::accounts::check_display_name(&req.display_name)?;
    let name = req.name.filter(|n| !n.trim().is_empty()).map(|n| check_name(&n)).transpose()?;
    if name.is_some() {
        let what = if caller.role == Role::YoungPerson { "PIN" } else { "password" };
        let current = req
            .current
            .ok_or_else(|| ApiError::BadRequest(format!("give your {what} to change the name you sign in with")))?;
        check_current_secret(&state, address, &caller, current).await?;
    }
    let (who, role, now) = (caller.person, caller.role, store::now_ms());
    state
        .store
        .write(move |tx| {
            if let Some(name) = &name
                && people::by_name(tx, name)?.is_some_and(|p| p.id != who)
            {
                return Err(NAME_TAKEN);
            }
            people::set_names(tx, who, &display_name, name.as_deref())?;
            let what = if name.is_some() {
                "the name others see and the name they sign in with"
            } else {
                "the name others see"
            };
            crate::store::audit::append(tx, now, Some(who), "changed their own name", Some(who), what)
        })
        .await?;
    // Open screens that show the name ask who they work with again: theirs, and for a young
    // person their workers' and the drop-in team's; for a key worker, the young people they support.
    if role == Role::YoungPerson {
        state.announce_people(who, tandem_shared::Visibility::Team, None);
    } else {
        state.tell_own_screens(who);
        let theirs = state.store.read(move |db| people::caseload_of(db, who)).await.unwrap_or_default();
        for young_person in theirs {
            state.announce_people(young_person.id, tandem_shared::Visibility::Private, None);
        }
    }
    Ok(Json(Done { ok: true }))
}

/// Checks the caller's current PIN or password before a change to how they sign in. A device
/// left signed in must not become a way to learn its owner's PIN or password by trying them all
/// here: a wrong one counts as a failed sign-in, for the name and for the address.
pub(crate) async fn check_current_secret(
    state: &AppState,
    address: String,
    caller: &Caller,
    given: String,
) -> Result<CurrentSecret> {
    refuse_blocked_address(state, &address).await?;
    let who = caller.person;
    // The person, and the failures counted against their name, in one read.
    let (person, name_hash, attempts) = state
        .store
        .read(move |db| {
            let Some(person) = people::by_id(db, who)? else { return Ok(None) };
            let name_hash = people::name_hash(db, person.name.as_deref().unwrap_or_default());
            let attempts = people::signin_attempts(db, &name_hash)?;
            Ok(Some((person, name_hash, attempts)))
        })
        .await?
        .ok_or(ApiError::Unauthorized("please sign in again"))?;
    let now = store::now_ms();
    refuse_locked(attempts, now)?;
    let stored = person.secret_hash.clone().unwrap_or_default();
    state.metrics.password_checks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if !tokio::task::spawn_blocking(move || passwords::verify(&given, &stored)).await? {
        count_wrong_secret(state, address, name_hash, attempts.0, now).await?;
        let what = if caller.role == Role::YoungPerson { "PIN" } else { "password" };
        return Err(ApiError::BadRequest(format!("your current {what} isn't right")));
    }
    Ok(CurrentSecret { name_hash, names: [person.name.unwrap_or_default(), person.display_name] })
}

/// Whose PIN or password was just checked.
pub(crate) struct CurrentSecret {
    /// The keyed hash their failures are counted under, to clear once the change is made.
    pub name_hash: String,
    /// Their sign-in and display names, which a new one should not be built from.
    pub names: [String; 2],
}
