use tandem_server::config::{Cli, Command};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tandem_server::telemetry::init();
    let cli = Cli::from_env();
    let result = match cli.command.expect("from_env always sets a command") {
        Command::Serve(args) => tandem_server::run_serve(args).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tandem: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
