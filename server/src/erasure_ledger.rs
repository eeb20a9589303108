//! The erasure ledger: a file beside the data key listing the random id of every young person
//! erased, and when. A database restored from a copy made before an erasure would bring that
//! person back, words and all; so every start erases again whoever the ledger lists and the
//! database still holds (`reapply`). It holds no names and no words, and lives outside the
//! database (as the keys do) so that restoring the database can't take it back in time.

use crate::accounts;
use crate::error::Result;
use crate::state::AppState;
use crate::store::{self, Store, erasure};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tandem_shared::PersonId;

#[derive(Debug)]
pub struct Ledger {
    path: PathBuf,
    /// One append at a time, so lines never interleave.
    appending: std::sync::Mutex<()>,
}

impl Ledger {
    /// The ledger for the data key at `data_key`: the same path with `.erased` added.
    pub fn beside(data_key: &Path) -> Ledger {
        let mut path = data_key.as_os_str().to_owned();
        path.push(".erased");
        Ledger { path: PathBuf::from(path), appending: std::sync::Mutex::new(()) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Adds `who`, erased at `at` (unix ms), and waits until it is on disk.
    pub fn record(&self, who: PersonId, at: i64) -> std::io::Result<()> {
        let _one = self.appending.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&self.path)?;
        writeln!(file, "{who} {at}")?;
        file.sync_all()
    }

    /// Everyone listed, with when they were erased. No file yet: nobody.
    pub fn entries(&self) -> std::io::Result<Vec<(PersonId, i64)>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut entries = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let parsed = line.split_once(' ').and_then(|(id, at)| Some((PersonId::parse(id).ok()?, at.parse().ok()?)));
            match parsed {
                Some(entry) => entries.push(entry),
                // A line cut short by a crash mid-append: the erasure it began is in the database.
                None if !line.is_empty() => {
                    tracing::warn!(ledger = %self.path.display(), line = n + 1, "an erasure ledger line could not be read; skipped")
                }
                None => {}
            }
        }
        Ok(entries)
    }
}

/// After an erasure has committed: notes it in the ledger. If that fails the erasure still
/// stands; the log says what to do should an older backup ever be restored.
pub async fn note(state: &AppState, who: PersonId, at: i64) {
    let ledger = state.ledger.clone();
    let written = tokio::task::spawn_blocking(move || ledger.record(who, at)).await;
    if let Err(e) = written.map_err(|e| e.to_string()).and_then(|r| r.map_err(|e| e.to_string())) {
        tracing::error!(person = %who, ledger = %state.ledger.path().display(), error = %e,
            "erased, but not noted in the erasure ledger: if a backup from before now is restored, erase this person again");
    }
}

/// Erases again everyone the ledger lists that the database still holds (it was restored from a
/// copy made before their erasure); returns how many. At every start, and by `tandem restored`.
pub async fn reapply(store: &Store, ledger: &Arc<Ledger>) -> Result<usize> {
    let reading = ledger.clone();
    let entries = tokio::task::spawn_blocking(move || reading.entries())
        .await
        .map_err(|e| crate::error::ApiError::Internal(e.to_string()))?
        .map_err(|e| {
            crate::error::ApiError::Internal(format!(
                "the erasure ledger {} can't be read ({e}). It lists who has been erased, so that a restored database \
                 can't bring them back: put it back (from where the key files are backed up) before starting",
                ledger.path().display()
            ))
        })?;
    if entries.is_empty() {
        return Ok(0);
    }
    let ids: Vec<PersonId> = entries.iter().map(|(id, _)| *id).collect();
    let back = store.read(move |db| erasure::still_present(db, &ids)).await?;
    let now = store::now_ms();
    let mut again = 0;
    for &who in &back {
        let at = entries.iter().find(|(id, _)| *id == who).map_or(0, |(_, at)| *at);
        let erased = store
            .write(move |tx| accounts::erase_young_person(tx, who, None, erasure::Why::AgainAfterRestore { at }, now))
            .await?;
        // None: another replica starting at the same moment got there first.
        if erased.is_some() {
            tracing::warn!(person = %who, "erased again: the database was restored from a copy made before their erasure");
            again += 1;
        }
    }
    if again > 0 {
        store.forget_erased().await;
    }
    Ok(again)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_back_and_a_torn_last_line_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::beside(&dir.path().join("tandem.db.data-key"));
        assert_eq!(ledger.path(), dir.path().join("tandem.db.data-key.erased"));
        assert!(ledger.entries().unwrap().is_empty(), "no file: nobody erased");
        let person = || PersonId(uuid::Uuid::now_v7());
        let (a, b) = (person(), person());
        ledger.record(a, 1).unwrap();
        ledger.record(b, 2).unwrap();
        let mut file = std::fs::OpenOptions::new().append(true).open(ledger.path()).unwrap();
        write!(file, "{}", &person().to_string()[..10]).unwrap();
        assert_eq!(ledger.entries().unwrap(), vec![(a, 1), (b, 2)]);
    }
}
