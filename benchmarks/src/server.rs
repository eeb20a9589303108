//! The real `tandem` binary as a child process: started, waited for, stopped or killed.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

pub struct Server {
    child: Child,
    pub base: String,
}

/// A loopback port nobody is using just now, below Linux's ephemeral range (32768 up): a port
/// the kernel handed out and took back could be given to any outgoing connection (of the tests
/// running beside these) before the server binds it, and the server would exit.
pub fn free_port() -> u16 {
    use std::hash::{BuildHasher, RandomState};
    let seed = RandomState::new().hash_one(std::process::id());
    (0..200u64)
        .map(|i| 20_000 + ((seed.wrapping_add(i.wrapping_mul(7_919))) % 12_000) as u16)
        .find(|&port| std::net::TcpListener::bind(("127.0.0.1", port)).is_ok())
        .expect("a free port")
}

/// `tandem --db DB serve --listen 127.0.0.1:PORT`, with its key file beside the database.
pub fn serve_command(tandem: &Path, db: &Path, port: u16) -> Command {
    let mut cmd = Command::new(tandem);
    cmd.arg("--db").arg(db).args(["serve", "--listen", &format!("127.0.0.1:{port}")]);
    cmd
}

impl Server {
    pub async fn start(tandem: &Path, db: &Path, port: u16) -> Server {
        Server::spawn(serve_command(tandem, db, port), port).await.expect("tandem started")
    }

    /// Runs `cmd` (which must end up serving on `port`) and waits until it answers. Its logs are
    /// dropped unless `TANDEM_SERVER_LOGS` is set (then shown, at `TANDEM_LOG`'s level).
    pub async fn spawn(mut cmd: Command, port: u16) -> Result<Server, String> {
        let mut child = cmd
            .env("TANDEM_LOG", std::env::var("TANDEM_LOG").unwrap_or_else(|_| "error".into()))
            .stdout(Stdio::null())
            .stderr(if std::env::var_os("TANDEM_SERVER_LOGS").is_some() { Stdio::inherit() } else { Stdio::null() })
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("could not start {cmd:?}: {e}"))?;
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..400 {
            if reqwest::get(format!("{base}/api/health")).await.is_ok_and(|r| r.status().is_success()) {
                return Ok(Server { child, base });
            }
            if let Ok(Some(status)) = child.try_wait() {
                let taken = std::net::TcpListener::bind(("127.0.0.1", port)).is_err();
                let why = if taken { format!(" (port {port} is taken by another process)") } else { String::new() };
                return Err(format!("tandem exited with {status} before answering{why}"));
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        Err("tandem did not answer within 10 seconds".into())
    }

    pub fn pid(&self) -> u32 {
        self.child.id().unwrap_or(0)
    }

    /// CPU time the process has used so far (user + system), in seconds.
    pub fn cpu_secs(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap_or_default();
        let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
        let f: Vec<&str> = after.split_whitespace().collect();
        // Fields 14 and 15 (utime, stime) are at 11 and 12 after the command name and state.
        let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        (tick(11) + tick(12)) / 100.0
    }

    /// SIGKILL: no chance to finish anything.
    pub async fn kill(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }

    /// SIGTERM, as a service manager stops it: requests in flight finish, streams close.
    pub async fn terminate(mut self) {
        let pid = self.pid().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status().await;
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await.is_err() {
            let _ = self.child.start_kill();
            let _ = self.child.wait().await;
        }
    }
}
