use tandem_server::config::Cli;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tandem_server::telemetry::init();
    // Before anything touches SQLite (tokio's threads are idle until the server starts).
    tandem_server::store::sqlite_memory::configure();
    let (db, command) = Cli::from_env();
    match tandem_server::run(db, command).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tandem: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
