//! Account management shared by the admin API and the admin command line.

use crate::auth::guessable::{Chooser, refuse_guessable};
use crate::auth::{check_name, check_secret, passwords, tokens};
use crate::error::{ApiError, Result};
use crate::ledger::Decision;
use crate::store::erasure::{self, Erased, Why};
use crate::store::sql::Db;
use crate::store::{audit, invites, notices, people, sync};
use tandem_shared::{PersonId, Role};

/// Staff passwords are longer than young people's PINs.
pub const STAFF_PASSWORD_MIN: usize = 10;
/// An invite code works once, for a week (a lost card is useless after that).
pub const INVITE_DAYS: i64 = 7;

/// A staff password that is long enough and hard to guess, hashed. Made before a write
/// transaction, so the password hash (a third of a second, on purpose) never holds up the writer.
pub struct StaffPassword(String);

impl StaffPassword {
    /// `about`: the names a guesser would try it with.
    pub fn new(password: &str, about: &[&str]) -> Result<StaffPassword> {
        Self::check(password, about)?;
        Self::hash_checked(password)
    }

    /// Hashes a password `check` has already passed (a list's lines are all checked before any
    /// is hashed).
    pub fn hash_checked(password: &str) -> Result<StaffPassword> {
        Ok(StaffPassword(passwords::hash(password)?))
    }

    /// What `new` refuses, without the hash: quick enough to tell of every line of a list.
    pub fn check(password: &str, about: &[&str]) -> Result<()> {
        check_secret(password, STAFF_PASSWORD_MIN)?;
        refuse_guessable(password, Chooser::Staff, about)
    }
}

pub fn create_staff(
    conn: &dyn Db,
    role: Role,
    name: &str,
    display_name: &str,
    password: &StaffPassword,
    now: i64,
) -> Result<PersonId> {
    let (name, display_name) = check_new_staff(role, name, display_name)?;
    if people::by_name(conn, &name)?.is_some() {
        return Err(ApiError::Conflict("that name is taken".into()));
    }
    people::create(conn, role, Some(&name), &display_name, Some(&password.0), now)
}

/// A new staff member's role and names, checked before anything is hashed or written: their
/// sign-in name and the name others see, as they are stored.
pub fn check_new_staff(role: Role, name: &str, display_name: &str) -> Result<(String, String)> {
    if role == Role::YoungPerson {
        return Err(ApiError::BadRequest("young people join with an invite code; create an invite instead".into()));
    }
    Ok((check_name(name)?, check_display_name(display_name)?))
}

/// The name others see, trimmed: what fits a list, a caseload and a notification.
pub fn check_display_name(display_name: &str) -> Result<String> {
    let display_name = display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > 60 {
        return Err(ApiError::BadRequest("give a name of 1 to 60 characters".into()));
    }
    Ok(display_name.to_owned())
}

/// What the audit log says of someone deactivated.
pub const DEACTIVATED_DETAIL: &str = "can't sign in; every session ended";

/// What the audit log says of a new first password (`unlinked`: as `new_staff_password` returns).
pub fn new_password_detail(unlinked: bool) -> String {
    let detail = "every session ended, two-step sign-in off; they choose their own password when they next sign in";
    if unlinked {
        format!(
            "{detail}; their organisation account unlinked (linked staff sign in only with it), so the password lets them in"
        )
    } else {
        detail.to_owned()
    }
}

/// What the ledger must keep of a new first password, so a restore from before can't undo it.
pub fn new_password_decisions(person: PersonId, unlinked: bool) -> Vec<crate::ledger::Decision> {
    use crate::ledger::Decision;
    let mut decisions = vec![Decision::NewSecret(person), Decision::SignedOutEverywhere(person)];
    if unlinked {
        decisions.push(Decision::SsoUnlinked(person));
    }
    decisions
}

/// A staff member forgot their password: an admin sets a first one again, which they must
/// change when they next sign in. Every session of theirs ends (whoever knew the old password is
/// out), and a lockout from their own wrong guesses is lifted. Two-step sign-in goes off too: the
/// usual reason is a lost phone, which held their authenticator app; they set it up again.
/// Young people get a new invite code instead, and choose their own PIN with it.
/// Where the service asks linked staff to sign in only with their organisation account, the
/// link goes too (true), or the new password would let nobody in: the usual reason is that the
/// organisation gave them a new account there, which Tandem doesn't know yet. They link it again.
pub fn new_staff_password(conn: &dyn Db, person: PersonId, password: &StaffPassword, now: i64) -> Result<bool> {
    let p = people::by_id(conn, person)?.ok_or(ApiError::NotFound("no such person"))?;
    if p.role == Role::YoungPerson {
        return Err(ApiError::BadRequest("young people choose their own PIN: make them a new invite code".into()));
    }
    if p.deactivated() {
        return Err(ApiError::BadRequest("they are deactivated: reactivate them first".into()));
    }
    people::set_password(conn, person, &password.0, now)?;
    people::require_password_change(conn, person)?;
    people::revoke_all(conn, person, now)?;
    crate::store::two_step::turn_off(conn, person)?;
    if let Some(name) = p.name.as_deref() {
        people::clear_failed_signins(conn, &people::name_hash(conn, name))?;
    }
    Ok(crate::store::sso::password_closed_to(conn, person, None)? && crate::store::sso::unlink(conn, person)?)
}

/// A young person who has not joined yet, with their first invite code and their key workers.
pub fn invite_young_person(
    conn: &dyn Db,
    display_name: &str,
    by: PersonId,
    workers: &[PersonId],
    now: i64,
) -> Result<(PersonId, String)> {
    let display_name = check_display_name(display_name)?;
    let id = people::create(conn, Role::YoungPerson, None, &display_name, None, now)?;
    for w in workers {
        assign(conn, *w, id, now)?;
    }
    let code = new_invite(conn, id, by, now)?;
    Ok((id, code))
}

pub fn new_invite(conn: &dyn Db, young_person: PersonId, by: PersonId, now: i64) -> Result<String> {
    // For someone who joined already, the code resets their PIN when they use it.
    match people::by_id(conn, young_person)? {
        Some(p) if p.role == Role::YoungPerson && p.deactivated() => {
            return Err(ApiError::BadRequest("they are deactivated: reactivate them first".into()));
        }
        Some(p) if p.role == Role::YoungPerson => {}
        _ => return Err(ApiError::NotFound("no young person with that id")),
    }
    // The newest code is the only one that works: an earlier one may be on a lost card.
    invites::retire_codes(conn, young_person, now)?;
    let code = tokens::new_invite_code();
    people::create_invite(conn, &tokens::hash_secret(&code), young_person, by, now + INVITE_DAYS * 86_400_000)?;
    Ok(code)
}

/// `assign` or `unassign`, with what the audit log and the ledger call it.
pub struct AssignmentChange {
    pub action: &'static str,
    pub apply: fn(&dyn Db, PersonId, PersonId, i64) -> Result<()>,
    pub decision: fn(PersonId, PersonId) -> Decision,
}

pub const ASSIGN: AssignmentChange = AssignmentChange {
    action: "assigned",
    apply: assign,
    decision: |worker, young_person| Decision::Assigned { worker, young_person },
};

pub const UNASSIGN: AssignmentChange = AssignmentChange {
    action: "ended an assignment",
    apply: unassign,
    decision: |worker, young_person| Decision::Unassigned { worker, young_person },
};

pub fn assign(conn: &dyn Db, worker: PersonId, young_person: PersonId, now: i64) -> Result<()> {
    let w = people::by_id(conn, worker)?.ok_or(ApiError::NotFound("no such worker"))?;
    let y = people::by_id(conn, young_person)?.ok_or(ApiError::NotFound("no such young person"))?;
    if w.role != Role::KeyWorker || y.role != Role::YoungPerson {
        return Err(ApiError::BadRequest("assign a key worker to a young person".into()));
    }
    // A worker who can't sign in can't answer the young person (or their safety alert).
    if w.deactivated() {
        return Err(ApiError::BadRequest("that key worker is deactivated: reactivate them first".into()));
    }
    people::assign(conn, worker, young_person, now)?;
    // The new worker's next pull brings what the young person already shared with workers.
    sync::touch_all_of(conn, young_person)
}

/// Ends a key worker's assignment. Their next pull removes the young person's records from
/// their devices, and nothing the young person writes afterwards reaches them.
pub fn unassign(conn: &dyn Db, worker: PersonId, young_person: PersonId, now: i64) -> Result<()> {
    if !people::unassign(conn, worker, young_person, now)? {
        return Err(ApiError::NotFound("that key worker isn't assigned to that young person"));
    }
    notices::forget_about(conn, worker, young_person)?;
    sync::touch_all_of(conn, young_person)
}

/// What deactivating `person` (already marked so) takes with it: every session, every unused
/// invite code, and, for a key worker, their assignments and being the duty worker. A worker
/// who can't sign in can't answer a safety alert: their young people's alerts go to the duty
/// worker instead (or the app says nobody can be told), and the admin sees them unassigned.
/// Returns the young people no longer theirs, for their open screens to be told.
pub fn deactivate(
    conn: &dyn Db,
    admin: Option<PersonId>,
    person: PersonId,
    now: i64,
    detail: &str,
) -> Result<Vec<PersonId>> {
    people::revoke_all(conn, person, now)?;
    invites::retire_codes(conn, person, now)?;
    let caseload: Vec<PersonId> = people::caseload_of(conn, person)?.into_iter().map(|p| p.id).collect();
    for young_person in &caseload {
        unassign(conn, person, *young_person, now)?;
        audit::append(
            conn,
            now,
            admin,
            "ended an assignment",
            Some(*young_person),
            "their key worker was deactivated",
        )?;
    }
    if people::duty_worker(conn)? == Some(person) {
        people::set_duty_worker(conn, None)?;
        audit::append(conn, now, admin, "named no duty worker", Some(person), "the duty worker was deactivated")?;
    }
    audit::append(conn, now, admin, "deactivated", Some(person), detail)?;
    Ok(caseload)
}

pub fn revoke(conn: &dyn Db, person: PersonId, now: i64) -> Result<()> {
    people::by_id(conn, person)?.ok_or(ApiError::NotFound("no such person"))?;
    people::revoke_all(conn, person, now)
}

/// Erases a young person and everything of theirs, and forgets failed sign-ins under their name.
/// `None` if there is no such young person (already erased).
pub fn erase_young_person(
    conn: &dyn Db,
    who: PersonId,
    actor: Option<PersonId>,
    why: Why,
    now: i64,
) -> Result<Option<Erased>> {
    let erased = erasure::erase(conn, who, actor, why, now)?;
    if let Some(name) = erased.as_ref().and_then(|e| e.name.as_deref()) {
        people::clear_failed_signins(conn, &people::name_hash(conn, name))?;
    }
    Ok(erased)
}

/// A young person asks to be erased after the cooling-off: every session ends now, and signing
/// in again before the day withdraws the request.
pub fn ask_to_be_erased(conn: &dyn Db, who: PersonId, now: i64) -> Result<()> {
    erasure::ask(conn, who, now)?;
    people::revoke_all(conn, who, now)?;
    audit::append(
        conn,
        now,
        Some(who),
        "asked to be erased",
        Some(who),
        "after the cooling-off, unless they sign in again",
    )
}

/// Closes or reopens a young person's case, for an admin.
pub fn set_case_closed(conn: &dyn Db, admin: PersonId, who: PersonId, closed: bool, now: i64) -> Result<()> {
    if !erasure::set_case_closed(conn, who, closed.then_some(now))? {
        return Err(ApiError::NotFound("no young person with that id"));
    }
    let (action, detail) = if closed {
        ("closed a case", "their data is erased when the retention period ends")
    } else {
        ("reopened a case", "no erasure is planned for the case")
    };
    audit::append(conn, now, Some(admin), action, Some(who), detail)
}
