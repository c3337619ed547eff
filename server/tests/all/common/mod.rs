//! Test harness: starts the real server binary on 127.0.0.1 port 0 and talks to it over HTTP.

pub mod accounts;
pub mod authority;
pub mod live;
pub mod migrations;
pub mod privacy;
pub mod robust;
pub mod scenarios;
pub mod sql;

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{OnceLock, mpsc};
use std::time::Duration;

use chrono::Utc;
use reqwest::blocking::Client;
use serde_json::{Value, json};
use studymate_core::changelog::{Entity, Operation};
use studymate_e2e::process::{self, server_log};
use uuid::Uuid;

/// A running server process; stopped when dropped (SIGTERM, then SIGKILL after 10 s).
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The database it serves (a file path or a `postgres://` URL).
    database: String,
    http: Client,
}

impl Server {
    /// Starts the server on `database` with the bundled catalog and extra flags.
    pub fn start(database: &str, extra: &[&str]) -> Server {
        Self::spawn(database, extra, |_| {})
    }

    /// Starts the server like [`Server::start`], but with SIGTERM and SIGINT blocked in the
    /// signal mask it inherits, as some supervisors start it (Foundation's `Process` on Linux).
    pub fn start_with_shutdown_signals_blocked(database: &str) -> Server {
        Self::spawn(database, &[], |command| {
            // SAFETY: the hook runs in the forked child before exec and only calls
            // async-signal-safe functions on a set of its own.
            unsafe { command.pre_exec(block_shutdown_signals) };
        })
    }

    /// Spawns the server after `prepare` has adjusted its command, and waits for its address.
    fn spawn(database: &str, extra: &[&str], prepare: impl FnOnce(&mut Command)) -> Server {
        let catalog = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/catalog.json");
        let mut command = Command::new(server_binary());
        command
            .args([
                "--listen",
                "127.0.0.1:0",
                "--database",
                database,
                "--catalog",
            ])
            .arg(&catalog)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(server_log());
        prepare(&mut command);
        let mut child = command.spawn().expect("server binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("listening on ") {
                    let _ = tx.send(addr.to_owned());
                }
            }
        });
        let base = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(base) => base,
            Err(_) => {
                let _ = child.kill();
                panic!("server did not report its address (database {database})");
            }
        };
        Server {
            child,
            base,
            database: database.to_owned(),
            http: Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("client"),
        }
    }

    /// Sends SIGTERM and waits (up to 20 s) for the process to exit, then SIGKILLs it; the
    /// status is a success only when the server shut down by itself.
    pub fn terminate(mut self) -> ExitStatus {
        process::stop(&mut self.child, Duration::from_secs(20)).expect("wait on server")
    }

    /// The server process's peak resident memory (`VmHWM` of `/proc/PID/status`), in KiB.
    pub fn peak_memory_kib(&self) -> u64 {
        let value = self.proc_status("VmHWM");
        value
            .trim_end_matches("kB")
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("VmHWM {value:?}"))
    }

    /// The signals the server's main thread blocks (`SigBlk` of `/proc/PID/status`), a bit per
    /// signal: bit N-1 for signal N.
    pub fn blocked_signals(&self) -> u64 {
        let value = self.proc_status("SigBlk");
        u64::from_str_radix(&value, 16).unwrap_or_else(|_| panic!("SigBlk {value:?}"))
    }

    /// One field of the server process's `/proc/PID/status`, trimmed.
    fn proc_status(&self, field: &str) -> String {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the server's /proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| panic!("a {field} line"))
    }

    /// Credits (or debits) `user`'s points with the operator command `adjust-points`.
    pub fn adjust_points(&self, user: Uuid, points: i64) {
        let status = Command::new(env!("CARGO_BIN_EXE_studymate-server"))
            .args(["--database", &self.database, "adjust-points", "--user"])
            .arg(user.to_string())
            .arg("--points")
            .arg(points.to_string())
            .stdout(Stdio::null())
            .stderr(server_log())
            .status()
            .expect("server binary runs");
        assert!(status.success(), "adjust-points {user} {points} failed");
    }

    /// A request builder with the protocol header set.
    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::blocking::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header("StudyMate-Protocol", "1")
    }

    /// POSTs JSON and returns status and body.
    pub fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
        let mut req = self.request(reqwest::Method::POST, path).json(body);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        send(req)
    }

    /// Signs a new user up; returns the auth response.
    pub fn signup(&self, username: &str) -> Session {
        let (status, body) = self.post(
            "/v1/auth/signup",
            None,
            &json!({"username": username, "password": "correct horse", "display_name": username}),
        );
        assert_eq!(status, 201, "signup {username}: {body}");
        Session::from_body(&body)
    }

    /// `creator`'s new phone, having pushed the direct room of `creator` and `other` (applied):
    /// the opening of the chat scenarios. Returns the phone and the room.
    pub fn direct_room(&self, creator: &Session, other: &Session) -> (Device, Uuid) {
        let mut phone = Device::new();
        let (room, create) = phone.room("DIRECT", &[creator.user, other.user]);
        assert_eq!(
            statuses(&self.push(creator, phone.id, &[create])),
            ["applied"],
            "the direct room is created"
        );
        (phone, room)
    }

    /// Signs in a user that [`Server::signup`] made; returns the new session.
    pub fn login(&self, username: &str) -> Session {
        let (status, body) = self.post(
            "/v1/auth/login",
            None,
            &json!({"username": username, "password": "correct horse"}),
        );
        assert_eq!(status, 200, "login {username}: {body}");
        Session::from_body(&body)
    }

    /// Pushes a batch from `device`; returns the per-entry results.
    pub fn push(&self, session: &Session, device: Uuid, changes: &[Value]) -> Vec<Value> {
        let (status, body) = self.post(
            "/v1/sync/push",
            Some(&session.access),
            &json!({"protocol_version": 1, "device_id": device, "changes": changes}),
        );
        assert_eq!(status, 200, "push: {body}");
        body["results"].as_array().expect("results").clone()
    }

    /// One pull page.
    pub fn pull_page(&self, session: &Session, cursor: Option<&str>, limit: u32) -> (u16, Value) {
        self.pull_page_within(session, cursor, limit, None)
    }

    /// [`Server::pull_page`] asking for at most `max_bytes` of payloads when given.
    pub fn pull_page_within(
        &self,
        session: &Session,
        cursor: Option<&str>,
        limit: u32,
        max_bytes: Option<usize>,
    ) -> (u16, Value) {
        let mut query = vec![("limit".to_owned(), limit.to_string())];
        if let Some(n) = max_bytes {
            query.push(("max_bytes".to_owned(), n.to_string()));
        }
        if let Some(c) = cursor {
            query.push(("cursor".to_owned(), c.to_owned()));
        }
        send(
            self.request(reqwest::Method::GET, "/v1/sync/pull")
                .query(&query)
                .bearer_auth(&session.access),
        )
    }

    /// Pulls every page from `cursor`; returns the changes and the final cursor.
    pub fn pull_all(&self, session: &Session, cursor: Option<&str>) -> (Vec<Value>, String) {
        let mut cursor = cursor.map(str::to_owned);
        let mut all = Vec::new();
        loop {
            let (status, body) = self.pull_page(session, cursor.as_deref(), 500);
            assert_eq!(status, 200, "pull: {body}");
            all.extend(body["changes"].as_array().expect("changes").iter().cloned());
            cursor = Some(body["next_cursor"].as_str().expect("cursor").to_owned());
            if body["has_more"] != json!(true) {
                return (all, cursor.unwrap_or_default());
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = process::stop(&mut self.child, Duration::from_secs(10));
    }
}

/// Blocks SIGTERM and SIGINT in the calling thread's mask (the `pre_exec` hook of
/// [`Server::start_with_shutdown_signals_blocked`]).
fn block_shutdown_signals() -> std::io::Result<()> {
    let mut set = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: the set is initialised by `sigemptyset` before it is read or changed, and
    // `sigprocmask` reads it; all three are async-signal-safe.
    let failed = unsafe {
        libc::sigemptyset(set.as_mut_ptr()) != 0
            || libc::sigaddset(set.as_mut_ptr(), libc::SIGTERM) != 0
            || libc::sigaddset(set.as_mut_ptr(), libc::SIGINT) != 0
            || libc::sigprocmask(libc::SIG_BLOCK, set.as_ptr(), std::ptr::null_mut()) != 0
    };
    if failed {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// The server binary built with the `fault-injection` feature, once per test process. Cargo
/// enables the feature for these tests through the package's dev-dependency on itself under
/// `cargo test -p studymate-server`, but not in every build (`cargo test --workspace` builds the
/// binary without it), so it is built here explicitly, in the tests' profile and target
/// directory; the fault-injection scenario proves it took effect.
fn server_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let bin = PathBuf::from(env!("CARGO_BIN_EXE_studymate-server"));
        let release = bin.components().any(|c| c.as_os_str() == "release");
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args([
            "build",
            "-q",
            "-p",
            "studymate-server",
            "--features",
            "fault-injection",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
        if release {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("cargo runs");
        assert!(
            status.success(),
            "building the fault-injection server failed"
        );
        bin
    })
}

/// Announces a body of `length` bytes on a raw connection and returns the answer the server
/// gives before any of the body is sent (how a body limit must answer).
pub fn announce_body(base: &str, path: &str, token: &str, length: usize) -> (u16, Value) {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nStudyMate-Protocol: 1\r\n\
         Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    )
    .expect("write headers");
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&raw).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let wanted = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_owned())
                })
                .and_then(|v| v.parse::<usize>().ok());
            if wanted.is_some_and(|w| body.len() >= w) {
                let status = head
                    .split(' ')
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .expect("status line");
                return (status, serde_json::from_str(body).unwrap_or(Value::Null));
            }
        }
        let n = stream
            .read(&mut buf)
            .expect("server answers before the body is sent");
        assert!(n > 0, "connection closed without a full answer: {text}");
        raw.extend_from_slice(&buf[..n]);
    }
}

/// Sends a request and returns status and JSON body (Null if the body is not JSON).
pub fn send(req: reqwest::blocking::RequestBuilder) -> (u16, Value) {
    let resp = req.send().expect("request reaches the server");
    let status = resp.status().as_u16();
    let body = resp.json::<Value>().unwrap_or(Value::Null);
    (status, body)
}

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: Uuid,
    pub access: String,
    pub refresh: String,
}

impl Session {
    pub fn from_body(body: &Value) -> Session {
        Session {
            user: body["user_id"]
                .as_str()
                .and_then(|s| Uuid::parse_str(s).ok())
                .expect("user_id"),
            access: body["access_token"]
                .as_str()
                .expect("access_token")
                .to_owned(),
            refresh: body["refresh_token"]
                .as_str()
                .expect("refresh_token")
                .to_owned(),
        }
    }
}

/// A server on `db` (default flags) with one user signed up per name, in order: the opening of
/// most scenarios.
pub fn signed_up<const N: usize>(db: &str, names: [&str; N]) -> (Server, [Session; N]) {
    let server = Server::start(db, &[]);
    let sessions = names.map(|name| server.signup(name));
    (server, sessions)
}

/// Makes change-log entries with increasing device sequences.
pub struct Device {
    pub id: Uuid,
    next_seq: i64,
}

impl Device {
    pub fn new() -> Device {
        Device {
            id: Uuid::now_v7(),
            next_seq: 1,
        }
    }

    /// One change-log entry.
    pub fn change(
        &mut self,
        entity: Entity,
        entity_id: impl ToString,
        op: Operation,
        payload: Value,
    ) -> Value {
        let seq = self.next_seq;
        self.next_seq += 1;
        json!({
            "seq": seq, "change_id": Uuid::now_v7(), "entity": entity, "entity_id": entity_id.to_string(),
            "operation": op, "payload": payload, "created_at": Utc::now(),
        })
    }

    /// A room insert with `members` (the first is the creator), a group named "study group".
    pub fn room(&mut self, room_type: &str, members: &[Uuid]) -> (Uuid, Value) {
        let name = (room_type == "GROUP").then_some("study group");
        self.room_named(room_type, members, name)
    }

    /// A room insert with `members` (the first is the creator) and the given name.
    pub fn room_named(
        &mut self,
        room_type: &str,
        members: &[Uuid],
        name: Option<&str>,
    ) -> (Uuid, Value) {
        let id = Uuid::now_v7();
        let participants: Vec<Value> = members
            .iter()
            .enumerate()
            .map(|(i, m)| json!({"user_id": m, "role": if i == 0 { "ADMIN" } else { "MEMBER" }, "last_read_message_id": null}))
            .collect();
        let payload = json!({"id": id, "room_type": room_type, "name": name, "description": null,
            "created_by": members[0], "created_at": Utc::now(), "participants": participants});
        (
            id,
            self.change(Entity::ChatRoom, id, Operation::Insert, payload),
        )
    }

    /// A text message insert.
    pub fn message(&mut self, room: Uuid, sender: Uuid, text: &str) -> (Uuid, Value) {
        let id = Uuid::now_v7();
        let payload = json!({"id": id, "room_id": room, "sender_id": sender, "message_type": "TEXT",
            "content": text, "file_url": null, "file_metadata": null, "reply_to_id": null,
            "is_edited": false, "edited_at": null, "is_deleted": false, "deleted_at": null,
            "send_state": "pending", "sort_key": 9007199254740993_i64, "created_at": Utc::now()});
        (
            id,
            self.change(Entity::ChatMessage, id, Operation::Insert, payload),
        )
    }

    /// An image message insert with the given address and metadata.
    pub fn attachment(&mut self, room: Uuid, sender: Uuid, url: &str, metadata: Value) -> Value {
        let id = Uuid::now_v7();
        let payload = json!({"id": id, "room_id": room, "sender_id": sender, "message_type": "IMAGE",
            "content": null, "file_url": url, "file_metadata": metadata, "reply_to_id": null,
            "is_edited": false, "edited_at": null, "is_deleted": false, "deleted_at": null,
            "send_state": "pending", "sort_key": 9007199254740993_i64, "created_at": Utc::now()});
        self.change(Entity::ChatMessage, id, Operation::Insert, payload)
    }

    /// A ledger entry; `rule` makes it an award keyed by (rule, period).
    pub fn points(&mut self, kind: &str, points: i64, rule: Option<(&str, &str)>) -> Value {
        let id = Uuid::now_v7();
        let source = if kind == "spent" {
            "streak_freeze"
        } else {
            "daily_practice"
        };
        let payload = json!({"id": id, "transaction_type": kind, "points": points, "source": source,
            "source_reference_id": null, "rule": rule.map(|r| r.0), "period_key": rule.map(|r| r.1),
            "description": null, "created_at": Utc::now()});
        self.change(Entity::PointTransaction, id, Operation::Insert, payload)
    }

    /// An interest tag added: a change that needs no other record.
    pub fn interest(&mut self, tag: &str) -> Value {
        self.change(
            Entity::UserInterest,
            tag,
            Operation::Insert,
            json!({"interest_tag": tag}),
        )
    }

    /// A streak freeze bought today (UTC), as the device's `buy_streak_freeze` logs it.
    pub fn freeze(&mut self) -> Value {
        let id = Uuid::now_v7();
        let day = Utc::now().date_naive();
        let payload = json!({"id": id, "transaction_type": "spent", "points": -studymate_core::rewards::FREEZE_PRICE,
            "source": "streak_freeze", "source_reference_id": null, "rule": "streak_freeze",
            "period_key": studymate_core::rewards::freeze_period_key(day, id),
            "description": "Streak freeze", "created_at": Utc::now()});
        self.change(Entity::PointTransaction, id, Operation::Insert, payload)
    }

    /// A practice session of the fixture café situation completed now in Seoul, with one
    /// answer (`None`: no answer at all) and the scores the device claims.
    pub fn session(&mut self, answer: Option<&str>, claimed_overall: i64) -> (Uuid, Value) {
        let id = Uuid::now_v7();
        let now = Utc::now();
        let mut turns = vec![json!({"index": 0, "speaker": "character",
            "text": "Hi! What can I get for you today?", "created_at": now})];
        if let Some(text) = answer {
            turns.push(json!({"index": 1, "speaker": "learner", "text": text,
                "answer": {"spoken": null, "response_time_ms": 3000, "hints_used": 0},
                "created_at": now}));
        }
        let day = studymate_core::rewards::local_day(now, "Asia/Seoul").expect("zone");
        let payload = json!({"id": id, "situation_id": CAFE_SITUATION, "variation_id": CAFE_VARIATION,
            "status": "completed", "started_at": now, "ended_at": now, "total_duration_seconds": 0,
            "time_zone": "Asia/Seoul", "utc_offset_seconds": 32400, "local_day": day, "hints_used": 0,
            "scores": {"overall": claimed_overall, "appropriateness": claimed_overall, "fluency": claimed_overall},
            "turns": turns});
        (
            id,
            self.change(Entity::PracticeSession, id, Operation::Insert, payload),
        )
    }
}

/// The fixture café variation's ideal answer.
pub const CAFE_IDEAL: &str = "Can I get a large iced americano to go, please?";

/// The café situation of `server/tests/fixtures/catalog.json`.
pub const CAFE_SITUATION: &str = "0190f000-0000-7000-8000-000000000001";
/// Its variation.
pub const CAFE_VARIATION: &str = "0190f000-0000-7000-8000-000000000101";

/// The status of each result, in order.
pub fn statuses(results: &[Value]) -> Vec<String> {
    results
        .iter()
        .map(|r| match r["code"].as_str() {
            Some(code) => format!("{}:{code}", r["status"].as_str().unwrap_or("?")),
            None => r["status"].as_str().unwrap_or("?").to_owned(),
        })
        .collect()
}

/// The (entity, entity_id) pairs of pulled changes.
pub fn entities(changes: &[Value]) -> Vec<(String, String)> {
    changes
        .iter()
        .map(|c| {
            (
                c["entity"].as_str().unwrap_or("").to_owned(),
                c["entity_id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}
