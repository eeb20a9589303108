//! Tandem's server. A request goes: `http/` (route, auth extractor, JSON) → `store/` (every SQL
//! statement, in one transaction per request) → `tandem_shared::merge` for the rule itself.

pub mod accounts;
pub mod auth;
pub mod config;
pub mod demo;
pub mod error;
pub mod events;
pub mod http;
pub mod ledger;
pub mod metrics;
pub mod pwa;
pub mod retention;
pub mod state;
pub mod store;
pub mod subject_access;
pub mod telemetry;
pub mod web_push;

use config::{Command, DbArgs, ServeArgs, Settings};
use ledger::{Decision, Ledger};
use state::AppState;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use store::sql::Db;
use store::{Store, audit, people};
use tandem_shared::PersonId;
use tokio::net::TcpListener;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Serves `app` on `listener` until `shutdown` completes. Tests call this with port 0.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let events = state.events.clone();
    let erasures = retention::spawn(state.clone());
    let app = http::app(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            // Live streams never finish by themselves; end them so shutdown can complete.
            events.close();
        })
        .await;
    erasures.abort();
    served
}

/// Opens the database and signing key and builds the state for `serve`.
pub async fn open_state(
    db: &str,
    key_file: Option<&Path>,
    data_key_file: Option<&Path>,
    ledger_file: Option<&Path>,
    settings: Settings,
) -> Result<AppState, BoxError> {
    let key_path = match key_file {
        Some(path) => path.to_owned(),
        None if store::is_postgres_url(db) => {
            return Err("with PostgreSQL, name the token signing key file with --key-file (or TANDEM_KEY_FILE): \
                        every replica must use the same one, and it must not live in the database"
                .into());
        }
        None => format!("{db}.key").into(),
    };
    let store = Store::open(db, data_key_file).await?;
    let keys = auth::tokens::Keys::load_or_create(&key_path)?;
    let ledger = Ledger::of(db, data_key_file, ledger_file).ok_or("no data key file named")?;
    writable(&ledger)?;
    let state = AppState::new(store, keys, settings, ledger).await.map_err(|e| e.to_string())?;
    // Before serving: a restored copy of the database must not undo an erasure, or a decision
    // about one or about who can get in (see `ledger`).
    let again = ledger::reapply(&state.store, &state.ledger).await.map_err(ledger_refused)?;
    if again != ledger::Reapplied::default() {
        tracing::warn!(
            erased = again.erased,
            decisions = again.decisions,
            need_new_secret = again.need_new_secret,
            "the database was behind the ledger (restored from a copy made before): made it agree again"
        );
    }
    ledger::prune(&state.ledger, state.settings.refresh_ttl_secs).await;
    Ok(state)
}

pub async fn run(db: DbArgs, command: Command) -> Result<(), BoxError> {
    match command {
        Command::Serve(args) => run_serve(&db, *args).await,
        other => run_admin(&db, other).await,
    }
}

async fn run_serve(db: &DbArgs, args: ServeArgs) -> Result<(), BoxError> {
    let settings = Settings { sso: args.sso()?, ..Settings::from(&args) };
    let state =
        open_state(&db.db, args.key_file.as_deref(), db.data_key_file.as_deref(), db.ledger.as_deref(), settings)
            .await?;
    let listener = TcpListener::bind(args.listen).await?;
    let address = listener.local_addr()?;
    if args.demo {
        let code = state.store.write(|tx| demo::seed(tx, store::now_ms())).await.map_err(|e| e.to_string())?;
        print_demo(address, code.as_deref());
    }
    tracing::info!(%address, db = %state.store.describe(), "Tandem is listening");
    if let Some(oidc) = state.sso.clone() {
        tokio::spawn(async move {
            match oidc.ready().await {
                Ok(()) => tracing::info!(issuer = %oidc.settings.issuer, "the organisation's sign-in is ready"),
                Err(e) => {
                    tracing::warn!(error = %e, "the organisation's sign-in can't be used yet: staff can't sign in with it")
                }
            }
        });
    }
    serve(listener, state, stop_requested()).await?;
    Ok(())
}

/// Ctrl-C, or SIGTERM from a service manager: finish what is in flight, then stop.
async fn stop_requested() {
    let term = async {
        #[cfg(unix)]
        if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            term.recv().await;
            return;
        }
        std::future::pending::<()>().await
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
    tracing::info!("stopping: finishing requests in flight");
}

fn print_demo(listen: SocketAddr, code: Option<&str>) {
    println!("\nTandem demo is running at http://{listen}/\n\nSign in as:");
    use std::io::Write;
    for l in demo::LOGINS {
        println!("  {:<14} name: {:<8} PIN/password: {}", l.role, l.name, l.secret);
    }
    match code {
        Some(code) => println!("\nA new young person can join with invite code {code}\n"),
        None => println!("\n(The demo organisation was already in this database.)\n"),
    }
    let _ = std::io::stdout().flush();
}

/// Resolves a sign-in name or an id to a person.
fn person_ref(conn: &dyn Db, text: &str) -> error::Result<PersonId> {
    if let Ok(id) = PersonId::parse(text) {
        return Ok(id);
    }
    Ok(people::by_name(conn, text)?
        .ok_or_else(|| error::ApiError::BadRequest(format!("nobody is called {text:?}")))?
        .id)
}

/// Who an invite made at the command line is recorded as made by: the first admin (the invites
/// table names a person; the audit log says it came from the command line).
/// (`invite` falls back to the first worker named, for a service set up before any admin.)
fn first_admin(conn: &dyn Db) -> error::Result<Option<PersonId>> {
    Ok(people::list(conn)?.into_iter().find(|p| p.role == tandem_shared::Role::Admin).map(|p| p.id))
}

/// A new file only its owner can read (it holds someone's words); one already there is kept.
fn new_private_file(path: &std::path::Path) -> Result<std::fs::File, BoxError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => format!("{} is there already: name a new file", path.display()).into(),
        _ => format!("can't make {}: {e}", path.display()).into(),
    })
}

/// An audit entry's detail for something done at the server's command line (no admin signed in).
fn from_cli(detail: &str) -> String {
    format!("{detail} (from the command line)")
}

/// Assigns or unassigns at the command line, with its audit entry, and tells the servers.
async fn change_assignment(
    (store, ledger): (&Store, &std::sync::Arc<Ledger>),
    worker: String,
    young_person: String,
    change: accounts::AssignmentChange,
    now: i64,
) -> error::Result<()> {
    let (worker, young_person) = store
        .write(move |tx| {
            let (worker, young_person) = (person_ref(tx, &worker)?, person_ref(tx, &young_person)?);
            (change.apply)(tx, worker, young_person, now)?;
            let detail = from_cli(&format!("key worker {worker}"));
            audit::append(tx, now, None, change.action, Some(young_person), &detail)?;
            Ok((worker, young_person))
        })
        .await?;
    ledger::note(ledger, now, &[(change.decision)(worker, young_person)]).await;
    // Replicas on PostgreSQL hear it as they hear each other, so the worker's open screens add
    // or drop the young person now. (A SQLite server notices within a second that another
    // process wrote to its file, and tells every open screen: see store::sqlite.)
    if let Store::Postgres(pg) = store {
        let events = events::Events::new();
        let notice = events::Notice {
            owner: young_person,
            cursor: events::NOT_ONE_CHANGE,
            audience: tandem_shared::Visibility::Worker,
            worker: Some(worker),
            people: true,
        };
        for payload in [events.outgoing_assignments(), events.outgoing_changes(notice)] {
            if let Err(e) = pg.notify(payload).await {
                eprintln!(
                    "done, but the running servers could not be told ({e}); open screens catch up at their next sync"
                );
            }
        }
    }
    Ok(())
}

/// Refuses to go on, in plain words, when the decisions about to be made could not be noted in
/// the ledger (a read-only mount, a folder not there): checked before, not found out after.
fn writable(ledger: &Ledger) -> Result<(), BoxError> {
    ledger.check_writable().map_err(|e| {
        format!(
            "the ledger {} can't be written ({e}). It notes who has been erased and whose access was ended, so that \
             a restored database can't undo it: name a writable place for it with --ledger (or TANDEM_LEDGER)",
            ledger.path().display()
        )
        .into()
    })
}

/// The ledger's own words when it can't be read (not the API's "try again later").
fn ledger_refused(e: error::ApiError) -> String {
    match e {
        error::ApiError::Internal(why) => why,
        other => other.to_string(),
    }
}

async fn run_admin(db: &DbArgs, command: Command) -> Result<(), BoxError> {
    let store = Store::open(&db.db, db.data_key_file.as_deref()).await?;
    let ledger = std::sync::Arc::new(
        Ledger::of(&db.db, db.data_key_file.as_deref(), db.ledger.as_deref()).ok_or("no data key file named")?,
    );
    if command.notes_decisions() {
        writable(&ledger)?;
    }
    let now = store::now_ms();
    let err = |e: error::ApiError| -> BoxError { e.to_string().into() };
    match command {
        Command::Serve(_) => unreachable!("handled by run"),
        Command::CreateStaff { role, name, display_name, password } => {
            let password = accounts::StaffPassword::new(&password, &[&name, &display_name]).map_err(err)?;
            let id = store
                .write({
                    let (name, display_name) = (name.clone(), display_name.clone());
                    move |tx| {
                        let id = accounts::create_staff(tx, role, &name, &display_name, &password, now)?;
                        audit::append(tx, now, None, "created staff", Some(id), &from_cli(people::role_str(role)))?;
                        Ok(id)
                    }
                })
                .await
                .map_err(err)?;
            println!("created {name} ({id})");
        }
        Command::Invite { display_name, workers } => {
            let name = display_name.clone();
            let (id, code) = store
                .write(move |tx| {
                    let ids = workers.iter().map(|w| person_ref(tx, w)).collect::<Result<Vec<_>, _>>()?;
                    let admin = first_admin(tx)?
                        .or(ids.first().copied())
                        .ok_or(error::ApiError::BadRequest("create an admin or name a worker first".into()))?;
                    let (id, code) = accounts::invite_young_person(tx, &name, admin, &ids, now)?;
                    audit::append(
                        tx,
                        now,
                        None,
                        "invited a young person",
                        Some(id),
                        &from_cli("a one-time invite code"),
                    )?;
                    Ok((id, code))
                })
                .await
                .map_err(err)?;
            println!(
                "invite code for {display_name} ({id}): {code}\nIt works once, for {} days.",
                accounts::INVITE_DAYS
            );
        }
        Command::Assign { worker, young_person } => {
            change_assignment((&store, &ledger), worker, young_person, accounts::ASSIGN, now).await.map_err(err)?;
            println!("assigned");
        }
        Command::Unassign { worker, young_person } => {
            change_assignment((&store, &ledger), worker, young_person, accounts::UNASSIGN, now).await.map_err(err)?;
            println!("unassigned: their devices drop this young person's things at their next sync");
        }
        Command::NewCode { person } => {
            let who = person.clone();
            let code = store
                .write(move |tx| {
                    let p = person_ref(tx, &who)?;
                    let by = first_admin(tx)?.ok_or(error::ApiError::BadRequest(
                        "create an admin first (tandem create-staff --role admin)".into(),
                    ))?;
                    let code = accounts::new_invite(tx, p, by, now)?;
                    audit::append(
                        tx,
                        now,
                        None,
                        "made a new invite code",
                        Some(p),
                        &from_cli("to join or reset a PIN"),
                    )?;
                    Ok(code)
                })
                .await
                .map_err(err)?;
            println!(
                "new code for {person}: {code}\nIt works once, for {} days; their earlier codes no longer work.",
                accounts::INVITE_DAYS
            );
        }
        Command::NewPassword { person, password } => {
            let password = accounts::StaffPassword::new(&password, &[&person]).map_err(err)?;
            let who = person.clone();
            let (p, unlinked) = store
                .write(move |tx| {
                    let p = person_ref(tx, &who)?;
                    let unlinked = accounts::new_staff_password(tx, p, &password, now)?;
                    let detail = from_cli(&accounts::new_password_detail(unlinked));
                    audit::append(tx, now, None, "set a new first password", Some(p), &detail)?;
                    Ok((p, unlinked))
                })
                .await
                .map_err(err)?;
            ledger::note(&ledger, now, &accounts::new_password_decisions(p, unlinked)).await;
            println!("{person} can sign in with that password now, and must choose their own at once");
            if unlinked {
                println!(
                    "Their organisation account was unlinked (linked staff sign in only with it): they can link it again"
                );
            }
        }
        Command::Revoke { person } => {
            let who = person.clone();
            let p = store
                .write(move |tx| {
                    let p = person_ref(tx, &who)?;
                    accounts::revoke(tx, p, now)?;
                    audit::append(tx, now, None, "ended every session", Some(p), &from_cli("lost device or leaving"))?;
                    Ok(p)
                })
                .await
                .map_err(err)?;
            ledger::note(&ledger, now, &[Decision::SignedOutEverywhere(p)]).await;
            println!("every session of {person} has ended");
        }
        Command::SubjectAccess { person, to } => {
            // Made first: a path that can't be written is told before anything is logged.
            let mut file = new_private_file(&to)?;
            let report = store
                .write(move |tx| {
                    let p = person_ref(tx, &person)?;
                    // Logged first, so the copy holds its own making, as the log will.
                    audit::append(tx, now, None, subject_access::AUDIT_ACTION, Some(p), &from_cli("a copy to send"))?;
                    subject_access::make_copy(tx, p, now)
                })
                .await;
            let written = report.map_err(err).and_then(|r| Ok(std::io::Write::write_all(&mut file, r.as_bytes())?));
            if let Err(e) = written {
                let _ = std::fs::remove_file(&to);
                return Err(e);
            }
            println!(
                "wrote {}: read it through before sending it, as it names the staff who worked with them",
                to.display()
            );
        }
        Command::RotateKey => {
            let resealed = store::rotate::rotate_key(&store).await.map_err(err)?;
            println!(
                "every word is now sealed under the new data key ({resealed} values re-sealed); the old key is retired from {}",
                store.keyring().path().display()
            );
        }
        Command::Backup { to } => {
            store.backup_to(&to)?;
            println!("backed up to {}", to.display());
        }
        Command::Restored => {
            store
                .write(move |tx| {
                    store::generation::renew(tx)?;
                    audit::append(
                        tx,
                        now,
                        None,
                        "marked the database as restored from a backup",
                        None,
                        &from_cli("restored"),
                    )
                })
                .await
                .map_err(err)?;
            // A server already running on the restored copy does this again at its next start;
            // this does it now.
            let again = ledger::reapply(&store, &ledger).await.map_err(ledger_refused)?;
            println!(
                "marked as restored: devices will give back what they hold that it lacks. From the ledger: erased \
                 again: {}; other decisions made since the backup made again (requests to be erased, case closures, \
                 deactivations, ended sessions and assignments, and their reversals): {}; people whose password or \
                 PIN was replaced since, so the one restored no longer works: {}{}",
                again.erased,
                again.decisions,
                again.need_new_secret,
                if again.need_new_secret > 0 {
                    " (the audit log names them: give each a new first password, or a young person a new invite code)"
                } else {
                    ""
                }
            );
        }
    }
    Ok(())
}
