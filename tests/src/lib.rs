//! Harness of the end-to-end tests: the real `studymate-server` process on loopback with a
//! temporary SQLite store, devices (a `Client` on a real database file plus a signed-in
//! session), a fault-injecting HTTP proxy and a hand-written responder for malformed answers.
//!
//! The server binary is built once per test process with `$CARGO build -p studymate-server`
//! (same profile as the test, and the server's test feature `fault-injection`) and started with `--listen 127.0.0.1:0`; its
//! `listening on http://ADDR` line gives the address.

pub mod process;
pub mod proxy;
pub mod responder;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use studymate_core::sync::protocol::SignupRequest;
use studymate_core::sync::{RetryPolicy, ServerSession, SyncConfig, SyncReport};
use studymate_core::time::Clock;
use studymate_core::{Client, OpenOptions, Result};
use uuid::Uuid;

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Builds the server binary once (in the profile of the running executable) and returns its path;
/// or, when `STUDYMATE_SERVER_BIN` names a binary, that one, unbuilt. Comparing two server builds
/// needs the variable: the build here would otherwise replace a binary copied into `target/`.
pub fn server_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(chosen) = std::env::var_os("STUDYMATE_SERVER_BIN") {
            return PathBuf::from(chosen);
        }
        let exe = std::env::current_exe().expect("current exe");
        let release = exe.components().any(|c| c.as_os_str() == "release");
        let mut cmd = Command::new(env!("CARGO"));
        // With the feature the server's own integration tests enable (its dev-dependency on
        // itself), so that under `cargo test --workspace` this build leaves at
        // target/<profile>/studymate-server the same binary those tests were built against,
        // instead of replacing it. These tests never send the poison entry it reacts to.
        cmd.args([
            "build",
            "-q",
            "-p",
            "studymate-server",
            "--features",
            "studymate-server/fault-injection",
        ])
        .current_dir(workspace());
        if release {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("cargo runs");
        assert!(status.success(), "building studymate-server failed");
        let profile_dir = exe
            .ancestors()
            .find(|p| {
                p.file_name()
                    .is_some_and(|n| n == "debug" || n == "release")
            })
            .expect("target profile dir")
            .to_path_buf();
        profile_dir.join("studymate-server")
    })
}

/// How long a dropped [`Server`] has to stop after SIGTERM before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// A running server process on a temp SQLite file; stopped when dropped (SIGTERM, then SIGKILL
/// after [`STOP_GRACE`]).
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The database file (kept across restarts).
    pub database: PathBuf,
}

impl Server {
    /// Starts a server on `database` with the four-situation fixture catalog.
    pub fn start(database: &Path) -> Server {
        Self::start_with(database, &[])
    }

    /// Starts a server with extra flags (e.g. `--reset-history`).
    pub fn start_with(database: &Path, extra: &[&str]) -> Server {
        let catalog = workspace().join("server/tests/fixtures/catalog.json");
        Self::start_serving(database, &catalog, extra)
    }

    /// Starts a server that serves the catalog file `catalog` (the demo's tests use its bundled one).
    pub fn start_serving(database: &Path, catalog: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(server_binary())
            // Every test user comes from 127.0.0.1: no per-address throttling here.
            .args(["--signup-per-address-per-hour", "0"])
            .args(["--login-per-address-per-minute", "0"])
            .args(["--listen", "127.0.0.1:0", "--database"])
            .arg(database)
            .arg("--catalog")
            .arg(catalog)
            .args(extra)
            .env("RUST_LOG", process::server_log_filter())
            .stdout(Stdio::piped())
            .stderr(process::server_log())
            .spawn()
            .expect("server starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
                if let Some(addr) = line.strip_prefix("listening on ") {
                    let _ = tx.send(addr.to_owned());
                }
            }
        });
        let base = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("server reports its address");
        Server {
            child,
            base,
            database: database.to_path_buf(),
        }
    }

    /// Credits (or debits) `user`'s points with the server's operator command, an admin
    /// adjustment: the way points reach a ledger besides the reward rules.
    pub fn adjust_points(&self, user: Uuid, points: i64) {
        let status = Command::new(server_binary())
            .arg("--database")
            .arg(&self.database)
            .args(["adjust-points", "--user", &user.to_string(), "--points"])
            .arg(points.to_string())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .status()
            .expect("server binary runs");
        assert!(status.success(), "adjust-points {user} {points} failed");
    }

    /// A memory figure of the server process (`field` of `/proc/PID/status`, e.g. `VmRSS`), in
    /// KiB.
    pub fn memory_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the server's /proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("the memory line")
    }

    /// CPU time the server process has used so far (user and system), in milliseconds.
    pub fn cpu_ms(&self) -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .expect("the server's /proc stat");
        // Fields after the command name (which is in parentheses): state is the 3rd field of
        // the line, utime and stime the 14th and 15th.
        let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let ticks: u64 =
            fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
        ticks * 1000 / clock_ticks_per_second()
    }

    /// Kills the process (SIGKILL) and waits for it.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = process::stop(&mut self.child, STOP_GRACE);
    }
}

/// Fast retries for tests: faults clear within a few attempts.
pub fn test_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 12,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(100),
        max_retry_after: Duration::from_secs(1),
    }
}

/// Signs up a new account for `client`'s user (keeping the device's user id).
pub fn signup(base: &str, client: &Client, username: &str) -> Arc<ServerSession> {
    Arc::new(
        ServerSession::signup(
            base,
            &SignupRequest {
                username: username.into(),
                password: "correct horse battery".into(),
                display_name: username.into(),
                user_id: Some(client.user_id()),
            },
        )
        .expect("signup"),
    )
}

/// A device clock set `offset` away from the real one (and moving with it): a phone whose clock
/// is wrong. The server keeps the real time.
#[derive(Debug, Clone, Copy)]
pub struct ShiftedClock(pub chrono::Duration);

impl Clock for ShiftedClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now() + self.0
    }
}

/// One device: its database file, the client, and the user's session.
pub struct Device {
    /// The open database.
    pub client: Client,
    /// Where it lives.
    pub path: PathBuf,
    /// The signed-in session (shared by the user's devices in tests).
    pub session: Arc<ServerSession>,
}

impl Device {
    /// Opens a database for `user` (a new user when `None`) at `dir/name.db`.
    pub fn open(
        dir: &Path,
        name: &str,
        user: Option<Uuid>,
        session: Option<Arc<ServerSession>>,
        base: &str,
        username: &str,
    ) -> Device {
        Self::open_with(
            dir,
            name,
            user,
            session,
            base,
            username,
            OpenOptions::default(),
        )
    }

    /// [`Device::open`] with other open options (e.g. a [`ShiftedClock`]); `options.user_id` is
    /// replaced by `user`.
    pub fn open_with(
        dir: &Path,
        name: &str,
        user: Option<Uuid>,
        session: Option<Arc<ServerSession>>,
        base: &str,
        username: &str,
        options: OpenOptions,
    ) -> Device {
        let path = dir.join(format!("{name}.db"));
        let client = Client::open(
            &path,
            OpenOptions {
                user_id: user,
                ..options
            },
        )
        .expect("open device");
        let session = session.unwrap_or_else(|| signup(base, &client, username));
        Device {
            client,
            path,
            session,
        }
    }

    /// Opens another device of this device's user at `dir/name.db`, signed in with the same session.
    pub fn another(&self, dir: &Path, name: &str, base: &str) -> Device {
        Device::open(
            dir,
            name,
            Some(self.client.user_id()),
            Some(self.session.clone()),
            base,
            "",
        )
    }

    /// Opens (offline) the direct room between this device's user and `other`'s, saving their
    /// profile as a contact first; returns the room id.
    pub fn direct_room_with(&self, other: &Device) -> Uuid {
        let profile = other.client.profile().expect("their profile");
        self.client.save_contact(&profile).expect("contact");
        self.client
            .create_direct_room(other.client.user_id())
            .expect("direct room")
            .id
    }

    /// Syncs against `base` with the test retry policy.
    pub fn sync(&self, base: &str) -> Result<SyncReport> {
        let mut config = SyncConfig::new(base, self.session.clone());
        config.retry = test_retry();
        config.request_timeout = Duration::from_secs(20);
        self.client.sync(&config)
    }
}

/// One message as compared across devices: id, sort key, content, send state, deleted.
pub type MessageRow = (Uuid, i64, Option<String>, String, bool);

/// What two devices must agree on after quiescing: a comparable snapshot of one user's data.
#[derive(Debug, PartialEq)]
pub struct Snapshot {
    /// The user's profile, as JSON.
    pub profile: serde_json::Value,
    /// The ledger, newest first, as JSON.
    pub ledger: serde_json::Value,
    /// Balance (available, lifetime earned, used).
    pub balance: (i64, i64, i64),
    /// Per room: messages (id, sort_key, content, state, deleted) in timeline order.
    pub rooms: Vec<(Uuid, Vec<MessageRow>)>,
    /// Rooms with their members and read markers, as JSON.
    pub room_members: serde_json::Value,
    /// Unread counts per room.
    pub unread: Vec<(Uuid, i32)>,
    /// Completed practice sessions (ids).
    pub sessions: Vec<Uuid>,
}

/// Reads a device's snapshot.
pub fn snapshot(c: &Client) -> Snapshot {
    let mut rooms = c.rooms().expect("rooms");
    rooms.sort_by_key(|r| r.id);
    let mut messages = Vec::new();
    for r in &rooms {
        let mut all = Vec::new();
        let mut before = None;
        loop {
            let page = c.messages(r.id, before, 200).expect("messages");
            all.extend(page.messages.iter().map(|m| {
                (
                    m.id,
                    m.sort_key,
                    m.content.clone(),
                    m.send_state.as_str().to_owned(),
                    m.is_deleted,
                )
            }));
            match page.next_before {
                Some(b) => before = Some(b),
                None => break,
            }
        }
        all.reverse();
        messages.push((r.id, all));
    }
    let mut ledger = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = c.point_history(cursor.as_deref(), 100).expect("ledger");
        ledger.extend(page.entries);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let b = c.balance().expect("balance");
    let mut unread: Vec<(Uuid, i32)> = c
        .unread_counts()
        .expect("unread")
        .into_iter()
        .map(|u| (u.room_id, u.unread))
        .collect();
    unread.sort();
    let mut sessions: Vec<Uuid> = c
        .practice_history(None, 200)
        .expect("practice history")
        .into_iter()
        .map(|s| s.id)
        .collect();
    sessions.sort();
    Snapshot {
        profile: serde_json::to_value(c.profile().expect("profile")).expect("json"),
        ledger: serde_json::to_value(&ledger).expect("json"),
        balance: (b.available, b.lifetime_earned, b.used),
        rooms: messages,
        room_members: serde_json::to_value(&rooms).expect("json"),
        unread,
        sessions,
    }
}

/// CPU time this process has used so far (user and system, all threads), in milliseconds.
pub fn own_cpu_ms() -> u64 {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let ms = |t: libc::timeval| t.tv_sec as u64 * 1000 + t.tv_usec as u64 / 1000;
    ms(usage.ru_utime) + ms(usage.ru_stime)
}

fn clock_ticks_per_second() -> u64 {
    // SAFETY: sysconf reads a constant of the system.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(ticks).ok().filter(|&t| t > 0).unwrap_or(100)
}
