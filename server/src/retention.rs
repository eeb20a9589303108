//! The erasure job: every server looks, once a minute, for young people whose data is due to go
//! (their case closed longer ago than the retention period, or they asked and the cooling-off
//! passed) and erases them. Each erasure is one transaction that checks again under the row's
//! lock, so replicas racing for the same person erase them once. The same round forgets failed
//! sign-ins that no longer count and sign-ins past their renewal, and tells the duty worker of
//! safety alerts nobody has seen in time. Once a day it prunes the ledger.

use crate::accounts;
use crate::error::Result;
use crate::state::AppState;
use crate::store::{self, Store, erasure, people};
use tandem_shared::PersonId;

/// Runs the job until the server stops.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // The start pruned it; then once a day.
        let mut ledger_pruned = tokio::time::Instant::now();
        loop {
            tokio::time::sleep(state.settings.erasure_check_every).await;
            if ledger_pruned.elapsed() >= LEDGER_PRUNED_EVERY {
                crate::ledger::prune(&state.ledger, state.settings.refresh_ttl_secs).await;
                ledger_pruned = tokio::time::Instant::now();
            }
            if let Err(e) = erase_due(&state).await {
                // A database outage: the next round tries again.
                tracing::warn!(error = %e, "erasures that are due could not be done yet");
            }
            if let Err(e) = crate::http::alerts::escalate_due(&state).await {
                tracing::warn!(error = %e, "alerts nobody has seen could not be escalated yet");
            }
            if let Err(e) = forget_old_sign_in_failures(&state.store, store::now_ms()).await {
                tracing::warn!(error = %e, "old sign-in failures could not be forgotten yet");
            }
            if let Err(e) = forget_expired_sign_ins(&state.store, store::now_ms()).await {
                tracing::warn!(error = %e, "expired sign-ins could not be forgotten yet");
            }
        }
    })
}

const LEDGER_PRUNED_EVERY: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Erases everyone whose erasure is due; returns how many were erased.
pub async fn erase_due(state: &AppState) -> Result<usize> {
    let now = store::now_ms();
    let (asked_before, closed_before) = (now - state.settings.cooling_off_ms, now - state.settings.retention_ms);
    let due = state.store.read(move |db| erasure::due(db, asked_before, closed_before)).await?;
    let mut erased = 0;
    for who in due {
        let done = state
            .store
            .write(move |tx| match erasure::still_due(tx, who, asked_before, closed_before)? {
                Some(why) => accounts::erase_young_person(tx, who, None, why, now),
                None => Ok(None),
            })
            .await?;
        if done.is_some() {
            tracing::info!(person = %who, "erased a young person whose erasure was due");
            crate::ledger::note(&state.ledger, now, &[crate::ledger::Decision::Erased(who)]).await;
            erased += 1;
            tell_screens(state, who);
        }
    }
    if erased > 0 {
        state.store.forget_erased().await;
    } else {
        state.store.forget_erased_if_pending().await;
    }
    Ok(erased)
}

/// Open screens that showed the erased person pull now and drop them.
pub fn tell_screens(state: &AppState, who: PersonId) {
    state.assignments_changed();
    state.announce_people(who, tandem_shared::Visibility::Team, None);
}

/// How long a name's count of failed sign-ins is kept after its last failure (unless locked).
pub const NAME_FAILURES_KEPT_MS: i64 = 24 * 60 * 60 * 1000;

/// Forgets failed sign-ins that no longer count, as of `now`: a network address once its
/// 15-minute window has passed, a name's count a day after its last failure unless locked.
pub async fn forget_old_sign_in_failures(store: &Store, now: i64) -> Result<u64> {
    let bounds = (now - crate::auth::ADDRESS_WINDOW_MS, now - NAME_FAILURES_KEPT_MS, now);
    if !store.read(move |db| people::has_old_sign_in_failures(db, bounds)).await? {
        return Ok(0);
    }
    store.write(move |tx| people::forget_old_sign_in_failures(tx, bounds)).await
}

/// Forgets refresh tokens expired by `now` and the sessions they leave over; returns (tokens,
/// sessions) forgotten.
pub async fn forget_expired_sign_ins(store: &Store, now: i64) -> Result<(u64, u64)> {
    if !store.read(move |db| people::has_expired_refresh_tokens(db, now)).await? {
        return Ok((0, 0));
    }
    store.write(move |tx| people::forget_expired_sign_ins(tx, now)).await
}
