//! `live-idle [CONNECTIONS] [USERS]` (defaults 10,000 and 100): how many idle live channels one
//! server process holds, and what each costs. Starts the reference server (this build's
//! profile; use `--release`) on a temp SQLite file, signs `USERS` users up, opens `CONNECTIONS`
//! live channels spread over them (raw HTTP/1.1 on loopback; the open-file limit of this process,
//! inherited by the server, is raised to its hard limit with setrlimit), waits for each
//! channel's first event, holds them through two heartbeats, checks every one still answers,
//! and prints the server's resident memory before and after and the difference per connection.
//!
//! `cargo run --release -p studymate-e2e --bin live-idle`

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use studymate_core::sync::ServerSession;
use studymate_core::sync::protocol::SignupRequest;
use studymate_e2e::Server;

/// Heartbeat interval given to the server, in seconds.
const HEARTBEAT_SECONDS: u64 = 2;

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("CONNECTIONS and USERS are numbers"))
        .collect();
    let connections = args.first().copied().unwrap_or(10_000);
    let users = args.get(1).copied().unwrap_or(100).max(1);
    let limit = raise_open_files();
    println!("open-file limit {limit}");
    let dir = tempfile::tempdir().expect("temp dir");
    let heartbeat = HEARTBEAT_SECONDS.to_string();
    let server = Server::start_with(
        &dir.path().join("server.db"),
        &["--live-heartbeat-seconds", &heartbeat],
    );
    let tokens: Vec<String> = (0..users)
        .map(|i| {
            let session = ServerSession::signup(
                &server.base,
                &SignupRequest {
                    username: format!("idle{i}"),
                    password: "correct horse battery".into(),
                    display_name: format!("idle {i}"),
                    user_id: None,
                },
            )
            .expect("signup");
            session.tokens().access_token
        })
        .collect();
    let address = server.base.trim_start_matches("http://").to_owned();
    // A first channel warms up the server's thread pools and buffers.
    drop(open(&address, &tokens[0]));
    let before = server.memory_kib("VmRSS");
    let started = Instant::now();
    let mut open_channels: Vec<TcpStream> = (0..connections)
        .map(|i| open(&address, &tokens[i % users]))
        .collect();
    let opened_in = started.elapsed();
    std::thread::sleep(Duration::from_secs(2 * HEARTBEAT_SECONDS + 1));
    let alive = open_channels
        .iter_mut()
        .map(heartbeat_arrives)
        .filter(|alive| *alive)
        .count();
    let after = server.memory_kib("VmRSS");
    let grown = after.saturating_sub(before);
    println!(
        "{connections} channels ({users} users) opened in {:.1} s; {alive} answered after two heartbeats",
        opened_in.as_secs_f64()
    );
    println!(
        "server VmRSS {before} KiB before, {after} KiB with the channels open: {grown} KiB more, {:.1} KiB per channel",
        grown as f64 / connections.max(1) as f64
    );
    assert_eq!(alive, connections, "every channel stayed open");
}

/// Raises this process's open-file limit to its hard limit (the server it starts inherits it).
fn raise_open_files() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
            libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
        }
    }
    limit.rlim_cur
}

/// Opens one live channel and reads until its first event.
fn open(address: &str, token: &str) -> TcpStream {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    write!(
        stream,
        "GET /v1/sync/live HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nStudyMate-Protocol: 1\r\n\r\n"
    )
    .expect("request");
    let mut seen = Vec::new();
    let mut chunk = [0u8; 1024];
    while !String::from_utf8_lossy(&seen).contains("event: feed") {
        let n = stream.read(&mut chunk).expect("the first event");
        assert!(
            n > 0,
            "the server closed a channel: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&chunk[..n]);
    }
    assert!(
        seen.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&seen)
    );
    stream
}

/// Whether the channel still delivers (a heartbeat arrives).
fn heartbeat_arrives(stream: &mut TcpStream) -> bool {
    let mut chunk = [0u8; 4096];
    matches!(stream.read(&mut chunk), Ok(n) if n > 0)
}
