//! `tandem-reliability`: the full crash test (50 SIGKILL cycles by default) and every fault
//! test, against the real binary. Prints each figure; fails if anything was lost.

use clap::Parser;

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "target/release/tandem")]
    tandem: std::path::PathBuf,
    #[arg(long, default_value_t = 50)]
    cycles: usize,
    #[arg(long, default_value_t = 20)]
    devices: usize,
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Skip the crash test (only the fault tests).
    #[arg(long)]
    no_crash: bool,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let dir = tempfile::Builder::new().prefix("tandem-reliability-").tempdir().expect("temp dir");
    let mut failed = 0;
    println!("machine: {}", tandem_bench::machine());
    if !args.no_crash {
        let db = dir.path().join("crash.db");
        let fleet = tandem_bench::prepare(&db, args.devices, 2);
        let r = tandem_bench::crash::run(&args.tandem, &db, &fleet, args.devices, args.cycles, args.seed).await;
        println!(
            "crash test: {} SIGKILL cycles under load from {} phones, {} operations acknowledged, {} lost, {} stored twice, {} integrity failures",
            r.cycles, args.devices, r.acknowledged, r.lost, r.duplicated, r.integrity_failures
        );
        if r.lost > 0 || r.duplicated > 0 || r.integrity_failures > 0 || r.cycles < args.cycles {
            failed += 1;
        }
    }
    for name in tandem_bench::faults::ALL {
        let scratch = tempfile::tempdir_in(dir.path()).expect("scratch dir");
        match tandem_bench::faults::run(name, &args.tandem, scratch.path()).await {
            Ok(figures) => println!("{name}: ok: {figures}"),
            Err(failure) => {
                failed += 1;
                println!("{name}: FAILED: {failure}");
            }
        }
    }
    if failed == 0 {
        println!("all passed");
        std::process::ExitCode::SUCCESS
    } else {
        println!("{failed} failed");
        std::process::ExitCode::FAILURE
    }
}
