//! Fault tests against the real `tandem` binary: what a phone on a bus and a server on a small
//! disk actually meet. Each returns its figures in a line, or what went wrong.
//!
//! - responses lost after the server committed (the phone retries the same batch);
//! - batches delivered twice, out of order, and all at once;
//! - device clocks a day fast and a day slow;
//! - the server stopped (gracefully and with SIGKILL) while live-event listeners are open;
//! - the disk full under load, then space returning; a read-only database at start;
//! - `tandem backup` under load, then a server started from the backup.

use crate::server::{Server, free_port, serve_command};
use crate::{Answer, Device, Fleet, acknowledged, night_offline, prepare};
use futures_util::StreamExt;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tandem_shared::wire::{OpStatus, Operation, PushResponse};
use tandem_shared::{DeviceId, FieldName, FieldValue, PersonId, Record, RecordId, RecordKind, Stamp, Visibility};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};

pub type Outcome = Result<String, String>;

/// Every fault test, by name, for the `tandem-reliability` binary.
pub const ALL: &[&str] = &[
    "dropped-responses",
    "duplicated-reordered",
    "clock-skew",
    "restart-listeners",
    "disk-full",
    "read-only",
    "backup-under-load",
];

pub async fn run(name: &str, tandem: &Path, dir: &Path) -> Outcome {
    // Absolute: some tests start it inside another mount namespace, where the cwd is "/".
    let tandem = &std::fs::canonicalize(tandem).map_err(|e| format!("{}: {e}", tandem.display()))?;
    match name {
        "dropped-responses" => dropped_responses(tandem, dir).await,
        "duplicated-reordered" => duplicated_and_reordered(tandem, dir).await,
        "clock-skew" => clocks_a_day_off(tandem, dir).await,
        "restart-listeners" => restart_under_live_listeners(tandem, dir).await,
        "disk-full" => disk_full(tandem, dir).await,
        "read-only" => read_only_database(tandem, dir).await,
        "backup-under-load" => backup_under_load(tandem, dir).await,
        other => Err(format!("no fault test called {other}")),
    }
}

fn ensure(ok: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if ok { Ok(()) } else { Err(what()) }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client")
}

/// How many times each of `device`'s operations is recorded, read straight from the database.
fn applied_counts(db: &Path, device: DeviceId) -> Result<HashMap<u64, u32>, String> {
    let device = device.to_string();
    let all = crate::applied_runs(db)?;
    Ok(all.into_iter().filter(|((d, _), _)| *d == device).map(|((_, seq), n)| (seq, n)).collect())
}

/// The value each field should hold after `ops` from one device are applied in order.
fn expected_fields(ops: &[Operation]) -> HashMap<(RecordId, FieldName), FieldValue> {
    let mut out = HashMap::new();
    for op in ops {
        for change in &op.changes {
            out.insert((op.record, change.set.name()), change.set.clone());
        }
    }
    out
}

/// Each of `ops` (all from `device`) is stored exactly once, and the records read back hold
/// what delivering them in order gives, with no conflicts among one device's own edits.
async fn applied_once_in_order(
    db: &Path,
    base: &str,
    token: &str,
    device: DeviceId,
    ops: &[Operation],
) -> Result<(), String> {
    let counts = applied_counts(db, device)?;
    ensure(counts.len() == ops.len() && counts.values().all(|&n| n == 1), || format!("stored: {counts:?}"))?;
    let (records, _) = Device::new(&http(), base, token).pull_records(0).await?;
    let by_id: HashMap<RecordId, &Record> = records.iter().map(|r| (r.id, r)).collect();
    for ((id, name), value) in expected_fields(ops) {
        let record = by_id.get(&id).ok_or_else(|| format!("record {id} is missing"))?;
        ensure(record.field(name) == Some(&value), || {
            format!("record {id} {name:?} is {:?}, expected {value:?}", record.field(name))
        })?;
        ensure(record.conflicts.is_empty(), || format!("record {id} has conflicts from one device's own edits"))?;
    }
    Ok(())
}

/// A TCP proxy in front of the server that lets the first `drop_first` connections' requests
/// through and then cuts the connection as the response starts: the server has committed and
/// answered, and the phone hears nothing.
async fn response_dropping_proxy(target: u16, drop_first: usize) -> (u16, Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
    let port = listener.local_addr().expect("proxy address").port();
    let dropped = Arc::new(AtomicUsize::new(0));
    let counter = dropped.clone();
    tokio::spawn(async move {
        let mut seen = 0usize;
        while let Ok((mut client, _)) = listener.accept().await {
            seen += 1;
            let drop_this = seen <= drop_first;
            let counter = counter.clone();
            tokio::spawn(async move {
                let Ok(mut server) = TcpStream::connect(("127.0.0.1", target)).await else { return };
                if !drop_this {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    return;
                }
                let (mut from_client, _to_client) = client.split();
                let (mut from_server, mut to_server) = server.split();
                let forward = tokio::io::copy(&mut from_client, &mut to_server);
                let mut first = [0u8; 1];
                tokio::select! {
                    _ = forward => {}
                    n = from_server.read(&mut first) => {
                        if matches!(n, Ok(1)) {
                            counter.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                }
                // Both halves drop here: the connection closes with the answer unread.
            });
        }
    });
    (port, dropped)
}

/// Responses lost after commit: the phone retries the same batch until it hears an answer.
pub async fn dropped_responses(tandem: &Path, dir: &Path) -> Outcome {
    let db = dir.join("dropped.db");
    let fleet = prepare(&db, 1, 1);
    let port = free_port();
    let server = Server::start(tandem, &db, port).await;
    let (proxy, dropped) = response_dropping_proxy(port, 3).await;
    // One connection per request, so "the first three connections" means "the first three pushes".
    let client = reqwest::Client::builder().pool_max_idle_per_host(0).timeout(Duration::from_secs(10)).build().unwrap();
    let mut phone = Device::new(&client, &format!("http://127.0.0.1:{proxy}"), &fleet.young[0].token);
    let (ops, _) = night_offline(&mut phone, fleet.young[0].id, 25);
    let mut attempts = 0;
    let answer = loop {
        attempts += 1;
        match phone.push(ops.clone()).await {
            Ok((answer, _)) => break answer,
            Err(_) if attempts < 10 => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(e) => return Err(format!("never got an answer: {e}")),
        }
    };
    let dropped = dropped.load(std::sync::atomic::Ordering::SeqCst);
    ensure(dropped == 3, || format!("expected 3 answers dropped after commit, saw {dropped}"))?;
    ensure(answer.last_applied == 25, || format!("last_applied {} after the retries", answer.last_applied))?;
    ensure(acknowledged(&answer).count() == 25, || format!("the retry's answer: {:?}", answer.results))?;
    applied_once_in_order(&db, &server.base, &fleet.young[0].token, phone.id, &ops).await?;
    server.terminate().await;
    Ok(format!("{dropped} answers lost after commit, {attempts} attempts, 25 operations stored once each"))
}

/// Batches delivered out of order, twice, and all at once: each operation applies once, in
/// its device's order, and the result is what in-order delivery gives.
pub async fn duplicated_and_reordered(tandem: &Path, dir: &Path) -> Outcome {
    let db = dir.join("reordered.db");
    let fleet = prepare(&db, 1, 1);
    let server = Server::start(tandem, &db, free_port()).await;
    let http = http();
    let mut phone = Device::new(&http, &server.base, &fleet.young[0].token);
    let owner = fleet.young[0].id;
    let batches: Vec<Vec<Operation>> = (0..4).map(|_| night_offline(&mut phone, owner, 10).0).collect();
    let all: Vec<Operation> = batches.concat();

    // The third batch first: it skips ahead, so none of it applies.
    let (early, _) = phone.push(batches[2].clone()).await?;
    ensure(early.last_applied == 0 && early.results.iter().all(|r| r.status == OpStatus::OutOfOrder), || {
        format!("a batch that skips ahead was applied: {early:?}")
    })?;
    let mut deliveries = 1;
    for i in [0, 0, 3, 1, 2, 1, 3] {
        phone.push(batches[i].clone()).await?;
        deliveries += 1;
    }
    // Then everything again, all at once, as several tabs' retries might.
    let pushes = batches.iter().chain(batches.iter()).map(|b| phone.push(b.clone()));
    let answers: Vec<_> = futures_util::future::join_all(pushes).await;
    deliveries += answers.len();
    for answer in answers {
        let (answer, _) = answer?;
        ensure(answer.last_applied == 40, || format!("last_applied {}", answer.last_applied))?;
    }
    applied_once_in_order(&db, &server.base, &fleet.young[0].token, phone.id, &all).await?;
    server.terminate().await;
    Ok(format!(
        "{deliveries} deliveries of 4 batches (out of order, twice, 8 at once): 40 operations applied once, in order"
    ))
}

const DAY_MS: i64 = 24 * 3600 * 1000;

fn title_op(dev: &mut Device, record: RecordId, owner: PersonId, title: &str, base: Option<Stamp>) -> Operation {
    let mut op = dev.op(record, RecordKind::Goal, owner, vec![FieldValue::Title(title.into())]);
    op.changes[0].base = base;
    op
}

fn title_stamp(answer: &PushResponse) -> Result<Stamp, String> {
    answer
        .results
        .first()
        .and_then(|r| r.fields.first())
        .map(|f| f.stamp)
        .ok_or_else(|| format!("no stamp in {answer:?}"))
}

fn title_of(record: &Record) -> Option<&str> {
    match record.field(FieldName::Title) {
        Some(FieldValue::Title(t)) => Some(t),
        _ => None,
    }
}

/// Phones a day fast and a day slow, and a worker's laptop a day fast, all editing one title.
pub async fn clocks_a_day_off(tandem: &Path, dir: &Path) -> Outcome {
    let db = dir.join("clocks.db");
    let fleet = prepare(&db, 1, 1);
    let server = Server::start(tandem, &db, free_port()).await;
    let http = http();
    let owner = fleet.young[0].id;
    let young = &fleet.young[0].token;
    let mut right = Device::new(&http, &server.base, young);
    let mut fast = Device::new(&http, &server.base, young);
    fast.skew_ms = DAY_MS;
    let mut slow = Device::new(&http, &server.base, young);
    slow.skew_ms = -DAY_MS;
    let mut worker = Device::new(&http, &server.base, &fleet.workers[0].token);
    worker.skew_ms = DAY_MS;

    let goal = RecordId(uuid::Uuid::now_v7());
    let mut first = right.op(goal, RecordKind::Goal, owner, vec![FieldValue::Title("My first words".into())]);
    first.changes.push(tandem_shared::wire::Change { set: FieldValue::Visibility(Visibility::Worker), base: None });
    let original = title_stamp(&right.push(vec![first]).await?.0)?;

    // The fast phone edits; its clock is capped at the server's, so it can't win for a day.
    let op = title_op(&mut fast, goal, owner, "From the phone a day fast", Some(original));
    let stored = title_stamp(&fast.push(vec![op]).await?.0)?;
    let now = tandem_server::store::now_ms() as u64;
    ensure(stored.hlc.ms <= now + 1000, || format!("a day-fast clock was stored as {} (now {now})", stored.hlc.ms))?;
    // A phone with the right time, which hadn't seen that edit, writes after it: it wins.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let op = title_op(&mut right, goal, owner, "From the phone with the right time", Some(original));
    let (answer, _) = right.push(vec![op]).await?;
    ensure(answer.results[0].status == OpStatus::Merged, || format!("the later write: {:?}", answer.results[0]))?;
    let (records, _) = right.pull_records(0).await?;
    let record = records.iter().find(|r| r.id == goal).ok_or("the goal is missing")?;
    ensure(title_of(record) == Some("From the phone with the right time"), || format!("title {:?}", title_of(record)))?;
    // The slow phone, offline and unaware of both, loses the tie but its words are kept.
    let op = title_op(&mut slow, goal, owner, "From the phone a day slow, offline", Some(original));
    let (answer, _) = slow.push(vec![op]).await?;
    ensure(answer.results[0].status == OpStatus::KeptAsConflict, || {
        format!("the stale write: {:?}", answer.results[0])
    })?;
    // Once it has synced, the slow phone's next edit follows on from what it saw, and applies.
    let (records, _) = slow.pull_records(0).await?;
    let current = records.iter().find(|r| r.id == goal).and_then(|r| r.fields.get(&FieldName::Title)).map(|s| s.stamp);
    let op = title_op(&mut slow, goal, owner, "From the phone a day slow, after syncing", current);
    let (answer, _) = slow.push(vec![op]).await?;
    ensure(answer.results[0].status == OpStatus::Applied, || {
        format!("the synced slow phone: {:?}", answer.results[0])
    })?;
    // The worker's laptop, a day fast, writes over the same version: the young person's words stay.
    let op = title_op(&mut worker, goal, owner, "Worker's wording, a day fast", current);
    let (answer, _) = worker.push(vec![op]).await?;
    ensure(answer.results[0].status == OpStatus::KeptAsConflict, || {
        format!("the worker's write: {:?}", answer.results[0])
    })?;

    let (records, _) = right.pull_records(0).await?;
    let record = records.iter().find(|r| r.id == goal).ok_or("the goal is missing")?;
    ensure(title_of(record) == Some("From the phone a day slow, after syncing"), || {
        format!("title {:?}", title_of(record))
    })?;
    let kept: HashSet<&str> = record
        .conflicts
        .iter()
        .filter_map(|c| match &c.value {
            FieldValue::Title(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    // ("With the right time" was the slow phone's base: replaced in sequence, not lost.)
    for words in ["From the phone a day fast", "From the phone a day slow, offline", "Worker's wording, a day fast"] {
        ensure(kept.contains(words), || format!("{words:?} was lost; kept: {kept:?}"))?;
    }
    let latest = record.fields.values().chain(&record.conflicts).map(|s| s.stamp.hlc.ms).max().unwrap_or(0);
    let now = tandem_server::store::now_ms() as u64;
    ensure(latest <= now + 1000, || format!("a stored clock is ahead of real time: {latest} > {now}"))?;
    server.terminate().await;
    Ok("clocks ±1 day: stored clocks never ahead of the server, later real-time edit wins, nothing lost, the young person's words stay".into())
}

/// What one live-event listener has seen: like the PWA, it pulls whenever a notice names a
/// cursor past its own, and reconnects whenever the stream ends.
#[derive(Default)]
struct Seen {
    records: HashSet<RecordId>,
    cursor: u64,
    connects: usize,
}

fn listen(http: reqwest::Client, base: String, token: String, seen: Arc<Mutex<Seen>>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut puller = Device::new(&http, &base, &token);
        loop {
            let resp = http
                .get(format!("{base}/api/sync/events"))
                .bearer_auth(&token)
                .header("tandem-protocol", "1")
                .header("tandem-schema", "1")
                .timeout(Duration::from_secs(3600))
                .send()
                .await;
            let Ok(resp) = resp.and_then(|r| r.error_for_status()) else {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            };
            seen.lock().unwrap().connects += 1;
            let mut stream = resp.bytes_stream();
            let mut buffer = String::new();
            while let Some(Ok(chunk)) = stream.next().await {
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buffer.find("\n\n") {
                    let event: String = buffer.drain(..end + 2).collect();
                    let Some(data) = event.lines().find_map(|l| l.strip_prefix("data:")) else { continue };
                    let cursor = serde_json::from_str::<serde_json::Value>(data.trim())
                        .ok()
                        .and_then(|v| v["cursor"].as_u64())
                        .unwrap_or(0);
                    let since = seen.lock().unwrap().cursor;
                    if cursor > since
                        && let Ok((records, next)) = puller.pull_records(since).await
                    {
                        let mut s = seen.lock().unwrap();
                        s.records.extend(records.iter().map(|r| r.id));
                        s.cursor = s.cursor.max(next);
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
}

async fn until_seen(seen: &Arc<Mutex<Seen>>, wanted: &HashSet<RecordId>, what: &str) -> Result<(), String> {
    for _ in 0..400 {
        if wanted.is_subset(&seen.lock().unwrap().records) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let missed = wanted.difference(&seen.lock().unwrap().records).count();
    Err(format!("{what}: the listener missed {missed} of {} records", wanted.len()))
}

/// Restarts (graceful, then SIGKILL) while a key worker's screen and the young person's other
/// phone listen: both reconnect and miss nothing, including what arrived before they did.
pub async fn restart_under_live_listeners(tandem: &Path, dir: &Path) -> Outcome {
    let db = dir.join("listeners.db");
    let fleet = prepare(&db, 1, 1);
    let port = free_port();
    let server = Server::start(tandem, &db, port).await;
    let http = http();
    let base = server.base.clone();
    let worker = Arc::new(Mutex::new(Seen::default()));
    let other_phone = Arc::new(Mutex::new(Seen::default()));
    let listeners = [
        listen(http.clone(), base.clone(), fleet.workers[0].token.clone(), worker.clone()),
        listen(http.clone(), base.clone(), fleet.young[0].token.clone(), other_phone.clone()),
    ];
    let mut phone = Device::new(&http, &base, &fleet.young[0].token);
    let owner = fleet.young[0].id;
    let mut shared = HashSet::new();
    let share = |phone: &mut Device| -> Vec<Operation> {
        (0..5)
            .map(|i| {
                phone.op(
                    RecordId(uuid::Uuid::now_v7()),
                    RecordKind::Statement,
                    owner,
                    vec![FieldValue::Text(format!("Shared {i}")), FieldValue::Visibility(Visibility::Worker)],
                )
            })
            .collect()
    };
    let mut server = Some(server);
    for stop in ["live", "graceful", "sigkill"] {
        match (stop, server.take()) {
            ("graceful", Some(s)) => s.terminate().await,
            ("sigkill", Some(s)) => s.kill().await,
            (_, s) => server = s,
        }
        if server.is_none() {
            server = Some(Server::start(tandem, &db, port).await);
        }
        // Pushed straight after the restart, usually before the listeners are back.
        let ops = share(&mut phone);
        shared.extend(ops.iter().map(|op| op.record));
        phone.push(ops).await?;
        until_seen(&worker, &shared, &format!("after a {stop} restart (worker)")).await?;
        until_seen(&other_phone, &shared, &format!("after a {stop} restart (other phone)")).await?;
    }
    for l in listeners {
        l.abort();
    }
    if let Some(s) = server {
        s.terminate().await;
    }
    let connects = (worker.lock().unwrap().connects, other_phone.lock().unwrap().connects);
    ensure(connects.0 >= 3 && connects.1 >= 3, || format!("connections {connects:?}"))?;
    Ok(format!(
        "2 listeners through a graceful stop and a SIGKILL: {} connections each, {} of {} shared records seen, 0 missed",
        connects.0.min(connects.1),
        shared.len(),
        shared.len()
    ))
}

/// Runs `script` (sh) in a new user and mount namespace, where it may mount a small tmpfs.
fn in_namespace(script: &str, args: &[&std::ffi::OsStr]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new("unshare");
    cmd.args(["--user", "--map-root-user", "--mount", "sh", "-c", script]).args(args);
    cmd
}

fn namespaces_work() -> Result<(), String> {
    let out = std::process::Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "sh", "-c", "mount -t tmpfs -o size=64k probe /mnt"])
        .output()
        .map_err(|e| format!("unshare: {e}"))?;
    ensure(out.status.success(), || {
        format!(
            "this machine can't make a small private filesystem (unshare + tmpfs), which the disk fault tests need: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )
    })
}

/// The disk fills up under load: pushes are refused with a clear 503 (nothing half-written),
/// reads go on, and when space returns the phones' retries go through and nothing is lost.
pub async fn disk_full(tandem: &Path, dir: &Path) -> Outcome {
    namespaces_work()?;
    let template = dir.join("full-template.db");
    let fleet = prepare(&template, 4, 1);
    let mount = dir.join("full-mount");
    std::fs::create_dir_all(&mount).map_err(|e| e.to_string())?;
    let port = free_port();
    let script = r#"mount -t tmpfs -o size=3m tandem-full "$0" && cp "$1" "$0/t.db" && cp "$1.data-key" "$0/t.db.data-key" \
        && exec "$2" --db "$0/t.db" serve --listen "127.0.0.1:$3" --key-file "$4""#;
    let key = crate::key_path(&template);
    let port_arg = port.to_string();
    let cmd = in_namespace(
        script,
        &[mount.as_os_str(), template.as_os_str(), tandem.as_os_str(), port_arg.as_ref(), key.as_os_str()],
    );
    let server = Server::spawn(cmd, port).await?;
    // The server's view of its files, through its own mount namespace.
    let inside = Path::new("/proc").join(server.pid().to_string()).join("root").join(mount.strip_prefix("/").unwrap());
    let http = http();
    let mut phones: Vec<(Device, PersonId, Vec<Operation>)> =
        fleet.young.iter().map(|p| (Device::new(&http, &server.base, &p.token), p.id, Vec::new())).collect();
    let mut acked: HashSet<(DeviceId, u64)> = HashSet::new();
    let (mut refused, mut ballast_mib) = (0, 0);
    let push_round = |phones: &mut Vec<(Device, PersonId, Vec<Operation>)>, fresh: bool| {
        let phones = std::mem::take(phones);
        async move {
            let mut out = Vec::new();
            let mut results = Vec::new();
            for (mut dev, owner, mut pending) in phones {
                if fresh && pending.len() < 50 {
                    pending.extend(night_offline(&mut dev, owner, 50).0);
                }
                let r = dev.send(pending.clone()).await;
                if let Ok(Answer::Pushed(answer)) = &r {
                    pending.retain(|op| op.seq > answer.last_applied);
                }
                results.push((dev.id, r));
                out.push((dev, owner, pending));
            }
            (out, results)
        }
    };
    // Some work lands while there is space.
    let (next, results) = push_round(&mut phones, true).await;
    phones = next;
    for (device, r) in results {
        match r? {
            Answer::Pushed(answer) => acked.extend(acknowledged(&answer).map(|s| (device, s))),
            Answer::Refused { status, body, .. } => {
                return Err(format!("a push with space free answered {status}: {body}"));
            }
        }
    }
    // Fill the disk: ballast until the filesystem says no more, then the phones push on.
    let ballast = inside.join("ballast");
    {
        let mut file = std::fs::File::create(&ballast).map_err(|e| format!("ballast: {e}"))?;
        let chunk = vec![0u8; 64 * 1024];
        while std::io::Write::write_all(&mut file, &chunk).is_ok() {
            ballast_mib += 1;
        }
        let _ = file.sync_all();
    }
    let mut error_seen = None;
    for _ in 0..40 {
        let (next, results) = push_round(&mut phones, true).await;
        phones = next;
        for (device, r) in results {
            match r? {
                Answer::Pushed(answer) => acked.extend(acknowledged(&answer).map(|s| (device, s))),
                Answer::Refused { status: 503, retry_after, body } => {
                    refused += 1;
                    error_seen = Some((retry_after, body));
                }
                Answer::Refused { status, body, .. } => return Err(format!("a full disk answered {status}: {body}")),
            }
        }
        if refused >= 4 {
            break;
        }
    }
    let Some((retry_after, body)) = error_seen else { return Err("the disk never filled".into()) };
    let body: serde_json::Value = serde_json::from_str(&body).map_err(|e| format!("error body: {e}: {body}"))?;
    ensure(
        body["error"] == "storage_unavailable" && retry_after.as_deref().is_some_and(|s| s.parse::<u64>().is_ok()),
        || format!("a full disk's answer: {body} (Retry-After {retry_after:?})"),
    )?;
    // Reading still works while the disk is full.
    let mut reader = Device::new(&http, &server.base, &fleet.young[0].token);
    let (records, _) = reader.pull_records(0).await.map_err(|e| format!("reading while full: {e}"))?;
    ensure(!records.is_empty(), || "nothing could be read while the disk was full".into())?;
    // Space returns; the phones send what was refused, with the same numbers.
    std::fs::remove_file(&ballast).map_err(|e| e.to_string())?;
    for _ in 0..20 {
        if phones.iter().all(|(_, _, p)| p.is_empty()) {
            break;
        }
        let (next, results) = push_round(&mut phones, false).await;
        phones = next;
        for (device, r) in results {
            if let Ok(Answer::Pushed(answer)) = r {
                acked.extend(acknowledged(&answer).map(|s| (device, s)));
            }
        }
    }
    let unsent: usize = phones.iter().map(|(_, _, p)| p.len()).sum();
    ensure(unsent == 0, || format!("{unsent} operations still refused after space returned"))?;
    // SQLite resolves /proc/PID/root back to "/", so the database is read from inside the
    // namespace: `tandem backup` there writes a copy to a folder both sides see.
    let db = dir.join("after-full.db");
    let status = std::process::Command::new("nsenter")
        .args(["-t", &server.pid().to_string(), "-U", "-m", "--preserve-credentials"])
        .arg(tandem)
        .arg("--db")
        .arg(mount.join("t.db"))
        .args(["backup", "--to"])
        .arg(&db)
        .env("TANDEM_LOG", "error")
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("nsenter: {e}"))?;
    ensure(status.success(), || format!("backup after the disk was full: {status}"))?;
    crate::integrity(&db)?;
    let mut stored = 0;
    for (dev, _, _) in &phones {
        let counts = applied_counts(&db, dev.id)?;
        ensure(counts.values().all(|&n| n == 1), || "an operation was stored twice".into())?;
        ensure(counts.len() as u64 == dev.seq && (1..=dev.seq).all(|s| counts.contains_key(&s)), || {
            format!("device {} holds {} of its {} operations", dev.id, counts.len(), dev.seq)
        })?;
        stored += counts.len();
    }
    crate::verify_acknowledged(&db, &acked.iter().copied().collect::<Vec<_>>())?;
    server.kill().await;
    Ok(format!(
        "disk full ({ballast_mib} × 64 KiB ballast on a 3 MiB filesystem): {refused} pushes refused with 503 storage_unavailable, reads went on; \
         after space returned {stored} operations stored once each, 0 lost, integrity ok"
    ))
}

/// A database on a read-only filesystem: `tandem serve` says so plainly and changes nothing;
/// once the filesystem is writable it starts and serves what was there.
pub async fn read_only_database(tandem: &Path, dir: &Path) -> Outcome {
    namespaces_work()?;
    let template = dir.join("ro-template.db");
    let fleet = prepare(&template, 1, 1);
    let mount = dir.join("ro-mount");
    std::fs::create_dir_all(&mount).map_err(|e| e.to_string())?;
    let log = dir.join("ro-first-start.txt");
    let port = free_port();
    let script = r#"mount -t tmpfs -o size=8m tandem-ro "$0" && cp "$1" "$0/t.db" && cp "$1.data-key" "$0/t.db.data-key" && mount -o remount,ro "$0" \
        && { "$2" --db "$0/t.db" serve --listen "127.0.0.1:$3" --key-file "$4" > "$5" 2>&1; echo "exit $?" >> "$5"; } \
        && mount -o remount,rw "$0" && exec "$2" --db "$0/t.db" serve --listen "127.0.0.1:$3" --key-file "$4""#;
    let key = crate::key_path(&template);
    let port_arg = port.to_string();
    let cmd = in_namespace(
        script,
        &[
            mount.as_os_str(),
            template.as_os_str(),
            tandem.as_os_str(),
            port_arg.as_ref(),
            key.as_os_str(),
            log.as_os_str(),
        ],
    );
    let server = Server::spawn(cmd, port).await?;
    let first = std::fs::read_to_string(&log).map_err(|e| e.to_string())?;
    ensure(first.contains("read-only") && first.contains("changed nothing") && first.contains("exit 1"), || {
        format!("the read-only start said: {first}")
    })?;
    let http = http();
    let mut phone = Device::new(&http, &server.base, &fleet.young[0].token);
    let (ops, _) = night_offline(&mut phone, fleet.young[0].id, 5);
    let (answer, _) = phone.push(ops).await.map_err(|e| format!("after the disk became writable: {e}"))?;
    ensure(answer.last_applied == 5, || format!("{answer:?}"))?;
    server.kill().await;
    let said = first.lines().find(|l| l.contains("read-only")).unwrap_or_default().trim().to_owned();
    Ok(format!("read-only database: refused to start (\"{said}\"), then started and saved once writable"))
}

/// `tandem backup` while phones push; a server started from the backup holds every operation
/// acknowledged before the backup began.
pub async fn backup_under_load(tandem: &Path, dir: &Path) -> Outcome {
    let db = dir.join("live.db");
    let copy = dir.join("backup.db");
    let fleet: Fleet = prepare(&db, 8, 2);
    let server = Server::start(tandem, &db, free_port()).await;
    let http = http();
    let acked: Arc<Mutex<HashSet<(DeviceId, u64)>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut phones = Vec::new();
    for p in &fleet.young {
        let (mut dev, owner) = (Device::new(&http, &server.base, &p.token), p.id);
        let (acked, stop) = (acked.clone(), stop.clone());
        phones.push(tokio::spawn(async move {
            let mut pending = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if pending.is_empty() {
                    pending = night_offline(&mut dev, owner, 20).0;
                }
                if let Ok((answer, _)) = dev.push(pending.clone()).await {
                    acked.lock().unwrap().extend(acknowledged(&answer).map(|s| (dev.id, s)));
                    pending.retain(|op| op.seq > answer.last_applied);
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let before: Vec<(DeviceId, u64)> = acked.lock().unwrap().iter().copied().collect();
    let status = tokio::process::Command::new(tandem)
        .arg("--db")
        .arg(&db)
        .args(["backup", "--to"])
        .arg(&copy)
        .env("TANDEM_LOG", "error")
        .stdout(std::process::Stdio::null())
        .status()
        .await
        .map_err(|e| e.to_string())?;
    let during = acked.lock().unwrap().len() - before.len();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for p in phones {
        let _ = p.await;
    }
    ensure(status.success(), || format!("tandem backup under load: {status}"))?;
    server.terminate().await;
    let total = acked.lock().unwrap().len();

    // A server started from the backup, with the same key file (the key is not in the database).
    let port = free_port();
    let mut cmd = serve_command(tandem, &copy, port);
    cmd.arg("--key-file").arg(crate::key_path(&db));
    cmd.arg("--data-key-file").arg(crate::data_key_path(&db));
    let restored = Server::spawn(cmd, port).await?;
    crate::integrity(&copy)?;
    crate::verify_acknowledged(&copy, &before)?;
    let mut reader = Device::new(&http, &restored.base, &fleet.young[0].token);
    let (records, _) = reader.pull_records(0).await.map_err(|e| format!("from the backup: {e}"))?;
    ensure(!records.is_empty(), || "the restored server served nothing".into())?;
    restored.terminate().await;
    Ok(format!(
        "backup under load: {} operations acknowledged before it began, all in the backup; {during} more acknowledged while it ran, {total} in all; the restored server serves them",
        before.len()
    ))
}
