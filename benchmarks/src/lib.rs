//! Tandem's load generator: a fleet of young people's phones pushing a night's offline edits at
//! once, key workers editing the same records and pulling while holding live-event connections.
//! Used by the `tandem-bench` binary and by a smoke test that checks correctness, not speed.

pub mod ceiling;
pub mod crash;
pub mod data_life;
pub mod faults;
pub mod postgres;
pub mod server;

use futures_util::StreamExt;
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};
use tandem_server::auth::tokens::Keys;
use tandem_server::store::{Store, people};
use tandem_shared::wire::{
    Change, OpStatus, Operation, PROTOCOL_VERSION, PullResponse, PushRequest, PushResponse, SCHEMA_VERSION,
};
use tandem_shared::{DeviceId, FieldValue, GoalStatus, Hlc, PersonId, RecordId, RecordKind, Role, Visibility};
use uuid::Uuid;

pub struct Person {
    pub id: PersonId,
    pub token: String,
}

/// People with live sessions, made straight in a database so no sign-in (argon2) is timed.
pub struct Fleet {
    pub young: Vec<Person>,
    pub workers: Vec<Person>,
    /// For each worker, the indexes of their young people.
    pub caseloads: Vec<Vec<usize>>,
}

/// Creates `young` young people and `workers` key workers (each young person assigned to one
/// worker) with sessions, in the database at `db`, and signs their tokens with `db`'s key file.
pub fn prepare(db: &Path, young: usize, workers: usize) -> Fleet {
    prepare_in(&db.display().to_string(), &key_path(db), None, young, workers)
}

/// The same, in any database Tandem runs on (a SQLite path or a `postgres://` URL), signing
/// tokens with the key file `key`.
pub fn prepare_in(db: &str, key: &Path, data_key: Option<&Path>, young: usize, workers: usize) -> Fleet {
    // Callers are sync or async alike; the store is async, so it runs on a runtime of its own.
    let (db, key, data_key) = (db.to_owned(), key.to_owned(), data_key.map(Path::to_owned));
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(make_fleet(&db, &key, data_key.as_deref(), young, workers))
    })
    .join()
    .expect("prepare the fleet")
}

async fn make_fleet(db: &str, key: &Path, data_key: Option<&Path>, young: usize, workers: usize) -> Fleet {
    let store = Store::open(db, data_key).await.expect("open database");
    let keys = std::sync::Arc::new(Keys::load_or_create(key).expect("key file"));
    let now = tandem_server::store::now_ms();
    let mut made = Vec::new();
    for (role, name) in (0..workers.max(1))
        .map(|i| (Role::KeyWorker, format!("worker{i}")))
        .chain((0..young).map(|i| (Role::YoungPerson, format!("young{i}"))))
    {
        let keys = keys.clone();
        let person = store
            .write(move |tx| {
                let id = people::create(tx, role, Some(&name), &name, None, now)?;
                let device = Uuid::now_v7().to_string();
                let on = people::SessionDevice { id: &device, kind: None, tablet: None };
                let sid = people::create_session(tx, id, on, now)?;
                let token = keys.issue_access(id, role, &sid, 0, (now / 1000) as u64, 4 * 3600)?;
                Ok(Person { id, token })
            })
            .await
            .expect("create person");
        made.push(person);
    }
    let young: Vec<Person> = made.split_off(workers.max(1));
    let workers = made;
    let mut caseloads = vec![Vec::new(); workers.len()];
    let mut pairs = Vec::new();
    for (i, y) in young.iter().enumerate() {
        let w = i % workers.len();
        pairs.push((workers[w].id, y.id));
        caseloads[w].push(i);
    }
    store
        .write(move |tx| {
            for &(w, y) in &pairs {
                people::assign(tx, w, y, now)?;
            }
            Ok(())
        })
        .await
        .expect("assign");
    drop(store);
    if tandem_server::store::is_postgres_url(db) {
        return Fleet { young, workers, caseloads };
    }
    // Fold the WAL into the main file, so a plain file copy of the template is complete. The
    // store's threads close their connections just after it is dropped, and a checkpoint that
    // meets one of them still busy reports it rather than failing: try until it is complete.
    let conn = rusqlite::Connection::open(db).expect("reopen");
    for _ in 0..200 {
        let (busy, log, done): (i64, i64, i64) = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("checkpoint");
        if busy == 0 && log == done {
            return Fleet { young, workers, caseloads };
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the template database's log could not be folded in");
}

/// The key file that seals words at rest, beside the database (the server's default).
pub fn data_key_path(db: &Path) -> std::path::PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".data-key");
    p.into()
}

pub fn key_path(db: &Path) -> std::path::PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".key");
    p.into()
}

/// A push's answer whatever its status: the push response, or the error body and Retry-After.
pub enum Answer {
    Pushed(PushResponse),
    Refused { status: u16, retry_after: Option<String>, body: String },
}

/// One device's client: its numbering and clock.
pub struct Device {
    pub id: DeviceId,
    pub seq: u64,
    pub clock: Hlc,
    /// How wrong this device's wall clock is, in milliseconds (for the clock fault tests).
    pub skew_ms: i64,
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Device {
    pub fn new(http: &reqwest::Client, base: &str, token: &str) -> Device {
        Device {
            id: DeviceId(Uuid::now_v7()),
            seq: 0,
            clock: Hlc::ZERO,
            skew_ms: 0,
            http: http.clone(),
            base: base.to_owned(),
            token: token.to_owned(),
        }
    }

    pub fn op(&mut self, record: RecordId, kind: RecordKind, owner: PersonId, changes: Vec<FieldValue>) -> Operation {
        self.seq += 1;
        self.clock = self.clock.tick(self.wall_ms());
        Operation {
            seq: self.seq,
            record,
            kind,
            owner,
            hlc: self.clock,
            changes: changes.into_iter().map(|set| Change { set, base: None }).collect(),
        }
    }

    /// What this device's wall clock says now.
    pub fn wall_ms(&self) -> u64 {
        (tandem_server::store::now_ms() + self.skew_ms).max(0) as u64
    }

    /// One page of changes after `since`, as the PWA reads it.
    async fn pull_page(&self, since: u64) -> Result<PullResponse, String> {
        let resp = self
            .http
            .get(format!("{}/api/sync/pull?since={since}&device={}&form=lean", self.base, self.id))
            .bearer_auth(&self.token)
            .header("tandem-protocol", PROTOCOL_VERSION.to_string())
            .header("tandem-schema", SCHEMA_VERSION.to_string())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !resp.status().is_success() {
            let status = resp.status();
            return Err(format!("pull: {status} {}", resp.text().await.unwrap_or_default()));
        }
        // The packed form, as the PWA asks for it.
        let page: tandem_shared::packed::PackedPullResponse = resp.json().await.map_err(|e| e.to_string())?;
        page.into_full().map_err(|e| e.to_string())
    }

    /// Every record changed after `since` that this device may see, across pages, as the PWA
    /// would hold them; the clock observes every stamp seen. Returns the new cursor too.
    pub async fn pull_records(&mut self, since: u64) -> Result<(Vec<tandem_shared::Record>, u64), String> {
        let mut since = since;
        let mut records = Vec::new();
        loop {
            let page = self.pull_page(since).await?;
            for record in &page.records {
                for state in record.fields.values().chain(&record.conflicts) {
                    self.clock = self.clock.observe(state.stamp.hlc, self.wall_ms());
                }
            }
            records.extend(page.records);
            since = page.cursor;
            if !page.more {
                return Ok((records, since));
            }
        }
    }

    /// Sends a push and returns the server's answer whatever its status.
    pub async fn send(&self, ops: Vec<Operation>) -> Result<Answer, String> {
        let body = PushRequest { protocol: PROTOCOL_VERSION, schema: SCHEMA_VERSION, device: self.id, ops };
        let resp = self
            .http
            .post(format!("{}/api/sync/push", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let retry_after = resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
        if status == 200 {
            return resp.json().await.map(Answer::Pushed).map_err(|e| e.to_string());
        }
        let body = resp.text().await.map_err(|e| e.to_string())?;
        Ok(Answer::Refused { status, retry_after, body })
    }

    /// Sends a push that must be answered 200; returns the answer and how long it took.
    pub async fn push(&self, ops: Vec<Operation>) -> Result<(PushResponse, Duration), String> {
        let start = Instant::now();
        match self.send(ops).await? {
            Answer::Pushed(answer) => Ok((answer, start.elapsed())),
            Answer::Refused { status, body, .. } => Err(format!("push: {status} {body}")),
        }
    }

    /// Pulls every page after `since`; returns the last page and the time the whole pull took.
    pub async fn pull(&self, since: u64) -> Result<(PullResponse, usize, Duration), String> {
        let start = Instant::now();
        let mut since = since;
        let mut records = 0;
        loop {
            let page = self.pull_page(since).await?;
            records += page.records.len();
            since = page.cursor;
            if !page.more {
                return Ok((page, records, start.elapsed()));
            }
        }
    }
}

/// A realistic batch from a phone that was offline overnight: a few new records of each kind,
/// then edits to them (titles reworded, steps ticked, a rating, sharing one with the worker).
pub fn night_offline(dev: &mut Device, owner: PersonId, ops: usize) -> (Vec<Operation>, Vec<RecordId>) {
    let mut out = Vec::with_capacity(ops);
    let mut made = Vec::new();
    while out.len() < ops {
        let i = out.len();
        match i % 5 {
            0 => {
                let id = RecordId(Uuid::now_v7());
                made.push(id);
                out.push(dev.op(
                    id,
                    RecordKind::Goal,
                    owner,
                    vec![
                        FieldValue::Title(format!("Goal {i}: get to college on time")),
                        FieldValue::Visibility(Visibility::Worker),
                    ],
                ));
            }
            1 => {
                let id = RecordId(Uuid::now_v7());
                out.push(dev.op(
                    id,
                    RecordKind::Strength,
                    owner,
                    vec![FieldValue::Text(format!("I'm good with people ({i})"))],
                ));
            }
            2 => {
                let id = RecordId(Uuid::now_v7());
                out.push(dev.op(
                    id,
                    RecordKind::Statement,
                    owner,
                    vec![
                        FieldValue::Text(format!("Please ask me before you phone my mum ({i})")),
                        FieldValue::Meeting(Some("Review".into())),
                    ],
                ));
            }
            3 => {
                let id = *made.last().expect("a goal");
                out.push(dev.op(
                    id,
                    RecordKind::Goal,
                    owner,
                    vec![FieldValue::Steps(vec![tandem_shared::Step {
                        text: "Set an alarm".into(),
                        done: i % 2 == 0,
                    }])],
                ));
            }
            _ => {
                let id = *made.last().expect("a goal");
                out.push(dev.op(
                    id,
                    RecordKind::Goal,
                    owner,
                    vec![
                        FieldValue::Title(format!("Goal {i}: get to college on time, every day")),
                        FieldValue::Status(GoalStatus::Active),
                    ],
                ));
            }
        }
    }
    (out, made)
}

#[derive(Default, Debug)]
pub struct LoadReport {
    pub devices: usize,
    pub ops_sent: usize,
    pub ops_acknowledged: usize,
    pub errors: Vec<String>,
    pub push_latencies: Vec<Duration>,
    pub pull_latencies: Vec<Duration>,
    pub wall: Duration,
    /// (device, seq) of every operation the server acknowledged as applied/merged/kept.
    pub acknowledged: Vec<(DeviceId, u64)>,
    pub sse_connections: usize,
}

/// The operation numbers the server acknowledged (applied, merged, or kept as a conflict).
pub fn acknowledged(answer: &PushResponse) -> impl Iterator<Item = u64> + '_ {
    answer
        .results
        .iter()
        .filter(|r| matches!(r.status, OpStatus::Applied | OpStatus::Merged | OpStatus::KeptAsConflict))
        .map(|r| r.seq)
}

impl LoadReport {
    fn record_push(&mut self, device: DeviceId, outcome: Result<(PushResponse, Duration), String>) {
        match outcome {
            Ok((answer, t)) => {
                self.push_latencies.push(t);
                for seq in acknowledged(&answer) {
                    self.ops_acknowledged += 1;
                    self.acknowledged.push((device, seq));
                }
            }
            Err(e) => self.errors.push(e),
        }
    }
}

/// When device `i` starts: at once if `spread` is zero, else at a random moment within `spread`
/// (fixed per device, so runs are repeatable): phones regaining signal one by one.
fn arrival(i: usize, spread: Duration) -> Duration {
    let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 29;
    spread.mul_f64((x % 1_000_000) as f64 / 1_000_000.0)
}

/// Runs the load: `devices` phones (one per young person, up to the fleet's size; 1 in 10 is a
/// key worker's laptop instead) each push `batches` batches of `ops_per_batch` operations, one
/// after another; workers also edit their young people's goals (concurrent with the owners) and
/// pull, while holding an SSE connection open. Every device starts at once when `spread` is
/// zero, else at its own random moment within `spread`.
pub async fn run(
    bases: &[String],
    fleet: &Fleet,
    devices: usize,
    batches: usize,
    ops_per_batch: usize,
    spread: Duration,
) -> LoadReport {
    let http = reqwest::Client::builder().pool_max_idle_per_host(2048).build().expect("client");
    let workers = (devices / 10).clamp(1, fleet.workers.len());
    let phones = (devices - workers).min(fleet.young.len());
    let start = Instant::now();
    let mut tasks = Vec::new();
    // Behind a load balancer: devices spread over the replicas in turn.
    let base_of = |i: usize| bases[i % bases.len()].as_str();
    for (i, p) in fleet.young.iter().take(phones).enumerate() {
        let mut dev = Device::new(&http, base_of(i), &p.token);
        let owner = p.id;
        let wait = arrival(i, spread);
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            let mut r = LoadReport::default();
            for _ in 0..batches {
                let (ops, _) = night_offline(&mut dev, owner, ops_per_batch);
                r.ops_sent += ops.len();
                let outcome = dev.push(ops).await;
                r.record_push(dev.id, outcome);
            }
            match dev.pull(0).await {
                Ok((_, _, t)) => r.pull_latencies.push(t),
                Err(e) => r.errors.push(e),
            }
            r
        }));
    }
    for (w, person) in fleet.workers.iter().take(workers).enumerate() {
        let base = base_of(w + 1);
        let mut dev = Device::new(&http, base, &person.token);
        let caseload: Vec<PersonId> =
            fleet.caseloads[w].iter().filter(|&&i| i < phones).map(|&i| fleet.young[i].id).collect();
        let http = http.clone();
        let base = base.to_owned();
        let token = person.token.clone();
        let wait = arrival(phones + w, spread);
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            let mut r = LoadReport::default();
            // Hold a live-event connection open for the whole run, as an open screen does.
            let sse = http
                .get(format!("{base}/api/sync/events"))
                .bearer_auth(&token)
                .header("tandem-protocol", "1")
                .header("tandem-schema", "1")
                .send()
                .await;
            let mut stream = match sse {
                Ok(resp) if resp.status().is_success() => {
                    r.sse_connections += 1;
                    Some(resp.bytes_stream())
                }
                _ => None,
            };
            if let Some(s) = stream.as_mut() {
                let _ = tokio::time::timeout(Duration::from_secs(5), s.next()).await;
            }
            let mut cursor = 0;
            for _ in 0..batches {
                let (page, _, t) = match dev.pull(cursor).await {
                    Ok(x) => x,
                    Err(e) => {
                        r.errors.push(e);
                        continue;
                    }
                };
                r.pull_latencies.push(t);
                cursor = page.cursor;
                // Edit titles of goals the young people are editing too: concurrent writes.
                let goals: Vec<_> = page
                    .records
                    .iter()
                    .filter(|x| x.kind == RecordKind::Goal && caseload.contains(&x.owner))
                    .take(ops_per_batch)
                    .collect();
                if goals.is_empty() {
                    continue;
                }
                let ops: Vec<_> = goals
                    .iter()
                    .map(|g| {
                        dev.op(
                            g.id,
                            RecordKind::Goal,
                            g.owner,
                            vec![FieldValue::Why("Worker: so you feel more settled".into())],
                        )
                    })
                    .collect();
                r.ops_sent += ops.len();
                let outcome = dev.push(ops).await;
                r.record_push(dev.id, outcome);
            }
            drop(stream);
            r
        }));
    }
    let mut total = LoadReport { devices: phones + workers, ..Default::default() };
    for t in tasks {
        let r = t.await.expect("device task");
        total.ops_sent += r.ops_sent;
        total.ops_acknowledged += r.ops_acknowledged;
        total.errors.extend(r.errors);
        total.push_latencies.extend(r.push_latencies);
        total.pull_latencies.extend(r.pull_latencies);
        total.acknowledged.extend(r.acknowledged);
        total.sse_connections += r.sse_connections;
    }
    total.wall = start.elapsed();
    total
}

/// `PRAGMA integrity_check` of the database at `db`.
pub fn integrity(db: &Path) -> Result<(), String> {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| e.to_string())?;
    let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).map_err(|e| e.to_string())?;
    if ok == "ok" { Ok(()) } else { Err(format!("integrity_check: {ok}")) }
}

/// Every device's kept runs of applied operations (`device, first, last`), as how many runs
/// hold each (device, operation number). Read once, not a query per operation: a crash run
/// acknowledges hundreds of thousands.
pub const APPLIED_RUNS: &str = "SELECT device_id, first_seq, last_seq FROM applied_batches";

pub fn count_runs(runs: impl IntoIterator<Item = (String, i64, i64)>) -> HashMap<(String, u64), u32> {
    let mut counts = HashMap::new();
    for (device, first, last) in runs {
        for seq in first..=last {
            *counts.entry((device.clone(), seq as u64)).or_default() += 1;
        }
    }
    counts
}

/// The first acknowledged operation not kept exactly once, as an error.
fn each_once(counts: &HashMap<(String, u64), u32>, acknowledged: &[(DeviceId, u64)]) -> Result<(), String> {
    for (device, seq) in acknowledged {
        let n = counts.get(&(device.to_string(), *seq)).copied().unwrap_or(0);
        if n != 1 {
            return Err(format!("operation {seq} of device {device} is stored {n} times"));
        }
    }
    Ok(())
}

/// Reads every kept run from a SQLite database.
pub fn applied_runs(db: &Path) -> Result<HashMap<(String, u64), u32>, String> {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| e.to_string())?;
    let mut stmt = conn.prepare(APPLIED_RUNS).map_err(|e| e.to_string())?;
    let runs = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).map_err(|e| e.to_string())?;
    Ok(count_runs(runs.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| e.to_string())?))
}

/// Checks every acknowledged operation is recorded exactly once in the database.
pub fn verify_acknowledged(db: &Path, acknowledged: &[(DeviceId, u64)]) -> Result<(), String> {
    each_once(&applied_runs(db)?, acknowledged)
}

/// The same check in any database Tandem runs on, through its own storage layer.
pub async fn verify_acknowledged_in(db: &str, data_key: &Path, acknowledged: &[(DeviceId, u64)]) -> Result<(), String> {
    let store = Store::open(db, Some(data_key)).await.map_err(|e| e.to_string())?;
    let runs = store
        .read(|conn| {
            let rows = conn.query(APPLIED_RUNS, &[])?;
            rows.iter()
                .map(|r| Ok((r.string(0)?, r.int(1)?, r.int(2)?)))
                .collect::<tandem_server::error::Result<Vec<_>>>()
        })
        .await
        .map_err(|e| e.to_string())?;
    each_once(&count_runs(runs), acknowledged)
}

/// The machine the figures came from, for every report.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpu
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .unwrap_or("unknown")
        .trim()
        .to_owned();
    let mem = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let kb: f64 = mem
        .lines()
        .find(|l| l.starts_with("MemTotal"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    format!(
        "{cores} cores ({model}), {:.1} GiB memory, {} {}",
        kb / 1024.0 / 1024.0,
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
