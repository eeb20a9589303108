//! Staff signing in with their organisation's account (see `auth::sso`): links between a staff
//! member and the provider's subject, and sign-ins under way at the provider.

use super::sql::Db;
use crate::auth::oidc::{Logout, Vouched};
use crate::error::Result;
use tandem_shared::PersonId;

/// How long a sign-in may take at the provider, from starting it to finishing it in the app.
pub const ATTEMPT_MS: i64 = 10 * 60 * 1000;

/// A sign-in or link under way, as started (secrets already hashed where only hashes are kept).
pub struct NewAttempt<'a> {
    pub state_hash: &'a str,
    pub attempt_hash: &'a str,
    pub nonce: &'a str,
    pub verifier: &'a str,
    pub redirect_uri: &'a str,
    /// Set when a signed-in staff member is linking their account.
    pub link_person: Option<PersonId>,
}

/// Most sign-ins under way at once: far more than a service's staff start in ten minutes, and a
/// bound on what a stream of starts from anywhere can make the database keep.
pub const MOST_UNDER_WAY: i64 = 10_000;

/// Keeps a new attempt, dropping those too old to finish.
pub fn start(conn: &dyn Db, a: &NewAttempt<'_>, now: i64) -> Result<()> {
    conn.execute("DELETE FROM sso_attempts WHERE started_at < ?1", &[(now - ATTEMPT_MS).into()])?;
    if conn.query_one("SELECT count(*) FROM sso_attempts", &[])?.int(0)? >= MOST_UNDER_WAY {
        return Err(crate::error::ApiError::TooManyAttempts { retry_after_secs: 60 });
    }
    conn.execute(
        "INSERT INTO sso_attempts (state_hash, attempt_hash, nonce, verifier, redirect_uri, link_person, started_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &[
            a.state_hash.into(),
            a.attempt_hash.into(),
            a.nonce.into(),
            a.verifier.into(),
            a.redirect_uri.into(),
            a.link_person.map(|p| p.to_string()).into(),
            now.into(),
        ],
    )?;
    Ok(())
}

/// What the provider's answer is checked against.
pub struct Pending {
    pub nonce: String,
    pub verifier: String,
    pub redirect_uri: String,
    pub started_at: i64,
}

/// The attempt a provider's answer names by its `state`, if it is still open (not answered yet,
/// not too old).
pub fn pending(conn: &dyn Db, state_hash: &str, now: i64) -> Result<Option<Pending>> {
    let row = conn.query_opt(
        "SELECT nonce, verifier, redirect_uri, started_at FROM sso_attempts
         WHERE state_hash = ?1 AND handoff_hash IS NULL AND started_at >= ?2",
        &[state_hash.into(), (now - ATTEMPT_MS).into()],
    )?;
    row.map(|r| {
        Ok(Pending { nonce: r.string(0)?, verifier: r.string(1)?, redirect_uri: r.string(2)?, started_at: r.int(3)? })
    })
    .transpose()
}

/// The provider vouched for someone: the attempt can now be finished by the browser holding
/// both the handoff and the attempt's own secret. False if it was answered already.
pub fn answered(conn: &dyn Db, state_hash: &str, vouched: &Vouched, handoff_hash: &str) -> Result<bool> {
    let n = conn.execute(
        "UPDATE sso_attempts SET subject = ?2, provider_session = ?3, second_step = ?4, handoff_hash = ?5
         WHERE state_hash = ?1 AND handoff_hash IS NULL",
        &[
            state_hash.into(),
            vouched.subject.as_str().into(),
            vouched.provider_session.as_deref().into(),
            vouched.second_step.into(),
            handoff_hash.into(),
        ],
    )?;
    Ok(n == 1)
}

/// An answered attempt, if both halves are right and it is still open: (whom the provider
/// vouched for, who was linking). Left in place: `take` finishes it.
pub fn answered_by(
    conn: &dyn Db,
    attempt_hash: &str,
    handoff_hash: &str,
    now: i64,
) -> Result<Option<(Vouched, Option<PersonId>)>> {
    let row = conn.query_opt(
        "SELECT subject, provider_session, second_step, link_person FROM sso_attempts
         WHERE attempt_hash = ?1 AND handoff_hash = ?2 AND subject IS NOT NULL AND started_at >= ?3",
        &[attempt_hash.into(), handoff_hash.into(), (now - ATTEMPT_MS).into()],
    )?;
    row.map(|r| {
        let vouched = Vouched {
            subject: r.string(0)?,
            provider_session: r.opt_text(1)?.map(str::to_owned),
            second_step: r.bool(2)?,
        };
        Ok((vouched, r.opt_text(3)?.map(super::people::parse_id)))
    })
    .transpose()
}

/// An answered attempt, taken (so it finishes once), as `answered_by` reads it. Either half
/// given with the wrong other half ends the attempt too: someone is trying to finish a sign-in
/// that isn't theirs.
pub fn take(
    conn: &dyn Db,
    attempt_hash: &str,
    handoff_hash: &str,
    now: i64,
) -> Result<Option<(Vouched, Option<PersonId>)>> {
    let found = answered_by(conn, attempt_hash, handoff_hash, now)?;
    conn.execute(
        "DELETE FROM sso_attempts WHERE attempt_hash = ?1 OR handoff_hash = ?2",
        &[attempt_hash.into(), handoff_hash.into()],
    )?;
    Ok(found)
}

/// The staff member linked to `subject` at `issuer`, if any.
pub fn linked_person(conn: &dyn Db, issuer: &str, subject: &str) -> Result<Option<PersonId>> {
    let row = conn.query_opt(
        "SELECT person_id FROM sso_links WHERE issuer = ?1 AND subject = ?2",
        &[issuer.into(), subject.into()],
    )?;
    row.map(|r| Ok(super::people::parse_id(r.text(0)?))).transpose()
}

/// Links `person` to `subject` (replacing a link of theirs to another). False if the subject is
/// linked to someone else already.
pub fn link(conn: &dyn Db, person: PersonId, issuer: &str, subject: &str, now: i64) -> Result<bool> {
    if linked_person(conn, issuer, subject)?.is_some_and(|p| p != person) {
        return Ok(false);
    }
    conn.execute(
        "INSERT INTO sso_links (person_id, issuer, subject, linked_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (person_id) DO UPDATE SET issuer = excluded.issuer, subject = excluded.subject, linked_at = excluded.linked_at",
        &[person.to_string().into(), issuer.into(), subject.into(), now.into()],
    )?;
    Ok(true)
}

/// When `person` linked their account (at `issuer`, if named), if they have.
pub fn linked_at(conn: &dyn Db, person: PersonId, issuer: Option<&str>) -> Result<Option<i64>> {
    let row = conn.query_opt(
        "SELECT linked_at FROM sso_links WHERE person_id = ?1 AND (CAST(?2 AS TEXT) IS NULL OR issuer = ?2)",
        &[person.to_string().into(), issuer.into()],
    )?;
    row.map(|r| r.int(0)).transpose()
}

/// How many staff members not deactivated have linked their account.
pub fn linked_count(conn: &dyn Db) -> Result<i64> {
    conn.query_one(
        "SELECT count(*) FROM sso_links l JOIN people p ON p.id = l.person_id WHERE p.deactivated_at IS NULL",
        &[],
    )?
    .int(0)
}

/// Every link, as who and when they linked it (for the ledger's check after a restore).
pub fn links(conn: &dyn Db) -> Result<std::collections::HashMap<PersonId, i64>> {
    conn.query("SELECT person_id, linked_at FROM sso_links", &[])?
        .iter()
        .map(|r| Ok((super::people::parse_id(r.text(0)?), r.int(1)?)))
        .collect()
}

/// Removes `person`'s link; true if there was one.
pub fn unlink(conn: &dyn Db, person: PersonId) -> Result<bool> {
    Ok(conn.execute("DELETE FROM sso_links WHERE person_id = ?1", &[person.to_string().into()])? > 0)
}

/// Marks a new session as signed in through the organisation's sign-in (with the provider's
/// own session, if it named one, for its logout to end, and whether it asked a second step).
pub fn mark_session(conn: &dyn Db, session: &str, vouched: &Vouched) -> Result<()> {
    conn.execute(
        "UPDATE sessions SET sso = TRUE, provider_session = ?2, provider_second_step = ?3 WHERE id = ?1",
        &[session.into(), vouched.provider_session.as_deref().into(), vouched.second_step.into()],
    )?;
    Ok(())
}

/// Ends the live sessions the provider's logout names (at `issuer`): signed in through it, by
/// the staff member linked to its subject and/or with its session, begun before it was issued
/// (give or take a clock a few minutes off). Each ended session, and whose it was.
pub fn end_by_provider(
    conn: &dyn Db,
    issuer: &str,
    logout: &Logout,
    leeway_ms: i64,
    now: i64,
) -> Result<Vec<(String, PersonId)>> {
    let found = conn.query(
        "SELECT s.id, s.person_id FROM sessions s JOIN sso_links l ON l.person_id = s.person_id
         WHERE s.sso AND s.revoked_at IS NULL AND l.issuer = ?1
           AND (CAST(?2 AS TEXT) IS NULL OR l.subject = ?2)
           AND (CAST(?3 AS TEXT) IS NULL OR s.provider_session = ?3)
           AND s.created_at <= ?4",
        &[
            issuer.into(),
            logout.subject.as_deref().into(),
            logout.provider_session.as_deref().into(),
            logout.issued_ms.saturating_add(leeway_ms).into(),
        ],
    )?;
    let mut ended = Vec::with_capacity(found.len());
    for row in found.iter() {
        let (session, person) = (row.string(0)?, super::people::parse_id(row.text(1)?));
        if super::people::end_session(conn, person, &session, now)? {
            ended.push((session, person));
        }
    }
    Ok(ended)
}

/// Whether a live session was signed in with the provider's session `provider_session`: a
/// front-channel logout naming none is answered without queueing for the writer.
pub fn signed_in_with(conn: &dyn Db, provider_session: &str) -> Result<bool> {
    let found = conn.query_opt(
        "SELECT 1 FROM sessions WHERE provider_session = ?1 AND revoked_at IS NULL LIMIT 1",
        &[provider_session.into()],
    )?;
    Ok(found.is_some())
}

/// Whether the latest sign-in through the provider named its session (`None`: none yet).
pub fn latest_named_its_session(conn: &dyn Db) -> Result<Option<bool>> {
    let row = conn.query_opt(
        "SELECT provider_session IS NOT NULL FROM sessions WHERE sso ORDER BY created_at DESC LIMIT 1",
        &[],
    )?;
    row.map(|r| r.bool(0)).transpose()
}

/// How `session` was signed in: (through the organisation's sign-in, when it began).
pub fn how_signed_in(conn: &dyn Db, session: &str) -> Result<Option<(bool, i64)>> {
    let row = conn.query_opt("SELECT sso, created_at FROM sessions WHERE id = ?1", &[session.into()])?;
    row.map(|r| Ok((r.bool(0)?, r.int(1)?))).transpose()
}

/// Whether staff who have linked their organisation account may sign in only with it.
pub fn only(conn: &dyn Db) -> Result<bool> {
    conn.query_one("SELECT staff_sso_only FROM service_settings WHERE id = 1", &[])?.bool(0)
}

pub fn set_only(conn: &dyn Db, only: bool) -> Result<()> {
    conn.execute("UPDATE service_settings SET staff_sso_only = ?1 WHERE id = 1", &[only.into()])?;
    Ok(())
}

/// Whether `person`'s password no longer signs them in: the service asks staff who have linked
/// their organisation account (at `issuer`, if named) to use it, and they have.
pub fn password_closed_to(conn: &dyn Db, person: PersonId, issuer: Option<&str>) -> Result<bool> {
    Ok(only(conn)? && linked_at(conn, person, issuer)?.is_some())
}
