//! Live change notices for open screens: "there are changes after cursor N for young person P".
//!
//! A notice goes only to the screens that may hear of it, looked up by young person, rather than
//! being broadcast to every open screen for each to judge: with a hundred key workers' screens
//! open, a broadcast woke every one of them for every push, to find it was someone else's. Each
//! screen keeps one pending "pull from here" that later notices fold into, so a slow screen never
//! falls behind and one wake-up covers any number of changes.

use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tandem_shared::{PersonId, Visibility};
use tokio::sync::Notify;
use uuid::Uuid;

/// The cursor of a notice that is not about one numbered change (an alert, an account, word
/// that notices may have been lost): above every change number, so no screen takes it as
/// something its store already holds.
pub const NOT_ONE_CHANGE: i64 = i64::MAX;

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Notice {
    pub owner: PersonId,
    /// The change told of (a screen whose store reaches it need not pull), or `NOT_ONE_CHANGE`.
    pub cursor: i64,
    /// The widest audience any changed record ever had: who may even be told that something
    /// changed. A private edit tells nobody but the young person's own devices.
    pub audience: Visibility,
    /// A key worker who must pull too, whatever their caseload says: one just given or just
    /// moved away from this young person (their devices add or drop the records).
    pub worker: Option<PersonId>,
    /// Who works with whom, or what is planned for an account, changed too: open screens ask
    /// for `/api/me` again (a caseload, a young person's workers, a closed case).
    #[serde(default)]
    pub people: bool,
}

/// What one replica tells the others (PostgreSQL NOTIFY): ids and numbers, never words.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Broadcast {
    Changes { from: Uuid, notice: Notice },
    Assignments { from: Uuid },
    Service { from: Uuid },
}

#[derive(Clone)]
pub struct Events {
    /// This process, so it skips its own notices when they come back from the database.
    replica: Uuid,
    routes: Arc<Mutex<Routes>>,
    /// Bumped when notices from other replicas may have been missed: every open screen pulls.
    missed: tokio::sync::watch::Sender<u64>,
    /// Turns true when the server is shutting down, so open streams end and clients reconnect.
    closing: tokio::sync::watch::Sender<bool>,
    /// Bumped when an assignment starts or ends, so open worker streams reload their caseload.
    assignments: tokio::sync::watch::Sender<u64>,
    /// Bumped when what every young person is shown about the service changes (the helplines,
    /// who is told of an alert and when): their open screens ask `/api/me` again.
    service: tokio::sync::watch::Sender<u64>,
}

impl Events {
    pub fn new() -> Events {
        let (closing, _) = tokio::sync::watch::channel(false);
        let (assignments, _) = tokio::sync::watch::channel(0);
        let (missed, _) = tokio::sync::watch::channel(0);
        let (service, _) = tokio::sync::watch::channel(0);
        Events { replica: Uuid::now_v7(), routes: Arc::default(), missed, closing, assignments, service }
    }

    pub fn missed(&self) -> tokio::sync::watch::Receiver<u64> {
        self.missed.subscribe()
    }

    /// A notice for the other replicas, as text.
    pub fn outgoing_changes(&self, notice: Notice) -> String {
        serde_json::to_string(&Broadcast::Changes { from: self.replica, notice }).unwrap_or_default()
    }

    pub fn outgoing_assignments(&self) -> String {
        serde_json::to_string(&Broadcast::Assignments { from: self.replica }).unwrap_or_default()
    }

    pub fn outgoing_service(&self) -> String {
        serde_json::to_string(&Broadcast::Service { from: self.replica }).unwrap_or_default()
    }

    /// Something another replica said (`None`: we may have missed some), passed to the screens
    /// open here.
    pub fn incoming(&self, payload: Option<&str>) {
        match payload.map(serde_json::from_str::<Broadcast>) {
            None => self.may_have_missed(),
            Some(Ok(Broadcast::Changes { from, notice })) if from != self.replica => self.publish(notice),
            Some(Ok(Broadcast::Assignments { from })) if from != self.replica => self.assignments_changed(),
            Some(Ok(Broadcast::Service { from })) if from != self.replica => self.service_changed(),
            Some(Ok(_)) => {}
            Some(Err(e)) => tracing::warn!(error = %e, "a notice from another replica doesn't read"),
        }
    }

    /// Changes made elsewhere may not have been heard of (a lost connection to the other replicas,
    /// a command run beside this server): every open screen pulls and asks who it works with
    /// again, and workers' streams reload their caseloads (an assignment may be among them).
    pub fn may_have_missed(&self) {
        self.assignments_changed();
        self.missed.send_modify(|n| *n += 1);
    }

    pub fn assignments_changed(&self) {
        self.assignments.send_modify(|generation| *generation += 1);
    }

    pub fn assignments(&self) -> tokio::sync::watch::Receiver<u64> {
        self.assignments.subscribe()
    }

    pub fn service_changed(&self) {
        self.service.send_modify(|generation| *generation += 1);
    }

    pub fn service(&self) -> tokio::sync::watch::Receiver<u64> {
        self.service.subscribe()
    }

    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Tells the screens open here that may hear of this change.
    pub fn publish(&self, notice: Notice) {
        let routes = self.routes();
        let shared = notice.audience != Visibility::Private;
        let tell = |screens: Option<&Vec<Screen>>, everyone: bool| {
            for screen in screens.into_iter().flatten().filter(|s| everyone || s.private_too) {
                screen.inbox.offer(notice.cursor, notice.people);
            }
        };
        // Key workers follow a young person for what is shared with them; the young person's own
        // screens for everything, private edits too (even the timing of those is theirs).
        tell(routes.following.get(&notice.owner), shared);
        if notice.audience == Visibility::Team {
            tell(Some(&routes.team), true);
        }
        // A private notice naming its owner as the worker is for a worker's own screens.
        if let Some(worker) = notice.worker.filter(|&w| shared || w == notice.owner) {
            tell(routes.workers.get(&worker), true);
        }
    }

    /// An open screen, told of what `listener` may hear of until it is dropped; None if the
    /// person already has `most` screens listening here.
    pub fn listen(&self, listener: Listener, most: usize) -> Option<Subscription> {
        let mut routes = self.routes();
        let open = match listener {
            // Their key workers follow them too; their own screens are the private ones.
            Listener::YoungPerson(me) => {
                routes.following.get(&me).map_or(0, |s| s.iter().filter(|s| s.private_too).count())
            }
            Listener::KeyWorker(me) | Listener::DropInStaff(me) => routes.workers.get(&me).map_or(0, Vec::len),
            Listener::Nobody => 0,
        };
        if open >= most {
            return None;
        }
        routes.next_id += 1;
        let id = routes.next_id;
        let inbox = Arc::<Inbox>::default();
        let screen = |private_too| Screen { id, inbox: inbox.clone(), private_too };
        let (following, worker, team) = match listener {
            Listener::YoungPerson(me) => {
                routes.following.entry(me).or_default().push(screen(true));
                (vec![me], None, false)
            }
            Listener::KeyWorker(me) => {
                routes.workers.entry(me).or_default().push(screen(false));
                (Vec::new(), Some(me), false)
            }
            Listener::DropInStaff(me) => {
                routes.team.push(screen(false));
                // Never named in a shared notice (nobody is assigned to them): only told of
                // their own sessions ending.
                routes.workers.entry(me).or_default().push(screen(false));
                (Vec::new(), Some(me), true)
            }
            Listener::Nobody => (Vec::new(), None, false),
        };
        drop(routes);
        Some(Subscription { routes: self.routes.clone(), id, inbox, following, worker, team })
    }

    fn routes(&self) -> MutexGuard<'_, Routes> {
        lock(&self.routes)
    }
}

// A panic elsewhere while holding the lock leaves the routes whole (each change is one push or
// retain), so carry on rather than take every open screen down with it.
fn lock(routes: &Mutex<Routes>) -> MutexGuard<'_, Routes> {
    routes.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Who an open screen belongs to, for what it may hear of.
pub enum Listener {
    YoungPerson(PersonId),
    /// Follows their caseload once `Subscription::follow` is given it.
    KeyWorker(PersonId),
    DropInStaff(PersonId),
    /// Admins never hear of records; they still hear "you may have missed something".
    Nobody,
}

/// Which open screens hear of which changes.
#[derive(Default)]
struct Routes {
    next_id: u64,
    /// By young person: their own screens, and their key workers'.
    following: HashMap<PersonId, Vec<Screen>>,
    /// Drop-in staff's screens, told of what is shared with the team.
    team: Vec<Screen>,
    /// Key workers' screens by worker, told when they are given or moved away from someone.
    workers: HashMap<PersonId, Vec<Screen>>,
}

struct Screen {
    id: u64,
    inbox: Arc<Inbox>,
    /// The young person's own screen, told of private edits too.
    private_too: bool,
}

/// One screen's pending "pull from here".
#[derive(Default)]
struct Inbox {
    pending: Mutex<Option<Pending>>,
    ready: Notify,
}

/// The highest cursor told, and whether who works with whom changed among what was told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending {
    pub cursor: i64,
    pub people: bool,
}

impl Inbox {
    fn offer(&self, cursor: i64, people: bool) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        *pending = Some(match *pending {
            Some(was) => Pending { cursor: was.cursor.max(cursor), people: was.people || people },
            None => Pending { cursor, people },
        });
        drop(pending);
        self.ready.notify_one();
    }

    fn take(&self) -> Option<Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// An open screen's place in the routes; dropping it (the screen went) takes it out.
pub struct Subscription {
    routes: Arc<Mutex<Routes>>,
    id: u64,
    inbox: Arc<Inbox>,
    following: Vec<PersonId>,
    worker: Option<PersonId>,
    team: bool,
}

impl Subscription {
    /// Waits for the next change this screen may hear of. Cancel-safe: what was told stays
    /// pending until it is taken here.
    pub async fn next(&self) -> Pending {
        loop {
            if let Some(pending) = self.inbox.take() {
                return pending;
            }
            self.inbox.ready.notified().await;
        }
    }

    /// A key worker's screen follows the young people of this caseload (and no others) from now.
    pub fn follow(&mut self, caseload: &HashSet<PersonId>) {
        let mut routes = lock(&self.routes);
        let id = self.id;
        for person in &self.following {
            unfollow(&mut routes.following, person, id);
        }
        for &person in caseload {
            routes.following.entry(person).or_default().push(Screen {
                id,
                inbox: self.inbox.clone(),
                private_too: false,
            });
        }
        self.following = caseload.iter().copied().collect();
    }
}

fn unfollow(map: &mut HashMap<PersonId, Vec<Screen>>, person: &PersonId, id: u64) {
    if let Some(screens) = map.get_mut(person) {
        screens.retain(|s| s.id != id);
        if screens.is_empty() {
            map.remove(person);
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut routes = lock(&self.routes);
        let id = self.id;
        for person in std::mem::take(&mut self.following) {
            unfollow(&mut routes.following, &person, id);
        }
        if let Some(worker) = self.worker {
            unfollow(&mut routes.workers, &worker, id);
        }
        if self.team {
            routes.team.retain(|s| s.id != id);
        }
    }
}

impl Default for Events {
    fn default() -> Self {
        Events::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person() -> PersonId {
        PersonId(Uuid::now_v7())
    }

    fn notice(owner: PersonId, cursor: i64, audience: Visibility) -> Notice {
        Notice { owner, cursor, audience, worker: None, people: false }
    }

    /// What a screen was told since it was last asked, without waiting.
    fn told(subscription: &Subscription) -> Option<Pending> {
        subscription.inbox.take()
    }

    #[test]
    fn each_change_reaches_only_those_who_may_hear_of_it() {
        let events = Events::new();
        let (ash, kai, sam, priya) = (person(), person(), person(), person());
        let ash_phone = events.listen(Listener::YoungPerson(ash), usize::MAX).unwrap();
        let kai_phone = events.listen(Listener::YoungPerson(kai), usize::MAX).unwrap();
        let mut sam_laptop = events.listen(Listener::KeyWorker(sam), usize::MAX).unwrap();
        sam_laptop.follow(&HashSet::from([ash]));
        let priya_laptop = events.listen(Listener::KeyWorker(priya), usize::MAX).unwrap();
        let jo = person();
        let drop_in = events.listen(Listener::DropInStaff(jo), usize::MAX).unwrap();
        let admin = events.listen(Listener::Nobody, usize::MAX).unwrap();

        events.publish(notice(ash, 1, Visibility::Private));
        assert_eq!(told(&ash_phone), Some(Pending { cursor: 1, people: false }));
        assert_eq!(told(&sam_laptop), None, "a private edit tells nobody but the young person");
        assert_eq!(told(&drop_in), None);

        events.publish(notice(ash, 2, Visibility::Worker));
        assert_eq!(told(&ash_phone).map(|p| p.cursor), Some(2));
        assert_eq!(told(&sam_laptop).map(|p| p.cursor), Some(2), "Ash's worker");
        assert_eq!(told(&priya_laptop), None, "not Ash's worker");
        assert_eq!(told(&drop_in), None, "shared with the worker only");

        events.publish(notice(ash, 3, Visibility::Team));
        assert_eq!(told(&sam_laptop).map(|p| p.cursor), Some(3));
        assert_eq!(told(&drop_in).map(|p| p.cursor), Some(3));
        assert_eq!(told(&ash_phone).map(|p| p.cursor), Some(3));

        // Priya is given Ash: the notice names her, whatever her caseload said.
        events.publish(Notice { worker: Some(priya), people: true, ..notice(ash, 4, Visibility::Worker) });
        assert_eq!(told(&priya_laptop), Some(Pending { cursor: 4, people: true }));

        // A private notice names a worker only for their own screens (their sessions ended),
        // never to tell them of a young person's private change.
        events.publish(Notice { worker: Some(priya), people: true, ..notice(ash, 5, Visibility::Private) });
        assert_eq!(told(&priya_laptop), None, "Ash's private change, though Priya is named");
        assert_eq!(told(&ash_phone).map(|p| p.cursor), Some(5));
        events.publish(Notice { worker: Some(sam), people: true, ..notice(sam, 6, Visibility::Private) });
        assert_eq!(told(&sam_laptop), Some(Pending { cursor: 6, people: true }), "Sam's own screens");
        assert_eq!(told(&priya_laptop), None);
        assert_eq!(told(&ash_phone), None, "Sam's sessions are nothing of Ash's");
        events.publish(Notice { worker: Some(jo), people: true, ..notice(jo, 7, Visibility::Private) });
        assert_eq!(told(&drop_in), Some(Pending { cursor: 7, people: true }), "drop-in staff's own screens");
        assert_eq!(told(&sam_laptop), None);

        for screen in [&kai_phone, &admin] {
            assert_eq!(told(screen), None, "nothing of Ash's");
        }
    }

    #[test]
    fn notices_fold_into_the_highest_cursor() {
        let events = Events::new();
        let ash = person();
        let phone = events.listen(Listener::YoungPerson(ash), usize::MAX).unwrap();
        events.publish(notice(ash, 7, Visibility::Worker));
        events.publish(Notice { people: true, ..notice(ash, 5, Visibility::Private) });
        events.publish(notice(ash, 9, Visibility::Private));
        assert_eq!(told(&phone), Some(Pending { cursor: 9, people: true }));
        assert_eq!(told(&phone), None);
    }

    #[tokio::test]
    async fn a_waiting_screen_wakes_when_told() {
        let events = Events::new();
        let ash = person();
        let phone = events.listen(Listener::YoungPerson(ash), usize::MAX).unwrap();
        let waiting = tokio::spawn(async move { phone.next().await });
        tokio::task::yield_now().await;
        events.publish(notice(ash, 12, Visibility::Private));
        assert_eq!(waiting.await.expect("the wait ends").cursor, 12);
    }

    #[test]
    fn a_worker_follows_their_caseload_as_it_changes_and_a_closed_screen_leaves_no_trace() {
        let events = Events::new();
        let (ash, kai, sam) = (person(), person(), person());
        let mut laptop = events.listen(Listener::KeyWorker(sam), usize::MAX).unwrap();
        laptop.follow(&HashSet::from([ash]));
        laptop.follow(&HashSet::from([kai]));
        events.publish(notice(ash, 1, Visibility::Team));
        assert_eq!(told(&laptop), None, "moved away from Ash");
        events.publish(notice(kai, 2, Visibility::Worker));
        assert_eq!(told(&laptop).map(|p| p.cursor), Some(2));

        let phone = events.listen(Listener::YoungPerson(kai), usize::MAX).unwrap();
        let drop_in = events.listen(Listener::DropInStaff(person()), usize::MAX).unwrap();
        drop((laptop, phone, drop_in));
        let routes = events.routes();
        assert!(routes.following.is_empty() && routes.workers.is_empty() && routes.team.is_empty());
    }
}
