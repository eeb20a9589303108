//! A real Tandem server on a loopback port with a temporary database, and a small client
//! that speaks the same wire types as the PWA.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::PathBuf;
use tandem_server::config::Settings;
use tandem_shared::compact::CompactPullResponse;
use tandem_shared::wire::{
    Change, Operation, PROTOCOL_VERSION, PullResponse, PushRequest, PushResponse, SCHEMA_VERSION,
};
use tandem_shared::{DeviceId, FieldValue, Hlc, PersonId, Record, RecordId, RecordKind, Stamp};
use tokio::io::AsyncBufReadExt;
use tokio::sync::oneshot;
use uuid::Uuid;

pub struct TestServer {
    pub base: String,
    pub dir: tempfile::TempDir,
    pub invite_code: String,
    /// The database this server runs on: a SQLite path, or a `postgres://` URL.
    pub db: String,
    /// The server's own store, for looking at what it wrote.
    pub store: tandem_server::store::Store,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
}

/// The PostgreSQL server the tests run on instead of SQLite, when `TANDEM_TEST_POSTGRES` names
/// one (`postgres://user@host:port`; `scripts/test-all.sh` starts a throwaway cluster for it).
pub fn postgres_server() -> Option<String> {
    std::env::var("TANDEM_TEST_POSTGRES").ok().filter(|s| !s.is_empty())
}

/// A new, empty database for one test: a file in `dir`, or a fresh PostgreSQL database.
pub async fn fresh_database(dir: &std::path::Path) -> String {
    let Some(server) = postgres_server() else {
        return dir.join("tandem.db").display().to_string();
    };
    let name = format!("t_{}", Uuid::now_v7().simple());
    let (client, connection) =
        tokio_postgres::connect(&format!("{server}/postgres"), tokio_postgres::NoTls).await.expect("reach PostgreSQL");
    let driver = tokio::spawn(connection);
    client.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("create a test database");
    drop(client);
    let _ = driver.await;
    format!("{server}/{name}")
}

impl TestServer {
    /// Starts a server seeded with the demo organisation (see `tandem_server::demo`).
    pub async fn start() -> TestServer {
        let settings = Settings { failure_delay_ms: 1, ..Settings::default() };
        TestServer::start_with(settings).await
    }

    pub async fn start_with(settings: Settings) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = fresh_database(dir.path()).await;
        TestServer::launch(dir, db, "tandem.db.key".into(), settings, true).await
    }

    /// Starts a server seeded with the demo organisation on the database at `db` (a URL).
    pub async fn start_on(db: String) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let settings = Settings { failure_delay_ms: 1, ..Settings::default() };
        TestServer::launch(dir, db, "tandem.db.key".into(), settings, true).await
    }

    /// Starts a server on a database that already exists (no demo seed), with the signing and
    /// data keys found in `dir` (`tandem.db.key`, `tandem.db.data-key`).
    pub async fn start_existing(dir: tempfile::TempDir, db: String) -> TestServer {
        let settings = Settings { failure_delay_ms: 1, ..Settings::default() };
        TestServer::launch(dir, db, "tandem.db.key".into(), settings, false).await
    }

    /// A second replica on the same database with the same signing key, as a load balancer
    /// would have behind it (PostgreSQL only: SQLite is one process).
    pub async fn replica(&self) -> TestServer {
        assert!(postgres_server().is_some(), "replicas need PostgreSQL: set TANDEM_TEST_POSTGRES");
        let dir = tempfile::tempdir().expect("temp dir");
        let settings = Settings { failure_delay_ms: 1, ..Settings::default() };
        let mut replica = TestServer::launch(dir, self.db.clone(), self.key_path(), settings, false).await;
        replica.invite_code = self.invite_code.clone();
        replica
    }

    async fn launch(dir: tempfile::TempDir, db: String, key: PathBuf, settings: Settings, seed: bool) -> TestServer {
        let key = dir.path().join(key);
        // The data key sits beside the signing key (a replica names the first server's).
        let data_key = key.with_extension("data-key");
        let state =
            tandem_server::open_state(&db, Some(&key), Some(&data_key), None, settings).await.expect("open state");
        let invite_code = if seed {
            state
                .store
                .write(|tx| tandem_server::demo::seed(tx, tandem_server::store::now_ms()))
                .await
                .expect("seed")
                .expect("fresh database")
        } else {
            String::new()
        };
        let store = state.store.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            tandem_server::serve(listener, state, async {
                let _ = rx.await;
            })
            .await
            .expect("serve");
        });
        let server = TestServer { base, dir, invite_code, db, store, shutdown: Some(tx), handle: Some(handle) };
        server.wait_healthy().await;
        server
    }

    async fn wait_healthy(&self) {
        let http = reqwest::Client::new();
        for _ in 0..500 {
            if let Ok(r) = http.get(format!("{}/api/health", self.base)).send().await
                && r.status().is_success()
            {
                return;
            }
            tokio::task::yield_now().await;
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("server never became healthy");
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("tandem.db")
    }

    pub fn key_path(&self) -> PathBuf {
        self.dir.path().join("tandem.db.key")
    }

    /// The key file that seals words at rest.
    pub fn data_key_path(&self) -> PathBuf {
        self.key_path().with_extension("data-key")
    }

    /// The ledger's text (see `tandem_server::ledger`), kept beside the data key.
    pub fn ledger(&self) -> String {
        let ledger = tandem_server::ledger::Ledger::beside(&self.data_key_path());
        std::fs::read_to_string(ledger.path()).expect("a ledger beside the data key")
    }

    /// Each query's one number (a count, a counter), read straight from the database.
    pub async fn numbers<const N: usize>(&self, queries: [&'static str; N]) -> [i64; N] {
        self.store
            .read(move |db| {
                let mut out = [0; N];
                for (n, query) in out.iter_mut().zip(queries) {
                    *n = db.query_one(query, &[])?.int(0)?;
                }
                Ok(out)
            })
            .await
            .unwrap()
    }

    /// What a copy of the database holds: the SQLite file and its write-ahead log, or a
    /// `pg_dump` of the PostgreSQL database.
    pub fn database_copy(&self) -> Vec<u8> {
        if postgres_server().is_none() {
            let mut bytes = std::fs::read(&self.db).unwrap_or_default();
            bytes.extend(std::fs::read(format!("{}-wal", self.db)).unwrap_or_default());
            assert!(!bytes.is_empty(), "no database file at {}", self.db);
            return bytes;
        }
        let pg_bin = std::env::var("PG_BIN").expect("PG_BIN names PostgreSQL's tools (scripts/postgres.sh)");
        let out = std::process::Command::new(format!("{pg_bin}/pg_dump")).arg(&self.db).output().expect("pg_dump");
        assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    }

    /// Everything that matters in the database, to show a bad request changed nothing.
    pub async fn fingerprint(&self) -> String {
        self.store
            .read(|db| {
                let mut out = String::new();
                for sql in [
                    "SELECT count(*), CAST(coalesce(sum(length(coalesce(name, '') || display_name || coalesce(secret_hash, ''))), 0) AS BIGINT),
                            CAST(coalesce(sum(token_version), 0) AS BIGINT) FROM people",
                    "SELECT count(*), CAST(coalesce(sum(changed_seq), 0) AS BIGINT), CAST(coalesce(sum(length(body)), 0) AS BIGINT),
                            CAST(coalesce(sum(CASE visibility WHEN 'private' THEN 1 WHEN 'worker' THEN 2 ELSE 3 END * changed_seq), 0) AS BIGINT)
                     FROM records",
                    "SELECT count(*), CAST(coalesce(sum(last_seq), 0) AS BIGINT) FROM devices",
                    "SELECT count(*), CAST(coalesce(sum(last_seq - first_seq + 1), 0) AS BIGINT) FROM applied_batches",
                    "SELECT value FROM change_seq",
                    "SELECT count(*) FROM assignments",
                    "SELECT count(*), CAST(coalesce(sum(CASE WHEN used_at IS NULL THEN 0 ELSE 1 END), 0) AS BIGINT) FROM invites",
                ] {
                    out.push_str(&format!("{:?}|", db.query_one(sql, &[])?.0));
                }
                Ok(out)
            })
            .await
            .expect("fingerprint")
    }

    /// How many times each of `device`'s operations is kept as applied (each push keeps the run
    /// of operation numbers it applied).
    pub async fn applied_counts(&self, device: DeviceId) -> std::collections::BTreeMap<u64, u32> {
        let runs = self
            .store
            .read(move |db| {
                let rows = db.query(
                    "SELECT first_seq, last_seq FROM applied_batches WHERE device_id = ?1",
                    &[device.to_string().into()],
                )?;
                rows.iter()
                    .map(|r| Ok((r.int(0)? as u64, r.int(1)? as u64)))
                    .collect::<tandem_server::error::Result<Vec<_>>>()
            })
            .await
            .expect("applied runs");
        let mut counts = std::collections::BTreeMap::new();
        for (first, last) in runs {
            for seq in first..=last {
                *counts.entry(seq).or_default() += 1;
            }
        }
        counts
    }

    pub async fn stop(self) {
        self.stop_keeping_files().await;
    }

    /// Stops the server but leaves its folder (database, key files) for the caller to look at.
    pub async fn stop_keeping_files(mut self) -> tempfile::TempDir {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            tokio::time::timeout(std::time::Duration::from_secs(10), h)
                .await
                .expect("server shut down within 10s")
                .expect("server task");
        }
        std::mem::replace(&mut self.dir, tempfile::tempdir().expect("temporary folder"))
    }

    /// A client for a new device, not yet signed in.
    pub fn device(&self) -> Client {
        Client::new(&self.base)
    }

    pub async fn signed_in(&self, name: &str, secret: &str) -> Client {
        let mut c = self.device();
        c.sign_in(name, secret).await;
        c
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Demo sign-ins.
pub const ASH: (&str, &str) = ("ash", "6159");
pub const KAI: (&str, &str) = ("kai", "7093");
pub const MO: (&str, &str) = ("mo", "5286");
pub const SAM: (&str, &str) = ("sam", "demo-worker-pass");
pub const PRIYA: (&str, &str) = ("priya", "demo-worker-pass");
pub const DROPIN: (&str, &str) = ("dropin", "demo-dropin-pass");
pub const ADMIN: (&str, &str) = ("admin", "demo-admin-pass");

/// One device: its tokens, operation numbers, clock, and the records it has pulled.
pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
    pub device: DeviceId,
    pub token: Option<String>,
    pub refresh: Option<String>,
    pub person: Option<PersonId>,
    pub seq: u64,
    pub clock: Hlc,
    pub cursor: u64,
    pub records: std::collections::BTreeMap<RecordId, Record>,
}

pub fn now_ms() -> u64 {
    tandem_server::store::now_ms() as u64
}

impl Client {
    /// A new device talking to `base`, not yet signed in.
    pub fn new(base: &str) -> Client {
        Client {
            base: base.to_owned(),
            http: reqwest::Client::new(),
            device: DeviceId(Uuid::now_v7()),
            token: None,
            refresh: None,
            person: None,
            seq: 0,
            clock: Hlc::ZERO,
            cursor: 0,
            records: Default::default(),
        }
    }

    pub async fn sign_in(&mut self, name: &str, secret: &str) {
        let (status, body) = self
            .call(
                Method::POST,
                "/api/auth/sign-in",
                Some(json!({"name": name, "secret": secret, "device": self.device})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "sign in as {name}: {body}");
        self.take_tokens(&body);
    }

    pub fn take_tokens(&mut self, body: &Value) {
        self.token = Some(body["access_token"].as_str().expect("access token").to_owned());
        self.refresh = Some(body["refresh_token"].as_str().expect("refresh token").to_owned());
        self.person = Some(PersonId::parse(body["person"].as_str().expect("person")).expect("uuid"));
    }

    pub fn me(&self) -> PersonId {
        self.person.expect("signed in")
    }

    /// A request to `path` with this client's sign-in and the protocol and schema versions.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let req = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .header("tandem-protocol", PROTOCOL_VERSION.to_string())
            .header("tandem-schema", SCHEMA_VERSION.to_string());
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    /// Any request; returns status and JSON body (Null if the body isn't JSON).
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.request(method, path);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// The id of this device's own sign-in, as `/api/me/sessions` lists it (to end it from elsewhere).
    pub async fn this_session_id(&self) -> String {
        let (_, sessions) = self.call(Method::GET, "/api/me/sessions", None).await;
        let here = sessions.as_array().unwrap().iter().find(|s| s["this_device"] == true);
        here.and_then(|s| s["id"].as_str())
            .unwrap_or_else(|| panic!("no session for this device: {sessions}"))
            .to_owned()
    }

    /// Builds the next operation on this device (numbered, clock ticked), without sending it.
    pub fn op(&mut self, record: RecordId, kind: RecordKind, owner: PersonId, changes: Vec<FieldValue>) -> Operation {
        self.seq += 1;
        self.clock = self.clock.tick(now_ms());
        let existing = self.records.get(&record);
        let changes = changes
            .into_iter()
            .map(|set| {
                let base = existing.and_then(|r| r.fields.get(&set.name())).map(|f| f.stamp);
                Change { set, base }
            })
            .collect();
        Operation { seq: self.seq, record, kind, owner, hlc: self.clock, changes }
    }

    pub fn push_request(&self, ops: Vec<Operation>) -> PushRequest {
        PushRequest { protocol: PROTOCOL_VERSION, schema: SCHEMA_VERSION, device: self.device, ops }
    }

    /// A push that may fail (server gone, 503): the answer, or what went wrong.
    pub async fn try_push(&self, ops: Vec<Operation>) -> Result<PushResponse, String> {
        let req = self.push_request(ops);
        let resp = self.request(Method::POST, "/api/sync/push").json(&req).send().await.map_err(|e| e.to_string())?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| e.to_string())?;
        if status != StatusCode::OK {
            return Err(format!("{status}: {text}"));
        }
        serde_json::from_str(&text).map_err(|e| e.to_string())
    }

    pub async fn push(&mut self, ops: Vec<Operation>) -> PushResponse {
        let req = self.push_request(ops);
        let (status, body) =
            self.call(Method::POST, "/api/sync/push", Some(serde_json::to_value(&req).expect("json"))).await;
        assert_eq!(status, StatusCode::OK, "push: {body}");
        serde_json::from_value(body).expect("push response")
    }

    /// Pulls every page since the cursor into `records`, in the compact form, checking each page
    /// names the next one's `since` in its headers exactly when more wait (phones ask for it then).
    pub async fn pull(&mut self) -> Vec<PullResponse> {
        let mut pages = Vec::new();
        loop {
            let path = format!("/api/sync/pull?since={}&device={}&form=compact", self.cursor, self.device);
            let resp = self.request(Method::GET, &path).send().await.expect("pull");
            let status = resp.status();
            let next_since = resp.headers().get("tandem-next-since").map(|v| v.to_str().expect("ascii").to_owned());
            let body = resp.text().await.expect("pull body");
            assert_eq!(status, StatusCode::OK, "pull: {body}");
            // The form phones ask for; `compact_and_full_pulls_bring_the_same_records` checks the other.
            let page: CompactPullResponse = serde_json::from_str(&body).expect("pull response");
            let page = page.into_full();
            assert_eq!(next_since, page.more.then(|| page.cursor.to_string()), "the next page's since, in the headers");
            for r in &page.records {
                if let Some(hlc) = r.fields.values().map(|f| f.stamp.hlc).max() {
                    self.clock = self.clock.observe(hlc, now_ms());
                }
                self.records.insert(r.id, r.clone());
            }
            for id in &page.removed {
                self.records.remove(id);
            }
            self.cursor = page.cursor;
            let more = page.more;
            pages.push(page);
            if !more {
                return pages;
            }
        }
    }

    pub fn text_of(&self, id: RecordId, field: tandem_shared::FieldName) -> Option<FieldValue> {
        self.records.get(&id).and_then(|r| r.field(field).cloned())
    }
}

pub fn new_record() -> RecordId {
    RecordId(Uuid::now_v7())
}

pub fn stamp_of(record: &Record, field: tandem_shared::FieldName) -> Option<Stamp> {
    record.fields.get(&field).map(|f| f.stamp)
}

/// Waits until `holds` says so, asking every 100 ms; after 10 s, fails saying `what` never came.
pub async fn eventually<F: std::future::Future<Output = bool>>(what: &str, mut holds: impl FnMut() -> F) {
    for _ in 0..100 {
        if holds().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("10 s on, still waiting for {what}");
}

/// The next cursor an open stream hears, waiting at most 10 s.
pub async fn next(hears: &mut (impl futures_util::Stream<Item = i64> + Unpin)) -> Option<i64> {
    use futures_util::StreamExt;
    tokio::time::timeout(std::time::Duration::from_secs(10), hears.next()).await.expect("an event within 10 s")
}

/// An open live-event stream: waits for the connect event, then collects cursors.
pub async fn listen(who: &Client) -> impl futures_util::Stream<Item = i64> + Unpin + use<> {
    use futures_util::StreamExt;
    let resp = who.request(Method::GET, "/api/sync/events").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let cursors =
        resp.bytes_stream().map(|chunk| String::from_utf8_lossy(&chunk.unwrap()).into_owned()).flat_map(|text| {
            let found: Vec<i64> = text
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .filter_map(|d| serde_json::from_str::<serde_json::Value>(d.trim()).ok())
                .filter_map(|v| v["cursor"].as_i64())
                .collect();
            futures_util::stream::iter(found)
        });
    let mut cursors = Box::pin(cursors);
    cursors.next().await.expect("the connect event");
    cursors
}

/// The real `tandem` binary as a child process (for SIGKILL), beside this test in target/.
pub struct Process {
    child: tokio::process::Child,
    pub base: String,
}

/// The `tandem` binary built beside this test.
pub fn tandem_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test path");
    let tandem = exe.parent().and_then(|d| d.parent()).expect("target dir").join("tandem");
    assert!(tandem.exists(), "build the server first: {}", tandem.display());
    tandem
}

impl Process {
    pub async fn start(db: &str, key: &std::path::Path, demo: bool) -> Process {
        Process::start_with_env(db, key, demo, &[]).await
    }

    /// `start`, with `env` (configuration by `TANDEM_*` variables, as a service manager gives it).
    pub async fn start_with_env(
        db: &str,
        key: &std::path::Path,
        demo: bool,
        env: &[(&str, &std::ffi::OsStr)],
    ) -> Process {
        let tandem = tandem_binary();
        // The server picks a free port and says which: a port picked here and let go could be
        // taken meanwhile by another test's server (the SQLite and PostgreSQL runs go side by
        // side), whose answers would then pass for this one's.
        let mut cmd = tokio::process::Command::new(tandem);
        cmd.args(["--db", db, "serve", "--listen", "127.0.0.1:0", "--key-file"]).arg(key);
        cmd.arg("--data-key-file").arg(key.with_extension("data-key"));
        if demo {
            cmd.arg("--demo");
        }
        cmd.envs(env.iter().copied());
        let mut child = cmd
            .env("TANDEM_LOG", "error,tandem_server=info")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start tandem");
        let mut lines = tokio::io::BufReader::new(child.stderr.take().expect("its log")).lines();
        let said = tokio::time::timeout(std::time::Duration::from_secs(10), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(at) = line.split_once("Tandem is listening address=") {
                    return at.1.split_whitespace().next().map(str::to_owned);
                }
            }
            None
        })
        .await;
        let Ok(Some(address)) = said else { panic!("tandem did not say where it listens within 10 seconds") };
        // The rest of its log is read and dropped, so a full pipe never stops it.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let process = Process { child, base: format!("http://{address}") };
        let http = reqwest::Client::new();
        for _ in 0..400 {
            if http.get(format!("{}/api/health", process.base)).send().await.is_ok_and(|r| r.status().is_success()) {
                return process;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("tandem did not answer within 10 seconds");
    }

    /// SIGKILL: nothing in flight gets to finish.
    pub async fn kill(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// The code an authenticator app shows for the secret `typed` (base32, as the server gives it to
/// be typed in) at 30-second step `step` (`two_step_now()` is the current one).
pub fn two_step_code(typed: &str, step: u64) -> String {
    format!("{:06}", tandem_server::auth::totp::code_at(&base32_bytes(typed), step))
}

/// Base32 (RFC 4648) read back to bytes, spaces aside: written here rather than borrowed from the
/// server, so a mistake in its encoding shows.
pub fn base32_bytes(typed: &str) -> Vec<u8> {
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut count, mut bytes) = (0u64, 0, Vec::new());
    for c in typed.chars().filter(|c| !c.is_whitespace()) {
        bits = (bits << 5) | ALPHABET.find(c).expect("base32") as u64;
        count += 5;
        if count >= 8 {
            count -= 8;
            bytes.push((bits >> count) as u8);
        }
    }
    bytes
}

/// The current 30-second step of two-step sign-in codes.
pub fn two_step_now() -> u64 {
    now_ms() / 30_000
}
