//! Storage: every SQL statement lives under this module.
//!
//! One boundary ([`sql::Db`]), two backends: SQLite in one process (the default) and PostgreSQL
//! for several replicas. The statements in `people`, `sync`, `alerts` and `access_log` are
//! written once and run on both; what differs (connections, transactions, migrations, live
//! notices between replicas) is in `sqlite` and `postgres`.

pub mod access_log;
pub mod alerts;
pub mod audit;
mod encode;
pub mod erasure;
mod fold;
pub mod generation;
pub mod invites;
pub mod notices;
pub mod people;
mod pg_tls;
pub mod postgres;
pub mod push;
pub mod rotate;
pub mod seal;
pub mod sql;
pub mod sqlite;
pub mod sqlite_memory;
pub mod sso;
pub mod support_lines;
pub mod sync;
pub mod tablets;
pub mod two_step;
pub mod working_hours;

use crate::error::Result;
use postgres::PgStore;
use sql::Db;
use sqlite::SqliteStore;
use std::path::{Path, PathBuf};

#[derive(Clone)]
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

/// A storage error outside a request (start-up, admin commands).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(String),
    #[error(
        "the database {0} can't be written to (the file, its folder or the disk is read-only); \
         Tandem changed nothing. Make it writable and start again."
    )]
    ReadOnly(PathBuf),
    #[error("{0}")]
    Invalid(String),
}

/// Where the data lives: a `postgres://` URL, or else a SQLite file path.
pub fn is_postgres_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// The data key file for `db`: the one `given`, or for SQLite the database path + `.data-key`.
/// `None` for PostgreSQL with none given (it must be named: every replica shares one).
pub fn data_key_path(db: &str, given: Option<&Path>) -> Option<PathBuf> {
    match given {
        Some(path) => Some(path.to_owned()),
        None if is_postgres_url(db) => None,
        None => Some(PathBuf::from(format!("{db}.data-key"))),
    }
}

impl Store {
    /// Opens (creating if needed) the database, applies any pending migrations, and loads the
    /// data key that seals words at rest: `data_key`, or for SQLite the database path +
    /// `.data-key` (with PostgreSQL it must be named, the same file for every replica).
    /// Opens `db` (a SQLite path or a `postgres://` URL) with the data key file at `data_key`
    /// (see `data_key_path`).
    pub async fn open(db: &str, data_key: Option<&Path>) -> Result<Store, StoreError> {
        let store = if is_postgres_url(db) {
            let data_key = data_key.ok_or_else(|| {
                StoreError::Invalid(
                    "with PostgreSQL, name the data key file with --data-key-file (or TANDEM_DATA_KEY_FILE): \
                     every replica must use the same one, and it must not live in the database"
                        .into(),
                )
            })?;
            Store::Postgres(PgStore::open(db, data_key).await?)
        } else {
            let default = data_key_path(db, None).unwrap_or_default();
            Store::Sqlite(SqliteStore::open(Path::new(db), data_key.unwrap_or(&default))?)
        };
        let folded = fold::fold_field_rows(&store)
            .await
            .map_err(|e| StoreError::Invalid(format!("records from before schema 14 could not be folded: {e}")))?;
        if folded > 0 {
            tracing::info!(folded, "records from an earlier version now keep their fields in one sealed value");
        }
        if store.read(|db| people::unsealed_names(db)).await.map_err(|e| StoreError::Invalid(e.to_string()))? {
            let sealed = store
                .write(|db| people::seal_names(db))
                .await
                .map_err(|e| StoreError::Invalid(format!("names from an earlier version could not be sealed: {e}")))?;
            if sealed > 0 {
                tracing::info!(sealed, "people's names from an earlier version are now sealed at rest");
                // Their plain forms out of the files too, not only out of the tables.
                store.forget_erased().await;
            }
        }
        Ok(store)
    }

    pub fn keyring(&self) -> &std::sync::Arc<seal::Keyring> {
        match self {
            Store::Sqlite(s) => s.keyring(),
            Store::Postgres(p) => p.keyring(),
        }
    }

    /// After an erasure (or names sealed at a first start): makes sure the rows erased or
    /// rewritten are gone from the files, not only from the tables. SQLite empties its
    /// write-ahead log; PostgreSQL's dumps hold live rows only, and autovacuum reclaims the dead
    /// ones.
    pub async fn forget_erased(&self) {
        if let Store::Sqlite(s) = self
            && !s.truncate_log().await
        {
            tracing::warn!(
                "the write-ahead log could not be emptied of rows just erased or rewritten; the erasure job tries again"
            );
        }
    }

    /// Finishes an earlier `forget_erased` that readers kept from finishing.
    pub async fn forget_erased_if_pending(&self) {
        if let Store::Sqlite(s) = self
            && s.log_holds_erased()
        {
            self.forget_erased().await;
        }
    }

    /// Runs `f` in one transaction and answers once it is committed and durable.
    ///
    /// `f` may run more than once on PostgreSQL (after a deadlock or a lost race for a new row,
    /// the whole transaction is tried again), so it must only read and write through `Db`.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: Fn(&dyn Db) -> Result<T> + Send + Sync + 'static,
    {
        match self {
            Store::Sqlite(s) => s.write(f).await,
            Store::Postgres(p) => p.write(f).await,
        }
    }

    /// Runs `f` on one consistent snapshot, off the async threads.
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Db) -> Result<T> + Send + 'static,
    {
        match self {
            Store::Sqlite(s) => s.read(f).await,
            Store::Postgres(p) => p.read(f).await,
        }
    }

    /// A one-row lookup made on every request (is this session still live?), kept apart from
    /// long reads so it never queues behind them.
    pub async fn read_quick<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Db) -> Result<T> + Send + 'static,
    {
        match self {
            Store::Sqlite(s) => s.read_quick(f).await,
            Store::Postgres(p) => p.read_quick(f).await,
        }
    }

    /// This copy's generation, if the database answers now (the health check).
    pub async fn generation(&self) -> Option<String> {
        self.read_quick(|db| generation::current(db)).await.ok()
    }

    /// Where the data is, for logs (a PostgreSQL URL without its password).
    pub fn describe(&self) -> String {
        match self {
            Store::Sqlite(s) => s.path().display().to_string(),
            Store::Postgres(p) => p.describe(),
        }
    }

    pub fn backup_to(&self, dest: &Path) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.backup_to(dest),
            Store::Postgres(_) => Err(StoreError::Invalid(
                "on PostgreSQL, back up with the database's own tools: pg_dump (see the README)".into(),
            )),
        }
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Milliseconds since 1970 as `YYYY-MM-DD HH:MM:SS` in UTC (days to a date: Howard Hinnant's
/// `civil_from_days`).
pub fn utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, in_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}", in_day / 3600, in_day % 3600 / 60, in_day % 60)
}

#[cfg(test)]
mod tests {
    use super::utc;

    #[test]
    fn times_are_written_in_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00:00");
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00:00");
        assert_eq!(utc(1_796_423_444_000), "2026-12-04 22:30:44");
        assert_eq!(utc(-1000), "1969-12-31 23:59:59");
    }
}
