//! Live change notices for open screens: "there are changes after cursor N for young person P".

use tandem_shared::{PersonId, Visibility};
use tokio::sync::broadcast;

#[derive(Debug, Clone, Copy)]
pub struct Notice {
    pub owner: PersonId,
    pub cursor: i64,
    /// The widest audience any changed record ever had: who may even be told that something
    /// changed. A private edit tells nobody but the young person's own devices.
    pub audience: Visibility,
    /// A key worker who must pull too, whatever their caseload says: one just given or just
    /// moved away from this young person (their devices add or drop the records).
    pub worker: Option<PersonId>,
}

#[derive(Clone)]
pub struct Events {
    tx: broadcast::Sender<Notice>,
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
        Events { tx, closing, assignments }
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
