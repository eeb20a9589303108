use tandem_server::config::Cli;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tandem_server::telemetry::init();
    let (db, command) = Cli::from_env();
    match tandem_server::run(db, command).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tandem: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
