//! The PostgreSQL backend: several stateless replicas on one database.
//!
//! The statements in `store/` are synchronous functions over [`Db`], shared with SQLite. Here
//! they run on tokio's blocking threads against a pooled tokio-postgres connection, each call
//! waiting on the async client (`Handle::block_on` is allowed off the async threads).
//!
//! What makes several replicas safe lives in the shared statements (row locks on the device and
//! the record, the change counter locked until commit) and here: every write is one transaction,
//! tried again whole if PostgreSQL picks it as a deadlock victim or it loses a race to insert the
//! same new row; live notices cross replicas with LISTEN/NOTIFY; a lost database answers 503
//! and the pool reconnects by itself when it is back.

use super::StoreError;
use super::pg_tls::{self, Tls};
use super::seal::{self, Keyring};
use super::sql::{Db, Row, Value, numbered_dollar};
use crate::error::{ApiError, Result};
use deadpool_postgres::{ClientWrapper, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use futures_util::StreamExt;
use std::cell::Cell;
use std::path::Path;
use std::time::Duration;
use tokio::runtime::Handle;
use tokio_postgres::error::SqlState;
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use tokio_postgres::{AsyncMessage, NoTls, Socket};

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/postgres/0001_init.sql"),
    include_str!("migrations/postgres/0002_signin_attempts.sql"),
    include_str!("migrations/postgres/0003_erasure.sql"),
    include_str!("migrations/postgres/0004_session_last_seen.sql"),
    include_str!("migrations/postgres/0005_people_admin.sql"),
    include_str!("migrations/postgres/0006_tablets.sql"),
    include_str!("migrations/postgres/0007_keyed_signin_names.sql"),
    include_str!("migrations/postgres/0008_signin_attempts_age.sql"),
    include_str!("migrations/postgres/0009_record_body.sql"),
    include_str!("migrations/postgres/0010_applied_batches.sql"),
    include_str!("migrations/postgres/0011_refresh_token_expiry.sql"),
    include_str!("migrations/postgres/0012_generation.sql"),
    include_str!("migrations/postgres/0013_secret_set_at.sql"),
    include_str!("migrations/postgres/0014_audit_by_person.sql"),
    include_str!("migrations/postgres/0015_reactivated_at.sql"),
    include_str!("migrations/postgres/0016_assignment_looked.sql"),
    include_str!("migrations/postgres/0017_put_away.sql"),
    include_str!("migrations/postgres/0018_team_looks.sql"),
    include_str!("migrations/postgres/0019_support_lines.sql"),
    include_str!("migrations/postgres/0020_alert_escalation.sql"),
    include_str!("migrations/postgres/0021_session_device_kind.sql"),
    include_str!("migrations/postgres/0022_working_hours.sql"),
    include_str!("migrations/postgres/0023_sign_in_keys.sql"),
    include_str!("migrations/postgres/0024_sealed_names.sql"),
    include_str!("migrations/postgres/0025_two_step.sql"),
    include_str!("migrations/postgres/0026_two_step_recovery.sql"),
    include_str!("migrations/postgres/0027_push_subscriptions.sql"),
    include_str!("migrations/postgres/0028_sso.sql"),
    include_str!("migrations/postgres/0029_sso_logout.sql"),
    include_str!("migrations/postgres/0030_sso_second_step.sql"),
    include_str!("migrations/postgres/0031_last_active.sql"),
    include_str!("migrations/postgres/0032_copies_made.sql"),
];
/// The channel live notices travel on between replicas.
pub const CHANNEL: &str = "tandem_changes";
/// How often a transaction is tried again after a deadlock or a lost insert race.
const ATTEMPTS: u32 = 8;
/// Any number, the same in every replica: held while migrating so two replicas starting
/// together don't both migrate.
const MIGRATION_LOCK: i64 = 0x7a6e_6465_6d00;

#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    /// For the live-notice connection, which lives outside the pool.
    config: std::sync::Arc<tokio_postgres::Config>,
    tls: Tls,
    keys: std::sync::Arc<Keyring>,
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            // Integers stand for booleans too (as SQLite has them); the statement says which.
            Value::Int(v) => match *ty {
                Type::BOOL => (*v != 0).to_sql(ty, out),
                Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*v)?.to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Value::Text(v) => v.to_sql(ty, out),
            // Only for a `bytea` parameter: sealed values are text here (`Db::keeps_bytes`).
            Value::Bytes(v) => v.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn row_of(row: &tokio_postgres::Row) -> Result<Row> {
    let mut values = Vec::with_capacity(row.len());
    for (i, column) in row.columns().iter().enumerate() {
        let value = match *column.type_() {
            Type::INT8 => row.try_get::<_, Option<i64>>(i)?.map(Value::Int),
            Type::INT4 => row.try_get::<_, Option<i32>>(i)?.map(|v| Value::Int(v.into())),
            Type::INT2 => row.try_get::<_, Option<i16>>(i)?.map(|v| Value::Int(v.into())),
            Type::BOOL => row.try_get::<_, Option<bool>>(i)?.map(|v| Value::Int(v.into())),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
                row.try_get::<_, Option<String>>(i)?.map(Value::Text)
            }
            ref other => {
                return Err(ApiError::Internal(format!("column {i} has type {other}, which store/ doesn't read")));
            }
        };
        values.push(value.unwrap_or(Value::Null));
    }
    Ok(Row(values))
}

/// One pooled connection, used from a blocking thread.
struct PgConn<'a> {
    client: &'a ClientWrapper,
    rt: &'a Handle,
    keys: &'a Keyring,
    /// The last error's code, so a write knows whether trying again can help.
    failed_with: Cell<Option<SqlState>>,
}

impl PgConn<'_> {
    fn run<T>(&self, f: impl std::future::Future<Output = std::result::Result<T, tokio_postgres::Error>>) -> Result<T> {
        self.rt.block_on(f).map_err(|e| {
            self.failed_with.set(e.code().cloned());
            ApiError::from(e)
        })
    }

    fn batch(&self, sql: &str) -> Result<()> {
        self.run(self.client.batch_execute(sql))
    }

    /// Worth running the whole transaction again: PostgreSQL chose it as a deadlock victim,
    /// or it raced another replica to insert the same new row (which it will find next time).
    fn may_retry(&self) -> bool {
        self.failed_with.take().is_some_and(|code| {
            code == SqlState::T_R_DEADLOCK_DETECTED
                || code == SqlState::T_R_SERIALIZATION_FAILURE
                || code == SqlState::UNIQUE_VIOLATION
        })
    }
}

impl Db for PgConn<'_> {
    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        let sql = numbered_dollar(sql);
        let params: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let rows = self.run(async {
            let statement = self.client.prepare_cached(&sql).await?;
            self.client.query(&statement, &params).await
        })?;
        rows.iter().map(row_of).collect()
    }

    fn execute(&self, sql: &str, params: &[Value]) -> Result<u64> {
        let sql = numbered_dollar(sql);
        let params: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        self.run(async {
            let statement = self.client.prepare_cached(&sql).await?;
            self.client.execute(&statement, &params).await
        })
    }

    fn keyring(&self) -> &Keyring {
        self.keys
    }

    fn has_concurrent_writers(&self) -> bool {
        true
    }
}

impl PgStore {
    /// Connects, applies pending migrations (one replica at a time) and builds the pool.
    pub async fn open(url: &str, data_key: &Path) -> Result<PgStore, StoreError> {
        let (url, tls) = pg_tls::from_url(url)?;
        let mut config: tokio_postgres::Config =
            url.parse().map_err(|e| StoreError::Postgres(format!("that database URL doesn't read: {e}")))?;
        // Acknowledged means durable: a commit returns once PostgreSQL has flushed it, whatever
        // the server's own default says.
        config.options("-c synchronous_commit=on");
        config.application_name("tandem");
        config.connect_timeout(Duration::from_secs(5));
        let recycling = || ManagerConfig { recycling_method: RecyclingMethod::Fast };
        let manager = match &tls {
            Tls::Off => {
                migrate(&config, NoTls).await?;
                Manager::from_config(config.clone(), NoTls, recycling())
            }
            Tls::Verified(connector) => {
                migrate(&config, connector.clone()).await?;
                Manager::from_config(config.clone(), connector.clone(), recycling())
            }
        };
        let pool = Pool::builder(manager)
            .max_size(16)
            .runtime(Runtime::Tokio1)
            // Under a burst, a request waits its turn for a connection as on SQLite's writer queue,
            // rather than being refused after a few seconds and retried by the phone.
            .wait_timeout(Some(Duration::from_secs(30)))
            .create_timeout(Some(Duration::from_secs(5)))
            .recycle_timeout(Some(Duration::from_secs(5)))
            .build()
            .map_err(|e| StoreError::Postgres(e.to_string()))?;
        let client = pool.get().await.map_err(|e| StoreError::Postgres(format!("can't reach the database: {e}")))?;
        let sealed = client.query_opt(seal::ANY_SEALED, &[]).await.map_err(|e| StoreError::Postgres(e.to_string()))?;
        drop(client);
        let keys = std::sync::Arc::new(Keyring::open(data_key, sealed.is_some())?);
        seal::watch(&keys);
        Ok(PgStore { pool, config: config.into(), tls, keys })
    }

    pub fn keyring(&self) -> &std::sync::Arc<Keyring> {
        &self.keys
    }

    pub fn describe(&self) -> String {
        let hosts: Vec<String> = self
            .config
            .get_hosts()
            .iter()
            .map(|h| match h {
                tokio_postgres::config::Host::Tcp(name) => name.clone(),
                tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
            })
            .collect();
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        format!("postgres://{}:{port}/{}", hosts.join(","), self.config.get_dbname().unwrap_or(""))
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool.get().await.map_err(|e| ApiError::StorageUnavailable(format!("no database connection: {e}")))
    }

    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: Fn(&dyn Db) -> Result<T> + Send + Sync + 'static,
    {
        let f = std::sync::Arc::new(f);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let client = self.client().await?;
            let (rt, f, keys) = (Handle::current(), f.clone(), self.keys.clone());
            let (outcome, retry) = tokio::task::spawn_blocking(move || {
                let conn = PgConn { client: &client, rt: &rt, keys: &keys, failed_with: Cell::new(None) };
                let outcome = in_transaction(&conn, "BEGIN", |db| f(db));
                let retry = outcome.is_err() && conn.may_retry();
                (outcome, retry)
            })
            .await?;
            if !retry || attempt >= ATTEMPTS {
                return outcome;
            }
            tracing::debug!(attempt, "write met a concurrent one; trying again");
            // A little jitter, so two transactions that deadlocked don't meet again at once.
            tokio::time::sleep(Duration::from_millis(rand::random_range(1..10 * attempt as u64))).await;
        }
    }

    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Db) -> Result<T> + Send + 'static,
    {
        let client = self.client().await?;
        let (rt, keys) = (Handle::current(), self.keys.clone());
        tokio::task::spawn_blocking(move || {
            let conn = PgConn { client: &client, rt: &rt, keys: &keys, failed_with: Cell::new(None) };
            // One snapshot for the whole read: a page of a pull and the records in it agree.
            in_transaction(&conn, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", f)
        })
        .await?
    }

    pub async fn read_quick<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Db) -> Result<T> + Send + 'static,
    {
        let client = self.client().await?;
        let (rt, keys) = (Handle::current(), self.keys.clone());
        tokio::task::spawn_blocking(move || {
            f(&PgConn { client: &client, rt: &rt, keys: &keys, failed_with: Cell::new(None) })
        })
        .await?
    }

    /// Sends a notice to every replica (this one too). Content-free by design: it names a young
    /// person's id, a change number and an audience, never words.
    pub async fn notify(&self, payload: String) -> Result<()> {
        let client = self.client().await?;
        client.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &payload]).await?;
        Ok(())
    }

    /// Listens for notices from every replica for as long as the process runs, reconnecting
    /// when the database goes away. `on_notice(None)` means notices may have been missed (the
    /// connection was lost and is back): open screens should pull. The answer resolves once
    /// this replica is listening.
    pub fn listen(&self, on_notice: impl Fn(Option<&str>) + Send + 'static) -> tokio::sync::oneshot::Receiver<()> {
        let config = self.config.clone();
        let (ready, listening) = tokio::sync::oneshot::channel();
        match self.tls.clone() {
            Tls::Off => tokio::spawn(listen_with(config, NoTls, on_notice, ready)),
            Tls::Verified(connector) => tokio::spawn(listen_with(config, connector, on_notice, ready)),
        };
        listening
    }
}

/// What a connector must be for connections handed between tasks.
pub trait Connector: MakeTlsConnect<Socket, Stream: Send + 'static, TlsConnect: Send> + Clone + Send + 'static
where
    <Self::TlsConnect as TlsConnect<Socket>>::Future: Send,
{
}
impl<T> Connector for T
where
    T: MakeTlsConnect<Socket, Stream: Send + 'static, TlsConnect: Send> + Clone + Send + 'static,
    <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
{
}

async fn listen_with<T: Connector>(
    config: std::sync::Arc<tokio_postgres::Config>,
    tls: T,
    on_notice: impl Fn(Option<&str>),
    ready: tokio::sync::oneshot::Sender<()>,
) where
    <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
{
    let mut first = true;
    let mut ready = Some(ready);
    loop {
        match config.connect(tls.clone()).await {
            Ok((client, mut connection)) => {
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                let driver = tokio::spawn(async move {
                    let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
                    while let Some(Ok(message)) = messages.next().await {
                        if let AsyncMessage::Notification(n) = message
                            && tx.send(n.payload().to_owned()).is_err()
                        {
                            return;
                        }
                    }
                });
                if client.batch_execute(&format!("LISTEN {CHANNEL}")).await.is_ok() {
                    if let Some(ready) = ready.take() {
                        let _ = ready.send(());
                    }
                    if !first {
                        tracing::info!("live notices between replicas are back");
                        on_notice(None);
                    }
                    while let Some(payload) = rx.recv().await {
                        on_notice(Some(&payload));
                    }
                }
                driver.abort();
                tracing::warn!("lost the database connection for live notices; reconnecting");
            }
            Err(e) => tracing::debug!(error = %e, "can't reach the database for live notices yet"),
        }
        first = false;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Runs `f` between `begin` and COMMIT, or rolls back. A pooled connection never goes back to
/// the pool inside a transaction, whatever `f` does (even panic).
fn in_transaction<T>(conn: &PgConn, begin: &str, f: impl FnOnce(&dyn Db) -> Result<T>) -> Result<T> {
    conn.batch(begin)?;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(conn)))
        .unwrap_or_else(|_| Err(ApiError::Internal("a database call failed unexpectedly".into())));
    match outcome {
        Ok(value) => conn.batch("COMMIT").map(|()| value),
        Err(e) => {
            let code = conn.failed_with.take();
            // If the connection itself is gone, there is nothing to roll back.
            let _ = conn.batch("ROLLBACK");
            conn.failed_with.set(code);
            Err(e)
        }
    }
}

async fn migrate<T: Connector>(config: &tokio_postgres::Config, tls: T) -> Result<(), StoreError>
where
    <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
{
    let unreachable = |e: tokio_postgres::Error| {
        // tokio-postgres puts what went wrong in a TLS handshake in the error's source.
        let cause = std::error::Error::source(&e).map(|s| format!(" ({s})")).unwrap_or_default();
        let hint = if cause.contains("certificate") {
            ": its TLS certificate isn't trusted; name the CA that signed it with sslrootcert=/path/ca.pem in the URL"
        } else {
            ""
        };
        StoreError::Postgres(format!("can't reach the database: {e}{cause}{hint}"))
    };
    let (mut client, connection) = config.connect(tls).await.map_err(unreachable)?;
    let driver = tokio::spawn(connection);
    let failed = |e: tokio_postgres::Error| StoreError::Postgres(format!("migrating the database failed: {e}"));
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK]).await.map_err(failed)?;
    client.batch_execute("CREATE TABLE IF NOT EXISTS tandem_schema (version BIGINT NOT NULL)").await.map_err(failed)?;
    let done: i64 = match client.query_opt("SELECT version FROM tandem_schema", &[]).await.map_err(failed)? {
        Some(row) => row.get(0),
        None => {
            client.execute("INSERT INTO tandem_schema (version) VALUES (0)", &[]).await.map_err(failed)?;
            0
        }
    };
    let done = usize::try_from(done).map_err(|_| StoreError::Invalid("bad schema version".into()))?;
    if done > MIGRATIONS.len() {
        return Err(StoreError::Invalid(format!(
            "this database was made by a newer Tandem (schema {done}; this one knows {})",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        let tx = client.transaction().await.map_err(failed)?;
        tx.batch_execute(sql).await.map_err(failed)?;
        tx.execute("UPDATE tandem_schema SET version = $1", &[&((i + 1) as i64)]).await.map_err(failed)?;
        tx.commit().await.map_err(failed)?;
    }
    client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]).await.map_err(failed)?;
    drop(client);
    let _ = driver.await;
    Ok(())
}
