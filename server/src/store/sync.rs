//! Sync storage: applying a device's batch of operations, and the paged change feed.

use super::access_log::{self, Action};
use super::encode;
use super::people;
use super::seal::Stored;
use super::sql::{Db, Row};
use crate::error::{ApiError, Result};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use tandem_shared::packed::{PackedPullResponse, Packer};
use tandem_shared::wire::{FieldResult, OpResult, OpStatus, Operation, PullResponse, PushRequest, PushResponse};
use tandem_shared::{
    Author, DeviceId, Hlc, Outcome, PersonId, Record, RecordId, RecordKind, Refusal, Role, Stamp, Visibility, merge,
};

/// Who is syncing.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub person: PersonId,
    pub role: Role,
}

/// Most changes in one operation (a record has 8 fields at most; room for repeats is not needed).
pub const MAX_CHANGES_PER_OP: usize = 16;

/// What a push did, for the caller and for live events.
pub struct PushOutcome {
    pub response: PushResponse,
    /// Young people whose records changed, the change number reached, and the widest
    /// audience any of those records ever had.
    pub changed: Vec<(PersonId, i64, Visibility)>,
}

fn vis_str(v: Visibility) -> &'static str {
    match v {
        Visibility::Private => "private",
        Visibility::Worker => "worker",
        Visibility::Team => "team",
    }
}

fn vis_from(s: &str) -> Visibility {
    match s {
        "worker" => Visibility::Worker,
        "team" => Visibility::Team,
        _ => Visibility::Private,
    }
}

fn kind_str(k: RecordKind) -> &'static str {
    tandem_shared::validate::kind_name(k)
}

/// Takes the next number of the change feed.
pub fn next_change(conn: &dyn Db) -> Result<i64> {
    conn.query_one("UPDATE change_seq SET value = value + 1 RETURNING value", &[])?.int(0)
}

pub fn current_change(conn: &dyn Db) -> Result<i64> {
    conn.query_one("SELECT value FROM change_seq", &[])?.int(0)
}

/// A record's change number while its transaction writes it, before the counter is locked: never
/// seen outside that transaction, which sets the real one before it commits.
const NOT_YET_NUMBERED: i64 = -1;

/// The change counter, locked until this transaction ends.
///
/// This lock is what keeps a pull from skipping a change on PostgreSQL: whoever takes change
/// numbers holds it until they commit, so transactions commit in the order of their numbers and
/// no snapshot can hold number 12 without 11. (SQLite has one writer and needs no lock.)
fn lock_change_counter(conn: &dyn Db) -> Result<i64> {
    conn.query_one("SELECT value FROM change_seq FOR UPDATE", &[])?.int(0)
}

/// Takes `n` consecutive change numbers under the counter's lock; returns the first.
pub fn take_change_numbers(conn: &dyn Db, n: i64) -> Result<i64> {
    let last = lock_change_counter(conn)?;
    conn.execute("UPDATE change_seq SET value = ?1", &[(last + n).into()])?;
    Ok(last + 1)
}

/// With other writers (PostgreSQL): takes `n` change numbers and keeps the latest clock in one
/// statement, a round trip where it was three. The counter's row stays locked until the push
/// commits and every other push waits for it, so what runs under it is kept short. Returns the
/// first number.
fn take_numbers_keeping_clock(conn: &dyn Db, n: i64, clock: Hlc) -> Result<i64> {
    let ms = i64::try_from(clock.ms).unwrap_or(i64::MAX);
    let last = conn
        .query_one(
            "WITH kept AS (UPDATE latest_clock SET ms = GREATEST(ms, CAST(?2 AS BIGINT)))
             UPDATE change_seq SET value = value + CAST(?1 AS BIGINT) RETURNING value",
            &[n.into(), ms.into()],
        )?
        .int(0)?;
    Ok(last - n + 1)
}

/// The highest clock stored, so the server's own clock never runs behind it after a restart.
pub fn latest_hlc(conn: &dyn Db) -> Result<Hlc> {
    let ms = conn.query_one("SELECT ms FROM latest_clock", &[])?.int(0)?;
    Ok(Hlc { ms: ms.max(0) as u64, count: u32::MAX / 2 })
}

/// Keeps `latest_clock` at or past every stamp just stored.
fn keep_latest_clock(conn: &dyn Db, clock: Hlc) -> Result<()> {
    let ms = i64::try_from(clock.ms).unwrap_or(i64::MAX);
    conn.execute("UPDATE latest_clock SET ms = CASE WHEN ms < ?1 THEN ?1 ELSE ms END", &[ms.into()])?;
    Ok(())
}

pub fn load_record(conn: &dyn Db, id: RecordId) -> Result<Option<Record>> {
    Ok(load(conn, id, false)?.map(|(record, _)| record))
}

const RECORD_HEAD: &str = "SELECT owner_id, kind, created_by, created_stamp, owner_touched, widest_visibility, body FROM records WHERE id = ?1";
/// The same, with the record's row locked until the transaction ends: concurrent pushes to one
/// record from different replicas take turns, so neither merges against a stale copy.
const RECORD_HEAD_FOR_UPDATE: &str = "SELECT owner_id, kind, created_by, created_stamp, owner_touched, widest_visibility, body FROM records WHERE id = ?1 FOR UPDATE";

/// A stored record and the widest audience it has ever had: one row, one value to open (this
/// runs for every record a push touches).
fn load(conn: &dyn Db, id: RecordId, for_update: bool) -> Result<Option<(Record, Visibility)>> {
    let key = id.to_string();
    let head = conn.query_opt(if for_update { RECORD_HEAD_FOR_UPDATE } else { RECORD_HEAD }, &[(&key).into()])?;
    let Some(head) = head else {
        return Ok(None);
    };
    stored_record(conn, id, &key, &head, 0).map(Some)
}

/// A stored record, its body opened, and the widest audience it has ever had, from the columns
/// `owner_id, kind, created_by, created_stamp, owner_touched, widest_visibility, body` starting
/// at column `at`.
fn stored_record(conn: &dyn Db, id: RecordId, key: &str, row: &Row, at: usize) -> Result<(Record, Visibility)> {
    let mut record = empty_record(id, row, at)?;
    let widest = vis_from(row.text(at + 5)?);
    fill_body(conn, &mut record, key, row.opt_stored(at + 6)?)?;
    Ok((record, widest))
}

/// A record with no fields yet, from the head columns `owner_id, kind, created_by,
/// created_stamp, owner_touched` starting at column `at`.
fn empty_record(id: RecordId, head: &Row, at: usize) -> Result<Record> {
    let kind = match head.text(at + 1)? {
        "goal" => RecordKind::Goal,
        "strength" => RecordKind::Strength,
        _ => RecordKind::Statement,
    };
    Ok(Record {
        id,
        kind,
        owner: people::parse_id(head.text(at)?),
        created_by: encode::from_text::<Author>(head.text(at + 2)?)?,
        created: encode::from_text::<Stamp>(head.text(at + 3)?)?,
        owner_touched: head.bool(at + 4)?,
        fields: BTreeMap::new(),
        conflicts: Vec::new(),
    })
}

/// Opens a record's sealed body (its fields and kept conflicts) into `record`. (A record from
/// before schema 14 that never had a field row has no body: it has nothing to open.)
fn fill_body(conn: &dyn Db, record: &mut Record, key: &str, sealed: Option<Stored<'_>>) -> Result<()> {
    if let Some(sealed) = sealed {
        encode::read_record_body(&conn.keyring().unseal(sealed, key)?)?.fill(record);
    }
    Ok(())
}

/// Writes what changed between `before` (as stored, with its widest audience) and `after`,
/// under change number `seq`. Returns the record's widest audience ever (its current one, or
/// wider if it was narrowed).
fn save_record(conn: &dyn Db, before: Option<&(Record, Visibility)>, after: &Record, seq: i64) -> Result<Visibility> {
    let id = after.id.to_string();
    let Saved { visibility, widest, body } = Saved::of(conn, &id, before, after)?;
    let before = before.map(|(record, _)| record);
    // A plain INSERT or UPDATE, not an upsert: the caller knows which, and SQLite does less.
    match before {
        // An unchanged body is kept as stored (NULL here).
        Some(_) => conn.execute(
            "UPDATE records SET owner_touched = ?2, visibility = ?3, widest_visibility = ?4, deleted = ?5,
             changed_seq = ?6, body = coalesce(?7, body) WHERE id = ?1",
            &[
                (&id).into(),
                after.owner_touched.into(),
                vis_str(visibility).into(),
                vis_str(widest).into(),
                after.is_deleted().into(),
                seq.into(),
                body.into(),
            ],
        )?,
        None => conn.execute(
            "INSERT INTO records (id, owner_id, kind, created_by, created_stamp, owner_touched, visibility,
             widest_visibility, deleted, changed_seq, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            &[
                (&id).into(),
                after.owner.to_string().into(),
                kind_str(after.kind).into(),
                encode::to_text(&after.created_by)?.into(),
                encode::to_text(&after.created)?.into(),
                after.owner_touched.into(),
                vis_str(visibility).into(),
                vis_str(widest).into(),
                after.is_deleted().into(),
                seq.into(),
                body.into(),
            ],
        )?,
    };
    Ok(widest)
}

/// What saving a record writes besides its head.
struct Saved {
    visibility: Visibility,
    /// Its widest audience ever: its current one, or wider if it was narrowed.
    widest: Visibility,
    /// Its fields and kept conflicts sealed again, only when one of them changed (else `None`:
    /// the stored body stays).
    body: Option<super::sql::Value>,
}

impl Saved {
    fn of(conn: &dyn Db, id: &str, before: Option<&(Record, Visibility)>, after: &Record) -> Result<Saved> {
        let visibility = after.visibility();
        let widest = before.map_or(visibility, |(_, widest)| visibility.max(*widest));
        let body = match before {
            Some((b, _)) if b.fields == after.fields && b.conflicts == after.conflicts => None,
            _ => Some(conn.seal(&encode::record_body(after.fields.values(), &after.conflicts)?, id)?),
        };
        Ok(Saved { visibility, widest, body })
    }
}

/// What `save_record` writes, for every record a push changed, in two statements at most (one
/// for new records, one for changed ones) and not yet numbered: on PostgreSQL each statement is a
/// round trip, so a push of twenty changes no longer makes twenty. The rows travel as one JSON
/// value. Returns each record's owner and widest audience ever, in `dirty`'s order.
fn save_records_at_once(
    conn: &dyn Db,
    dirty: &[&(Option<(Record, Visibility)>, Record)],
) -> Result<Vec<(PersonId, Visibility)>> {
    let (mut new, mut changed, mut saved) = (Vec::new(), Vec::new(), Vec::with_capacity(dirty.len()));
    for (before, after) in dirty {
        let id = after.id.to_string();
        let Saved { visibility, widest, body } = Saved::of(conn, &id, before.as_ref(), after)?;
        let body = match body {
            None => None,
            Some(super::sql::Value::Text(sealed)) => Some(sealed),
            Some(_) => return Err(ApiError::Internal("a sealed value for a text column wasn't text".into())),
        };
        let mut row = serde_json::json!({
            "id": id,
            "owner_touched": after.owner_touched,
            "visibility": vis_str(visibility),
            "widest_visibility": vis_str(widest),
            "deleted": after.is_deleted(),
            "body": body,
        });
        if before.is_none() {
            row["owner_id"] = after.owner.to_string().into();
            row["kind"] = kind_str(after.kind).into();
            row["created_by"] = encode::to_text(&after.created_by)?.into();
            row["created_stamp"] = encode::to_text(&after.created)?.into();
            new.push(row);
        } else {
            changed.push(row);
        }
        saved.push((after.owner, widest));
    }
    if !new.is_empty() {
        conn.execute(
            "INSERT INTO records (id, owner_id, kind, created_by, created_stamp, owner_touched, visibility,
             widest_visibility, deleted, changed_seq, body)
             SELECT id, owner_id, kind, created_by, created_stamp, owner_touched, visibility, widest_visibility,
                    deleted, CAST(?2 AS BIGINT), body
             FROM json_to_recordset(CAST(?1 AS TEXT)::json) AS r(id TEXT, owner_id TEXT, kind TEXT, created_by TEXT,
                  created_stamp TEXT, owner_touched BOOLEAN, visibility TEXT, widest_visibility TEXT,
                  deleted BOOLEAN, body TEXT)",
            &[encode::to_text(&new)?.into(), NOT_YET_NUMBERED.into()],
        )?;
    }
    if !changed.is_empty() {
        conn.execute(
            "UPDATE records SET owner_touched = r.owner_touched, visibility = r.visibility,
             widest_visibility = r.widest_visibility, deleted = r.deleted, changed_seq = CAST(?2 AS BIGINT),
             body = coalesce(r.body, records.body)
             FROM json_to_recordset(CAST(?1 AS TEXT)::json) AS r(id TEXT, owner_touched BOOLEAN, visibility TEXT,
                  widest_visibility TEXT, deleted BOOLEAN, body TEXT)
             WHERE records.id = r.id",
            &[encode::to_text(&changed)?.into(), NOT_YET_NUMBERED.into()],
        )?;
    }
    Ok(saved)
}

/// May `caller` write to records owned by `owner` (given the record, if it exists, and whether
/// the caller is a key worker assigned to `owner`)?
fn may_write(caller: Caller, owner: PersonId, assigned: bool, record: Option<&Record>) -> Result<(), String> {
    if caller.person == owner {
        return Ok(());
    }
    let not_yours = Err("this isn't shared with you, so it can't be changed from here".to_owned());
    if caller.role != Role::KeyWorker || !assigned {
        return not_yours;
    }
    match record {
        Some(r) if r.visibility() == Visibility::Private || r.is_deleted() => not_yours,
        _ => Ok(()),
    }
}

/// The device's row, locked until this transaction ends: a retry that reaches another replica
/// while the first attempt is still running there waits for it, then sees its operations as
/// applied. (person, last applied operation number)
fn lock_device(conn: &dyn Db, device: &str) -> Result<Option<(String, i64)>> {
    let row = conn.query_opt("SELECT person_id, last_seq FROM devices WHERE id = ?1 FOR UPDATE", &[device.into()])?;
    row.map(|r| Ok((r.string(0)?, r.int(1)?))).transpose()
}

/// Applies one device's batch in the caller's transaction. `clock` is the server's HLC.
pub fn push(conn: &dyn Db, caller: Caller, req: &PushRequest, clock: &mut Hlc, now_ms: u64) -> Result<PushOutcome> {
    let device = req.device.to_string();
    let registered = match lock_device(conn, &device)? {
        Some(found) => Some(found),
        None => {
            // Two first pushes from one new device can race (on two replicas): the second
            // waits for the first's row, then finds it.
            conn.execute(
                "INSERT INTO devices (id, person_id) VALUES (?1, ?2) ON CONFLICT (id) DO NOTHING",
                &[(&device).into(), caller.person.to_string().into()],
            )?;
            lock_device(conn, &device)?
        }
    };
    let mut last_seq = match registered {
        Some((person, _)) if person != caller.person.to_string() => {
            return Err(ApiError::Forbidden("this device is registered to someone else; sign out and in again"));
        }
        Some((_, last)) => last as u64,
        None => return Err(ApiError::Internal("a device row vanished".into())),
    };

    let mut results = Vec::with_capacity(req.ops.len());
    let mut changed: BTreeMap<PersonId, (i64, Visibility)> = BTreeMap::new();
    let mut working = WorkingSet::default();
    let mut worker_changes: BTreeMap<PersonId, usize> = BTreeMap::new();
    let mut blocked = false;
    // The operations this push applies, a run of consecutive numbers, answered and kept together.
    let mut applied: Vec<OpResult> = Vec::new();
    let mut kept = KeptAnswers::default();
    if conn.has_concurrent_writers() {
        let ids: BTreeSet<RecordId> = req.ops.iter().filter(|op| op.seq > last_seq).map(|op| op.record).collect();
        if !ids.is_empty() {
            working.lock_all(conn, &ids)?;
        }
    }
    for op in &req.ops {
        if blocked || op.seq > last_seq + 1 {
            blocked = true;
            results.push(OpResult {
                seq: op.seq,
                status: OpStatus::OutOfOrder,
                reason: Some(format!("expected change number {}; send the missing ones first", last_seq + 1)),
                fields: vec![],
            });
            continue;
        }
        if op.seq <= last_seq {
            let answer = match applied.iter().find(|a| a.seq == op.seq) {
                // The same operation twice in one push: answered as the first time.
                Some(answer) => Some(answer.clone()),
                None => kept.answer(conn, &device, op.seq)?,
            };
            results.push(answer.unwrap_or_else(|| OpResult {
                seq: op.seq,
                status: OpStatus::Rejected,
                reason: Some("already received".into()),
                fields: vec![],
            }));
            continue;
        }
        *clock = clock.tick(now_ms);
        let author = Author { person: caller.person, role: caller.role, device: req.device };
        let result = apply_op(conn, caller, author, op, *clock, &mut working)?;
        if result.status != OpStatus::Rejected && caller.person != op.owner {
            *worker_changes.entry(op.owner).or_default() += 1;
        }
        last_seq = op.seq;
        applied.push(result.clone());
        results.push(result);
    }
    if let (Some(first), Some(last)) = (applied.first(), applied.last()) {
        conn.execute(
            "INSERT INTO applied_batches (device_id, first_seq, last_seq, results) VALUES (?1, ?2, ?3, ?4)",
            &[(&device).into(), (first.seq as i64).into(), (last.seq as i64).into(), encode::answers(&applied)?.into()],
        )?;
        conn.execute("UPDATE devices SET last_seq = ?2 WHERE id = ?1", &[(&device).into(), (last_seq as i64).into()])?;
    }
    let dirty: Vec<_> =
        working.records.values().filter(|(before, after)| before.as_ref().map(|(r, _)| r) != Some(after)).collect();
    for (owner, n) in worker_changes {
        access_log::append(conn, owner, caller.person, Action::Change, n, now_ms as i64)?;
    }
    if !dirty.is_empty() {
        // Change numbers for the whole batch are taken at once, under the counter's lock, which
        // every other push then waits for until this one commits. With other writers (replicas
        // on PostgreSQL) the records are written first and numbered in one statement last, so
        // the lock is held for the numbering and the commit only.
        let mut saved = Vec::with_capacity(dirty.len());
        let first = if conn.has_concurrent_writers() {
            saved = save_records_at_once(conn, &dirty)?;
            let first = take_numbers_keeping_clock(conn, dirty.len() as i64, *clock)?;
            let ids: Vec<String> = dirty.iter().map(|(_, after)| after.id.to_string()).collect();
            conn.execute(
                "UPDATE records SET changed_seq = CAST(?1 AS BIGINT) - 1 + array_position(string_to_array(?2, ','), id)
                 WHERE id = ANY(string_to_array(?2, ','))",
                &[first.into(), ids.join(",").into()],
            )?;
            first
        } else {
            let first = lock_change_counter(conn)? + 1;
            for (i, (before, after)) in dirty.iter().enumerate() {
                saved.push((after.owner, save_record(conn, before.as_ref(), after, first + i as i64)?));
            }
            let last = first + dirty.len() as i64 - 1;
            conn.execute("UPDATE change_seq SET value = ?1", &[last.into()])?;
            keep_latest_clock(conn, *clock)?;
            first
        };
        for (i, (owner, widest)) in saved.into_iter().enumerate() {
            let entry = changed.entry(owner).or_insert((0, widest));
            *entry = (first + i as i64, entry.1.max(widest));
        }
    }
    Ok(PushOutcome {
        response: PushResponse { results, last_applied: last_seq },
        changed: changed.into_iter().map(|(owner, (seq, audience))| (owner, seq, audience)).collect(),
    })
}

/// Answers kept by earlier pushes, read a run at a time (a retried push asks for a whole run).
#[derive(Default)]
struct KeptAnswers {
    run: Vec<OpResult>,
}

impl KeptAnswers {
    /// The answer given to `device`'s operation `seq`, if it is still kept.
    fn answer(&mut self, conn: &dyn Db, device: &str, seq: u64) -> Result<Option<OpResult>> {
        if !self.run.iter().any(|a| a.seq == seq) {
            let row = conn.query_opt(
                "SELECT first_seq, results FROM applied_batches WHERE device_id = ?1 AND first_seq <= ?2
                 ORDER BY first_seq DESC LIMIT 1",
                &[device.into(), (seq as i64).into()],
            )?;
            self.run = match row {
                Some(row) => encode::read_answers(row.int(0)? as u64, row.text(1)?)?,
                None => Vec::new(),
            };
        }
        Ok(self.run.iter().find(|a| a.seq == seq).cloned())
    }
}

fn rejected(op: &Operation, reason: impl Into<String>) -> OpResult {
    OpResult { seq: op.seq, status: OpStatus::Rejected, reason: Some(reason.into()), fields: vec![] }
}

/// The records a batch touches: each loaded once, merged in memory, and saved once at the end
/// (a phone's batch often makes a goal and then edits it twice).
#[derive(Default)]
struct WorkingSet {
    /// (as stored before this batch with its widest audience, as it is now)
    records: BTreeMap<RecordId, (Option<(Record, Visibility)>, Record)>,
    /// Records already looked for and not stored (a new one's first operation).
    absent: HashSet<RecordId>,
    /// Whether a worker pushing is assigned to each young person it names, asked once a push.
    assigned: BTreeMap<PersonId, bool>,
}

impl WorkingSet {
    /// Reads and locks, in one statement, every record `ids` names, in order of id (so two
    /// pushes naming the same records lock them in the same order). For PostgreSQL, where each
    /// statement is a round trip: one a push instead of one an operation. SQLite reads in
    /// process and loads each record as its operation comes (`get`).
    fn lock_all(&mut self, conn: &dyn Db, ids: &BTreeSet<RecordId>) -> Result<()> {
        let keys: HashMap<String, RecordId> = ids.iter().map(|&id| (id.to_string(), id)).collect();
        let listed = keys.keys().map(String::as_str).collect::<Vec<_>>().join(",");
        let rows = conn.query(
            "SELECT id, owner_id, kind, created_by, created_stamp, owner_touched, widest_visibility, body FROM records
             WHERE id = ANY(string_to_array(?1, ',')) ORDER BY id FOR UPDATE",
            &[listed.into()],
        )?;
        for row in &rows {
            let key = row.text(0)?;
            let Some(&id) = keys.get(key) else { continue };
            let (record, widest) = stored_record(conn, id, key, row, 1)?;
            self.records.insert(id, (Some((record.clone(), widest)), record));
        }
        self.absent.extend(ids.iter().filter(|id| !self.records.contains_key(id)));
        Ok(())
    }

    /// Whether `caller` is assigned to `owner`, asked of the database once a push.
    fn assigned(&mut self, conn: &dyn Db, caller: Caller, owner: PersonId) -> Result<bool> {
        if let Some(&known) = self.assigned.get(&owner) {
            return Ok(known);
        }
        let answer = people::is_assigned(conn, caller.person, owner)?;
        self.assigned.insert(owner, answer);
        Ok(answer)
    }

    fn get(&mut self, conn: &dyn Db, id: RecordId) -> Result<Option<&Record>> {
        if self.absent.contains(&id) && !self.records.contains_key(&id) {
            return Ok(None);
        }
        if let std::collections::btree_map::Entry::Vacant(slot) = self.records.entry(id) {
            match load(conn, id, true)? {
                Some((r, widest)) => {
                    let now = r.clone();
                    slot.insert((Some((r, widest)), now));
                }
                None => return Ok(None),
            }
        }
        Ok(self.records.get(&id).map(|(_, now)| now))
    }

    fn put(&mut self, record: Record) {
        match self.records.get_mut(&record.id) {
            Some((_, now)) => *now = record,
            None => {
                self.records.insert(record.id, (None, record));
            }
        }
    }
}

fn apply_op(
    conn: &dyn Db,
    caller: Caller,
    author: Author,
    op: &Operation,
    server_clock: Hlc,
    working: &mut WorkingSet,
) -> Result<OpResult> {
    if op.changes.is_empty() || op.changes.len() > MAX_CHANGES_PER_OP {
        return Ok(rejected(op, format!("an operation needs 1 to {MAX_CHANGES_PER_OP} changes")));
    }
    let mut seen = HashSet::new();
    if !op.changes.iter().all(|c| seen.insert(c.set.name())) {
        return Ok(rejected(op, "an operation may change each field only once"));
    }
    let stamp = Stamp { hlc: op.hlc.capped_at(server_clock), device: author.device };
    let assigned =
        caller.role == Role::KeyWorker && caller.person != op.owner && working.assigned(conn, caller, op.owner)?;
    let before = working.get(conn, op.record)?;
    if let Some(r) = before {
        if r.owner != op.owner || r.kind != op.kind {
            return Ok(rejected(op, "this doesn't match the record it names"));
        }
    } else if !(caller.role == Role::YoungPerson && caller.person == op.owner) {
        match people::by_id(conn, op.owner)? {
            Some(p) if p.role == Role::YoungPerson => {}
            _ => return Ok(rejected(op, "a record must belong to a young person")),
        }
    }
    if let Err(reason) = may_write(caller, op.owner, assigned, before) {
        return Ok(rejected(op, reason));
    }

    let (after, outcomes) = match merge::apply_operation(before, op, author, stamp) {
        Ok(applied) => applied,
        Err(refusal) => return Ok(rejected(op, refusal_reason(&refusal))),
    };
    if before != Some(&after) {
        working.put(after);
    }
    let status = if outcomes.iter().any(|(_, o)| *o == Outcome::KeptAsConflict) {
        OpStatus::KeptAsConflict
    } else if outcomes.iter().any(|(_, o)| *o == Outcome::Merged) {
        OpStatus::Merged
    } else {
        OpStatus::Applied
    };
    let fields = outcomes.into_iter().map(|(field, outcome)| FieldResult { field, outcome, stamp }).collect();
    Ok(OpResult { seq: op.seq, status, reason: None, fields })
}

fn refusal_reason(refusal: &Refusal) -> String {
    match refusal {
        Refusal::Invalid(e) => e.to_string(),
        Refusal::OwnerOnly(_) => "only the young person can change who sees this, accept it, or bring it back".into(),
        Refusal::NotCreator => refusal.to_string(),
    }
}

/// Most records in one page of a pull.
pub const PAGE: usize = 200;

/// Changes after `since` that `caller` may see, one page, oldest first. Records the caller could
/// see before but not now (narrowed, deleted) come back as removals.
pub fn pull(
    conn: &dyn Db,
    caller: Caller,
    device: Option<DeviceId>,
    since: u64,
    page: usize,
) -> Result<(Page, BTreeMap<PersonId, usize>)> {
    let me = caller.person.to_string();
    // Which records the caller may be told about, as a condition on `records` (?1: the caller).
    let (scope, still_assigned, audience): (&str, &str, fn(Visibility) -> bool) = match caller.role {
        Role::YoungPerson => ("owner_id = ?1", "1", |_| true),
        // Former assignments too: what they were shown comes back to them as removals.
        Role::KeyWorker => (
            "owner_id IN (SELECT young_person_id FROM assignments WHERE worker_id = ?1
                          UNION SELECT young_person_id FROM former_assignments WHERE worker_id = ?1)
             AND widest_visibility != 'private'",
            "owner_id IN (SELECT young_person_id FROM assignments WHERE worker_id = ?1)",
            |v| v != Visibility::Private,
        ),
        Role::DropInStaff => {
            ("CAST(?1 AS TEXT) IS NOT NULL AND widest_visibility = 'team'", "1", |v| v == Visibility::Team)
        }
        Role::Admin => return Err(ApiError::Forbidden("admins manage people and never read young people's records")),
    };
    let limit = ((page + 1) as i64).into();
    let rows = conn.query(
        &format!(
            "SELECT id, changed_seq, visibility, deleted, {still_assigned},
                    owner_id, kind, created_by, created_stamp, owner_touched, body
             FROM records WHERE {scope} AND changed_seq > ?2 ORDER BY changed_seq LIMIT ?3"
        ),
        &[(&me).into(), (since as i64).into(), limit],
    )?;
    // Staff devices may hold records of a young person since erased: they drop them. (The young
    // person's own devices were signed out when they were erased.)
    let erased = if caller.role == Role::YoungPerson {
        Vec::new()
    } else {
        conn.query(
            "SELECT record_id, changed_seq FROM erased_records WHERE changed_seq > ?1 ORDER BY changed_seq LIMIT ?2",
            &[(since as i64).into(), ((page + 1) as i64).into()],
        )?
    };
    // A cursor past the last change number was handed out by this database before it went back
    // in time (restored from a backup): changes numbered from here on would never reach the
    // device, so it is told to start again. Only an empty answer can be that.
    if rows.is_empty() && erased.is_empty() && since > 0 && since as i64 > current_change(conn)? {
        return Err(ApiError::CursorAhead);
    }
    let more = rows.len() + erased.len() > page;
    // Both lists are in change order and each holds at least a page (or all there is), so the
    // first page of their merge is the first page of all changes.
    let mut changes: Vec<(&Row, bool)> =
        rows.iter().map(|r| (r, false)).chain(erased.iter().map(|r| (r, true))).collect();
    changes.sort_by_key(|(r, _)| r.int(1).unwrap_or(i64::MAX));
    let mut records = Vec::new();
    let mut removed = Vec::new();
    let mut reads: BTreeMap<PersonId, usize> = BTreeMap::new();
    let mut cursor = since;
    for (row, was_erased) in changes.into_iter().take(page) {
        let id = RecordId(uuid::Uuid::parse_str(row.text(0)?).unwrap_or_default());
        cursor = row.int(1)? as u64;
        if was_erased {
            removed.push(id);
            continue;
        }
        let (visibility, deleted, still_assigned) = (vis_from(row.text(2)?), row.bool(3)?, row.bool(4)?);
        if deleted || !audience(visibility) || !still_assigned {
            removed.push(id);
            continue;
        }
        let record = empty_record(id, row, 5)?;
        let body = match row.opt_stored(10)? {
            Some(sealed) => conn.keyring().unseal(sealed, row.text(0)?)?,
            None => NO_BODY.to_owned(),
        };
        if record.owner != caller.person {
            *reads.entry(record.owner).or_default() += 1;
        }
        records.push((record, body));
    }
    let last_applied = match device {
        Some(d) => conn
            .query_opt(
                "SELECT last_seq FROM devices WHERE id = ?1 AND person_id = ?2",
                &[d.to_string().into(), me.into()],
            )?
            .map(|r| r.int(0))
            .transpose()?
            .unwrap_or(0) as u64,
        None => 0,
    };
    Ok((Page { records, removed, cursor, more, last_applied }, reads))
}

/// The body of a record that has none (made before schema 14 and never given a field).
const NO_BODY: &str = "[[],[]]";

/// One page of the change feed. Each record comes without its fields, beside its body as
/// opened (`tandem_shared::compact::RecordBody` as JSON): a compact pull sends the body as it
/// is, a full one reads it into the record's fields.
pub struct Page {
    pub records: Vec<(Record, String)>,
    pub removed: Vec<RecordId>,
    pub cursor: u64,
    pub more: bool,
    pub last_applied: u64,
}

impl Page {
    /// The page in the full form.
    pub fn full(self) -> Result<PullResponse> {
        let records = self
            .records
            .into_iter()
            .map(|(mut record, body)| {
                encode::read_record_body(&body)?.fill(&mut record);
                Ok(record)
            })
            .collect::<Result<_>>()?;
        Ok(PullResponse {
            records,
            removed: self.removed,
            cursor: self.cursor,
            more: self.more,
            last_applied: self.last_applied,
        })
    }

    /// The page in the packed form: each body is read (the stored form holds every id in full)
    /// and its people, devices and writes listed once for the page; `lean`, each set of fields
    /// as made, too.
    pub fn packed(self, lean: bool) -> Result<PackedPullResponse> {
        let mut packer = if lean { Packer::lean() } else { Packer::default() };
        for (head, body) in &self.records {
            packer.add(head, encode::read_record_body(body)?);
        }
        Ok(packer.finish(self.removed, self.cursor, self.more, self.last_applied))
    }
}

/// Gives every record of a young person a new change number, so a newly assigned worker's
/// next pull brings what was shared before they were assigned.
/// Each gets its own number: pages end at a change number, so records sharing one could be
/// skipped by the next page.
pub fn touch_all_of(conn: &dyn Db, young_person: PersonId) -> Result<()> {
    // The counter first, then the records: the order a push takes them in reverse would let
    // two transactions wait on each other.
    lock_change_counter(conn)?;
    let ids = conn
        .query("SELECT id FROM records WHERE owner_id = ?1 ORDER BY changed_seq", &[young_person.to_string().into()])?;
    for row in &ids {
        let seq = next_change(conn)?;
        conn.execute("UPDATE records SET changed_seq = ?2 WHERE id = ?1", &[row.text(0)?.into(), seq.into()])?;
    }
    Ok(())
}

/// Stores a record made outside a push (demo data).
pub fn insert_new(conn: &dyn Db, record: &Record) -> Result<()> {
    let seq = next_change(conn)?;
    let stamps = record.fields.values().chain(&record.conflicts).map(|f| f.stamp.hlc);
    if let Some(latest) = stamps.max() {
        keep_latest_clock(conn, latest)?;
    }
    save_record(conn, None, record, seq).map(|_| ())
}

/// One young person in a key worker's caseload, for the caseload screen.
pub struct CaseloadSummary {
    pub id: PersonId,
    pub display_name: String,
    /// Items they share with workers.
    pub shared: i64,
    /// The change number of the latest among them.
    pub latest_change: i64,
    /// When the worker last looked at their page (see `people::mark_looked`).
    pub looked_at: Option<i64>,
}

/// A key worker's caseload with what each young person shares with workers and the latest
/// change among it.
pub fn caseload_summary(conn: &dyn Db, worker: PersonId) -> Result<Vec<CaseloadSummary>> {
    let rows = conn.query(
        "SELECT p.id, p.display_name,
                (SELECT count(*) FROM records r WHERE r.owner_id = p.id AND r.visibility != 'private' AND NOT r.deleted),
                (SELECT coalesce(max(changed_seq), 0) FROM records r WHERE r.owner_id = p.id AND r.visibility != 'private'),
                a.looked_at
         FROM assignments a JOIN people p ON p.id = a.young_person_id
         WHERE a.worker_id = ?1",
        &[worker.to_string().into()],
    )?;
    let mut caseload = rows
        .iter()
        .map(|r| {
            Ok(CaseloadSummary {
                id: people::parse_id(r.text(0)?),
                display_name: people::name_in(conn, r, 0, 1)?,
                shared: r.int(2)?,
                latest_change: r.int(3)?,
                looked_at: r.opt_int(4)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    people::in_name_order(&mut caseload, |c| (c.display_name.as_str(), c.id));
    Ok(caseload)
}
