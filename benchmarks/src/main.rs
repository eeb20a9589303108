//! `tandem-bench`: runs the real `tandem` binary on loopback with fresh databases, drives it with
//! the load generator, compares it with pouchdb-server on the same workload, and writes
//! `benchmarks/RESULTS.md`. Run it with `./scripts/bench.sh`.

use clap::Parser;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tandem_bench::{Device, Fleet, ms, percentile};
use tandem_shared::wire::OpStatus;
use tandem_shared::{FieldValue, RecordId, RecordKind};
use tokio::process::{Child, Command};

// The server's allocator for the load generator too: on a 2-core machine the hundred simulated
// phones share the CPU with the server, and glibc's allocator made them a heavier neighbour.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How many times the N = 100 load runs; its row is the median.
const N100_RUNS: usize = 5;
/// The steady run: 1,000 devices each come online at a random moment within this time.
const STEADY: Duration = Duration::from_secs(20);

#[derive(Parser)]
struct Args {
    /// The tandem binary to measure (build it with --release).
    #[arg(long, default_value = "target/release/tandem")]
    tandem: PathBuf,
    #[arg(long, default_value = "benchmarks/RESULTS.md")]
    out: PathBuf,
    /// For `--only-load`: devices start at random moments within this many seconds (0: at once).
    #[arg(long, default_value_t = 0)]
    spread: u64,
    /// Skip the peer comparisons (pouchdb-server and Actual).
    #[arg(long)]
    skip_peer: bool,
    /// Run only the load test at these device counts (for profiling); writes no results.
    #[arg(long, value_delimiter = ',')]
    only_load: Vec<usize>,
    /// A PostgreSQL server (`postgres://user@host:port`) for the PostgreSQL rows; bench.sh starts
    /// a throwaway one. Without it those rows say they were not run.
    #[arg(long, env = "TANDEM_TEST_POSTGRES")]
    postgres: Option<String>,
    /// Run only the PostgreSQL rows, sign-in timing and sealing cost; print them, write nothing.
    #[arg(long)]
    only_extras: bool,
    /// Run only the pull timings at 1,000 and 100,000 stored records (for profiling pulls);
    /// print them, write nothing.
    #[arg(long)]
    only_pulls: bool,
    /// Run only the start-up timings with a long ledger; print them, write nothing.
    #[arg(long)]
    only_starts: bool,
    /// Run only Tandem's side of the peer workload (for profiling); print it, write nothing
    #[arg(long)]
    only_peer: bool,
}

/// Device counts of the PostgreSQL rows (the SQLite rows have the same counts among theirs).
const PG_DEVICES: [usize; 2] = [100, 1000];

/// The PostgreSQL rows, sign-in timing and sealing cost, as markdown.
async fn extras(args: &Args, dir: &Path, sqlite: &[LoadRow]) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "\n## PostgreSQL: one and two replicas\n\nThe same workload as the load rows above, in the same run, on a fresh database on a local PostgreSQL 15 (fsync and synchronous_commit on); with two replicas, devices take them in turn (workers' laptops on the other replica from their first phone), as behind a load balancer. Every acknowledged operation is checked to be stored exactly once afterwards.\n\n| backend | replicas | devices | ops acknowledged | applied ops/s | push p50 / p95 / p99 (ms) | pull p50 / p95 / p99 (ms) | Tandem CPU (cores busy, all replicas) | errors |\n|---|---:|---:|---:|---:|---|---|---:|---:|"
    );
    for r in sqlite.iter().filter(|r| PG_DEVICES.contains(&r.n)) {
        let _ = writeln!(
            md,
            "| SQLite | 1 | {} | {} | {:.0} | {:.1} / {:.1} / {:.1} | {:.1} / {:.1} / {:.1} | {:.2} | {} |",
            r.n,
            r.ops,
            r.ops_per_sec,
            r.push[0],
            r.push[1],
            r.push[2],
            r.pull[0],
            r.pull[1],
            r.pull[2],
            r.server_cores,
            r.errors
        );
    }
    match &args.postgres {
        None => {
            let _ = writeln!(md, "| PostgreSQL | – | – | – | – | – | – | – | not run: no --postgres server |");
        }
        Some(server) => {
            for replicas in [1, 2] {
                for n in PG_DEVICES {
                    eprintln!("PostgreSQL: {replicas} replica(s), N = {n}…");
                    match tandem_bench::postgres::load(&args.tandem, server, dir, replicas, n).await {
                        Ok(r) => {
                            eprintln!(
                                "  {:.0} ops/s, push p99 {:.1} ms, {} errors",
                                r.ops_per_sec, r.push[2], r.errors
                            );
                            let _ = writeln!(
                                md,
                                "| PostgreSQL | {} | {} | {} | {:.0} | {:.1} / {:.1} / {:.1} | {:.1} / {:.1} / {:.1} | {:.2} | {} |",
                                r.replicas,
                                r.n,
                                r.ops,
                                r.ops_per_sec,
                                r.push[0],
                                r.push[1],
                                r.push[2],
                                r.pull[0],
                                r.pull[1],
                                r.pull[2],
                                r.tandem_cores,
                                r.errors
                            );
                        }
                        Err(e) => {
                            let _ = writeln!(md, "| PostgreSQL | {replicas} | {n} | – | – | – | – | – | failed: {e} |");
                        }
                    }
                }
            }
        }
    }
    let _ = writeln!(
        md,
        "\nWhat bounds each figure: on this 2-core machine PostgreSQL, the replicas and the load generator (1,000 concurrent clients) share the same two cores, so a second replica adds no CPU; its row shows what coordination costs (a push writes its records first, then takes the change counter's row lock to number them and holds it until it commits, so pushes commit one at a time and each waits for PostgreSQL's WAL flush under that lock), not what a second machine would add. SQLite's single writer folds concurrent pushes into one fsync (group commit), which PostgreSQL does only through its own commit grouping. Replicas on their own machines, with PostgreSQL on another, are what the second row stands for in production."
    );

    eprintln!(
        "sign-in: {} known and {} unknown names…",
        tandem_bench::data_life::TRIES,
        tandem_bench::data_life::TRIES
    );
    let _ = writeln!(md, "\n## Sign-in gives nothing away\n");
    match tandem_bench::data_life::signin_times(&args.tandem, dir).await {
        Ok(t) => {
            let _ = writeln!(
                md,
                "A wrong PIN, {} times each, in turn, for names that exist (with a real PIN) and for names nobody has, against the real server on SQLite. Both are refused the same way, after the same password check (a stand-in hash for unknown names) and the same delay.\n\n| name | median sign-in (ms) |\n|---|---:|\n| known | {:.1} |\n| unknown | {:.1} |\n\nUnknown ÷ known: **{:.2}** (goal 0.9–1.1).",
                tandem_bench::data_life::TRIES,
                t.known_ms,
                t.unknown_ms,
                t.ratio()
            );
        }
        Err(e) => {
            let _ = writeln!(md, "Not measured: {e}");
        }
    }
    let _ = writeln!(md, "\n## What sealing words costs\n");
    match tandem_bench::data_life::seal_cost(dir) {
        Ok(c) => {
            let per_op = sqlite.iter().find(|r| r.n == 100).map(|r| r.cpu_us_per_op);
            let _ = writeln!(
                md,
                "A record's fields and kept conflicts are stored as one sealed value (AES-256-GCM with a random nonce, bound to its record; each field was sealed on its own before the fifth pass; XChaCha20-Poly1305 before the third, AES-256-GCM-SIV in it) and opened when read. One typical record (a statement with five fields: {} bytes of JSON; {} bytes sealed): **{:.2} µs to seal, {:.2} µs to open**, on one core.{}",
                c.plain_bytes,
                c.sealed_bytes,
                c.seal_us,
                c.open_us,
                per_op.map_or(String::new(), |us| format!(
                    " A push seals each record it changes once, and a pull opens each record once, against {us:.0} µs of server CPU per acknowledged operation in the N = 100 load row above (which includes sealing). With XChaCha20-Poly1305 a profile put sealing and opening at about a fifth of the server's CPU (`benchmarks/NOTES.md`), which is why it changed."
                ))
            );
        }
        Err(e) => {
            let _ = writeln!(md, "Not measured: {e}");
        }
    }
    md.push_str(&ledger_starts(args, dir).await);
    md
}

/// How long a start takes with a long ledger, on each backend, as markdown.
async fn ledger_starts(args: &Args, dir: &Path) -> String {
    use tandem_bench::data_life::{LEDGER_YOUNG, start_with_ledger};
    let mut md = format!(
        "\n## Starting with a long ledger\n\nEvery start checks each decision in the ledger (who was erased, assigned, signed out, given a new PIN; each ended session) against the database before it serves, so a restored copy can't undo them. Here a database of {LEDGER_YOUNG} young people is started three times with no ledger, then three times with one noting fourteen decisions about each (ten of them ended sessions), all already true in the database. Median time from starting the process to its first healthy answer (polled every 25 ms):\n\n| backend | ledger lines | start without (ms) | start with (ms) |\n|---|---:|---:|---:|\n"
    );
    let mut row = |backend: &str, r: Result<tandem_bench::data_life::StartTimes, String>| match r {
        Ok(t) => {
            eprintln!(
                "  {backend}: {:.0} ms without the ledger, {:.0} ms with {} lines",
                t.without_ms, t.with_ms, t.lines
            );
            let _ = writeln!(md, "| {backend} | {} | {:.0} | {:.0} |", t.lines, t.without_ms, t.with_ms);
        }
        Err(e) => {
            let _ = writeln!(md, "| {backend} | – | – | not measured: {e} |");
        }
    };
    eprintln!("starting with a long ledger…");
    let db = dir.join("ledger-start.db");
    row("SQLite", start_with_ledger(&args.tandem, &db.display().to_string(), dir, "ledger-start").await);
    if let Some(server) = &args.postgres {
        let name = format!("tandem_ledger_{}", std::process::id());
        let measured = match tandem_bench::postgres::fresh_database(server, &name).await {
            Ok(url) => start_with_ledger(&args.tandem, &url, dir, &name).await,
            Err(e) => Err(e),
        };
        row("PostgreSQL", measured);
        let _ = tandem_bench::postgres::drop_database(server, &name).await;
    }
    md
}

struct Server {
    child: Child,
    base: String,
}

impl Server {
    async fn start(tandem: &Path, db: &Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(tandem)
            .arg("--db")
            .arg(db)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("TANDEM_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start tandem");
        let base = format!("http://127.0.0.1:{port}");
        wait_healthy(&format!("{base}/api/health")).await;
        Server { child, base }
    }

    /// Peak resident memory of the server process so far, in MiB.
    fn peak_mib(&self) -> f64 {
        let pid = self.child.id().unwrap_or(0);
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let kb: f64 = status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        kb / 1024.0
    }

    /// CPU time the server's threads have used so far, in seconds, to the nanosecond: the
    /// process's own count is in 10 ms ticks, about 1 µs per operation over an N = 100 run,
    /// which is the size of what a change to the server moves. (A thread that ended would take
    /// its time with it; the server's threads live as long as it does.)
    fn cpu_secs(&self) -> f64 {
        self.threads_cpu_secs(|_| true)
    }

    /// The same for the threads `which` picks (by name).
    fn threads_cpu_secs(&self, which: impl Fn(&str) -> bool) -> f64 {
        let pid = self.child.id().unwrap_or(0);
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return 0.0 };
        tasks
            .flatten()
            .filter(|t| std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| which(c.trim())))
            .map(|t| on_cpu_secs(&t.path()))
            .sum()
    }

    /// CPU time so far by kind of thread (the name without its number: `tandem-reader-2` counts
    /// as `tandem-reader`), to say which part of the server a change should look at.
    fn cpu_secs_by_kind(&self) -> std::collections::BTreeMap<String, f64> {
        let pid = self.child.id().unwrap_or(0);
        let mut kinds = std::collections::BTreeMap::new();
        for task in std::fs::read_dir(format!("/proc/{pid}/task")).into_iter().flatten().flatten() {
            let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            let kind = name.trim().trim_end_matches(|c: char| c.is_ascii_digit()).trim_end_matches('-');
            *kinds.entry(kind.to_owned()).or_insert(0.0) += on_cpu_secs(&task.path());
        }
        kinds
    }

    /// CPU time the server's one writer thread has used so far, in seconds: the figure that shows
    /// whether the single writer is what bounds throughput.
    fn writer_cpu_secs(&self) -> f64 {
        self.threads_cpu_secs(|name| name == "tandem-writer")
    }

    async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
        let _ = self.child.kill().await;
    }
}

async fn wait_healthy(url: &str) {
    for _ in 0..600 {
        if reqwest::get(url).await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{url} never became healthy");
}

fn copy_db(template: &Path, to: &Path) {
    // A write-ahead log left by an earlier run on the same path would be replayed onto the copy.
    for stale in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{stale}", to.display()));
    }
    std::fs::copy(template, to).expect("copy template");
    std::fs::copy(tandem_bench::key_path(template), tandem_bench::key_path(to)).expect("copy key");
    std::fs::copy(tandem_bench::data_key_path(template), tandem_bench::data_key_path(to)).expect("copy data key");
}

/// A thread's time on a CPU, in seconds: `schedstat`'s first field (nanoseconds), or its
/// `stat`'s user + system ticks where the kernel keeps no `schedstat`.
fn on_cpu_secs(task: &Path) -> f64 {
    let schedstat = std::fs::read_to_string(task.join("schedstat")).unwrap_or_default();
    match schedstat.split_whitespace().next().and_then(|ns| ns.parse::<f64>().ok()) {
        Some(ns) => ns / 1e9,
        None => cpu_of(&std::fs::read_to_string(task.join("stat")).unwrap_or_default()),
    }
}

/// User + system CPU seconds from a `/proc/.../stat` line.
fn cpu_of(stat: &str) -> f64 {
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 (utime, stime) are at 11 and 12 after the command name and state.
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

fn db_size_mib(db: &Path) -> f64 {
    let size = |p: PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    (size(db.to_owned()) + size(wal.into())) as f64 / (1024.0 * 1024.0)
}

struct LoadRow {
    n: usize,
    ops: usize,
    ops_per_sec: f64,
    push: [f64; 3],
    pull: [f64; 3],
    peak_mib: f64,
    db_mib: f64,
    errors: usize,
    /// Server CPU seconds per wall second during the run (2.0 = both cores busy).
    server_cores: f64,
    /// The writer thread's CPU seconds per wall second (1.0 = never idle).
    writer_busy: f64,
    /// Server CPU time per acknowledged operation, in microseconds (all threads).
    cpu_us_per_op: f64,
    /// What the run wrote, and how fast a bare loop writes the same (see ceiling.rs).
    ceiling: Option<Ceiling>,
    /// Server CPU per acknowledged operation (µs) by kind of thread, for `--only-load`.
    cpu_us_by_kind: Vec<(String, f64)>,
}

struct Ceiling {
    rows: u64,
    bytes: u64,
    commits: u64,
    bare: Duration,
    tandem: Duration,
}

impl Ceiling {
    /// Tandem's rate as a fraction of the bare loop's, for the same rows and commits.
    fn fraction(&self) -> f64 {
        self.bare.as_secs_f64() / self.tandem.as_secs_f64()
    }
}

/// The SQLite group commits the server has made so far (its /metrics).
async fn commits(base: &str) -> u64 {
    let text = match reqwest::get(format!("{base}/metrics")).await {
        Ok(r) => r.text().await.unwrap_or_default(),
        Err(_) => return 0,
    };
    text.lines()
        .find_map(|l| l.strip_prefix("tandem_sqlite_commits_total "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

async fn load_run(tandem: &Path, template: &Path, fleet: &Fleet, dir: &Path, n: usize, spread: Duration) -> LoadRow {
    let db = dir.join(format!("load-{n}-{}.db", spread.as_secs()));
    copy_db(template, &db);
    let server = Server::start(tandem, &db).await;
    let cpu_before = server.cpu_secs();
    let writer_before = server.writer_cpu_secs();
    let kinds_before = server.cpu_secs_by_kind();
    let commits_before = commits(&server.base).await;
    let report = tandem_bench::run(std::slice::from_ref(&server.base), fleet, n, 5, 20, spread).await;
    let peak = server.peak_mib();
    let server_cpu = server.cpu_secs() - cpu_before;
    let writer_cpu = server.writer_cpu_secs() - writer_before;
    let per_op = |secs: f64| secs * 1e6 / report.ops_acknowledged.max(1) as f64;
    let cpu_us_by_kind = server
        .cpu_secs_by_kind()
        .into_iter()
        .map(|(kind, secs)| {
            let before = kinds_before.get(&kind).copied().unwrap_or(0.0);
            (kind, per_op(secs - before))
        })
        .filter(|(_, us)| *us >= 0.05)
        .collect();
    let run_commits = commits(&server.base).await - commits_before;
    server.stop().await;
    let mut kinds: Vec<&String> = report.errors.iter().collect();
    kinds.dedup();
    for e in kinds.iter().take(3) {
        eprintln!("  error (N={n}): {e}");
    }
    if let Err(e) = tandem_bench::verify_acknowledged(&db, &report.acknowledged) {
        panic!("N={n}: {e}");
    }
    let ceiling = tandem_bench::ceiling::written(&db).ok().and_then(|w| {
        let bare = tandem_bench::ceiling::bare_loop(dir, w.rows, w.bytes, run_commits).ok()?;
        Some(Ceiling { rows: w.rows, bytes: w.bytes, commits: run_commits, bare, tandem: report.wall })
    });
    let mut push = report.push_latencies.clone();
    push.sort();
    let mut pull = report.pull_latencies.clone();
    pull.sort();
    let p = |v: &[Duration]| [ms(percentile(v, 0.5)), ms(percentile(v, 0.95)), ms(percentile(v, 0.99))];
    LoadRow {
        n: report.devices,
        ops: report.ops_acknowledged,
        ops_per_sec: report.ops_acknowledged as f64 / report.wall.as_secs_f64(),
        push: p(&push),
        pull: p(&pull),
        peak_mib: peak,
        db_mib: db_size_mib(&db),
        errors: report.errors.len(),
        server_cores: server_cpu / report.wall.as_secs_f64(),
        writer_busy: writer_cpu / report.wall.as_secs_f64(),
        cpu_us_per_op: per_op(server_cpu),
        ceiling,
        cpu_us_by_kind,
    }
}

struct GrowthRow {
    records: usize,
    no_change: [f64; 2],
    hundred: [f64; 2],
    worker_no_change: f64,
}

/// Pull latency as the database grows: the measured young person owns the same 200 records
/// throughout; other young people's records fill the database to each size.
async fn growth_run(tandem: &Path, template: &Path, fleet: &Fleet, dir: &Path) -> Vec<GrowthRow> {
    let db = dir.join("growth.db");
    copy_db(template, &db);
    let server = Server::start(tandem, &db).await;
    let http = reqwest::Client::new();
    let mut me = Device::new(&http, &server.base, &fleet.young[0].token);
    let owner = fleet.young[0].id;
    let (ops, _) = tandem_bench::night_offline(&mut me, owner, 250);
    me.push(ops).await.expect("seed");
    let mut worker = Device::new(&http, &server.base, &fleet.workers[0].token);
    let mut stored = 200usize;
    let mut rows = Vec::new();
    let mut filler_index = 1;
    for target in [1_000usize, 100_000] {
        while stored < target {
            let y = &fleet.young[1 + (filler_index % (fleet.young.len() - 1))];
            filler_index += 1;
            let mut dev = Device::new(&http, &server.base, &y.token);
            let batch = (target - stored).min(500);
            let ops = (0..batch)
                .map(|i| {
                    dev.op(
                        RecordId(uuid::Uuid::now_v7()),
                        RecordKind::Strength,
                        y.id,
                        vec![FieldValue::Text(format!("filler {i}"))],
                    )
                })
                .collect();
            let (answer, _) = dev.push(ops).await.expect("fill");
            stored += answer.results.iter().filter(|r| r.status == OpStatus::Applied).count();
        }
        let (page, _, _) = me.pull(0).await.expect("pull");
        let cursor = page.cursor;
        let (wpage, _, _) = worker.pull(0).await.expect("worker pull");
        let mut none = Vec::new();
        let mut wnone = Vec::new();
        for _ in 0..300 {
            none.push(me.pull(cursor).await.expect("pull").2);
            wnone.push(worker.pull(wpage.cursor).await.expect("pull").2);
        }
        let mut hundred = Vec::new();
        for _ in 0..15 {
            let (before, _, _) = me.pull(0).await.expect("pull");
            let (ops, _) = tandem_bench::night_offline(&mut me, owner, 100);
            me.push(ops).await.expect("push");
            let (_, n, t) = me.pull(before.cursor).await.expect("pull");
            assert!(n >= 60, "a 100-change pull brought {n} records");
            hundred.push(t);
        }
        stored += 15 * 60;
        none.sort();
        wnone.sort();
        hundred.sort();
        rows.push(GrowthRow {
            records: target,
            no_change: [ms(percentile(&none, 0.5)), ms(percentile(&none, 0.99))],
            hundred: [ms(percentile(&hundred, 0.5)), ms(percentile(&hundred, 0.99))],
            worker_no_change: ms(percentile(&wnone, 0.5)),
        });
        worker = Device::new(&http, &server.base, &fleet.workers[0].token);
    }
    server.stop().await;
    rows
}

struct PeerResult {
    name: &'static str,
    insert_secs: f64,
    update_secs: f64,
    replicate_secs: f64,
    changes_seen: usize,
}

impl PeerResult {
    fn docs_per_sec(&self) -> f64 {
        11_000.0 / (self.insert_secs + self.update_secs + self.replicate_secs)
    }
}

/// 10,000 small documents in batches of 100, then 1,000 changes, then pulling the changes.
/// Waits until what earlier runs wrote has reached the disk, so a peer's turn doesn't share it
/// with their write-back (Tandem's side waits for a flush at each of its 100 pushes; it ran
/// right after the growth run wrote a 100,000-record database and took 0.32 s, against 0.19 s
/// alone).
fn settle_disk() {
    let _ = std::process::Command::new("sync").status();
}

async fn tandem_peer_workload(tandem: &Path, template: &Path, fleet: &Fleet, dir: &Path) -> PeerResult {
    let db = dir.join("peer-tandem.db");
    copy_db(template, &db);
    let server = Server::start(tandem, &db).await;
    let http = reqwest::Client::new();
    let y = &fleet.young[0];
    let mut writer = Device::new(&http, &server.base, &y.token);
    let reader = Device::new(&http, &server.base, &y.token);
    let mut ids = Vec::new();
    let t = Instant::now();
    for b in 0..100 {
        let ops = (0..100)
            .map(|i| {
                let id = RecordId(uuid::Uuid::now_v7());
                ids.push(id);
                writer.op(id, RecordKind::Strength, y.id, vec![FieldValue::Text(format!("doc {b}-{i}"))])
            })
            .collect();
        writer.push(ops).await.expect("insert");
    }
    let insert_secs = t.elapsed().as_secs_f64();
    let (before, _, _) = reader.pull(0).await.expect("pull");
    let t = Instant::now();
    for b in 0..10 {
        let ops = ids[b * 100..(b + 1) * 100]
            .iter()
            .map(|id| writer.op(*id, RecordKind::Strength, y.id, vec![FieldValue::Text("changed".into())]))
            .collect();
        writer.push(ops).await.expect("update");
    }
    let update_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let (_, changes_seen, _) = reader.pull(before.cursor).await.expect("pull changes");
    let replicate_secs = t.elapsed().as_secs_f64();
    server.stop().await;
    PeerResult { name: "Tandem", insert_secs, update_secs, replicate_secs, changes_seen }
}

/// The N = 100 load while one more device pushes the largest batches a push may carry (500
/// operations) back to back for the whole run: how long the others wait behind it.
struct Fairness {
    /// The 100 devices' push p50 / p99 (ms), beside the heavy device.
    push: [f64; 2],
    heavy_batches: usize,
    /// The heavy device's push p50 (ms): one large batch's time.
    heavy_p50: f64,
    errors: usize,
}

async fn fairness_run(tandem: &Path, template: &Path, fleet: &Fleet, dir: &Path) -> Fairness {
    let db = dir.join("fairness.db");
    copy_db(template, &db);
    let server = Server::start(tandem, &db).await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let heavy = {
        let (stop, base) = (stop.clone(), server.base.clone());
        let person = fleet.young.last().expect("a fleet");
        let (owner, token) = (person.id, person.token.clone());
        tokio::spawn(async move {
            let mut device = Device::new(&reqwest::Client::new(), &base, &token);
            let mut took = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let ops = (0..500)
                    .map(|i| {
                        let text = format!("a long week written up offline, part {i}");
                        device.op(
                            RecordId(uuid::Uuid::now_v7()),
                            RecordKind::Statement,
                            owner,
                            vec![FieldValue::Text(text)],
                        )
                    })
                    .collect();
                match device.push(ops).await {
                    Ok((_, t)) => took.push(t),
                    Err(e) => panic!("the heavy device's push was refused: {e}"),
                }
            }
            took
        })
    };
    // The heavy device starts first, so every small push meets its batches.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let report = tandem_bench::run(std::slice::from_ref(&server.base), fleet, 100, 5, 20, Duration::ZERO).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut heavy = heavy.await.expect("heavy device");
    server.stop().await;
    heavy.sort();
    let mut push = report.push_latencies.clone();
    push.sort();
    Fairness {
        push: [ms(percentile(&push, 0.5)), ms(percentile(&push, 0.99))],
        heavy_batches: heavy.len(),
        heavy_p50: ms(percentile(&heavy, 0.5)),
        errors: report.errors.len(),
    }
}

/// Sends a request to the peer and reads its JSON answer.
async fn peer_json(req: reqwest::RequestBuilder) -> Result<serde_json::Value, String> {
    req.send().await.map_err(|e| e.to_string())?.json().await.map_err(|e| e.to_string())
}

const PEER_DIR: &str = "benchmarks/peer";

/// Installs the peers from npm into benchmarks/peer on the first run. npm 11 skips the native
/// modules' install scripts, so Actual's SQLite and password hashers are built explicitly.
async fn install_peers() -> Result<(), String> {
    let peer_dir = Path::new(PEER_DIR);
    let installed =
        ["node_modules/.bin/pouchdb-server", "node_modules/better-sqlite3/build/Release/better_sqlite3.node"]
            .iter()
            .all(|p| peer_dir.join(p).exists());
    if installed {
        return Ok(());
    }
    for args in [
        &["install", "--no-audit", "--no-fund", "--loglevel=error"][..],
        &["rebuild", "--loglevel=error", "better-sqlite3", "bcrypt", "argon2"][..],
    ] {
        let ok = Command::new("npm").args(args).current_dir(peer_dir).status().await.map_err(|e| e.to_string())?;
        if !ok.success() {
            return Err(format!("npm {} failed in {PEER_DIR}", args[0]));
        }
    }
    Ok(())
}

/// The same workload against Actual Budget's sync server, driven by benchmarks/peer/actual.mjs
/// (its messages are built with Actual's own @actual-app/crdt).
async fn actual_workload(dir: &Path) -> Result<PeerResult, String> {
    let data = dir.join("actual");
    std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
    let out = Command::new("node")
        .arg(Path::new(PEER_DIR).join("actual.mjs"))
        .arg(&data)
        .stderr(Stdio::inherit())
        .output()
        .await
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("actual.mjs exited with {}", out.status));
    }
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    let secs = |k: &str| r[k].as_f64().ok_or_else(|| format!("actual.mjs printed no {k}"));
    Ok(PeerResult {
        name: "Actual sync server",
        insert_secs: secs("insert_secs")?,
        update_secs: secs("update_secs")?,
        replicate_secs: secs("replicate_secs")?,
        changes_seen: r["changes_seen"].as_u64().unwrap_or(0) as usize,
    })
}

async fn pouchdb_workload(dir: &Path) -> Result<PeerResult, String> {
    let peer_dir = Path::new(PEER_DIR);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let data = dir.join("pouch");
    std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
    let mut child = Command::new(
        std::fs::canonicalize(peer_dir.join("node_modules/.bin/pouchdb-server")).map_err(|e| e.to_string())?,
    )
    .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--dir"])
    .arg(&data)
    .current_dir(&data)
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .kill_on_drop(true)
    .spawn()
    .map_err(|e| e.to_string())?;
    let base = format!("http://127.0.0.1:{port}");
    wait_healthy(&format!("{base}/")).await;
    let http = reqwest::Client::new();
    http.put(format!("{base}/bench")).send().await.map_err(|e| e.to_string())?;
    let mut revs = Vec::new();
    let t = Instant::now();
    for b in 0..100 {
        let docs: Vec<_> = (0..100).map(|i| serde_json::json!({"_id": format!("d{b:03}{i:03}"), "kind": "strength", "text": format!("doc {b}-{i}")})).collect();
        let r =
            peer_json(http.post(format!("{base}/bench/_bulk_docs")).json(&serde_json::json!({"docs": docs}))).await?;
        revs.extend(r.as_array().into_iter().flatten().map(|x| {
            (x["id"].as_str().unwrap_or_default().to_owned(), x["rev"].as_str().unwrap_or_default().to_owned())
        }));
    }
    let insert_secs = t.elapsed().as_secs_f64();
    let info = peer_json(http.get(format!("{base}/bench"))).await?;
    let since = info["update_seq"].clone();
    let t = Instant::now();
    for b in 0..10 {
        let docs: Vec<_> = revs[b * 100..(b + 1) * 100]
            .iter()
            .map(|(id, rev)| serde_json::json!({"_id": id, "_rev": rev, "kind": "strength", "text": "changed"}))
            .collect();
        // Read each answer, as the Tandem run does, so both sides wait for the same thing.
        peer_json(http.post(format!("{base}/bench/_bulk_docs")).json(&serde_json::json!({"docs": docs}))).await?;
    }
    let update_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let since = since.as_str().map(str::to_owned).unwrap_or_else(|| since.to_string());
    let changes = peer_json(http.get(format!("{base}/bench/_changes?since={since}&include_docs=true"))).await?;
    let replicate_secs = t.elapsed().as_secs_f64();
    let _ = child.kill().await;
    Ok(PeerResult {
        name: "pouchdb-server",
        insert_secs,
        update_secs,
        replicate_secs,
        changes_seen: changes["results"].as_array().map_or(0, Vec::len),
    })
}

fn today() -> String {
    tandem_server::store::utc(tandem_server::store::now_ms())[..10].to_owned()
}

/// Each target, whether this run met it, and what bounds the figure now (from this run's own
/// measurements where it can be measured; the history of changes is in NOTES.md).
fn write_targets(
    md: &mut String,
    loads: &[LoadRow],
    steady: &LoadRow,
    growth: &[GrowthRow],
    ours: &PeerResult,
    peers: &[Result<PeerResult, String>],
) {
    let verdict = |met: bool| if met { "met" } else { "**missed**" };
    let best = loads.iter().max_by(|a, b| a.ops_per_sec.total_cmp(&b.ops_per_sec));
    let at_1000 = loads.iter().find(|r| r.n == 1000);
    let _ = writeln!(md, "\n## Against the targets (2-core machine)\n\n| target | this run | |\n|---|---|---|");
    if let Some(b) = best {
        let _ = writeln!(
            md,
            "| ≥ 20,000 applied ops/s | {:.0} ops/s (best, N = {}) | {} |",
            b.ops_per_sec,
            b.n,
            verdict(b.ops_per_sec >= 20_000.0)
        );
    }
    if let Some(r) = at_1000 {
        let _ = writeln!(
            md,
            "| push p99 < 50 ms at 1,000 devices | {:.1} ms arriving over {} s; {:.1} ms all at once | {} over {} s; {} at once |",
            steady.push[2],
            STEADY.as_secs(),
            r.push[2],
            verdict(steady.push[2] < 50.0),
            STEADY.as_secs(),
            verdict(r.push[2] < 50.0)
        );
    }
    if let Some(r) = at_1000 {
        let _ = writeln!(
            md,
            "| push p99 ≤ 500 ms with 1,000 devices pushing in the same instant, nothing refused | {:.1} ms, {} refused | {} |",
            r.push[2],
            r.errors,
            verdict(r.push[2] <= 500.0 && r.errors == 0)
        );
    }
    if let Some(r) = loads.iter().find(|r| r.n == 100) {
        let _ = writeln!(
            md,
            "| server CPU ≤ 15 µs per operation (SQLite, N = 100) | {:.1} µs | {} |",
            r.cpu_us_per_op,
            verdict(r.cpu_us_per_op <= 15.0)
        );
        if let Some(c) = &r.ceiling {
            let _ = writeln!(
                md,
                "| ≥ ⅓ of the physical limit (a bare rusqlite loop, same rows, bytes, commits, durability; N = 100) | {:.2} | {} |",
                c.fraction(),
                verdict(c.fraction() >= 1.0 / 3.0)
            );
        }
    }
    if let [small, large] = growth {
        let _ = writeln!(
            md,
            "| no-change pull p50 < 2 ms | {:.2} ms at 1,000 records, {:.2} ms at 100,000 | {} |",
            small.no_change[0],
            large.no_change[0],
            verdict(large.no_change[0].max(small.no_change[0]) < 2.0)
        );
        let ratio = (large.no_change[0] / small.no_change[0]).max(large.hundred[0] / small.hundred[0]);
        let _ = writeln!(
            md,
            "| pull at 100,000 records ≤ 1.5× pull at 1,000 | ×{ratio:.2} at worst | {} |",
            verdict(ratio <= 1.5)
        );
    }
    for peer in peers {
        match peer {
            Ok(p) => {
                let x = ours.docs_per_sec() / p.docs_per_sec();
                let _ = writeln!(md, "| ≥ 2× {}'s throughput | ×{x:.2} | {} |", p.name, verdict(x >= 2.0));
            }
            Err(e) => {
                let _ = writeln!(md, "| ≥ 2× a peer's throughput | not run: {e} | – |");
            }
        }
    }
    let _ = writeln!(md, "\n### What bounds the figures now\n");
    if let Some(b) = best {
        let _ = writeln!(
            md,
            "- **Throughput** is bound by the single writer, which applies every push in turn. At N = {} \
             its thread was on the CPU {:.0}% of the run; most of the rest it spends waiting for the \
             WAL to reach disk at each group commit (acknowledged means on disk: `synchronous=FULL`), \
             a little waiting for work. Per operation the server spent {:.0} µs of CPU in all: in a \
             profile (`benchmarks/NOTES.md`) about half on the writer, mostly SQLite inserting B-tree \
             rows (each record a push changes, with its fields and kept conflicts as one sealed \
             value; its change-feed index entries; each operation's answer, kept for exactly-once \
             retries; ids are 36-character text keys), and half serving requests: reading pushes' \
             JSON, and pulls reading rows, opening each record's sealed value and packing it (each \
             id and write once a page, the form devices ask for). The load generator shares the same \
             two cores.",
            b.n,
            b.writer_busy * 100.0,
            b.cpu_us_per_op
        );
    }
    if let Some(r) = at_1000 {
        let _ = writeln!(
            md,
            "- **Push latency at 1,000 devices all at once** is queueing: {} operations arrive in the \
             same instant and one writer takes them in turn at about {:.0} ops/s, so the last push \
             waits for nearly all of them. Arriving over {} s (about {:.0} ops/s on average, below what \
             the writer can take) the same work gives p99 {:.1} ms: latency is then the work of a \
             batch plus one group commit.",
            r.ops,
            r.ops_per_sec,
            STEADY.as_secs(),
            steady.ops as f64 / STEADY.as_secs_f64(),
            steady.push[2]
        );
    }
    let _ = writeln!(
        md,
        "- **Pull** reads only rows after the caller's cursor through the `records(owner_id, changed_seq)` \
         index, so stored volume does not change its cost; a 100-change pull is bound by reading each \
         record's row, opening its sealed value and packing it (devices ask for the packed form: \
         each person, device and write once a page).\n\nWhat was changed to move each figure, measured step by step, \
         and what is left to try, is in `benchmarks/NOTES.md`."
    );
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let started = Instant::now();
    let dir = std::env::temp_dir().join(format!("tandem-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    eprintln!("preparing 900 young people and 100 key workers…");
    let template = dir.join("template.db");
    let fleet = tandem_bench::prepare(&template, 900, 100);

    if args.only_starts {
        println!("{}", ledger_starts(&args, &dir).await);
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    if args.only_extras {
        let sqlite: Vec<LoadRow> = Vec::new();
        println!("{}", extras(&args, &dir, &sqlite).await);
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    if args.only_peer {
        let r = tandem_peer_workload(&args.tandem, &template, &fleet, &dir).await;
        eprintln!(
            "Tandem: insert {:.3} s, changes {:.3} s, pull changes {:.3} s ({} seen)",
            r.insert_secs, r.update_secs, r.replicate_secs, r.changes_seen
        );
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    if args.only_pulls {
        for r in growth_run(&args.tandem, &template, &fleet, &dir).await {
            eprintln!(
                "{} records: no-change pull p50/p99 {:.2}/{:.2} ms, 100-change pull p50/p99 {:.2}/{:.2} ms, worker no-change p50 {:.2} ms",
                r.records, r.no_change[0], r.no_change[1], r.hundred[0], r.hundred[1], r.worker_no_change
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    if !args.only_load.is_empty() {
        for n in args.only_load {
            let r = load_run(&args.tandem, &template, &fleet, &dir, n, Duration::from_secs(args.spread)).await;
            eprintln!(
                "N={n}: {:.0} ops/s, push p50/p99 {:.1}/{:.1} ms, pull p50 {:.1} ms, errors {}, server busy {:.2} cores, writer thread busy {:.0}%, {:.1} µs server CPU per op, peak memory {:.1} MiB",
                r.ops_per_sec,
                r.push[0],
                r.push[2],
                r.pull[0],
                r.errors,
                r.server_cores,
                r.writer_busy * 100.0,
                r.cpu_us_per_op,
                r.peak_mib
            );
            let kinds: Vec<String> = r.cpu_us_by_kind.iter().map(|(k, us)| format!("{k} {us:.1}")).collect();
            eprintln!("  µs per op by thread: {}", kinds.join(", "));
            if let Some(c) = &r.ceiling {
                eprintln!(
                    "  wrote {} rows ({:.0} bytes each) in {} commits; a bare loop takes {:.2} s, Tandem {:.2} s: {:.2} of the limit",
                    c.rows,
                    c.bytes as f64 / c.rows.max(1) as f64,
                    c.commits,
                    c.bare.as_secs_f64(),
                    c.tandem.as_secs_f64(),
                    c.fraction()
                );
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    let mut loads = Vec::new();
    for n in [10, 100, 1000] {
        eprintln!("load: N = {n} devices…");
        // N = 100 lasts ~0.15 s, short enough for a moment of the machine's other work to move
        // it: its row is the median of several runs by CPU per operation, not one run's luck.
        let mut runs = Vec::new();
        for _ in 0..if n == 100 { N100_RUNS } else { 1 } {
            runs.push(load_run(&args.tandem, &template, &fleet, &dir, n, Duration::ZERO).await);
        }
        runs.sort_by(|a, b| a.cpu_us_per_op.total_cmp(&b.cpu_us_per_op));
        let row = runs.swap_remove(runs.len() / 2);
        eprintln!("  {:.0} ops/s, push p99 {:.1} ms, {:.1} µs per op", row.ops_per_sec, row.push[2], row.cpu_us_per_op);
        loads.push(row);
    }
    eprintln!("load: N = 1000 devices arriving over {} s…", STEADY.as_secs());
    let steady = load_run(&args.tandem, &template, &fleet, &dir, 1000, STEADY).await;
    eprintln!("  push p99 {:.1} ms", steady.push[2]);
    eprintln!("fairness: N = 100 beside a device pushing batches of 500…");
    let fairness = fairness_run(&args.tandem, &template, &fleet, &dir).await;
    eprintln!("  push p99 {:.1} ms beside it", fairness.push[1]);
    eprintln!("growth: 1,000 and 100,000 stored records…");
    let growth = growth_run(&args.tandem, &template, &fleet, &dir).await;
    eprintln!("peer workload: Tandem…");
    settle_disk();
    let ours = tandem_peer_workload(&args.tandem, &template, &fleet, &dir).await;
    let peers = if args.skip_peer {
        vec![Err("skipped (--skip-peer)".to_owned())]
    } else if let Err(e) = install_peers().await {
        vec![Err(e)]
    } else {
        eprintln!("peer workload: pouchdb-server…");
        settle_disk();
        let pouch = pouchdb_workload(&dir).await;
        eprintln!("peer workload: Actual sync server…");
        settle_disk();
        vec![pouch, actual_workload(&dir).await]
    };

    let mut md = String::new();
    let _ = writeln!(md, "# Tandem benchmark results\n");
    let _ = writeln!(
        md,
        "Generated by `./scripts/bench.sh` on {} (the Rust part took ELAPSED s; the phone side is added after it).\n",
        today()
    );
    let _ = writeln!(md, "Machine: {}.\n", tandem_bench::machine());
    let _ = writeln!(
        md,
        "The real `tandem` release binary on loopback with a fresh SQLite database per run. Each phone pushes 5 batches of 20 operations (new goals, strengths and statements, steps ticked, titles reworded) all at once, as after a night offline, then pulls everything; 1 device in 10 is a key worker's laptop that holds a live-event (SSE) connection, pulls, and edits the same goals concurrently. Latencies are measured at the client, per request.\n"
    );
    let _ = writeln!(
        md,
        "## Load: everyone at once\n\n| devices | ops acknowledged | applied ops/s | push p50 / p95 / p99 (ms) | pull p50 / p95 / p99 (ms) | server peak memory (MiB) | database (MiB) | server CPU (cores busy) | writer thread busy | server CPU per op (µs) | errors |\n|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|"
    );
    let row = |r: &LoadRow| {
        format!(
            "| {} | {} | {:.0} | {:.1} / {:.1} / {:.1} | {:.1} / {:.1} / {:.1} | {:.1} | {:.1} | {:.2} | {:.0}% | {:.1} | {} |",
            r.n,
            r.ops,
            r.ops_per_sec,
            r.push[0],
            r.push[1],
            r.push[2],
            r.pull[0],
            r.pull[1],
            r.pull[2],
            r.peak_mib,
            r.db_mib,
            r.server_cores,
            r.writer_busy * 100.0,
            r.cpu_us_per_op,
            r.errors
        )
    };
    for r in &loads {
        let _ = writeln!(md, "{}", row(r));
    }
    let _ = writeln!(
        md,
        "\nThe N = 100 row is the median of {N100_RUNS} runs by server CPU per operation (one lasts about a \
         sixth of a second). Server CPU is each thread's time on a CPU, counted to the nanosecond \
         (`/proc/…/task/…/schedstat`)."
    );
    let _ = writeln!(
        md,
        "\n## Load: arriving over {} seconds\n\nThe same 1,000 devices and work, but each device comes online at its own random moment within {} s, as phones regaining signal through a morning do; this offers about {:.0} ops/s on average.\n\n| devices | ops acknowledged | applied ops/s | push p50 / p95 / p99 (ms) | pull p50 / p95 / p99 (ms) | server peak memory (MiB) | database (MiB) | server CPU (cores busy) | writer thread busy | server CPU per op (µs) | errors |\n|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|\n{}",
        STEADY.as_secs(),
        STEADY.as_secs(),
        steady.ops as f64 / STEADY.as_secs_f64(),
        row(&steady)
    );
    if let Some(alone) = loads.iter().find(|r| r.n == 100) {
        let _ = writeln!(
            md,
            "\n## Fairness between devices\n\nThe N = 100 load again, while one more device pushes the largest batches a push may carry (500 operations, as a phone back from a long time offline sends) back to back for the whole run. The writer takes pushes in arrival order, so a small push waits for at most the batches already queued.\n\n| the 100 devices' pushes | p50 (ms) | p99 (ms) | errors |\n|---|---:|---:|---:|\n| alone (the N = 100 row above) | {:.1} | {:.1} | {} |\n| beside the heavy device ({} batches of 500, each {:.1} ms at p50) | {:.1} | {:.1} | {} |",
            alone.push[0],
            alone.push[2],
            alone.errors,
            fairness.heavy_batches,
            fairness.heavy_p50,
            fairness.push[0],
            fairness.push[1],
            fairness.errors
        );
    }
    let _ = writeln!(
        md,
        "\n## Growth\n\nThe measured young person owns the same ~200 records throughout; other young people's records fill the database.\n\n| stored records | no-change pull p50 / p99 (ms) | 100-change pull p50 / p99 (ms) | worker no-change pull p50 (ms) |\n|---:|---|---|---:|"
    );
    for g in &growth {
        let _ = writeln!(
            md,
            "| {} | {:.2} / {:.2} | {:.2} / {:.2} | {:.2} |",
            g.records, g.no_change[0], g.no_change[1], g.hundred[0], g.hundred[1], g.worker_no_change
        );
    }
    if growth.len() == 2 {
        let _ = writeln!(
            md,
            "\n100,000 ÷ 1,000 records: no-change pull ×{:.2}, 100-change pull ×{:.2} (target ≤ 1.5).",
            growth[1].no_change[0] / growth[0].no_change[0],
            growth[1].hundred[0] / growth[0].hundred[0]
        );
    }
    let _ = writeln!(
        md,
        "\n## Beside two peers\n\n10,000 small documents in batches of 100, then 1,000 changes in batches of 100, then pulling the changes from a second client, in this run, each server doing what it must to accept a write: pouchdb-server (CouchDB's HTTP API on LevelDB: `_bulk_docs`, `_changes`) and Actual Budget's sync server (a local-first app's server on SQLite: each document is one Actual message with its hybrid-clock timestamp, built with `@actual-app/crdt`, sent in SyncRequests of 100; the server stores the messages and updates the file's merkle trie; the second client pulls with `since`).\n\n| server | insert (s) | changes (s) | pull changes (s) | changes seen | docs/s overall |\n|---|---:|---:|---:|---:|---:|"
    );
    let line = |r: &PeerResult| {
        format!(
            "| {} | {:.2} | {:.2} | {:.3} | {} | {:.0} |",
            r.name,
            r.insert_secs,
            r.update_secs,
            r.replicate_secs,
            r.changes_seen,
            r.docs_per_sec()
        )
    };
    let _ = writeln!(md, "{}", line(&ours));
    for peer in &peers {
        match peer {
            Ok(p) => {
                let _ = writeln!(md, "{}", line(p));
            }
            Err(e) => {
                let _ = writeln!(md, "| a peer | – | – | – | – | not run: {e} |");
            }
        }
    }
    for p in peers.iter().flatten() {
        let _ = writeln!(
            md,
            "\nTandem ÷ {} throughput: **×{:.2}** (target ≥ 2).",
            p.name,
            ours.docs_per_sec() / p.docs_per_sec()
        );
    }
    let _ = writeln!(
        md,
        "\nTandem does more per document than either: every write is checked against who may write it, merged field by field with the young-person-first rule, logged for the young person's access log, and recorded per device for exactly-once retries."
    );
    let _ = writeln!(
        md,
        "\n## The physical limit\n\nFor each load row, a bare rusqlite loop on the same disk writes as many rows, of the same total size, in as many commits, with the same durability (WAL, `synchronous=FULL`), and nothing else: no HTTP, no JSON, no authorisation, no merge, no indexes. Tandem's wall time for the run ÷ the loop's is the fraction of the limit Tandem reaches (goal ≥ ⅓).\n\n| devices | rows written | bytes per row | commits (rows per commit) | bare loop (s) | Tandem (s) | fraction of the limit |\n|---:|---:|---:|---:|---:|---:|---:|"
    );
    for r in &loads {
        if let Some(c) = &r.ceiling {
            let _ = writeln!(
                md,
                "| {} | {} | {:.0} | {} ({:.0}) | {:.2} | {:.2} | **{:.2}** |",
                r.n,
                c.rows,
                c.bytes as f64 / c.rows.max(1) as f64,
                c.commits,
                c.rows as f64 / c.commits.max(1) as f64,
                c.bare.as_secs_f64(),
                c.tandem.as_secs_f64(),
                c.fraction()
            );
        }
    }
    md.push_str(&extras(&args, &dir, &loads).await);
    write_targets(&mut md, &loads, &steady, &growth, &ours, &peers);
    let md = md.replacen("ELAPSED", &format!("{:.0}", started.elapsed().as_secs_f64()), 1);
    std::fs::write(&args.out, &md).expect("write results");
    println!("{md}");
    let _ = std::fs::remove_dir_all(&dir);
}
