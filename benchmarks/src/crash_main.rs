//! `tandem-crash`: the full crash test (50 SIGKILL cycles by default). Prints its figures.

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
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let dir = std::env::temp_dir().join(format!("tandem-crash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("crash.db");
    let fleet = tandem_bench::prepare(&db, args.devices, 2);
    let r = tandem_bench::crash::run(&args.tandem, &db, &fleet, args.devices, args.cycles, args.seed).await;
    println!(
        "crash test: {} SIGKILL cycles, {} operations acknowledged, {} lost, {} stored twice, {} integrity failures",
        r.cycles, r.acknowledged, r.lost, r.duplicated, r.integrity_failures
    );
    let _ = std::fs::remove_dir_all(&dir);
    if r.lost == 0 && r.duplicated == 0 && r.integrity_failures == 0 && r.cycles >= args.cycles {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
