//! What every handler can reach.

use crate::auth::tokens::Keys;
use crate::config::Settings;
use crate::error::Result;
use crate::events::Events;
use crate::ledger::Ledger;
use crate::metrics::Metrics;
use crate::store::Store;
use std::sync::{Arc, Mutex};
use tandem_shared::{Hlc, PersonId, Visibility};

/// Cloned for every request (axum hands each handler its own), so it is one pointer: cloning
/// the fields themselves was a dozen atomic counts per request on shared cache lines.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// What every handler reaches through `AppState`.
pub struct Shared {
    pub store: Store,
    pub keys: Arc<Keys>,
    pub settings: Arc<Settings>,
    pub events: Events,
    /// The server's hybrid logical clock; writes' clocks are capped at it.
    pub clock: Arc<Mutex<Hlc>>,
    pub metrics: Arc<Metrics>,
    /// Erasures, and decisions about who can get in, noted outside the database so a restore
    /// can't undo them (see `ledger`).
    pub ledger: Arc<Ledger>,
    /// Notifications to key workers' devices when a young person asks for help.
    pub push: Arc<crate::web_push::WebPush>,
    /// The organisation's own sign-in for staff, when the service set one up (`--sso-issuer`).
    pub sso: Option<Arc<crate::auth::oidc::Oidc>>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// Now, and how long an access token lasts: which sessions count as signed in.
    pub fn signed_in_at(&self) -> crate::store::people::SignedInAt {
        crate::store::people::SignedInAt {
            now: crate::store::now_ms(),
            access_ms: i64::try_from(self.settings.access_ttl_secs).unwrap_or(i64::MAX / 2_000) * 1000,
        }
    }

    /// Tells open screens that follow `owner` (and may see `audience`), and `worker` if named,
    /// to pull now. Not about one numbered change (an alert), so no screen skips the pull.
    pub fn announce(&self, owner: PersonId, audience: Visibility, worker: Option<PersonId>) {
        let cursor = crate::events::NOT_ONE_CHANGE;
        self.publish(crate::events::Notice { owner, cursor, audience, worker, people: false });
    }

    /// The same, for a change to who works with whom or to `owner`'s account (assigned, joined,
    /// case closed, erased): open screens also ask who they work with again.
    pub fn announce_people(&self, owner: PersonId, audience: Visibility, worker: Option<PersonId>) {
        let cursor = crate::events::NOT_ONE_CHANGE;
        self.publish(crate::events::Notice { owner, cursor, audience, worker, people: true });
    }

    /// Sessions of `person` began or ended (a new sign-in, a lost phone, signing out everywhere,
    /// leaving): their own open screens pull and ask `/api/me` now; one signed out is refused
    /// and drops what it holds at once instead of at its next request. Nobody else's screens
    /// are told.
    pub fn tell_own_screens(&self, person: PersonId) {
        self.announce_people(person, Visibility::Private, Some(person));
    }

    /// Tells open screens here, and through the database those on other replicas.
    pub fn publish(&self, notice: crate::events::Notice) {
        self.events.publish(notice);
        self.tell_other_replicas(self.events.outgoing_changes(notice));
    }

    /// An assignment started or ended: open worker screens everywhere reload their caseload.
    pub fn assignments_changed(&self) {
        self.events.assignments_changed();
        self.tell_other_replicas(self.events.outgoing_assignments());
    }

    /// What young people are shown about the service changed: their open screens everywhere
    /// ask for it again.
    pub fn service_changed(&self) {
        self.events.service_changed();
        self.tell_other_replicas(self.events.outgoing_service());
    }

    fn tell_other_replicas(&self, payload: String) {
        if let Store::Postgres(pg) = &self.store {
            let pg = pg.clone();
            // Not awaited: the answer to a push never waits on a notice (they carry no data,
            // and a screen that misses one catches up at its next pull).
            tokio::spawn(async move {
                if let Err(e) = pg.notify(payload).await {
                    tracing::warn!(error = %e, "could not tell other replicas about a change");
                }
            });
        }
    }

    pub async fn new(store: Store, keys: Keys, settings: Settings, ledger: Ledger) -> Result<AppState> {
        let latest = store.write(crate::store::sync::latest_hlc).await?;
        let events = Events::new();
        if let Store::Sqlite(sqlite) = &store {
            // A command run beside the server (`tandem assign`, `tandem unassign`) changed who sees
            // what: handled as notices from other replicas that may have been missed.
            let mut outside = sqlite.outside_writes();
            let events = events.clone();
            tokio::spawn(async move {
                while outside.changed().await.is_ok() {
                    events.may_have_missed();
                }
            });
        }
        if let Store::Postgres(pg) = &store {
            let events = events.clone();
            let listening = pg.listen(move |payload| events.incoming(payload));
            // Serve once this replica hears the others, so a screen that connects to it from the
            // start hears every change made on them. A database slow to answer doesn't stop it
            // starting: notices begin when the connection does.
            if tokio::time::timeout(std::time::Duration::from_secs(10), listening).await.is_err() {
                tracing::warn!("not yet listening for other replicas' changes; serving meanwhile");
            }
        }
        let push = crate::web_push::WebPush::new(
            keys.push_key(),
            crate::web_push::PushServices::new(&settings.push_services),
            settings.public_url.as_deref(),
        );
        let sso = settings.sso.clone().map(|s| Arc::new(crate::auth::oidc::Oidc::new(s)));
        Ok(AppState(Arc::new(Shared {
            push: Arc::new(push),
            sso,
            store,
            keys: Arc::new(keys),
            settings: Arc::new(settings),
            events,
            clock: Arc::new(Mutex::new(latest)),
            metrics: Arc::new(Metrics::default()),
            ledger: Arc::new(ledger),
        })))
    }
}
