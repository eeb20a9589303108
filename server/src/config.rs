//! All configuration in one place: defaults, then command-line flags or `TANDEM_*` variables.

use crate::auth::address::IpRange;
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Largest request body accepted (phones split their outbox to fit; see `PUSH_BODY_MAX`).
pub const BODY_LIMIT: usize = tandem_shared::wire::PUSH_BODY_MAX;

/// Most live-event streams one person may hold open on one server. The app holds one per
/// browser (one tab listens for all); more is a fault or someone tying up the server.
pub const STREAMS_PER_PERSON: usize = 20;

#[derive(Parser, Debug)]
#[command(name = "tandem", version, about = "Tandem: young people's own words, shared on their terms.")]
pub struct Cli {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Args, Debug, Clone)]
pub struct DbArgs {
    /// Where the data lives: a SQLite file (the default, one server), or a `postgres://` URL
    /// (several replicas on one PostgreSQL; every replica serves with the same `--key-file` and `--data-key-file`).
    #[arg(long, global = true, env = "TANDEM_DB", default_value = "tandem.db")]
    pub db: String,
    /// The key file that seals young people's words at rest; made on first start. Defaults to
    /// the database path + `.data-key` for SQLite; required with PostgreSQL (one file for every
    /// replica). Keep a copy apart from the database's backups: without it they can't be read.
    #[arg(long, global = true, env = "TANDEM_DATA_KEY_FILE")]
    pub data_key_file: Option<PathBuf>,
    /// The ledger: where the decisions a restored database must not undo are noted (erasures,
    /// ended sessions, deactivations; ids and times only). Defaults to the data key file +
    /// `.ledger`; name it when the keys are read-only. Several replicas may share one file on
    /// shared storage (each append holds a lock on it). Keep it with the key files' backups.
    #[arg(long, global = true, env = "TANDEM_LEDGER")]
    pub ledger: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server (the default).
    Serve(Box<ServeArgs>),
    /// Create a staff account (key worker, drop-in staff or admin).
    CreateStaff {
        #[arg(long, value_parser = parse_role)]
        role: tandem_shared::Role,
        #[arg(long)]
        name: String,
        #[arg(long)]
        display_name: String,
        /// Read from TANDEM_PASSWORD if not given, so it stays out of shell history.
        #[arg(long, env = "TANDEM_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Add a young person and print their one-time invite code.
    Invite {
        #[arg(long)]
        display_name: String,
        /// Key worker sign-in name or id; repeat for more than one.
        #[arg(long = "worker")]
        workers: Vec<String>,
    },
    /// Assign a young person to a key worker (names or ids).
    Assign {
        #[arg(long)]
        worker: String,
        #[arg(long)]
        young_person: String,
    },
    /// Stop a key worker seeing a young person's things (names or ids); their devices drop them.
    Unassign {
        #[arg(long)]
        worker: String,
        #[arg(long)]
        young_person: String,
    },
    /// Make a young person a new one-time code (a lost card, a forgotten PIN): with it they choose
    /// a new PIN and keep everything of theirs; their earlier codes stop working.
    NewCode {
        /// Their sign-in name or id.
        #[arg(long)]
        person: String,
    },
    /// Set a staff member's password when they have forgotten it (the only admin, too); they must
    /// choose their own when they next sign in, and every session of theirs ends.
    NewPassword {
        /// Their sign-in name or id.
        #[arg(long)]
        person: String,
        /// Read from TANDEM_PASSWORD if not given, so it stays out of shell history.
        #[arg(long, env = "TANDEM_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// End every session of a person (lost phone, staff leaving).
    Revoke {
        #[arg(long)]
        person: String,
    },
    /// Write everything Tandem holds about one person (their words too) to a new plain-text file,
    /// to answer a subject access request; the audit log records that it was made.
    SubjectAccess {
        /// Their sign-in name or id.
        #[arg(long)]
        person: String,
        /// The file to make (it must not exist yet; only its owner can read it).
        #[arg(long)]
        to: PathBuf,
    },
    /// Seal every stored word under a new data key, while servers keep serving, then retire the
    /// old key. Every replica picks up the new key from the shared key file by itself.
    RotateKey,
    /// Copy the database to a file with SQLite's online backup; safe while the server runs.
    /// (On PostgreSQL use pg_dump.)
    Backup {
        #[arg(long)]
        to: PathBuf,
    },
    /// Run once on a database just restored from a backup not taken with `tandem backup` (a
    /// pg_dump, a disk snapshot, a failover to a standby that lacked the last commits): devices
    /// then know it has gone back in time and give back what it lacks (see the README).
    Restored,
}

impl Command {
    /// Whether it makes decisions the ledger notes (so it must be writable first).
    pub fn notes_decisions(&self) -> bool {
        matches!(
            self,
            Command::Assign { .. } | Command::Unassign { .. } | Command::NewPassword { .. } | Command::Revoke { .. }
        )
    }
}

fn parse_role(s: &str) -> Result<tandem_shared::Role, String> {
    use tandem_shared::Role::*;
    match s {
        "key_worker" | "key-worker" => Ok(KeyWorker),
        "drop_in_staff" | "drop-in-staff" => Ok(DropInStaff),
        "admin" => Ok(Admin),
        _ => Err("choose key-worker, drop-in-staff or admin".into()),
    }
}

impl Cli {
    /// Parses the command line; with no subcommand, `serve` with its defaults.
    pub fn from_env() -> (DbArgs, Command) {
        let cli = Cli::parse();
        match cli.command {
            Some(command) => (cli.db, command),
            None => (cli.db, Command::Serve(Box::new(ServeArgs::parse_from(["serve"])))),
        }
    }
}

#[derive(Parser, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on. Loopback by default: put a TLS proxy in front to expose it.
    #[arg(long, env = "TANDEM_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Seed a demo organisation (if the database is empty) and print how to sign in.
    #[arg(long, env = "TANDEM_DEMO")]
    pub demo: bool,
    /// The token signing key file; made on first start. Defaults to the database path + `.key`
    /// for SQLite; required with PostgreSQL, and the same file for every replica.
    #[arg(long, env = "TANDEM_KEY_FILE")]
    pub key_file: Option<PathBuf>,
    /// Minutes an access token lasts.
    #[arg(long, env = "TANDEM_ACCESS_MINUTES", default_value_t = 15)]
    pub access_minutes: u64,
    /// Failed sign-ins in a row before an account is locked for a while.
    #[arg(long, env = "TANDEM_LOCK_AFTER", default_value_t = 5)]
    pub lock_after: i64,
    /// Days a young person's data is kept after their case is closed; then it is erased.
    #[arg(long, env = "TANDEM_RETENTION_DAYS", default_value_t = 183)]
    pub retention_days: u32,
    /// Days between a young person asking to delete their account and it being erased (they
    /// can change their mind by signing in); they can also ask for it at once.
    #[arg(long, env = "TANDEM_COOLING_OFF_DAYS", default_value_t = 7)]
    pub cooling_off_days: u32,
    /// The address people reach Tandem at, through the TLS proxy (e.g. https://tandem.example.org).
    /// When it is https, responses carry Strict-Transport-Security.
    #[arg(long, env = "TANDEM_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// A load balancer or TLS proxy in front (an address or a block like 10.0.0.0/8; repeat, or
    /// comma-separate in the variable). Sign-in limits then count the address it reports in
    /// `X-Forwarded-For`, not its own, which would stand for everyone.
    #[arg(long = "trusted-proxy", env = "TANDEM_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<IpRange>,
    /// Who may read `/metrics` besides this machine itself: your monitoring's address or block
    /// (repeat, or comma-separate in the variable). Never through a trusted proxy.
    #[arg(long = "metrics-from", env = "TANDEM_METRICS_FROM", value_delimiter = ',')]
    pub metrics_from: Vec<IpRange>,
    /// The browsers' push services this server may send notifications through, as origins
    /// (`https://host`, or `https://*.domain` for any name under it); repeat, or comma-separate in
    /// the variable. Only these are ever called: a device hands in the address, so an open list
    /// would let anyone make the server call into its own network. `--push-service ''` turns them off.
    #[arg(long = "push-service", env = "TANDEM_PUSH_SERVICES", value_delimiter = ',',
          default_values_t = crate::web_push::KNOWN_PUSH_SERVICES.iter().map(|s| s.to_string()).collect::<Vec<_>>())]
    pub push_services: Vec<String>,
    /// Staff may sign in with the organisation's own account (Microsoft Entra ID, Google
    /// Workspace, Okta, Keycloak: any OpenID Connect provider), once each has linked it under
    /// Your account. The provider's issuer URL, as its ID tokens name it. Register Tandem there
    /// as a web application with the redirect address `<--public-url>/api/auth/sso/callback`.
    #[arg(long, env = "TANDEM_SSO_ISSUER", requires_all = ["sso_client_id", "sso_client_secret"])]
    pub sso_issuer: Option<String>,
    /// The client id the provider gave Tandem.
    #[arg(long, env = "TANDEM_SSO_CLIENT_ID")]
    pub sso_client_id: Option<String>,
    /// The client secret the provider gave Tandem (best in the variable, out of shell history).
    #[arg(long, env = "TANDEM_SSO_CLIENT_SECRET", hide_env_values = true)]
    pub sso_client_secret: Option<String>,
    /// What staff call that account, in their account and the console (the sign-in screen, which
    /// a young person's phone shows too, never names it).
    #[arg(long, env = "TANDEM_SSO_NAME", default_value = "your organisation's account")]
    pub sso_name: String,
    /// Hours a sign-in through the organisation's account lasts before it is asked again: how
    /// long someone whose account there was disabled can carry on where they are signed in.
    #[arg(long, env = "TANDEM_SSO_SESSION_HOURS", default_value_t = 12)]
    pub sso_session_hours: u32,
    /// The organisation's sign-in asks every staff member for a second step (e.g. a Conditional
    /// Access policy) though its ID tokens don't say so (no `amr`): take each of its sign-ins as
    /// two-step. Without it, a sign-in whose token doesn't show one is asked for Tandem's own
    /// two-step sign-in, as a password sign-in is.
    #[arg(long, env = "TANDEM_SSO_TRUST_SECOND_STEP")]
    pub sso_trust_second_step: bool,
}

impl ServeArgs {
    /// The organisation's sign-in, if configured (and sound).
    pub fn sso(&self) -> Result<Option<crate::auth::oidc::SsoSettings>, String> {
        let (Some(issuer), Some(client_id), Some(client_secret)) =
            (&self.sso_issuer, &self.sso_client_id, &self.sso_client_secret)
        else {
            return Ok(None);
        };
        let sso = crate::auth::oidc::SsoSettings {
            issuer: issuer.clone(),
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
            name: self.sso_name.trim().to_owned(),
            trust_second_step: self.sso_trust_second_step,
        };
        sso.check()?;
        Ok(Some(sso))
    }
}

/// Settings handlers read at run time. Its Debug shows no secrets because it holds none.
#[derive(Debug, Clone)]
pub struct Settings {
    pub access_ttl_secs: u64,
    pub refresh_ttl_secs: u64,
    pub lock_after_failures: i64,
    pub lock_ms: i64,
    pub failure_delay_ms: u64,
    pub address_failure_limit: u32,
    /// Proxies whose `X-Forwarded-For` says where a sign-in came from.
    pub trusted_proxies: Vec<IpRange>,
    /// Besides this machine, who may read `/metrics`.
    pub metrics_from: Vec<IpRange>,
    /// Served over TLS (by a proxy): tell browsers to use https only.
    pub hsts: bool,
    /// How long a closed case's data is kept before it is erased.
    pub retention_ms: i64,
    /// How long a young person can change their mind after asking to be erased.
    pub cooling_off_ms: i64,
    /// How often each server looks for erasures that are due (every replica does; the first to
    /// get there erases, the others find nothing left).
    pub erasure_check_every: std::time::Duration,
    /// The push services notifications may go through (`--push-service`).
    pub push_services: Vec<String>,
    /// Where people reach Tandem (`--public-url`): push services are told it, to reach whoever runs it.
    pub public_url: Option<String>,
    /// The organisation's own sign-in for staff (`--sso-*`); its Debug leaves the secret out.
    pub sso: Option<crate::auth::oidc::SsoSettings>,
    /// How long a sign-in through it is renewed before it is asked again.
    pub sso_session_ms: i64,
}

impl Settings {
    /// `/metrics` says when people use Tandem (its counters move), which in a small service says
    /// too much to the world: only this machine and named monitoring may read it, and never a
    /// request that came through the proxy in front (that is someone out there).
    pub fn may_read_metrics(&self, peer: std::net::IpAddr) -> bool {
        let through_proxy = self.trusted_proxies.iter().any(|r| r.contains(peer));
        !through_proxy && (peer.is_loopback() || self.metrics_from.iter().any(|r| r.contains(peer)))
    }
}

const DAY_MS: i64 = 86_400_000;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            access_ttl_secs: 15 * 60,
            refresh_ttl_secs: 30 * 24 * 3600,
            lock_after_failures: 5,
            lock_ms: 15 * 60 * 1000,
            failure_delay_ms: 100,
            address_failure_limit: 50,
            trusted_proxies: Vec::new(),
            metrics_from: Vec::new(),
            hsts: false,
            retention_ms: 183 * DAY_MS,
            cooling_off_ms: 7 * DAY_MS,
            erasure_check_every: std::time::Duration::from_secs(60),
            push_services: crate::web_push::KNOWN_PUSH_SERVICES.iter().map(|s| s.to_string()).collect(),
            public_url: None,
            sso: None,
            sso_session_ms: 12 * 3600 * 1000,
        }
    }
}

impl From<&ServeArgs> for Settings {
    fn from(args: &ServeArgs) -> Self {
        Settings {
            access_ttl_secs: args.access_minutes * 60,
            lock_after_failures: args.lock_after,
            retention_ms: i64::from(args.retention_days) * DAY_MS,
            cooling_off_ms: i64::from(args.cooling_off_days) * DAY_MS,
            hsts: args.public_url.as_deref().is_some_and(|u| u.to_ascii_lowercase().starts_with("https://")),
            trusted_proxies: args.trusted_proxies.clone(),
            metrics_from: args.metrics_from.clone(),
            push_services: args.push_services.clone(),
            public_url: args.public_url.clone(),
            sso_session_ms: i64::from(args.sso_session_hours.max(1)) * 3600 * 1000,
            ..Settings::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_https_public_url_turns_hsts_on_and_http_or_none_does_not() {
        let hsts = |args: &[&str]| Settings::from(&ServeArgs::parse_from(args)).hsts;
        assert!(hsts(&["serve", "--public-url", "https://tandem.example.org"]));
        assert!(hsts(&["serve", "--public-url", "HTTPS://tandem.example.org"]));
        assert!(!hsts(&["serve", "--public-url", "http://tandem.example.org"]));
        assert!(!hsts(&["serve"]));
    }

    #[test]
    fn the_organisation_sign_in_needs_all_three_and_a_sound_issuer() {
        let parse = |more: &[&str]| ServeArgs::try_parse_from([&["serve"], more].concat());
        let full = [
            "--sso-issuer",
            "https://login.example.org/t/v2.0",
            "--sso-client-id",
            "tandem",
            "--sso-client-secret",
            "s",
        ];
        let sso = parse(&full).unwrap().sso().unwrap().expect("configured");
        assert_eq!(
            (sso.issuer.as_str(), sso.name.as_str()),
            ("https://login.example.org/t/v2.0", "your organisation's account")
        );
        assert!(parse(&[]).unwrap().sso().unwrap().is_none(), "off unless asked");
        assert!(parse(&full[..2]).is_err(), "an issuer without the client's id and secret is refused");
        let plain_http =
            ["--sso-issuer", "http://login.example.org", "--sso-client-id", "t", "--sso-client-secret", "s"];
        assert!(parse(&plain_http).unwrap().sso().unwrap_err().contains("https"));
        let hours = parse(&["--sso-session-hours", "8"]).unwrap();
        assert_eq!(Settings::from(&hours).sso_session_ms, 8 * 3600 * 1000);
    }

    #[test]
    fn trusted_proxies_are_addresses_or_blocks_and_anything_else_is_refused() {
        let args =
            ServeArgs::try_parse_from(["serve", "--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "192.0.2.10"])
                .unwrap();
        assert_eq!(Settings::from(&args).trusted_proxies.len(), 2);
        assert!(ServeArgs::try_parse_from(["serve"]).unwrap().trusted_proxies.is_empty());
        let refused = ServeArgs::try_parse_from(["serve", "--trusted-proxy", "the-load-balancer"]).unwrap_err();
        assert!(refused.to_string().contains("not an IP address or block"), "{refused}");
    }

    #[test]
    fn metrics_are_for_this_machine_and_named_monitoring_never_through_the_proxy() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let settings = |args: &[&str]| Settings::from(&ServeArgs::parse_from([&["serve"], args].concat()));
        let alone = settings(&[]);
        assert!(alone.may_read_metrics(ip("127.0.0.1")) && alone.may_read_metrics(ip("::1")));
        assert!(!alone.may_read_metrics(ip("203.0.113.7")), "the world may not");
        let behind = settings(&["--trusted-proxy", "127.0.0.1", "--metrics-from", "10.9.0.0/16"]);
        assert!(!behind.may_read_metrics(ip("127.0.0.1")), "a proxy on this machine relays the world");
        assert!(behind.may_read_metrics(ip("10.9.3.4")) && !behind.may_read_metrics(ip("10.8.0.1")));
    }
}
