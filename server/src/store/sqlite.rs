//! The SQLite backend: the default, one process on one file.
//!
//! rusqlite is blocking, so every connection lives on a thread of its own and requests hand it
//! work through a queue. Writes go through one writer thread (SQLite allows one writer; waiting
//! pushes are committed together); reads go to a few WAL reader threads and never wait for the
//! writer.

use super::StoreError;
use super::seal::{self, Keyring};
use super::sql::{Db, Row, Value, without_row_locks};
use crate::error::{ApiError, Result};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, Transaction};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/sqlite/0001_init.sql"),
    include_str!("migrations/sqlite/0002_alerts.sql"),
    include_str!("migrations/sqlite/0003_former_assignments.sql"),
    include_str!("migrations/sqlite/0004_latest_clock.sql"),
    include_str!("migrations/sqlite/0005_team_change_index.sql"),
    include_str!("migrations/sqlite/0006_shared_sql.sql"),
    include_str!("migrations/sqlite/0007_signin_attempts.sql"),
    include_str!("migrations/sqlite/0008_erasure.sql"),
    include_str!("migrations/sqlite/0009_session_last_seen.sql"),
    include_str!("migrations/sqlite/0010_people_admin.sql"),
    include_str!("migrations/sqlite/0011_tablets.sql"),
    include_str!("migrations/sqlite/0012_keyed_signin_names.sql"),
    include_str!("migrations/sqlite/0013_signin_attempts_age.sql"),
    include_str!("migrations/sqlite/0014_record_body.sql"),
    include_str!("migrations/sqlite/0015_applied_batches.sql"),
    include_str!("migrations/sqlite/0016_refresh_token_expiry.sql"),
    include_str!("migrations/sqlite/0017_generation.sql"),
    include_str!("migrations/sqlite/0018_secret_set_at.sql"),
    include_str!("migrations/sqlite/0019_audit_by_person.sql"),
    include_str!("migrations/sqlite/0020_reactivated_at.sql"),
    include_str!("migrations/sqlite/0021_assignment_looked.sql"),
    include_str!("migrations/sqlite/0022_put_away.sql"),
    include_str!("migrations/sqlite/0023_team_looks.sql"),
    include_str!("migrations/sqlite/0024_support_lines.sql"),
    include_str!("migrations/sqlite/0025_alert_escalation.sql"),
    include_str!("migrations/sqlite/0026_session_device_kind.sql"),
    include_str!("migrations/sqlite/0027_working_hours.sql"),
    include_str!("migrations/sqlite/0028_sign_in_keys.sql"),
    include_str!("migrations/sqlite/0029_sealed_names.sql"),
    include_str!("migrations/sqlite/0030_two_step.sql"),
    include_str!("migrations/sqlite/0031_two_step_recovery.sql"),
    include_str!("migrations/sqlite/0032_push_subscriptions.sql"),
    include_str!("migrations/sqlite/0033_sso.sql"),
    include_str!("migrations/sqlite/0034_sso_logout.sql"),
    include_str!("migrations/sqlite/0035_sso_second_step.sql"),
    include_str!("migrations/sqlite/0036_last_active.sql"),
    include_str!("migrations/sqlite/0037_copies_made.sql"),
];
const READERS: usize = 4;

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Value::Text(v) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Value::Bytes(v) => ToSqlOutput::Borrowed(ValueRef::Blob(v)),
        })
    }
}

/// A connection (or the writer's transaction) with the data keys.
struct SqliteDb<'a> {
    conn: &'a Connection,
    keys: &'a Keyring,
}

impl Db for SqliteDb<'_> {
    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        let mut stmt = self.conn.prepare_cached(without_row_locks(sql))?;
        let columns = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut values = Vec::with_capacity(columns);
            for i in 0..columns {
                values.push(match row.get_ref(i)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    // from_utf8's fast check first: from_utf8_lossy's chunked scan showed in profiles.
                    ValueRef::Text(t) => Value::Text(match std::str::from_utf8(t) {
                        Ok(text) => text.to_owned(),
                        Err(_) => String::from_utf8_lossy(t).into_owned(),
                    }),
                    ValueRef::Blob(b) => Value::Bytes(b.to_owned()),
                    ValueRef::Real(_) => {
                        return Err(ApiError::Internal(format!("column {i} has an unexpected type")));
                    }
                });
            }
            out.push(Row(values));
        }
        Ok(out)
    }

    fn execute(&self, sql: &str, params: &[Value]) -> Result<u64> {
        let n = self.conn.prepare_cached(without_row_locks(sql))?.execute(rusqlite::params_from_iter(params))?;
        Ok(n as u64)
    }

    fn keyring(&self) -> &Keyring {
        self.keys
    }

    fn keeps_bytes(&self) -> bool {
        true
    }
}

#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    keys: Arc<Keyring>,
    /// Jobs for the writer thread, which owns the one write connection.
    jobs: std::sync::mpsc::Sender<Job>,
    /// Reads for the pool of reader threads, each owning one WAL reader connection.
    readers: std::sync::mpsc::Sender<ReadJob>,
    /// Bumped when another process has written to the database (see `run_writer`).
    outside_writes: tokio::sync::watch::Receiver<u64>,
    /// Bumped as this process empties the write-ahead log, which the writer would otherwise
    /// take for another process's write (see `run_writer`).
    truncations: Arc<AtomicU64>,
    /// A reader kept for one-row lookups made on every request (is this session still live?),
    /// so they never queue behind a long pull for a pooled reader.
    quick: std::sync::mpsc::Sender<ReadJob>,
    /// An erasure's write-ahead log could not be emptied yet (readers were busy): the erasure
    /// job tries again until it can, as the log would otherwise keep the erased words.
    log_holds_erased: AtomicBool,
}

/// Runs inside the shared transaction (None: it could not be started); returns what to do once
/// the commit has (or hasn't) happened.
type Job = Box<dyn FnOnce(Option<(&Transaction, &Keyring)>) -> Deliver + Send>;
type Deliver = Box<dyn FnOnce(std::result::Result<(), String>) + Send>;
/// A read, run on a reader thread's connection.
type ReadJob = Box<dyn FnOnce(&dyn Db) + Send>;

/// Group commits made by this process's SQLite writers (for /metrics: writes per commit).
pub static COMMITS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Most jobs folded into one commit.
const GROUP_MAX: usize = 64;

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Deleted rows are overwritten with zeros, so an erased young person's name and words don't
    // linger in free pages of the file.
    conn.pragma_update(None, "secure_delete", "ON")?;
    // FULL: a push is acknowledged only once it is on disk, so not even a power cut loses
    // words the phone was told are saved. NORMAL measured ~15% faster; not worth that promise.
    conn.pragma_update(None, "synchronous", "FULL")?;
    // 32 MiB page cache per connection and in-memory temporary tables.
    conn.pragma_update(None, "cache_size", -32_000)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Plans never depend on bound values. Otherwise SQLite reads a bound `LIMIT ?n` while planning
    // and marks the statement to be planned again whenever that parameter is bound: every pull
    // re-parsed its query (2% of the server's CPU in a profile).
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    // Every statement in store/ stays prepared (the default 16 would evict some on each push).
    conn.set_prepared_statement_cache_capacity(128);
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if needed) the database and applies any pending migrations.
    pub fn open(path: &Path, data_key: &Path) -> Result<SqliteStore, StoreError> {
        let mut writer = Connection::open(path)?;
        // SQLite quietly opens a write-protected file read-only; say so plainly instead of
        // failing later on the first write with "attempt to write a readonly database".
        if writer.is_readonly(rusqlite::MAIN_DB)? {
            return Err(StoreError::ReadOnly(path.to_owned()));
        }
        writer.pragma_update(None, "journal_mode", "WAL").map_err(|e| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen) => {
                StoreError::ReadOnly(path.to_owned())
            }
            _ => StoreError::Sqlite(e),
        })?;
        configure(&writer)?;
        // The writer never checkpoints: that copies pages and syncs inside whichever commit
        // happens to cross the threshold. A background thread does it instead (see below).
        writer.pragma_update(None, "wal_autocheckpoint", 0)?;
        migrate(&mut writer)?;
        let sealed = writer.query_row(seal::ANY_SEALED, [], |_| Ok(())).optional_row()?;
        let keys = Arc::new(Keyring::open(data_key, sealed.is_some())?);
        seal::watch(&keys);
        let open_reader = || -> rusqlite::Result<Connection> {
            let conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            configure(&conn)?;
            Ok(conn)
        };
        let readers = (0..READERS).map(|_| open_reader()).collect::<rusqlite::Result<Vec<_>>>()?;
        let readers = spawn_readers("tandem-reader", readers, &keys)?;
        let quick = spawn_readers("tandem-quick-reader", vec![open_reader()?], &keys)?;
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let writer_keys = keys.clone();
        let (outside, _) = tokio::sync::watch::channel(0);
        let outside_writes = outside.subscribe();
        let truncations = Arc::new(AtomicU64::new(0));
        let ours = truncations.clone();
        std::thread::Builder::new()
            .name("tandem-writer".into())
            .spawn(move || run_writer(writer, &writer_keys, queue, (outside, &ours)))
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let inner = Arc::new(Inner {
            path: path.to_owned(),
            keys,
            jobs,
            readers,
            quick,
            log_holds_erased: AtomicBool::new(false),
            outside_writes,
            truncations,
        });
        spawn_checkpointer(path, Arc::downgrade(&inner))?;
        Ok(SqliteStore { inner })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    pub fn keyring(&self) -> &Arc<Keyring> {
        &self.inner.keys
    }

    /// Changes when another process (a `tandem` command) has written to the database.
    pub fn outside_writes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.inner.outside_writes.clone()
    }

    /// Runs `f` atomically on the writer and answers once it is committed to disk.
    ///
    /// Group commit: the writer thread takes every job waiting, runs each in its own SAVEPOINT
    /// (so each stays all-or-nothing and a failing one rolls back alone), commits them together
    /// with one sync, and only then answers each. Under load this turns many syncs into one.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Db) -> Result<T> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |tx: Option<(&Transaction, &Keyring)>| {
            let outcome = match tx {
                Some((tx, keys)) => in_savepoint(tx, keys, f),
                None => Err(ApiError::StorageUnavailable("could not start a write".into())),
            };
            Box::new(move |commit: std::result::Result<(), String>| {
                let _ = reply.send(match (outcome, commit) {
                    (Err(e), _) => Err(e),
                    (Ok(value), Ok(())) => Ok(value),
                    (Ok(_), Err(cause)) => Err(ApiError::StorageUnavailable(cause)),
                });
            })
        });
        let sent = self.inner.jobs.send(job);
        sent.map_err(|_| ApiError::Internal("the writer stopped".into()))?;
        answer.await.map_err(|_| ApiError::Internal("the writer stopped".into()))?
    }

    /// Runs `f` on the next free reader connection.
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Db) -> Result<T> + Send + 'static,
    {
        run_read(&self.inner.readers, f).await
    }

    /// Runs a one-row lookup on the reader kept for them. Only for queries that read a row or
    /// two by key: anything longer would make every request wait.
    pub async fn read_quick<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Db) -> Result<T> + Send + 'static,
    {
        run_read(&self.inner.quick, f).await
    }

    /// Folds the whole write-ahead log into the database and empties it, so erased rows survive
    /// in neither (secure_delete has zeroed them in the new pages). Waits for readers a little;
    /// false if it could not finish (the checkpointer truncates the log later anyway).
    pub async fn truncate_log(&self) -> bool {
        let (path, truncations) = (self.inner.path.clone(), self.inner.truncations.clone());
        let done = tokio::task::spawn_blocking(move || -> Result<bool, StoreError> {
            let conn = Connection::open(&path)?;
            configure(&conn)?;
            for _ in 0..20 {
                truncations.fetch_add(1, Ordering::SeqCst);
                let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
                if busy == 0 {
                    return Ok(true);
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Ok(false)
        })
        .await;
        let emptied = matches!(done, Ok(Ok(true)));
        self.inner.log_holds_erased.store(!emptied, Ordering::Relaxed);
        emptied
    }

    /// Whether an earlier `truncate_log` after an erasure did not finish.
    pub fn log_holds_erased(&self) -> bool {
        self.inner.log_holds_erased.load(Ordering::Relaxed)
    }

    /// Copies the live database to `dest` with SQLite's online backup, while writes go on.
    ///
    /// One step copies every page inside one read transaction: a consistent snapshot that
    /// writers don't wait for (WAL). Copying in small steps instead restarts whenever a write
    /// lands between steps, which under steady load means it never finishes.
    pub fn backup_to(&self, dest: &Path) -> Result<(), StoreError> {
        let src = Connection::open_with_flags(&self.inner.path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let mut out = Connection::open(dest)?;
        let backup = rusqlite::backup::Backup::new(&src, &mut out)?;
        match backup.step(-1)? {
            rusqlite::backup::StepResult::Done => {}
            other => return Err(StoreError::Invalid(format!("the backup did not finish ({other:?}); try again"))),
        }
        drop(backup);
        // The copy is its own generation from the start: restored, it is a server gone back in
        // time, and devices must be able to tell (see store/generation.rs).
        out.execute("UPDATE generation SET id = ?1", [super::generation::fresh()])?;
        Ok(())
    }
}

/// Starts a thread for each reader connection, all taking reads from one queue; they stop when
/// the store (the queue's sender) is dropped.
///
/// Threads of their own rather than tokio's blocking pool: under load that pool grows a thread
/// per waiting request, and they queue on the few connections' locks, waking and sleeping in turn.
fn spawn_readers(
    name: &str,
    conns: Vec<Connection>,
    keys: &Arc<Keyring>,
) -> Result<std::sync::mpsc::Sender<ReadJob>, StoreError> {
    let (jobs, queue) = std::sync::mpsc::channel::<ReadJob>();
    let queue = Arc::new(Mutex::new(queue));
    for (i, conn) in conns.into_iter().enumerate() {
        let (queue, keys) = (queue.clone(), keys.clone());
        std::thread::Builder::new()
            .name(format!("{name}-{i}"))
            .spawn(move || {
                loop {
                    // The queue's lock is released at the end of this statement, before the read runs.
                    let next = queue.lock().unwrap_or_else(|p| p.into_inner()).recv();
                    let Ok(job) = next else { return };
                    job(&SqliteDb { conn: &conn, keys: &keys });
                }
            })
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
    }
    Ok(jobs)
}

/// Runs `f` on one of the reader threads fed by `readers` and waits for its answer.
async fn run_read<T, F>(readers: &std::sync::mpsc::Sender<ReadJob>, f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&dyn Db) -> Result<T> + Send + 'static,
{
    let (reply, answer) = tokio::sync::oneshot::channel();
    let job: ReadJob = Box::new(move |db: &dyn Db| {
        // A panic in a read must not take its reader thread down with it.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(db)))
            .unwrap_or_else(|_| Err(ApiError::Internal("a read failed unexpectedly".into())));
        let _ = reply.send(outcome);
    });
    readers.send(job).map_err(|_| ApiError::Internal("the readers stopped".into()))?;
    answer.await.map_err(|_| ApiError::Internal("the readers stopped".into()))?
}

fn in_savepoint<T>(tx: &Transaction, keys: &Keyring, f: impl FnOnce(&dyn Db) -> Result<T>) -> Result<T> {
    // Cached statements: a savepoint per push, so parsing them each time shows in profiles.
    tx.prepare_cached("SAVEPOINT job")?.execute([])?;
    // A panic in a job must not take the writer down with it.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&SqliteDb { conn: tx, keys })))
        .unwrap_or_else(|_| Err(ApiError::Internal("a write failed unexpectedly".into())));
    match &outcome {
        Ok(_) => _ = tx.prepare_cached("RELEASE job")?.execute([])?,
        // SQLite already rolled everything back (full disk, I/O error): no savepoint is left.
        Err(_) if tx.is_autocommit() => {}
        Err(_) => tx.execute_batch("ROLLBACK TO job; RELEASE job")?,
    }
    outcome
}

/// The writer thread: takes what is waiting, runs it in one transaction, commits, answers.
///
/// Between groups, and at least every second, it also looks whether another process (a `tandem`
/// command: assign, unassign, revoke, rotate-key) has written to the database, and says so on `outside`.
fn run_writer(
    mut conn: Connection,
    keys: &Keyring,
    queue: std::sync::mpsc::Receiver<Job>,
    (outside, truncations): (tokio::sync::watch::Sender<u64>, &AtomicU64),
) {
    // Changes when another connection commits (never for this one's own writes), and when
    // another connection empties the log: this process's checkpointer does, after two quiet
    // seconds. Taking that for an outside write would send every open screen to pull at once.
    let data_version = |conn: &Connection| {
        conn.prepare_cached("PRAGMA data_version").and_then(|mut q| q.query_row([], |r| r.get::<_, i64>(0))).ok()
    };
    let mut wal = conn.path().unwrap_or_default().to_owned();
    wal.push_str("-wal");
    let mut seen = (data_version(&conn), truncations.load(Ordering::SeqCst));
    loop {
        let first = match queue.recv_timeout(std::time::Duration::from_secs(1)) {
            Ok(job) => Some(job),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => None,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
        };
        let now = (data_version(&conn), truncations.load(Ordering::SeqCst));
        if now.0 != seen.0 {
            // Emptied by us since the last look, and nothing written since (a commit by anyone
            // leaves the log non-empty; this writer's own come after this look): ours alone.
            let ours = now.1 != seen.1 && std::fs::metadata(&wal).map_or(true, |m| m.len() == 0);
            if !ours {
                outside.send_modify(|n| *n += 1);
            }
            seen = now;
        }
        let Some(first) = first else { continue };
        let mut group = vec![first];
        while group.len() < GROUP_MAX {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let tx = match conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) {
            Ok(tx) => tx,
            Err(e) => {
                let cause = e.to_string();
                tracing::warn!(error = %cause, "could not start a write");
                // Each job still answers, with the storage problem; none of them ran.
                for job in group {
                    job(None)(Err(cause.clone()));
                }
                continue;
            }
        };
        let mut answers: Vec<Deliver> = Vec::with_capacity(group.len());
        for job in group {
            // A full disk or an I/O error can make SQLite roll the whole transaction back. The
            // jobs after that must not run outside it, where each would commit on its own.
            let open = !tx.is_autocommit();
            answers.push(job(open.then_some((&tx, keys))));
        }
        let commit = if tx.is_autocommit() {
            Err("the write was rolled back by the database (is the disk full?)".to_owned())
        } else {
            tx.commit().map_err(|e| e.to_string())
        };
        if commit.is_ok() {
            COMMITS.fetch_add(1, Ordering::Relaxed);
        }
        for answer in answers {
            answer(commit.clone());
        }
    }
}

/// Folds the WAL back into the database every half second with PASSIVE checkpoints, which never
/// wait for or block the writer or readers. Stops when the store is dropped.
///
/// Under steady load the WAL only grows (it can't restart while readers are busy), so once it is
/// all folded in and two seconds pass with no write, the file is truncated to give the space
/// back. That attempt never waits: if anyone is reading or writing just then, it is skipped.
fn spawn_checkpointer(path: &Path, store: std::sync::Weak<Inner>) -> Result<(), StoreError> {
    const TICK: std::time::Duration = std::time::Duration::from_millis(500);
    const QUIET_TICKS: u32 = 4;
    let conn = Connection::open(path)?;
    configure(&conn)?;
    std::thread::Builder::new()
        .name("tandem-checkpoint".into())
        .spawn(move || {
            let (mut last_log, mut quiet) = (-1_i64, 0_u32);
            while store.strong_count() > 0 {
                std::thread::sleep(TICK);
                let folded = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                    Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
                });
                let (log, done) = match folded {
                    Ok(frames) => frames,
                    Err(e) => {
                        tracing::warn!(error = %e, "checkpoint failed; will try again");
                        continue;
                    }
                };
                quiet = if log == last_log { quiet + 1 } else { 0 };
                last_log = log;
                if log > 0 && log == done && quiet >= QUIET_TICKS {
                    // Counted before it happens: a writer looking in between sees no change yet, and waits.
                    if let Some(store) = store.upgrade() {
                        store.truncations.fetch_add(1, Ordering::SeqCst);
                    }
                    let _ = conn.busy_timeout(std::time::Duration::ZERO);
                    // Busy (someone came along) is reported in the row, not as an error: next time.
                    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
                        tracing::debug!(error = %e, "could not truncate the log; will try again");
                    }
                    let _ = conn.busy_timeout(std::time::Duration::from_secs(5));
                }
            }
        })
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let done: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let done = usize::try_from(done).map_err(|_| StoreError::Invalid("bad schema version".into()))?;
    if done > MIGRATIONS.len() {
        return Err(StoreError::Invalid(format!(
            "this database was made by a newer Tandem (schema {done}; this one knows {})",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

/// rusqlite's "no rows" as `None`.
trait OptionalRow<T> {
    fn optional_row(self) -> rusqlite::Result<Option<T>>;
}

impl<T> OptionalRow<T> for rusqlite::Result<T> {
    fn optional_row(self) -> rusqlite::Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
