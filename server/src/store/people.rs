//! People, assignments, invites and sessions.
//!
//! Names are sealed at rest as words are (`seal.rs`): that someone is supported by the service
//! is itself sensitive, so a copy of the database names nobody without the data key. A person
//! is found at sign-in by a hash of their name keyed by the data key (`sign_in_key` column), and
//! lists are put in order of their names here, once opened, not by the database.

use super::seal::Stored;
use super::sql::{Db, Row, Value};
use crate::error::Result;
use std::collections::HashMap;
use tandem_shared::{PersonId, Role};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct Person {
    pub id: PersonId,
    pub role: Role,
    pub name: Option<String>,
    pub display_name: String,
    pub secret_hash: Option<String>,
    pub token_version: i64,
    /// When an admin deactivated them (they can't sign in), if they are.
    pub deactivated_at: Option<i64>,
    /// Signed in with a first password an admin set: must choose their own before anything else.
    pub must_change_password: bool,
    /// When their current password or PIN was set (`None`: none, or set before this was kept).
    pub secret_set_at: Option<i64>,
    /// When they were last reactivated, if ever (`None` too if that was before this was kept).
    pub reactivated_at: Option<i64>,
    /// Staff: signing in asks for a code from their authenticator app too (`store::two_step`).
    pub two_step: bool,
}

impl Person {
    pub fn deactivated(&self) -> bool {
        self.deactivated_at.is_some()
    }

    /// Their password or PIN stopped working because a later one was lost in a restore (see
    /// `supersede_secret`): they need a new one to sign in.
    pub fn needs_new_secret(&self) -> bool {
        self.secret_hash.as_deref() == Some(SUPERSEDED)
    }
}

pub fn role_str(role: Role) -> &'static str {
    match role {
        Role::YoungPerson => "young_person",
        Role::KeyWorker => "key_worker",
        Role::DropInStaff => "drop_in_staff",
        Role::Admin => "admin",
    }
}

fn parse_role(s: &str) -> Role {
    match s {
        "young_person" => Role::YoungPerson,
        "key_worker" => Role::KeyWorker,
        "drop_in_staff" => Role::DropInStaff,
        _ => Role::Admin,
    }
}

pub fn parse_id(s: &str) -> PersonId {
    PersonId(Uuid::parse_str(s).unwrap_or_default())
}

/// The form a sign-in name is matched in: "Ash" signs in as "ash", "Émile" as "ÉMILE" or
/// "émile", and a name typed with its accents as separate marks (as some keyboards send them)
/// as one typed with them joined. Compatibility-normalised (NFKC), then lower-cased by Rust,
/// which knows every alphabet's capitals; SQL's `lower()` doesn't on SQLite, and follows the
/// cluster's locale on PostgreSQL. An apostrophe is one, straight or curled ("O’Neill" as an
/// iPhone types it signs in as "O'Neill" typed on another phone).
pub fn sign_in_key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let straight = |c: char| if matches!(c, '’' | '‘' | 'ʼ') { '\'' } else { c };
    name.trim().nfkc().map(straight).collect::<String>().to_lowercase()
}

/// What a person's names are sealed for (bound to them: a sealed name moved to another row
/// doesn't open).
fn name_context(id: PersonId) -> String {
    format!("name of {id}")
}

/// A name as it is stored: sealed under the current data key.
pub fn sealed_name(conn: &dyn Db, id: PersonId, name: &str) -> Result<Value> {
    conn.seal(name, &name_context(id))
}

/// A stored name opened (one from before names were sealed passes through as it is).
pub fn open_name(conn: &dyn Db, id: PersonId, stored: Stored<'_>) -> Result<String> {
    conn.keyring().unseal(stored, &name_context(id))
}

/// The name in column `i` of a row whose column `id` is the person's id.
pub fn name_in(conn: &dyn Db, row: &Row, id: usize, i: usize) -> Result<String> {
    open_name(conn, parse_id(row.text(id)?), row.stored(i)?)
}

/// The name in column `i`, if there is one (a left join that found nobody gives none).
pub fn opt_name_in(conn: &dyn Db, row: &Row, id: usize, i: usize) -> Result<Option<String>> {
    match row.opt_stored(i)? {
        Some(stored) => open_name(conn, parse_id(row.text(id)?), stored).map(Some),
        None => Ok(None),
    }
}

/// People in order of their names (capitals aside), then of their ids: what the database did
/// when it could read the names. Screens put them in their reader's order again.
pub fn in_name_order<T>(list: &mut [T], name: impl Fn(&T) -> (&str, PersonId)) {
    list.sort_by_cached_key(|item| {
        let (n, id) = name(item);
        (n.to_lowercase(), id.0)
    });
}

/// The keyed hash a sign-in name is stored and counted under (see `seal::Keyring::name_key`).
pub fn name_hash(conn: &dyn Db, name: &str) -> String {
    conn.keyring().name_key(&sign_in_key(name))
}

// Spelled out (not format!) so they can be cached prepared statements.
const BY_NAME: &str =
    "SELECT id, role, name, display_name, secret_hash, token_version, deactivated_at, must_change_password, secret_set_at, reactivated_at,
            two_step IS NOT NULL
     FROM people WHERE sign_in_key = ?1";
const BY_ID: &str =
    "SELECT id, role, name, display_name, secret_hash, token_version, deactivated_at, must_change_password, secret_set_at, reactivated_at,
            two_step IS NOT NULL
     FROM people WHERE id = ?1";
const ALL: &str =
    "SELECT id, role, name, display_name, secret_hash, token_version, deactivated_at, must_change_password, secret_set_at, reactivated_at,
            two_step IS NOT NULL
     FROM people ORDER BY created_at, id";

fn person_from_row(conn: &dyn Db, row: &Row) -> Result<Person> {
    let id = parse_id(row.text(0)?);
    Ok(Person {
        id,
        role: parse_role(row.text(1)?),
        name: row.opt_stored(2)?.map(|n| open_name(conn, id, n)).transpose()?,
        display_name: open_name(conn, id, row.stored(3)?)?,
        secret_hash: row.opt_text(4)?.map(str::to_owned),
        token_version: row.int(5)?,
        deactivated_at: row.opt_int(6)?,
        must_change_password: row.bool(7)?,
        secret_set_at: row.opt_int(8)?,
        reactivated_at: row.opt_int(9)?,
        two_step: row.bool(10)?,
    })
}

pub fn create(
    conn: &dyn Db,
    role: Role,
    name: Option<&str>,
    display_name: &str,
    secret_hash: Option<&str>,
    now: i64,
) -> Result<PersonId> {
    let id = PersonId(Uuid::now_v7());
    conn.execute(
        "INSERT INTO people (id, role, name, display_name, secret_hash, created_at, secret_set_at, sign_in_key, names_sealed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, TRUE)",
        &[
            id.to_string().into(),
            role_str(role).into(),
            name.map(|n| sealed_name(conn, id, n)).transpose()?.unwrap_or(Value::Null),
            sealed_name(conn, id, display_name)?,
            secret_hash.into(),
            now.into(),
            secret_hash.map(|_| now).into(),
            name.map(|n| name_hash(conn, n)).into(),
        ],
    )?;
    Ok(id)
}

/// People whose names were stored before they were sealed (before schema 29), or who have no
/// sign-in key though they have a name (from before schema 28, or kept without one below), the
/// longest standing first: of two names that now match, the one taken first keeps it.
const UNSEALED: &str = "SELECT id, name, display_name, names_sealed FROM people
     WHERE NOT names_sealed OR (name IS NOT NULL AND sign_in_key IS NULL)
     ORDER BY created_at, id";

/// Whether any name still needs sealing or keying (a read, so commands run beside a serving
/// server don't queue for SQLite's one writer when there is nothing to do).
pub fn unsealed_names(db: &dyn Db) -> Result<bool> {
    Ok(db
        .query_opt(
            "SELECT 1 FROM people WHERE NOT names_sealed OR (name IS NOT NULL AND sign_in_key IS NULL) LIMIT 1",
            &[],
        )?
        .is_some())
}

/// Seals the names stored before they were sealed, and keys each sign-in name by the data key;
/// returns how many people it rewrote. Two names that differ only in capitals SQLite didn't know ("ÉMILE",
/// "Émile") or in how an accent was encoded can't share a key: the later is left without one
/// (it can't sign in by name) and the log says what to do.
pub fn seal_names(db: &dyn Db) -> Result<usize> {
    let mut sealed = 0;
    for row in &db.query(UNSEALED, &[])? {
        let (id, already_sealed) = (parse_id(row.text(0)?), row.bool(3)?);
        // Plain, as stored before, or opened.
        let as_stored = |stored: Stored<'_>| match (already_sealed, stored) {
            (false, Stored::Text(plain)) => Ok(plain.to_owned()),
            (_, stored) => open_name(db, id, stored),
        };
        let name = row.opt_stored(1)?.map(as_stored).transpose()?;
        let display_name = as_stored(row.stored(2)?)?;
        let mut key = name.as_deref().map(|n| name_hash(db, n));
        if let Some(k) = &key
            && db
                .query_opt(
                    "SELECT 1 FROM people WHERE sign_in_key = ?1 AND id != ?2",
                    &[k.into(), id.to_string().into()],
                )?
                .is_some()
        {
            tracing::error!(
                person = %id,
                "two people's sign-in names differ only in capitals or in how their letters are encoded, \
                 so this person can't sign in by name: give a young person a new invite code (they choose \
                 a name when they join with it); add a member of staff again under another name"
            );
            key = None;
            if already_sealed {
                // Kept without a key at an earlier start: said again, nothing to rewrite.
                continue;
            }
        }
        db.execute(
            "UPDATE people SET name = ?2, display_name = ?3, sign_in_key = ?4, names_sealed = TRUE WHERE id = ?1",
            &[
                id.to_string().into(),
                name.as_deref().map(|n| sealed_name(db, id, n)).transpose()?.unwrap_or(Value::Null),
                sealed_name(db, id, &display_name)?,
                key.into(),
            ],
        )?;
        sealed += 1;
    }
    Ok(sealed)
}

/// Whoever signs in as `name`, however it is capitalised or encoded: looked for under the
/// current data key, then under any older one still loaded (a rotation under way).
pub fn by_name(conn: &dyn Db, name: &str) -> Result<Option<Person>> {
    for key in conn.keyring().name_keys(&sign_in_key(name)) {
        if let Some(row) = conn.query_opt(BY_NAME, &[key.into()])? {
            return person_from_row(conn, &row).map(Some);
        }
    }
    Ok(None)
}

pub fn by_id(conn: &dyn Db, id: PersonId) -> Result<Option<Person>> {
    conn.query_opt(BY_ID, &[id.to_string().into()])?.as_ref().map(|r| person_from_row(conn, r)).transpose()
}

pub fn list(conn: &dyn Db) -> Result<Vec<Person>> {
    conn.query(ALL, &[])?.iter().map(|r| person_from_row(conn, r)).collect()
}

/// Deactivates or reactivates someone at `at`; false if there is no such person.
pub fn set_active(conn: &dyn Db, id: PersonId, active: bool, at: i64) -> Result<bool> {
    let n = if active {
        conn.execute(
            "UPDATE people SET deactivated_at = NULL, reactivated_at = ?2 WHERE id = ?1",
            &[id.to_string().into(), at.into()],
        )?
    } else {
        conn.execute("UPDATE people SET deactivated_at = ?2 WHERE id = ?1", &[id.to_string().into(), at.into()])?
    };
    Ok(n > 0)
}

/// A new password of their own: the first one an admin set no longer has to be changed.
pub fn set_password(conn: &dyn Db, id: PersonId, secret_hash: &str, now: i64) -> Result<()> {
    conn.execute(
        "UPDATE people SET secret_hash = ?2, must_change_password = FALSE, secret_set_at = ?3 WHERE id = ?1",
        &[id.to_string().into(), secret_hash.into(), now.into()],
    )?;
    Ok(())
}

/// Stands in for a password or PIN that no longer works. Not a hash, so nothing matches it;
/// checking against it takes as long as a real check (see `passwords::verify`).
const SUPERSEDED: &str = "superseded";

/// Their password or PIN stops working, and every session of theirs ends: a database restored
/// from a copy holds one they had replaced (perhaps because someone else knew it). False if it
/// had already stopped.
pub fn supersede_secret(conn: &dyn Db, id: PersonId, now: i64) -> Result<bool> {
    let changed = conn.execute(
        "UPDATE people SET secret_hash = ?2 WHERE id = ?1 AND secret_hash != ?2",
        &[id.to_string().into(), SUPERSEDED.into()],
    )?;
    if changed > 0 {
        revoke_all(conn, id, now)?;
    }
    Ok(changed > 0)
}

/// Marks that the person's current password was set by an admin.
pub fn require_password_change(conn: &dyn Db, id: PersonId) -> Result<()> {
    conn.execute("UPDATE people SET must_change_password = TRUE WHERE id = ?1", &[id.to_string().into()])?;
    Ok(())
}

/// The key worker told when a young person with no key worker says they don't feel safe.
pub fn duty_worker(conn: &dyn Db) -> Result<Option<PersonId>> {
    let row = conn.query_opt("SELECT duty_worker_id FROM service_settings WHERE id = 1", &[])?;
    Ok(row.and_then(|r| r.opt_text(0).ok().flatten().map(parse_id)))
}

pub fn set_duty_worker(conn: &dyn Db, worker: Option<PersonId>) -> Result<()> {
    conn.execute(
        "UPDATE service_settings SET duty_worker_id = ?1 WHERE id = 1",
        &[worker.map(|w| w.to_string()).into()],
    )?;
    Ok(())
}

pub fn set_credentials(conn: &dyn Db, id: PersonId, name: &str, secret_hash: &str, now: i64) -> Result<()> {
    conn.execute(
        "UPDATE people SET name = ?2, secret_hash = ?3, display_name = ?4, secret_set_at = ?5, sign_in_key = ?6 WHERE id = ?1",
        &[
            id.to_string().into(),
            sealed_name(conn, id, name)?,
            secret_hash.into(),
            sealed_name(conn, id, name)?,
            now.into(),
            name_hash(conn, name).into(),
        ],
    )?;
    Ok(())
}

/// The name others see, and (if given) a new name to sign in with, both as checked.
pub fn set_names(conn: &dyn Db, id: PersonId, display_name: &str, name: Option<&str>) -> Result<()> {
    conn.execute(
        "UPDATE people SET display_name = ?2 WHERE id = ?1",
        &[id.to_string().into(), sealed_name(conn, id, display_name)?],
    )?;
    if let Some(name) = name {
        conn.execute(
            "UPDATE people SET name = ?2, sign_in_key = ?3 WHERE id = ?1",
            &[id.to_string().into(), sealed_name(conn, id, name)?, name_hash(conn, name).into()],
        )?;
    }
    Ok(())
}

/// Failed sign-ins in a row for a name (known or not) and until when it is locked.
pub fn signin_attempts(conn: &dyn Db, name_hash: &str) -> Result<(i64, i64)> {
    let row =
        conn.query_opt("SELECT failures, locked_until FROM signin_attempts WHERE name_hash = ?1", &[name_hash.into()])?;
    row.map_or(Ok((0, 0)), |r| Ok((r.int(0)?, r.int(1)?)))
}

/// Counts a failed sign-in for a name; locks it for `lock_ms` once `limit` failures have built up.
pub fn record_failed_signin(conn: &dyn Db, name_hash: &str, now: i64, limit: i64, lock_ms: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO signin_attempts (name_hash, failures, locked_until, last_failure_at) VALUES (?1, 1, ?4, ?5)
         ON CONFLICT (name_hash) DO UPDATE SET
             failures = signin_attempts.failures + 1,
             locked_until = CASE WHEN signin_attempts.failures + 1 >= ?2 THEN ?3 ELSE signin_attempts.locked_until END,
             last_failure_at = ?5",
        &[
            name_hash.into(),
            limit.into(),
            (now + lock_ms).into(),
            (if limit <= 1 { now + lock_ms } else { 0 }).into(),
            now.into(),
        ],
    )?;
    Ok(())
}

pub fn clear_failed_signins(conn: &dyn Db, name_hash: &str) -> Result<()> {
    conn.execute("DELETE FROM signin_attempts WHERE name_hash = ?1", &[name_hash.into()])?;
    Ok(())
}

pub fn assign(conn: &dyn Db, worker: PersonId, young_person: PersonId, now: i64) -> Result<()> {
    let (w, y) = (worker.to_string(), young_person.to_string());
    conn.execute(
        "INSERT INTO assignments (worker_id, young_person_id, since) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
        &[(&w).into(), (&y).into(), now.into()],
    )?;
    conn.execute(
        "DELETE FROM former_assignments WHERE worker_id = ?1 AND young_person_id = ?2",
        &[w.into(), y.into()],
    )?;
    Ok(())
}

/// Ends an assignment; false if there was none.
pub fn unassign(conn: &dyn Db, worker: PersonId, young_person: PersonId, now: i64) -> Result<bool> {
    let (w, y) = (worker.to_string(), young_person.to_string());
    let ended = conn.execute(
        "DELETE FROM assignments WHERE worker_id = ?1 AND young_person_id = ?2",
        &[(&w).into(), (&y).into()],
    )?;
    if ended == 0 {
        return Ok(false);
    }
    conn.execute(
        "INSERT INTO former_assignments (worker_id, young_person_id, ended_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (worker_id, young_person_id) DO UPDATE SET ended_at = excluded.ended_at",
        &[w.into(), y.into(), now.into()],
    )?;
    Ok(true)
}

/// When the assignment began, if there is one.
pub fn assigned_since(conn: &dyn Db, worker: PersonId, young_person: PersonId) -> Result<Option<i64>> {
    let sql = "SELECT since FROM assignments WHERE worker_id = ?1 AND young_person_id = ?2";
    time_of_pair(conn, sql, worker, young_person)
}

/// When the worker last stopped working with the young person, if ever.
pub fn assignment_ended_at(conn: &dyn Db, worker: PersonId, young_person: PersonId) -> Result<Option<i64>> {
    let sql = "SELECT ended_at FROM former_assignments WHERE worker_id = ?1 AND young_person_id = ?2";
    time_of_pair(conn, sql, worker, young_person)
}

pub fn is_assigned(conn: &dyn Db, worker: PersonId, young_person: PersonId) -> Result<bool> {
    Ok(assigned_since(conn, worker, young_person)?.is_some())
}

fn time_of_pair(conn: &dyn Db, sql: &str, worker: PersonId, young_person: PersonId) -> Result<Option<i64>> {
    let row = conn.query_opt(sql, &[worker.to_string().into(), young_person.to_string().into()])?;
    row.map(|r| r.int(0)).transpose()
}

/// (id, display name) of the workers assigned to a young person, in order of their names.
pub fn workers_of(conn: &dyn Db, young_person: PersonId) -> Result<Vec<(PersonId, String)>> {
    let mut workers = conn
        .query(
            "SELECT p.id, p.display_name FROM assignments a JOIN people p ON p.id = a.worker_id
             WHERE a.young_person_id = ?1",
            &[young_person.to_string().into()],
        )?
        .iter()
        .map(|row| Ok((parse_id(row.text(0)?), name_in(conn, row, 0, 1)?)))
        .collect::<Result<Vec<_>>>()?;
    in_name_order(&mut workers, |(id, name)| (name.as_str(), *id));
    Ok(workers)
}

/// One young person in a key worker's caseload.
pub struct CaseloadEntry {
    pub id: PersonId,
    pub display_name: String,
    /// False while their invite is unused.
    pub joined: bool,
    /// When the service closed their case (unix ms), if it has.
    pub case_closed_at: Option<i64>,
    /// The latest change the worker had seen when they last looked at their page (unix ms).
    pub looked_at: Option<i64>,
}

/// The young people assigned to a worker, in order of their names. (Someone invited has no
/// sign-in name until they use their code.)
pub fn caseload_of(conn: &dyn Db, worker: PersonId) -> Result<Vec<CaseloadEntry>> {
    let mut caseload = conn
        .query(
            "SELECT p.id, p.display_name, p.name IS NOT NULL, p.case_closed_at, a.looked_at
             FROM assignments a JOIN people p ON p.id = a.young_person_id
             WHERE a.worker_id = ?1",
            &[worker.to_string().into()],
        )?
        .iter()
        .map(|row| {
            Ok(CaseloadEntry {
                id: parse_id(row.text(0)?),
                display_name: name_in(conn, row, 0, 1)?,
                joined: row.bool(2)?,
                case_closed_at: row.opt_int(3)?,
                looked_at: row.opt_int(4)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    in_name_order(&mut caseload, |e| (e.display_name.as_str(), e.id));
    Ok(caseload)
}

/// Notes that `worker` has seen `young_person`'s things up to changes made at `at` (unix ms); an
/// earlier look, from a device that was offline, never takes a later one back. False if they
/// don't work with them.
pub fn mark_looked(conn: &dyn Db, worker: PersonId, young_person: PersonId, at: i64) -> Result<bool> {
    let marked = conn.execute(
        "UPDATE assignments SET looked_at = CASE WHEN looked_at IS NULL OR looked_at < ?3 THEN ?3 ELSE looked_at END
         WHERE worker_id = ?1 AND young_person_id = ?2",
        &[worker.to_string().into(), young_person.to_string().into(), at.into()],
    )?;
    Ok(marked > 0)
}

pub fn create_invite(
    conn: &dyn Db,
    code_hash: &str,
    young_person: PersonId,
    by: PersonId,
    expires_at: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO invites (code_hash, young_person_id, created_by, expires_at) VALUES (?1, ?2, ?3, ?4)",
        &[code_hash.into(), young_person.to_string().into(), by.to_string().into(), expires_at.into()],
    )?;
    Ok(())
}

/// Whether a code is one that would work now (unused, unexpired), without spending it.
pub fn invite_usable(conn: &dyn Db, code_hash: &str, now: i64) -> Result<bool> {
    Ok(conn
        .query_opt(
            "SELECT 1 FROM invites WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
            &[code_hash.into(), now.into()],
        )?
        .is_some())
}

/// Spends an unused, unexpired invite and retires their other codes; returns the young person it was for.
pub fn take_invite(conn: &dyn Db, code_hash: &str, now: i64) -> Result<Option<PersonId>> {
    let row = conn.query_opt(
        "UPDATE invites SET used_at = ?2 WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2
         RETURNING young_person_id",
        &[code_hash.into(), now.into()],
    )?;
    let Some(row) = row else { return Ok(None) };
    let young_person = parse_id(row.text(0)?);
    // Any other code for them (an older card) stops working once one is used.
    super::invites::retire_codes(conn, young_person, now)?;
    Ok(Some(young_person))
}

/// Where a session is: the device's own random id, what kind of device it said it was, and the
/// registered shared tablet it is, if it is one.
pub struct SessionDevice<'a> {
    pub id: &'a str,
    pub kind: Option<&'a str>,
    pub tablet: Option<&'a str>,
}

/// A new session for `person` on `device`.
pub fn create_session(conn: &dyn Db, person: PersonId, device: SessionDevice, now: i64) -> Result<String> {
    let id = Uuid::now_v7().to_string();
    conn.execute(
        "INSERT INTO sessions (id, person_id, device_id, created_at, tablet_id, device_kind) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        &[(&id).into(), person.to_string().into(), device.id.into(), now.into(), device.tablet.into(), device.kind.into()],
    )?;
    Ok(id)
}

/// A session that has not ended (as an admin's list of someone's devices shows it).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct LiveSession {
    pub id: String,
    /// The random id the device gave itself (the first part is enough to tell devices apart).
    pub device: String,
    /// What kind of device it said it was at sign-in ("Android phone (Chrome)"), if it said.
    pub device_kind: Option<String>,
    /// A shared tablet's name, if it is a registered one.
    pub tablet: Option<String>,
    /// Unix ms.
    pub started_at: i64,
    /// When it last renewed its sign-in (unix ms); at most one access-token lifetime ago if in use.
    pub last_seen_at: Option<i64>,
}
/// A young person, and their key workers: (id, name, [(worker id, worker name)]).
pub type AssignedRow = (PersonId, String, Vec<(PersonId, String)>);

/// A session `s` that has not ended and can still be used: its last access token is still good
/// (issued after `?3`), or it can still renew it. One left unused past its refresh token's life
/// is over in all but name, and shows nowhere as signed in.
const USABLE: &str = "s.revoked_at IS NULL
    AND (coalesce(s.last_seen_at, s.created_at) > ?3
         OR EXISTS (SELECT 1 FROM refresh_tokens rt WHERE rt.session_id = s.id AND rt.used_at IS NULL AND rt.expires_at > ?2))";

/// When a session counts as signed in: `now`, and how long an access token lasts.
#[derive(Clone, Copy)]
pub struct SignedInAt {
    pub now: i64,
    pub access_ms: i64,
}

/// The sessions of `person` that can still be used, most recently seen first (an admin's view of
/// someone's devices, and a person's own).
pub fn live_sessions(conn: &dyn Db, person: PersonId, at: SignedInAt) -> Result<Vec<LiveSession>> {
    conn.query(
        &format!(
            "SELECT s.id, s.device_id, t.name, s.created_at, s.last_seen_at, s.device_kind FROM sessions s
             LEFT JOIN tablets t ON t.id = s.tablet_id WHERE s.person_id = ?1 AND {USABLE}
             ORDER BY coalesce(s.last_seen_at, s.created_at) DESC"
        ),
        &[person.to_string().into(), at.now.into(), (at.now - at.access_ms).into()],
    )?
    .iter()
    .map(|r| {
        Ok(LiveSession {
            id: r.string(0)?,
            device: r.string(1)?,
            tablet: r.opt_text(2)?.map(str::to_owned),
            started_at: r.int(3)?,
            last_seen_at: r.opt_int(4)?,
            device_kind: r.opt_text(5)?.map(str::to_owned),
        })
    })
    .collect()
}

/// Young people who share at least one thing with the team, for drop-in staff, in order of
/// their names.
pub fn sharing_with_team(conn: &dyn Db, staff: PersonId) -> Result<Vec<TeamEntry>> {
    let mut team = conn
        .query(
            "SELECT p.id, p.display_name, l.looked_at FROM people p
             LEFT JOIN team_looks l ON l.young_person_id = p.id AND l.staff_id = ?1
             WHERE EXISTS (SELECT 1 FROM records r WHERE r.owner_id = p.id AND r.visibility = 'team' AND NOT r.deleted)",
            &[staff.to_string().into()],
        )?
        .iter()
        .map(|row| {
            Ok(TeamEntry { id: parse_id(row.text(0)?), display_name: name_in(conn, row, 0, 1)?, looked_at: row.opt_int(2)? })
        })
        .collect::<Result<Vec<_>>>()?;
    in_name_order(&mut team, |e| (e.display_name.as_str(), e.id));
    Ok(team)
}

/// One young person who shares something with the team, as a drop-in staff member sees them.
pub struct TeamEntry {
    pub id: PersonId,
    pub display_name: String,
    /// The latest change this staff member had seen when they last looked at their page (unix ms).
    pub looked_at: Option<i64>,
}

/// Notes that drop-in staff member `staff` has seen what `young_person` shares with the team up
/// to changes made at `at` (unix ms), as `mark_looked` does for a key worker. False if they
/// share nothing with the team.
pub fn mark_team_looked(conn: &dyn Db, staff: PersonId, young_person: PersonId, at: i64) -> Result<bool> {
    let shares = conn.query_opt(
        "SELECT 1 FROM records WHERE owner_id = ?1 AND visibility = 'team' AND NOT deleted LIMIT 1",
        &[young_person.to_string().into()],
    )?;
    if shares.is_none() {
        return Ok(false);
    }
    conn.execute(
        "INSERT INTO team_looks (staff_id, young_person_id, looked_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (staff_id, young_person_id) DO UPDATE SET looked_at =
            CASE WHEN team_looks.looked_at < excluded.looked_at THEN excluded.looked_at ELSE team_looks.looked_at END",
        &[staff.to_string().into(), young_person.to_string().into(), at.into()],
    )?;
    Ok(true)
}

/// Every young person with the key workers assigned to them, for admins, in order of their
/// names (and each one's workers in order of theirs).
pub fn assignment_table(conn: &dyn Db) -> Result<Vec<AssignedRow>> {
    let rows = conn.query(
        "SELECT y.id, y.display_name, w.id, w.display_name FROM people y
         LEFT JOIN assignments a ON a.young_person_id = y.id LEFT JOIN people w ON w.id = a.worker_id
         WHERE y.role = 'young_person' ORDER BY y.id",
        &[],
    )?;
    let mut table: Vec<AssignedRow> = Vec::new();
    for r in &rows {
        let id = parse_id(r.text(0)?);
        if table.last().is_none_or(|(last, _, _)| *last != id) {
            table.push((id, name_in(conn, r, 0, 1)?, Vec::new()));
        }
        if let Some(w) = r.opt_text(2)? {
            let worker = (parse_id(w), name_in(conn, r, 2, 3)?);
            table.last_mut().expect("pushed above").2.push(worker);
        }
    }
    in_name_order(&mut table, |(id, name, _)| (name.as_str(), *id));
    for (_, _, workers) in &mut table {
        in_name_order(workers, |(id, name)| (name.as_str(), *id));
    }
    Ok(table)
}

/// Ends one session of `person`; false if it isn't theirs or already ended.
pub fn end_session(conn: &dyn Db, person: PersonId, session: &str, now: i64) -> Result<bool> {
    let n = conn.execute(
        "UPDATE sessions SET revoked_at = ?3 WHERE id = ?2 AND person_id = ?1 AND revoked_at IS NULL",
        &[person.to_string().into(), session.into(), now.into()],
    )?;
    Ok(n > 0)
}

/// Every session not ended: its person, and when it began.
pub fn every_live_session(conn: &dyn Db) -> Result<HashMap<String, (PersonId, i64)>> {
    let rows = conn.query("SELECT id, person_id, created_at FROM sessions WHERE revoked_at IS NULL", &[])?;
    rows.iter().map(|r| Ok((r.string(0)?, (parse_id(r.text(1)?), r.int(2)?)))).collect()
}

/// Every key worker and young person working together now, and since when; and those who did
/// once, and when that ended.
pub type Pairs = HashMap<(PersonId, PersonId), i64>;

pub fn assignment_times(conn: &dyn Db) -> Result<(Pairs, Pairs)> {
    let pairs = |sql: &str| -> Result<Pairs> {
        let rows = conn.query(sql, &[])?;
        rows.iter().map(|r| Ok(((parse_id(r.text(0)?), parse_id(r.text(1)?)), r.int(2)?))).collect()
    };
    Ok((
        pairs("SELECT worker_id, young_person_id, since FROM assignments")?,
        pairs("SELECT worker_id, young_person_id, ended_at FROM former_assignments")?,
    ))
}

/// Ends every session of `person` begun before `at` (and their access tokens, as `revoke_all`);
/// false if none was left to end.
pub fn end_sessions_begun_by(conn: &dyn Db, person: PersonId, at: i64, now: i64) -> Result<bool> {
    let ended = conn.execute(
        "UPDATE sessions SET revoked_at = ?3 WHERE person_id = ?1 AND created_at < ?2 AND revoked_at IS NULL",
        &[person.to_string().into(), at.into(), now.into()],
    )?;
    if ended > 0 {
        conn.execute(
            "UPDATE people SET token_version = token_version + 1 WHERE id = ?1",
            &[person.to_string().into()],
        )?;
    }
    Ok(ended > 0)
}

/// Keeps a new refresh token of `session` and notes the session was seen `now`.
pub fn store_refresh_token(conn: &dyn Db, token_hash: &str, session: &str, now: i64, expires_at: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO refresh_tokens (token_hash, session_id, expires_at) VALUES (?1, ?2, ?3)",
        &[token_hash.into(), session.into(), expires_at.into()],
    )?;
    conn.execute("UPDATE sessions SET last_seen_at = ?2 WHERE id = ?1", &[session.into(), now.into()])?;
    conn.execute(
        "UPDATE people SET last_active_at = ?2 WHERE id = (SELECT person_id FROM sessions WHERE id = ?1)",
        &[session.into(), now.into()],
    )?;
    Ok(())
}

/// Staff: (when they were added, when they last used Tandem, if they have), by person.
pub fn staff_activity(conn: &dyn Db) -> Result<HashMap<PersonId, (i64, Option<i64>)>> {
    conn.query("SELECT id, created_at, last_active_at FROM people WHERE role <> 'young_person'", &[])?
        .iter()
        .map(|r| Ok((parse_id(r.text(0)?), (r.int(1)?, r.opt_int(2)?))))
        .collect()
}

pub enum RefreshUse {
    /// Valid and now spent: (session, person).
    Fresh(String, PersonId),
    /// Already spent: someone is replaying it. The session is revoked: the session's id if this
    /// use ended it (not if it had ended already).
    Reused(Option<String>),
    /// Unknown, expired, or its session was ended.
    Invalid,
}

/// How long after a refresh token is spent it may be presented again as a retry: the answer to a
/// refresh can be lost on the way back (a phone on a bus losing signal), and the phone then tries
/// again with the token it still holds. Industry practice is 10–60 s (Okta's grace period,
/// Auth0's reuse interval, Supabase's reuse interval).
pub const REFRESH_RETRY_GRACE_MS: i64 = 60_000;

/// Spends a refresh token. Re-use of a spent token revokes its whole session (the family), with
/// one exception: presented again within [`REFRESH_RETRY_GRACE_MS`] of being spent while the
/// token it was exchanged for has not been used, it is a retry whose answer was lost. That unused
/// successor is then withdrawn (marked spent at time 0, so presenting it later is re-use) and a
/// new pair issued. A thief racing the phone is still caught: whichever of them holds the
/// withdrawn or spent token ends the session at its next refresh.
///
/// The token's row is locked as it is read, so two replicas given the same token at once take
/// turns: one spends it, the other sees it spent (and, within the grace, withdraws the first
/// answer's token as for any retry; whoever holds that one ends the session when they use it).
pub fn spend_refresh_token(conn: &dyn Db, token_hash: &str, now: i64) -> Result<RefreshUse> {
    let row = conn.query_opt(
        "SELECT t.session_id, t.expires_at, t.used_at, s.person_id, s.revoked_at
         FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.token_hash = ?1 FOR UPDATE",
        &[token_hash.into()],
    )?;
    let Some(row) = row else {
        return Ok(RefreshUse::Invalid);
    };
    let session = row.string(0)?;
    if let Some(spent_at) = row.opt_int(2)? {
        let live = row.opt_int(4)?.is_none() && row.int(1)? > now;
        if live && now - spent_at <= REFRESH_RETRY_GRACE_MS {
            // Its successor is the session's unused token, provided no token of the session was
            // spent after this one (else the phone has moved on and this is a replay).
            let withdrawn = conn.execute(
                "UPDATE refresh_tokens SET used_at = 0
                 WHERE session_id = ?1 AND used_at IS NULL AND expires_at > ?2
                   AND NOT EXISTS (SELECT 1 FROM refresh_tokens o
                                   WHERE o.session_id = ?1 AND o.used_at >= ?3 AND o.token_hash != ?4)",
                &[session.as_str().into(), now.into(), spent_at.into(), token_hash.into()],
            )?;
            if withdrawn == 1 {
                return Ok(RefreshUse::Fresh(session, parse_id(row.text(3)?)));
            }
        }
        let ended = revoke_session(conn, &session, now)?;
        return Ok(RefreshUse::Reused(ended.then_some(session)));
    }
    if row.opt_int(4)?.is_some() || row.int(1)? <= now {
        return Ok(RefreshUse::Invalid);
    }
    conn.execute("UPDATE refresh_tokens SET used_at = ?2 WHERE token_hash = ?1", &[token_hash.into(), now.into()])?;
    Ok(RefreshUse::Fresh(session, parse_id(row.text(3)?)))
}

/// Ends a session; false if it had ended already.
pub fn revoke_session(conn: &dyn Db, session: &str, now: i64) -> Result<bool> {
    let ended = conn.execute(
        "UPDATE sessions SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        &[session.into(), now.into()],
    )?;
    Ok(ended > 0)
}

/// Whether a refresh token had expired by `now` (read first, so a quiet server writes nothing).
pub fn has_expired_refresh_tokens(conn: &dyn Db, now: i64) -> Result<bool> {
    Ok(conn.query_opt("SELECT 1 FROM refresh_tokens WHERE expires_at <= ?1 LIMIT 1", &[now.into()])?.is_some())
}

/// Forgets refresh tokens that expired by `now`: each renewal adds one (a phone, every quarter of
/// an hour it is in use), and past its life a token signs nobody in and proves no theft. A
/// session left with none is over and listed nowhere, so it goes too, unless it is the last one
/// seen on a shared tablet (the tablet's "last used"). Returns (tokens, sessions) forgotten.
pub fn forget_expired_sign_ins(conn: &dyn Db, now: i64) -> Result<(u64, u64)> {
    let ended: Vec<String> = conn
        .query("SELECT DISTINCT session_id FROM refresh_tokens WHERE expires_at <= ?1", &[now.into()])?
        .iter()
        .map(|r| r.string(0))
        .collect::<Result<_>>()?;
    let tokens = conn.execute("DELETE FROM refresh_tokens WHERE expires_at <= ?1", &[now.into()])?;
    let mut sessions = 0;
    for session in &ended {
        sessions += conn.execute(
            "DELETE FROM sessions WHERE id = ?1
               AND NOT EXISTS (SELECT 1 FROM refresh_tokens rt WHERE rt.session_id = sessions.id)
               AND (tablet_id IS NULL OR last_seen_at IS NULL
                    OR last_seen_at < (SELECT max(o.last_seen_at) FROM sessions o WHERE o.tablet_id = sessions.tablet_id))",
            &[session.as_str().into()],
        )?;
    }
    Ok((tokens, sessions))
}

/// Ends every session of a person at once: revokes them and bumps the token version, so
/// access tokens already handed out stop working too.
pub fn revoke_all(conn: &dyn Db, person: PersonId, now: i64) -> Result<()> {
    conn.execute(
        "UPDATE sessions SET revoked_at = ?2 WHERE person_id = ?1 AND revoked_at IS NULL",
        &[person.to_string().into(), now.into()],
    )?;
    conn.execute("UPDATE people SET token_version = token_version + 1 WHERE id = ?1", &[person.to_string().into()])?;
    Ok(())
}

/// What a live session must do before anything else, if anything.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SessionState {
    /// Signed in with a first password an admin set: choosing their own comes first.
    pub must_change_password: bool,
    /// A staff member the service asks for two-step sign-in, signed in without it: setting it
    /// up comes first (after their own password).
    pub must_set_up_two_step: bool,
}

/// Whether an access token's session and token version still stand (`None`: no), and if so
/// what it must do first. Two-step is worked out from the person and the service's setting, not
/// from `sessions.needs_two_step`, which nothing here reads: the column stays so a replica of
/// the version before, still running during a rolling upgrade, goes on working.
pub fn session_state(
    conn: &dyn Db,
    session: &str,
    person: PersonId,
    token_version: i64,
) -> Result<Option<SessionState>> {
    let found = conn.query_opt(
        "SELECT p.must_change_password,
                p.role <> 'young_person' AND p.two_step IS NULL
                  AND (SELECT staff_two_step FROM service_settings WHERE id = 1) AND NOT s.provider_second_step
         FROM sessions s JOIN people p ON p.id = s.person_id
         WHERE s.id = ?1 AND s.person_id = ?2 AND s.revoked_at IS NULL AND p.token_version = ?3
           AND p.deactivated_at IS NULL",
        &[session.into(), person.to_string().into(), token_version.into()],
    )?;
    found
        .map(|row| Ok(SessionState { must_change_password: row.bool(0)?, must_set_up_two_step: row.bool(1)? }))
        .transpose()
}

/// Failed sign-ins from one network address within a window, kept in the database so the
/// limit survives a restart and holds across replicas. `Some(seconds left)` once it is reached.
pub fn address_blocked(conn: &dyn Db, address: &str, limit: i64, window_ms: i64, now: i64) -> Result<Option<i64>> {
    let row = conn.query_opt(
        "SELECT failures, window_start FROM signin_failures WHERE address = ?1",
        &[address_key(conn, address).into()],
    )?;
    let Some(row) = row else { return Ok(None) };
    let (failures, since) = (row.int(0)?, row.int(1)?);
    let left = since + window_ms - now;
    Ok((failures >= limit && left > 0).then(|| (left / 1000).max(1)))
}

/// Failed sign-ins that no longer count: network addresses whose window ended before
/// `window_before` (an address is personal data), and names not locked now whose last failure
/// was before `name_before`.
const OLD_FAILURES: [&str; 2] = [
    "FROM signin_failures WHERE window_start <= ?1 AND CAST(?2 AS BIGINT) IS NOT NULL AND CAST(?3 AS BIGINT) IS NOT NULL",
    "FROM signin_attempts WHERE last_failure_at <= ?2 AND locked_until <= ?3 AND CAST(?1 AS BIGINT) IS NOT NULL",
];

/// Forgets the [`OLD_FAILURES`] as of `now`; returns how many rows went.
pub fn forget_old_sign_in_failures(conn: &dyn Db, (window_before, name_before, now): (i64, i64, i64)) -> Result<u64> {
    let mut gone = 0;
    for rows in OLD_FAILURES {
        gone += conn.execute(&format!("DELETE {rows}"), &[window_before.into(), name_before.into(), now.into()])?;
    }
    Ok(gone)
}

/// Whether [`forget_old_sign_in_failures`] would forget anything (read first, so a quiet server
/// writes nothing).
pub fn has_old_sign_in_failures(conn: &dyn Db, (window_before, name_before, now): (i64, i64, i64)) -> Result<bool> {
    for rows in OLD_FAILURES {
        let params = [window_before.into(), name_before.into(), now.into()];
        if conn.query_opt(&format!("SELECT 1 {rows} LIMIT 1"), &params)?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// What an address's failures are counted under: a hash keyed by the data key, as names are (an
/// address is personal data, and IPv4 has few enough to hash them all).
fn address_key(conn: &dyn Db, address: &str) -> String {
    conn.keyring().name_key(&format!("network address {address}"))
}

pub fn address_failed(conn: &dyn Db, address: &str, window_ms: i64, now: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO signin_failures (address, failures, window_start) VALUES (?1, 1, ?2)
         ON CONFLICT (address) DO UPDATE SET
             failures = CASE WHEN signin_failures.window_start <= ?3 THEN 1 ELSE signin_failures.failures + 1 END,
             window_start = CASE WHEN signin_failures.window_start <= ?3 THEN ?2 ELSE signin_failures.window_start END",
        &[address_key(conn, address).into(), now.into(), (now - window_ms).into()],
    )?;
    Ok(())
}
