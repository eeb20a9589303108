//! The erasure ledger: a file beside the data key noting, for each young person, every decision
//! about when their data goes: erased; asked to be erased (and kept, by signing in during the
//! cooling-off); case closed (and reopened). A database restored from a copy made before one of
//! those would undo it: bring an erased person back, words and all, forget a request to be
//! erased, or erase someone who had changed their mind. So every start, and `tandem restored`,
//! makes the database agree with the ledger again (`reapply`). It holds ids and times, no names
//! and no words, and lives outside the database (as the keys do) so that restoring the database
//! can't take it back in time.

use crate::accounts;
use crate::error::{ApiError, Result};
use crate::state::AppState;
use crate::store::sql::Db;
use crate::store::{self, Store, audit, erasure, people};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tandem_shared::PersonId;

/// A decision about when a young person's data goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Erased, with everything of theirs.
    Erased,
    /// Asked to be erased once the cooling-off ends.
    AskedToGo,
    /// Signed in during the cooling-off: their account stays.
    Kept,
    /// Their case was closed: erased once the retention period ends.
    CaseClosed,
    CaseReopened,
}

impl Decision {
    const WORDS: [(Decision, &'static str); 5] = [
        (Decision::Erased, "erased"),
        (Decision::AskedToGo, "asked"),
        (Decision::Kept, "kept"),
        (Decision::CaseClosed, "closed"),
        (Decision::CaseReopened, "reopened"),
    ];

    fn word(self) -> &'static str {
        Self::WORDS.iter().find(|(d, _)| *d == self).map_or("", |(_, w)| w)
    }

    fn from_word(word: &str) -> Option<Decision> {
        Self::WORDS.iter().find(|(_, w)| *w == word).map(|(d, _)| *d)
    }
}

/// One line of the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub decision: Decision,
    pub person: PersonId,
    /// When it was made (unix ms).
    pub at: i64,
}

#[derive(Debug)]
pub struct Ledger {
    path: PathBuf,
    /// One append at a time, so lines never interleave.
    appending: std::sync::Mutex<()>,
}

impl Ledger {
    /// The ledger of the database `db` with the data key file named `data_key_file` (if any; see
    /// `store::data_key_path`). `None` for PostgreSQL with none named.
    pub fn of(db: &str, data_key_file: Option<&Path>) -> Option<Ledger> {
        store::data_key_path(db, data_key_file).map(|key| Ledger::beside(&key))
    }

    /// The ledger for the data key at `data_key`: the same path with `.erasures` added.
    pub fn beside(data_key: &Path) -> Ledger {
        let mut path = data_key.as_os_str().to_owned();
        path.push(".erasures");
        Ledger { path: PathBuf::from(path), appending: std::sync::Mutex::new(()) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Adds `entry`, and waits until it is on disk.
    pub fn record(&self, entry: Entry) -> std::io::Result<()> {
        let _one = self.appending.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&self.path)?;
        writeln!(file, "{} {} {}", entry.decision.word(), entry.person, entry.at)?;
        file.sync_all()
    }

    /// Every entry, oldest first. No file yet: none.
    pub fn entries(&self) -> std::io::Result<Vec<Entry>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut entries = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let mut words = line.split(' ');
            let parsed = (|| {
                let decision = Decision::from_word(words.next()?)?;
                let person = PersonId::parse(words.next()?).ok()?;
                let at = words.next()?.parse().ok()?;
                words.next().is_none().then_some(Entry { decision, person, at })
            })();
            match parsed {
                Some(entry) => entries.push(entry),
                // A line cut short by a crash mid-append: what it began is in the database.
                None if !line.is_empty() => {
                    tracing::warn!(ledger = %self.path.display(), line = n + 1, "an erasure ledger line could not be read; skipped")
                }
                None => {}
            }
        }
        Ok(entries)
    }
}

/// After `decision` about `who` has committed: notes it in the ledger. If that fails the decision
/// still stands; the log says what to do should an older backup ever be restored.
pub async fn note(state: &AppState, decision: Decision, who: PersonId, at: i64) {
    let ledger = state.ledger.clone();
    let entry = Entry { decision, person: who, at };
    let written = tokio::task::spawn_blocking(move || ledger.record(entry)).await;
    if let Err(e) = written.map_err(|e| e.to_string()).and_then(|r| r.map_err(|e| e.to_string())) {
        tracing::error!(person = %who, decision = decision.word(), ledger = %state.ledger.path().display(), error = %e,
            "done, but not noted in the erasure ledger: if a backup from before now is restored, do it again");
    }
}

/// What `reapply` put right.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Reapplied {
    /// Erased again.
    pub erased: usize,
    /// Requests to be erased, case closures, and their withdrawals, made again.
    pub decisions: usize,
}

/// Makes the database agree with the ledger: erases again everyone it lists as erased that the
/// database still holds, and for everyone else makes the latest request (or withdrawal) and the
/// latest case closure (or reopening) hold again. The erasure job then erases whoever is due.
pub async fn reapply(store: &Store, ledger: &Arc<Ledger>) -> Result<Reapplied> {
    let reading = ledger.clone();
    let entries = tokio::task::spawn_blocking(move || reading.entries())
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| {
            ApiError::Internal(format!(
                "the erasure ledger {} can't be read ({e}). It notes who has been erased, and who asked to be, so that a \
                 restored database can't undo it: put it back (from where the key files are backed up) before starting",
                ledger.path().display()
            ))
        })?;
    let mut done = Reapplied::default();
    if entries.is_empty() {
        return Ok(done);
    }
    let erased: Vec<PersonId> = entries.iter().filter(|e| e.decision == Decision::Erased).map(|e| e.person).collect();
    let back = store.read(move |db| erasure::still_present(db, &erased)).await?;
    let now = store::now_ms();
    for &who in &back {
        let at = entries.iter().find(|e| e.person == who && e.decision == Decision::Erased).map_or(0, |e| e.at);
        let erased = store
            .write(move |tx| accounts::erase_young_person(tx, who, None, erasure::Why::AgainAfterRestore { at }, now))
            .await?;
        // None: another replica starting at the same moment got there first.
        if erased.is_some() {
            tracing::warn!(person = %who, "erased again: the database was restored from a copy made before their erasure");
            done.erased += 1;
        }
    }
    if done.erased > 0 {
        store.forget_erased().await;
    }

    let decisions = latest_decisions(&entries);
    if !decisions.is_empty() {
        done.decisions = store.write(move |tx| decisions.iter().map(|e| make_hold(tx, e, now)).sum()).await?;
    }
    if done.decisions > 0 {
        tracing::warn!(
            decisions = done.decisions,
            "made again erasure requests and case closures a restored database had lost"
        );
    }
    Ok(done)
}

/// The latest request (or change of mind) and the latest case decision for each person, oldest
/// first: by time, not by place in the file (replicas' ledgers may be put together in any order).
fn latest_decisions(entries: &[Entry]) -> Vec<Entry> {
    let mut latest: HashMap<(PersonId, bool), Entry> = HashMap::new();
    for entry in entries.iter().filter(|e| e.decision != Decision::Erased) {
        let about_the_case = matches!(entry.decision, Decision::CaseClosed | Decision::CaseReopened);
        let kept = latest.entry((entry.person, about_the_case)).or_insert(*entry);
        if entry.at >= kept.at {
            *kept = *entry;
        }
    }
    let mut decisions: Vec<Entry> = latest.into_values().collect();
    decisions.sort_by_key(|e| e.at);
    decisions
}

/// Makes `entry` hold if the database says otherwise; 1 if it changed something.
fn make_hold(tx: &dyn Db, entry: &Entry, now: i64) -> Result<usize> {
    let who = entry.person;
    if erasure::still_present(tx, &[who])?.is_empty() {
        return Ok(0);
    }
    let erasure::Plan { erasure_asked_at: asked, case_closed_at: closed } = erasure::plan_of(tx, who)?;
    let again = format!("again: decided at {} (unix ms); the database was restored from a copy made before", entry.at);
    let (action, changed) = match entry.decision {
        Decision::AskedToGo if asked.is_none() => {
            erasure::ask(tx, who, entry.at)?;
            people::revoke_all(tx, who, now)?;
            ("asked to be erased", true)
        }
        Decision::Kept if asked.is_some_and(|a| a <= entry.at) => {
            ("kept their account", erasure::cancel_request(tx, who)?)
        }
        Decision::CaseClosed if closed.is_none() => {
            ("closed a case", erasure::set_case_closed(tx, who, Some(entry.at))?)
        }
        Decision::CaseReopened if closed.is_some_and(|c| c <= entry.at) => {
            ("reopened a case", erasure::set_case_closed(tx, who, None)?)
        }
        _ => return Ok(0),
    };
    if changed {
        audit::append(tx, now, None, action, Some(who), &again)?;
    }
    Ok(usize::from(changed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_decision_of_each_kind_counts_by_its_time_not_its_place() {
        let (ash, kai) = (PersonId(uuid::Uuid::now_v7()), PersonId(uuid::Uuid::now_v7()));
        let e = |decision, person, at| Entry { decision, person, at };
        // Two replicas' ledgers put together, the second's lines first.
        let entries = [
            e(Decision::Kept, ash, 30),
            e(Decision::CaseClosed, ash, 5),
            e(Decision::AskedToGo, ash, 10),
            e(Decision::AskedToGo, ash, 40),
            e(Decision::CaseReopened, kai, 7),
            e(Decision::CaseClosed, kai, 3),
            e(Decision::Erased, kai, 50),
        ];
        assert_eq!(
            latest_decisions(&entries),
            [e(Decision::CaseClosed, ash, 5), e(Decision::CaseReopened, kai, 7), e(Decision::AskedToGo, ash, 40)]
        );
    }

    #[test]
    fn entries_read_back_and_a_torn_last_line_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::beside(&dir.path().join("tandem.db.data-key"));
        assert_eq!(ledger.path(), dir.path().join("tandem.db.data-key.erasures"));
        assert!(ledger.entries().unwrap().is_empty(), "no file: nothing decided");
        let person = || PersonId(uuid::Uuid::now_v7());
        let written: Vec<Entry> =
            [Decision::Erased, Decision::AskedToGo, Decision::Kept, Decision::CaseClosed, Decision::CaseReopened]
                .into_iter()
                .enumerate()
                .map(|(i, decision)| Entry { decision, person: person(), at: i as i64 })
                .collect();
        for entry in &written {
            ledger.record(*entry).unwrap();
        }
        let mut file = std::fs::OpenOptions::new().append(true).open(ledger.path()).unwrap();
        write!(file, "erased {}", &person().to_string()[..10]).unwrap();
        assert_eq!(ledger.entries().unwrap(), written);
    }
}
