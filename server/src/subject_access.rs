//! Everything Tandem holds about one person, as a plain-text file a service can read, check and
//! send to answer a subject access request (UK GDPR article 15): for a young person who can't
//! make their own copy in the app (a lost phone, a closed case), or a request made for them.
//! Made only at the server's command line (`tandem subject-access`), by whoever holds the data
//! key: admins never read a young person's words in the console. Each copy made is in the audit
//! log, and a young person sees it in their own "who has seen my things".

use crate::error::{ApiError, Result};
use crate::store::sql::Db;
use crate::store::{access_log, alerts, audit, people, sync, utc};
use std::collections::HashMap;
use std::fmt::Write;
use tandem_shared::{FieldName, FieldState, FieldValue, GoalStatus, NoticedBy, PersonId, Record, Role, Visibility};

/// What the audit log says of a copy made.
pub const AUDIT_ACTION: &str = "saved everything held about them (a subject access request)";

/// The copy of everything held about `person`, as the database holds it now. A young person's
/// own access log notes it (staff have no such log), so their "who has seen my things", and the
/// copy itself, say it was made.
pub fn make_copy(conn: &dyn Db, person: PersonId, now: i64) -> Result<String> {
    let who = people::by_id(conn, person)?.ok_or(ApiError::NotFound("nobody has that id"))?;
    // What they wrote themselves is said to be theirs, not under their name again and again.
    let mut names = Names { conn, known: HashMap::from([(person, "them".to_owned())]) };
    let mut out = String::new();
    let w = &mut out;
    line(w, format!("Everything Tandem holds about {}", who.display_name));
    line(w, format!("Made {}, for a subject access request. Times are UTC.", utc(now)));

    section(w, "About them");
    let account = conn.query_one(
        "SELECT created_at, case_closed_at, erasure_asked_at, last_active_at FROM people WHERE id = ?1",
        &[person.to_string().into()],
    )?;
    item(w, format!("Name others see: {}", who.display_name));
    item(w, format!("Sign-in name: {}", who.name.as_deref().unwrap_or("none yet (they have not joined)")));
    item(w, format!("Role: {}", role_words(who.role)));
    item(w, format!("Account made: {}", utc(account.int(0)?)));
    if let Some(at) = account.opt_int(3)? {
        item(w, format!("Last used Tandem (signed in, or renewed a sign-in): {}", utc(at)));
    }
    if let Some(at) = who.deactivated_at {
        item(w, format!("Deactivated: {}", utc(at)));
    }
    if let Some(at) = account.opt_int(1)? {
        item(w, format!("Case closed: {}", utc(at)));
    }
    if let Some(at) = account.opt_int(2)? {
        item(w, format!("Asked for their account to be deleted: {}", utc(at)));
    }
    item(w, format!("Two-step sign-in: {}", if who.two_step { "on" } else { "off" }));

    if who.role == Role::YoungPerson {
        section(w, "Their key workers");
        let now_theirs = conn.query(
            "SELECT worker_id, since FROM assignments WHERE young_person_id = ?1 ORDER BY since",
            &[person.to_string().into()],
        )?;
        for row in &now_theirs {
            item(w, format!("{}, since {}", names.of(people::parse_id(row.text(0)?))?, utc(row.int(1)?)));
        }
        let before = conn.query(
            "SELECT worker_id, ended_at FROM former_assignments WHERE young_person_id = ?1 ORDER BY ended_at",
            &[person.to_string().into()],
        )?;
        for row in &before {
            item(w, format!("{}, until {}", names.of(people::parse_id(row.text(0)?))?, utc(row.int(1)?)));
        }
        if now_theirs.is_empty() && before.is_empty() {
            item(w, "None.".into());
        }

        section(w, "Their goals, strengths and statements (including ones deleted but still held)");
        let ids = conn
            .query("SELECT id FROM records WHERE owner_id = ?1 ORDER BY changed_seq", &[person.to_string().into()])?;
        for row in &ids {
            let id = tandem_shared::RecordId(uuid::Uuid::parse_str(row.text(0)?).unwrap_or_default());
            if let Some(record) = sync::load_record(conn, id)? {
                write_record(w, &mut names, &record)?;
            }
        }
        if ids.is_empty() {
            item(w, "None.".into());
        }
        // Noted before their access log is read below, so this copy lists its own making.
        access_log::note_copy(conn, person, ids.len(), now)?;

        section(w, "\"I don't feel safe\" alerts");
        let raised = alerts::of_young_person(conn, person)?;
        for a in &raised {
            let seen = match (&a.seen_by_name, a.seen_at) {
                (Some(by), Some(at)) => format!("seen by {by} at {}", utc(at)),
                _ => "not seen yet".to_owned(),
            };
            let duty =
                a.escalated_at.map(|at| format!("; the duty worker was told at {}", utc(at))).unwrap_or_default();
            item(w, format!("Raised {}, received {}; {seen}{duty}", utc(a.raised_at), utc(a.received_at)));
        }
        if raised.is_empty() {
            item(w, "None.".into());
        }

        section(w, "Who has read or changed their things, or made a copy (their access log)");
        let looks = access_log::for_young_person(conn, person, i64::MAX)?;
        for e in &looks {
            let things =
                if e.records == 1 { "1 of their things".to_owned() } else { format!("{} of their things", e.records) };
            let line = match e.action.as_str() {
                "copy" => format!("the service made a copy of everything held about them ({things})"),
                "read" => format!("{} ({}) read {things}", e.who_name, e.role.replace('_', " ")),
                _ => format!("{} ({}) changed {things}", e.who_name, e.role.replace('_', " ")),
            };
            item(w, format!("{}: {line}", utc(e.at)));
        }
        if looks.is_empty() {
            item(w, "Nobody.".into());
        }
    }

    section(w, "Devices signed in as them (including sessions since ended)");
    let sessions = conn.query(
        "SELECT s.device_kind, t.name, s.created_at, s.last_seen_at, s.revoked_at FROM sessions s
         LEFT JOIN tablets t ON t.id = s.tablet_id WHERE s.person_id = ?1 ORDER BY s.created_at",
        &[person.to_string().into()],
    )?;
    for s in &sessions {
        let device = match (s.opt_text(1)?, s.opt_text(0)?) {
            (Some(tablet), _) => format!("the shared tablet {tablet}"),
            (None, Some(kind)) => kind.to_owned(),
            (None, None) => "a device".to_owned(),
        };
        let seen = s.opt_int(3)?.map(|at| format!(", last seen {}", utc(at))).unwrap_or_default();
        let ended = s.opt_int(4)?.map(|at| format!(", ended {}", utc(at))).unwrap_or_default();
        item(w, format!("{device}: signed in {}{seen}{ended}", utc(s.int(2)?)));
    }
    if sessions.is_empty() {
        item(w, "None.".into());
    }

    section(w, "The service's audit log: what was done by them or about them");
    let entries = audit::all(conn, Some(person))?;
    for e in &entries {
        let by =
            e.actor_name.as_deref().unwrap_or(if e.actor.is_some() { "someone since erased" } else { "the server" });
        let about = e.subject_name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
        let detail = if e.detail.is_empty() { String::new() } else { format!(": {}", e.detail) };
        item(w, format!("{}: {by}, {}{about}{detail}", utc(e.at), e.action));
    }
    if entries.is_empty() {
        item(w, "Nothing.".into());
    }
    Ok(out)
}

/// People's names, each read once (a long log names the same few workers again and again).
struct Names<'a> {
    conn: &'a dyn Db,
    known: HashMap<PersonId, String>,
}

impl Names<'_> {
    fn of(&mut self, id: PersonId) -> Result<String> {
        if let Some(name) = self.known.get(&id) {
            return Ok(name.clone());
        }
        let name = match people::by_id(self.conn, id)? {
            Some(p) => format!("{} ({})", p.display_name, role_words(p.role)),
            None => "someone since erased".to_owned(),
        };
        self.known.insert(id, name.clone());
        Ok(name)
    }
}

fn write_record(w: &mut String, names: &mut Names<'_>, record: &Record) -> Result<()> {
    let kind = match record.kind {
        tandem_shared::RecordKind::Goal => "A goal",
        tandem_shared::RecordKind::Strength => "A strength",
        tandem_shared::RecordKind::Statement => "A \"what I want you to know\" statement",
    };
    let made_by = names.of(record.created_by.person)?;
    let deleted = match record.fields.get(&FieldName::Deleted) {
        Some(FieldState { value: FieldValue::Deleted(true), stamp, .. }) => {
            format!("; deleted {} (held until their data is erased)", utc(stamp.hlc.ms as i64))
        }
        _ => String::new(),
    };
    line(w, format!("  {kind}, made {} by {made_by}{deleted}", utc(record.created.hlc.ms as i64)));
    let visibility = match record.fields.get(&FieldName::Visibility).map(|f| &f.value) {
        Some(FieldValue::Visibility(v)) => *v,
        _ => Visibility::Private,
    };
    line(w, format!("    Who can see it: {}", visibility_words(visibility)));
    let made_for_them = record.created_by.person != record.owner;
    let said = |state: &&FieldState| match &state.value {
        FieldValue::Visibility(_) | FieldValue::Deleted(_) => false,
        FieldValue::Accepted(_) => made_for_them,
        FieldValue::Steps(steps) => !steps.is_empty(),
        FieldValue::Ratings(ratings) => !ratings.is_empty(),
        FieldValue::Meeting(meeting) => meeting.is_some(),
        _ => true,
    };
    for state in record.fields.values().filter(said) {
        write_field(w, names, state, "")?;
    }
    for kept in &record.conflicts {
        write_field(w, names, kept, "kept (a version that lost to another), ")?;
    }
    line(w, String::new());
    Ok(())
}

fn write_field(w: &mut String, names: &mut Names<'_>, state: &FieldState, what: &str) -> Result<()> {
    let by = names.of(state.author.person)?;
    let set = format!("{what}{by}, {}", utc(state.stamp.hlc.ms as i64));
    let (field, value) = match &state.value {
        FieldValue::Title(t) => ("Title", t.clone()),
        FieldValue::Why(t) => ("Why it matters", t.clone()),
        FieldValue::Text(t) => ("Words", t.clone()),
        FieldValue::Steps(steps) => (
            "Steps",
            steps
                .iter()
                .map(|s| format!("[{}] {}", if s.done { "done" } else { "to do" }, s.text))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        FieldValue::Ratings(ratings) => {
            ("Ratings", ratings.iter().map(|r| format!("{}: {}/10", r.date, r.score)).collect::<Vec<_>>().join("; "))
        }
        FieldValue::Status(status) => ("Status", status_words(*status).to_owned()),
        FieldValue::NoticedBy(by) => ("Noticed by", noticed_words(*by).to_owned()),
        FieldValue::Meeting(meeting) => ("For the meeting", meeting.clone().unwrap_or_else(|| "none".to_owned())),
        FieldValue::Visibility(v) => ("Who can see it", visibility_words(*v).to_owned()),
        FieldValue::Deleted(deleted) => ("Deleted", if *deleted { "yes" } else { "no" }.to_owned()),
        FieldValue::Accepted(accepted) => ("Taken as theirs", if *accepted { "yes" } else { "not yet" }.to_owned()),
    };
    // Words over several lines stay under their field.
    line(w, format!("    {field} ({set}): {}", value.replace('\n', "\n      ")));
    Ok(())
}

fn section(w: &mut String, title: &str) {
    line(w, String::new());
    line(w, title.to_owned());
    line(w, "-".repeat(title.chars().count()));
}

fn item(w: &mut String, text: String) {
    line(w, format!("  {text}"));
}

fn line(w: &mut String, text: String) {
    let _ = writeln!(w, "{text}");
}

fn role_words(role: Role) -> &'static str {
    match role {
        Role::YoungPerson => "young person",
        Role::KeyWorker => "key worker",
        Role::DropInStaff => "drop-in staff",
        Role::Admin => "admin",
    }
}

fn visibility_words(v: Visibility) -> &'static str {
    match v {
        Visibility::Private => "only them",
        Visibility::Worker => "them and their key workers",
        Visibility::Team => "them, their key workers and the drop-in team",
    }
}

fn status_words(s: GoalStatus) -> &'static str {
    match s {
        GoalStatus::Active => "working on it",
        GoalStatus::Achieved => "done",
        GoalStatus::Paused => "paused",
        GoalStatus::LetGo => "let go",
    }
}

fn noticed_words(n: NoticedBy) -> &'static str {
    match n {
        NoticedBy::Me => "them",
        NoticedBy::MyWorker => "their worker",
        NoticedBy::SomeoneElse => "someone else",
    }
}
