//! Two-step sign-in for staff: a code from an authenticator app after the password. A staff
//! account reaches many young people's records, so a password learnt or guessed should not be
//! enough. Set up and turned off from the staff member's own account. A phone lost or left at
//! home: one of the ten one-time recovery codes given when it was turned on signs in in place of
//! the app's code, with no admin needed; with none left, an admin's new password turns it off.
//! Young people sign in with a PIN only: many have no second device, and a lost code would lock
//! them out of their own words.

use super::address::ClientAddress;
use super::extract::Staff;
use super::{Done, tokens, totp};
use crate::error::{ApiError, Result};
use crate::http::json::ApiJson;
use crate::state::AppState;
use crate::store::{self, audit, people, two_step};
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tandem_shared::PersonId;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/me/two-step", post(start))
        .route("/api/me/two-step/confirm", post(confirm))
        .route("/api/me/two-step/off", post(turn_off))
        .route("/api/me/two-step/recovery-codes", post(new_recovery_codes))
}

pub const WRONG_CODE: &str =
    "that code isn't right; type the newest one your authenticator app shows (each works once)";
/// What authenticator apps list the account under, beside the sign-in name.
const ISSUER: &str = "Tandem";

/// Recovery codes given at a time: enough for a phone lost for weeks.
const RECOVERY_CODES: usize = 10;

/// Whether `code` (the app's, or a recovery code) is right for `person` now and not used before;
/// if so it is used up. Within the sign-in's transaction, so two replicas can't both take one.
pub fn code_takes(conn: &dyn store::sql::Db, person: PersonId, code: &str, now_ms: i64) -> Result<bool> {
    let Some(secret) = two_step::secret(conn, person)? else { return Ok(false) };
    if !totp::looks_like_code(code) {
        let hash = tokens::hash_secret(&tokens::normalise_invite_code(code));
        if !two_step::use_recovery(conn, person, &hash)? {
            return Ok(false);
        }
        let left = two_step::recovery_left(conn, person)?;
        let detail = format!("{left} left");
        audit::append(conn, now_ms, Some(person), "signed in with a two-step recovery code", Some(person), &detail)?;
        return Ok(true);
    }
    match totp::matching_step(&secret, code, (now_ms / 1000) as u64) {
        Some(step) => two_step::use_step(conn, person, step as i64),
        None => Ok(false),
    }
}

/// A new set of recovery codes for `person`, replacing any before: the codes to show them once.
fn renew_recovery(conn: &dyn store::sql::Db, person: PersonId) -> Result<Vec<String>> {
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| tokens::new_invite_code()).collect();
    let hashes: Vec<String> = codes.iter().map(|c| tokens::hash_secret(&tokens::normalise_invite_code(c))).collect();
    two_step::set_recovery(conn, person, &hashes)?;
    Ok(codes)
}

#[derive(Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// Shown once: each signs in once in place of the app's code. Only their hashes are kept.
    pub recovery_codes: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TwoStepSetUp {
    /// The secret to type into an authenticator app, in groups of four letters and digits.
    pub secret: String,
    /// The same as an `otpauth://` address, for a QR code the app can scan.
    pub address: String,
}

/// Starts setting up two-step sign-in (or moving it to a new phone): a new secret for an
/// authenticator app. Nothing changes at sign-in until a code from it is confirmed.
#[utoipa::path(post, path = "/api/me/two-step", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = TwoStepSetUp), (status = 403, body = crate::error::ErrorBody)))]
pub async fn start(State(state): State<AppState>, Staff(caller): Staff) -> Result<Json<TwoStepSetUp>> {
    let secret = totp::new_secret();
    let kept = secret.clone();
    let name = state
        .store
        .write(move |tx| {
            let person = people::by_id(tx, caller.person)?.ok_or(ApiError::Unauthorized("please sign in again"))?;
            two_step::set_pending(tx, caller.person, &kept)?;
            Ok(person.name.unwrap_or(person.display_name))
        })
        .await?;
    Ok(Json(TwoStepSetUp { secret: totp::for_typing(&secret), address: totp::app_address(&secret, ISSUER, &name) }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TwoStepCode {
    /// The 6-digit code the authenticator app shows now.
    #[schema(max_length = 16)]
    pub code: String,
}

/// Confirms the secret being set up with a code from the app: from now on, signing in asks for
/// a code too. Answers with a new set of recovery codes.
#[utoipa::path(post, path = "/api/me/two-step/confirm", request_body = TwoStepCode, tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = RecoveryCodes), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    Staff(caller): Staff,
    ApiJson(req): ApiJson<TwoStepCode>,
) -> Result<Json<RecoveryCodes>> {
    let now = store::now_ms();
    let recovery_codes = state
        .store
        .write(move |tx| {
            let pending = two_step::pending(tx, caller.person)?
                .ok_or(ApiError::BadRequest("start setting up two-step sign-in first".into()))?;
            let step = totp::matching_step(&pending, &req.code, (now / 1000) as u64).ok_or(ApiError::BadRequest(
                "that code isn't right: check the app's clock is set automatically, and type the newest code".into(),
            ))?;
            two_step::confirm(tx, caller.person, step as i64)?;
            audit::append(tx, now, Some(caller.person), "turned on two-step sign-in", Some(caller.person), "")?;
            renew_recovery(tx, caller.person)
        })
        .await?;
    tracing::info!(person = %caller.person, "two-step sign-in turned on");
    Ok(Json(RecoveryCodes { recovery_codes }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithPassword {
    /// Your current password: a device left signed in must not be enough.
    pub password: String,
}

/// A new set of recovery codes (the last used, or lost), given the current password; the old
/// ones stop working.
#[utoipa::path(post, path = "/api/me/two-step/recovery-codes", request_body = WithPassword, tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = RecoveryCodes), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody)))]
pub async fn new_recovery_codes(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Staff(caller): Staff,
    ApiJson(req): ApiJson<WithPassword>,
) -> Result<Json<RecoveryCodes>> {
    let name_hash = super::check_current_secret(&state, address, &caller, req.password).await?.name_hash;
    let now = store::now_ms();
    let recovery_codes = state
        .store
        .write(move |tx| {
            people::clear_failed_signins(tx, &name_hash)?;
            if !two_step::is_on(tx, caller.person)? {
                return Err(ApiError::BadRequest("turn on two-step sign-in first".into()));
            }
            audit::append(tx, now, Some(caller.person), "made new two-step recovery codes", Some(caller.person), "")?;
            renew_recovery(tx, caller.person)
        })
        .await?;
    Ok(Json(RecoveryCodes { recovery_codes }))
}

/// Turns two-step sign-in off, given the current password.
#[utoipa::path(post, path = "/api/me/two-step/off", request_body = WithPassword, tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Done), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody)))]
pub async fn turn_off(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Staff(caller): Staff,
    ApiJson(req): ApiJson<WithPassword>,
) -> Result<Json<Done>> {
    // Asked of every staff member: off, their next sign-in would only ask them to set it up again.
    if state.store.read(|db| two_step::required(db)).await? {
        return Err(ApiError::BadRequest(
            "your service asks every staff member for two-step sign-in, so it stays on; for a new phone, choose \"Move it to a new phone\"".into(),
        ));
    }
    let name_hash = super::check_current_secret(&state, address, &caller, req.password).await?.name_hash;
    let now = store::now_ms();
    state
        .store
        .write(move |tx| {
            people::clear_failed_signins(tx, &name_hash)?;
            if two_step::turn_off(tx, caller.person)? {
                audit::append(tx, now, Some(caller.person), "turned off two-step sign-in", Some(caller.person), "")?;
            }
            Ok(())
        })
        .await?;
    Ok(Json(Done { ok: true }))
}
