//! Live change notices for open screens: "there are changes after cursor N for young person P".

use serde::{Deserialize, Serialize};
use tandem_shared::{PersonId, Visibility};
use tokio::sync::broadcast;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Notice {
    pub owner: PersonId,
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
}

#[derive(Clone)]
pub struct Events {
    /// This process, so it skips its own notices when they come back from the database.
    replica: Uuid,
    tx: broadcast::Sender<Notice>,
    /// Bumped when notices from other replicas may have been missed: every open screen pulls.
    missed: tokio::sync::watch::Sender<u64>,
    /// Turns true when the server is shutting down, so open streams end and clients reconnect.
    closing: tokio::sync::watch::Sender<bool>,
    /// Bumped when an assignment starts or ends, so open worker streams reload their caseload.
    assignments: tokio::sync::watch::Sender<u64>,
}

impl Events {
    pub fn new() -> Events {
        let (tx, _) = broadcast::channel(1024);
        let (closing, _) = tokio::sync::watch::channel(false);
        let (assignments, _) = tokio::sync::watch::channel(0);
        let (missed, _) = tokio::sync::watch::channel(0);
        Events { replica: Uuid::now_v7(), tx, missed, closing, assignments }
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

    /// Something another replica said (`None`: we may have missed some), passed to the screens
    /// open here.
    pub fn incoming(&self, payload: Option<&str>) {
        match payload.map(serde_json::from_str::<Broadcast>) {
            None => self.may_have_missed(),
            Some(Ok(Broadcast::Changes { from, notice })) if from != self.replica => self.publish(notice),
            Some(Ok(Broadcast::Assignments { from })) if from != self.replica => self.assignments_changed(),
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

    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }

    pub fn publish(&self, notice: Notice) {
        // No listeners is fine: nobody has a screen open.
        let _ = self.tx.send(notice);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.tx.subscribe()
    }
}

impl Default for Events {
    fn default() -> Self {
        Events::new()
    }
}
