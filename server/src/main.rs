use tandem_server::config::Cli;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    tandem_server::telemetry::init();
    // Before anything touches SQLite, on the only thread there is yet.
    tandem_server::store::sqlite_memory::configure();
    let (db, command) = Cli::from_env();
    // Named threads, so a profile tells the server's request handling from its load generator's.
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().thread_name("tandem-http").build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("tandem: cannot start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(tandem_server::run(db, command)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tandem: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
