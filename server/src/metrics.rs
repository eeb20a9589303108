//! Prometheus counters, written out by hand: a handful of atomics needs no crate.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

#[derive(Default)]
pub struct Metrics {
    pub pushes: AtomicU64,
    pub ops_applied: AtomicU64,
    pub ops_rejected: AtomicU64,
    pub pulls: AtomicU64,
    pub sse_clients: AtomicU64,
    /// Sign-ins checked against a password hash: every one, whether or not the name exists.
    pub password_checks: AtomicU64,
    /// Web Push notices a push service took ("a young person has asked for help").
    pub pushes_sent: AtomicU64,
}

impl Metrics {
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (name, help, kind, v) in [
            ("tandem_push_requests_total", "Push requests answered.", "counter", &self.pushes),
            (
                "tandem_ops_applied_total",
                "Operations applied, merged or kept as conflicts.",
                "counter",
                &self.ops_applied,
            ),
            ("tandem_ops_rejected_total", "Operations rejected or out of order.", "counter", &self.ops_rejected),
            ("tandem_pull_requests_total", "Pull requests answered.", "counter", &self.pulls),
            ("tandem_sse_clients", "Open live-event connections.", "gauge", &self.sse_clients),
            (
                "tandem_password_checks_total",
                "Sign-ins checked against a password hash (unknown names too).",
                "counter",
                &self.password_checks,
            ),
            (
                "tandem_web_push_sent_total",
                "Notifications to staff devices that a push service accepted.",
                "counter",
                &self.pushes_sent,
            ),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {}", v.load(Relaxed));
        }
        let commits = crate::store::sqlite::COMMITS.load(Relaxed);
        let _ = writeln!(
            out,
            "# HELP tandem_sqlite_commits_total SQLite group commits (each one sync).\n# TYPE tandem_sqlite_commits_total counter\ntandem_sqlite_commits_total {commits}"
        );
        out
    }
}
