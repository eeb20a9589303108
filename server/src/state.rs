//! What every handler can reach.

use crate::auth::AddressLimiter;
use crate::auth::tokens::Keys;
use crate::config::Settings;
use crate::events::Events;
use crate::metrics::Metrics;
use crate::store::Store;
use std::sync::{Arc, Mutex};
use tandem_shared::{Hlc, PersonId, Visibility};

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub keys: Arc<Keys>,
    pub settings: Arc<Settings>,
    pub events: Events,
    /// The server's hybrid logical clock; writes' clocks are capped at it.
    pub clock: Arc<Mutex<Hlc>>,
    pub limiter: Arc<AddressLimiter>,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    /// Tells open screens that follow `owner` (and may see `audience`), and `worker` if named,
    /// to pull now.
    pub async fn announce(
        &self,
        owner: PersonId,
        audience: Visibility,
        worker: Option<PersonId>,
    ) -> crate::error::Result<()> {
        let cursor = self.store.read(crate::store::sync::current_change).await?;
        self.events.publish(crate::events::Notice { owner, cursor, audience, worker });
        Ok(())
    }

    pub fn new(store: Store, keys: Keys, settings: Settings) -> crate::error::Result<AppState> {
        let latest = store.write_now(|tx| crate::store::sync::latest_hlc(tx))?;
        let limiter = AddressLimiter::new(settings.address_failure_limit, std::time::Duration::from_secs(15 * 60));
        Ok(AppState {
            store,
            keys: Arc::new(keys),
            settings: Arc::new(settings),
            events: Events::new(),
            clock: Arc::new(Mutex::new(latest)),
            limiter: Arc::new(limiter),
            metrics: Arc::new(Metrics::default()),
        })
    }
}
