//! Staff signing in with their organisation's own account (OpenID Connect, `oidc`), beside
//! their Tandem password. A staff member links their account once, signed in, under Your
//! account; from then on "Staff: sign in with your organisation's account" lets them in. The
//! organisation's sign-in then decides who is still staff: someone who has left and can no
//! longer sign in there can't through it.
//! Young people never sign in this way: their sign-in is a name and PIN they chose.
//!
//! The browser goes to the provider and comes back to `/api/auth/sso/callback`, which checks
//! the provider's answer and sends the browser back into the app with a one-time handoff code.
//! The app finishes with that code and the secret it kept when it started: both are needed, so
//! a sign-in started by someone else and sent as a link finishes for nobody.

use super::address::ClientAddress;
use super::extract::Staff;
use super::{ADDRESS_WINDOW_MS, Tokens, kind_of_device, oidc, open_session, refuse_blocked_address, tokens};
use crate::error::{ApiError, Result};
use crate::http::json::ApiJson;
use crate::ledger::{self, Decision};
use crate::state::AppState;
use crate::store::{self, people, sso};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tandem_shared::{DeviceId, Role};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/sso", get(offered))
        .route("/api/auth/sso/start", post(start_sign_in))
        .route("/api/auth/sso/callback", get(callback))
        .route("/api/auth/sso/finish", post(finish_sign_in))
        .route("/api/auth/sso/logout", post(back_channel_logout))
        .route("/api/auth/sso/frontchannel-logout", get(front_channel_logout))
        .route("/api/me/sso", get(status).delete(unlink))
        .route("/api/me/sso/start", post(start_link))
        .route("/api/me/sso/finish", post(finish_link))
}

const NOT_SET_UP: ApiError = ApiError::NotFound("this service hasn't set up signing in with an organisation account");
const NOT_FINISHED: ApiError =
    ApiError::Unauthorized("that sign-in didn't finish in time, or was finished already; start again");
const NOT_LINKED: ApiError = ApiError::Unauthorized(
    "that account isn't linked to anyone in Tandem; sign in with your name and password, then link it under Your account",
);

/// A password sign-in of someone the service asks to sign in with their organisation account.
pub const USE_ORGANISATION: &str = "your service asks you to sign in with your organisation's account, not your password: use the \"Staff: sign in with\" button";

fn provider(state: &AppState) -> Result<&Arc<oidc::Oidc>> {
    state.sso.as_ref().ok_or(NOT_SET_UP)
}

#[derive(Serialize, ToSchema)]
pub struct Offered {
    /// Staff can sign in with their organisation's account here.
    pub available: bool,
    /// What to call it: "Sign in with {name}".
    pub name: Option<String>,
}

#[utoipa::path(get, path = "/api/auth/sso", tag = "auth", responses((status = 200, body = Offered)))]
pub async fn offered(State(state): State<AppState>) -> Json<Offered> {
    let name = state.sso.as_ref().map(|o| o.settings.name.clone());
    Json(Offered { available: name.is_some(), name })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartSignIn {
    /// The device starting it (the one that will finish it), for the log.
    #[schema(value_type = String, format = Uuid)]
    pub device: DeviceId,
}

#[derive(Serialize, ToSchema)]
pub struct Started {
    /// Send the browser here (the provider's sign-in page).
    pub url: String,
    /// Keep this in the tab (not in the URL) and send it to finish: only the browser that
    /// started the sign-in can finish it.
    pub attempt: String,
}

/// Where the provider sends the browser back: under `--public-url`, or, with none, this server
/// on this machine (trying it out); a public server without `--public-url` can't know its name
/// (a `Host` header is whatever the caller says).
fn redirect_uri(state: &AppState, headers: &HeaderMap) -> Result<String> {
    const PATH: &str = "/api/auth/sso/callback";
    if let Some(public) = &state.settings.public_url {
        return Ok(format!("{}{PATH}", public.trim_end_matches('/')));
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    let bare =
        host.rsplit_once(':').map_or(host, |(h, port)| if port.chars().all(|c| c.is_ascii_digit()) { h } else { host });
    if ["127.0.0.1", "localhost", "[::1]"].contains(&bare) {
        return Ok(format!("http://{host}{PATH}"));
    }
    Err(ApiError::Unavailable(
        "this server needs its public address (--public-url) to sign in with an organisation account",
    ))
}

async fn begin(state: &AppState, headers: &HeaderMap, link_person: Option<tandem_shared::PersonId>) -> Result<Started> {
    let oidc = provider(state)?.clone();
    let redirect = redirect_uri(state, headers)?;
    let (state_secret, attempt, nonce, verifier) = (oidc::random(), oidc::random(), oidc::random(), oidc::random());
    let url = oidc.authorization_url(&redirect, &state_secret, &nonce, &verifier).await?;
    let (state_hash, attempt_hash) = (tokens::hash_secret(&state_secret), tokens::hash_secret(&attempt));
    state
        .store
        .write(move |tx| {
            let a = sso::NewAttempt {
                state_hash: &state_hash,
                attempt_hash: &attempt_hash,
                nonce: &nonce,
                verifier: &verifier,
                redirect_uri: &redirect,
                link_person,
            };
            sso::start(tx, &a, store::now_ms())
        })
        .await?;
    Ok(Started { url, attempt })
}

#[utoipa::path(post, path = "/api/auth/sso/start", request_body = StartSignIn, tag = "auth",
    responses((status = 200, body = Started), (status = 404, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody), (status = 503, body = crate::error::ErrorBody)))]
pub async fn start_sign_in(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    ApiJson(req): ApiJson<StartSignIn>,
) -> Result<Json<Started>> {
    provider(&state)?;
    refuse_blocked_address(&state, &address).await?;
    tracing::debug!(device = %req.device, "an organisation sign-in started");
    Ok(Json(begin(&state, &headers, None).await?))
}

#[utoipa::path(post, path = "/api/me/sso/start", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = Started), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 503, body = crate::error::ErrorBody)))]
pub async fn start_link(
    State(state): State<AppState>,
    Staff(caller): Staff,
    headers: HeaderMap,
) -> Result<Json<Started>> {
    Ok(Json(begin(&state, &headers, Some(caller.person)).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProviderAnswer {
    state: Option<String>,
    code: Option<String>,
    /// The provider's own error (`access_denied` when the person cancelled).
    error: Option<String>,
}

/// Back into the app: with the handoff code, or with what went wrong in a word the app turns
/// into a sentence. Never a page of JSON for a person mid-sign-in.
fn back_to_app(query: &str) -> Response {
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, format!("/?{query}"))]).into_response();
    // The handoff code must not travel on to anywhere the app links.
    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

#[utoipa::path(get, path = "/api/auth/sso/callback", tag = "auth", params(ProviderAnswer),
    responses((status = 303, description = "Back into the app: `/?sso=<handoff>`, or `/?sso_error=cancelled|expired|refused|unavailable`")))]
pub async fn callback(State(state): State<AppState>, Query(answer): Query<ProviderAnswer>) -> Response {
    let Some(oidc) = state.sso.clone() else { return back_to_app("sso_error=unavailable") };
    let Some(state_secret) = answer.state.filter(|s| s.len() <= 200) else { return back_to_app("sso_error=expired") };
    let state_hash = tokens::hash_secret(&state_secret);
    let pending = {
        let state_hash = state_hash.clone();
        state.store.read(move |db| sso::pending(db, &state_hash, store::now_ms())).await
    };
    let pending = match pending {
        Ok(Some(p)) => p,
        Ok(None) => return back_to_app("sso_error=expired"),
        Err(_) => return back_to_app("sso_error=unavailable"),
    };
    let code = match (answer.code, answer.error.as_deref()) {
        (Some(code), None) if code.len() <= 4096 => code,
        (_, Some("access_denied")) => return back_to_app("sso_error=cancelled"),
        _ => return back_to_app("sso_error=refused"),
    };
    let vouched =
        match oidc.subject(&code, &pending.verifier, &pending.redirect_uri, &pending.nonce, pending.started_at).await {
            Ok(vouched) => vouched,
            Err(e) => {
                let word = if matches!(e, oidc::SsoError::Unreachable(_)) { "unavailable" } else { "refused" };
                tracing::warn!(error = %e, "organisation sign-in failed");
                return back_to_app(&format!("sso_error={word}"));
            }
        };
    let (handoff, handoff_hash) = tokens::new_secret();
    let kept = state.store.write(move |tx| sso::answered(tx, &state_hash, &vouched, &handoff_hash)).await;
    match kept {
        Ok(true) => back_to_app(&format!("sso={handoff}")),
        Ok(false) => back_to_app("sso_error=expired"),
        Err(_) => back_to_app("sso_error=unavailable"),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinishSignIn {
    /// What `start` answered as `attempt`.
    #[schema(max_length = 200)]
    pub attempt: String,
    /// What the provider's return brought in the address (`?sso=`).
    #[schema(max_length = 200)]
    pub handoff: String,
    #[schema(value_type = String, format = Uuid)]
    pub device: DeviceId,
    /// A code from their authenticator app (or a recovery code), once the finish has answered
    /// `two_step_needed`: they have Tandem's two-step sign-in on, and the organisation's sign-in
    /// didn't say it asked for a second step.
    #[serde(default)]
    #[schema(max_length = 32)]
    pub code: Option<String>,
}

/// Takes the answered attempt (once). A wrong pair counts against the address as a wrong
/// password does.
async fn take(
    state: &AppState,
    address: String,
    attempt: &str,
    handoff: &str,
) -> Result<(oidc::Vouched, Option<tandem_shared::PersonId>)> {
    if attempt.len() > 200 || handoff.len() > 200 {
        return Err(ApiError::BadRequest("`attempt` and `handoff` are at most 200 characters".into()));
    }
    let (attempt_hash, handoff_hash) = (tokens::hash_secret(attempt.trim()), tokens::hash_secret(handoff.trim()));
    let taken = state.store.write(move |tx| sso::take(tx, &attempt_hash, &handoff_hash, store::now_ms())).await?;
    match taken {
        Some(found) => Ok(found),
        None => {
            state
                .store
                .write(move |tx| people::address_failed(tx, &address, ADDRESS_WINDOW_MS, store::now_ms()))
                .await?;
            tokio::time::sleep(std::time::Duration::from_millis(state.settings.failure_delay_ms)).await;
            Err(NOT_FINISHED)
        }
    }
}

#[utoipa::path(post, path = "/api/auth/sso/finish", request_body = FinishSignIn, tag = "auth",
    responses((status = 200, body = Tokens), (status = 400, body = crate::error::ErrorBody),
              (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody)))]
pub async fn finish_sign_in(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    ApiJson(req): ApiJson<FinishSignIn>,
) -> Result<Json<Tokens>> {
    let issuer = provider(&state)?.settings.issuer.clone();
    refuse_blocked_address(&state, &address).await?;
    if req.attempt.len() > 200 || req.handoff.len() > 200 || req.code.as_ref().is_some_and(|c| c.len() > 32) {
        return Err(ApiError::BadRequest(
            "`attempt` and `handoff` are at most 200 characters, `code` at most 32".into(),
        ));
    }
    let (attempt_hash, handoff_hash) =
        (tokens::hash_secret(req.attempt.trim()), tokens::hash_secret(req.handoff.trim()));
    // Read first, not taken: a finish answered "a code is needed" can be sent again with it.
    let found = {
        let (a, h) = (attempt_hash.clone(), handoff_hash.clone());
        state.store.read(move |db| sso::answered_by(db, &a, &h, store::now_ms())).await?
    };
    let Some((_, linking)) = found else {
        // A wrong pair: ends the attempt and counts against the address.
        take(&state, address, &req.attempt, &req.handoff).await?;
        return Err(NOT_FINISHED);
    };
    if linking.is_some() {
        take(&state, address, &req.attempt, &req.handoff).await?;
        return Err(ApiError::BadRequest("that was started to link an account, not to sign in; start again".into()));
    }
    let kind = kind_of_device(&headers);
    let st = state.clone();
    // `Ok(Err(..))`: refused, keeping what the transaction did (an attempt for nobody is spent);
    // `Err(..)`: refused with nothing kept (a code is wanted: the pair stays good for it).
    let opened = state
        .store
        .write(move |tx| {
            let now = store::now_ms();
            let Some((vouched, _)) = sso::answered_by(tx, &attempt_hash, &handoff_hash, now)? else {
                return Err(NOT_FINISHED);
            };
            let person = match sso::linked_person(tx, &issuer, &vouched.subject)? {
                Some(id) => people::by_id(tx, id)?,
                None => None,
            };
            // A deactivated account is refused as an unlinked one: nothing said about it.
            let Some(person) = person.filter(|p| p.role != Role::YoungPerson && !p.deactivated()) else {
                sso::take(tx, &attempt_hash, &handoff_hash, now)?;
                return Ok(Err(NOT_LINKED));
            };
            // Their Tandem two-step is on and the organisation's sign-in didn't say it asked for
            // a second step: Tandem asks for its own, as after a password.
            let mut recovery_codes_left = None;
            if person.two_step && !vouched.second_step {
                let Some(code) = req.code.as_deref().map(str::trim) else { return Err(ApiError::TwoStepNeeded) };
                if !super::two_step::code_takes(tx, person.id, code, now)? {
                    return Ok(Err(ApiError::Unauthorized(super::two_step::WRONG_CODE)));
                }
                if !super::totp::looks_like_code(code) {
                    recovery_codes_left = Some(store::two_step::recovery_left(tx, person.id)?);
                }
            }
            sso::take(tx, &attempt_hash, &handoff_hash, now)?;
            let tokens = open_session(tx, &st, &person, (req.device, kind.as_deref()), None, Some(&vouched))?;
            Ok(Ok(Tokens { recovery_codes_left, ..tokens }))
        })
        .await?;
    let tokens = match opened {
        Ok(tokens) => tokens,
        Err(refused) => {
            // A wrong code counts against the address as a wrong password does.
            if matches!(refused, ApiError::Unauthorized(super::two_step::WRONG_CODE)) {
                state
                    .store
                    .write(move |tx| people::address_failed(tx, &address, ADDRESS_WINDOW_MS, store::now_ms()))
                    .await?;
                tokio::time::sleep(std::time::Duration::from_millis(state.settings.failure_delay_ms)).await;
            }
            return Err(refused);
        }
    };
    tracing::info!(person = %tokens.person, "signed in with the organisation's account");
    state.tell_own_screens(tokens.person);
    Ok(Json(tokens))
}

#[derive(Serialize, ToSchema)]
pub struct Linked {
    /// Staff can sign in with their organisation's account on this service.
    pub available: bool,
    pub name: Option<String>,
    /// When this staff member linked theirs (unix ms), if they have.
    pub linked_at: Option<i64>,
    /// The service asks staff who linked theirs to sign in only with it: their password is
    /// refused, and the link can't be undone by them.
    pub only: bool,
}

async fn linked(state: &AppState, person: tandem_shared::PersonId) -> Result<Json<Linked>> {
    let Some(oidc) = &state.sso else {
        return Ok(Json(Linked { available: false, name: None, linked_at: None, only: false }));
    };
    let issuer = oidc.settings.issuer.clone();
    let (linked_at, only) =
        state.store.read(move |db| Ok((sso::linked_at(db, person, Some(&issuer))?, sso::only(db)?))).await?;
    Ok(Json(Linked { available: true, name: Some(oidc.settings.name.clone()), linked_at, only }))
}

#[utoipa::path(get, path = "/api/me/sso", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = Linked), (status = 403, body = crate::error::ErrorBody)))]
pub async fn status(State(state): State<AppState>, Staff(caller): Staff) -> Result<Json<Linked>> {
    linked(&state, caller.person).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinishLink {
    #[schema(max_length = 200)]
    pub attempt: String,
    #[schema(max_length = 200)]
    pub handoff: String,
}

#[utoipa::path(post, path = "/api/me/sso/finish", request_body = FinishLink, tag = "me", security(("bearer" = [])),
    responses((status = 200, body = Linked), (status = 400, body = crate::error::ErrorBody),
              (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody)))]
pub async fn finish_link(
    State(state): State<AppState>,
    Staff(caller): Staff,
    ClientAddress(address): ClientAddress,
    ApiJson(req): ApiJson<FinishLink>,
) -> Result<Json<Linked>> {
    let issuer = provider(&state)?.settings.issuer.clone();
    let (vouched, linking) = take(&state, address, &req.attempt, &req.handoff).await?;
    // Started by this staff member, signed in: only they can link an account to themselves.
    if linking != Some(caller.person) {
        return Err(ApiError::Forbidden(
            "that was started by someone else, or to sign in; start again from Your account",
        ));
    }
    let person = caller.person;
    state
        .store
        .write(move |tx| {
            if !sso::link(tx, person, &issuer, &vouched.subject, store::now_ms())? {
                return Err(ApiError::Conflict(
                    "that account is linked to another staff member in Tandem already".into(),
                ));
            }
            store::audit::append(
                tx,
                store::now_ms(),
                Some(person),
                "linked their organisation account",
                Some(person),
                "",
            )
        })
        .await?;
    linked(&state, person).await
}

#[utoipa::path(delete, path = "/api/me/sso", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = Linked), (status = 403, body = crate::error::ErrorBody)))]
pub async fn unlink(State(state): State<AppState>, Staff(caller): Staff) -> Result<Json<Linked>> {
    let (person, now) = (caller.person, store::now_ms());
    let unlinked = state
        .store
        .write(move |tx| {
            // Unlinking would give them their password back, a way in the organisation's
            // sign-in no longer decides (someone who has left, still signed in somewhere).
            if sso::password_closed_to(tx, person, None)? {
                return Err(ApiError::Forbidden(
                    "your service asks staff to sign in with the organisation's account, so it stays linked; an admin can change that",
                ));
            }
            let unlinked = sso::unlink(tx, person)?;
            if unlinked {
                store::audit::append(tx, now, Some(person), "unlinked their organisation account", Some(person), "")?;
            }
            Ok(unlinked)
        })
        .await?;
    // A restore from before now must not let that account in again.
    if unlinked {
        ledger::note(&state.ledger, now, &[Decision::SsoUnlinked(person)]).await;
    }
    linked(&state, person).await
}

/// What the organisation's sign-in posts to end sessions it signed in (OpenID Connect
/// Back-Channel Logout 1.0): when someone signs out there, or an administrator there ends their
/// sessions (someone who has left), their Tandem sessions end too, not at the next sign-in.
#[derive(Deserialize, ToSchema)]
pub struct LogoutForm {
    /// The provider's signed logout token.
    #[schema(max_length = 16384)]
    pub logout_token: String,
}

#[utoipa::path(post, path = "/api/auth/sso/logout", tag = "auth",
    request_body(content = LogoutForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = super::Done), (status = 400, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 503, body = crate::error::ErrorBody)))]
pub async fn back_channel_logout(
    State(state): State<AppState>,
    form: std::result::Result<axum::Form<LogoutForm>, axum::extract::rejection::FormRejection>,
) -> Result<Json<super::Done>> {
    let oidc = provider(&state)?;
    let axum::Form(form) = form.map_err(|e| {
        ApiError::BadRequest(format!("send the logout token as a form, `logout_token=…`: {}", e.body_text()))
    })?;
    if form.logout_token.len() > 16_384 {
        return Err(ApiError::BadRequest("`logout_token` is at most 16384 characters".into()));
    }
    let now = store::now_ms();
    let logout = oidc.logout(form.logout_token.trim(), now).await.map_err(|e| {
        tracing::warn!(error = %e, "a back-channel logout was refused");
        match e {
            oidc::SsoError::Unreachable(_) => ApiError::Unavailable(
                "the provider's keys can't be read just now to check the logout token; send it again",
            ),
            oidc::SsoError::Refused(why) => ApiError::BadRequest(why),
        }
    })?;
    end_provider_sessions(&state, oidc, logout, now).await?;
    Ok(Json(super::Done { ok: true }))
}

/// Ends the Tandem sessions the provider's logout names, says so in the audit log and the
/// ledger, and tells the screens they were open on.
async fn end_provider_sessions(state: &AppState, oidc: &oidc::Oidc, logout: oidc::Logout, now: i64) -> Result<()> {
    let issuer = oidc.settings.issuer.clone();
    let leeway_ms = (oidc::LEEWAY_SECS * 1000) as i64;
    let ended = state
        .store
        .write(move |tx| {
            let ended = sso::end_by_provider(tx, &issuer, &logout, leeway_ms, now)?;
            let mut people: Vec<_> = ended.iter().map(|(_, person)| *person).collect();
            people.sort();
            people.dedup();
            for person in people {
                store::audit::append(
                    tx,
                    now,
                    None,
                    "signed out by the organisation's sign-in",
                    Some(person),
                    "their sessions signed in with the organisation's account",
                )?;
            }
            Ok(ended)
        })
        .await?;
    tracing::info!(sessions = ended.len(), "the organisation's sign-in ended sessions");
    for (session, person) in ended {
        super::note_session_ended(state, &session, now).await;
        state.tell_own_screens(person);
    }
    Ok(())
}

/// What the organisation's sign-out page loads, in a hidden frame, to end the sessions it signed
/// in (OpenID Connect Front-Channel Logout 1.0): Microsoft Entra ID's only kind. It names the
/// provider's session (`sid`, kept from the ID token at sign-in); Entra leaves out `iss`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FrontChannelLogout {
    /// The provider's session that was signed out.
    pub sid: Option<String>,
    /// The provider's issuer, where it says.
    pub iss: Option<String>,
}

/// Marks a response that the organisation's sign-out page may frame (no `X-Frame-Options`).
#[derive(Clone, Copy)]
pub struct FramedByProvider;

#[utoipa::path(get, path = "/api/auth/sso/frontchannel-logout", tag = "auth", params(FrontChannelLogout),
    responses((status = 200, description = "Any sessions the provider's session signed in have ended (a short page, for its frame)", content_type = "text/html"),
              (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn front_channel_logout(
    State(state): State<AppState>,
    query: std::result::Result<Query<FrontChannelLogout>, axum::extract::rejection::QueryRejection>,
) -> Result<Response> {
    let oidc = provider(&state)?;
    let Query(query) =
        query.map_err(|e| ApiError::BadRequest(format!("that sign-out address isn't readable: {}", e.body_text())))?;
    if let Some(iss) = query.iss.as_deref().filter(|iss| *iss != oidc.settings.issuer) {
        return Err(ApiError::BadRequest(format!("`iss` names another provider ({iss:?}), not this service's")));
    }
    // Without a cookie (a frame from another site is sent none) the session it names is the
    // only way to know whose sign-in ended; a provider asked to include it always does.
    let sid = query.sid.as_deref().map(str::trim).unwrap_or_default();
    if sid.is_empty() {
        return Err(ApiError::BadRequest(
            "`sid` is missing: ask the organisation's sign-in to include the session in front-channel logouts".into(),
        ));
    }
    if sid.len() > 256 {
        return Err(ApiError::BadRequest("`sid` is at most 256 characters".into()));
    }
    // Unsigned, so anyone who knew a session's id could send it: all it can do is end that
    // session, which its owner can sign in to again. It ends every session with that id begun so far.
    let sid = sid.to_owned();
    let lookup = sid.clone();
    if state.store.read(move |conn| sso::signed_in_with(conn, &lookup)).await? {
        let now = store::now_ms();
        let logout = oidc::Logout { subject: None, provider_session: Some(sid), issued_ms: now };
        end_provider_sessions(&state, oidc, logout, now).await?;
    }
    const FRAMED_BY_NOBODY: HeaderValue = HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'");
    let policy = oidc.settings.origin().map(|origin| format!("default-src 'none'; frame-ancestors {origin}"));
    let policy = policy.and_then(|p| HeaderValue::try_from(p).ok()).unwrap_or(FRAMED_BY_NOBODY);
    let mut page = (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
            (header::CONTENT_SECURITY_POLICY, policy),
        ],
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Tandem</title><p>Signed out of Tandem.</p></html>",
    )
        .into_response();
    page.extensions_mut().insert(FramedByProvider);
    Ok(page)
}
