//! All configuration in one place: defaults, then command-line flags or `TANDEM_*` variables.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "tandem", version, about = "Tandem: young people's own words, shared on their terms.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server (the default).
    Serve(ServeArgs),
}

impl Cli {
    /// Parses the command line; with no subcommand, `serve` with its defaults.
    pub fn from_env() -> Cli {
        let cli = Cli::parse();
        if cli.command.is_some() { cli } else { Cli::parse_from(["tandem", "serve"]) }
    }
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on. Loopback by default: put a TLS proxy in front to expose it.
    #[arg(long, env = "TANDEM_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The SQLite database file.
    #[arg(long, env = "TANDEM_DB", default_value = "tandem.db")]
    pub db: PathBuf,
}
